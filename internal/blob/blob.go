// Package blob keeps evidence files on disk, addressed by their SHA-256.
// A file is written to a temporary name, synced, and renamed into place, so
// a file that Put returned for is on disk before the report that names it is
// committed; the same content is stored once.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
)

// Store is a folder of content-addressed files.
type Store struct{ dir string }

// Open uses dir (created if missing) as the file store. Temporary files
// left by uploads that a crash interrupted are removed: nothing refers to them.
func Open(dir string) (*Store, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	for _, e := range left {
		os.Remove(filepath.Join(tmp, e.Name()))
	}
	return &Store{dir: dir}, nil
}

// ErrTooLarge is returned when content exceeds the given limit.
var ErrTooLarge = errors.New("blob: content exceeds limit")

var validSum = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (s *Store) path(sum string) string { return filepath.Join(s.dir, sum[:2], sum[2:4], sum) }

// ErrMismatch is returned by PutAs when the content is not what its
// expected SHA-256 says.
var ErrMismatch = errors.New("blob: content does not match its SHA-256")

// Put stores at most limit bytes from r and returns their SHA-256 (hex) and
// size. The data is synced to disk before Put returns.
func (s *Store) Put(r io.Reader, limit int64) (sum string, size int64, err error) {
	return s.put(r, limit, "")
}

// PutAs stores r under want, its expected SHA-256, replacing whatever is
// stored under that name; content with another hash is refused with
// ErrMismatch and nothing is stored. Copies between stores use it.
func (s *Store) PutAs(r io.Reader, want string, limit int64) error {
	if !validSum.MatchString(want) {
		return fmt.Errorf("blob put: malformed sum %q", want)
	}
	_, _, err := s.put(r, limit, want)
	return err
}

func (s *Store) put(r io.Reader, limit int64, want string) (sum string, size int64, err error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("blob put: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	// One byte past the limit tells "too large" from "exactly the limit".
	size, err = io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, min(limit, math.MaxInt64-1)+1))
	if err != nil {
		return "", 0, fmt.Errorf("blob put: %w", err)
	}
	if size > limit {
		return "", 0, ErrTooLarge
	}
	if err = tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("blob put: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("blob put: %w", err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return "", 0, ErrMismatch
	}
	final := s.path(sum)
	if _, statErr := os.Stat(final); statErr == nil && want == "" {
		os.Remove(tmp.Name())
		return sum, size, nil
	}
	if err = s.mkdirs(filepath.Dir(final)); err != nil {
		return "", 0, fmt.Errorf("blob put: %w", err)
	}
	if err = os.Rename(tmp.Name(), final); err != nil {
		return "", 0, fmt.Errorf("blob put: %w", err)
	}
	if err = syncDir(filepath.Dir(final)); err != nil {
		return "", 0, fmt.Errorf("blob put: %w", err)
	}
	return sum, size, nil
}

// Open returns the content stored under sum.
func (s *Store) Open(sum string) (*os.File, error) {
	if !validSum.MatchString(sum) {
		return nil, fmt.Errorf("blob open: malformed sum %q", sum)
	}
	return os.Open(s.path(sum))
}

// Has reports whether content with sum is stored.
func (s *Store) Has(sum string) bool {
	if !validSum.MatchString(sum) {
		return false
	}
	_, err := os.Stat(s.path(sum))
	return err == nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// mkdirs creates the two levels of fan-out folders below the store and syncs
// each parent after creating a child, so that a new folder survives a power
// cut along with the file inside it.
func (s *Store) mkdirs(dir string) error {
	mid := filepath.Dir(dir)
	for _, d := range []string{mid, dir} {
		err := os.Mkdir(d, 0o700)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}
