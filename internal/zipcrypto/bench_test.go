package zipcrypto

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkWrite deflates and encrypts 16 MiB of sample-like bytes.
func BenchmarkWrite(b *testing.B) {
	data := sample(16<<20, 51)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := Write(io.Discard, "s.bin", modified, bytes.NewReader(data), Password); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead decrypts, inflates and checks the same 16 MiB.
func BenchmarkRead(b *testing.B) {
	data := sample(16<<20, 51)
	z := writeZip(b, "s.bin", data, Password)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		a, err := Open(bytes.NewReader(z), int64(len(z)))
		if err != nil {
			b.Fatal(err)
		}
		rc, err := a.Open(0, Password)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
}
