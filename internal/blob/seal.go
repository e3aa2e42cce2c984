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

// Sealer encrypts files at rest (koban's keyring). A store with a sealer
// writes every file it stores sealed, under its SHA-256 with ".age" added,
// and reads both sealed files and the plain ones stored before encryption
// was turned on; the SHA-256 a file is named by, checked on every read, is
// always that of its plain content.
type Sealer interface {
	Seal(w io.Writer) (io.WriteCloser, error)
	Unseal(r io.Reader) (io.Reader, error)
	// SealedToCurrent reads a sealed file's header and reports whether it
	// is sealed to the key new files are sealed to.
	SealedToCurrent(r io.Reader) (bool, error)
}

// SealedSuffix ends the name of a sealed file.
const SealedSuffix = ".age"

// SetSealer makes the store seal what it stores from now on. Call it once,
// before the store is used.
func (s *Store) SetSealer(x Sealer) { s.seal = x }

// ErrSealed is Path asked for a file that is sealed: a tool that reads files
// by name cannot read it.
var ErrSealed = errors.New("blob: the file is encrypted at rest")

// locate returns the path of the file stored under sum, sealed or plain,
// and whether it is sealed; os.ErrNotExist when there is neither.
func (s *Store) locate(sum string) (string, bool, error) {
	p := s.path(sum)
	if _, err := os.Stat(p + SealedSuffix); err == nil {
		return p + SealedSuffix, true, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", false, err
	}
	if _, err := os.Stat(p); err != nil {
		return "", false, err
	}
	return p, false, nil
}

// content opens the file stored under sum and gives its plain content, the
// file to close, and whether it is sealed (also when the error is about
// unsealing it).
func (s *Store) content(sum string) (io.Reader, *os.File, bool, error) {
	p, sealed, err := s.locate(sum)
	if err != nil {
		return nil, nil, false, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, sealed, err
	}
	if !sealed {
		return f, f, false, nil
	}
	if s.seal == nil {
		f.Close()
		return nil, nil, true, fmt.Errorf("blob %s: %w, and KOBAN_ENCRYPTION_KEYS is not set", sum, ErrSealed)
	}
	r, err := s.seal.Unseal(f)
	if err != nil {
		f.Close()
		return nil, nil, true, fmt.Errorf("blob %s: %w", sum, err)
	}
	return r, f, true, nil
}

// writeSealed seals the plain content of f into a new temporary file and
// returns it, synced, for place to rename.
func (s *Store) writeSealed(f *os.File) (*os.File, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	out, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "seal-*")
	if err != nil {
		return nil, err
	}
	w, err := s.seal.Seal(out)
	if err == nil {
		_, err = io.Copy(w, f)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		out.Close()
		os.Remove(out.Name())
		return nil, err
	}
	return out, nil
}

// Reseal writes the file stored under sum again, sealed to the current key,
// when it is plain or sealed to an older key, and reports whether it did.
// The content is checked against sum on the way, and the new file replaces
// the old by a rename, so readers never see half a file. Rotation
// (`koban keys rotate`) calls it for every stored file.
func (s *Store) Reseal(sum string) (bool, error) {
	if s.seal == nil {
		return false, errors.New("blob reseal: no key file")
	}
	if !validSum.MatchString(sum) {
		return false, fmt.Errorf("blob reseal: malformed sum %q", sum)
	}
	p, sealed, err := s.locate(sum)
	if err != nil {
		return false, fmt.Errorf("blob reseal: %w", err)
	}
	if sealed {
		f, err := os.Open(p)
		if err != nil {
			return false, fmt.Errorf("blob reseal: %w", err)
		}
		cur, err := s.seal.SealedToCurrent(f)
		f.Close()
		if err != nil {
			return false, fmt.Errorf("blob reseal %s: %w", sum, err)
		}
		if cur {
			return false, nil
		}
	}
	r, f, _, err := s.content(sum)
	if err != nil {
		return false, err
	}
	defer f.Close()
	plain, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "reseal-*")
	if err != nil {
		return false, err
	}
	defer func() { plain.Close(); os.Remove(plain.Name()) }()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(plain, h), r); err != nil {
		return false, fmt.Errorf("blob reseal %s: %w", sum, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		return false, fmt.Errorf("%w: %s", ErrDamaged, sum)
	}
	out, err := s.writeSealed(plain)
	if err != nil {
		return false, fmt.Errorf("blob reseal %s: %w", sum, err)
	}
	if err := s.rename(out, s.path(sum)+SealedSuffix); err != nil {
		return false, fmt.Errorf("blob reseal %s: %w", sum, err)
	}
	if !sealed {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return true, fmt.Errorf("blob reseal %s: %w", sum, err)
		}
	}
	return true, nil
}
