package binfile

import (
	"bytes"
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
