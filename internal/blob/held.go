package blob

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Held files are staged content kept for a form that came back with
// problems, so that the person does not have to choose their files again:
// they sit in the held folder under a random token (held/<token>/<n>, with
// its label in <n>.label) until the form is sent again or they expire. They
// are never evidence: a report's files are stored under their SHA-256 from
// a fresh copy (see Staged.Commit), so removing a held file never removes a
// file a report names. SweepHeld removes held files whose token was last
// used before a cutoff.

// HeldFile is one held file: its place under the token, its label (the file
// name the person gave) and its size.
type HeldFile struct {
	Index int
	Label string
	Size  int64
}

var validHoldToken = regexp.MustCompile(`^[0-9a-f]{32}$`)

// NewHoldToken returns a fresh random token for held files.
func NewHoldToken() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// ValidHoldToken reports whether t has the form of a hold token (and is
// safe as a folder name).
func ValidHoldToken(t string) bool { return validHoldToken.MatchString(t) }

// ErrNotHeld is returned for a token or file that is not (or no longer) held.
var ErrNotHeld = errors.New("blob: not held")

func (s *Store) heldDir(token string) string { return filepath.Join(s.dir, "held", token) }

// Hold moves the staged content, not committed, under token as its next
// file, with label. The Staged is closed by it: Close and Commit no longer
// apply. Holding marks the token as used now.
func (st *Staged) Hold(token, label string) error {
	if !ValidHoldToken(token) {
		return fmt.Errorf("blob hold: malformed token")
	}
	if st.committed || st.closed {
		return errors.New("blob hold: committed or closed already")
	}
	dir := st.s.heldDir(token)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("blob hold: %w", err)
	}
	held, err := st.s.list(dir)
	if err != nil {
		return fmt.Errorf("blob hold: %w", err)
	}
	n := 1
	if len(held) > 0 {
		n = held[len(held)-1].Index + 1
	}
	// The label is created first, exclusively: it claims the number, should
	// two requests hold files under one token at once.
	var name string
	for ; ; n++ {
		name = filepath.Join(dir, strconv.Itoa(n))
		f, err := os.OpenFile(name+".label", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("blob hold: %w", err)
		}
		_, err = f.WriteString(label)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("blob hold: %w", err)
		}
		break
	}
	if err := st.f.Close(); err != nil {
		return fmt.Errorf("blob hold: %w", err)
	}
	st.closed = true
	if err := os.Rename(st.f.Name(), name); err != nil {
		os.Remove(st.f.Name())
		os.Remove(name + ".label")
		return fmt.Errorf("blob hold: %w", err)
	}
	return touch(dir)
}

// Held lists the files held under token, in the order they were held, and
// marks the token as used now. A token whose last use is older than maxAge
// has expired: its files are removed and none are listed. A malformed or
// unknown token holds nothing.
func (s *Store) Held(token string, maxAge time.Duration) ([]HeldFile, error) {
	if !ValidHoldToken(token) {
		return nil, nil
	}
	dir := s.heldDir(token)
	info, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("blob held: %w", err)
	}
	if time.Since(info.ModTime()) > maxAge {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("blob held: %w", err)
		}
		return nil, nil
	}
	held, err := s.list(dir)
	if err != nil {
		return nil, fmt.Errorf("blob held: %w", err)
	}
	return held, touch(dir)
}

// list reads a token's folder: the content files, numbered, with their labels.
func (s *Store) list(dir string) ([]HeldFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []HeldFile
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n <= 0 || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		label, _ := os.ReadFile(filepath.Join(dir, e.Name()+".label"))
		out = append(out, HeldFile{Index: n, Label: string(label), Size: info.Size()})
	}
	slices.SortFunc(out, func(a, b HeldFile) int { return a.Index - b.Index })
	return out, nil
}

// OpenHeld opens a held file for reading; ErrNotHeld when it is not there.
func (s *Store) OpenHeld(token string, index int) (*os.File, error) {
	if !ValidHoldToken(token) || index <= 0 {
		return nil, ErrNotHeld
	}
	f, err := os.Open(filepath.Join(s.heldDir(token), strconv.Itoa(index)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotHeld
	}
	if err != nil {
		return nil, fmt.Errorf("blob open held: %w", err)
	}
	return f, nil
}

// DropHeld removes one held file; ErrNotHeld when it is not there.
func (s *Store) DropHeld(token string, index int) error {
	if !ValidHoldToken(token) || index <= 0 {
		return ErrNotHeld
	}
	name := filepath.Join(s.heldDir(token), strconv.Itoa(index))
	err := os.Remove(name)
	if errors.Is(err, os.ErrNotExist) {
		return ErrNotHeld
	}
	if err != nil {
		return fmt.Errorf("blob drop held: %w", err)
	}
	os.Remove(name + ".label")
	return touch(s.heldDir(token))
}

// ReleaseHeld removes every file held under token (the form they were held
// for has been sent).
func (s *Store) ReleaseHeld(token string) error {
	if !ValidHoldToken(token) {
		return nil
	}
	if err := os.RemoveAll(s.heldDir(token)); err != nil {
		return fmt.Errorf("blob release held: %w", err)
	}
	return nil
}

// SweepHeld removes the files of every token last used before cutoff and
// returns how many files it removed.
func (s *Store) SweepHeld(cutoff time.Time) (int, error) {
	root := filepath.Join(s.dir, "held")
	tokens, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("blob sweep held: %w", err)
	}
	n := 0
	for _, t := range tokens {
		dir := filepath.Join(root, t.Name())
		info, err := t.Info()
		if err != nil || !t.IsDir() || !info.ModTime().Before(cutoff) {
			continue
		}
		held, _ := s.list(dir)
		if err := os.RemoveAll(dir); err != nil {
			return n, fmt.Errorf("blob sweep held: %w", err)
		}
		n += len(held)
	}
	return n, nil
}

// touch marks a token's folder as used now: its time is what expiry and
// the sweep go by.
func touch(dir string) error {
	now := time.Now()
	if err := os.Chtimes(dir, now, now); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}
