package llm

import (
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

func TestMask(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		names []string
		want  string
		n     int
	}{
		{"mobile", "犯人の番号は090-1234-5678です。", nil, "犯人の番号は[電話番号1]です。", 1},
		{"landline in brackets", "東京の事務所03(1234)5678から電話", nil, "東京の事務所[電話番号1]から電話", 1},
		{"international", "連絡先 +81 90 1234 5678 まで", nil, "連絡先 [電話番号1] まで", 1},
		{"full-width", "電話：０９０－１２３４－５６７８に折り返し", nil, "電話：[電話番号1]に折り返し", 1},
		{"same number twice", "090-1234-5678と09012345678は同じ、03-1234-5678は別", nil, "[電話番号1]と[電話番号1]は同じ、[電話番号2]は別", 3},
		{"email", "送信元はtaro.yamada@example.co.jpでした", nil, "送信元は[メール1]でした", 1},
		{"full-width at", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ へ返信", nil, "[メール1] へ返信", 1},
		{"defanged", "taro[at]example[.]jp に誘導", nil, "[メール1] に誘導", 1},
		{"names", "被害者の山田 太郎さん（山田太郎）と鈴木　花子さん", []string{"山田 太郎", "鈴木花子"}, "被害者の[氏名1]さん（[氏名1]）と[氏名2]さん", 3},
		{"all", "山田太郎 090-1234-5678 yamada@example.com", []string{"山田太郎"}, "[氏名1] [電話番号1] [メール1]", 3},
		{"far from the start", strings.Repeat("あ", 1000) + "090-1234-5678" + strings.Repeat("い", 3000) + "taro@example.jp",
			nil, strings.Repeat("あ", 1000) + "[電話番号1]" + strings.Repeat("い", 3000) + "[メール1]", 2},
		{"kanji numerals", "〇九〇―一二三四―五六七八に電話", nil, "[電話番号1]に電話", 1},
		{"line break after a dash", "番号は090-1234-\n5678です", nil, "番号は[電話番号1]です", 1},
		{"nothing", "ＬＩＮＥで投資に誘われた。1,234,567円を振り込んだ。", nil, "ＬＩＮＥで投資に誘われた。1,234,567円を振り込んだ。", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := MaskNames(tt.text, tt.names)
			if got != tt.want || n != tt.n {
				t.Errorf("MaskNames(%q) = %q, %d; want %q, %d", tt.text, got, n, tt.want, tt.n)
			}
		})
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"090-1234-5678", "03(1234)5678", "+81 90 1234 5678", "０９０－１２３４－５６７８",
		"〇九〇―一二三四―五六七八", "taro@example.jp", "taro[at]example[.]jp", "TEL090-1234-5678",
		"090-1234-\n5678", "a@b.jp090-1234-5678c@d.jp", "https://example.com/?tel=09012345678",
		"山田太郎 090 - 1234 - 5678 まで",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, n := MaskNames(text, []string{"山田太郎"})
		if n == 0 && got != text {
			t.Fatalf("MaskNames(%q) = %q with no replacement", text, got)
		}
		if len(targets(observe.Extract(text))) == 0 && matchName(text, "山田太郎") == 0 && !strings.Contains(text, "山田") && got != text {
			t.Fatalf("MaskNames(%q) = %q; nothing to mask", text, got)
		}
		if left := targets(observe.Extract(got)); len(left) > 0 {
			t.Fatalf("MaskNames(%q) = %q still holds %v", text, got, left)
		}
		if strings.Contains(got, "山田太郎") {
			t.Fatalf("MaskNames(%q) = %q still holds the name", text, got)
		}
	})
}

func BenchmarkMask(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < MaxText-200 {
		sb.WriteString("被害者から相談。犯人は090-1234-5678から電話し、taro@example.jpに返信するよう求めた。")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Mask(text)
	}
}
