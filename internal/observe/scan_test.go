package observe

import (
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
