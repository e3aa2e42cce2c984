package triage

import (
	"bytes"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/taxonomy"
)

var seedModel = sync.OnceValue(func() *Model {
	m, err := Train(Seed(), Options{})
	if err != nil {
		panic(err)
	}
	return m
})

func TestSeedSet(t *testing.T) {
	ex := Seed()
	per := map[taxonomy.Code]int{}
	tags := map[string]int{}
	for _, e := range ex {
		per[e.Category]++
		tags[e.Tag]++
	}
	for _, c := range allClasses() {
		if per[c] < 25 {
			t.Errorf("%s has %d examples, want at least 25", c, per[c])
		}
	}
	if tags[TagYamibaito] < 40 {
		t.Errorf("%d yamibaito examples, want at least 40", tags[TagYamibaito])
	}
	if tags["hardneg"] == 0 {
		t.Error("no hard negatives")
	}
	// Only reserved domains and 090-0000-xxxx numbers: the seed must not
	// name a real site or a real person's phone.
	domain := regexp.MustCompile(`[A-Za-z0-9-]+\.(jp|com|net|org|ly|io)\b`)
	phone := regexp.MustCompile(`0\d0-\d{4}-\d{4}`)
	for _, e := range ex {
		for _, d := range domain.FindAllString(e.Text, -1) {
			if d != "example.jp" && d != "example.com" {
				t.Errorf("seed names domain %q: %s", d, e.Text)
			}
		}
		for _, p := range phone.FindAllString(e.Text, -1) {
			if !strings.HasPrefix(p, "090-0000-") {
				t.Errorf("seed names phone %q", p)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   []string // all normalise to the first's form
		want string
	}{
		{"kana forms", []string{"バイト", "ﾊﾞｲﾄ", "ばいと", "バ イ ト", "バ・イ・ト"}, "ばいと"},
		{"hidden words", []string{"闇バイト", "闇ﾊﾞｲﾄ", "闇　バ　イ　ト", "闇🌙バイト", "闇\u200bバイト", "闇ばいと"}, "闇ばいと"},
		{"full-width latin", []string{"ＵＤ案件", "UD案件", "ud 案件", "𝐔𝐃案件"}, "ud案件"},
		{"digits", []string{"日給５万円", "日給50万円", "日給５０万円"}, "日給0万円"},
		{"digits with separators", []string{"日給50,000円", "日給１２３４円", "日給５，０００円"}, "日給0円"},
		{"square characters", []string{"㍻", "平成"}, "平成"},
		{"phone", []string{"090-0000-1234", "09000001234", "０９０－００００－１２３４", "+81-90-0000-1234"}, "<PHONE>"},
		{"phone in text", []string{"連絡は090-0000-1234まで", "連絡は09000001234まで"}, "連絡は<PHONE>まで"},
		{"url", []string{"https://bank.example.jp/login", "http://x.example.com", "www.example.jp", "example.jp/abc", "ｈｔｔｐｓ://example.com"}, "<URL>"},
		{"email", []string{"info@example.jp", "ＩＮＦＯ＠ＥＸＡＭＰＬＥ．ＪＰ"}, "<EMAIL>"},
		{"ascii words keep one space", []string{"Contact  on   Telegram!", "contact on telegram"}, "contact on telegram"},
		{"empty", []string{"", "   ", "!!!", "🌙🌙", "\ue000"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, in := range tt.in {
				if got := Normalize(in); got != tt.want {
					t.Errorf("Normalize(%q) = %q, want %q", in, got, tt.want)
				}
			}
		})
	}
}

func TestTrainDeterministic(t *testing.T) {
	a, err := Train(Seed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(Seed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ba, _ := a.MarshalBinary()
	bb, _ := b.MarshalBinary()
	if !bytes.Equal(ba, bb) {
		t.Fatal("two trainings on the same examples differ")
	}
	if a.Version() != b.Version() || !strings.HasPrefix(a.Version(), "nb-") {
		t.Fatalf("versions %q and %q", a.Version(), b.Version())
	}
	// Another example makes another model.
	c, err := Train(append(Seed(), Example{Text: "新しい例", Category: taxonomy.OT}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() == a.Version() {
		t.Fatal("a different training set kept the version")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	m := seedModel()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if back.Version() != m.Version() {
		t.Fatalf("version %q after a round trip, was %q", back.Version(), m.Version())
	}
	for _, ex := range Seed() {
		if got, want := back.Suggest(ex.Text), m.Suggest(ex.Text); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %+v after a round trip, was %+v", ex.Text, got, want)
		}
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	good, _ := seedModel().MarshalBinary()
	cases := map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("NOTAMODL"), good[8:]...),
		"truncated": good[:len(good)/2],
		"trailing":  append(append([]byte(nil), good...), 0),
		"bits":      append(append([]byte(magic), 99), good[9:]...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			var m Model
			if err := m.UnmarshalBinary(b); !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
}

func TestTrainRefuses(t *testing.T) {
	if _, err := Train(nil, Options{}); err == nil {
		t.Error("no examples: no error")
	}
	if _, err := Train([]Example{{Text: "x", Category: "XX"}}, Options{}); err == nil {
		t.Error("unknown category: no error")
	}
	if _, err := Train(Seed(), Options{Bits: 30}); err == nil {
		t.Error("30 bits: no error")
	}
}

func TestModelSize(t *testing.T) {
	m := seedModel()
	b, _ := m.MarshalBinary()
	t.Logf("seed model: %d bytes serialised, about %d bytes in memory", len(b), m.memoryBytes())
	const limit = 20 << 20
	if len(b) > limit || m.memoryBytes() > limit {
		t.Fatalf("model %d bytes serialised, %d in memory; limit %d", len(b), m.memoryBytes(), limit)
	}
}

// The texts below are not in the seed set.
func TestSuggestObvious(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		want   taxonomy.Code
		urgent bool
	}{
		{"phishing SMS", "【重要】お客様のカードが不正利用された可能性があります。至急こちらからご本人確認をお願いします https://card-check.example.jp", taxonomy.PH, false},
		{"ransomware note", "All your files are encrypted. 社内サーバーのファイルが暗号化され、復号には身代金をビットコインで支払えという脅迫文がありました。", taxonomy.MW, false},
		{"suicide inducement", "一緒に死ねる人を探しています。練炭と車は用意します、今週末に決行しましょう。", taxonomy.SU, true},
		{"yamibaito", "即日即金のホワイト案件!荷物を受け取るだけで日給5万、詳しくはテレグラムで", taxonomy.SC, true},
		{"investment fraud", "SNSの投資グループで勧められたアプリに入金したが、出金しようとすると手数料を求められる", taxonomy.FR, false},
		{"ordinary job ad", "駅前のカフェでアルバイト募集、時給1100円、交通費支給、シフトは相談できます。応募しても大丈夫なお店でしょうか", taxonomy.OT, false},
	}
	m := seedModel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := m.Suggest(tt.text)
			if s.Category != tt.want {
				t.Errorf("category %s (%.2f), want %s; features %v", s.Category, s.Score, tt.want, s.Features)
			}
			if s.Urgent != tt.urgent {
				t.Errorf("urgent %v (%.2f), want %v", s.Urgent, s.UrgentScore, tt.urgent)
			}
			if s.Model != m.Version() {
				t.Errorf("model %q, want %q", s.Model, m.Version())
			}
		})
	}
}

func TestFeaturesExplain(t *testing.T) {
	telltale := []string{"高額", "報酬", "即日", "即金", "ほわいと", "案件", "荷物", "受け取", "ud", "てれぐらむ", "しぐなる", "ばいと", "闇"}
	m := seedModel()
	for _, text := range []string{
		"高額報酬、即日即金。荷物を受け取るだけ。シグナルで連絡ください",
		"ﾎﾜｲﾄ案件★UD★日払い★ﾃﾚｸﾞﾗﾑ",
	} {
		s := m.Suggest(text)
		if s.Category != taxonomy.SC || len(s.Features) == 0 {
			t.Fatalf("%q: %s with features %v", text, s.Category, s.Features)
		}
		top := s.Features[0].Text
		ok := false
		for _, w := range telltale {
			if strings.Contains(w, top) && len([]rune(top)) >= 2 || strings.Contains(top, w) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%q: top feature %q is none of the telltale n-grams; features %v", text, top, s.Features)
		}
		for i := 1; i < len(s.Features); i++ {
			if s.Features[i].Weight > s.Features[i-1].Weight {
				t.Errorf("features not strongest first: %v", s.Features)
			}
		}
	}
}

func TestSuggestEdges(t *testing.T) {
	m := seedModel()
	for _, text := range []string{"", "   ", "🌙", "\x00\xff\xfe"} {
		s := m.Suggest(text)
		if s.Category != taxonomy.OT || s.Score != 0 || s.Features != nil {
			t.Errorf("%q: %+v, want OT with score 0", text, s)
		}
	}
	// 1 MB is read only to MaxTextBytes: the same answer as its head, in
	// bounded time.
	huge := strings.Repeat("荷物を受け取るだけの高額バイト、テレグラムで連絡。", 1<<20/75)
	start := time.Now()
	s := m.Suggest(huge)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("1 MB took %v", d)
	}
	if want := m.Suggest(capText(huge)); !reflect.DeepEqual(s, want) {
		t.Errorf("1 MB: %+v, its head: %+v", s, want)
	}
	if s.Category != taxonomy.SC {
		t.Errorf("1 MB of 闇バイト: %s", s.Category)
	}
}

func TestSuggestAllocations(t *testing.T) {
	m := seedModel()
	text := benchText()
	m.Suggest(text)
	allocs := testing.AllocsPerRun(50, func() { m.Suggest(text) })
	// The Features slice and its strings; the scratch memory is pooled.
	if allocs > 2+MaxFeatures {
		t.Errorf("%v allocations per Suggest", allocs)
	}
}

func FuzzSuggest(f *testing.F) {
	for _, s := range []string{"", "闇ﾊﾞｲﾄ", "090-0000-1234", "https://example.jp", "a@b.c", "\xff", "５０，０００円"} {
		f.Add(s)
	}
	m := seedModel()
	f.Fuzz(func(t *testing.T, text string) {
		s := m.Suggest(text)
		if !taxonomy.Valid(string(s.Category)) {
			t.Fatalf("category %q", s.Category)
		}
		if !(s.Score >= 0 && s.Score <= 1) || !(s.UrgentScore >= 0 && s.UrgentScore <= 1) {
			t.Fatalf("scores %v %v", s.Score, s.UrgentScore)
		}
		if len(s.Features) > MaxFeatures {
			t.Fatalf("%d features", len(s.Features))
		}
	})
}

// benchText is a 500-character report.
func benchText() string {
	base := []rune("SNSで見つけた高収入のアルバイトに応募したところ、テレグラムを入れるように言われ、免許証の写真と実家の住所を送らされました。仕事は荷物を受け取って指定の場所まで運ぶだけと説明され、報酬は即日払いだそうです。連絡先は090-0000-5678、相手のサイトは https://job.example.jp です。")
	var out []rune
	for len(out) < 500 {
		out = append(out, base...)
	}
	return string(out[:500])
}

func BenchmarkSuggest500(b *testing.B) {
	m := seedModel()
	text := benchText()
	durations := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		m.Suggest(text)
		if len(durations) < cap(durations) {
			durations = append(durations, time.Since(start))
		}
	}
	b.StopTimer()
	if len(durations) > 0 {
		slices.Sort(durations)
		b.ReportMetric(float64(durations[len(durations)*95/100].Nanoseconds()), "p95-ns")
	}
}
