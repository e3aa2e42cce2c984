package ssdeep_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/ssdeep"
)

// malwareData is ../shared/data/malware seen from the module root.
func malwareData(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", "malware")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// rows returns the tab-separated fields of each line of a vector file
// that is neither empty nor a comment.
func rows(t testing.TB, rel string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(malwareData(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, strings.Split(l, "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// input reads one of the TLSH test inputs the ssdeep vectors were made of.
func input(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(malwareData(t), "tlsh", "Testing", rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDigests holds every digest of example_data.ssdeep.tsv (the 80
// originals and 31 variants), each hashed whole and in uneven pieces.
func TestDigests(t *testing.T) {
	rs := rows(t, "ssdeep/example_data.ssdeep.tsv")
	if len(rs) != 111 {
		t.Fatalf("%d digests, want 111", len(rs))
	}
	for _, r := range rs {
		file, want := r[0], r[3]
		data := input(t, file)
		if size, _ := strconv.Atoi(r[1]); size != len(data) {
			t.Fatalf("%s: %d bytes, the vectors say %s", file, len(data), r[1])
		}
		if got := ssdeep.Sum(data); got != want {
			t.Errorf("%s: got %s, want %s", file, got, want)
		}
		h := ssdeep.New()
		for i, step := 0, 1; i < len(data); i, step = i+step, step%89+2 {
			h.Write(data[i:min(i+step, len(data))])
		}
		if got := h.String(); got != want {
			t.Errorf("%s in pieces: got %s, want %s", file, got, want)
		}
	}
}

func TestZeroHasher(t *testing.T) {
	var empty ssdeep.Hasher
	if got, want := empty.String(), ssdeep.Sum(nil); got != want || want != "3::" {
		t.Errorf("zero Hasher: %q, Sum(nil) %q, want \"3::\"", got, want)
	}
	var h ssdeep.Hasher
	data := input(t, "example_data/0Alice.txt")
	h.Write(data)
	if got, want := h.String(), ssdeep.Sum(data); got != want {
		t.Errorf("zero Hasher: %s, want %s", got, want)
	}
}

// TestCLIDigests holds the ssdeep command's own listing of example_data.
func TestCLIDigests(t *testing.T) {
	f, err := os.ReadFile(filepath.Join(malwareData(t), "ssdeep", "example_data.ssdeep"))
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.Split(strings.TrimSpace(string(f)), "\n")
	if ls[0] != "ssdeep,1.1--blocksize:hash:hash,filename" || len(ls) != 81 {
		t.Fatalf("unexpected listing: header %q, %d lines", ls[0], len(ls))
	}
	for _, l := range ls[1:] {
		digest, name, ok := strings.Cut(l, ",")
		if !ok {
			t.Fatalf("bad line %q", l)
		}
		name = strings.Trim(name, `"`)
		if got := ssdeep.Sum(input(t, name)); got != digest {
			t.Errorf("%s: got %s, want %s", name, got, digest)
		}
	}
}

// TestVariantScores holds the scores of each original against its edited
// variants (.fmt, .plus, .sort) in variants.scores.tsv, both ways round.
func TestVariantScores(t *testing.T) {
	rs := rows(t, "ssdeep/variants.scores.tsv")
	if len(rs) != 30 {
		t.Fatalf("%d scores, want 30", len(rs))
	}
	for _, r := range rs {
		a, b := ssdeep.Sum(input(t, r[0])), ssdeep.Sum(input(t, r[1]))
		want, err := strconv.Atoi(r[2])
		if err != nil {
			t.Fatalf("bad row %q", r)
		}
		for _, pair := range [][2]string{{a, b}, {b, a}} {
			if got, err := ssdeep.Compare(pair[0], pair[1]); err != nil || got != want {
				t.Errorf("%s × %s: got %d (%v), want %d", r[0], r[1], got, err, want)
			}
		}
	}
}

// TestPairScores holds the ssdeep command's scores of all 3,160 pairs of
// example_data (all 0: unrelated documents).
func TestPairScores(t *testing.T) {
	digests := map[string]string{}
	for _, r := range rows(t, "ssdeep/example_data.ssdeep.tsv") {
		digests[r[0]] = r[3]
	}
	f, err := os.ReadFile(filepath.Join(malwareData(t), "ssdeep", "example_data.pairs_all"))
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.Split(strings.TrimSpace(string(f)), "\n")
	if len(ls) != 3160 {
		t.Fatalf("%d pairs, want 3160", len(ls))
	}
	for _, l := range ls {
		a, rest, ok1 := strings.Cut(l, " matches ")
		open := strings.LastIndexByte(rest, '(')
		want, err := strconv.Atoi(strings.TrimSuffix(rest[open+1:], ")"))
		if !ok1 || open < 1 || err != nil {
			t.Fatalf("bad line %q", l)
		}
		b := rest[:open-1]
		got, err := ssdeep.Compare(digests[a], digests[b])
		if err != nil || got != want {
			t.Errorf("%s × %s: got %d (%v), want %d", a, b, got, err, want)
		}
	}
}
