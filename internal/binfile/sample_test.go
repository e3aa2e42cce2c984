package binfile

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// sampleMain is the program built for every target. net/http makes the
// Windows amd64 build about the size of a real Go sample (~6 MB).
const sampleMain = `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	fmt.Println("koban-sample-marker", len(os.Args))
	_ = http.DefaultClient
}
`

var (
	samplesMu sync.Mutex
	samples   = map[string][]byte{}
	sampleDir string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sampleDir != "" {
		os.RemoveAll(sampleDir)
	}
	os.Exit(code)
}

// buildSample builds sampleMain for target ("goos/goarch") with the Go
// toolchain, once per test binary, and returns the executable.
func buildSample(tb testing.TB, target string) []byte {
	tb.Helper()
	samplesMu.Lock()
	defer samplesMu.Unlock()
	if b, ok := samples[target]; ok {
		return b
	}
	if testing.Short() {
		tb.Skip("building samples is skipped in -short mode")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("no go toolchain on PATH")
	}
	if sampleDir == "" {
		if sampleDir, err = os.MkdirTemp("", "binfile-samples-"); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sampleDir, "main.go"), []byte(sampleMain), 0o600); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sampleDir, "go.mod"), []byte("module sample\n\ngo 1.22\n"), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	goos, goarch, _ := strings.Cut(target, "/")
	out := filepath.Join(sampleDir, goos+"-"+goarch)
	cmd := exec.Command(gobin, "build", "-o", out, ".")
	cmd.Dir = sampleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", target, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	samples[target] = b
	return b
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sample")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
