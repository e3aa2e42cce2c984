package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/intake"
)

// newKeyFile runs `koban keys generate` into a file readable by koban alone.
func newKeyFile(t *testing.T, path string, keepFrom ...string) string {
	t.Helper()
	code, out, errs := run(t, nil, "", "keys", "generate")
	if code != 0 || !strings.Contains(out, "AGE-SECRET-KEY-PQ-1") {
		t.Fatalf("keys generate: %d %q %q", code, out, errs)
	}
	text := out
	for _, f := range keepFrom {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text += string(b)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func openSealedKoban(t *testing.T, dir, keys string) (*app.App, error) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.EncryptionKeys = dir, keys
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
}

// TestEncryptionAtRest: with a key file, a report's file and its
// reporter's contact details are on disk only as ciphertext; koban reads
// them back; a start without the key, or with another key, is refused with
// a clear message; rotation moves everything to a new key and the old key
// can then go.
func TestEncryptionAtRest(t *testing.T) {
	ctx := context.Background()
	dir, keys := t.TempDir(), t.TempDir()
	keyA := newKeyFile(t, filepath.Join(keys, "a.txt"))
	a, err := openSealedKoban(t, dir, keyA)
	if err != nil {
		t.Fatal(err)
	}
	evidence := "被害者が受け取った偽SMSの全文 090-1111-2222 " + strings.Repeat("証拠", 5000)
	contact := intake.Contact{Name: "山田花子", Email: "hanako@example.jp", Phone: "09012345678"}
	rc, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindReport, Description: "偽SMSの通報", Language: "ja", Prefecture: "13",
		Consent: true, Contact: contact, Files: []intake.Upload{{Name: "sms.txt", Body: strings.NewReader(evidence)}}},
		intake.Origin{Source: "web", IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	sum := hexSum(evidence)
	a.Close()

	// Nothing on disk holds the plaintext: not the evidence file, not the database.
	sealed := blobPath(dir, sum) + ".age"
	onDisk, err := os.ReadFile(sealed)
	if err != nil {
		t.Fatalf("the evidence file is not stored sealed: %v", err)
	}
	if _, err := os.Stat(blobPath(dir, sum)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a plain copy of the evidence is on disk")
	}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, secret := range []string{"hanako@example.jp", "山田花子", "09012345678", "偽SMSの全文"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q in the clear", p, secret)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(onDisk, []byte("age-encryption.org/v1")) {
		t.Fatalf("the sealed file is not an age file: %q", onDisk[:min(30, len(onDisk))])
	}

	// Without the key file, and with another key, koban refuses to start.
	if _, err := openSealedKoban(t, dir, ""); err == nil || !strings.Contains(err.Error(), "KOBAN_ENCRYPTION_KEYS is not set") {
		t.Fatalf("start without the key file: %v", err)
	}
	wrong := newKeyFile(t, filepath.Join(keys, "wrong.txt"))
	if _, err := openSealedKoban(t, dir, wrong); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Fatalf("start with a wrong key: %v", err)
	}
	code, _, errs := run(t, map[string]string{"KOBAN_DATA_DIR": dir, "KOBAN_ENCRYPTION_KEYS": wrong}, "", "keys", "status")
	if code != 1 || !strings.Contains(errs, "does not hold") {
		t.Fatalf("a command with a wrong key: %d %q", code, errs)
	}

	// A new key first, the old one kept: koban reads what the old key sealed.
	keyB := newKeyFile(t, filepath.Join(keys, "b.txt"), keyA)
	check := func(keys string) {
		t.Helper()
		a, err := openSealedKoban(t, dir, keys)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		r, err := a.DB.Report(ctx, rc.ReportID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Contact != contact {
			t.Fatalf("contact read back as %+v", r.Contact)
		}
		f, err := a.Blobs.Open(sum)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if b, err := io.ReadAll(f); err != nil || string(b) != evidence {
			t.Fatalf("evidence read back: %v (%d bytes)", err, len(b))
		}
	}
	check(keyB)

	env := map[string]string{"KOBAN_DATA_DIR": dir, "KOBAN_ENCRYPTION_KEYS": keyB}
	code, out, errs := run(t, env, "", "keys", "rotate")
	if code != 0 || !strings.Contains(out, "1 sealed again") || !strings.Contains(out, "contact fields: 1 sealed again") {
		t.Fatalf("keys rotate: %d %q %q", code, out, errs)
	}
	// Only the new key now: the old one may leave the key file.
	onlyB := filepath.Join(keys, "only-b.txt")
	b, _ := os.ReadFile(keyB)
	firstKey := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "AGE-SECRET-KEY") {
			firstKey = line
			break
		}
	}
	os.WriteFile(onlyB, []byte(firstKey+"\n"), 0o600)
	check(onlyB)
	// And the old key alone is refused.
	if _, err := openSealedKoban(t, dir, keyA); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Fatalf("start with the retired key: %v", err)
	}
	code, out, errs = run(t, map[string]string{"KOBAN_DATA_DIR": dir, "KOBAN_ENCRYPTION_KEYS": onlyB}, "", "audit", "verify")
	if code != 0 {
		t.Fatalf("audit verify after rotation: %d %q %q", code, out, errs)
	}
}
