package binfile

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"debug/pe"
	"testing"
)

// seeds are the first bytes of the built samples (skipped in -short mode),
// the hand-built PE, and damaged copies of it.
func seeds(f *testing.F, targets ...string) {
	pe := syntheticPE()
	f.Add(pe)
	f.Add(pe[:0x200])
	mangled := bytes.Clone(pe)
	mangled[0x106] = 0xff // sections
	copy(mangled[0x400:], bytes.Repeat([]byte{0xff}, 64))
	f.Add(mangled)
	res := withResources(f, pe)
	f.Add(res)
	f.Add(fuzzSigner(f).sign(f, res))
	if testing.Short() {
		return
	}
	for _, t := range targets {
		b := buildSample(f, t)
		f.Add(b[:min(len(b), 8192)])
	}
}

func FuzzParsePE(f *testing.F) {
	seeds(f, "windows/386", "windows/amd64")
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
		if err == nil {
			checkBounds(t, p)
			if p.OverlayOffset+p.OverlaySize > int64(len(b)) {
				t.Errorf("overlay %d+%d past %d", p.OverlayOffset, p.OverlaySize, len(b))
			}
		}
	})
}

// fuzzSigner is an ECDSA signer, quick to make for every fuzz run.
func fuzzSigner(f *testing.F) testSigner {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	return newTestSigner(f, k, "Koban Fuzz")
}

// FuzzResources walks a resource tree made of the fuzzer's bytes, mapped
// as one section at RVA 0x1000, and reads its version info.
func FuzzResources(f *testing.F) {
	f.Add(buildResources(0x1000, testResources()))
	f.Add(buildResources(0x1000, testResources()[:1]))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := uint32(len(b))
		img := &peImage{r: bytes.NewReader(b), size: int64(n), sections: []pe.SectionHeader{{VirtualAddress: 0x1000, VirtualSize: n, Offset: 0, Size: n}}}
		res, _ := img.resources(0x1000)
		if len(res) > maxResources {
			t.Errorf("%d resources", len(res))
		}
		for _, r := range res {
			if r.Entropy < 0 || r.Entropy > 8 || r.Offset+int64(min(r.Size, 1)) > int64(n) {
				t.Errorf("resource %+v", r)
			}
		}
		img.versionResource(res)
	})
}

// FuzzVersionInfo parses the fuzzer's bytes as a VS_VERSIONINFO.
func FuzzVersionInfo(f *testing.F) {
	f.Add(testVersionInfo(testVersionStrings))
	f.Add(testVersionInfo(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := versionInfo(b)
		if ok && (len(v.Strings) > maxVersionStrings || len(v.Translations) > 64) {
			t.Errorf("%d strings, %d translations", len(v.Strings), len(v.Translations))
		}
	})
}

// FuzzAuthenticode parses the fuzzer's bytes as a PKCS#7 SignedData.
func FuzzAuthenticode(f *testing.F) {
	signed := fuzzSigner(f).sign(f, syntheticPE())
	f.Add(signed[0xa00+8:])
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSignedData(b)
		if err == nil && len(s.chain) > maxSignedDataCerts {
			t.Errorf("%d certificates", len(s.chain))
		}
	})
}

func FuzzParseELF(f *testing.F) {
	seeds(f, "linux/amd64")
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseELF(bytes.NewReader(b), int64(len(b)))
		if err == nil && (len(e.Sections) > maxSections || len(e.Segments) > maxSections || len(e.Symbols) > maxImports) {
			t.Errorf("caps passed")
		}
	})
}

func FuzzParseMachO(f *testing.F) {
	seeds(f, "darwin/arm64")
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMachO(bytes.NewReader(b), int64(len(b)))
		if err == nil && (len(m.Sections) > maxSections || len(m.Segments) > maxSections || len(m.Symbols) > maxImports) {
			t.Errorf("caps passed")
		}
	})
}

func FuzzStrings(f *testing.F) {
	f.Add([]byte("hello\x00w\x00o\x00r\x00l\x00d\x00"))
	f.Add(syntheticPE())
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := StringLimits{MaxCount: 50, MaxBytes: 1000, MaxLen: 64}
		found, _, err := Strings(bytes.NewReader(b), int64(len(b)), lim)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for i, s := range found {
			total += len(s.Text)
			if len(s.Text) < MinString || len(s.Text) > lim.MaxLen || s.Offset < 0 || s.Offset >= int64(len(b)) {
				t.Errorf("string %+v", s)
			}
			if i > 0 && found[i-1].Offset > s.Offset {
				t.Errorf("out of order at %d", i)
			}
		}
		if len(found) > lim.MaxCount || total > lim.MaxBytes {
			t.Errorf("%d strings, %d bytes", len(found), total)
		}
	})
}
