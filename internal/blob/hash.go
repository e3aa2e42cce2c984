package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrMissing is returned by Hash when nothing is stored under the sum.
var ErrMissing = errors.New("blob: no file stored under this SHA-256")

// Hash reads the whole file stored under sum and returns the SHA-256 its
// content has now (which differs from sum when the file is damaged) and its
// size. A file that is not there is ErrMissing.
func (s *Store) Hash(sum string) (string, int64, error) {
	if !validSum.MatchString(sum) {
		return "", 0, fmt.Errorf("blob hash: malformed sum %q", sum)
	}
	r, f, _, err := s.content(sum)
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, ErrMissing
	}
	if err != nil {
		return "", 0, fmt.Errorf("blob hash: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, fmt.Errorf("blob hash %s: %w", sum, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// CreateTemp creates a file in the store's temporary folder, on the same
// disk as the evidence (a court bundle is written there before it is sent);
// files left there by a crash are removed by the sweep of temporary files.
func (s *Store) CreateTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), pattern)
	if err != nil {
		return nil, fmt.Errorf("blob temporary file: %w", err)
	}
	return f, nil
}
