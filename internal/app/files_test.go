package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
)

// The background sweep removes evidence files no report names once they
// are old enough, keeps the named ones, and counts what it removed.
func TestSweepFilesCountsOrphans(t *testing.T) {
	s := apptest.Start(t)
	evidence := []byte("SMS: お荷物のお届けにあがりましたが不在のため持ち帰りました https://sagawa-x.example.top")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("report", `{"kind":"tip","description":"偽の不在通知SMSが届きました"}`)
	fw, _ := mw.CreateFormFile("files", "sms.txt")
	fw.Write(evidence)
	mw.Close()
	resp, err := http.Post(s.URL+"/api/v1/public/reports", mw.FormDataContentType(), &body)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	orphan, _, err := s.App.Blobs.Put(strings.NewReader("stored; then the server died before the report"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	named := sha256.Sum256(evidence)
	old := time.Now().Add(-2 * time.Hour)
	for _, sum := range []string{orphan, hex.EncodeToString(named[:])} {
		if err := os.Chtimes(filepath.Join(s.Dir, "files", sum[:2], sum[2:4], sum), old, old); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.App.SweepFiles(t.Context(), time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("SweepFiles = %d, %v; want 1 removed", n, err)
	}
	if s.App.Blobs.Has(orphan) || !s.App.Blobs.Has(hex.EncodeToString(named[:])) {
		t.Fatal("the sweep removed the wrong file")
	}
	if _, m := get(t, s.URL+"/metrics"); !strings.Contains(m, "koban_evidence_orphans_removed_total 1") {
		t.Error("metrics do not count the orphan removed")
	}
}

func TestFilesSweepCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"KOBAN_DATA_DIR": dir}
	if code, out, errs := run(t, env, "", "files", "sweep"); code != 0 || !strings.Contains(out, "removed 0") {
		t.Fatalf("files sweep on an empty store: %d %q %q", code, out, errs)
	}
	sum := strings.Repeat("ab", 32)
	path := filepath.Join(dir, "files", "ab", "ab", sum)
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte("left by a crash"), 0o600)
	if code, out, _ := run(t, env, "", "files", "sweep"); code != 0 || !strings.Contains(out, "removed 0") {
		t.Fatalf("a young file removed at the default age: %d %q", code, out)
	}
	if code, out, errs := run(t, env, "", "files", "sweep", "-older-than", "0s"); code != 0 || !strings.Contains(out, "removed 1") {
		t.Fatalf("files sweep -older-than 0s: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("orphan still there")
	}
	if code, _, _ := run(t, env, "", "files", "frobnicate"); code != 2 {
		t.Errorf("files frobnicate: exit %d, want 2", code)
	}
}
