package observe

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fuzzSeeds returns seed inputs: the iocextract corpus lines (failing if
// the corpus is missing) and Japanese report snippets.
func fuzzSeeds(f *testing.F) []string {
	f.Helper()
	var seeds []string
	for _, name := range []string{"input.txt", "valid.txt", "invalid.txt"} {
		data, err := os.ReadFile(filepath.Join(iocextractDir, "test_data", name))
		if err != nil {
			f.Fatalf("iocextract corpus missing: %v", err)
		}
		seeds = append(seeds, strings.Split(string(data), "\n")...)
	}
	seeds = append(seeds,
		"「090-1234-5678に電話してください」",
		"ｅｘａｍｐｌｅ［．］ｃｏｍ １９２．１６８．０．１ ｕｓｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ",
		"https://example.com/pathまで。例え。jp しました。example.com",
		"support@bank-login.xyz。IPは198.51.100.7。",
		"ｶﾞ か\uFF9E e\u0301 Ａ\u0301 [[.]] (at) [://] ttps://例え.jp/",
		"::ffff:1.2.3.4 fe80::1%eth0 CVE‐2021‐44228 ０３（１２３４）５６７８",
	)
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		seeds = append(seeds, corpusPart(r))
	}
	return seeds
}

// checkExtract checks the invariants of Extract on one input.
func checkExtract(t *testing.T, text string) {
	if got, want := nfkc(text), norm.NFKC.String(text); got != want {
		t.Fatalf("nfkc(%q) = %q, norm gives %q", text, got, want)
	}
	p := prepare(text)
	if again := prepare(p.text).text; again != p.text {
		t.Fatalf("prepare is not idempotent: %q → %q → %q", text, p.text, again)
	}
	seen := map[Observable]bool{}
	for _, ob := range Extract(text) {
		if seen[ob] {
			t.Fatalf("Extract(%q) repeats %v", text, ob)
		}
		seen[ob] = true
		v, err := Normalize(ob.Type, ob.Value)
		if err != nil || v != ob.Value {
			t.Fatalf("Extract(%q) gave %v, which normalises to %q, %v", text, ob, v, err)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(checkExtract)
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(uint8(0), s)
	}
	for i, s := range []string{"192.168.0.1", "2001:db8::1", "例え.jp", "HXXPS://Example[.]com:443/a#b",
		"a@b.co.jp", "090-1234-5678", "D41D8CD98F00B204E9800998ECF8427E", "cve-2021-44228"} {
		f.Add(uint8(i), s)
	}
	types := Types()
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		ty := types[int(k)%len(types)]
		v, err := Normalize(ty, value)
		if err != nil {
			return
		}
		if v == "" || !utf8.ValidString(v) {
			t.Fatalf("Normalize(%s, %q) = %q", ty, value, v)
		}
		again, err := Normalize(ty, v)
		if err != nil || again != v {
			t.Fatalf("Normalize(%s, %q) = %q, but Normalize(%s, %q) = %q, %v", ty, value, v, ty, v, again, err)
		}
	})
}

// TestExtractInvariants runs the fuzz invariants over the seeds and the
// benchmark corpus, so that plain go test checks them too.
func TestExtractInvariants(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(iocextractDir, "test_data", "input.txt"))
	if err != nil {
		t.Fatalf("iocextract corpus missing: %v", err)
	}
	checkExtract(t, string(data))
	corpus := benchCorpus(64 << 10)
	checkExtract(t, corpus)
	for len(corpus) > 0 {
		k := strings.IndexByte(corpus, '\n')
		if k < 0 {
			k = len(corpus) - 1
		}
		checkExtract(t, corpus[:k+1])
		corpus = corpus[k+1:]
	}
}

// TestStableRunes checks nfkc's assumptions against the norm package: the
// stable runes are their own NFKC form and start a segment, and full-width
// ASCII maps to ASCII.
func TestStableRunes(t *testing.T) {
	for r := rune(0); r <= 0xFFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if stableRune(r) {
			if norm.NFKC.String(s) != s {
				t.Errorf("stable rune %U is changed by NFKC", r)
			}
			if !norm.NFKC.PropertiesString(s).BoundaryBefore() {
				t.Errorf("stable rune %U may combine with the rune before it", r)
			}
		}
		if a, ok := wideASCII(r); ok {
			if got := norm.NFKC.String(s); got != string(rune(a)) {
				t.Errorf("NFKC(%U) = %q, wideASCII gives %q", r, got, a)
			}
		}
	}
}

func TestNFKCMatchesNorm(t *testing.T) {
	alphabet := []rune("aA0.-@[]()ｶﾞﾟか\u3099\u309Aが\uFF9E\uFF9F１．Ａ＠（）\u3000\u0301\u0338=<e。｡例①㈱ﾊﾟ\u00A0ﬁ\uFFFD")
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		n := r.IntN(12)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		if r.IntN(10) == 0 {
			b.WriteByte(0xff) // invalid UTF-8
		}
		s := b.String()
		if got, want := nfkc(s), norm.NFKC.String(s); got != want {
			t.Fatalf("nfkc(%q) = %q, norm gives %q", s, got, want)
		}
	}
}
