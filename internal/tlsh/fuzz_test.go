package tlsh_test

import (
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/tlsh"
)

func isHexUpper(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// FuzzSum: any input has the null digest or "T1" and 70 hexadecimal
// digits, the same however it is cut into writes, which parses back to
// itself and lies at distance 0 from itself.
func FuzzSum(f *testing.F) {
	f.Add([]byte("This is a test for Lili Diao. This is a string. Hello Hello Hello"), 7)
	f.Add([]byte(strings.Repeat("a", 100)), 1)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		d := tlsh.Sum(data)
		s := d.String()
		if s != tlsh.Null && (len(s) != 72 || s[:2] != "T1" || !isHexUpper(s[2:])) {
			t.Fatalf("malformed digest %q", s)
		}
		if d.IsNull() != (s == tlsh.Null) || (len(data) < tlsh.MinLength && !d.IsNull()) {
			t.Fatalf("%d bytes: digest %s", len(data), s)
		}
		var h tlsh.Hasher
		if cut < 0 {
			cut = -cut
		}
		cut %= len(data) + 1
		h.Write(data[:cut])
		h.Write(data[cut:])
		if h.Digest() != d {
			t.Fatalf("cut at %d: %s, whole %s", cut, h.Digest(), d)
		}
		back, err := tlsh.Parse(s)
		if err != nil || back != d {
			t.Fatalf("Parse(%s) = %s, %v", s, back, err)
		}
		if d.IsNull() {
			return
		}
		for _, dist := range []func(a, b tlsh.Digest) (int, error){tlsh.Distance, tlsh.DistanceNoLength} {
			if n, err := dist(d, d); n != 0 || err != nil {
				t.Fatalf("distance to itself %d, %v", n, err)
			}
		}
	})
}

// FuzzParse: any string either fails or parses to a digest that writes
// back to the same digest (in upper case, with the version).
func FuzzParse(f *testing.F) {
	f.Add("T109F05A198CC69A5A4F0F9380A9EE93F2B927CF42089EA74276DC5F0BB2D34E68114448")
	f.Add("TNULL")
	f.Add("09F05A198CC69A5A4F0F9380A9EE93F2B927CF42089EA74276DC5F0BB2D34E68114448")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := tlsh.Parse(s)
		if err != nil {
			return
		}
		again, err := tlsh.Parse(d.String())
		if err != nil || again != d {
			t.Fatalf("%q → %s → %s, %v", s, d, again, err)
		}
		if !d.IsNull() && !strings.EqualFold(strings.TrimPrefix(strings.ToUpper(s), "T1"), d.String()[2:]) {
			t.Fatalf("%q written back as %s", s, d)
		}
	})
}
