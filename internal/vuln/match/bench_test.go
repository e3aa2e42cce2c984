package match

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/koban-project/koban/internal/vuln/cpe"
)

// generate makes n assets and n configurations over 2,000 products, a
// fifth of the configurations an application on Windows (AND), a tenth
// negated, the rest plain ranges or exact versions, OpenSSL and Debian
// among them.
func generate(n int) ([]cpe.Name, []Configuration) {
	rng := rand.New(rand.NewPCG(7, 16))
	product := func() (string, string) {
		switch k := rng.IntN(2000); {
		case k < 20:
			return "openssl", "openssl"
		case k < 40:
			return "debian", fmt.Sprintf("pkg%d", k)
		default:
			return fmt.Sprintf("vendor%d", k/10), fmt.Sprintf("product%d", k)
		}
	}
	ver := func(vendor string) string {
		v := fmt.Sprintf("%d.%d.%d", rng.IntN(4), rng.IntN(20), rng.IntN(30))
		switch vendor {
		case "openssl":
			v += string(rune('a' + rng.IntN(26)))
		case "debian":
			v = fmt.Sprintf("%d:%s-%d", rng.IntN(2), v, 1+rng.IntN(3))
		}
		return v
	}
	assets := make([]cpe.Name, n)
	for i := range assets {
		v, p := product()
		assets[i] = cpe.MustParse(fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*", v, p, cpeEscape(ver(v))))
	}
	windows := CPEMatch{Criteria: "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}
	confs := make([]Configuration, n)
	for i := range confs {
		v, p := product()
		m := CPEMatch{Vulnerable: true, Criteria: fmt.Sprintf("cpe:2.3:a:%s:%s:*:*:*:*:*:*:*:*", v, p)}
		lo, hi := ver(v), ver(v)
		if v == "debian" {
			lo, hi = fmt.Sprintf("%d.%d", rng.IntN(4), rng.IntN(20)), fmt.Sprintf("%d.%d", 1+rng.IntN(4), rng.IntN(20))
		}
		switch rng.IntN(3) {
		case 0:
			m.VersionStartIncluding, m.VersionEndExcluding = lo, hi
		case 1:
			m.VersionEndIncluding = hi
		default:
			m.Criteria = fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*", v, p, cpeEscape(hi))
		}
		node := Node{Operator: "OR", CPEMatch: []CPEMatch{m}}
		switch k := rng.IntN(10); {
		case k < 2:
			confs[i] = Configuration{Operator: "AND", Nodes: []Node{node, {Operator: "OR", CPEMatch: []CPEMatch{windows}}}}
		case k < 3:
			confs[i] = Configuration{Operator: "AND", Nodes: []Node{node, {Operator: "OR", Negate: true, CPEMatch: []CPEMatch{windows}}}}
		default:
			confs[i] = Configuration{Nodes: []Node{node}}
		}
	}
	return assets, confs
}

func cpeEscape(s string) string {
	out := make([]byte, 0, len(s)+2)
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func benchSize() int {
	if os.Getenv("KOBAN_BENCH_LARGE") == "1" {
		return 10000
	}
	return 1000
}

// BenchmarkMatch matches every asset against every configuration through
// the Index (one op is the whole fleet); KOBAN_BENCH_LARGE=1 makes it
// 10,000 × 10,000 instead of 1,000 × 1,000.
func BenchmarkMatch(b *testing.B) {
	n := benchSize()
	assets, confs := generate(n)
	ix := NewIndex(confs)
	b.ResetTimer()
	var hits int
	for b.Loop() {
		hits = 0
		for _, a := range assets {
			ix.Each(a, nil, func(int, Result) { hits++ })
		}
	}
	b.ReportMetric(float64(hits), "hits")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/asset")
}

// BenchmarkMatchOne is one Match call of an asset against a range
// configuration of its own product, criterion parsing included.
func BenchmarkMatchOne(b *testing.B) {
	asset := cpe.MustParse("cpe:2.3:a:apache:http_server:2.4.51:*:*:*:*:*:*:*")
	conf := single(CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*",
		VersionStartIncluding: "2.4.0", VersionEndExcluding: "2.4.52"})
	for b.Loop() {
		if Match(asset, conf).Matched != Yes {
			b.Fatal("no match")
		}
	}
}

// TestIndexAgrees holds the Index to matching every configuration.
func TestIndexAgrees(t *testing.T) {
	assets, confs := generate(300)
	ix := NewIndex(confs)
	for _, a := range assets {
		want := map[int]Matched{}
		for i, c := range confs {
			if r := Match(a, c); r.Matched != No {
				want[i] = r.Matched
			}
		}
		got := map[int]Matched{}
		ix.Each(a, nil, func(i int, r Result) { got[i] = r.Matched })
		if len(got) != len(want) {
			t.Fatalf("%s: index found %d, scan %d", a, len(got), len(want))
		}
		for i, m := range want {
			if got[i] != m {
				t.Fatalf("%s: configuration %d: index %s, scan %s", a, i, got[i], m)
			}
		}
	}
}
