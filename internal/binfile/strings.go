package binfile

import (
	"io"
	"sort"
	"strings"

	"github.com/koban-project/koban/internal/observe"
)

// MinString is the shortest run of printable characters Strings reports.
const MinString = 4

// StringLimits caps what Strings returns.
type StringLimits struct {
	MaxCount int // strings; 0 means 100,000
	MaxBytes int // bytes over all strings; 0 means 16 MiB
	MaxLen   int // bytes of one string, longer runs are cut; 0 means 4096
}

// FoundString is one run of printable characters.
type FoundString struct {
	Offset int64 // in the file
	Wide   bool  // UTF-16LE
	Text   string
}

func printable(c byte) bool { return c >= 0x20 && c < 0x7f || c == '\t' }

// Strings reads the file once, in pieces, and returns its runs of at least
// MinString printable ASCII characters and of UTF-16LE characters in that
// range (a printable byte and a zero), in file order of their starts (ASCII
// and wide runs are found by separate scanners and merged). It stops at the
// limits and says whether it did.
func Strings(r io.ReaderAt, size int64, lim StringLimits) (found []FoundString, truncated bool, err error) {
	if lim.MaxCount <= 0 {
		lim.MaxCount = 100_000
	}
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = 16 << 20
	}
	if lim.MaxLen <= 0 {
		lim.MaxLen = 4096
	}
	var total int
	emit := func(s FoundString) bool {
		if len(found) >= lim.MaxCount || total+len(s.Text) > lim.MaxBytes {
			truncated = true
			return false
		}
		found = append(found, s)
		total += len(s.Text)
		return true
	}
	var (
		ascii      []byte
		asciiStart int64
		wide       [2][]byte // the runs of characters starting at even and odd offsets
		wideStart  [2]int64
		prev       byte
		havePrev   bool
	)
	flushASCII := func() bool {
		ok := true
		if len(ascii) >= MinString {
			ok = emit(FoundString{Offset: asciiStart, Text: string(ascii)})
		}
		ascii = ascii[:0]
		return ok
	}
	flushWide := func(p int) bool {
		ok := true
		if len(wide[p]) >= MinString {
			ok = emit(FoundString{Offset: wideStart[p], Wide: true, Text: string(wide[p])})
		}
		wide[p] = wide[p][:0]
		return ok
	}
	buf := make([]byte, 64<<10)
	var pos int64
	for pos < size {
		n := len(buf)
		if rem := size - pos; rem < int64(n) {
			n = int(rem)
		}
		k, rerr := r.ReadAt(buf[:n], pos)
		for i, c := range buf[:k] {
			at := pos + int64(i)
			if printable(c) {
				if len(ascii) == 0 {
					asciiStart = at
				}
				if len(ascii) < lim.MaxLen {
					ascii = append(ascii, c)
				}
			} else if len(ascii) > 0 && !flushASCII() {
				return found, truncated, nil
			}
			// The pair (prev, c) starting at at-1 is a UTF-16LE character
			// of the run of that parity, or ends it.
			if havePrev {
				p := int((at - 1) & 1)
				if printable(prev) && c == 0 {
					if len(wide[p]) == 0 {
						wideStart[p] = at - 1
					}
					if len(wide[p]) < lim.MaxLen {
						wide[p] = append(wide[p], prev)
					}
				} else if len(wide[p]) > 0 && !flushWide(p) {
					return found, truncated, nil
				}
			}
			prev, havePrev = c, true
		}
		pos += int64(k)
		if rerr != nil && rerr != io.EOF {
			return found, truncated, rerr
		}
		if k == 0 {
			break
		}
	}
	if flushASCII() && flushWide(0) {
		flushWide(1)
	}
	sortByOffset(found)
	return found, truncated, nil
}

func sortByOffset(s []FoundString) {
	// Runs are emitted when they end; order them by where they start.
	sort.SliceStable(s, func(i, j int) bool { return s[i].Offset < s[j].Offset })
}

// Observables runs koban's observable extraction over the strings, one per
// line.
func Observables(found []FoundString) []observe.Observable {
	var b strings.Builder
	for _, s := range found {
		b.WriteString(s.Text)
		b.WriteByte('\n')
	}
	return observe.Extract(b.String())
}
