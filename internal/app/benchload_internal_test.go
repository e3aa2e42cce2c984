package app

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestLatencyHistQuantiles compares the histogram's quantiles with the
// exact ones of the same latencies: within the 3 % its buckets promise.
func TestLatencyHistQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h latencyHist
	var all []time.Duration
	for range 20000 {
		// Log-uniform from 10 µs to 10 s, as latencies spread.
		d := time.Duration(10e3 * float64(uint64(1)<<rng.IntN(20)) * (1 + rng.Float64()))
		h.add(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := all[int(q*float64(len(all)))-1]
		got := h.quantile(q)
		if r := float64(got) / float64(exact); r < 0.97 || r > 1.03 {
			t.Errorf("q%.3f: %v, exact %v", q, got, exact)
		}
	}
	if h.quantile(1) != all[len(all)-1] {
		t.Errorf("q1 %v, max %v", h.quantile(1), all[len(all)-1])
	}
	var empty latencyHist
	if empty.quantile(0.5) != 0 {
		t.Error("an empty histogram has a median")
	}
	var small latencyHist
	small.add(7 * time.Microsecond)
	if got := small.quantile(0.99); got != 7*time.Microsecond {
		t.Errorf("one 7 µs latency: p99 %v", got)
	}
}
