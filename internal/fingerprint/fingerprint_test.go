package fingerprint

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"testing/iotest"
	"time"

	"github.com/koban-project/koban/internal/ssdeep"
	"github.com/koban-project/koban/internal/tlsh"
)

// alone computes the digests of data with each hasher on its own, the
// simple version the Hasher is held to.
func alone(data []byte) Digests {
	h5, h1, h256, h512 := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data), sha512.Sum512(data)
	h3 := sha3.Sum384(data)
	return Digests{
		Size:     int64(len(data)),
		MD5:      hex.EncodeToString(h5[:]),
		SHA1:     hex.EncodeToString(h1[:]),
		SHA256:   hex.EncodeToString(h256[:]),
		SHA512:   hex.EncodeToString(h512[:]),
		SHA3_384: hex.EncodeToString(h3[:]),
		TLSH:     tlsh.Sum(data).String(),
		SSDEEP:   ssdeep.Sum(data),
	}
}

// sample is n bytes of generated input: random bytes with runs of text
// and of zeros, so that TLSH and ssdeep have something to find.
func sample(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	const text = "koban evidence sample This program cannot be run in DOS mode. "
	for i := 0; i < n; {
		switch r.IntN(6) {
		case 0:
			i += copy(b[i:], text)
		case 1:
			i += min(r.IntN(300), n-i) // zeros
		default:
			k := min(1+r.IntN(256), n-i)
			for j := range k {
				b[i+j] = byte(r.Uint32())
			}
			i += k
		}
	}
	return b
}

// writeIn writes data to h in pieces of the given sizes, cycling.
func writeIn(t testing.TB, h *Hasher, data []byte, sizes []int) {
	t.Helper()
	for i, j := 0, 0; i < len(data); j++ {
		k := min(sizes[j%len(sizes)], len(data)-i)
		n, err := h.Write(data[i : i+k])
		if n != k || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", k, n, err)
		}
		i += k
	}
}

func TestHasherEqualsAlone(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	sizes := []int{0, 1, 49, 50, 51, 4096,
		parallelMin - 1, parallelMin, parallelMin + 1,
		chunkSize - 1, chunkSize, chunkSize + 1,
		2*chunkSize - 1, 2 * chunkSize, 2*chunkSize + 1,
		3*chunkSize + parallelMin}
	for range 3 {
		sizes = append(sizes, r.IntN(3*chunkSize))
	}
	if testing.Short() {
		sizes = sizes[:9]
	}
	writes := map[string][]int{
		"one write": {1 << 62},
		"odd sizes": {1, 7, 4093, 65537, 999_983},
		"bytes":     {1},
	}
	for _, n := range sizes {
		data := sample(r, n)
		want := alone(data)
		for name, ws := range writes {
			if name == "bytes" && n > 4096 {
				continue
			}
			h := New()
			writeIn(t, h, data, ws)
			if got := h.Sum(); got != want {
				t.Errorf("%d bytes, %s:\n got %+v\nwant %+v", n, name, got, want)
			}
		}
		// Read, through ReadFrom, with short reads.
		for name, rd := range map[string]func() *bytes.Reader{"reader": func() *bytes.Reader { return bytes.NewReader(data) }} {
			got, err := Read(rd())
			if err != nil || got != want {
				t.Errorf("%d bytes, %s: got %+v, %v, want %+v", n, name, got, err, want)
			}
			got, err = Read(iotest.HalfReader(iotest.OneByteReader(rd())))
			if n <= 4096 && (err != nil || got != want) {
				t.Errorf("%d bytes, %s one byte at a time: got %+v, %v", n, name, got, err)
			}
		}
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	data := sample(rand.New(rand.NewPCG(1, 1)), 2*chunkSize+5)
	_, err := Read(io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Fatalf("Read = %v, want %v", err, boom)
	}
}

func TestWriteAfterSum(t *testing.T) {
	h := New()
	h.Write([]byte("abc"))
	first := h.Sum()
	if _, err := h.Write([]byte("d")); err == nil {
		t.Error("Write after Sum succeeded")
	}
	if again := h.Sum(); again != first {
		t.Errorf("second Sum %+v, first %+v", again, first)
	}
}

// TestNoGoroutineLeft: a Hasher dropped without Sum, halfway through a
// chunk, leaves no goroutine behind once its last chunk is hashed.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	data := sample(rand.New(rand.NewPCG(2, 2)), 5*chunkSize/2)
	for range 4 {
		h := New()
		h.Write(data)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
