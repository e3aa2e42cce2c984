package binfile

import (
	"debug/macho"
	"fmt"
	"io"
)

// MachO is what ParseMachO reads from a Mach-O file. For a universal (fat)
// file it describes the first architecture and lists all in Arches.
type MachO struct {
	Arches    []string // every architecture of a fat file, else the one
	CPU       string   // "CpuAmd64", "CpuArm64", …
	Is64      bool
	Type      string // "Exec", "Dylib", …
	Entry     uint64 // LC_MAIN's offset from the __TEXT segment, 0 when absent
	Sections  []Section
	Segments  []Section
	Libraries []string
	Symbols   []string // imported symbols
	Truncated bool
}

const lcMain = 0x80000028

// ParseMachO reads a Mach-O file, thin or fat.
func ParseMachO(r io.ReaderAt, size int64) (*MachO, error) {
	sr := io.NewSectionReader(r, 0, size)
	var out *MachO
	err := safely("macho", func() error {
		f, err := macho.NewFile(sr)
		var arches []string
		var base uint64
		if err != nil {
			ff, ferr := macho.NewFatFile(sr)
			if ferr != nil {
				return err
			}
			defer ff.Close()
			if len(ff.Arches) == 0 {
				return fmt.Errorf("fat file without architectures")
			}
			for i, a := range ff.Arches {
				if i == maxLibraries {
					break
				}
				arches = append(arches, a.Cpu.String())
			}
			f, base = ff.Arches[0].File, uint64(ff.Arches[0].Offset)
		}
		m := &MachO{CPU: f.Cpu.String(), Is64: f.Magic == macho.Magic64, Type: f.Type.String(), Arches: arches}
		if m.Arches == nil {
			m.Arches = []string{m.CPU}
		}
		for i, s := range f.Sections {
			if i == maxSections {
				m.Truncated = true
				break
			}
			var raw uint64
			if s.Offset != 0 && s.Flags&0xff != 0x1 && s.Flags&0xff != 0xc { // not S_ZEROFILL, S_GB_ZEROFILL
				raw = s.Size
			}
			m.Sections = append(m.Sections, Section{
				Name: clip(s.Seg + "," + s.Name), VirtualAddress: s.Addr, VirtualSize: s.Size,
				Offset: base + uint64(s.Offset), RawSize: raw, Characteristics: s.Flags,
				Executable: s.Flags&0x80000400 != 0, // S_ATTR_PURE_INSTRUCTIONS, S_ATTR_SOME_INSTRUCTIONS
				Entropy:    rangeEntropy(sr, size, base+uint64(s.Offset), raw),
			})
		}
		for _, l := range f.Loads {
			if len(m.Segments) == maxSections {
				m.Truncated = true
				break
			}
			switch l := l.(type) {
			case *macho.Segment:
				m.Segments = append(m.Segments, Section{
					Name: clip(l.Name), VirtualAddress: l.Addr, VirtualSize: l.Memsz,
					Offset: base + l.Offset, RawSize: l.Filesz, Characteristics: l.Prot,
					Executable: l.Prot&4 != 0,
					Entropy:    rangeEntropy(sr, size, base+l.Offset, l.Filesz),
				})
			default:
				raw := l.Raw()
				if len(raw) >= 16 && f.ByteOrder.Uint32(raw) == lcMain {
					m.Entry = f.ByteOrder.Uint64(raw[8:])
				}
			}
		}
		if libs, err := f.ImportedLibraries(); err == nil {
			if len(libs) > maxLibraries {
				libs, m.Truncated = libs[:maxLibraries], true
			}
			for _, l := range libs {
				m.Libraries = append(m.Libraries, clip(l))
			}
		}
		if syms, err := f.ImportedSymbols(); err == nil {
			if len(syms) > maxImports {
				syms, m.Truncated = syms[:maxImports], true
			}
			for _, s := range syms {
				m.Symbols = append(m.Symbols, clip(s))
			}
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: macho: %v", ErrFormat, err)
	}
	return out, nil
}
