package app

import (
	"regexp"
	"testing"
)

// TestScatterIsABijection: random keys must keep the generated values as
// distinct as ascending ones, so scatter may send no two numbers to one.
func TestScatterIsABijection(t *testing.T) {
	for _, bits := range []uint{2, 5, 17} {
		seen := make(map[uint64]bool, 1<<bits)
		for x := range uint64(1) << bits {
			y := scatter(x, bits)
			if y >= 1<<bits || seen[y] {
				t.Fatalf("scatter(%d, %d) = %d: out of range or already given", x, bits, y)
			}
			seen[y] = true
		}
	}
	if scatter(1, 32) == 1 && scatter(2, 32) == 2 {
		t.Error("scatter leaves neighbours in order")
	}
}

// TestRandomBenchIDsAreUUIDv4: the ids are STIX's, which want a UUID, and
// a feed's are version 4.
func TestRandomBenchIDsAreUUIDv4(t *testing.T) {
	k, err := newBenchKeys("random")
	if err != nil {
		t.Fatal(err)
	}
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := range 1000 {
		id := k.id(i)
		if !v4.MatchString(id) || seen[id] {
			t.Fatalf("id %d = %q: not a UUIDv4, or given before", i, id)
		}
		seen[id] = true
	}
}
