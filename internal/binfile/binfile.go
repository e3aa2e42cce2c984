package binfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
)

// Format is the kind of executable a file is.
type Format string

// The formats Analyze recognises.
const (
	FormatUnknown Format = ""
	FormatPE      Format = "pe"
	FormatELF     Format = "elf"
	FormatMachO   Format = "macho"
)

// Caps on what one file can make the parsers hold.
const (
	maxSections  = 1024
	maxLibraries = 1024
	maxImports   = 65536 // functions over all libraries
	maxExports   = 65536
	maxNameLen   = 512
)

// ErrFormat is wrapped by every error that says the file is not, or not a
// well-formed, file of the format asked for.
var ErrFormat = errors.New("binfile: malformed or unsupported file")

// Section is one section (or, for ELF and Mach-O, segment) of a file.
type Section struct {
	Name            string
	VirtualAddress  uint64
	VirtualSize     uint64
	Offset          uint64 // in the file
	RawSize         uint64 // bytes in the file
	Characteristics uint32 // PE characteristics, ELF flags, Mach-O flags
	Executable      bool
	Entropy         float64 // Shannon entropy of the raw bytes, 0–8 bits per byte
}

// Report is what Analyze found.
type Report struct {
	Format Format
	PE     *PE
	ELF    *ELF
	MachO  *MachO
}

// Detect says which format the first bytes of a file announce.
func Detect(r io.ReaderAt, size int64) Format {
	var b [4]byte
	if size < 4 {
		return FormatUnknown
	}
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return FormatUnknown
	}
	switch {
	case b[0] == 'M' && b[1] == 'Z':
		return FormatPE
	case bytes.Equal(b[:], []byte("\x7fELF")):
		return FormatELF
	}
	switch le32(b[:]) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe, 0xbebafeca:
		return FormatMachO
	}
	return FormatUnknown
}

// Analyze detects the format and parses the file with its parser.
func Analyze(r io.ReaderAt, size int64) (*Report, error) {
	rep := &Report{Format: Detect(r, size)}
	var err error
	switch rep.Format {
	case FormatPE:
		rep.PE, err = ParsePE(r, size)
	case FormatELF:
		rep.ELF, err = ParseELF(r, size)
	case FormatMachO:
		rep.MachO, err = ParseMachO(r, size)
	default:
		return rep, fmt.Errorf("%w: no known executable header", ErrFormat)
	}
	return rep, err
}

// Entropy is the Shannon entropy of b in bits per byte (0–8).
func Entropy(b []byte) float64 {
	var counts [256]uint64
	for _, c := range b {
		counts[c]++
	}
	return entropyOf(&counts, uint64(len(b)))
}

func entropyOf(counts *[256]uint64, n uint64) float64 {
	if n == 0 {
		return 0
	}
	var h float64
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	if h < 0 {
		return 0
	}
	return h
}

// rangeEntropy is the entropy of size bytes at off, read in pieces and cut
// at the end of the file.
func rangeEntropy(r io.ReaderAt, fileSize int64, off, size uint64) float64 {
	return rangeEntropyBuf(r, fileSize, off, size, make([]byte, 64<<10))
}

// rangeEntropyBuf is rangeEntropy reading through buf.
func rangeEntropyBuf(r io.ReaderAt, fileSize int64, off, size uint64, buf []byte) float64 {
	if off >= uint64(fileSize) {
		return 0
	}
	if size > uint64(fileSize)-off {
		size = uint64(fileSize) - off
	}
	var counts [256]uint64
	var n uint64
	for n < size {
		chunk := buf
		if rem := size - n; rem < uint64(len(chunk)) {
			chunk = chunk[:rem]
		}
		k, err := r.ReadAt(chunk, int64(off+n))
		for _, c := range chunk[:k] {
			counts[c]++
		}
		n += uint64(k)
		if err != nil || k == 0 {
			break
		}
	}
	return entropyOf(&counts, n)
}

// safely runs f and turns a panic in the standard library's parsers into an
// error.
func safely(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s: parser panicked: %v", ErrFormat, what, p)
		}
	}()
	return f()
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

// clip cuts a name at its first NUL and at maxNameLen bytes.
func clip(s string) string {
	if i := bytes.IndexByte([]byte(s), 0); i >= 0 {
		s = s[:i]
	}
	if len(s) > maxNameLen {
		s = s[:maxNameLen]
	}
	return s
}
