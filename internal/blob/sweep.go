package blob

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Walk calls fn with the SHA-256 and modification time of every stored file,
// in ascending order of SHA-256 (the fan-out folders are named by its first
// characters, and folders are read sorted). Temporary files are not visited.
func (s *Store) Walk(fn func(sum string, modTime time.Time) error) error {
	tops, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("blob walk: %w", err)
	}
	for _, top := range tops {
		if !top.IsDir() || !isHexPair(top.Name()) {
			continue
		}
		mids, err := os.ReadDir(filepath.Join(s.dir, top.Name()))
		if err != nil {
			return fmt.Errorf("blob walk: %w", err)
		}
		for _, mid := range mids {
			if !mid.IsDir() || !isHexPair(mid.Name()) {
				continue
			}
			files, err := os.ReadDir(filepath.Join(s.dir, top.Name(), mid.Name()))
			if err != nil {
				return fmt.Errorf("blob walk: %w", err)
			}
			for _, f := range files {
				sum := strings.TrimSuffix(f.Name(), SealedSuffix)
				if !f.Type().IsRegular() || !validSum.MatchString(sum) || sum[:2] != top.Name() || sum[2:4] != mid.Name() {
					continue
				}
				info, err := f.Info()
				if errors.Is(err, os.ErrNotExist) {
					continue // removed meanwhile
				}
				if err != nil {
					return fmt.Errorf("blob walk: %w", err)
				}
				if err := fn(sum, info.ModTime()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isHexPair(name string) bool {
	return len(name) == 2 && isHex(name[0]) && isHex(name[1])
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// RemoveIfOlder removes the file stored under sum if it was last written
// before cutoff, and reports whether it did. The time is read again here,
// right before the removal: Commit refreshes it when a new report is about to
// name the file.
func (s *Store) RemoveIfOlder(sum string, cutoff time.Time) (bool, error) {
	if !validSum.MatchString(sum) {
		return false, fmt.Errorf("blob remove: malformed sum %q", sum)
	}
	p, _, err := s.locate(sum)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob remove: %w", err)
	}
	info, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob remove: %w", err)
	}
	if !info.ModTime().Before(cutoff) {
		return false, nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("blob remove: %w", err)
	}
	return true, nil
}

// SweepTemp removes temporary files last written before cutoff (uploads a
// crash interrupted) and returns how many it removed.
func (s *Store) SweepTemp(cutoff time.Time) (int, error) {
	tmp := filepath.Join(s.dir, "tmp")
	left, err := os.ReadDir(tmp)
	if err != nil {
		return 0, fmt.Errorf("blob sweep: %w", err)
	}
	n := 0
	for _, e := range left {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(tmp, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}
