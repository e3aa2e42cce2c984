package yara

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The EICAR test file in two halves, so that the whole string is in
// neither the repository nor a test binary; eicar joins them at run time.
const (
	eicarHead = `X5O!P%@AP[4\PZX54(P^)7CC)7}$`
	eicarTail = `EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`
)

func eicar() []byte {
	var b strings.Builder
	b.WriteString(eicarHead)
	b.WriteString(eicarTail)
	return []byte(b.String())
}

func engine(t testing.TB) *Engine {
	t.Helper()
	e, err := Find()
	if errors.Is(err, ErrNoEngine) {
		t.Skipf("YARA not available (apt-get install yara): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	e.CacheDir = t.TempDir()
	return e
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testSet(t testing.TB, file string) RuleSet {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSet(file, "LicenseRef-koban-test", "koban tests", "testdata/"+file, string(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuiltin(t *testing.T) {
	sets := Builtin()
	if len(sets) != 1 {
		t.Fatalf("%d built-in sets", len(sets))
	}
	s := sets[0]
	if !s.Shippable || s.Licence != "Apache-2.0" || s.Author != "koban" {
		t.Fatalf("built-in set %+v", s)
	}
	if len(s.Rules) < 5 {
		t.Fatalf("%d rules", len(s.Rules))
	}
	for _, r := range s.Rules {
		if r.Author != "koban" || r.Description == "" {
			t.Errorf("rule %s: author %q, description %q", r.Name, r.Author, r.Description)
		}
	}
	if strings.Contains(s.Text, eicarTail) || strings.Contains(s.Text, eicarHead) {
		t.Error("the built-in rules hold EICAR's text")
	}
	e := engine(t)
	if err := e.Check(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Slow) != 0 || len(s.Warnings) != 0 {
		t.Errorf("yara warns of the built-in rules: slow %v, %v", s.Slow, s.Warnings)
	}
}

func TestScanEICAR(t *testing.T) {
	e := engine(t)
	ctx := context.Background()
	path := writeTemp(t, "eicar.com", eicar())
	got, err := e.Scan(ctx, Builtin(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Rule != "eicar_test_file" {
		t.Fatalf("matches %+v, want eicar_test_file alone", got)
	}
	m := got[0]
	if m.Set != "koban" || m.Author != "koban" || m.RuleAuthor != "koban" || m.Licence != "Apache-2.0" ||
		!slices.Equal(m.Tags, []string{"test"}) || m.Description == "" {
		t.Errorf("match %+v", m)
	}
	if len(m.Strings) != 2 || m.Strings[0].ID != "$head" || m.Strings[0].Offset != 0 || m.Strings[0].Length != 28 ||
		m.Strings[1].ID != "$tail" || m.Strings[1].Offset != 28 || m.Strings[1].Length != 40 {
		t.Fatalf("strings %+v", m.Strings)
	}
	if m.Strings[0].Hex != "58354f2150254041505b345c505a58353428505e2937434329377d24" {
		t.Errorf("hex %s", m.Strings[0].Hex)
	}

	random := randomBytes(1<<20, 1)
	got, err = e.Scan(ctx, Builtin(), writeTemp(t, "random.bin", random))
	if err != nil || len(got) != 0 {
		t.Fatalf("random bytes: %+v, %v", got, err)
	}
}

// A data folder given relative to where koban started (./koban-data, as
// `koban serve` uses by default) still finds its cache and its files:
// yara runs in a temporary working directory of its own.
func TestScanRelativePaths(t *testing.T) {
	e := engine(t)
	t.Chdir(t.TempDir())
	e.CacheDir = filepath.Join("koban-data", "yara-cache")
	if err := os.WriteFile("eicar.com", eicar(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := e.Scan(context.Background(), Builtin(), "eicar.com")
	if err != nil || len(got) != 1 || got[0].Rule != "eicar_test_file" {
		t.Fatalf("with relative paths: %+v, %v", got, err)
	}
}

func TestScanTwoSets(t *testing.T) {
	e := engine(t)
	bench := testSet(t, "bench50.yar")
	// The data holds a string of r00 and r25, and one of r01 and r46 as
	// UTF-16; EICAR's text not at offset 0 is not the test file.
	data := []byte("xx RegSetValueExA yy g\x00e\x00t\x00p\x00r\x00o\x00c\x00a\x00d\x00d\x00r\x00e\x00s\x00s\x00 ")
	data = append(data, eicar()...)
	got, err := e.Scan(context.Background(), append(Builtin(), bench), writeTemp(t, "two.bin", data))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range got {
		names = append(names, m.Set+"/"+m.Rule+"/"+m.Author)
	}
	want := []string{"bench50.yar/r00/koban tests", "bench50.yar/r01/koban tests", "bench50.yar/r25/koban tests", "bench50.yar/r46/koban tests"}
	if !slices.Equal(names, want) {
		t.Fatalf("matches %v, want %v (EICAR not at offset 0 must not match)", names, want)
	}
	if s := got[1].Strings; len(s) != 1 || s[0].Offset != 21 || s[0].Length != 28 || s[0].Hex != "670065007400700072006f0063006100640064007200650073007300" {
		t.Errorf("r01 strings %+v", got[1].Strings)
	}
}

func TestCheckSlow(t *testing.T) {
	e := engine(t)
	ctx := context.Background()
	fast := testSet(t, "bench50.yar")
	if err := e.Check(ctx, &fast); err != nil {
		t.Fatal(err)
	}
	if len(fast.Rules) != 50 || len(fast.Slow) != 0 {
		t.Fatalf("bench50: %d rules, slow %v", len(fast.Rules), fast.Slow)
	}
	slow := testSet(t, "bench50_plus_slow.yar")
	if err := e.Check(ctx, &slow); err != nil {
		t.Fatal(err)
	}
	r, _ := slow.Rule("slow_short_atom")
	if !slices.Equal(slow.Slow, []string{"slow_short_atom"}) || !r.Slow {
		t.Fatalf("slow %v, rule %+v", slow.Slow, r)
	}
}

func TestCheckError(t *testing.T) {
	e := engine(t)
	s, err := ParseSet("broken", "MIT", "someone", "", "rule ok { condition: true }\n\nrule bad {\n strings: $a = \"x\"\n condition: $a and nosuch\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	err = e.Check(context.Background(), &s)
	var ce *CompileError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCompile) || ce.Line != 5 || !strings.Contains(ce.Message, "nosuch") || ce.Set != "broken" {
		t.Fatalf("err = %v", err)
	}
	if _, err := e.Scan(context.Background(), []RuleSet{s}, writeTemp(t, "x", []byte("x"))); !errors.As(err, &ce) || ce.Set != "broken" {
		t.Fatalf("scan: err = %v", err)
	}
	s, err = ParseSet("module", "MIT", "someone", "", "import \"pe\"\nimport \"nosuch\"\nrule ok { condition: true }\n")
	if err != nil {
		t.Fatal(err)
	}
	err = e.Check(context.Background(), &s)
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(ce.Message, "nosuch") {
		t.Fatalf("unknown module: err = %v", err)
	}
}

func TestScanTimeout(t *testing.T) {
	e := engine(t)
	e.Timeout = time.Second
	slow := testSet(t, "bench50_plus_slow.yar")
	// The slow rule scans at about 32 MiB/s: 96 MiB takes three seconds.
	big := randomBytes(96<<20, 3)
	start := time.Now()
	_, err := e.Scan(context.Background(), []RuleSet{slow}, writeTemp(t, "big.bin", big))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestScanContextKills(t *testing.T) {
	e := engine(t)
	slow := testSet(t, "bench50_plus_slow.yar")
	big := randomBytes(96<<20, 3)
	path := writeTemp(t, "big.bin", big)
	if _, err := e.compiled(context.Background(), []RuleSet{slow}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Scan(ctx, []RuleSet{slow}, path)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTimeout and the context's deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelled scan took %v (err %v)", d, err)
	}
}

func TestScanMemory(t *testing.T) {
	e := engine(t)
	if _, err := e.compiled(context.Background(), Builtin()); err != nil {
		t.Fatal(err)
	}
	e.MemoryLimit = 4 << 20 // below what yara needs to start
	_, err := e.Scan(context.Background(), Builtin(), writeTemp(t, "x", []byte("x")))
	if !errors.Is(err, ErrMemory) {
		t.Fatalf("err = %v, want ErrMemory", err)
	}
}

func TestScanOutputLimit(t *testing.T) {
	e := engine(t)
	e.MaxOutput = 4 << 10
	s, err := ParseSet("noisy", "MIT", "koban tests", "", `rule many { strings: $a = "koban" condition: $a }`)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(strings.Repeat("koban ", 20000))
	got, err := e.Scan(context.Background(), []RuleSet{s}, writeTemp(t, "noisy", data))
	if !errors.Is(err, ErrOutput) {
		t.Fatalf("err = %v, want ErrOutput", err)
	}
	if len(got) != 1 || len(got[0].Strings) != e.MaxStrings || got[0].MoreStrings == 0 {
		t.Fatalf("matches before the cut: %d", len(got))
	}
}

func TestFindWithoutYara(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := Find(); !errors.Is(err, ErrNoEngine) {
		t.Fatalf("err = %v, want ErrNoEngine", err)
	}
}

func randomBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

func TestCacheDirRefused(t *testing.T) {
	e := engine(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	e.CacheDir = dir
	if _, err := e.Scan(context.Background(), Builtin(), writeTemp(t, "x", []byte("x"))); err == nil {
		t.Fatal("a world-writable cache was used")
	}
}

func TestScanRefusesLineBreakInPath(t *testing.T) {
	e := engine(t)
	p := writeTemp(t, "a\nset0:eicar_test_file [] b", []byte("x"))
	if _, err := e.Scan(context.Background(), Builtin(), p); err == nil {
		t.Fatal("a path with a line break was scanned")
	}
}

// An Engine built by hand with only its paths takes the default limits.
func TestZeroLimits(t *testing.T) {
	found := engine(t)
	e := &Engine{Bin: found.Bin, Compiler: found.Compiler, Prlimit: found.Prlimit, Version: found.Version, CacheDir: t.TempDir()}
	got, err := e.Scan(context.Background(), Builtin(), writeTemp(t, "eicar", eicar()))
	if err != nil || len(got) != 1 || len(got[0].Strings) != 2 || got[0].Strings[1].Hex == "" {
		t.Fatalf("%+v, %v", got, err)
	}
}
