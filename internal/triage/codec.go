package triage

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"

	"github.com/koban-project/koban/internal/taxonomy"
)

// magic starts every serialised model; the digit is the format's version.
const magic = "KOBANNB1"

// ErrFormat is wrapped by every error UnmarshalBinary returns.
var ErrFormat = errors.New("triage: malformed model")

// MarshalBinary writes the model: the options, the class codes, the
// document counts (all and urgent) and the non-zero n-gram counts of both models, as
// varints. Only counts are kept (the log-probabilities are derived on
// load), so the file is small and a later version can keep learning from
// it by adding counts.
func (m *Model) MarshalBinary() ([]byte, error) {
	b := []byte(magic)
	b = binary.AppendUvarint(b, uint64(m.bits))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.alpha))
	b = binary.AppendUvarint(b, uint64(len(m.classes)))
	for i, c := range m.classes {
		b = binary.AppendUvarint(b, uint64(len(c)))
		b = append(b, c...)
		b = binary.AppendUvarint(b, uint64(m.docs[i]))
		b = binary.AppendUvarint(b, uint64(m.udocsByClass[i]))
	}
	b = appendEntries(b, m.entries)
	b = binary.AppendUvarint(b, uint64(m.udocs[0]))
	b = binary.AppendUvarint(b, uint64(m.udocs[1]))
	b = appendEntries(b, m.uentries)
	return b, nil
}

func appendEntries(b []byte, es []entry) []byte {
	b = binary.AppendUvarint(b, uint64(len(es)))
	prev := uint32(0)
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(e.bucket-prev))
		b = append(b, e.class)
		b = binary.AppendUvarint(b, uint64(e.count))
		prev = e.bucket
	}
	return b
}

// UnmarshalBinary reads what MarshalBinary wrote, checking every field;
// errors wrap ErrFormat.
func (m *Model) UnmarshalBinary(data []byte) error {
	r := reader{b: data}
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		return fmt.Errorf("%w: not a koban triage model", ErrFormat)
	}
	r.b = data[len(magic):]
	bits := r.uvarint()
	if r.err == nil && (bits < minBits || bits > maxBits) {
		return fmt.Errorf("%w: bits %d", ErrFormat, bits)
	}
	if len(r.b) < 8 {
		return fmt.Errorf("%w: truncated", ErrFormat)
	}
	alpha := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	if !(alpha > 0) || math.IsInf(alpha, 0) {
		return fmt.Errorf("%w: alpha %v", ErrFormat, alpha)
	}
	nc := r.uvarint()
	if r.err == nil && (nc == 0 || nc > 64) {
		return fmt.Errorf("%w: %d classes", ErrFormat, nc)
	}
	classes := make([]taxonomy.Code, 0, nc)
	docs := make([]uint32, 0, nc)
	udocsByClass := make([]uint32, 0, nc)
	for i := uint64(0); i < nc && r.err == nil; i++ {
		l := r.uvarint()
		code := string(r.bytes(l))
		if r.err == nil && !taxonomy.Valid(code) {
			return fmt.Errorf("%w: unknown category %q", ErrFormat, code)
		}
		classes = append(classes, taxonomy.Code(code))
		docs = append(docs, r.uint32())
		udocsByClass = append(udocsByClass, r.uint32())
		if r.err == nil && udocsByClass[i] > docs[i] {
			return fmt.Errorf("%w: more urgent examples than examples", ErrFormat)
		}
	}
	if r.err == nil && len(classIndex(classes)) != len(classes) {
		return fmt.Errorf("%w: a category twice", ErrFormat)
	}
	entries := r.entries(bits, len(classes))
	var udocs [2]uint32
	udocs[0] = r.uint32()
	udocs[1] = r.uint32()
	uentries := r.entries(bits, 2)
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d bytes after the end", ErrFormat, len(r.b))
	}
	*m = Model{bits: uint(bits), alpha: alpha, classes: classes, docs: docs, udocsByClass: udocsByClass, entries: entries, udocs: udocs, uentries: uentries}
	return m.derive()
}

// versionOf names a serialised model.
func versionOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "nb-" + hex.EncodeToString(sum[:8])
}

// reader decodes varints and remembers the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrFormat, what)
	}
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uint32() uint32 {
	v := r.uvarint()
	if v > math.MaxUint32 {
		r.fail("count too large")
		return 0
	}
	return uint32(v)
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail("truncated")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// entries reads a list of counts, which must be in strictly increasing
// (bucket, class) order, inside the feature space, and non-zero.
func (r *reader) entries(bits uint64, C int) []entry {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	// Each entry takes at least three bytes: a count that cannot fit is a
	// lie, refused before allocating for it.
	if n > uint64(len(r.b))/3 || n > uint64(C)<<bits {
		r.fail("too many entries")
		return nil
	}
	out := make([]entry, 0, n)
	bucket := uint64(0)
	for i := uint64(0); i < n && r.err == nil; i++ {
		d := r.uvarint()
		c := r.bytes(1)
		count := r.uint32()
		if r.err != nil {
			break
		}
		bucket += d
		e := entry{bucket: uint32(bucket), class: c[0], count: count}
		switch {
		case bucket >= 1<<bits:
			r.fail("bucket outside the feature space")
		case int(e.class) >= C:
			r.fail("class out of range")
		case count == 0:
			r.fail("zero count")
		case i > 0 && d == 0 && e.class <= out[len(out)-1].class:
			r.fail("entries out of order")
		}
		out = append(out, e)
	}
	return out
}
