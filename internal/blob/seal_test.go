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
	"time"

	"github.com/koban-project/koban/internal/keyring"
)

func ring(t *testing.T, keys ...string) *keyring.Ring {
	t.Helper()
	r, err := keyring.FromKeys(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func genKey(t *testing.T) string {
	k, err := keyring.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readAll(t *testing.T, s *Store, sum string) ([]byte, error) {
	t.Helper()
	r, err := s.Open(sum)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func TestSealedStore(t *testing.T) {
	dir := t.TempDir()
	a, b := genKey(t), genKey(t)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A file stored before encryption was turned on.
	oldContent := []byte("平文で保存された古い証拠")
	oldSum, _, err := s.Put(bytes.NewReader(oldContent), 1<<20)
	if err != nil {
		t.Fatal(err)
	}

	s.SetSealer(ring(t, a))
	content := bytes.Repeat([]byte("被害者の口座 1234567 "), 10000)
	sum, size, err := s.Put(bytes.NewReader(content), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(content)
	if sum != hex.EncodeToString(want[:]) || size != int64(len(content)) {
		t.Fatalf("sum %s size %d", sum, size)
	}
	onDisk, err := os.ReadFile(s.path(sum) + SealedSuffix)
	if err != nil {
		t.Fatalf("no sealed file: %v", err)
	}
	if bytes.Contains(onDisk, []byte("被害者")) {
		t.Fatal("the sealed file holds the plaintext")
	}
	if _, err := os.Stat(s.path(sum)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a plain copy is left: %v", err)
	}
	if got, err := readAll(t, s, sum); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back: %v", err)
	}
	if h, n, err := s.Hash(sum); err != nil || h != sum || n != size {
		t.Fatalf("hash %s %d %v", h, n, err)
	}
	if !s.Has(sum) || !s.Has(oldSum) {
		t.Fatal("Has")
	}
	if _, err := s.Path(sum); !errors.Is(err, ErrSealed) {
		t.Fatalf("Path of a sealed file: %v", err)
	}
	var walked []string
	s.Walk(func(sum string, _ time.Time) error { walked = append(walked, sum); return nil })
	if len(walked) != 2 {
		t.Fatalf("walk: %v", walked)
	}
	// Storing it again finds it intact and keeps it.
	if _, _, err := s.Put(bytes.NewReader(content), 1<<30); err != nil {
		t.Fatal(err)
	}

	// The plain file still reads, and Reseal seals it.
	if got, err := readAll(t, s, oldSum); err != nil || !bytes.Equal(got, oldContent) {
		t.Fatalf("old plain file: %v", err)
	}
	if did, err := s.Reseal(oldSum); err != nil || !did {
		t.Fatalf("reseal plain: %v %v", did, err)
	}
	if _, err := os.Stat(s.path(oldSum)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the plain file is left after resealing")
	}
	if did, err := s.Reseal(sum); err != nil || did {
		t.Fatalf("reseal of a file under the current key: %v %v", did, err)
	}

	// Rotation: b first, a kept; files move to b; then a can go.
	s.SetSealer(ring(t, b, a))
	for _, x := range []string{sum, oldSum} {
		if did, err := s.Reseal(x); err != nil || !did {
			t.Fatalf("reseal to the new key: %v %v", did, err)
		}
	}
	s.SetSealer(ring(t, b))
	if got, err := readAll(t, s, sum); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("after rotation: %v", err)
	}

	// The key lost: a clear error, no content.
	s.SetSealer(ring(t, a))
	_, err = s.Open(sum)
	var nk *keyring.NoKeyError
	if !errors.As(err, &nk) {
		t.Fatalf("open without the key: %v", err)
	}
	plainStore, _ := Open(dir)
	if _, err := plainStore.Open(sum); !errors.Is(err, ErrSealed) {
		t.Fatalf("open of a sealed file by a store without keys: %v", err)
	}

	// Removal finds the sealed name.
	s.SetSealer(ring(t, b))
	if gone, err := s.RemoveIfOlder(sum, time.Now().Add(time.Hour)); err != nil || !gone || s.Has(sum) {
		t.Fatalf("remove: %v %v", gone, err)
	}
}

func TestSealedDamageIsAnError(t *testing.T) {
	s, _ := Open(t.TempDir())
	s.SetSealer(ring(t, genKey(t)))
	content := bytes.Repeat([]byte{1, 2, 3}, 100000)
	sum, _, err := s.Put(bytes.NewReader(content), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.path(sum) + SealedSuffix)
	b, _ := os.ReadFile(p)
	b[len(b)-10] ^= 0x40
	os.WriteFile(p, b, 0o600)
	got, err := readAll(t, s, sum)
	if err == nil {
		t.Fatalf("damaged sealed file read as %d bytes without error", len(got))
	}
	if ok, _ := s.hasSum(sum); ok {
		t.Fatal("damaged sealed file counted intact")
	}
	// Committing the content again repairs it.
	if _, _, err := s.Put(bytes.NewReader(content), 1<<30); err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, s, sum); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("after repair: %v", err)
	}
}
