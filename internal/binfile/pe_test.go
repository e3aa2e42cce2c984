package binfile

import (
	"bytes"
	"errors"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The synthetic PE's expected imphash, worked out by hand: md5 of
// "kernel32.getprocaddress,kernel32.loadlibrarya,msvcrt.printf,msvcrt.ord16".
const (
	syntheticImphash  = "ab6603c7bbcd4169a7ef0f8c534f3607"
	syntheticRichHash = "a8457d1c917319b937cf6c351562756d" // md5 of DanS, 0, 0, 0 and the two decoded pairs
)

func TestSyntheticPE(t *testing.T) {
	b := syntheticPE()
	p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Is64 || p.MachineName != "i386" || p.SubsystemName != "windows-cui" || p.EntryPoint != 0x2000 {
		t.Errorf("header: is64 %v machine %q subsystem %q entry %#x", p.Is64, p.MachineName, p.SubsystemName, p.EntryPoint)
	}
	if got := p.TimeDateStamp.Format("2006-01-02T15:04:05Z"); got != "2020-09-13T12:26:40Z" {
		t.Errorf("timestamp %s", got)
	}
	if len(p.Sections) != 2 || p.Sections[0].Name != ".rdata" || p.Sections[1].Name != "UPX1" || !p.Sections[1].Executable {
		t.Fatalf("sections %+v", p.Sections)
	}
	if e := p.Sections[1].Entropy; e < 7 || e > 8 {
		t.Errorf("random section entropy %.3f", e)
	}
	want := []Import{
		{DLL: "KERNEL32.dll", Functions: []ImportedFunction{{Name: "GetProcAddress", Hint: 1}, {Name: "LoadLibraryA"}}},
		{DLL: "MSVCRT.dll", Functions: []ImportedFunction{{Name: "printf"}, {Name: "ord16", Ordinal: 16, ByOrdinal: true}}},
	}
	if len(p.Imports) != 2 {
		t.Fatalf("imports %+v", p.Imports)
	}
	for i := range want {
		if p.Imports[i].DLL != want[i].DLL || len(p.Imports[i].Functions) != len(want[i].Functions) {
			t.Fatalf("import %d: %+v, want %+v", i, p.Imports[i], want[i])
		}
		for j, fn := range want[i].Functions {
			if p.Imports[i].Functions[j] != fn {
				t.Errorf("import %d.%d: %+v, want %+v", i, j, p.Imports[i].Functions[j], fn)
			}
		}
	}
	if p.Imphash != syntheticImphash {
		t.Errorf("imphash %s, want %s", p.Imphash, syntheticImphash)
	}
	if p.RichHash != syntheticRichHash {
		t.Errorf("rich hash %s, want %s", p.RichHash, syntheticRichHash)
	}
	wantRich := []RichEntry{{0x0104, 30729, 3}, {0x0093, 21005, 17}}
	if len(p.Rich) != 2 || p.Rich[0] != wantRich[0] || p.Rich[1] != wantRich[1] {
		t.Errorf("rich entries %+v, want %+v", p.Rich, wantRich)
	}
	if p.ExportDLLName != "sample.dll" || len(p.Exports) != 2 ||
		p.Exports[0] != (Export{Ordinal: 1, RVA: 0x2000}) || p.Exports[1] != (Export{Name: "Run", Ordinal: 2, RVA: 0x2010}) {
		t.Errorf("exports %q %+v", p.ExportDLLName, p.Exports)
	}
	if p.OverlaySize != 0 {
		t.Errorf("overlay %d at %d in a file without one", p.OverlaySize, p.OverlayOffset)
	}
	codes := map[string]bool{}
	for _, h := range p.Hints {
		codes[h.Code] = true
	}
	for _, c := range []string{"packer-section", "high-entropy-code", "writable-code", "entry-in-last-section", "few-imports"} {
		if !codes[c] {
			t.Errorf("hint %s missing from %+v", c, p.Hints)
		}
	}

	// An overlay appended.
	b = append(b, bytes.Repeat([]byte("overlay!"), 100)...)
	p, err = ParsePE(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if p.OverlayOffset != 0xa00 || p.OverlaySize != 800 {
		t.Errorf("overlay at %d size %d, want 2560 and 800", p.OverlayOffset, p.OverlaySize)
	}
}

func TestImphash(t *testing.T) {
	for _, tc := range []struct {
		name    string
		imports []Import
		want    string
	}{
		{"none", nil, ""},
		{"extensions dropped, case folded", []Import{
			{DLL: "KERNEL32.DLL", Functions: []ImportedFunction{{Name: "ExitProcess"}}},
			{DLL: "comctl32.OCX", Functions: []ImportedFunction{{Name: "X"}}},
			{DLL: "drv.sys", Functions: []ImportedFunction{{Name: "Y"}}},
			{DLL: "lib.exe", Functions: []ImportedFunction{{Name: "Z"}}},
		}, md5hex("kernel32.exitprocess,comctl32.x,drv.y,lib.exe.z")},
		{"ordinal", []Import{{DLL: "foo.dll", Functions: []ImportedFunction{{Ordinal: 7, ByOrdinal: true}}}}, md5hex("foo.ord7")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Imphash(tc.imports); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestPefile holds the imphash and Rich hash to pefile's when python3 has
// it; the hand-worked values of TestSyntheticPE and TestImphash hold them
// whether or not it does.
func TestPefile(t *testing.T) {
	python := pefilePython(t, "TestSyntheticPE checks the hand-worked imphash and Rich hash")
	synthetic := syntheticPE()
	files := map[string][]byte{
		"synthetic":              synthetic,
		"synthetic with overlay": append(bytes.Clone(synthetic), "overlay"...),
		"synthetic signed":       newTestSigner(t, rsaKey(t), "Koban").sign(t, synthetic),
	}
	for _, target := range []string{"windows/386", "windows/amd64"} {
		files[target] = buildSample(t, target)
	}
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, b)
			out, err := exec.Command(python, "-c",
				"import pefile,sys\np=pefile.PE(sys.argv[1])\nprint(p.get_imphash())\nprint(p.get_rich_header_hash())\nprint(p.get_overlay_data_start_offset() or 0)", path).Output()
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if p.Imphash != lines[0] || p.RichHash != lines[1] {
				t.Errorf("imphash %q rich %q, pefile %q %q", p.Imphash, p.RichHash, lines[0], lines[1])
			}
			if got := strconv.FormatInt(p.OverlayOffset, 10); got != lines[2] {
				t.Errorf("overlay at %s, pefile %s", got, lines[2])
			}
		})
	}
}

// pefilePython is a python3 that has pefile; the test is skipped, saying
// what checks the values instead, when there is none.
func pefilePython(t *testing.T, instead string) string {
	t.Helper()
	python := pefilePythonOrEmpty()
	if python == "" {
		t.Skip("python3 with pefile is not installed; " + instead)
	}
	return python
}

// pefilePythonOrEmpty is a python3 that has pefile, or "".
func pefilePythonOrEmpty() string {
	for _, c := range []string{"python3", "/usr/bin/python3"} { // Debian's python3-pefile lives beside the system python
		if exec.Command(c, "-c", "import pefile").Run() == nil {
			return c
		}
	}
	return ""
}

func TestGoWindowsBinaries(t *testing.T) {
	for _, tc := range []struct {
		target, machine string
		is64            bool
	}{
		{"windows/386", "i386", false},
		{"windows/amd64", "amd64", true},
	} {
		t.Run(tc.target, func(t *testing.T) {
			b := buildSample(t, tc.target)
			p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if p.MachineName != tc.machine || p.Is64 != tc.is64 || p.SubsystemName != "windows-cui" || p.EntryPoint == 0 {
				t.Errorf("machine %q is64 %v subsystem %q entry %#x", p.MachineName, p.Is64, p.SubsystemName, p.EntryPoint)
			}
			var text bool
			for _, s := range p.Sections {
				if s.Entropy < 0 || s.Entropy > 8 {
					t.Errorf("section %s entropy %f", s.Name, s.Entropy)
				}
				if s.Name == ".text" {
					text = s.Executable && s.RawSize > 0
				}
			}
			if !text {
				t.Errorf("no executable .text in %+v", p.Sections)
			}
			var kernel32 map[string]bool
			for _, imp := range p.Imports {
				if strings.EqualFold(imp.DLL, "kernel32.dll") {
					kernel32 = map[string]bool{}
					for _, fn := range imp.Functions {
						kernel32[fn.Name] = true
					}
				}
			}
			for _, fn := range []string{"LoadLibraryExW", "GetProcAddress", "VirtualAlloc"} {
				if !kernel32[fn] {
					t.Errorf("kernel32.dll %s not among the imports %+v", fn, p.Imports)
				}
			}
			if len(p.Imphash) != 32 {
				t.Errorf("imphash %q", p.Imphash)
			}
			for _, h := range p.Hints {
				if h.Code == "packer-section" || h.Code == "high-entropy-code" {
					t.Errorf("a plain Go binary hinted packed: %+v", h)
				}
			}

			// Appending bytes grows the overlay by as many, from where it was.
			const extra = 4096
			b2 := append(bytes.Clone(b), bytes.Repeat([]byte{0xcc}, extra)...)
			p2, err := ParsePE(bytes.NewReader(b2), int64(len(b2)))
			if err != nil {
				t.Fatal(err)
			}
			wantOff := p.OverlayOffset
			if p.OverlaySize == 0 {
				wantOff = int64(len(b))
			}
			if p2.OverlayOffset != wantOff || p2.OverlaySize != p.OverlaySize+extra {
				t.Errorf("overlay before %d+%d, after %d+%d", p.OverlayOffset, p.OverlaySize, p2.OverlayOffset, p2.OverlaySize)
			}
		})
	}
}

func TestHostilePE(t *testing.T) {
	base := syntheticPE()
	mangle := func(f func(b []byte)) []byte {
		b := bytes.Clone(base)
		f(b)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"truncated in headers", base[:0x130]},
		{"truncated in sections", base[:0x500]},
		{"many sections", mangle(func(b []byte) { b[0x106], b[0x107] = 0xff, 0xff })},
		{"huge symbol table", mangle(func(b []byte) {
			copy(b[0x10c:], []byte{0x00, 0x01, 0, 0, 0xff, 0xff, 0xff, 0x7f})
		})},
		{"import loop", mangle(func(b []byte) {
			// the import table points at itself and runs to the end
			for i := 0x400; i < 0x800; i += 4 {
				copy(b[i:], []byte{0x00, 0x10, 0, 0})
			}
		})},
		{"exports past the end", mangle(func(b []byte) {
			copy(b[0x400+0x380+20:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		})},
		{"symbol table past the end", mangle(func(b []byte) {
			copy(b[0x10c:], []byte{0x00, 0x00, 0x00, 0x10, 0x05, 0, 0, 0}) // at 256 MiB
		})},
		{"rich without DanS", mangle(func(b []byte) { b[0x80] ^= 1 })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			p, err := ParsePE(bytes.NewReader(tc.b), int64(len(tc.b)))
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("a %d-byte file made the parser allocate %d bytes", len(tc.b), alloc)
			}
			if tc.name == "symbol table past the end" && (err != nil || p.Imphash != syntheticImphash) {
				t.Errorf("a bad symbol table lost the file: %v", err)
			}
			if err != nil {
				if !errors.Is(err, ErrFormat) {
					t.Errorf("error %v does not wrap ErrFormat", err)
				}
				return
			}
			checkBounds(t, p)
		})
	}
}

func checkBounds(t *testing.T, p *PE) {
	t.Helper()
	if len(p.Sections) > maxSections || len(p.Imports) > maxLibraries || len(p.Exports) > maxExports {
		t.Errorf("caps passed: %d sections, %d libraries, %d exports", len(p.Sections), len(p.Imports), len(p.Exports))
	}
	n := 0
	for _, imp := range p.Imports {
		n += len(imp.Functions)
	}
	if n > maxImports {
		t.Errorf("%d imported functions", n)
	}
	for _, s := range p.Sections {
		if s.Entropy < 0 || s.Entropy > 8 {
			t.Errorf("entropy %f", s.Entropy)
		}
	}
	if len(p.Resources) > maxResources {
		t.Errorf("%d resources", len(p.Resources))
	}
	for _, r := range p.Resources {
		if r.Entropy < 0 || r.Entropy > 8 {
			t.Errorf("resource entropy %f", r.Entropy)
		}
	}
	if v := p.VersionInfo; v != nil && len(v.Strings) > maxVersionStrings {
		t.Errorf("%d version strings", len(v.Strings))
	}
	if a := p.Authenticode; a != nil && (len(a.Certificates) > maxWinCertificates || len(a.Chain) > maxSignedDataCerts) {
		t.Errorf("%d certificate entries, %d certificates", len(a.Certificates), len(a.Chain))
	}
}
