package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func archive(t testing.TB, files map[string]string, m *Manifest) []byte {
	t.Helper()
	dir := t.TempDir()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for name, content := range files {
		p := filepath.Join(dir, strings.ReplaceAll(name, "/", "_"))
		os.WriteFile(p, []byte(content), 0o600)
		if err := w.AddFile(context.Background(), name, p); err != nil {
			t.Fatal(err)
		}
	}
	if m == nil {
		m = &Manifest{Database: "postgres", CreatedAt: time.Unix(0, 0)}
	}
	if err := w.Close(m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRestoreChecksEveryEntry(t *testing.T) {
	good := archive(t, map[string]string{"files/ab/cd/x": "evidence", "koban.id": "db-1"}, nil)
	dst := filepath.Join(t.TempDir(), "data")
	m, err := Restore(context.Background(), bytes.NewReader(good), dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 2 {
		t.Fatalf("manifest lists %d files", len(m.Files))
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "files/ab/cd/x")); string(b) != "evidence" {
		t.Fatalf("restored %q", b)
	}
	if _, err := Restore(context.Background(), bytes.NewReader(good), dst); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("restore over a folder in use: %v", err)
	}

	// An entry the manifest does not list, and one it lists but is gone.
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name, content string) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
	}
	add("extra", "x")
	add(ManifestName, `{"format":"koban-backup/1","database":"postgres","database_identity":"","koban_version":"","created_at":"2026-01-01T00:00:00Z","audit_head":{"id":0,"hash":""},"files":[{"name":"gone","size":1,"sha256":"00"}],"referenced_files":0}`)
	tw.Close()
	other := filepath.Join(t.TempDir(), "data")
	_, err = Restore(context.Background(), bytes.NewReader(buf.Bytes()), other)
	var probs ProblemsError
	if !errors.As(err, &probs) || len(probs) != 2 || probs[0].Name != "extra" || probs[1].Name != "gone" {
		t.Fatalf("problems: %v", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused restore created the folder")
	}
}

func TestUnsafeNames(t *testing.T) {
	for _, name := range []string{"../etc/passwd", "/abs", "a/../../b", "a\\b", "", ManifestName, "./x"} {
		if checkName(name) == nil {
			t.Errorf("%q accepted", name)
		}
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "../outside", Mode: 0o600, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.WriteHeader(&tar.Header{Name: "link", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink})
	tw.Close()
	base := t.TempDir()
	_, err := Restore(context.Background(), bytes.NewReader(buf.Bytes()), filepath.Join(base, "data"))
	if err == nil {
		t.Fatal("an archive with unsafe entries restored")
	}
	if _, err := os.Stat(filepath.Join(base, "outside")); err == nil {
		t.Fatal("an entry was written outside the folder")
	}
}

func TestSkip(t *testing.T) {
	for rel, want := range map[string]bool{
		"koban.db": true, "koban.db-wal": true, "koban.db-shm": true, "files/tmp": true, "files/tmp/put-1": true,
		"files/held/tok/1": true, ".backup-1/koban.db": true, "koban.id": false, "files/ab/cd/abcd.age": false,
		"anchors.log": false, "keys.json": false,
	} {
		if Skip(rel) != want {
			t.Errorf("Skip(%q) = %v", rel, !want)
		}
	}
}

func FuzzRestore(f *testing.F) {
	f.Add(archive(f, map[string]string{"a": "1", "files/b": "22"}, nil))
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dst := filepath.Join(t.TempDir(), "data")
		m, err := Restore(context.Background(), bytes.NewReader(b), dst)
		if err != nil {
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) > 0 {
				t.Fatalf("a refused restore left %d entries: %v", len(entries), err)
			}
			return
		}
		for _, file := range m.Files {
			if _, err := os.Stat(filepath.Join(dst, filepath.FromSlash(file.Name))); err != nil {
				t.Fatalf("%s listed, not restored", file.Name)
			}
		}
	})
}
