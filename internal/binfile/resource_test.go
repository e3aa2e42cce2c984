package binfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var testVersionStrings = [][2]string{
	{"CompanyName", "株式会社コバン"},
	{"FileDescription", "Koban test sample"},
	{"FileVersion", "1.2.3.4"},
	{"InternalName", "sample"},
	{"LegalCopyright", "© 2026 Koban"},
	{"OriginalFilename", "sample.exe"},
	{"ProductName", "Koban"},
	{"ProductVersion", "5.6.7.8"},
	{"Comments", ""},
}

// testResources are a version resource, an executable hidden in RCDATA and
// an MZ header without a PE one beside it, a named type with random bytes,
// and a manifest.
func testResources() []testResource {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 3000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	return []testResource{
		{typ: uint32(16), name: uint32(1), lang: 0x0411, data: testVersionInfo(testVersionStrings)},
		{typ: uint32(10), name: "PAYLOAD", lang: 0x0409, data: syntheticPE()},
		{typ: "CUSTOM", name: uint32(7), lang: 0, data: random},
		{typ: uint32(10), name: "STUB", lang: 0x0419, data: append([]byte("MZ"), make([]byte, 100)...)},
		{typ: uint32(24), name: uint32(1), lang: 0x0409, data: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><assembly/>`)},
	}
}

// withResources is b with a .rsrc section holding testResources.
func withResources(t testing.TB, b []byte) []byte {
	return addSection(t, b, ".rsrc", 2, func(rva uint32) []byte { return buildResources(rva, testResources()) })
}

func TestResources(t *testing.T) {
	b := withResources(t, syntheticPE())
	p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	type leaf struct {
		typ      string
		typeID   uint32
		name     string
		id       uint32
		lang     uint16
		langName string
		kind     string
	}
	want := []leaf{
		{"CUSTOM", 0, "", 7, 0, "neutral", ""},
		{"RT_VERSION", 16, "", 1, 0x0411, "ja-JP", ""},
		{"RT_RCDATA", 10, "PAYLOAD", 0, 0x0409, "en-US", "PE"},
		{"RT_RCDATA", 10, "STUB", 0, 0x0419, "ru-RU", "MZ"},
		{"RT_MANIFEST", 24, "", 1, 0x0409, "en-US", "XML"},
	}
	if len(p.Resources) != len(want) {
		t.Fatalf("resources %+v", p.Resources)
	}
	for i, w := range want {
		r := p.Resources[i]
		got := leaf{r.Type, r.TypeID, r.Name, r.ID, r.Language, r.LanguageName, r.Kind}
		if got != w {
			t.Errorf("resource %d: %+v, want %+v", i, got, w)
		}
		if r.Offset < 0 || r.Offset+int64(r.Size) > int64(len(b)) {
			t.Errorf("resource %d at %d+%d", i, r.Offset, r.Size)
		}
	}
	if payload := p.Resources[2]; !bytes.Equal(b[payload.Offset:payload.Offset+int64(payload.Size)], syntheticPE()) {
		t.Errorf("RCDATA offset %d does not hold the embedded PE", payload.Offset)
	}
	if e := p.Resources[0].Entropy; e < 7.5 {
		t.Errorf("random resource entropy %.2f", e)
	}
	hinted := 0
	for _, h := range p.Hints {
		if h.Code == "resource-executable" {
			hinted++
		}
	}
	if hinted != 2 {
		t.Errorf("%d resource-executable hints, want 2, in %+v", hinted, p.Hints)
	}

	v := p.VersionInfo
	if v == nil {
		t.Fatal("no version info")
	}
	if v.FileVersion != "1.2.3.4" || v.ProductVersion != "5.6.7.8" || v.FileFlags != 2 || v.FileOS != 0x40004 || v.FileType != 1 {
		t.Errorf("fixed info %+v", v)
	}
	if len(v.Strings) != len(testVersionStrings) {
		t.Fatalf("version strings %+v", v.Strings)
	}
	for i, kv := range testVersionStrings {
		if s := v.Strings[i]; s != (VersionString{"041104b0", kv[0], kv[1]}) {
			t.Errorf("string %d: %+v, want %q", i, s, kv)
		}
	}
	if len(v.Translations) != 1 || v.Translations[0] != 0x04b00411 {
		t.Errorf("translations %x", v.Translations)
	}
}

func TestHostileResources(t *testing.T) {
	base := withResources(t, syntheticPE())
	p, err := ParsePE(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	rsrc := int(p.Sections[len(p.Sections)-1].Offset)
	mangle := func(f func(b []byte)) []byte {
		b := bytes.Clone(base)
		f(b)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		max  int // resources expected at most
	}{
		{"root points at itself", mangle(func(b []byte) {
			copy(b[rsrc+16+4:], []byte{0, 0, 0, 0x80}) // the first type's subdirectory is the root
		}), 5},
		{"huge entry counts", mangle(func(b []byte) {
			copy(b[rsrc+12:], []byte{0xff, 0xff, 0xff, 0xff})
		}), maxResources},
		{"data past the end", mangle(func(b []byte) {
			for i := rsrc; i+4 < len(b); i += 4 {
				if b[i+3] == 0 && b[i+2] == 0 && b[i+1] >= 0x40 {
					copy(b[i:], []byte{0xf0, 0xff, 0xff, 0x7f})
				}
			}
		}), 5},
		{"truncated in the tree", base[:rsrc+40], 0},
		{"version block lengths", mangle(func(b []byte) {
			v := p.Resources[1].Offset
			for i := v + 40; i < v+int64(p.Resources[1].Size); i += 2 {
				b[i] ^= byte(i)
			}
		}), 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePE(bytes.NewReader(tc.b), int64(len(tc.b)))
			if err != nil {
				return
			}
			checkBounds(t, p)
			if len(p.Resources) > tc.max {
				t.Errorf("%d resources, want at most %d", len(p.Resources), tc.max)
			}
		})
	}
}

// TestPefileResources holds the resource tree and version info to pefile's,
// on the hand-built PE and on both Go builds with the same .rsrc appended.
func TestPefileResources(t *testing.T) {
	python := pefilePython(t, "TestResources checks the crafted resources")
	files := map[string][]byte{"synthetic": withResources(t, syntheticPE())}
	if !testing.Short() {
		for _, target := range []string{"windows/386", "windows/amd64"} {
			files[target] = withResources(t, buildSample(t, target))
		}
	}
	for name, b := range files {
		t.Run(name, func(t *testing.T) { comparePefileResources(t, python, b) })
	}
}

// pefileResourceScript prints pefile's resource leaves and version info as
// JSON.
const pefileResourceScript = `import pefile,sys,json
p=pefile.PE(sys.argv[1])
res=[]
def key(e):
    return str(e.name) if e.name is not None else e.id
d=getattr(p,'DIRECTORY_ENTRY_RESOURCE',None)
for t in (d.entries if d else []):
    for n in t.directory.entries:
        for l in n.directory.entries:
            res.append([str(key(t)),str(key(n)),l.id,l.data.struct.OffsetToData,l.data.struct.Size])
ver={}
if hasattr(p,'VS_FIXEDFILEINFO'):
    f=p.VS_FIXEDFILEINFO[0]
    ver['file']='%d.%d.%d.%d'%(f.FileVersionMS>>16,f.FileVersionMS&0xffff,f.FileVersionLS>>16,f.FileVersionLS&0xffff)
    ver['product']='%d.%d.%d.%d'%(f.ProductVersionMS>>16,f.ProductVersionMS&0xffff,f.ProductVersionLS>>16,f.ProductVersionLS&0xffff)
strs=[]
for fi in getattr(p,'FileInfo',[[]])[0]:
    if fi.Key==b'StringFileInfo':
        for st in fi.StringTable:
            for k,v in st.entries.items():
                strs.append([st.LangID.decode(),k.decode(),v.decode()])
print(json.dumps({'res':res,'ver':ver,'strs':strs}))
`

// comparePefileResources holds b's resource tree and version info to pefile's.
func comparePefileResources(t *testing.T, python string, b []byte) {
	t.Helper()
	out, err := exec.Command(python, "-c", pefileResourceScript, writeTemp(t, b)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Res  [][]any
		Ver  map[string]string
		Strs [][3]string
	}
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var got [][]any
	for _, r := range p.Resources {
		typ, nm := r.Type, r.Name
		if r.TypeID != 0 {
			typ = fmt.Sprint(r.TypeID)
		}
		if nm == "" {
			nm = fmt.Sprint(r.ID)
		}
		got = append(got, []any{typ, nm, float64(r.Language), float64(r.RVA), float64(r.Size)})
	}
	if fmt.Sprint(got) != fmt.Sprint(want.Res) {
		t.Errorf("resources\n got %v\npefile %v", got, want.Res)
	}
	v := p.VersionInfo
	if v == nil || v.FileVersion != want.Ver["file"] || v.ProductVersion != want.Ver["product"] {
		t.Errorf("version %+v, pefile %v", v, want.Ver)
	}
	if v != nil {
		var strs [][3]string
		for _, s := range v.Strings {
			strs = append(strs, [3]string{s.Table, s.Key, s.Value})
		}
		if fmt.Sprint(strs) != fmt.Sprint(want.Strs) {
			t.Errorf("strings\n got %q\npefile %q", strs, want.Strs)
		}
	}
}

// windresRC is a resource script as a Windows developer writes it: version
// info in Japanese (LANG_JAPANESE, SUBLANG_DEFAULT) and a file embedded as
// RCDATA.
const windresRC = `LANGUAGE 0x11, 0x01
1 VERSIONINFO
FILEVERSION 10,20,30,40
PRODUCTVERSION 10,20,0,0
FILEFLAGSMASK 0x3fL
FILEFLAGS 0x0L
FILEOS 0x40004L
FILETYPE 0x1L
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "041104b0"
    BEGIN
      VALUE "CompanyName", "Koban Project"
      VALUE "FileDescription", "windres sample"
      VALUE "FileVersion", "10.20.30.40"
      VALUE "InternalName", "windres"
      VALUE "OriginalFilename", "windres.exe"
      VALUE "ProductName", "Koban"
      VALUE "ProductVersion", "10.20"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x411, 1200
  END
END
PAYLOAD RCDATA "payload.bin"
`

// TestWindresResources links resources that binutils' windres compiled
// into a Go build (the Go linker takes a .syso object's .rsrc section), so
// that the parser meets a resource section it did not lay out itself.
func TestWindresResources(t *testing.T) {
	if testing.Short() {
		t.Skip("building samples is skipped in -short mode")
	}
	for _, tc := range []struct{ target, windres string }{
		{"windows/amd64", "x86_64-w64-mingw32-windres"},
		{"windows/386", "i686-w64-mingw32-windres"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			windres, err := exec.LookPath(tc.windres)
			if err != nil {
				t.Skipf("%s is not installed (Debian: binutils-mingw-w64); TestResources checks resources the test lays out itself", tc.windres)
			}
			gobin, err := exec.LookPath("go")
			if err != nil {
				t.Skip("no go toolchain on PATH")
			}
			dir := t.TempDir()
			goos, goarch, _ := strings.Cut(tc.target, "/")
			for name, content := range map[string][]byte{
				"main.go":     []byte("package main\n\nfunc main() {}\n"),
				"go.mod":      []byte("module sample\n\ngo 1.22\n"),
				"rsrc.rc":     []byte(windresRC),
				"payload.bin": syntheticPE(),
			} {
				if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(windres, "-i", "rsrc.rc", "-O", "coff", "-o", "rsrc_"+goos+"_"+goarch+".syso")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("windres: %v\n%s", err, out)
			}
			cmd = exec.Command(gobin, "build", "-o", "sample.exe", ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			b, err := os.ReadFile(filepath.Join(dir, "sample.exe"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePE(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			var payload *Resource
			for i, r := range p.Resources {
				if r.Type == "RT_RCDATA" && r.Name == "PAYLOAD" {
					payload = &p.Resources[i]
				}
			}
			if payload == nil || payload.Language != 0x0411 || payload.LanguageName != "ja-JP" || payload.Kind != "PE" ||
				!bytes.Equal(b[payload.Offset:payload.Offset+int64(payload.Size)], syntheticPE()) {
				t.Errorf("payload %+v among %+v", payload, p.Resources)
			}
			v := p.VersionInfo
			if v == nil || v.FileVersion != "10.20.30.40" || v.ProductVersion != "10.20.0.0" || len(v.Strings) != 7 ||
				v.Strings[0] != (VersionString{"041104b0", "CompanyName", "Koban Project"}) ||
				v.Strings[6] != (VersionString{"041104b0", "ProductVersion", "10.20"}) ||
				len(v.Translations) != 1 || v.Translations[0] != 1200<<16|0x411 {
				t.Errorf("version info %+v", v)
			}
			if python := pefilePythonOrEmpty(); python != "" {
				comparePefileResources(t, python, b)
			}
		})
	}
}
