package ssdeep_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/ssdeep"
)

// corpus builds inputs that reach what the example data does not: large
// block sizes, full first parts (pieces past the 64th), a step down from
// the guessed block size, streams ending on zero bytes (a rolling hash of
// 0), constant input, and edited copies for scores of every size.
func corpus(seed uint64) map[string][]byte {
	r := rand.New(rand.NewPCG(seed, 1))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	text := func(n int) []byte {
		words := []string{"the", "police", "report", "case", "koban", "fraud", "phishing", "bank", "account", "seized", "device", "\n", "of", "and"}
		var b bytes.Buffer
		for b.Len() < n {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		return b.Bytes()[:n]
	}
	edit := func(src []byte, edits int) []byte {
		b := bytes.Clone(src)
		for range edits {
			at := r.IntN(len(b))
			n := min(1+r.IntN(200), len(b)-at)
			switch r.IntN(3) {
			case 0:
				b = append(b[:at], b[at+n:]...)
			case 1:
				b = append(b[:at], append(random(n), b[at:]...)...)
			default:
				copy(b[at:at+n], random(n))
			}
		}
		return b
	}
	in := map[string][]byte{
		"empty":      {},
		"one":        {'x'},
		"zeros":      make([]byte, 100000),
		"constant":   bytes.Repeat([]byte{0xAA}, 70000),
		"zero-tail":  append(random(300000), make([]byte, 64)...),
		"zero-tail7": append(text(50000), make([]byte, 7)...),
		"zero-tail6": append(text(50000), make([]byte, 6)...),
	}
	for i := range 16 {
		n := []int{10, 100, 190, 193, 1000, 6000, 12289, 24577}[i%8] * (1 + i/8*3)
		in[fmt.Sprintf("random-%d", i)] = random(n)
	}
	for i := range 12 {
		in[fmt.Sprintf("random-large-%d", i)] = random(100000 + r.IntN(3<<20))
		in[fmt.Sprintf("text-%d", i)] = text(1000 + r.IntN(1<<20))
	}
	// Seven-byte patterns repeated: the rolling hash is then constant, so
	// a piece ends at every byte or never; the dense ones fill every part.
	for i := 0; i < 6; {
		p := random(7)
		data := bytes.Repeat(p, 3000+r.IntN(20000))
		if ssdeepDense(data) || i >= 3 {
			in[fmt.Sprintf("pattern-%d", i)] = data
			i++
		}
	}
	for i := range 10 {
		base := text(20000 + r.IntN(400000))
		in[fmt.Sprintf("pair-%d-a", i)] = base
		in[fmt.Sprintf("pair-%d-b", i)] = edit(base, 1+r.IntN(40))
	}
	for i := range 4 {
		base := text(30000 + r.IntN(200000))
		in[fmt.Sprintf("double-%d-a", i)] = base
		in[fmt.Sprintf("double-%d-b", i)] = append(bytes.Clone(base), edit(base, 3)...)
	}
	return in
}

// ssdeepDense reports whether a digest of data came out long, a sign that
// pieces end at nearly every byte.
func ssdeepDense(data []byte) bool {
	_, rest, _ := strings.Cut(ssdeep.Sum(data), ":")
	return len(rest) > 90
}

// TestOracle holds digests and scores to the ssdeep command (Debian's
// ssdeep package, libfuzzy 2.14.1) over generated inputs, when installed.
func TestOracle(t *testing.T) {
	bin, err := exec.LookPath("ssdeep")
	if err != nil {
		t.Skip("the ssdeep command is not installed (apt-get install ssdeep)")
	}
	dir := t.TempDir()
	in := corpus(7)
	var names []string
	for name, data := range in {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	cmd := exec.Command(bin, append([]string{"-b"}, names...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ssdeep: %v", err)
	}
	want := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n")[1:] {
		digest, name, _ := strings.Cut(l, ",")
		want[strings.Trim(name, `"`)] = digest
	}
	ours := map[string]string{}
	for name, data := range in {
		h := ssdeep.New()
		for i := 0; i < len(data); i += 65536 {
			h.Write(data[i:min(i+65536, len(data))])
		}
		ours[name] = h.String()
		if w, ok := want[name]; !ok && len(data) > 0 {
			t.Errorf("%s: the ssdeep command gave no digest", name)
		} else if ok && ours[name] != w {
			t.Errorf("%s (%d bytes): got %s, want %s", name, len(data), ours[name], w)
		}
	}

	// Scores: every digest against every other, by `ssdeep -a -x`.
	var sigs strings.Builder
	sigs.WriteString("ssdeep,1.1--blocksize:hash:hash,filename\n")
	for name, d := range want {
		fmt.Fprintf(&sigs, "%s,\"%s\"\n", d, name)
	}
	sigFile := filepath.Join(dir, "sigs.txt")
	if err := os.WriteFile(sigFile, []byte(sigs.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "-a", "-x", sigFile).Output()
	if err != nil {
		t.Fatalf("ssdeep -x: %v", err)
	}
	pairs, nonzero := 0, 0
	for _, l := range strings.Split(string(out), "\n") {
		a, rest, ok := strings.Cut(l, " matches ")
		if !ok {
			continue
		}
		open := strings.LastIndexByte(rest, '(')
		score, err := strconv.Atoi(strings.TrimSuffix(rest[open+1:], ")"))
		if err != nil {
			t.Fatalf("bad line %q", l)
		}
		a = a[strings.IndexByte(a, ':')+1:]
		b := rest[strings.IndexByte(rest, ':')+1 : open-1]
		got, err := ssdeep.Compare(want[a], want[b])
		if err != nil || got != score {
			t.Errorf("%s × %s (%s × %s): got %d (%v), want %d", a, b, want[a], want[b], got, err, score)
		}
		pairs++
		if score > 0 {
			nonzero++
		}
	}
	t.Logf("%d digests and %d scores (%d above 0) as the ssdeep command gives them", len(want), pairs, nonzero)
}
