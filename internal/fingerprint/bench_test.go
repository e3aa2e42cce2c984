package fingerprint

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// mixed200 is 200 MiB of generated input, made once per test binary.
var mixed200 = sync.OnceValue(func() []byte {
	return sample(rand.New(rand.NewPCG(200, 200)), 200<<20)
})

// BenchmarkRead200MiB reports the throughput of one pass over 200 MiB,
// read as from a file, and the most heap the pass had in use (MiB).
// go test -run='^$' -bench=Read200MiB -benchtime=1x ./internal/fingerprint
func BenchmarkRead200MiB(b *testing.B) {
	data := mixed200()
	b.SetBytes(int64(len(data)))
	runtime.GC()
	var peak uint64
	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Go(func() {
		var m runtime.MemStats
		base := ^uint64(0)
		for {
			runtime.ReadMemStats(&m)
			base = min(base, m.HeapInuse)
			peak = max(peak, m.HeapInuse-base)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	watch.Wait()
	b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
}

// BenchmarkRead4KiB is the cost of a small sample, where setting up the
// hashers counts.
func BenchmarkRead4KiB(b *testing.B) {
	data := sample(rand.New(rand.NewPCG(4, 4)), 4<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAlone200MiB is the same pass with each hash run on its own,
// one after the other, for the ratio.
func BenchmarkAlone200MiB(b *testing.B) {
	data := mixed200()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		alone(data)
	}
}
