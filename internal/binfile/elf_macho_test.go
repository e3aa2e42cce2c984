package binfile

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"testing"
)

func TestGoELF(t *testing.T) {
	b := buildSample(t, "linux/amd64")
	rep, err := Analyze(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	e := rep.ELF
	if rep.Format != FormatELF || e == nil {
		t.Fatalf("format %q", rep.Format)
	}
	if e.Class != "ELFCLASS64" || e.Machine != "EM_X86_64" || e.Type != "ET_EXEC" || e.Entry == 0 {
		t.Errorf("class %s machine %s type %s entry %#x", e.Class, e.Machine, e.Type, e.Entry)
	}
	checkSections(t, e.Sections, ".text")
	var load bool
	for _, s := range e.Segments {
		load = load || s.Name == "PT_LOAD" && s.Executable
	}
	if !load {
		t.Errorf("no executable PT_LOAD in %+v", e.Segments)
	}
	if len(e.Libraries) != 0 || e.Truncated {
		t.Errorf("a static Go binary needs %v (truncated %v)", e.Libraries, e.Truncated)
	}

	// A string table marked compressed is not inflated: imports are left
	// out and the result says so.
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	shoff := binary.LittleEndian.Uint64(b[0x28:])
	bomb := bytes.Clone(b)
	for i, s := range f.Sections {
		if s.Name == ".strtab" {
			flags := shoff + uint64(i)*64 + 8
			binary.LittleEndian.PutUint64(bomb[flags:], uint64(s.Flags|elf.SHF_COMPRESSED))
			// a zlib header claiming a terabyte
			binary.LittleEndian.PutUint32(bomb[s.Offset:], uint32(elf.COMPRESS_ZLIB))
			binary.LittleEndian.PutUint64(bomb[s.Offset+8:], 1<<40)
			binary.LittleEndian.PutUint64(bomb[s.Offset+16:], 1)
		}
	}
	e2, err := ParseELF(bytes.NewReader(bomb), int64(len(bomb)))
	if err != nil {
		t.Fatal(err)
	}
	if !e2.Truncated || len(e2.Symbols) != 0 {
		t.Errorf("compressed string table read: truncated %v, %d symbols", e2.Truncated, len(e2.Symbols))
	}
}

func TestGoMachO(t *testing.T) {
	b := buildSample(t, "darwin/arm64")
	rep, err := Analyze(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	m := rep.MachO
	if rep.Format != FormatMachO || m == nil {
		t.Fatalf("format %q", rep.Format)
	}
	if m.CPU != "CpuArm64" || !m.Is64 || m.Type != "Exec" || m.Entry == 0 {
		t.Errorf("cpu %s is64 %v type %s entry %#x", m.CPU, m.Is64, m.Type, m.Entry)
	}
	checkSections(t, m.Sections, "__TEXT,__text")
	var libSystem bool
	for _, l := range m.Libraries {
		libSystem = libSystem || l == "/usr/lib/libSystem.B.dylib"
	}
	if !libSystem {
		t.Errorf("libSystem not among %v", m.Libraries)
	}
	if len(m.Symbols) == 0 {
		t.Error("no imported symbols")
	}
}

func checkSections(t *testing.T, secs []Section, text string) {
	t.Helper()
	var found bool
	for _, s := range secs {
		if s.Entropy < 0 || s.Entropy > 8 {
			t.Errorf("section %s entropy %f", s.Name, s.Entropy)
		}
		if s.Name == text {
			found = s.Executable && s.RawSize > 0 && s.Entropy > 4
		}
	}
	if !found {
		t.Errorf("no executable %s in %+v", text, secs)
	}
}
