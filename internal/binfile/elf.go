package binfile

import (
	"debug/elf"
	"fmt"
	"io"
)

// ELF is what ParseELF reads from an ELF file.
type ELF struct {
	Class     string // "ELFCLASS32", "ELFCLASS64"
	Machine   string // "EM_X86_64", …
	Type      string // "ET_EXEC", "ET_DYN", …
	OSABI     string
	Entry     uint64
	Sections  []Section
	Segments  []Section // program headers; Name is the type ("PT_LOAD")
	Libraries []string  // DT_NEEDED
	Symbols   []string  // imported (undefined) dynamic symbols, "name" or "name@version"
	Truncated bool
}

// ParseELF reads an ELF file.
func ParseELF(r io.ReaderAt, size int64) (*ELF, error) {
	sr := io.NewSectionReader(r, 0, size)
	var out *ELF
	err := safely("elf", func() error {
		f, err := elf.NewFile(sr)
		if err != nil {
			return err
		}
		e := &ELF{
			Class: f.Class.String(), Machine: f.Machine.String(), Type: f.Type.String(),
			OSABI: f.OSABI.String(), Entry: f.Entry,
		}
		for i, s := range f.Sections {
			if i == maxSections {
				e.Truncated = true
				break
			}
			var raw uint64
			if s.Type != elf.SHT_NOBITS {
				raw = s.FileSize
			}
			e.Sections = append(e.Sections, Section{
				Name: clip(s.Name), VirtualAddress: s.Addr, VirtualSize: s.Size,
				Offset: s.Offset, RawSize: raw, Characteristics: uint32(s.Flags),
				Executable: s.Flags&elf.SHF_EXECINSTR != 0,
				Entropy:    rangeEntropy(sr, size, s.Offset, raw),
			})
		}
		for i, p := range f.Progs {
			if i == maxSections {
				e.Truncated = true
				break
			}
			e.Segments = append(e.Segments, Section{
				Name: p.Type.String(), VirtualAddress: p.Vaddr, VirtualSize: p.Memsz,
				Offset: p.Off, RawSize: p.Filesz, Characteristics: uint32(p.Flags),
				Executable: p.Flags&elf.PF_X != 0,
				Entropy:    rangeEntropy(sr, size, p.Off, p.Filesz),
			})
		}
		if !dynamicTablesSafe(f) {
			e.Truncated = true
			out = e
			return nil
		}
		if libs, err := f.ImportedLibraries(); err == nil {
			if len(libs) > maxLibraries {
				libs, e.Truncated = libs[:maxLibraries], true
			}
			for _, l := range libs {
				e.Libraries = append(e.Libraries, clip(l))
			}
		}
		if syms, err := f.ImportedSymbols(); err == nil {
			if len(syms) > maxImports {
				syms, e.Truncated = syms[:maxImports], true
			}
			for _, s := range syms {
				name := clip(s.Name)
				if s.Version != "" {
					name += "@" + clip(s.Version)
				}
				e.Symbols = append(e.Symbols, name)
			}
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: elf: %v", ErrFormat, err)
	}
	return out, nil
}

// maxDynamicTable caps the dynamic symbol, string and version tables read
// for imports.
const maxDynamicTable = 64 << 20

// dynamicTablesSafe says whether the tables ImportedLibraries and
// ImportedSymbols read are plain and of a sane size: a compressed one would
// be inflated to whatever size its header claims, a bomb in a small file.
func dynamicTablesSafe(f *elf.File) bool {
	for _, s := range f.Sections {
		switch s.Type {
		case elf.SHT_DYNSYM, elf.SHT_STRTAB, elf.SHT_DYNAMIC, elf.SHT_GNU_VERSYM, elf.SHT_GNU_VERNEED, elf.SHT_GNU_VERDEF:
			if s.Flags&elf.SHF_COMPRESSED != 0 || s.Size > maxDynamicTable {
				return false
			}
		}
	}
	return true
}
