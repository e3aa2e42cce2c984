package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestPutOpen(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("スクリーンショットの代わり")
	want := sha256.Sum256(data)
	sum, size, err := s.Put(bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if sum != hex.EncodeToString(want[:]) || size != int64(len(data)) {
		t.Fatalf("sum %s size %d", sum, size)
	}
	if !s.Has(sum) {
		t.Fatal("Has = false after Put")
	}
	f, err := s.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := io.ReadAll(f)
	if !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	// Same content again: same sum, still one file.
	if sum2, _, err := s.Put(bytes.NewReader(data), 1<<20); err != nil || sum2 != sum {
		t.Fatalf("second put: %s %v", sum2, err)
	}
	tmp, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("%d temporary files left behind", len(tmp))
	}
}

func TestLimit(t *testing.T) {
	s, _ := Open(t.TempDir())
	if _, _, err := s.Put(bytes.NewReader(make([]byte, 11)), 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if _, _, err := s.Put(bytes.NewReader(make([]byte, 10)), 10); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	tmp, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("%d temporary files left behind", len(tmp))
	}
}

func TestOpenRejectsPaths(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, bad := range []string{"../../etc/passwd", "", "ABCDEF", "zz" + string(make([]byte, 62))} {
		if _, err := s.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestOpenRemovesInterruptedUploads(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "tmp", "put-123"), []byte("half an upload"), 0o600)
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Fatalf("%d interrupted uploads left", len(left))
	}
}

func TestPutAs(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := []byte("evidence copied from another store")
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	if err := s.PutAs(bytes.NewReader([]byte("something else")), want, 1<<20); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong content: %v, want ErrMismatch", err)
	}
	if s.Has(want) {
		t.Fatal("mismatched content stored")
	}
	// A damaged file under the right name is replaced.
	os.MkdirAll(filepath.Dir(s.path(want)), 0o700)
	os.WriteFile(s.path(want), []byte("damaged"), 0o600)
	if err := s.PutAs(bytes.NewReader(data), want, 1<<20); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(s.path(want)); !bytes.Equal(got, data) {
		t.Fatal("damaged file not replaced")
	}
	if left, _ := os.ReadDir(filepath.Join(s.dir, "tmp")); len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}
