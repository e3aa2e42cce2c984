package observe

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// scanTexts returns random texts of digits, ASCII letters and punctuation,
// kana and kanji, of all lengths up to a few words, for the byte-scanning
// helpers, whose word-at-a-time loops have edge cases at every length.
func scanTexts() []string {
	pieces := []string{"0", "7", "42", "2024", "a", "Z", "-", " ", ".", "\n", "あ", "漢", "。", "ｶ", "\xff", "v", "V"}
	r := rand.New(rand.NewPCG(11, 12))
	var texts []string
	for range 3000 {
		var b strings.Builder
		for n := r.IntN(24); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	return texts
}

// TestByteScans checks the byte-scanning helpers against byte loops.
func TestByteScans(t *testing.T) {
	for _, s := range scanTexts() {
		var want []span
		for i := 0; i < len(s); {
			if !isDigit(s[i]) {
				i++
				continue
			}
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			want = append(want, span{i, j})
			i = j
		}
		checkDigitRuns(t, s, want)
		var d digitRuns
		d.find(s)
		for i := 0; i <= len(s); i++ {
			nd, ae := len(s), len(s)
			for k := len(s) - 1; k >= i; k-- {
				if isDigit(s[k]) {
					nd = k
				}
				if s[k] >= 0x80 {
					ae = k
				}
			}
			if got := nextDigit(s, i); got != nd {
				t.Fatalf("nextDigit(%q, %d) = %d, want %d", s, i, got, nd)
			}
			if got := asciiEnd(s, i); got != ae {
				t.Fatalf("asciiEnd(%q, %d) = %d, want %d", s, i, got, ae)
			}
			// next, asked in order and out of order.
			if got := d.next(i, len(s)); got != nd {
				t.Fatalf("digitRuns.next(%d) on %q = %d, want %d", i, s, got, nd)
			}
		}
		for i := len(s); i >= 0; i-- {
			if got, want := d.next(i, len(s)), nextDigit(s, i); got != want {
				t.Fatalf("digitRuns.next(%d) on %q, asked backwards, = %d, want %d", i, s, got, want)
			}
		}
	}
}

// TestDigitChain checks that scanPhones may skip what digitRuns.chain says
// holds too few digits: no gap between digit groups is wider than
// maxPhoneGap allows.
func TestDigitChain(t *testing.T) {
	seps := []string{"\n", "\r"}
	for r := rune(0); r <= 0x10FFFF; r++ {
		if phoneSep(string(r), 0) > 0 {
			seps = append(seps, string(r))
		}
	}
	for _, a := range seps {
		for _, b := range seps {
			for _, c := range seps {
				if g := a + b + c + "1"; phoneGap(g, 0) > maxPhoneGap {
					t.Fatalf("phoneGap(%q) is %d bytes: maxPhoneGap is too small", g, phoneGap(g, 0))
				}
			}
		}
	}
}

// TestClaimCursor checks claimCursor against claimEnd, on random claims
// and offsets asked mostly in ascending order.
func TestClaimCursor(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 500 {
		s := &scanner{}
		for k := range s.claims {
			for p := r.IntN(5); p < 200; {
				n := 1 + r.IntN(10)
				s.claims[k] = append(s.claims[k], span{p, p + n})
				p += n + r.IntN(30)
			}
		}
		ks := []int{claimURL, claimEmail, claimIPv6}[:1+r.IntN(3)]
		c := s.cursor(ks...)
		pos := 0
		for range 100 {
			pos += r.IntN(8)
			if r.IntN(10) == 0 {
				pos = max(0, pos-r.IntN(40))
			}
			if got, want := c.end(pos), s.claimEnd(pos, ks...); got != want {
				t.Fatalf("cursor over %v: end(%d) = %d, claimEnd says %d", s.claims, pos, got, want)
			}
		}
	}
}

// TestByLead checks that the first word of bankLabels, fillers and
// accountKinds found through byLead is the first the whole list gives.
func TestByLead(t *testing.T) {
	lists := []struct {
		ix    *byLead
		n     int
		match func(k int, s string) bool
	}{
		{labelsByLead, len(bankLabels), func(k int, s string) bool { return bankLabels[k].match(s) }},
		{fillersByLead, len(fillers), func(k int, s string) bool { return strings.HasPrefix(s, fillers[k]) }},
		{kindsByLead, len(accountKinds), func(k int, s string) bool { return accountKinds[k].match(s) }},
	}
	text := mixedCorpus(64<<10) + "金融機関コード 口座No.1 普通預金 当座 です、" +
		"Bank: X, BRANCH CODE 123, Account No. 1, account holder, Savings Deposit, savings, CURRENT, currently"
	for _, l := range lists {
		for i := 0; i < len(text); i++ {
			want := -1
			for k := range l.n {
				if l.match(k, text[i:]) {
					want = k
					break
				}
			}
			got := -1
			for _, k := range l.ix[text[i]] {
				if l.match(k, text[i:]) {
					got = k
					break
				}
			}
			if got != want {
				t.Fatalf("at %q: byLead finds word %d, the list %d", text[i:min(len(text), i+12)], got, want)
			}
		}
	}
}

// TestTelBefore holds telBefore, which lets most positions go on the byte
// before them, to the plain search for each label.
func TestTelBefore(t *testing.T) {
	slow := func(t string, i int) bool {
		if t[i-1] == '.' {
			i--
		}
		for _, w := range telWords {
			if strings.HasSuffix(t[:i], w) {
				k := i - len(w)
				return k == 0 || !isWordByte(t[k-1])
			}
		}
		return false
	}
	pieces := []string{"TEL", "Tel", "tel", "FAX", "Fax", "fax", "TE", "L", "x", "X", "l", "a", ".", " ", "0", "_", "あ"}
	r := rand.New(rand.NewPCG(17, 1))
	for range 20000 {
		var b strings.Builder
		for n := 1 + r.IntN(6); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		for i := 1; i <= len(s); i++ {
			if got, want := telBefore(s, i), slow(s, i); got != want {
				t.Fatalf("telBefore(%q, %d) = %v, want %v", s, i, got, want)
			}
		}
	}
}

// BenchmarkDigitRuns finds the digit runs of the mixed corpus.
func BenchmarkDigitRuns(b *testing.B) {
	text := mixedCorpus(corpusSize)
	var d digitRuns
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		d.find(text)
	}
}

// checkDigitRuns checks find, and find with the Go bitmap (which other
// processors use), against want, the digit runs of s.
func checkDigitRuns(t *testing.T, s string, want []span) {
	t.Helper()
	for _, f := range []struct {
		name string
		find func(*digitRuns, string)
	}{
		{"find", (*digitRuns).find},
		{"findWith(digitBitmapGo)", func(d *digitRuns, s string) { d.findWith(s, digitBitmapGo) }},
	} {
		var d digitRuns
		f.find(&d, s)
		if !slices.Equal(d.runs, want) {
			t.Fatalf("%s: digit runs of %q: %v, want %v", f.name, s, d.runs, want)
		}
	}
}

// TestDigitRunsLong checks the digit runs of long texts, whose runs cross
// the 64-byte words and the 4 KB blocks of findWith, against a byte loop.
func TestDigitRunsLong(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	pieces := []string{"0123456789", "5", "x", "漢字", " ", "。", "\xff", strings.Repeat("9", 70)}
	for range 300 {
		var b strings.Builder
		for n := r.IntN(9000); b.Len() < n; {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		var want []span
		for i := 0; i < len(s); i++ {
			if isDigit(s[i]) && (i == 0 || !isDigit(s[i-1])) {
				want = append(want, span{i, i})
			}
			if isDigit(s[i]) && (i+1 == len(s) || !isDigit(s[i+1])) {
				want[len(want)-1].end = i + 1
			}
		}
		checkDigitRuns(t, s, want)
	}
}

// TestDigitBitmap checks digitBitmap against a byte loop on every byte
// value at every place of a word, among digits and among other bytes.
func TestDigitBitmap(t *testing.T) {
	for _, fill := range []byte{'5', 'a', 0x80, 0xFF, 0x2F, 0x3A} {
		src := make([]byte, 64*3)
		for i := range src {
			src[i] = fill
		}
		for v := 0; v < 256; v++ {
			for p := 0; p < len(src); p += 7 {
				old := src[p]
				src[p] = byte(v)
				var got, gotGo [3]uint64
				digitBitmap(&got[0], &src[0], 3)
				digitBitmapGo(&gotGo[0], &src[0], 3)
				if got != gotGo {
					t.Fatalf("byte %#02x at %d among %#02x: digitBitmap %#x, digitBitmapGo %#x", v, p, fill, got, gotGo)
				}
				for k := range got {
					var want uint64
					for j := range 64 {
						if isDigit(src[64*k+j]) {
							want |= 1 << j
						}
					}
					if got[k] != want {
						t.Fatalf("byte %#02x at %d among %#02x: word %d is %#016x, want %#016x", v, p, fill, k, got[k], want)
					}
				}
				src[p] = old
			}
		}
	}
}
