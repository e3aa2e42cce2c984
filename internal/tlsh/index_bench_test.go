package tlsh

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// benchIndex is an Index of clustered synthetic digests — a million with
// KOBAN_BENCH_LARGE=1, 20,000 otherwise, so that `make bench` stays
// quick — with the digests and the time taken to add them.
var benchIndex = sync.OnceValues(func() (*Index, []Digest) {
	n := 20_000
	if os.Getenv("KOBAN_BENCH_LARGE") == "1" {
		n = 1_000_000
	}
	r := rand.New(rand.NewPCG(11, 12))
	strs := clustered(r, n, sampleLength)
	ds := make([]Digest, n)
	for i, s := range strs {
		ds[i], _ = Parse(s)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	x := NewIndex()
	for i, s := range strs {
		x.Add(int64(i), s)
	}
	benchBuild = time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	benchBytes = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	runtime.KeepAlive(strs)
	return x, ds
})

var (
	benchBuild time.Duration
	benchBytes float64
)

// sampleLength is the lvalue of a sample of a likely size: log-normal
// about 300 KB, most between 7 KB and 13 MB, so that lengths crowd as
// real samples' do rather than spread over all 256.
func sampleLength(r *rand.Rand) byte {
	size := math.Exp(math.Log(300e3) + 1.5*r.NormFloat64())
	return lvalue(uint32(min(max(size, 50), math.MaxUint32)))
}

// benchQueries are near variants of held digests (which have neighbours)
// and, one in four, random digests (which mostly have none).
func benchQueries(ds []Digest) []string {
	r := rand.New(rand.NewPCG(13, 14))
	qs := make([]string, 1000)
	for i := range qs {
		if i%4 == 3 {
			d := randomDigest(r)
			d.lvalue = sampleLength(r)
			qs[i] = d.String()
		} else {
			qs[i] = variant(r, ds[r.IntN(len(ds))], 8).String()
		}
	}
	return qs
}

// BenchmarkIndexWithin1M: one query of Within, all neighbours (no limit),
// against one scan of every digest with Distance. The 1M figures need
// KOBAN_BENCH_LARGE=1:
// KOBAN_BENCH_LARGE=1 go test -run='^$' -bench=IndexWithin1M ./internal/tlsh
func BenchmarkIndexWithin1M(b *testing.B) {
	x, ds := benchIndex()
	qs := benchQueries(ds)
	b.Logf("%d digests added in %v, %.0f bytes each", len(ds), benchBuild, benchBytes)
	for _, maxDist := range []int{30, 100} {
		b.Run(fmt.Sprintf("within=%d", maxDist), func(b *testing.B) {
			found, i := 0, 0
			for b.Loop() {
				ns, err := x.Within(qs[i%len(qs)], maxDist, 0)
				if err != nil {
					b.Fatal(err)
				}
				found += len(ns)
				i++
			}
			b.ReportMetric(float64(found)/float64(i), "found/op")
		})
	}
	b.Run("scan", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q, _ := Parse(qs[i%len(qs)])
			found := 0
			for _, d := range ds {
				if dist, _ := Distance(q, d); dist <= 100 {
					found++
				}
			}
			i++
		}
	})
}
