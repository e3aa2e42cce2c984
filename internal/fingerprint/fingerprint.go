package fingerprint

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"sync"

	"github.com/koban-project/koban/internal/ssdeep"
	"github.com/koban-project/koban/internal/tlsh"
)

// Digests are the hashes of one sample.
type Digests struct {
	Size                                int64
	MD5, SHA1, SHA256, SHA512, SHA3_384 string // lower-case hex
	TLSH                                string // "T1…" or "TNULL"
	SSDEEP                              string // "blocksize:a:b"
}

// MaxLength is the longest input that has every digest: ssdeep's limit.
const MaxLength = ssdeep.MaxLength

// ErrTooLarge is returned by Write once the input passes MaxLength.
var ErrTooLarge = errors.New("fingerprint: input longer than ssdeep covers")

// errSummed is returned by Write after Sum: the hashers are gone.
var errSummed = errors.New("fingerprint: write after Sum")

const (
	// chunkSize is what each hash is handed at a time. Two chunks are the
	// Hasher's memory: one being filled, one being hashed.
	chunkSize = 1 << 20
	// parallelMin is the smallest last chunk worth two goroutines; below
	// it Sum hashes in the caller's goroutine, so that a small sample
	// starts none.
	parallelMin = 64 << 10
	// inFlight is how many chunks may be handed out and not yet hashed
	// by both groups: one group may run that far ahead of the other, so
	// that a goroutine descheduled for a while on a busy machine does not
	// stop the other at once.
	inFlight = 4
)

// chunks recycles the chunk buffers between Hashers.
var chunks = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// Hasher computes every digest of what is written to it, in one pass.
//
// The hashes are split into two groups of about equal cost (measured:
// ssdeep with MD5 against TLSH, SHA3-384, SHA-512, SHA-256 and SHA-1),
// and each full chunk is hashed by one goroutine per group, which first
// waits for its group's goroutine of the chunk before, while the caller
// fills the next chunk. Each hash thus sees the bytes in order. The
// goroutines live for one chunk each: a Hasher that is dropped without
// Sum leaves nothing running once its last chunks are hashed, and one
// that never fills a chunk starts none. Memory is at most inFlight+1
// chunks, whatever the size of the input.
type Hasher struct {
	size    int64
	fill    *[chunkSize]byte // the chunk being filled, nil until the first write
	n       int              // bytes in fill
	flights []flight         // chunks handed out, oldest first
	last    [2]chan struct{} // closed when each group has hashed the latest chunk
	done    bool

	md5, sha1, sha256, sha512, sha3 hash.Hash
	tlsh                            *tlsh.Hasher
	ssdeep                          *ssdeep.Hasher
	groups                          [2][]io.Writer
}

// New returns an empty Hasher.
func New() *Hasher {
	h := &Hasher{
		md5:    md5.New(),
		sha1:   sha1.New(),
		sha256: sha256.New(),
		sha512: sha512.New(),
		sha3:   sha3.New384(),
		tlsh:   tlsh.New(),
		ssdeep: ssdeep.New(),
	}
	h.groups = [2][]io.Writer{
		{h.ssdeep, h.md5},
		{h.tlsh, h.sha3, h.sha512, h.sha256, h.sha1},
	}
	return h
}

// Write adds p to the hashed stream. It fails only past MaxLength or
// after Sum.
func (h *Hasher) Write(p []byte) (int, error) {
	if err := h.grow(len(p)); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		if h.fill == nil {
			h.fill = chunks.Get().(*[chunkSize]byte)
		}
		k := copy(h.fill[h.n:], p)
		h.n += k
		p = p[k:]
		if h.n == chunkSize {
			h.handOut()
		}
	}
	return n, nil
}

// ReadFrom adds everything read from r to the hashed stream, reading
// straight into the Hasher's chunks.
func (h *Hasher) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if h.done {
			return total, errSummed
		}
		if h.fill == nil {
			h.fill = chunks.Get().(*[chunkSize]byte)
		}
		k, err := r.Read(h.fill[h.n:])
		if gerr := h.grow(k); gerr != nil {
			return total, gerr
		}
		h.n += k
		total += int64(k)
		if h.n == chunkSize {
			h.handOut()
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// grow counts k more bytes, refusing what no digest could be given for.
func (h *Hasher) grow(k int) error {
	if h.done {
		return errSummed
	}
	if uint64(h.size)+uint64(k) > MaxLength {
		return ErrTooLarge
	}
	h.size += int64(k)
	return nil
}

// flight is a chunk handed out to be hashed.
type flight struct {
	chunk *[chunkSize]byte
	done  [2]chan struct{} // closed when each group has hashed it
}

func (f *flight) wait() {
	<-f.done[0]
	<-f.done[1]
}

// handOut starts hashing the full chunk and takes a free one to fill,
// waiting for the oldest chunk handed out if inFlight are.
func (h *Hasher) handOut() {
	var free *[chunkSize]byte
	if len(h.flights) == inFlight {
		h.flights[0].wait()
		free = h.flights[0].chunk
		h.flights = append(h.flights[:0], h.flights[1:]...)
	}
	full := h.fill[:h.n]
	f := flight{chunk: h.fill}
	for i, g := range h.groups {
		prev, done := h.last[i], make(chan struct{})
		go func() {
			if prev != nil {
				<-prev
			}
			hashGroup(g, full)
			close(done)
		}()
		f.done[i], h.last[i] = done, done
	}
	h.flights = append(h.flights, f)
	h.fill, h.n = free, 0
}

// stripe is how much of a chunk each hash of a group takes in turn, small
// enough that the hashes after the first read it from the core's cache.
const stripe = 64 << 10

// hashGroup writes p to each hash of a group, a stripe at a time.
func hashGroup(g []io.Writer, p []byte) {
	for len(p) > 0 {
		k := min(stripe, len(p))
		for _, w := range g {
			w.Write(p[:k])
		}
		p = p[k:]
	}
}

// Sum returns the digests of everything written. It may be called once;
// the Hasher refuses writes after it.
func (h *Hasher) Sum() Digests {
	if !h.done {
		h.done = true
		if h.n >= parallelMin || (h.n > 0 && len(h.flights) > 0) {
			h.handOut()
		} else if h.n > 0 {
			for _, g := range h.groups {
				hashGroup(g, h.fill[:h.n])
			}
		}
		for _, f := range h.flights {
			f.wait()
			chunks.Put(f.chunk)
		}
		if h.fill != nil {
			chunks.Put(h.fill)
		}
		h.fill, h.n, h.flights = nil, 0, nil
	}
	return Digests{
		Size:     h.size,
		MD5:      hex.EncodeToString(h.md5.Sum(nil)),
		SHA1:     hex.EncodeToString(h.sha1.Sum(nil)),
		SHA256:   hex.EncodeToString(h.sha256.Sum(nil)),
		SHA512:   hex.EncodeToString(h.sha512.Sum(nil)),
		SHA3_384: hex.EncodeToString(h.sha3.Sum(nil)),
		TLSH:     h.tlsh.String(),
		SSDEEP:   h.ssdeep.String(),
	}
}

// Read passes the whole of r through one Hasher.
func Read(r io.Reader) (Digests, error) {
	h := New()
	if _, err := h.ReadFrom(r); err != nil {
		h.Sum() // waits for the goroutines and gives the chunks back
		return Digests{}, err
	}
	return h.Sum(), nil
}
