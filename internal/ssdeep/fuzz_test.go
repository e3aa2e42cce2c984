package ssdeep_test

import (
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/ssdeep"
)

// FuzzSum: any input gets a digest that is the same however the input is
// cut into writes, that Compare reads, and that matches itself fully.
func FuzzSum(f *testing.F) {
	f.Add([]byte("The quick brown fox jumps over the lazy dog, again and again and again."), 9)
	f.Add(make([]byte, 300), 0)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		d := ssdeep.Sum(data)
		if strings.Count(d, ":") != 2 {
			t.Fatalf("malformed digest %q", d)
		}
		if cut < 0 {
			cut = -cut
		}
		cut %= len(data) + 1
		h := ssdeep.New()
		h.Write(data[:cut])
		h.Write(data[cut:])
		if got := h.String(); got != d {
			t.Fatalf("cut at %d: %s, whole %s", cut, got, d)
		}
		if score, err := ssdeep.Compare(d, d); err != nil || score != 100 {
			t.Fatalf("Compare(%s, itself) = %d, %v", d, score, err)
		}
	})
}

// FuzzCompare: any two strings either fail or score 0–100, the same both
// ways round.
func FuzzCompare(f *testing.F) {
	f.Add("96:QbwUbdjA76KAXuUdRME2ZEfOHMwp2jzM6RQRUB3IP7ES:QEUJje6fzd6Zs+MMSfRQRo3ITN", "192:QEUJje6fzd6Zs+MMSfRQRo3ITN:x")
	f.Add("3:aaaaaaaaa:b", "3:aaa:b")
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, err1 := ssdeep.Compare(a, b)
		ba, err2 := ssdeep.Compare(b, a)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("errors differ: %v, %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		if ab != ba || ab < 0 || ab > 100 {
			t.Fatalf("scores %d and %d", ab, ba)
		}
	})
}
