package binfile

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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

// BenchmarkParseSignedPE parses the same build with a .rsrc section and an
// Authenticode signature: the image hash reads the whole file once more.
func BenchmarkParseSignedPE(b *testing.B) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	bin := newTestSigner(b, k, "Koban Bench").sign(b, withResources(b, buildSample(b, "windows/amd64")))
	if p, err := ParsePE(bytes.NewReader(bin), int64(len(bin))); err != nil || !p.Authenticode.ImageHashMatches || len(p.Resources) == 0 {
		b.Fatalf("the signed sample does not parse as signed: %v", err)
	}
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
