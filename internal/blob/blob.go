// Package blob keeps evidence files on disk, addressed by their SHA-256.
// Content is first written to a temporary file (Stage), and only put under
// its name (Commit) once the submission carrying it has been accepted; the
// file is synced before Commit returns, so it is on disk before the report
// that names it is committed. The same content is stored once, and a stored
// file is checked against its name whenever it is read or stored again.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/koban-project/koban/internal/datadir"
)

// Store is a folder of content-addressed files.
type Store struct {
	dir  string
	seal Sealer // nil: files are stored plain
}

// StaleAfter is the age at which a temporary file can only be the remains of
// an upload that a crash interrupted: a live upload writes to its temporary
// file until its request ends, which takes minutes at most.
const StaleAfter = time.Hour

// Open uses dir (created if missing) as the file store. Temporary files left
// by uploads that a crash interrupted are removed, and so are held files
// whose form has not come back for StaleAfter; younger ones may belong to
// another koban process sharing the folder, and are left to the sweep.
func Open(dir string) (*Store, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	s := &Store{dir: dir}
	if _, err := s.SweepTemp(time.Now().Add(-StaleAfter)); err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	if _, err := s.SweepHeld(time.Now().Add(-StaleAfter)); err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	return s, nil
}

// ErrTooLarge is returned when content exceeds the given limit.
var ErrTooLarge = errors.New("blob: content exceeds limit")

// ErrDamaged is returned when a stored file's content no longer matches the
// SHA-256 it is stored under.
var ErrDamaged = errors.New("blob: stored content does not match its SHA-256")

var validSum = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (s *Store) path(sum string) string { return filepath.Join(s.dir, sum[:2], sum[2:4], sum) }

// ErrMismatch is returned by PutAs when the content is not what its
// expected SHA-256 says.
var ErrMismatch = errors.New("blob: content does not match its SHA-256")

// Staged is content written to the store's temporary folder and hashed, not
// yet stored under its name. Commit stores it; Close removes what is left.
type Staged struct {
	s    *Store
	f    *os.File // the temporary file, open until Close
	Sum  string   // SHA-256, hex
	Size int64
	// committed: Commit has run. kept: the content was stored already, so the
	// temporary copy is held until Close, in case a sweep removed the stored
	// file between Commit and the report that names it being written.
	committed, kept, closed bool
}

// Stage writes at most limit bytes from r to a temporary file and hashes
// them. Content over the limit is ErrTooLarge, and a read error is returned
// as it is (wrapped); either way nothing is left behind.
func (s *Store) Stage(r io.Reader, limit int64) (*Staged, error) {
	h := sha256.New()
	return s.StageHashed(io.TeeReader(r, h), limit, func() string { return hex.EncodeToString(h.Sum(nil)) })
}

// StageHashed is Stage for a caller that hashes the content itself on the
// way (a malware sample, whose one pass gives its SHA-256 among six other
// hashes): sum is asked for the SHA-256 once r has been read to its end,
// and names the file. Commit stores it under that name.
func (s *Store) StageHashed(r io.Reader, limit int64, sum func() string) (st *Staged, err error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
	if err != nil {
		return nil, fmt.Errorf("blob stage: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// One byte past the limit tells "too large" from "exactly the limit".
	size, err := io.Copy(f, io.LimitReader(r, min(limit, math.MaxInt64-1)+1))
	if err != nil {
		return nil, fmt.Errorf("blob stage: %w", err)
	}
	if size > limit {
		return nil, ErrTooLarge
	}
	got := sum()
	if !validSum.MatchString(got) {
		return nil, fmt.Errorf("blob stage: malformed sum %q", got)
	}
	return &Staged{s: s, f: f, Sum: got, Size: size}, nil
}

// Head returns the first n bytes of the staged content (fewer when it is
// shorter). Call it before Commit.
func (st *Staged) Head(n int) ([]byte, error) {
	b := make([]byte, min(int64(n), st.Size))
	if _, err := st.f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("blob head: %w", err)
	}
	return b, nil
}

// ReadAt reads the staged content, for a reader that needs to seek (an
// archive's directory). Call it before Close.
func (st *Staged) ReadAt(p []byte, off int64) (int, error) { return st.f.ReadAt(p, off) }

// Commit stores the staged content under its SHA-256, synced to disk. When
// a file of that name is there already it is re-hashed: an intact one is
// kept (and its time refreshed, so that a sweep of old unreferenced files
// leaves it to the report about to name it), a damaged one is replaced, and
// repaired says so.
func (st *Staged) Commit() (repaired bool, err error) {
	if st.committed || st.closed {
		return false, errors.New("blob commit: committed or closed already")
	}
	st.committed = true
	final := st.s.path(st.Sum)
	switch intact, err := st.s.hasSum(st.Sum); {
	case err == nil && intact:
		now := time.Now()
		p, _, err := st.s.locate(st.Sum)
		if err == nil {
			err = os.Chtimes(p, now, now)
		}
		if err != nil {
			return false, fmt.Errorf("blob commit: %w", err)
		}
		st.kept = true
		return false, nil
	case err == nil:
		repaired = true
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("blob commit: %w", err)
	}
	if err := st.s.place(st.f, final); err != nil {
		return false, fmt.Errorf("blob commit: %w", err)
	}
	return repaired, nil
}

// Close removes the temporary file if it is still there: content never
// committed is dropped. When Commit found the content stored already and the
// stored file has since gone, the temporary copy is put in its place.
func (st *Staged) Close() error {
	if st.closed {
		return nil
	}
	st.closed = true
	if st.kept {
		final := st.s.path(st.Sum)
		if _, _, err := st.s.locate(st.Sum); errors.Is(err, os.ErrNotExist) {
			if err := st.s.place(st.f, final); err != nil {
				return fmt.Errorf("blob restore %s: %w", st.Sum, err)
			}
			return nil
		}
	}
	st.f.Close()
	if err := os.Remove(st.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// place stores the content of the temporary file f as final: sealed into
// final+SealedSuffix when the store seals (the plain temporary file then
// removed), else f itself; synced, renamed, and the folders synced so that
// the name survives a power cut too.
func (s *Store) place(f *os.File, final string) error {
	if s.seal != nil {
		out, err := s.writeSealed(f)
		f.Close()
		os.Remove(f.Name())
		if err != nil {
			return err
		}
		if err := s.rename(out, final+SealedSuffix); err != nil {
			return err
		}
		if err := os.Remove(final); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := s.rename(f, final); err != nil {
		return err
	}
	if err := os.Remove(final + SealedSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// rename syncs and closes f and renames it to final.
func (s *Store) rename(f *os.File, final string) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := s.mkdirs(filepath.Dir(final)); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return err
	}
	return datadir.SyncDir(filepath.Dir(final))
}

// Put stores at most limit bytes from r and returns their SHA-256 (hex) and
// size. The data is synced to disk before Put returns.
func (s *Store) Put(r io.Reader, limit int64) (sum string, size int64, err error) {
	st, err := s.Stage(r, limit)
	if err != nil {
		return "", 0, err
	}
	defer st.Close()
	if _, err := st.Commit(); err != nil {
		return "", 0, err
	}
	return st.Sum, st.Size, nil
}

// PutAs stores r under want, its expected SHA-256, replacing whatever is
// stored under that name; content with another hash is refused with
// ErrMismatch and nothing is stored. Copies between stores use it.
func (s *Store) PutAs(r io.Reader, want string, limit int64) error {
	if !validSum.MatchString(want) {
		return fmt.Errorf("blob put: malformed sum %q", want)
	}
	st, err := s.Stage(r, limit)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Sum != want {
		return ErrMismatch
	}
	st.committed = true
	if err := s.place(st.f, s.path(want)); err != nil {
		return fmt.Errorf("blob put: %w", err)
	}
	return nil
}

// hasSum reports whether the file stored under sum hashes to it. A sealed
// file that does not decrypt (damaged, or sealed to a key no longer held)
// is not intact: storing the content again replaces it.
func (s *Store) hasSum(sum string) (bool, error) {
	r, f, sealed, err := s.content(sum)
	if err != nil {
		if sealed && !errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		if sealed {
			return false, nil
		}
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == sum, nil
}

// Open returns the content stored under sum, checked as it is read: see Reader.
func (s *Store) Open(sum string) (*Reader, error) {
	if !validSum.MatchString(sum) {
		return nil, fmt.Errorf("blob open: malformed sum %q", sum)
	}
	r, f, _, err := s.content(sum)
	if err != nil {
		return nil, err
	}
	return &Reader{r: r, f: f, h: sha256.New(), want: sum}, nil
}

// Path is where a stored file lies, for a tool that reads files by name
// (YARA, run as a separate process). Nothing checks the content on that
// path: whoever reads it compares its SHA-256 when that matters.
func (s *Store) Path(sum string) (string, error) {
	if !validSum.MatchString(sum) {
		return "", fmt.Errorf("blob path: malformed sum %q", sum)
	}
	if _, sealed, err := s.locate(sum); err == nil && sealed {
		return "", fmt.Errorf("blob path %s: %w", sum, ErrSealed)
	}
	return s.path(sum), nil
}

// Reader reads a stored file and hashes it on the way. It holds back the
// last byte it has read until it has reached the end of the file and found
// the content to match its SHA-256; damaged content ends in ErrDamaged
// instead. Whoever copies a Reader out (an HTTP download of a known length)
// therefore never delivers a complete copy of damaged evidence.
type Reader struct {
	r       io.Reader // the plain content
	f       *os.File
	h       hash.Hash
	want    string
	buf     [32 << 10]byte
	lo, hi  int  // buf[lo:hi] is read from the file, not yet handed out
	eof     bool // the file is read to its end and the sum compared
	damaged bool
}

func (r *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	// Fill until more than one byte waits, or the file ends.
	for !r.eof && r.hi-r.lo < 2 {
		if r.lo > 0 {
			r.hi = copy(r.buf[:], r.buf[r.lo:r.hi])
			r.lo = 0
		}
		n, err := r.r.Read(r.buf[r.hi:])
		r.h.Write(r.buf[r.hi : r.hi+n])
		r.hi += n
		if errors.Is(err, io.EOF) {
			r.eof = true
			r.damaged = hex.EncodeToString(r.h.Sum(nil)) != r.want
		} else if err != nil {
			return 0, err
		}
	}
	if r.damaged {
		return 0, fmt.Errorf("%w: %s", ErrDamaged, r.want)
	}
	avail := r.buf[r.lo:r.hi]
	if !r.eof {
		avail = avail[:len(avail)-1] // the held-back byte
	}
	n := copy(p, avail)
	r.lo += n
	if r.eof && r.lo == r.hi {
		return n, io.EOF
	}
	return n, nil
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }

// Has reports whether content with sum is stored.
func (s *Store) Has(sum string) bool {
	if !validSum.MatchString(sum) {
		return false
	}
	_, _, err := s.locate(sum)
	return err == nil
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
		if err := datadir.SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}
