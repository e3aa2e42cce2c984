package bundle_test

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/bundle"
)

var at = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testKey is a fixed key, so that seeds and failures are the same on every run.
func testKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

// makeBundle writes a small bundle signed with key.
func makeBundle(t testing.TB, key ed25519.PrivateKey) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := bundle.NewWriter(&buf, key, "generated", at)
	for _, f := range []struct {
		name, body string
		compress   bool
	}{
		{"summary.pdf", "%PDF-1.3 事件記録", true},
		{"evidence/0001-sms.png", "\x89PNG\r\n\x1a\n偽SMSの画面", false},
		{"evidence/0002-vpn.log", strings.Repeat("login admin 203.0.113.50\n", 100), false},
		{"audit.jsonl", `{"id":1,"action":"case.open"}` + "\n", true},
	} {
		if _, err := w.Add(f.name, strings.NewReader(f.body), f.compress); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(bundle.Manifest{BundleID: "b-1", Case: bundle.CaseRef{ID: 7, Number: "2026-13-00007"}, CreatedAt: at.Format(time.RFC3339),
		CreatedBy: "inv@mpd.example", Generator: "koban test"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewrite copies a bundle's entries into a new archive, letting edit
// change, drop (nil) or add entries.
func rewrite(t testing.TB, b []byte, edit func(name string, body []byte) []byte, extra map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		if body = edit(f.Name, body); body == nil {
			continue
		}
		w, _ := zw.Create(f.Name)
		w.Write(body)
	}
	for name, body := range extra {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	return out.Bytes()
}

func same(_ string, b []byte) []byte { return b }

func verify(b []byte, key ed25519.PrivateKey) bundle.Result {
	var pub ed25519.PublicKey
	if key != nil {
		pub = key.Public().(ed25519.PublicKey)
	}
	return bundle.Verify(bytes.NewReader(b), int64(len(b)), pub)
}

func codes(r bundle.Result) []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.Code+":"+p.Path)
	}
	slices.Sort(out)
	return out
}

func TestWriteAndVerify(t *testing.T) {
	key := testKey(1)
	b := makeBundle(t, key)
	for _, k := range []ed25519.PrivateKey{nil, key} {
		r := verify(b, k)
		if !r.OK() || r.Files != 5 || r.KeyGiven != (k != nil) || r.Fingerprint != bundle.Fingerprint(key.Public().(ed25519.PublicKey)) {
			t.Fatalf("a good bundle (key given %v): %+v", k != nil, r)
		}
	}
	r := verify(b, nil)
	m := r.Manifest
	if m.Format != bundle.Format || m.Case.Number != "2026-13-00007" || m.Key.Source != "generated" || m.Key.Algorithm != "Ed25519" {
		t.Errorf("manifest %+v", m)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	if !slices.Equal(paths, []string{"summary.pdf", "evidence/0001-sms.png", "evidence/0002-vpn.log", "audit.jsonl", "public-key.pem"}) {
		t.Errorf("listed %v", paths)
	}
	sum := sha256.Sum256([]byte("\x89PNG\r\n\x1a\n偽SMSの画面"))
	if f := m.Files[1]; f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len("\x89PNG\r\n\x1a\n偽SMSの画面")) {
		t.Errorf("entry %+v", f)
	}
	// Evidence is stored, not compressed: the archive holds the bytes.
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "evidence/") && f.Method != zip.Store {
			t.Errorf("%s compressed", f.Name)
		}
	}
}

// Each way of changing a bundle is found, and named.
func TestVerifyFindsTampering(t *testing.T) {
	key, other := testKey(1), testKey(2)
	good := makeBundle(t, key)
	resign := func(b []byte, with ed25519.PrivateKey) []byte {
		// What a forger does: new files, a new manifest listing them, a new
		// key in the bundle, a new signature.
		var m bundle.Manifest
		zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		for _, f := range zr.File {
			if f.Name == bundle.ManifestName {
				rc, _ := f.Open()
				json.NewDecoder(rc).Decode(&m)
				rc.Close()
			}
		}
		forged := []byte("\x89PNG\r\n\x1a\n差し替えた画像")
		s := sha256.Sum256(forged)
		pub := with.Public().(ed25519.PublicKey)
		pemKey := bundle.PublicKeyPEM(pub)
		ks := sha256.Sum256(pemKey)
		for i, f := range m.Files {
			switch f.Path {
			case "evidence/0001-sms.png":
				m.Files[i] = bundle.FileEntry{Path: f.Path, SHA256: hex.EncodeToString(s[:]), Size: int64(len(forged))}
			case bundle.KeyName:
				m.Files[i] = bundle.FileEntry{Path: f.Path, SHA256: hex.EncodeToString(ks[:]), Size: int64(len(pemKey))}
			}
		}
		m.Key = bundle.KeyInfo{Algorithm: "Ed25519", PublicKey: base64.StdEncoding.EncodeToString(pub), SHA256: bundle.Fingerprint(pub), Source: "generated"}
		raw, _ := json.MarshalIndent(m, "", "  ")
		return rewrite(t, b, func(name string, body []byte) []byte {
			switch name {
			case "evidence/0001-sms.png":
				return forged
			case bundle.KeyName:
				return pemKey
			case bundle.ManifestName:
				return raw
			case bundle.SignatureName:
				return []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(with, raw)))
			}
			return body
		}, nil)
	}
	for _, tc := range []struct {
		name   string
		bundle []byte
		key    ed25519.PrivateKey
		want   []string
	}{
		{"a file altered", rewrite(t, good, func(name string, b []byte) []byte {
			if name == "evidence/0001-sms.png" {
				b = slices.Clone(b)
				b[9] ^= 1
			}
			return b
		}, nil), nil, []string{"file_hash:evidence/0001-sms.png"}},
		{"a file cut short", rewrite(t, good, func(name string, b []byte) []byte {
			if name == "evidence/0002-vpn.log" {
				return b[:10]
			}
			return b
		}, nil), nil, []string{"file_size:evidence/0002-vpn.log"}},
		{"a file added", rewrite(t, good, same, map[string]string{"evidence/0003-extra.txt": "後から足したファイル"}), nil,
			[]string{"file_extra:evidence/0003-extra.txt"}},
		{"a file removed", rewrite(t, good, func(name string, b []byte) []byte {
			if name == "audit.jsonl" {
				return nil
			}
			return b
		}, nil), nil, []string{"file_missing:audit.jsonl"}},
		{"the manifest altered", rewrite(t, good, func(name string, b []byte) []byte {
			if name == bundle.ManifestName {
				return bytes.Replace(b, []byte("2026-13-00007"), []byte("2026-13-00008"), 1)
			}
			return b
		}, nil), nil, []string{"signature_bad:manifest.sig"}},
		{"the signature altered", rewrite(t, good, func(name string, b []byte) []byte {
			if name == bundle.SignatureName {
				sig, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
				sig[0] ^= 1
				return []byte(base64.StdEncoding.EncodeToString(sig))
			}
			return b
		}, nil), nil, []string{"signature_bad:manifest.sig"}},
		{"the signature removed", rewrite(t, good, func(name string, b []byte) []byte {
			if name == bundle.SignatureName {
				return nil
			}
			return b
		}, nil), nil, []string{"signature_missing:manifest.sig"}},
		{"the manifest removed", rewrite(t, good, func(name string, b []byte) []byte {
			if name == bundle.ManifestName {
				return nil
			}
			return b
		}, nil), nil, []string{"manifest_missing:manifest.json"}},
		{"checked with the wrong key", good, other, []string{"key_other:", "signature_bad:manifest.sig"}},
		{"public-key.pem swapped", rewrite(t, good, func(name string, b []byte) []byte {
			if name == bundle.KeyName {
				return bundle.PublicKeyPEM(other.Public().(ed25519.PublicKey))
			}
			return b
		}, nil), nil, []string{"file_hash:public-key.pem", "key_mismatch:public-key.pem"}},
		{"re-signed by a forger, checked with the police's key", resign(good, other), key, []string{"key_other:", "signature_bad:manifest.sig"}},
		{"an entry that escapes its folder", rewrite(t, good, same, map[string]string{"../../etc/cron.d/x": "x"}), nil,
			[]string{"file_extra:../../etc/cron.d/x", "unsafe_entry:../../etc/cron.d/x"}},
		{"not a zip", []byte("%PDF-1.3 not a bundle"), nil, []string{"not_zip:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verify(tc.bundle, tc.key)
			got := codes(r)
			if r.OK() || !slices.Equal(got, tc.want) {
				t.Errorf("problems %v, want %v", got, tc.want)
			}
		})
	}
	// The forger's bundle holds together on its own: a key inside the
	// bundle proves integrity, not origin.
	if r := verify(resign(good, other), nil); !r.OK() {
		t.Errorf("a re-signed bundle checked with its own key: %v", codes(r))
	}
}

func TestWriterRefusesUnsafeNames(t *testing.T) {
	w := bundle.NewWriter(io.Discard, testKey(1), "generated", at)
	for _, name := range []string{"", "/abs", "../x", "a/../b", `a\b`, "a//b", "./a", "a/", bundle.ManifestName, bundle.SignatureName, bundle.KeyName, "a:b", "a\nb"} {
		if _, err := w.Add(name, strings.NewReader("x"), false); err == nil {
			t.Errorf("Add(%q) accepted", name)
		}
	}
	if _, err := w.Add("evidence/0001-画像.png", strings.NewReader("x"), false); err != nil {
		t.Error(err)
	}
	if _, err := w.Add("evidence/0001-画像.png", strings.NewReader("x"), false); err == nil {
		t.Error("the same name twice accepted")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), bundle.KeyFile)
	k1, created, err := bundle.LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v", fi.Mode(), err)
	}
	k2, created, err := bundle.LoadOrCreateKey(path)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("load: %v %v", created, err)
	}
	pub, err := bundle.ParsePublicKey(bundle.PublicKeyPEM(k1.Public().(ed25519.PublicKey)))
	if err != nil || !pub.Equal(k1.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, _, err := bundle.LoadOrCreateKey(path); err == nil {
		t.Error("a broken key file accepted")
	}
}

// FuzzVerifyBundle: no input makes Verify panic, and none verifies against
// a key whose private half the fuzzer never had (the seeds are signed with
// another). With the key inside the input, it must not panic either.
func FuzzVerifyBundle(f *testing.F) {
	signer, trusted := testKey(1), testKey(9)
	good := makeBundle(f, signer)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Add(rewrite(f, good, func(name string, b []byte) []byte {
		if name == bundle.ManifestName {
			return []byte(`{"format":"koban-case-bundle/1","files":[{"path":"../x","sha256":"` + strings.Repeat("0", 64) + `","size":-1}]}`)
		}
		return b
	}, map[string]string{"a/../../b": "x"}))
	pub := trusted.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, b []byte) {
		if r := bundle.Verify(bytes.NewReader(b), int64(len(b)), pub); r.OK() {
			t.Fatalf("verified against a key that signed nothing: %+v", r)
		}
		bundle.Verify(bytes.NewReader(b), int64(len(b)), nil)
	})
}
