package observe

// digitBitmap writes n words to dst, one for each 64 bytes from src: bit j
// of word k is set if byte 64k+j is an ASCII digit. It compares sixteen
// bytes at once (SSE2, which every amd64 processor has).
//
//go:noescape
func digitBitmap(dst *uint64, src *byte, n int)
