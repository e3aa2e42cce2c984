// Package ssdeep computes ssdeep digests (context-triggered piecewise
// hashes, CTPH) and the 0–100 match score of two digests.
//
// It is written from the published description of the algorithm (Jesse
// Kornblum, "Identifying almost identical files using context triggered
// piecewise hashing", Digital Investigation 3S, 2006, after Andrew
// Tridgell's spamsum), not from ssdeep's source, and held to digests and
// scores produced by Debian's ssdeep 2.14.1 by the tests of this package.
//
// The algorithm in brief: a rolling hash over the last 7 bytes marks the
// end of a piece wherever it equals −1 modulo the block size; each piece
// becomes one base64 character (six bits of an FNV-style hash of the
// piece). A digest is "blocksize:first:second", the first part at the
// block size and the second at twice it. The block size is the smallest
// 3·2ⁿ that would give at most 64 pieces for the input's length, lowered
// while the first part would have fewer than 32 characters.
//
// The reference picks the block size from the input's length and hashes
// again with half of it when the first part comes out short. A Hasher does
// it in one pass: it keeps the piece state of every block size still
// eligible (a larger one starts as a copy of the smaller at its first piece
// boundary, a smaller one is dropped once it can no longer be chosen), so
// it reads a stream of unknown length once, in constant memory, and gives
// the digest the two-pass reference would.
package ssdeep

import (
	"errors"
	"strconv"
)

const (
	windowSize  = 7  // bytes of the rolling hash
	minBlock    = 3  // the smallest block size
	maxChars    = 64 // characters of the first part (the second has half)
	numBlocks   = 31 // block sizes 3·2⁰ … 3·2³⁰
	hashInit    = 0x28021967
	hashPrime   = 0x01000193
	base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// MaxLength is the longest input a digest can be given for: 64 pieces of
// the largest block size.
const MaxLength = uint64(minBlock) << (numBlocks - 1) * maxChars

// ErrTooLarge is returned by Write once the input passes MaxLength.
var ErrTooLarge = errors.New("ssdeep: input longer than the largest block size covers")

func blockSize(i int) uint64 { return uint64(minBlock) << i }

const pieceInit = byte(hashInit & 63)

const (
	inverse3 = 0xAAAAAAAAAAAAAAAB // 3·inverse3 = 1 modulo 2⁶⁴
	highBits = ^uint64(1<<32 - 1)
)

// block is the state of one block size, but for its two piece hashes,
// which the Hasher keeps packed (see lanes).
type block struct {
	// digest holds the characters of the pieces ended so far, at most 63;
	// once full, later boundaries no longer start a piece (the rest of the
	// input becomes the last character) and digest[63] keeps the character
	// of the latest boundary.
	digest   [maxChars]byte
	n        int
	full     bool // digest[63] is set
	halfChar byte // the character of half at the latest boundary past 31, or 0
}

// A piece hash is FNV-1 style, h·prime xor c from hashInit, of which a
// digest shows only the low six bits; those depend only on the low six
// bits of h and c, and prime's are 19.
//
// lanes holds one 6-bit piece hash per block size, four to a word in
// 16-bit lanes: the step of every block size followed is then a few word
// operations per byte (times 19, xor the byte, keep six bits), the
// product never reaching into the next lane. Lanes of block sizes not
// followed are stepped too, and set when their block size starts.
type lanes [(numBlocks + 3) / 4]uint64

const (
	laneMask = 0x003F003F003F003F
	laneOnes = 0x0001000100010001
)

func (l *lanes) get(i int) byte { return byte(l[i/4] >> (16 * (i % 4))) }

func (l *lanes) set(i int, v byte) {
	sh := 16 * (i % 4)
	l[i/4] = l[i/4]&^(0xFFFF<<sh) | uint64(v)<<sh
}

// halfHash is the hash the second part of block size i would end on now.
func (h *Hasher) halfHash(i int) byte {
	if h.blocks[i].n < maxChars/2 {
		return h.piece.get(i)
	}
	return h.half.get(i)
}

// Hasher computes the ssdeep digest of everything written to it.
// The zero value is ready to use.
type Hasher struct {
	// the rolling hash
	win        [windowSize]byte
	wpos       int
	h1, h2, h3 uint32

	blocks [numBlocks]block
	// piece holds the hash of each block size's current piece; half the
	// hash since its 31st boundary, what the second part (at most 32
	// characters) ends on. Before that boundary half is not read: the
	// piece's hash stands for it.
	piece, half lanes
	lo, hi      int // the block sizes still followed: blocks[lo:hi]
	size        uint64
}

// New returns an empty Hasher.
func New() *Hasher {
	h := &Hasher{}
	h.Reset()
	return h
}

// Reset empties the hasher.
func (h *Hasher) Reset() {
	*h = Hasher{hi: 1}
	h.piece.set(0, pieceInit)
}

// Len is the number of bytes written so far.
func (h *Hasher) Len() uint64 { return h.size }

// start readies a zero Hasher, which follows no block size yet.
func (h *Hasher) start() {
	if h.hi == 0 {
		h.Reset()
	}
}

// Write adds p to the hashed stream. It fails only past MaxLength.
func (h *Hasher) Write(p []byte) (int, error) {
	h.start()
	if uint64(len(p)) > MaxLength-h.size {
		return 0, ErrTooLarge
	}
	// The total only grows: counting the whole of p at once keeps the
	// test for dropping a small block size on the safe side.
	h.size += uint64(len(p))
	h1, h2, h3, wpos := h.h1, h.h2, h.h3, h.wpos
	w0, w1 := h.lo/4, (h.hi-1)/4+1
	boundaryMask := highBits | uint64(1)<<h.lo - 1
	for _, c := range p {
		h2 = h2 - h1 + windowSize*uint32(c)
		h1 = h1 + uint32(c) - uint32(h.win[wpos])
		h.win[wpos] = c
		if wpos++; wpos == windowSize {
			wpos = 0
		}
		h3 = h3<<5 ^ uint32(c)

		cc := uint64(c) * laneOnes
		for w := w0; w < w1; w++ {
			h.piece[w] = (h.piece[w]*(hashPrime&63) ^ cc) & laneMask
			h.half[w] = (h.half[w]*(hashPrime&63) ^ cc) & laneMask
		}
		// A piece ends at block size 3·2ⁿ where the rolling hash is −1
		// modulo it: where q = sum+1 is 3 times a multiple of 2ⁿ. Times the
		// inverse of 3 modulo 2⁶⁴, a multiple of 3 (at most 2³²) becomes
		// its third, anything else a number of 2⁶² or more: one test of
		// bits says whether a piece of the smallest size followed ends
		// here, and so whether any does (every size followed is a multiple
		// of it). No branch on the one-in-three test.
		if sum := h1 + h2 + h3; (uint64(sum)+1)*inverse3&boundaryMask == 0 {
			h.boundary(sum)
			w0, w1 = h.lo/4, (h.hi-1)/4+1
			boundaryMask = highBits | uint64(1)<<h.lo - 1
		}
	}
	h.h1, h.h2, h.h3, h.wpos = h1, h2, h3, wpos
	return len(p), nil
}

// boundary ends a piece at every block size for which sum is −1 modulo it.
func (h *Hasher) boundary(sum uint32) {
	for i := h.lo; i < h.hi; i++ {
		bs := blockSize(i)
		if uint64(sum)%bs != bs-1 {
			break // nor for any larger block size, a multiple of this one
		}
		b := &h.blocks[i]
		if b.n == 0 && !b.full && i == h.hi-1 && h.hi < numBlocks {
			// The first boundary of the largest size followed: start
			// following twice it, whose pieces so far are this one's.
			h.blocks[h.hi] = block{}
			h.piece.set(h.hi, h.piece.get(i))
			h.hi++
		}
		c := base64Chars[h.piece.get(i)]
		half := h.halfHash(i)
		b.halfChar = base64Chars[half]
		if b.n < maxChars-1 {
			b.digest[b.n] = c
			b.n++
			h.piece.set(i, pieceInit)
			if b.n < maxChars/2 {
				b.halfChar = 0
			} else {
				h.half.set(i, half)
			}
		} else {
			b.digest[maxChars-1] = c
			b.full = true
		}
	}
	// Drop the smallest block size once neither the guess from the length
	// nor the step down from a short first part can reach it.
	for h.hi-h.lo >= 2 && blockSize(h.lo)*maxChars < h.size && h.blocks[h.lo+1].n >= maxChars/2 {
		h.lo++
	}
}

// String returns the digest of what was written so far, as
// "blocksize:first:second"; writing may go on.
func (h *Hasher) String() string {
	h.start()
	bi := 0
	for bi < numBlocks-1 && blockSize(bi)*maxChars < h.size {
		bi++
	}
	bi = min(bi, h.hi-1)
	for bi > h.lo && h.blocks[bi].n < maxChars/2 {
		bi--
	}
	// A stream that ends on seven zero bytes has a rolling hash of 0:
	// its last piece is then not written.
	tail := h.h1+h.h2+h.h3 != 0

	out := make([]byte, 0, 20+maxChars+maxChars/2+2)
	out = strconv.AppendUint(out, blockSize(bi), 10)
	out = append(out, ':')
	b := &h.blocks[bi]
	out = append(out, b.digest[:b.n]...)
	switch {
	case tail:
		out = append(out, base64Chars[h.piece.get(bi)])
	case b.full:
		out = append(out, b.digest[maxChars-1])
	}
	out = append(out, ':')
	if bi < h.hi-1 {
		b2 := &h.blocks[bi+1]
		out = append(out, b2.digest[:min(b2.n, maxChars/2-1)]...)
		switch {
		case tail:
			out = append(out, base64Chars[h.halfHash(bi+1)])
		case b2.halfChar != 0:
			out = append(out, b2.halfChar)
		}
	} else if tail {
		// No piece has ended at this size, nor then at twice it.
		out = append(out, base64Chars[h.piece.get(bi)])
	}
	return string(out)
}

// Sum returns the digest of data.
func Sum(data []byte) string {
	h := New()
	if _, err := h.Write(data); err != nil {
		return ""
	}
	return h.String()
}
