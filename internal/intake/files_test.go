package intake_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/intake"
)

// storedFiles lists the evidence files on disk and the temporary files left.
func (e *env) storedFiles() (stored []string, temp int) {
	e.t.Helper()
	err := e.blobs.Walk(func(sum string, _ time.Time) error { stored = append(stored, sum); return nil })
	if err != nil {
		e.t.Fatal(err)
	}
	return stored, e.tempFiles()
}

// A rejected submission leaves no file on disk: every file is checked before
// any is stored, so an anonymous client cannot fill the disk with files that
// no report will ever name.
func TestRejectedSubmissionStoresNoFile(t *testing.T) {
	e := newEnv(t)
	img := pngBytes(t)
	limit := e.svc.Limits().FileBytes
	big := io.MultiReader(strings.NewReader(string(img)), io.LimitReader(zeros{}, limit))
	for _, c := range []struct {
		name  string
		files []intake.Upload
	}{
		{"a good file then one of a refused type", []intake.Upload{upload("ok.png", img), upload("x.png", []byte("<html><script></script></html>"))}},
		{"a good file then one too large", []intake.Upload{upload("ok.png", img), {Name: "big.png", Body: big}}},
		{"a good file then an empty one", []intake.Upload{upload("ok.png", img), upload("empty.png", nil)}},
	} {
		s := validSub()
		s.Files = c.files
		if _, err := e.svc.Submit(e.ctx, s, public); err == nil {
			t.Fatalf("%s: accepted", c.name)
		}
		if stored, _ := e.storedFiles(); len(stored) != 0 {
			t.Errorf("%s: %d file(s) stored for a rejected submission", c.name, len(stored))
		}
		if left := e.tempFiles(); left != 0 {
			t.Errorf("%s: %d temporary file(s) left", c.name, left)
		}
	}

	// The same through the status page: nothing is added, nothing stored.
	rc := e.submit(validSub())
	err := e.svc.AddInfo(e.ctx, rc.Token, "see files", []intake.Upload{upload("more.png", img), upload("x.png", []byte("MZ\x90\x00"))}, "192.0.2.99")
	if err == nil {
		t.Fatal("add info with a refused file accepted")
	}
	if stored, _ := e.storedFiles(); len(stored) != 0 {
		t.Errorf("add info: %d file(s) stored for a rejected addition", len(stored))
	}
}

// tempFiles counts the files in the store's temporary folder.
func (e *env) tempFiles() int {
	e.t.Helper()
	left, err := os.ReadDir(filepath.Join(e.dir, "files", "tmp"))
	if err != nil {
		e.t.Fatal(err)
	}
	return len(left)
}

// The sweep removes old files no report names (what a crash between storing
// a file and committing its report leaves), and nothing else.
func TestSweepOrphans(t *testing.T) {
	e := newEnv(t)
	img := pngBytes(t)
	s := validSub()
	s.Files = []intake.Upload{upload("named.png", img), upload("named.txt", []byte("SMS: https://phish.example.com"))}
	e.submit(s)
	orphanOld, _, _ := e.blobs.Put(strings.NewReader("stored, then the server died"), 1<<20)
	orphanYoung, _, _ := e.blobs.Put(strings.NewReader("stored a moment ago, its report on the way"), 1<<20)
	tmpOld := filepath.Join(e.dir, "files", "tmp", "put-old")
	os.WriteFile(tmpOld, []byte("half an upload"), 0o600)

	// Everything but the young orphan is two hours old.
	old := time.Now().Add(-2 * time.Hour)
	stored, _ := e.storedFiles()
	for _, sum := range stored {
		if sum != orphanYoung {
			os.Chtimes(filepath.Join(e.dir, "files", sum[:2], sum[2:4], sum), old, old)
		}
	}
	os.Chtimes(tmpOld, old, old)

	n, err := e.svc.SweepOrphans(e.ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("removed %d files, want 2 (the old orphan and the old temporary file)", n)
	}
	after, temp := e.storedFiles()
	want := map[string]bool{sum(img): true, sum([]byte("SMS: https://phish.example.com")): true, orphanYoung: true}
	if len(after) != len(want) || temp != 0 {
		t.Errorf("after the sweep: %d files (want %d), %d temporary", len(after), len(want), temp)
	}
	for _, s := range after {
		if !want[s] {
			t.Errorf("left %s (old orphan: %v)", s, s == orphanOld)
		}
	}
	for s := range want {
		if !e.blobs.Has(s) {
			t.Errorf("removed %s, which a report names or is young", s)
		}
	}
}
