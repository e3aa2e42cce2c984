package tlsh_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/koban-project/koban/internal/tlsh"
)

// buffer64 is 64 MiB of generated input: pseudo-random bytes with runs of
// text, roughly what an executable with its strings looks like.
var buffer64 = sync.OnceValue(func() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 64<<20)
	const text = "koban evidence sample This program cannot be run in DOS mode. "
	for i := 0; i < len(b); {
		if r.IntN(4) == 0 {
			i += copy(b[i:], text)
			continue
		}
		n := min(256, len(b)-i)
		for j := range n {
			b[i+j] = byte(r.Uint32())
		}
		i += n
	}
	return b
})

// BenchmarkHasher reports the hasher's throughput over 64 MiB, written in
// 64 KiB pieces as a file would be read. Run it briefly:
// go test -run=^$ -bench=Hasher -benchtime=3x ./internal/tlsh
func BenchmarkHasher(b *testing.B) {
	data := buffer64()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var h tlsh.Hasher
		for i := 0; i < len(data); i += 64 << 10 {
			h.Write(data[i : i+64<<10])
		}
		if h.Digest().IsNull() {
			b.Fatal("null digest")
		}
	}
}

func BenchmarkDistance(b *testing.B) {
	data := buffer64()
	x, y := tlsh.Sum(data[:1<<20]), tlsh.Sum(data[1<<20:2<<20])
	for b.Loop() {
		if _, err := tlsh.Distance(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWriteAllocations: writing allocates nothing, however much has been
// written before, and a digest costs one string at most.
func TestWriteAllocations(t *testing.T) {
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte(i * 7 % 251)
	}
	var h tlsh.Hasher
	for _, round := range []string{"fresh", "after 64 MiB"} {
		if n := testing.AllocsPerRun(100, func() { h.Write(chunk) }); n != 0 {
			t.Errorf("%s: %v allocations per Write, want 0", round, n)
		}
		if n := testing.AllocsPerRun(100, func() { h.WriteString("a piece of text") }); n != 0 {
			t.Errorf("%s: %v allocations per WriteString, want 0", round, n)
		}
		if n := testing.AllocsPerRun(10, func() { _ = h.String() }); n > 1 {
			t.Errorf("%s: %v allocations per String, want at most 1", round, n)
		}
		for range 1024 {
			h.Write(chunk)
		}
	}
}
