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
)

// chunks recycles the chunk buffers between Hashers.
var chunks = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// Hasher computes every digest of what is written to it, in one pass.
//
// The hashes are split into two groups of about equal cost (measured on
// 2 cores: ssdeep with MD5 against TLSH, SHA3-384, SHA-512, SHA-256 and
// SHA-1), and each full chunk is hashed by one goroutine per group while
// the caller fills the next chunk. The goroutines live for one chunk
// each: a Hasher that is dropped without Sum leaves nothing running once
// its last chunk is hashed, and one that never fills a chunk starts none.
type Hasher struct {
	size  int64
	fill  *[chunkSize]byte // the chunk being filled, nil until the first write
	n     int              // bytes in fill
	spare *[chunkSize]byte // the chunk last handed out, nil before
	busy  sync.WaitGroup   // the goroutines hashing spare
	done  bool

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

// handOut waits for the chunk before to be hashed, then starts hashing
// the full one and takes the free one to fill.
func (h *Hasher) handOut() {
	h.busy.Wait()
	full := h.fill[:h.n]
	h.fill, h.spare = h.spare, h.fill
	h.n = 0
	for _, g := range h.groups {
		h.busy.Go(func() {
			for _, w := range g {
				w.Write(full)
			}
		})
	}
}

// Sum returns the digests of everything written. It may be called once;
// the Hasher refuses writes after it.
func (h *Hasher) Sum() Digests {
	if !h.done {
		h.done = true
		if h.n >= parallelMin {
			h.handOut()
		} else if h.n > 0 {
			h.busy.Wait()
			for _, g := range h.groups {
				for _, w := range g {
					w.Write(h.fill[:h.n])
				}
			}
		}
		h.busy.Wait()
		for _, c := range []*[chunkSize]byte{h.fill, h.spare} {
			if c != nil {
				chunks.Put(c)
			}
		}
		h.fill, h.spare, h.n = nil, nil, 0
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
