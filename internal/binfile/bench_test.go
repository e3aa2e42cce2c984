package binfile

import (
	"bytes"
	"testing"
)

// BenchmarkParsePE parses a Go windows/amd64 build (about 6 MB, every
// section's entropy included) from memory.
func BenchmarkParsePE(b *testing.B) {
	bin := buildSample(b, "windows/amd64")
	b.SetBytes(int64(len(bin)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePE(bytes.NewReader(bin), int64(len(bin))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStrings(b *testing.B) {
	bin := buildSample(b, "windows/amd64")
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		if _, _, err := Strings(bytes.NewReader(bin), int64(len(bin)), StringLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}
