package observe

import (
	"encoding/binary"
	"math/bits"
	"sort"
	"unsafe"
)

// Report text is mostly prose in which most passes have nothing to find:
// the helpers here skip it eight bytes at a time (SWAR: one 64-bit word
// tested for a byte property at once), where a byte loop would test each.
// TestByteScans checks them against byte loops.

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
	swarLow7  = 0x7f7f7f7f7f7f7f7f
)

// bytesOf returns t's bytes, to be read only: the helpers below load
// eight of them at a time.
func bytesOf(t string) []byte { return unsafe.Slice(unsafe.StringData(t), len(t)) }

// word returns the eight bytes of b at i as a little-endian word.
func word(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i : i+8]) }

// digitMask returns the high bit of each byte of w that is an ASCII digit.
func digitMask(w uint64) uint64 {
	// A byte b with b&0x7f above '0'-1 and below '9'+1, and its high bit
	// clear (a range test on all eight bytes at once; no byte carries into
	// the next).
	x := w & swarLow7
	return (swarOnes*(127+('9'+1)) - x) & ^w & (x + swarOnes*(127-('0'-1))) & swarHighs
}

// nextDigit returns the offset of the first ASCII digit at or after t[i],
// or len(t).
func nextDigit(t string, i int) int {
	for b := bytesOf(t); i+8 <= len(b); i += 8 {
		if digitMask(word(b, i)) != 0 {
			break // a digit is in these eight bytes; the loop below finds it
		}
	}
	for ; i < len(t); i++ {
		if isDigit(t[i]) {
			return i
		}
	}
	return i
}

// asciiEnd returns the offset of the first byte at or after t[i] that is
// not ASCII, or len(t).
func asciiEnd(t string, i int) int {
	for b := bytesOf(t); i+8 <= len(b); i += 8 {
		if word(b, i)&swarHighs != 0 {
			break
		}
	}
	for ; i < len(t); i++ {
		if t[i] >= 0x80 {
			return i
		}
	}
	return i
}

// digitRuns are the maximal runs of ASCII digits of a text. The phone and
// bank-account passes both start from digits, so the text is scanned for
// them once, by the first to ask (scanner.digitRuns).
type digitRuns struct {
	runs []span
	k    int // runs[:k] end at or before the offset last asked for
}

// find lists the digit runs of t, from digitBitmap's bitmap of its digits.
func (d *digitRuns) find(t string) { d.findWith(t, digitBitmap) }

// findWith lists the digit runs of t from the words bitmap writes, 4 KB of
// text at a time, and takes the runs' starts and ends from where the bits
// change; the bytes after the last whole 64 are read one by one.
func (d *digitRuns) findWith(t string, bitmap func(dst *uint64, src *byte, n int)) {
	d.runs, d.k = d.runs[:0], 0
	start := 0
	in := false // whether the byte before t[i] is a digit
	i := 0
	b := bytesOf(t)
	var words [64]uint64
	for len(b)-i >= 64 {
		n := min((len(b)-i)/64, len(words))
		bitmap(&words[0], &b[i], n)
		for k, m := range words[:n] {
			if m == 0 && !in {
				continue
			}
			base := i + 64*k
			before := m << 1 // each byte's bit says whether the one before it is a digit
			if in {
				before |= 1
			}
			in = m>>63 != 0
			for tr := m ^ before; tr != 0; tr &= tr - 1 {
				bit := bits.TrailingZeros64(tr)
				if m&(1<<bit) != 0 {
					start = base + bit
				} else {
					d.runs = append(d.runs, span{start, base + bit})
				}
			}
		}
		i += 64 * n
	}
	d.finish(t, i, start, in)
}

// digitBitmapGo is digitBitmap in Go, eight bytes at a time: each byte's
// digit bit from digitMask, the eight gathered into one byte by a multiply
// (each bit lands in its own place of the top byte, and no sums carry).
// Processors without the assembly use it; the tests hold it to the same
// bits.
func digitBitmapGo(dst *uint64, src *byte, n int) {
	out := unsafe.Slice(dst, n)
	in := unsafe.Slice(src, 64*n)
	for k := range out {
		var w uint64
		for j := 0; j < 64; j += 8 {
			m := digitMask(word(in, 64*k+j)) >> 7 // bit 8i for byte i
			w |= (m * 0x0102040810204080 >> 56) << j
		}
		out[k] = w
	}
}

// finish reads t from i one byte at a time, with start the start of the run
// i is in if in, and lists the runs it finds and the last one.
func (d *digitRuns) finish(t string, i, start int, in bool) {
	for ; i < len(t); i++ {
		switch digit := isDigit(t[i]); {
		case digit && !in:
			start = i
		case !digit && in:
			d.runs = append(d.runs, span{start, i})
		}
		in = isDigit(t[i])
	}
	if in {
		d.runs = append(d.runs, span{start, len(t)})
	}
}

// next returns the offset of the first digit at or after i, or n (the
// length of the text). It is quickest when asked for ascending offsets.
func (d *digitRuns) next(i, n int) int {
	if d.k > 0 && d.runs[d.k-1].end > i {
		d.k = sort.Search(len(d.runs), func(k int) bool { return d.runs[k].end > i })
	}
	for d.k < len(d.runs) && d.runs[d.k].end <= i {
		d.k++
	}
	if d.k == len(d.runs) {
		return n
	}
	return max(i, d.runs[d.k].start)
}

// end returns the end of the run that holds the offset next returned.
func (d *digitRuns) end() int { return d.runs[d.k].end }

// chain counts the digits from k (found by next) to the end of its run and
// of the runs after it while they are at most gap bytes apart, stopping
// once it has enough. It returns the count and where the last run counted
// ends.
func (d *digitRuns) chain(k, gap, enough int) (n, end int) {
	r := d.k
	n, end = d.runs[r].end-k, d.runs[r].end
	for n < enough && r+1 < len(d.runs) && d.runs[r+1].start-end <= gap {
		r++
		n += d.runs[r].end - d.runs[r].start
		end = d.runs[r].end
	}
	return n, end
}
