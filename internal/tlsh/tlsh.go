// Package tlsh computes TLSH, Trend Micro's locality-sensitive hash of a
// byte stream, and the distance between two such hashes: the lower the
// distance, the more alike the two inputs.
//
// This is the standard form (128 buckets, a 1-byte checksum, "T1" and 70
// hexadecimal digits), written from the paper (Oliver, Cheng, Chen, "TLSH –
// A Locality Sensitive Hash", CTC 2013) and held to the reference's own test
// vectors (trendmicro/tlsh 4.12, Testing/exp) by the tests of this package.
//
// A Hasher is an io.Writer: a file is read once, whatever its size, and the
// hasher's memory does not grow with it. An input shorter than 50 bytes, or
// one so uniform that half of the buckets stay empty, has no hash: its
// digest is the null digest, written "TNULL".
package tlsh

import (
	"errors"
	"math"
	"slices"
)

const (
	// MinLength is the shortest input that can have a hash.
	MinLength = 50
	// MaxLength is the longest: the reference counts the length in 32 bits.
	MaxLength = math.MaxUint32

	effBuckets = 128
	codeSize   = effBuckets / 4
)

// Null is how a digest without a hash is written.
const Null = "TNULL"

// pearson is the random permutation of 0..255 printed in Pearson's "Fast
// hashing of variable-length text strings" (CACM 33(6), 1990), which TLSH
// uses to map byte triplets to buckets.
var pearson = [256]byte{
	1, 87, 49, 12, 176, 178, 102, 166, 121, 193, 6, 84, 249, 230, 44, 163,
	14, 197, 213, 181, 161, 85, 218, 80, 64, 239, 24, 226, 236, 142, 38, 200,
	110, 177, 104, 103, 141, 253, 255, 50, 77, 101, 81, 18, 45, 96, 31, 222,
	25, 107, 190, 70, 86, 237, 240, 34, 72, 242, 20, 214, 244, 227, 149, 235,
	97, 234, 57, 22, 60, 250, 82, 175, 208, 5, 127, 199, 111, 62, 135, 248,
	174, 169, 211, 58, 66, 154, 106, 195, 245, 171, 17, 187, 182, 179, 0, 243,
	132, 56, 148, 75, 128, 133, 158, 100, 130, 126, 91, 13, 153, 246, 216, 219,
	119, 68, 223, 78, 83, 88, 201, 99, 122, 11, 92, 32, 136, 114, 52, 10,
	138, 30, 48, 183, 156, 35, 61, 26, 143, 74, 251, 94, 129, 162, 63, 152,
	170, 7, 115, 167, 241, 206, 3, 150, 55, 59, 151, 220, 90, 53, 23, 131,
	125, 173, 15, 238, 79, 95, 89, 16, 105, 137, 225, 224, 217, 160, 37, 123,
	118, 73, 2, 157, 46, 116, 9, 145, 134, 228, 207, 212, 202, 215, 69, 229,
	27, 188, 67, 124, 168, 252, 42, 4, 29, 108, 21, 247, 19, 205, 39, 203,
	233, 40, 186, 147, 198, 192, 155, 33, 164, 191, 98, 204, 165, 180, 117, 76,
	140, 36, 210, 172, 41, 54, 159, 8, 185, 232, 113, 196, 231, 47, 146, 120,
	51, 65, 28, 144, 254, 221, 93, 189, 194, 139, 112, 43, 71, 109, 184, 209,
}

// The salts of the checksum (0) and of the six triplets (2, 3, 5, 7, 11, 13)
// after their first step through the table: pearson[salt]. Starting from
// them saves one look-up per triplet.
const (
	salt0  = 1   // pearson[0]
	salt2  = 49  // pearson[2]
	salt3  = 12  // pearson[3]
	salt5  = 178 // pearson[5]
	salt7  = 166 // pearson[7]
	salt11 = 84  // pearson[11]
	salt13 = 230 // pearson[13]
)

// Hasher computes a TLSH digest of everything written to it.
// The zero value is ready to use.
type Hasher struct {
	buckets  [256]uint32
	window   [4]byte // the last four bytes, oldest first
	n        uint64
	checksum byte
}

// New returns an empty Hasher.
func New() *Hasher { return &Hasher{} }

// Reset empties the hasher.
func (h *Hasher) Reset() { *h = Hasher{} }

// Len is the number of bytes written so far.
func (h *Hasher) Len() uint64 { return h.n }

// Write adds p to the hashed stream. It never fails.
func (h *Hasher) Write(p []byte) (int, error) {
	t := &pearson
	b := &h.buckets
	w0, w1, w2, w3 := h.window[0], h.window[1], h.window[2], h.window[3]
	cs := h.checksum
	i := 0
	// The first four bytes of the stream only fill the window: a triplet
	// is taken from every 5-byte window, ending at each byte from the fifth.
	for ; i < len(p) && h.n+uint64(i) < 4; i++ {
		w0, w1, w2, w3 = w1, w2, w3, p[i]
	}
	for _, c := range p[i:] {
		cs = t[t[t[salt0^c]^w3]^cs]
		b[t[t[t[salt2^c]^w3]^w2]]++
		b[t[t[t[salt3^c]^w3]^w1]]++
		b[t[t[t[salt5^c]^w2]^w1]]++
		b[t[t[t[salt7^c]^w2]^w0]]++
		b[t[t[t[salt11^c]^w3]^w0]]++
		b[t[t[t[salt13^c]^w1]^w0]]++
		w0, w1, w2, w3 = w1, w2, w3, c
	}
	h.window = [4]byte{w0, w1, w2, w3}
	h.checksum = cs
	h.n += uint64(len(p))
	return len(p), nil
}

// WriteString adds s to the hashed stream.
func (h *Hasher) WriteString(s string) (int, error) {
	// Small chunks through a stack buffer keep WriteString allocation-free.
	var buf [512]byte
	for rest := s; rest != ""; {
		k := copy(buf[:], rest)
		h.Write(buf[:k])
		rest = rest[k:]
	}
	return len(s), nil
}

// Digest is a TLSH hash, or the null digest of an input that has none.
type Digest struct {
	valid    bool
	checksum byte
	lvalue   byte // the length, on a logarithmic scale
	q1, q2   byte // the first and second quartile as a ratio of the third, mod 16
	code     [codeSize]byte
}

// Digest returns the digest of what was written so far; writing may go on.
func (h *Hasher) Digest() Digest {
	if h.n < MinLength || h.n > MaxLength {
		return Digest{}
	}
	var sorted [effBuckets]uint32
	copy(sorted[:], h.buckets[:effBuckets])
	nonzero := 0
	for _, c := range sorted {
		if c > 0 {
			nonzero++
		}
	}
	// An input so flat that half of the buckets are empty has no hash.
	if nonzero <= effBuckets/2 {
		return Digest{}
	}
	slices.Sort(sorted[:])
	q1, q2, q3 := sorted[effBuckets/4-1], sorted[effBuckets/2-1], sorted[effBuckets*3/4-1]
	d := Digest{valid: true, checksum: h.checksum, lvalue: lvalue(uint32(h.n))}
	for i := range d.code {
		var c byte
		for j := range 4 {
			switch k := h.buckets[4*i+j]; {
			case k > q3:
				c |= 3 << (2 * j)
			case k > q2:
				c |= 2 << (2 * j)
			case k > q1:
				c |= 1 << (2 * j)
			}
		}
		d.code[i] = c
	}
	// The reference divides in single precision after a 32-bit product;
	// doing the same keeps very large inputs' digests equal to its.
	d.q1 = byte(uint32(float32(q1*100)/float32(q3)) % 16)
	d.q2 = byte(uint32(float32(q2*100)/float32(q3)) % 16)
	return d
}

// String returns the digest of what was written so far.
func (h *Hasher) String() string { return h.Digest().String() }

// Sum returns the digest of data.
func Sum(data []byte) Digest {
	var h Hasher
	h.Write(data)
	return h.Digest()
}

// lvalue is the length of the input on TLSH's logarithmic scale (steps of
// 50 % up to 656 bytes, 30 % up to 3,199, 10 % above), as the reference
// computes it: a single-precision logarithm over double-precision constants.
func lvalue(n uint32) byte {
	l := float64(float32(math.Log(float64(float32(n)))))
	var i int
	switch {
	case n <= 656:
		i = int(math.Floor(l / 0.4054651))
	case n <= 3199:
		i = int(math.Floor(l/0.26236426 - 8.72777))
	default:
		i = int(math.Floor(l/0.095310180 - 62.5472))
	}
	return byte(i & 0xFF)
}

// IsNull reports whether d is the null digest.
func (d Digest) IsNull() bool { return !d.valid }

const hexDigits = "0123456789ABCDEF"

// String writes d as "T1" and 70 hexadecimal digits, or "TNULL".
func (d Digest) String() string {
	if !d.valid {
		return Null
	}
	var b [2 + 2*(3+codeSize)]byte
	b[0], b[1] = 'T', '1'
	// The reference writes the three header bytes with their nibbles
	// swapped and the code from its last byte to its first.
	b[2], b[3] = hexDigits[d.checksum&15], hexDigits[d.checksum>>4]
	b[4], b[5] = hexDigits[d.lvalue&15], hexDigits[d.lvalue>>4]
	b[6], b[7] = hexDigits[d.q1], hexDigits[d.q2]
	for i := range codeSize {
		c := d.code[codeSize-1-i]
		b[8+2*i], b[9+2*i] = hexDigits[c>>4], hexDigits[c&15]
	}
	return string(b[:])
}

// ErrSyntax is returned by Parse for a string that is no TLSH digest.
var ErrSyntax = errors.New("tlsh: not a TLSH digest")

// ErrNull is returned by the distances when a digest is the null digest.
var ErrNull = errors.New("tlsh: null digest")

// Parse reads a digest written by String: "T1" and 70 hexadecimal digits
// (either case; the 70 digits alone, as TLSH before version 4 wrote them,
// are accepted too), or "TNULL" for the null digest.
func Parse(s string) (Digest, error) {
	if s == Null {
		return Digest{}, nil
	}
	if len(s) == 72 && (s[:2] == "T1" || s[:2] == "t1") {
		s = s[2:]
	}
	if len(s) != 70 {
		return Digest{}, ErrSyntax
	}
	var raw [35]byte
	for i := range raw {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return Digest{}, ErrSyntax
		}
		raw[i] = hi<<4 | lo
	}
	d := Digest{valid: true}
	d.checksum = raw[0]<<4 | raw[0]>>4
	d.lvalue = raw[1]<<4 | raw[1]>>4
	d.q1, d.q2 = raw[2]>>4, raw[2]&15
	for i := range codeSize {
		d.code[codeSize-1-i] = raw[3+i]
	}
	return d, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
