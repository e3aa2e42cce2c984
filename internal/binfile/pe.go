package binfile

import (
	"debug/pe"
	"fmt"
	"io"
	"strings"
	"time"
)

// PE is what ParsePE reads from a Windows executable.
type PE struct {
	Is64            bool // PE32+
	IsDLL           bool
	Machine         uint16
	MachineName     string // "i386", "amd64", "arm64", … or "" when unknown
	TimeDateStamp   time.Time
	Characteristics uint16
	Subsystem       uint16
	SubsystemName   string
	ImageBase       uint64
	EntryPoint      uint32 // RVA
	Sections        []Section
	Imports         []Import
	Exports         []Export
	ExportDLLName   string
	Imphash         string // pefile's get_imphash; "" when there are no imports
	RichHash        string // pefile's get_rich_header_hash (MD5); "" without a Rich header
	Rich            []RichEntry
	OverlayOffset   int64 // where the overlay starts; 0 with OverlaySize 0 when there is none
	OverlaySize     int64
	Resources       []Resource    // the leaves of the resource tree, in tree order
	VersionInfo     *VersionInfo  // the first RT_VERSION resource; nil without one
	Authenticode    *Authenticode // the certificate table; nil when the file has none
	Hints           []Hint
	Truncated       bool // a cap was reached: some sections, imports, exports, resources or resource entropies are left out
}

// Import is one imported library with the functions taken from it.
type Import struct {
	DLL       string
	Functions []ImportedFunction
}

// ImportedFunction is imported by name (Name set, Hint its hint) or by
// ordinal (ByOrdinal, Name "ord<N>" as pefile's ordlookup makes it).
type ImportedFunction struct {
	Name      string
	Hint      uint16
	Ordinal   uint16
	ByOrdinal bool
}

// Export is one exported function.
type Export struct {
	Name      string // "" when exported by ordinal only
	Ordinal   uint32
	RVA       uint32
	Forwarder string // "DLL.Function" when the export forwards elsewhere
}

// RichEntry is one decoded entry of the Rich header: a tool (product id and
// build) and how many objects it made.
type RichEntry struct {
	ProductID uint16
	Build     uint16
	Count     uint32
}

// Hint is one sign that a file is packed or protected: a stable code and
// what it rests on.
type Hint struct {
	Code   string // "packer-section", "high-entropy-code", "writable-code", "entry-outside-sections", "entry-in-last-section", "few-imports", "resource-executable", "signature-mismatch"
	Detail string
}

var peMachines = map[uint16]string{
	0x14c: "i386", 0x8664: "amd64", 0x1c0: "arm", 0x1c4: "armnt", 0xaa64: "arm64",
	0x200: "ia64", 0x5064: "riscv64", 0x6264: "loongarch64",
}

var peSubsystems = map[uint16]string{
	1: "native", 2: "windows-gui", 3: "windows-cui", 5: "os2-cui", 7: "posix-cui",
	9: "windows-ce-gui", 10: "efi-application", 11: "efi-boot-service-driver",
	12: "efi-runtime-driver", 13: "efi-rom", 14: "xbox", 16: "windows-boot-application",
}

// packerSections are section names that packers and protectors leave,
// compared without case.
var packerSections = map[string]string{
	"upx0": "UPX", "upx1": "UPX", "upx2": "UPX", "upx!": "UPX", ".upx0": "UPX", ".upx1": "UPX",
	".aspack": "ASPack", ".adata": "ASPack", "aspack": "ASPack",
	".mpress1": "MPRESS", ".mpress2": "MPRESS",
	".petite": "Petite", "pec2": "PECompact", "pecompact2": "PECompact", "pec2to": "PECompact",
	".nsp0": "NsPack", ".nsp1": "NsPack", ".nsp2": "NsPack", "nsp0": "NsPack", "nsp1": "NsPack",
	".themida": "Themida", ".winlice": "WinLicense",
	".vmp0": "VMProtect", ".vmp1": "VMProtect", ".vmp2": "VMProtect",
	".enigma1": "Enigma", ".enigma2": "Enigma", ".rlpack": "RLPack", "fsg!": "FSG",
	"mew": "MEW", ".packed": "packed", ".perplex": "Perplex", ".yp": "Y0da", ".y0da": "Y0da",
	"kkrunchy": "kkrunchy", ".mackt": "ImpRec", ".taz": "PESpin", ".spack": "Simple Pack",
	".ccg": "CCG", ".boom": "Boomerang", "bitarts": "Crunch",
}

// highEntropy is the entropy above which an executable section is taken
// for packed or encrypted code; compiled code rarely passes 6.8.
const highEntropy = 7.2

// ParsePE reads a PE file. An error wraps ErrFormat when the file is no
// PE or its headers cannot be read; damage further in (a bad import table)
// leaves that part out instead.
func ParsePE(r io.ReaderAt, size int64) (*PE, error) {
	sr := io.NewSectionReader(r, 0, size)
	var f *pe.File
	err := safely("pe", func() error {
		var err error
		f, err = pe.NewFile(sr)
		return err
	})
	if err != nil {
		// A COFF symbol table that is damaged or points past the end makes
		// debug/pe give up, though images carry none that matter; try again
		// without it, as Windows' loader ignores it.
		sr = io.NewSectionReader(noSymbols{r}, 0, size)
		if err2 := safely("pe", func() error {
			var err error
			f, err = pe.NewFile(sr)
			return err
		}); err2 != nil {
			return nil, fmt.Errorf("%w: pe: %v", ErrFormat, err)
		}
	}
	p := &PE{
		Machine:         f.Machine,
		MachineName:     peMachines[f.Machine],
		TimeDateStamp:   time.Unix(int64(f.TimeDateStamp), 0).UTC(),
		Characteristics: f.Characteristics,
		IsDLL:           f.Characteristics&pe.IMAGE_FILE_DLL != 0,
	}
	var dirs []pe.DataDirectory
	var sizeOfHeaders uint32
	dirTable := int64(96) // the data directories' offset in the optional header
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		p.Subsystem, p.ImageBase, p.EntryPoint = oh.Subsystem, uint64(oh.ImageBase), oh.AddressOfEntryPoint
		dirs = oh.DataDirectory[:min(int(oh.NumberOfRvaAndSizes), 16)]
		sizeOfHeaders = oh.SizeOfHeaders
	case *pe.OptionalHeader64:
		p.Is64 = true
		p.Subsystem, p.ImageBase, p.EntryPoint = oh.Subsystem, oh.ImageBase, oh.AddressOfEntryPoint
		dirs = oh.DataDirectory[:min(int(oh.NumberOfRvaAndSizes), 16)]
		sizeOfHeaders = oh.SizeOfHeaders
		dirTable = 112
	default:
		return nil, fmt.Errorf("%w: pe: no optional header", ErrFormat)
	}
	p.SubsystemName = peSubsystems[p.Subsystem]

	img := &peImage{r: sr, size: size, is64: p.Is64}
	for i, s := range f.Sections {
		if i == maxSections {
			p.Truncated = true
			break
		}
		h := s.SectionHeader
		img.sections = append(img.sections, h)
		p.Sections = append(p.Sections, Section{
			Name:            clip(h.Name),
			VirtualAddress:  uint64(h.VirtualAddress),
			VirtualSize:     uint64(h.VirtualSize),
			Offset:          uint64(h.Offset),
			RawSize:         uint64(h.Size),
			Characteristics: h.Characteristics,
			Executable:      h.Characteristics&(pe.IMAGE_SCN_MEM_EXECUTE|pe.IMAGE_SCN_CNT_CODE) != 0,
			Entropy:         rangeEntropy(sr, size, uint64(h.Offset), uint64(h.Size)),
		})
	}
	if len(dirs) > pe.IMAGE_DIRECTORY_ENTRY_IMPORT {
		var cut bool
		p.Imports, cut = img.imports(dirs[pe.IMAGE_DIRECTORY_ENTRY_IMPORT])
		p.Truncated = p.Truncated || cut
	}
	if len(dirs) > pe.IMAGE_DIRECTORY_ENTRY_EXPORT {
		var cut bool
		p.ExportDLLName, p.Exports, cut = img.exports(dirs[pe.IMAGE_DIRECTORY_ENTRY_EXPORT])
		p.Truncated = p.Truncated || cut
	}
	p.Imphash = Imphash(p.Imports)
	p.Rich, p.RichHash = richHeader(sr, size)
	p.OverlayOffset = img.overlayStart(f, dirs)
	if p.OverlayOffset > 0 && p.OverlayOffset < size {
		p.OverlaySize = size - p.OverlayOffset
	} else {
		p.OverlayOffset = 0
	}
	if len(dirs) > pe.IMAGE_DIRECTORY_ENTRY_RESOURCE {
		var cut bool
		p.Resources, cut = img.resources(dirs[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE].VirtualAddress)
		p.Truncated = p.Truncated || cut
		p.VersionInfo = img.versionResource(p.Resources)
	}
	if len(dirs) > pe.IMAGE_DIRECTORY_ENTRY_SECURITY {
		if d := dirs[pe.IMAGE_DIRECTORY_ENTRY_SECURITY]; d.VirtualAddress != 0 && d.Size != 0 {
			var dos [0x40]byte
			if _, err := sr.ReadAt(dos[:], 0); err == nil {
				opt := int64(le32(dos[0x3c:])) + 24
				l := imageLayout{
					checksum:      opt + 64,
					securityEntry: opt + dirTable + 8*pe.IMAGE_DIRECTORY_ENTRY_SECURITY,
					sizeOfHeaders: int64(sizeOfHeaders),
					certOffset:    int64(d.VirtualAddress), // a file offset, not an RVA
					certSize:      int64(d.Size),
				}
				for _, s := range img.sections {
					l.sections = append(l.sections, rawRange{int64(s.Offset), int64(s.Size)})
				}
				p.Authenticode = authenticode(sr, size, l)
			}
		}
	}
	p.Hints = peHints(p)
	return p, nil
}

// peImage maps RVAs to file offsets and reads the tables it finds there.
type peImage struct {
	r        io.ReaderAt
	size     int64
	is64     bool
	sections []pe.SectionHeader
}

// offset is the file offset of rva, as pefile's get_offset_from_rva: in the
// section that holds it, else in the headers before the first section.
func (m *peImage) offset(rva uint32) (int64, bool) {
	for _, s := range m.sections {
		span := max(s.VirtualSize, s.Size)
		if rva >= s.VirtualAddress && uint64(rva) < uint64(s.VirtualAddress)+uint64(span) {
			d := rva - s.VirtualAddress
			if d >= s.Size {
				return 0, false // in the section's zero-filled tail
			}
			off := int64(s.Offset) + int64(d)
			return off, off < m.size
		}
	}
	if len(m.sections) == 0 || rva < m.sections[0].VirtualAddress || m.sections[0].VirtualAddress == 0 {
		return int64(rva), int64(rva) < m.size
	}
	return 0, false
}

func (m *peImage) read(rva uint32, n int) ([]byte, bool) {
	off, ok := m.offset(rva)
	if !ok || n < 0 || int64(n) > m.size-off {
		return nil, false
	}
	b := make([]byte, n)
	if _, err := m.r.ReadAt(b, off); err != nil {
		return nil, false
	}
	return b, true
}

// cstring reads a NUL-terminated name of at most maxNameLen bytes.
func (m *peImage) cstring(rva uint32) (string, bool) {
	off, ok := m.offset(rva)
	if !ok {
		return "", false
	}
	n := int64(maxNameLen + 1)
	if n > m.size-off {
		n = m.size - off
	}
	b := make([]byte, n)
	k, _ := m.r.ReadAt(b, off)
	b = b[:k]
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), true
		}
	}
	return clip(string(b)), len(b) > 0
}

func (m *peImage) imports(dir pe.DataDirectory) ([]Import, bool) {
	if dir.VirtualAddress == 0 {
		return nil, false
	}
	var out []Import
	total := 0
	for i := uint32(0); ; i++ {
		if len(out) == maxLibraries {
			return out, true
		}
		d, ok := m.read(dir.VirtualAddress+i*20, 20)
		if !ok {
			break
		}
		ilt, name, iat := le32(d[0:]), le32(d[12:]), le32(d[16:])
		if ilt == 0 && name == 0 && iat == 0 {
			break
		}
		dll, ok := m.cstring(name)
		if !ok || dll == "" {
			continue
		}
		thunks := ilt
		if thunks == 0 {
			thunks = iat
		}
		imp := Import{DLL: dll}
		step := uint32(4)
		if m.is64 {
			step = 8
		}
		for j := uint32(0); ; j++ {
			if total == maxImports {
				out = append(out, imp)
				return out, true
			}
			t, ok := m.read(thunks+j*step, int(step))
			if !ok {
				break
			}
			var v uint64
			var byOrd bool
			if m.is64 {
				v = le64(t)
				byOrd = v&(1<<63) != 0
			} else {
				v = uint64(le32(t))
				byOrd = v&(1<<31) != 0
			}
			if v == 0 {
				break
			}
			var fn ImportedFunction
			if byOrd {
				fn = ImportedFunction{Ordinal: uint16(v), ByOrdinal: true}
				fn.Name = ordinalName(dll, fn.Ordinal)
			} else {
				hn := uint32(v & 0x7fffffff)
				h, ok := m.read(hn, 2)
				if !ok {
					break
				}
				s, ok := m.cstring(hn + 2)
				if !ok {
					break
				}
				fn = ImportedFunction{Name: s, Hint: le16(h)}
			}
			imp.Functions = append(imp.Functions, fn)
			total++
		}
		out = append(out, imp)
	}
	return out, false
}

func (m *peImage) exports(dir pe.DataDirectory) (string, []Export, bool) {
	if dir.VirtualAddress == 0 {
		return "", nil, false
	}
	d, ok := m.read(dir.VirtualAddress, 40)
	if !ok {
		return "", nil, false
	}
	name, _ := m.cstring(le32(d[12:]))
	base, nfunc, nnames := le32(d[16:]), le32(d[20:]), le32(d[24:])
	afuncs, anames, aords := le32(d[28:]), le32(d[32:]), le32(d[36:])
	cut := false
	if nfunc > maxExports {
		nfunc, cut = maxExports, true
	}
	if nnames > maxExports {
		nnames, cut = maxExports, true
	}
	names := make(map[uint32]string)
	if nb, ok := m.read(anames, int(nnames)*4); ok {
		if ob, ok := m.read(aords, int(nnames)*2); ok {
			for i := range nnames {
				s, ok := m.cstring(le32(nb[i*4:]))
				if !ok {
					continue
				}
				idx := uint32(le16(ob[i*2:]))
				if _, dup := names[idx]; !dup {
					names[idx] = s
				}
			}
		}
	}
	fb, ok := m.read(afuncs, int(nfunc)*4)
	if !ok {
		return name, nil, cut
	}
	var out []Export
	for i := range nfunc {
		rva := le32(fb[i*4:])
		if rva == 0 {
			continue
		}
		e := Export{Name: names[i], Ordinal: base + i, RVA: rva}
		if rva >= dir.VirtualAddress && uint64(rva) < uint64(dir.VirtualAddress)+uint64(dir.Size) {
			e.Forwarder, _ = m.cstring(rva)
		}
		out = append(out, e)
	}
	return name, out, cut
}

// overlayStart is where the data past the image begins, as pefile's
// get_overlay_data_start_offset: the furthest end, within the file, of the
// optional header, the sections' raw data and the data directories other
// than the certificate table. pefile also rounds section offsets down to
// the file alignment; koban takes them as written.
func (m *peImage) overlayStart(f *pe.File, dirs []pe.DataDirectory) int64 {
	var end int64
	consider := func(off, n int64) {
		if off >= 0 && n >= 0 && off+n <= m.size && off+n > end {
			end = off + n
		}
	}
	var hdr [0x40]byte
	if _, err := m.r.ReadAt(hdr[:], 0); err == nil {
		consider(int64(le32(hdr[0x3c:]))+24, int64(f.SizeOfOptionalHeader))
	}
	for _, s := range m.sections {
		consider(int64(s.Offset), int64(s.Size))
	}
	for i, d := range dirs {
		if i == pe.IMAGE_DIRECTORY_ENTRY_SECURITY || d.VirtualAddress == 0 {
			continue
		}
		if off, ok := m.offset(d.VirtualAddress); ok {
			consider(off, int64(d.Size))
		}
	}
	return end
}

func peHints(p *PE) []Hint {
	var hints []Hint
	inSection := false
	for i, s := range p.Sections {
		if packer, ok := packerSections[strings.ToLower(s.Name)]; ok {
			hints = append(hints, Hint{"packer-section", fmt.Sprintf("section %q is left by %s", s.Name, packer)})
		}
		if s.Executable && s.Entropy > highEntropy {
			hints = append(hints, Hint{"high-entropy-code", fmt.Sprintf("executable section %q has entropy %.2f", s.Name, s.Entropy)})
		}
		if s.Characteristics&pe.IMAGE_SCN_MEM_EXECUTE != 0 && s.Characteristics&pe.IMAGE_SCN_MEM_WRITE != 0 {
			hints = append(hints, Hint{"writable-code", fmt.Sprintf("section %q is writable and executable", s.Name)})
		}
		span := max(s.VirtualSize, s.RawSize)
		if uint64(p.EntryPoint) >= s.VirtualAddress && uint64(p.EntryPoint) < s.VirtualAddress+span {
			inSection = true
			if i == len(p.Sections)-1 && len(p.Sections) > 1 {
				hints = append(hints, Hint{"entry-in-last-section", fmt.Sprintf("the entry point is in the last section %q", s.Name)})
			}
		}
	}
	if p.EntryPoint != 0 && !inSection && len(p.Sections) > 0 {
		hints = append(hints, Hint{"entry-outside-sections", fmt.Sprintf("the entry point %#x is in no section", p.EntryPoint)})
	}
	n := 0
	for _, imp := range p.Imports {
		n += len(imp.Functions)
	}
	if !p.IsDLL && len(p.Imports) > 0 && n <= 5 {
		hints = append(hints, Hint{"few-imports", fmt.Sprintf("only %d imported functions", n)})
	}
	for _, r := range p.Resources {
		if r.Kind == "PE" || r.Kind == "MZ" {
			name := r.Name
			if name == "" {
				name = fmt.Sprint(r.ID)
			}
			hints = append(hints, Hint{"resource-executable", fmt.Sprintf("resource %s/%s holds an executable (%s header, %d bytes)", r.Type, name, r.Kind, r.Size)})
		}
	}
	if a := p.Authenticode; a != nil && a.SignedDigest != "" && a.ImageDigest != "" && !a.ImageHashMatches {
		hints = append(hints, Hint{"signature-mismatch", "the file was changed after it was signed: its image hash differs from the signed one"})
	}
	return hints
}

// noSymbols reads a PE file with the COFF header's symbol table pointer and
// count read as zero.
type noSymbols struct{ r io.ReaderAt }

func (n noSymbols) ReadAt(b []byte, off int64) (int, error) {
	k, err := n.r.ReadAt(b, off)
	var dos [0x40]byte
	if _, derr := n.r.ReadAt(dos[:], 0); derr != nil {
		return k, err
	}
	lo := int64(le32(dos[0x3c:])) + 4 + 8 // PointerToSymbolTable, then NumberOfSymbols
	for i := lo; i < lo+8; i++ {
		if i >= off && i < off+int64(k) {
			b[i-off] = 0
		}
	}
	return k, err
}
