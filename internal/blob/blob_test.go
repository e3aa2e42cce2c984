package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPutOpen(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("スクリーンショットの代わり")
	want := sha256.Sum256(data)
	sum, size, err := s.Put(bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if sum != hex.EncodeToString(want[:]) || size != int64(len(data)) {
		t.Fatalf("sum %s size %d", sum, size)
	}
	if !s.Has(sum) {
		t.Fatal("Has = false after Put")
	}
	f, err := s.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := io.ReadAll(f)
	if !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	// Same content again: same sum, still one file.
	if sum2, _, err := s.Put(bytes.NewReader(data), 1<<20); err != nil || sum2 != sum {
		t.Fatalf("second put: %s %v", sum2, err)
	}
	tmp, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("%d temporary files left behind", len(tmp))
	}
}

func TestLimit(t *testing.T) {
	s, _ := Open(t.TempDir())
	if _, _, err := s.Put(bytes.NewReader(make([]byte, 11)), 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if _, _, err := s.Put(bytes.NewReader(make([]byte, 10)), 10); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	tmp, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("%d temporary files left behind", len(tmp))
	}
}

func TestOpenRejectsPaths(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, bad := range []string{"../../etc/passwd", "", "ABCDEF", "zz" + string(make([]byte, 62))} {
		if _, err := s.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

// Open removes temporary files old enough to be the remains of a crash, and
// leaves younger ones: another koban sharing the folder may be writing them.
func TestOpenRemovesInterruptedUploads(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	stale, live := filepath.Join(dir, "tmp", "put-123"), filepath.Join(dir, "tmp", "put-456")
	os.WriteFile(stale, []byte("half an upload"), 0o600)
	os.WriteFile(live, []byte("an upload under way"), 0o600)
	old := time.Now().Add(-StaleAfter - time.Minute)
	os.Chtimes(stale, old, old)
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Error("interrupted upload left behind")
	}
	if _, err := os.Stat(live); err != nil {
		t.Error("a live upload was removed")
	}
}

func TestPutAs(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := []byte("evidence copied from another store")
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	if err := s.PutAs(bytes.NewReader([]byte("something else")), want, 1<<20); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong content: %v, want ErrMismatch", err)
	}
	if s.Has(want) {
		t.Fatal("mismatched content stored")
	}
	// A damaged file under the right name is replaced.
	os.MkdirAll(filepath.Dir(s.path(want)), 0o700)
	os.WriteFile(s.path(want), []byte("damaged"), 0o600)
	if err := s.PutAs(bytes.NewReader(data), want, 1<<20); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(s.path(want)); !bytes.Equal(got, data) {
		t.Fatal("damaged file not replaced")
	}
	if left, _ := os.ReadDir(filepath.Join(s.dir, "tmp")); len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}

// damage flips one byte in the middle of the stored file, as a bad disk or
// a careless hand would.
func damage(t *testing.T, s *Store, sum string) {
	t.Helper()
	b, err := os.ReadFile(s.path(sum))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	if err := os.WriteFile(s.path(sum), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A damaged file is an error when read, and the error comes before the last
// byte, so that whoever streams it on (an HTTP download) never hands out a
// complete copy of damaged evidence.
func TestOpenDetectsDamage(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := bytes.Repeat([]byte("証拠のスクリーンショット "), 10000) // several read buffers long
	sum, _, err := s.Put(bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(f); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("intact file: %d bytes, %v", len(got), err)
	}
	f.Close()

	damage(t, s, sum)
	f, err = s.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("damaged file read with err = %v, want ErrDamaged", err)
	}
	if len(got) >= len(data) {
		t.Fatalf("all %d bytes handed out before the damage was reported", len(got))
	}
}

// Put of content already stored checks the stored copy: a damaged one is
// replaced by the intact content just received.
func TestPutRepairsDamagedCopy(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := []byte("the same screenshot, sent again by another victim")
	sum, _, err := s.Put(bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	damage(t, s, sum)
	if sum2, _, err := s.Put(bytes.NewReader(data), 1<<20); err != nil || sum2 != sum {
		t.Fatalf("second put: %s %v", sum2, err)
	}
	if got, _ := os.ReadFile(s.path(sum)); !bytes.Equal(got, data) {
		t.Fatal("damaged copy kept: Put trusted a file because of its name")
	}
}

// Staged content is not stored until committed; closing it uncommitted
// leaves nothing behind.
func TestStageCommitClose(t *testing.T) {
	s, _ := Open(t.TempDir())
	st, err := s.Stage(strings.NewReader("rejected with its submission"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if s.Has(st.Sum) {
		t.Fatal("staged content visible before Commit")
	}
	st.Close()
	if s.Has(st.Sum) || tempCount(t, s) != 0 {
		t.Fatal("uncommitted content left on disk")
	}

	st, _ = s.Stage(strings.NewReader("accepted"), 1<<20)
	if _, err := st.Commit(); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if !s.Has(st.Sum) || tempCount(t, s) != 0 {
		t.Fatal("committed content not stored, or its temporary file left")
	}

	// The same content again while a sweep removes the stored copy between
	// Commit and Close: Close puts the content back.
	again, _ := s.Stage(strings.NewReader("accepted"), 1<<20)
	if _, err := again.Commit(); err != nil {
		t.Fatal(err)
	}
	os.Remove(s.path(again.Sum))
	again.Close()
	if !s.Has(again.Sum) || tempCount(t, s) != 0 {
		t.Fatal("content removed between Commit and Close not restored")
	}
}

func tempCount(t *testing.T, s *Store) int {
	t.Helper()
	left, err := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return len(left)
}

func TestWalkInOrderAndRemoveIfOlder(t *testing.T) {
	s, _ := Open(t.TempDir())
	var sums []string
	for i := range 40 {
		sum, _, err := s.Put(strings.NewReader(strings.Repeat("x", i)), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	os.WriteFile(filepath.Join(s.dir, "stray.txt"), []byte("not a blob"), 0o600)
	var walked []string
	if err := s.Walk(func(sum string, _ time.Time) error { walked = append(walked, sum); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(sums)
	if !slices.Equal(walked, sums) {
		t.Fatalf("walked %d files out of order or not all of them (want %d)", len(walked), len(sums))
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(s.path(sums[0]), old, old)
	cutoff := time.Now().Add(-time.Hour)
	if ok, err := s.RemoveIfOlder(sums[0], cutoff); !ok || err != nil {
		t.Fatalf("old file: removed %v, %v", ok, err)
	}
	if ok, err := s.RemoveIfOlder(sums[1], cutoff); ok || err != nil || !s.Has(sums[1]) {
		t.Fatalf("young file: removed %v, %v", ok, err)
	}
}

// StageHashed names the file by the caller's sum, and refuses a sum that
// is no SHA-256 rather than store a file under it.
func TestStageHashed(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.StageHashed(strings.NewReader("sample"), 100, func() string { return strings.Repeat("ab", 32) })
	if err != nil || st.Sum != strings.Repeat("ab", 32) || st.Size != 6 {
		t.Fatalf("staged %+v %v", st, err)
	}
	st.Close()
	if _, err := s.StageHashed(strings.NewReader("sample"), 100, func() string { return "../x" }); err == nil {
		t.Error("a malformed sum was taken")
	}
	if _, err := s.StageHashed(strings.NewReader("sample"), 3, func() string { t.Error("asked for a sum past the limit"); return "" }); err != ErrTooLarge {
		t.Errorf("over the limit: %v", err)
	}
}
