package keyring

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newKeyText(t testing.TB) string {
	t.Helper()
	s, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeKeys(t *testing.T, path string, keys ...string) {
	t.Helper()
	text := "# koban keys\n\n" + strings.Join(keys, "\n") + "\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	// Reload notices a change by time and size; make the time differ.
	later := time.Now().Add(time.Duration(len(keys)) * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
}

func seal(t *testing.T, r *Ring, plain []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := r.Seal(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFilesRoundTripAndRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.txt")
	oldKey, newKeyT := newKeyText(t), newKeyText(t)
	writeKeys(t, path, oldKey)
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	oldID := r.Current()
	plain := bytes.Repeat([]byte("証拠ファイル "), 40000) // several age chunks
	sealed := seal(t, r, plain)
	if bytes.Contains(sealed, []byte("証拠")) {
		t.Fatal("the sealed file holds the plaintext")
	}

	// A new key put first: new data goes to it, old data still opens.
	writeKeys(t, path, newKeyT, oldKey)
	if changed, err := r.Reload(); err != nil || !changed {
		t.Fatalf("reload: %v %v", changed, err)
	}
	if r.Current() == oldID || len(r.IDs()) != 2 || r.IDs()[1] != oldID {
		t.Fatalf("ids after rotation: %v (old %s)", r.IDs(), oldID)
	}
	got, err := r.Unseal(bytes.NewReader(sealed))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(got); err != nil || !bytes.Equal(b, plain) {
		t.Fatalf("old file after rotation: %v, %d bytes", err, len(b))
	}
	if cur, err := r.SealedToCurrent(bytes.NewReader(sealed)); err != nil || cur {
		t.Fatalf("old file sealed to the current key? %v %v", cur, err)
	}
	if cur, err := r.SealedToCurrent(bytes.NewReader(seal(t, r, plain))); err != nil || !cur {
		t.Fatalf("new file not sealed to the current key? %v %v", cur, err)
	}

	// The old key taken out: the old file is a clear error, not garbage.
	writeKeys(t, path, newKeyT)
	if _, err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	_, err = r.Unseal(bytes.NewReader(sealed))
	var nk *NoKeyError
	if !errors.As(err, &nk) || !strings.Contains(err.Error(), "KOBAN_ENCRYPTION_KEYS") {
		t.Fatalf("old file without its key: %v", err)
	}
}

func TestDamagedFileFails(t *testing.T) {
	r, err := New(mustIdentity(t))
	if err != nil {
		t.Fatal(err)
	}
	sealed := seal(t, r, bytes.Repeat([]byte{7}, 200000))
	sealed[len(sealed)-100] ^= 1
	rd, err := r.Unseal(bytes.NewReader(sealed))
	if err != nil {
		t.Fatal(err) // the header is intact
	}
	if _, err := io.ReadAll(rd); err == nil {
		t.Fatal("a flipped bit in the payload read without error")
	}
}

func mustIdentity(t testing.TB) Identity {
	id, err := ParseIdentity(newKeyText(t))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestFields(t *testing.T) {
	a, b := mustIdentity(t), mustIdentity(t)
	r, _ := New(a)
	s, err := r.SealField("contact_email", "taro@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "taro") || FieldKeyID(s) != r.Current() {
		t.Fatalf("sealed field %q", s)
	}
	if v, err := r.OpenField("contact_email", s); err != nil || v != "taro@example.jp" {
		t.Fatalf("open: %q %v", v, err)
	}
	if s2, _ := r.SealField("contact_email", "taro@example.jp"); s2 == s {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
	if _, err := r.OpenField("contact_phone", s); err == nil {
		t.Fatal("a field moved to another column opened")
	}
	tampered := s[:len(s)-2] + "AA"
	if _, err := r.OpenField("contact_email", tampered); err == nil {
		t.Fatal("an altered field opened")
	}
	other, _ := New(b)
	_, err = other.OpenField("contact_email", s)
	var nk *NoKeyError
	if !errors.As(err, &nk) || nk.ID != r.Current() {
		t.Fatalf("a field under a missing key: %v", err)
	}
	var none *Ring
	if _, err := none.OpenField("contact_email", s); !errors.Is(err, ErrSealedField) {
		t.Fatalf("a sealed field without a ring: %v", err)
	}
	if v, err := r.SealField("contact_name", ""); err != nil || v != "" {
		t.Fatalf("empty field: %q %v", v, err)
	}
}

func TestPlainFieldsKeepEveryValue(t *testing.T) {
	var none *Ring
	for _, v := range []string{"", "山田太郎", "enc:v1:abc:def", "esc:x", "enc:", "escape"} {
		stored := PlainField(v)
		if got, err := none.OpenField("contact_name", stored); err != nil || got != v {
			t.Errorf("%q stored as %q reads back %q, %v", v, stored, got, err)
		}
		if FieldKeyID(stored) != "" {
			t.Errorf("%q stored as %q looks sealed", v, stored)
		}
	}
}

func TestLoadRefusals(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open.txt")
	os.WriteFile(open, []byte(newKeyText(t)+"\n"), 0o644)
	if _, err := Load(open); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key file others can read: %v", err)
	}
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("# nothing\n"), 0o600)
	if _, err := Load(empty); !errors.Is(err, ErrNoKeys) {
		t.Errorf("a key file without keys: %v", err)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte(newKeyText(t)+"\nAGE-SECRET-KEY-1NOTAKEY\n"), 0o600)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a broken second key: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.txt")); err == nil {
		t.Error("a missing key file loaded")
	}

	// A file broken after a good load keeps the keys that were loaded.
	good := filepath.Join(dir, "good.txt")
	writeKeys(t, good, newKeyText(t))
	r, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	id := r.Current()
	writeKeys(t, good, "garbage", "more")
	if _, err := r.Reload(); err == nil || r.Current() != id {
		t.Fatalf("a broken reload: %v, current %s (was %s)", err, r.Current(), id)
	}
}

func TestX25519KeysToo(t *testing.T) {
	// age's pre-quantum keys are read as well, for key files made by age-keygen.
	id, err := ParseIdentity("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := New(id)
	sealed := seal(t, r, []byte("x"))
	rd, err := r.Unseal(bytes.NewReader(sealed))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(rd); string(b) != "x" {
		t.Fatalf("got %q", b)
	}
}

func FuzzOpenField(f *testing.F) {
	r, _ := New(mustIdentity(f))
	s, _ := r.SealField("contact_email", "a@example.jp")
	for _, seed := range []string{s, "enc:v1:", "enc:v1:00:", "esc:enc:v1:x", "plain", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r.OpenField("contact_email", s) // any stored text: an error or a value, never a panic
		if v, err := r.OpenField("contact_email", PlainField(s)); err != nil || v != s {
			t.Fatalf("plain %q read back as %q, %v", s, v, err)
		}
		sealed, err := r.SealField("contact_email", s)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := r.OpenField("contact_email", sealed); err != nil || v != s {
			t.Fatalf("sealed %q read back as %q, %v", s, v, err)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(newKeyText(f) + "\n"))
	f.Add([]byte("# c\n\nAGE-SECRET-KEY-1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ids, err := Parse(b)
		if err == nil && len(ids) == 0 {
			t.Fatal("no error and no keys")
		}
	})
}
