package pattern

import (
	"testing"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

// BenchmarkParse parses every spec example once per iteration; patterns/s
// is reported.
func BenchmarkParse(b *testing.B) {
	examples := specExamples(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range examples {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(examples))/b.Elapsed().Seconds(), "patterns/s")
}

// BenchmarkMatchObservable sights one observable against a typical
// indicator pattern.
func BenchmarkMatchObservable(b *testing.B) {
	p := MustParse(`[ipv4-addr:value ISSUBSET '198.51.100.0/24' OR domain-name:value = 'evil.example'] OR [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`)
	o := observe.Observable{Type: observe.IPv4, Value: "198.51.100.7"}
	b.ReportAllocs()
	for b.Loop() {
		if !MatchObservable(p, o) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkMatch matches a REPEATS … WITHIN pattern over 100 observations
// a minute apart, of which every tenth is the one sought: any five of those
// span at least 40 minutes, so the whole search runs and finds nothing.
func BenchmarkMatch(b *testing.B) {
	p := MustParse(`[network-traffic:dst_ref.value = '203.0.113.33'] REPEATS 5 TIMES WITHIN 2000 SECONDS`)
	var obs []Observation
	for i := range 100 {
		ip := "198.51.100.1"
		if i%10 == 0 {
			ip = "203.0.113.33"
		}
		at := t0.Add(time.Duration(i) * time.Minute)
		obs = append(obs, NewObservation(at, at, 1,
			map[string]any{"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv4-addr--1"},
			map[string]any{"type": "ipv4-addr", "id": "ipv4-addr--1", "value": ip}))
	}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := Match(p, obs)
		if err != nil || ok {
			b.Fatal(ok, err)
		}
	}
}
