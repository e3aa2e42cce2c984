package intake

import (
	"strings"
	"testing"
)

func TestReceiptRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		r := NewReceipt()
		if len(r) != 11 || r[4] != '-' || r[9] != '-' {
			t.Fatalf("bad shape %q", r)
		}
		got, ok := NormalizeReceipt(r)
		if !ok || got != r {
			t.Fatalf("NormalizeReceipt(%q) = %q, %v", r, got, ok)
		}
		if seen[r] {
			t.Fatalf("duplicate %q in 2000", r)
		}
		seen[r] = true
	}
}

func TestReceiptCatchesEverySingleError(t *testing.T) {
	r := strings.ReplaceAll(NewReceipt(), "-", "")
	for pos := 0; pos < len(r); pos++ {
		for _, c := range receiptAlphabet {
			if byte(c) == r[pos] {
				continue
			}
			typo := r[:pos] + string(c) + r[pos+1:]
			if _, ok := NormalizeReceipt(typo); ok {
				t.Fatalf("typo %q of %q accepted", typo, r)
			}
		}
	}
}

func TestNormalizeReceiptInputs(t *testing.T) {
	r := NewReceipt()
	plain := strings.ReplaceAll(r, "-", "")
	full := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c - '0' + '０'
		}
		if c >= 'A' && c <= 'Z' {
			return c - 'A' + 'Ａ'
		}
		return c
	}, r)
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"canonical", r, true},
		{"no hyphens", plain, true},
		{"lower case", strings.ToLower(r), true},
		{"spaces", plain[:4] + " " + plain[4:], true},
		{"full-width", full, true},
		{"too short", plain[:8], false},
		{"ambiguous letter O", "O" + plain[1:], false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NormalizeReceipt(tc.in)
			if ok != tc.ok || (ok && got != r) {
				t.Fatalf("NormalizeReceipt(%q) = %q, %v", tc.in, got, ok)
			}
		})
	}
}

func FuzzNormalizeReceipt(f *testing.F) {
	f.Add("K7M2-Q9XH-3")
	f.Add("")
	f.Add("ＡＢＣＤ－２３４５－６")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormalizeReceipt(s)
		if !ok {
			return
		}
		again, ok2 := NormalizeReceipt(got)
		if !ok2 || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
