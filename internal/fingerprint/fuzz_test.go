package fingerprint

import (
	"bytes"
	"testing"
)

// FuzzHasher: however an input is cut into writes, and however long it is
// made by repeating it (so that it crosses chunks), the Hasher's digests
// are those of each hasher run alone.
func FuzzHasher(f *testing.F) {
	f.Add([]byte("This is a test for Lili Diao. This is a string. Hello Hello Hello"), uint16(7), uint16(3), uint8(1))
	f.Add([]byte{}, uint16(0), uint16(0), uint8(0))
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint16(1), uint16(9), uint8(200))
	f.Fuzz(func(t *testing.T, seed []byte, cut1, cut2 uint16, repeat uint8) {
		data := seed
		if len(seed) > 0 {
			// Up to about 2.5 chunks, so that chunk boundaries fall
			// inside writes.
			n := int(repeat) * (5 * chunkSize / 2 / 255)
			data = bytes.Repeat(seed, n/len(seed)+1)[:max(n, len(seed))]
		}
		a, b := int(cut1)*len(data)/65536, int(cut2)*len(data)/65536
		a, b = min(a, b), max(a, b)
		h := New()
		for _, p := range [][]byte{data[:a], data[a:b], data[b:]} {
			if n, err := h.Write(p); n != len(p) || err != nil {
				t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
			}
		}
		if got, want := h.Sum(), alone(data); got != want {
			t.Fatalf("%d bytes cut at %d, %d:\n got %+v\nwant %+v", len(data), a, b, got, want)
		}
	})
}
