package observe

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// streamed returns what ExtractReader gives for text, read through r.
func streamed(t *testing.T, text string, wrap func(*strings.Reader) any) []Observable {
	t.Helper()
	var got []Observable
	var r any = strings.NewReader(text)
	if wrap != nil {
		r = wrap(strings.NewReader(text))
	}
	err := ExtractReader(r.(interface{ Read([]byte) (int, error) }), func(o Observable) error {
		got = append(got, Observable{o.Type, strings.Clone(o.Value)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// smallPieces makes ExtractReader cut its input every few hundred bytes
// for the rest of the test.
func smallPieces(t testing.TB, piece int) {
	p, c := streamPiece, streamContext
	t.Cleanup(func() { streamPiece, streamContext = p, c })
	streamPiece = piece
}

// withWorkers makes ExtractReader read pieces on n goroutines for the rest
// of the test.
func withWorkers(t testing.TB, n int) {
	w := streamWorkers
	t.Cleanup(func() { streamWorkers = w })
	streamWorkers = n
}

// TestExtractReader holds ExtractReader, cut into small pieces and read by
// one worker or several, to Extract on the whole text: the corpora, the
// fuzz seeds and iocextract's lines.
func TestExtractReader(t *testing.T) {
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			withWorkers(t, workers)
			testExtractReader(t)
		})
	}
}

func testExtractReader(t *testing.T) {
	inputs := []string{mixedCorpus(512 << 10), benchCorpus(256 << 10), "", "\n", " 192.0.2.1 "}
	if dense, err := denseCorpus(512 << 10); err == nil {
		inputs = append(inputs, dense)
	}
	inputs = append(inputs, strings.Join(readLines(t, "input.txt"), "\n"), strings.Join(readLines(t, "valid.txt"), " "))
	for _, piece := range []int{1, 300, 4096} {
		smallPieces(t, piece)
		for _, in := range inputs {
			if piece == 1 {
				// A window per byte: a few KB are enough.
				in = in[:strings.LastIndexByte(in[:min(len(in), 6<<10)], '\n')+1]
			}
			want := Extract(in)
			want = slices.Clone(want)
			if got := streamed(t, in, nil); !slices.Equal(got, want) {
				t.Fatalf("pieces of %d bytes, %d bytes of text: ExtractReader gives %d observables, Extract %d\n%s", piece, len(in), len(got), len(want), firstDiff(got, want))
			}
		}
	}
	// A reader that gives a byte at a time, and one that fails.
	smallPieces(t, 100)
	in := inputs[0][:64<<10]
	if got, want := streamed(t, in, func(r *strings.Reader) any { return iotest.OneByteReader(r) }), Extract(in); !slices.Equal(got, want) {
		t.Fatalf("one byte at a time: %s", firstDiff(got, want))
	}
	boom := errors.New("boom")
	if err := ExtractReader(iotest.ErrReader(boom), func(Observable) error { return nil }); !errors.Is(err, boom) {
		t.Fatalf("reader error: %v", err)
	}
	if err := ExtractReader(strings.NewReader(in), func(Observable) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("emit error: %v", err)
	}
	// A reader that fails after many pieces were handed to workers.
	if err := ExtractReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom)), func(Observable) error { return nil }); !errors.Is(err, boom) {
		t.Fatalf("reader error after %d bytes: %v", len(in), err)
	}
}

// TestExtractReaderStops checks that ExtractReader leaves no goroutine
// behind when emit fails, or panics, while workers are reading pieces.
func TestExtractReaderStops(t *testing.T) {
	withWorkers(t, 4)
	smallPieces(t, 200)
	in := mixedCorpus(64 << 10)
	before := runtime.NumGoroutine()
	boom := errors.New("boom")
	calls := 0
	err := ExtractReader(strings.NewReader(in), func(Observable) error {
		calls++
		if calls == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 10 {
		t.Fatalf("got %v after %d calls of emit, want boom after 10", err, calls)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after ExtractReader, %d before", n, before)
	}
	// Nor when emit panics.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("emit's panic was lost")
			}
		}()
		ExtractReader(strings.NewReader(in), func(Observable) error { panic("emit") })
	}()
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after a panic in emit, %d before", n, before)
	}
}

// FuzzExtractReader holds ExtractReader to Extract on any text, cut into
// pieces of any size.
func FuzzExtractReader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint16(7))
	}
	f.Fuzz(func(t *testing.T, text string, piece uint16) {
		tm := watchdog(text)
		defer tm.Stop()
		smallPieces(t, 1+int(piece))
		withWorkers(t, 1+int(piece%3))
		want := slices.Clone(Extract(text))
		if got := streamed(t, text, nil); !slices.Equal(got, want) {
			t.Fatalf("on %q in pieces of %d: %s", text, 1+int(piece), firstDiff(got, want))
		}
	})
}

// firstDiff says where two results part.
func firstDiff(got, want []Observable) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("first difference at %d: got %v, want %v", i, got[i], want[i])
		}
	}
	return "one is a prefix of the other"
}

// BenchmarkExtractReader runs ExtractReader over the mixed and the dense
// corpus, as koban extract does, with a worker a processor
// (-test.cpu 1 gives the figures to hold beside BenchmarkExtractMixed's and
// BenchmarkExtractDense's).
func BenchmarkExtractReader(b *testing.B) {
	texts := []struct{ name, text string }{{"mixed", mixedCorpus(corpusSize)}}
	if dense, err := denseCorpus(denseCorpusSize); err == nil {
		texts = append(texts, struct{ name, text string }{"dense", dense})
	}
	for _, c := range texts {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				b.StopTimer()
				clearPhoneCache()
				b.StartTimer()
				if err := ExtractReader(strings.NewReader(c.text), func(Observable) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestHashSet holds hashSet to a map on pairs drawn from a small range (so
// that many repeat, and first hashes collide in the table) through several
// doublings.
func TestHashSet(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var h hashSet
	want := make(map[[2]uint64]bool)
	for range 50000 {
		k := [2]uint64{r.Uint64N(20000) << 1, r.Uint64N(3) << 1}
		// The set stores the second hash with its lowest bit set: pairs
		// that differ only there are one to it, and so to the map here.
		norm := [2]uint64{k[0], k[1] | 1}
		if got := h.add(k); got != want[norm] {
			t.Fatalf("add(%v) = %v, want %v", k, got, want[norm])
		}
		want[norm] = true
	}
	if h.n != len(want) {
		t.Errorf("%d pairs held, want %d", h.n, len(want))
	}
}
