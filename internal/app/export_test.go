package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/bundle"
	"github.com/koban-project/koban/internal/config"
)

// exportBundle exports the evidence koban's case as its investigator and
// writes the bundle to a file; cfg changes the settings first.
func exportBundle(t *testing.T, k *evidenceKoban, cfg func(*config.Config)) string {
	t.Helper()
	c := config.Default()
	c.DataDir = k.dir
	if cfg != nil {
		cfg(&c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, c, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.DB.UserByEmail(ctx, "inv@mpd.example")
	if err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: u.Role}
	b, err := a.Evidence.Export(ctx, p, k.caseID)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path := filepath.Join(t.TempDir(), b.Name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, b.File); err != nil {
		t.Fatal(err)
	}
	out.Close()
	return path
}

// rezip writes a copy of the bundle at path with edit applied to each
// entry (nil drops it) and extra entries added, and returns its path.
func rezip(t *testing.T, path string, edit func(name string, b []byte) []byte, extra map[string]string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if b = edit(f.Name, b); b == nil {
			continue
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	for name, body := range extra {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	out := filepath.Join(t.TempDir(), "tampered.zip")
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func keep(_ string, b []byte) []byte { return b }

// TestExportVerifyCommand: a bundle made by koban verifies offline with
// the key koban export key prints (and, with a caveat said, with its own);
// each kind of tampering makes koban export verify name the problem and
// exit 1: a file altered, added or removed, the manifest or the signature
// altered, the wrong key.
func TestExportVerifyCommand(t *testing.T) {
	k := buildEvidenceKoban(t)
	good := exportBundle(t, k, nil)
	code, pemOut, errs := run(t, map[string]string{"KOBAN_DATA_DIR": k.dir}, "", "export", "key")
	pub, err := bundle.ParsePublicKey([]byte(pemOut))
	if code != 0 || err != nil || !strings.Contains(errs, bundle.Fingerprint(pub)) {
		t.Fatalf("export key: %d %v\n%s\n%s", code, err, pemOut, errs)
	}
	keyFile := filepath.Join(t.TempDir(), "police.pem")
	os.WriteFile(keyFile, []byte(pemOut), 0o600)

	offline := map[string]string{} // no settings, no database: verify works anywhere
	code, out, errs := run(t, offline, "", "export", "verify", good, "--key", keyFile)
	if code != 0 || !strings.Contains(out, "the court bundle of case "+k.caseNumber) || !strings.Contains(out, "The signature was checked with the public key in "+keyFile) {
		t.Fatalf("good bundle with the key: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = run(t, offline, "", "export", "verify", good)
	if code != 0 || !strings.Contains(out, "not who signed it") {
		t.Fatalf("good bundle with its own key: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, map[string]string{"LANG": "ja_JP.UTF-8"}, "", "export", "verify", "--key", keyFile, good)
	if code != 0 || !strings.Contains(out, "の裁判用資料") {
		t.Fatalf("in Japanese, flag first: exit %d\n%s", code, out)
	}

	evidencePath := ""
	zr, _ := zip.OpenReader(good)
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "evidence/") && evidencePath == "" {
			evidencePath = f.Name
		}
	}
	zr.Close()
	other := filepath.Join(t.TempDir(), "other.pem")
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	os.WriteFile(other, bundle.PublicKeyPEM(otherPub), 0o600)
	for _, tc := range []struct {
		name string
		file string
		key  string
		want []string // lines of the output
	}{
		{"a file altered", rezip(t, good, func(name string, b []byte) []byte {
			if name == evidencePath {
				b = bytes.Clone(b)
				b[0] ^= 1
			}
			return b
		}, nil), keyFile, []string{evidencePath + ": its SHA-256 differs from the manifest"}},
		{"a file added", rezip(t, good, keep, map[string]string{"evidence/9999-planted.txt": "後から入れたファイル"}), keyFile,
			[]string{"evidence/9999-planted.txt: a file the manifest does not list."}},
		{"a file removed", rezip(t, good, func(name string, b []byte) []byte {
			if name == "audit.jsonl" {
				return nil
			}
			return b
		}, nil), keyFile, []string{"audit.jsonl: listed in the manifest, missing from the bundle."}},
		{"the manifest altered", rezip(t, good, func(name string, b []byte) []byte {
			if name == bundle.ManifestName {
				return bytes.Replace(b, []byte(k.caseNumber), []byte("2026-13-99999"), 1)
			}
			return b
		}, nil), keyFile, []string{"The signature does not hold"}},
		{"the signature altered", rezip(t, good, func(name string, b []byte) []byte {
			if name == bundle.SignatureName {
				b = bytes.Clone(b)
				if b[5] == 'A' {
					b[5] = 'B'
				} else {
					b[5] = 'A'
				}
			}
			return b
		}, nil), "", []string{"The signature does not hold"}},
		{"the wrong key", good, other, []string{"The bundle was signed with another key", "The signature does not hold"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"export", "verify", tc.file}
			if tc.key != "" {
				args = append(args, "--key", tc.key)
			}
			code, out, errs := run(t, offline, "", args...)
			if code != 1 || !strings.Contains(errs, "does not verify") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != len(tc.want) {
				t.Errorf("%d lines, want %d:\n%s", len(lines), len(tc.want), out)
			}
			for i, w := range tc.want {
				if i < len(lines) && !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d %q, want it to start %q", i+1, lines[i], w)
				}
			}
		})
	}
	if code, _, _ := run(t, offline, "", "export", "verify"); code != 2 {
		t.Errorf("no bundle: exit %d, want 2", code)
	}
	if code, _, errs := run(t, offline, "", "export", "verify", filepath.Join(k.dir, "none.zip")); code != 1 || !strings.Contains(errs, "cannot be read") {
		t.Errorf("a missing bundle: exit %d %s", code, errs)
	}
}

// With KOBAN_AUDIT_KEY set, bundles are signed with it, and koban export
// key prints its public half.
func TestExportSignedWithAuditKey(t *testing.T) {
	k := buildEvidenceKoban(t)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	path := exportBundle(t, k, func(c *config.Config) { c.AuditKey = pemKey })
	code, out, errs := run(t, map[string]string{"KOBAN_DATA_DIR": k.dir, "KOBAN_AUDIT_KEY": pemKey}, "", "export", "key")
	if code != 0 || out != string(bundle.PublicKeyPEM(priv.Public().(ed25519.PublicKey))) || !strings.Contains(errs, "KOBAN_AUDIT_KEY") {
		t.Fatalf("export key: %d\n%s\n%s", code, out, errs)
	}
	keyFile := filepath.Join(t.TempDir(), "audit.pem")
	os.WriteFile(keyFile, []byte(out), 0o600)
	if code, out, _ := run(t, nil, "", "export", "verify", path, "--key", keyFile); code != 0 {
		t.Fatalf("verify: %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(k.dir, bundle.KeyFile)); err == nil {
		t.Error("a key was generated although KOBAN_AUDIT_KEY is set")
	}
	zr, _ := zip.OpenReader(path)
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == bundle.ManifestName {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if !regexp.MustCompile(`"source": "audit_key"`).Match(b) {
				t.Errorf("manifest:\n%s", b)
			}
		}
	}
}
