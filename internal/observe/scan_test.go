package observe

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestExtractReusesMemorySafely checks that Extract's reuse of its buffers
// (see scanner) never shows: results stay as they were after later calls,
// here from goroutines extracting other reports at the same time.
func TestExtractReusesMemorySafely(t *testing.T) {
	reports := strings.SplitAfter(mixedCorpus(256<<10), "\n\n")
	want := make([][]Observable, len(reports))
	for i, r := range reports {
		want[i] = slices.Clone(Extract(r))
	}
	got := make([][]Observable, len(reports))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(reports); i += 4 {
				got[i] = Extract(reports[i])
			}
		})
	}
	wg.Wait()
	// Every result is checked only now, after all the calls.
	for i := range reports {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("report %d: %v, extracted alone %v", i, got[i], want[i])
		}
	}
}

// TestDedup holds dedup's table to a map: the same observables, once each,
// in order of first appearance, on matches with many repeats, values shared
// by several types and tables of every size.
func TestDedup(t *testing.T) {
	simple := func(ms []match) []Observable {
		var out []Observable
		seen := make(map[Observable]bool)
		for _, m := range ms {
			if !seen[m.obs] {
				seen[m.obs] = true
				out = append(out, m.obs)
			}
		}
		return out
	}
	types := []Type{X, Instagram, Domain, IPv4, IPv6, MD5}
	r := rand.New(rand.NewPCG(3, 4))
	s := new(scanner)
	for n := range 3000 {
		var ms []match
		for range n % 300 {
			v := fmt.Sprint(r.IntN(1 + n/4))
			ms = append(ms, newMatch(0, types[r.IntN(len(types))], v))
		}
		if got, want := s.dedup(ms), simple(ms); !slices.Equal(got, want) {
			t.Fatalf("dedup of %v:\n%v\nwant %v", ms, got, want)
		}
	}
	text, err := denseCorpus(1 << 20)
	if err != nil {
		t.Skipf("dense corpus: %v", err)
	}
	s.reset(text)
	for _, pass := range passes {
		s.runs = append(s.runs, len(s.matches))
		pass(s)
	}
	ms := s.ordered()
	if got, want := s.dedup(ms), simple(ms); !slices.Equal(got, want) {
		t.Fatalf("dedup of the dense corpus: %d observables, want %d", len(got), len(want))
	}
}

// TestURLByteTables holds the byte tables of the URL loops to the strings
// they stand for, on every byte.
func TestURLByteTables(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if hostEnds[b] != (strings.IndexByte(hostEndBytes, b) >= 0) ||
			urlTrailing[b] != (strings.IndexByte(urlTrailingBytes, b) >= 0) ||
			int(bracketAt[b]) != strings.IndexByte(bracketPairs, b) {
			t.Fatalf("byte %#x: tables disagree with their strings", c)
		}
	}
}
