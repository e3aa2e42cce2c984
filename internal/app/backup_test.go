package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/backup"
	"github.com/koban-project/koban/internal/intake"
)

// dirHashes maps every file below dir (slash paths) to its SHA-256, leaving
// out what a backup leaves out.
func dirHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." || d.IsDir() {
			if rel != "." && backup.Skip(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if backup.Skip(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBackupRestoreRoundTrip: koban backup of a SQLite koban with sealed
// evidence, koban restore into an empty folder; every table, every file's
// hash and the audit head are the same; a damaged archive and a folder in
// use are refused and leave nothing behind.
func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir, keys, work := t.TempDir(), t.TempDir(), t.TempDir()
	keyFile := newKeyFile(t, filepath.Join(keys, "k.txt"))
	a, err := openSealedKoban(t, dir, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"偽SMSの画面", "振込先口座のメモ 三菱UFJ 1234567", "フィッシングサイトのHTML"} {
		_, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindReport, Description: "通報 " + text, Language: "ja", Prefecture: "13",
			Consent: true, Contact: intake.Contact{Name: "通報者", Email: "r@example.jp"},
			Files: []intake.Upload{{Name: "f.txt", Body: strings.NewReader(strings.Repeat(text, 100*(i+1)))}}},
			intake.Origin{Source: "web", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
	}
	headID, headHash, err := a.DB.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()

	env := map[string]string{"KOBAN_DATA_DIR": dir, "KOBAN_ENCRYPTION_KEYS": keyFile}
	archive := filepath.Join(work, "koban.tar")
	code, out, errs := run(t, env, "", "backup", "--out", archive)
	if code != 0 || !strings.Contains(out, "3 evidence files the database names, all in the archive") {
		t.Fatalf("backup: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(archive + ".partial"); !os.IsNotExist(err) {
		t.Fatal("the partial archive is left")
	}

	restored := filepath.Join(work, "restored")
	renv := map[string]string{"KOBAN_DATA_DIR": restored, "KOBAN_ENCRYPTION_KEYS": keyFile}
	code, out, errs = run(t, renv, "", "restore", "--from", archive)
	if code != 0 || !strings.Contains(out, "the audit chain verifies") {
		t.Fatalf("restore: %d %q %q", code, out, errs)
	}

	// Every table.
	want, err := backup.TableDigests(ctx, filepath.Join(dir, "koban.db"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := backup.TableDigests(ctx, filepath.Join(restored, "koban.db"))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 50 || len(got) != len(want) {
		t.Fatalf("%d tables restored of %d", len(got), len(want))
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("table %s: %+v restored, %+v backed up", name, got[name], w)
		}
	}
	if want["reports"].Rows != 3 || want["audit_log"].Rows == 0 {
		t.Fatalf("the tables compared are empty: %+v %+v", want["reports"], want["audit_log"])
	}
	// Every file.
	wantFiles, gotFiles := dirHashes(t, dir), dirHashes(t, restored)
	sealed := 0
	for name, h := range wantFiles {
		if gotFiles[name] != h {
			t.Errorf("%s: restored %q, backed up %q", name, gotFiles[name], h)
		}
		if strings.HasSuffix(name, ".age") {
			sealed++
		}
	}
	for name := range gotFiles {
		if _, ok := wantFiles[name]; !ok && name != "koban.db" {
			t.Errorf("%s restored, not in the original", name)
		}
	}
	if sealed != 3 {
		t.Fatalf("%d sealed evidence files compared, want 3", sealed)
	}
	// The audit head, read by the restored koban.
	r, err := openSealedKoban(t, restored, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	id, hash, err := r.DB.AuditHead(ctx)
	r.Close()
	if err != nil || id != headID || hash != headHash {
		t.Fatalf("restored audit head %d:%s, want %d:%s (%v)", id, hash, headID, headHash, err)
	}

	// Into a folder that is in use: refused.
	code, _, errs = run(t, renv, "", "restore", "--from", archive)
	if code != 1 || !strings.Contains(errs, "not empty") {
		t.Fatalf("restore over a koban: %d %q", code, errs)
	}
	// A damaged archive: refused, with the entry named, and nothing left.
	b, _ := os.ReadFile(archive)
	i := strings.Index(string(b), "通報者") // never in the clear: the contact is sealed
	if i >= 0 {
		t.Fatal("the archive holds a reporter's name in the clear")
	}
	damaged := filepath.Join(work, "damaged.tar")
	b[len(b)/2] ^= 0x01
	os.WriteFile(damaged, b, 0o600)
	other := filepath.Join(work, "other")
	code, _, errs = run(t, map[string]string{"KOBAN_DATA_DIR": other, "KOBAN_ENCRYPTION_KEYS": keyFile}, "", "restore", "--from", damaged)
	if code != 1 || !strings.Contains(errs, "does not match its manifest") && !strings.Contains(errs, "not a readable archive") {
		t.Fatalf("restore of a damaged archive: %d %q", code, errs)
	}
	if entries, _ := os.ReadDir(other); len(entries) > 0 {
		t.Fatalf("a refused restore left %d entries", len(entries))
	}
	if left, _ := filepath.Glob(filepath.Join(work, ".other.restoring-*")); len(left) > 0 {
		t.Fatalf("a refused restore left its staging folder: %v", left)
	}
}
