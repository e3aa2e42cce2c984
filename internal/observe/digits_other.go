//go:build !amd64

package observe

// digitBitmap writes n words to dst, one for each 64 bytes from src: bit j
// of word k is set if byte 64k+j is an ASCII digit. Here it is the Go
// version; amd64 has it in assembly.
func digitBitmap(dst *uint64, src *byte, n int) { digitBitmapGo(dst, src, n) }
