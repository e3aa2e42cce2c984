package intake_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

func TestParseYen(t *testing.T) {
	const (
		unreadable = "intake.error.amount"
		negative   = "intake.error.amount_negative"
		fraction   = "intake.error.amount_fraction"
		tooLarge   = "intake.error.amount_too_large"
	)
	for _, tc := range []struct {
		name, in string
		want     int64
		key      string // "" when the amount is understood
	}{
		{"empty is no amount", "", 0, ""},
		{"spaces are no amount", " 　 ", 0, ""},
		{"plain digits", "500000", 500000, ""},
		{"man", "50万", 500000, ""},
		{"full-width man yen", "５０万円", 500000, ""},
		{"kanji", "五十万円", 500000, ""},
		{"commas and yen", "1,234,567円", 1234567, ""},
		{"full-width commas", "１，２３４，５６７円", 1234567, ""},
		{"man and sen", "1万2千円", 12000, ""},
		{"yen sign", "¥12,345", 12345, ""},
		{"full-width yen sign", "￥12,345", 12345, ""},
		{"oku and man", "1億5000万円", 150000000, ""},
		{"kanji to the yen", "千二百三十四円", 1234, ""},
		{"a unit alone counts once", "千万円", 10000000, ""},
		{"kanji digits in a row", "二〇〇〇円", 2000, ""},
		{"decimal before man", "1.5万", 15000, ""},
		{"about", "約30万円くらい", 300000, ""},
		{"spaced", "50 万 円", 500000, ""},
		{"english", "500,000 yen", 500000, ""},
		{"JPY", "JPY 12000", 12000, ""},
		{"k", "50k", 50000, ""},
		{"zero", "0円", 0, ""},
		{"formal numerals", "壱萬円", 10000, ""},
		{"mixed kanji units", "一億二千三百四十五万六千七百八十九", 123456789, ""},
		{"comma thousands before man", "1,234万円", 12340000, ""},
		// Refused, each with what is wrong.
		{"minus", "-5000", 0, negative},
		{"full-width minus", "－５０００円", 0, negative},
		{"minus word", "マイナス3万円", 0, negative},
		{"triangle", "▲1,000", 0, negative},
		{"half a yen", "1234.5円", 0, fraction},
		{"too large", "1京円", 0, unreadable},
		{"over the limit", "10兆1円", 0, tooLarge},
		{"letters", "abc", 0, unreadable},
		{"yen only", "円", 0, unreadable},
		{"man only", "万円", 0, unreadable},
		{"bad grouping", "1,23円", 0, unreadable},
		{"two points", "1.2.3", 0, unreadable},
		{"exponent", "5e3", 0, unreadable},
		{"units out of order", "百千円", 0, unreadable},
		{"man twice", "1万1万", 0, unreadable},
		{"group larger than its place", "1万12345", 0, unreadable},
		{"oku group too large", "1億12000万", 0, unreadable},
		{"arabic and kanji digits mixed", "5〇万", 0, unreadable},
		{"words", "たくさん", 0, unreadable},
		{"range", "5万〜10万", 0, unreadable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := intake.ParseYen(tc.in)
			if tc.key == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseYen(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
				}
				return
			}
			if err == nil || koban.ErrorKey(err) != tc.key || koban.ErrorCode(err) != koban.Invalid {
				t.Fatalf("ParseYen(%q) = %d, %v; want the error %s", tc.in, got, err, tc.key)
			}
			if ke := (*koban.Error)(nil); !errors.As(err, &ke) || ke.Field != "money.amount_jpy" {
				t.Fatalf("ParseYen(%q): error not on money.amount_jpy: %v", tc.in, err)
			}
		})
	}
}

// FuzzParseYen: whatever is typed, an amount is either understood within
// the limits or refused; digits alone read as themselves, and an amount
// written back as koban shows it (1,234円, ¥1234) reads as itself again.
func FuzzParseYen(f *testing.F) {
	for _, s := range []string{"50万", "５０万円", "五十万円", "1,234,567円", "1万2千円", "¥12,345", "-5", "1.5万", "千万", "1億5000万円", "約3万円くらい", "1,23", "万"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := intake.ParseYen(s)
		if err != nil {
			if koban.ErrorCode(err) != koban.Invalid || v != 0 {
				t.Fatalf("ParseYen(%q) = %d, %v", s, v, err)
			}
			return
		}
		if v < 0 || v > intake.MaxAmountJPY {
			t.Fatalf("ParseYen(%q) = %d: out of range", s, v)
		}
		if strings.TrimSpace(s) == "" && v != 0 {
			t.Fatalf("ParseYen(%q) = %d from nothing", s, v)
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n != v {
			t.Fatalf("ParseYen(%q) = %d, want %d", s, v, n)
		}
		for _, back := range []string{commas(v) + "円", "¥" + strconv.FormatInt(v, 10)} {
			if w, err := intake.ParseYen(back); err != nil || w != v {
				t.Fatalf("ParseYen(%q) = %d, but %q reads as %d, %v", s, v, back, w, err)
			}
		}
	})
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
