//go:build !amd64

package observe

import "unsafe"

// haveDigitBitmap says that digitBitmap is not written in assembly here:
// find uses findSWAR. digitBitmap is still defined, so that findBitmap
// and its tests build everywhere.
const haveDigitBitmap = false

// digitBitmap writes n words to dst, one for each 64 bytes from src: bit j
// of word k is set if byte 64k+j is an ASCII digit.
func digitBitmap(dst *uint64, src *byte, n int) {
	out := unsafe.Slice(dst, n)
	in := unsafe.Slice(src, 64*n)
	for k := range out {
		var w uint64
		for j := range 64 {
			if isDigit(in[64*k+j]) {
				w |= 1 << j
			}
		}
		out[k] = w
	}
}
