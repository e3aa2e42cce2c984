package tlsh_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/tlsh"
)

// vectors is the reference's test folder (trendmicro/tlsh Testing/) in
// ../shared/data, seen from the module root.
func vectors(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", "malware", "tlsh", "Testing")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// lines returns the tab-separated fields of each non-empty line of an
// expected-results file.
func lines(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(vectors(t), "exp", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimRight(sc.Text(), "\r"); l != "" {
			out = append(out, strings.Split(l, "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fileDigest hashes a file of the test folder, feeding it in uneven
// pieces so that the stream's chunking is exercised too.
func fileDigest(t testing.TB, rel string) tlsh.Digest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectors(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	h := tlsh.New()
	for i, step := 0, 1; i < len(data); i, step = i+step, step%97+3 {
		h.Write(data[i:min(i+step, len(data))])
	}
	whole := tlsh.Sum(data)
	if got := h.Digest(); got != whole {
		t.Fatalf("%s: streamed %s, whole %s", rel, got, whole)
	}
	return whole
}

func TestExampleDataDigests(t *testing.T) {
	rows := lines(t, "example_data.128.1.len.out_EXP")
	if len(rows) != 80 {
		t.Fatalf("%d expected digests, want 80", len(rows))
	}
	for _, r := range rows {
		want, file := r[0], r[1]
		if got := fileDigest(t, file).String(); got != want {
			t.Errorf("%s: got %s, want %s", file, got, want)
		}
	}
}

func TestExampleDataDistances(t *testing.T) {
	digests := map[string]tlsh.Digest{}
	for _, r := range lines(t, "example_data.128.1.len.out_EXP") {
		d, err := tlsh.Parse(r[0])
		if err != nil {
			t.Fatalf("%s: %v", r[0], err)
		}
		if d.String() != r[0] {
			t.Fatalf("round trip: %s became %s", r[0], d)
		}
		digests[r[1]] = d
	}
	for _, tc := range []struct {
		file       string
		withLength bool
		rows       int
	}{
		{"example_data.128.1.len.scores_EXP", true, 80},
		{"example_data.128.1.xlen.scores_EXP", false, 80},
		{"example_data.128.1.len.xref.scores_EXP", true, 3160},
		{"example_data.128.1.xlen.xref.scores_EXP", false, 3160},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rows := lines(t, tc.file)
			if len(rows) != tc.rows {
				t.Fatalf("%d rows, want %d", len(rows), tc.rows)
			}
			for _, r := range rows {
				a, aok := digests[r[0]]
				b, bok := digests[r[1]]
				want, err := strconv.Atoi(r[2])
				if !aok || !bok || err != nil {
					t.Fatalf("bad row %q", r)
				}
				dist := tlsh.Distance
				if !tc.withLength {
					dist = tlsh.DistanceNoLength
				}
				got, err := dist(a, b)
				if err != nil || got != want {
					t.Errorf("%s × %s: got %d (%v), want %d", r[0], r[1], got, err, want)
				}
				if back, _ := dist(b, a); back != got {
					t.Errorf("%s × %s: not symmetric (%d, %d)", r[0], r[1], got, back)
				}
			}
		})
	}
}

// TestGrowingLength rebuilds the reference's testlen inputs: a 73-byte
// line twice (a), then b = a+a, then each next input the previous two
// joined, 22 times from 292 bytes; only the length byte may change.
func TestGrowingLength(t *testing.T) {
	f, err := os.ReadFile(filepath.Join(vectors(t), "exp", "testlen.128.1.out_EXP"))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		size   int
		digest string
	}
	var wants []want
	var size int
	for _, l := range strings.Split(string(f), "\n") {
		fs := strings.Fields(l)
		switch {
		case len(fs) == 2 && fs[1] == "testlen2.txt" && !strings.HasPrefix(fs[0], "T1"):
			size, _ = strconv.Atoi(fs[0])
		case len(fs) == 2 && strings.HasPrefix(fs[0], "T1"):
			wants = append(wants, want{size, fs[0]})
		}
	}
	if len(wants) != 22 {
		t.Fatalf("%d expected digests, want 22", len(wants))
	}
	line := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890!@#$%^&*()\n"
	a := line + line
	b := a + a
	for i, w := range wants {
		if len(b) != w.size {
			t.Fatalf("iteration %d: built %d bytes, want %d", i+1, len(b), w.size)
		}
		var h tlsh.Hasher
		h.WriteString(b)
		if got := h.String(); got != w.digest {
			t.Errorf("%d bytes: got %s, want %s", w.size, got, w.digest)
		}
		a, b = b, a+b
	}
}

// TestUnitStrings is the reference's simple_unittest: two strings, their
// digests (also fed in several pieces), and their distances.
func TestUnitStrings(t *testing.T) {
	f, err := os.ReadFile(filepath.Join(vectors(t), "exp", "simple_unittest.128.1.EXP"))
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	for _, l := range strings.Split(string(f), "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok {
			if _, seen := vals[k]; !seen {
				vals[k] = strings.Trim(v, "'")
			}
		}
	}
	// The reference's program hashes each C string with its closing NUL.
	str1, str2 := vals["str1"]+"\x00", vals["str2"]+"\x00"
	d1, d2 := tlsh.Sum([]byte(str1)), tlsh.Sum([]byte(str2))
	if d1.String() != vals["hash1"] || d2.String() != vals["hash2"] {
		t.Fatalf("got %s and %s, want %s and %s", d1, d2, vals["hash1"], vals["hash2"])
	}
	var h tlsh.Hasher
	for _, part := range []string{str1[:10], str1[10:50], str1[50:51], str1[51:]} {
		h.WriteString(part)
	}
	if h.String() != vals["hash3"] {
		t.Errorf("in pieces: got %s, want %s", h.String(), vals["hash3"])
	}
	for _, tc := range []struct {
		name string
		dist func(a, b tlsh.Digest) (int, error)
		a, b tlsh.Digest
		key  string
	}{
		{"same", tlsh.Distance, d1, d1, "difference (same strings)"},
		{"with length", tlsh.Distance, d1, d2, "difference (with len)"},
		{"without length", tlsh.DistanceNoLength, d1, d2, "difference (without len)"},
	} {
		got, err := tc.dist(tc.a, tc.b)
		if want, _ := strconv.Atoi(vals[tc.key]); err != nil || got != want {
			t.Errorf("%s: got %d (%v), want %d", tc.name, got, err, want)
		}
	}
}

func TestNull(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
	}{
		{"empty", ""},
		{"49 bytes", strings.Repeat("abcdefg", 7)},
		{"flat", strings.Repeat("a", 5000)},
		{"two bytes alternating", strings.Repeat("ab", 5000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tlsh.Sum([]byte(tc.input))
			if !d.IsNull() || d.String() != tlsh.Null {
				t.Errorf("got %s, want %s", d, tlsh.Null)
			}
			if _, err := tlsh.Distance(d, d); err != tlsh.ErrNull {
				t.Errorf("distance of null digests: %v, want ErrNull", err)
			}
		})
	}
	if d, err := tlsh.Parse(tlsh.Null); err != nil || !d.IsNull() {
		t.Errorf("Parse(TNULL) = %v, %v", d, err)
	}
}

func TestParse(t *testing.T) {
	const good = "T109F05A198CC69A5A4F0F9380A9EE93F2B927CF42089EA74276DC5F0BB2D34E68114448"
	for _, tc := range []struct {
		in   string
		want string // "" for an error
	}{
		{good, good},
		{strings.ToLower(good), good},
		{good[2:], good}, // TLSH 3's form, without the version
		{good[:71], ""},
		{good + "0", ""},
		{"T2" + good[2:], ""},
		{good[:10] + "G" + good[11:], ""},
		{"", ""},
	} {
		d, err := tlsh.Parse(tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("Parse(%q) = %s, want an error", tc.in, d)
		case tc.want != "" && (err != nil || d.String() != tc.want):
			t.Errorf("Parse(%q) = %s, %v; want %s", tc.in, d, err, tc.want)
		}
	}
}
