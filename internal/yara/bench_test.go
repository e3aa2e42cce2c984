package yara

import (
	"context"
	"os"
	"testing"
)

// BenchmarkScan scans random bytes with the 50 rules of bench50.yar through
// yara: 16 MiB, or 200 MiB (the peer's figure) with KOBAN_BENCH_LARGE=1.
// Rules are compiled into the cache before the timer starts, as a running
// koban has them.
func BenchmarkScan(b *testing.B) {
	e := engine(b)
	size := 16 << 20
	if os.Getenv("KOBAN_BENCH_LARGE") == "1" {
		size = 200 << 20
	}
	sets := []RuleSet{testSet(b, "bench50.yar")}
	path := writeTemp(b, "random.bin", randomBytes(size, 9))
	ctx := context.Background()
	if _, err := e.compiled(ctx, sets); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Scan(ctx, sets, path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/(1<<20)/b.Elapsed().Seconds(), "MiB/s")
}

// BenchmarkScanTiny is the cost of a scan beyond yara's matching: a
// one-byte file, the 50 rules cached; compare with `yara -C` run by hand.
func BenchmarkScanTiny(b *testing.B) {
	e := engine(b)
	sets := []RuleSet{testSet(b, "bench50.yar")}
	path := writeTemp(b, "tiny", []byte("x"))
	ctx := context.Background()
	if _, err := e.compiled(ctx, sets); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.Scan(ctx, sets, path); err != nil {
			b.Fatal(err)
		}
	}
}
