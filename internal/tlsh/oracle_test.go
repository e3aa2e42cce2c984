package tlsh_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/tlsh"
)

// TestOracle holds digests of generated inputs, up to 40 MiB, to the tlsh
// command of Debian's tlsh-tools (3.4.4) when it is installed: lengths and
// bucket counts far past the reference's example files. That version
// writes no "T1" and refuses inputs under 256 bytes; otherwise its digests
// are the current reference's.
func TestOracle(t *testing.T) {
	bin, err := exec.LookPath("tlsh")
	if err != nil {
		t.Skip("the tlsh command is not installed (apt-get install tlsh-tools)")
	}
	r := rand.New(rand.NewPCG(11, 12))
	random := func(n int, alphabet int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(alphabet))
		}
		return b
	}
	in := map[string][]byte{
		"flat-ish":    append(bytes.Repeat([]byte("ab"), 5000), random(40, 256)...),
		"lvalue-3199": random(3199, 256),
		"lvalue-3200": random(3200, 256),
		"lvalue-656":  random(656, 256),
		"lvalue-657":  random(657, 256),
		"large":       random(40<<20, 256),
	}
	for i := range 30 {
		n := 256 + r.IntN([]int{1 << 10, 1 << 16, 1 << 22}[i%3])
		in[fmt.Sprintf("random-%d", i)] = random(n, []int{256, 16, 4, 2}[i%4])
	}
	dir := t.TempDir()
	for name, data := range in {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(bin, "-r", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("tlsh: %v\n%s", err, out)
	}
	seen, refused := 0, 0
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		digest, path, ok := strings.Cut(l, "\t")
		if !ok {
			// "file …: cannot hash": too flat, so ours must be null too.
			name := filepath.Base(strings.TrimSuffix(strings.TrimPrefix(l, "file "), ": cannot hash"))
			if d, ok := in[name]; !ok || !tlsh.Sum(d).IsNull() {
				t.Errorf("the tlsh command refused %q; ours: %s", l, tlsh.Sum(d))
			}
			refused++
			continue
		}
		name := filepath.Base(path)
		data, ok := in[name]
		if !ok {
			t.Fatalf("unexpected line %q", l)
		}
		seen++
		if got := tlsh.Sum(data).String(); got != "T1"+digest {
			t.Errorf("%s (%d bytes): got %s, want T1%s", name, len(data), got, digest)
		}
	}
	if seen+refused != len(in) {
		t.Errorf("%d digests and %d refusals for %d files", seen, refused, len(in))
	}
	t.Logf("%d digests as the tlsh command gives them, %d inputs null for both", seen, refused)
}
