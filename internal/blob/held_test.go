package blob

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func stage(t *testing.T, s *Store, content string) *Staged {
	t.Helper()
	st, err := s.Stage(strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Held files are listed in order with their labels and sizes, read back,
// dropped one by one and released together; nothing is left in the
// temporary folder, and nothing is stored as evidence.
func TestHoldListOpenDropRelease(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token := NewHoldToken()
	if !ValidHoldToken(token) || ValidHoldToken("../"+token[3:]) || ValidHoldToken(strings.ToUpper(token)) {
		t.Fatalf("token %q: check is wrong", token)
	}
	for _, c := range []struct{ label, content string }{{"sms.png", "first picture"}, {"メール.eml", "second"}} {
		st := stage(t, s, c.content)
		if err := st.Hold(token, c.label); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatalf("Close after Hold: %v", err)
		}
		if _, err := st.Commit(); err == nil {
			t.Fatal("Commit after Hold succeeded")
		}
	}
	held, err := s.Held(token, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 || held[0] != (HeldFile{1, "sms.png", 13}) || held[1] != (HeldFile{2, "メール.eml", 6}) {
		t.Fatalf("held %+v", held)
	}
	f, err := s.OpenHeld(token, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "second" {
		t.Fatalf("held file 2 reads %q", b)
	}
	if err := s.DropHeld(token, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.DropHeld(token, 1); err != ErrNotHeld {
		t.Fatalf("dropping twice: %v", err)
	}
	// A third file after a drop takes the next number, never a used one.
	if err := stage(t, s, "third").Hold(token, "c.txt"); err != nil {
		t.Fatal(err)
	}
	if held, _ = s.Held(token, time.Hour); len(held) != 2 || held[0].Index != 2 || held[1] != (HeldFile{3, "c.txt", 5}) {
		t.Fatalf("after a drop and a hold: %+v", held)
	}
	if _, err := s.OpenHeld(NewHoldToken(), 2); err != ErrNotHeld {
		t.Fatalf("another token opens: %v", err)
	}
	if held, err := s.Held("../../etc", time.Hour); err != nil || held != nil {
		t.Fatalf("malformed token: %v %v", held, err)
	}
	if err := s.ReleaseHeld(token); err != nil {
		t.Fatal(err)
	}
	if held, _ := s.Held(token, time.Hour); len(held) != 0 {
		t.Fatalf("released token still holds %+v", held)
	}
	tmp, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	n := 0
	s.Walk(func(string, time.Time) error { n++; return nil })
	if len(tmp) != 0 || n != 0 {
		t.Fatalf("left %d temporary and %d stored files", len(tmp), n)
	}
}

// A token unused for longer than its life is gone when asked for and when
// swept; the sweep leaves younger tokens and every stored file, even one
// with the same content as a held file.
func TestHeldExpiresAndSweep(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	old, young, asked := NewHoldToken(), NewHoldToken(), NewHoldToken()
	for _, tok := range []string{old, young, asked} {
		if err := stage(t, s, "the same picture").Hold(tok, "p.png"); err != nil {
			t.Fatal(err)
		}
	}
	st := stage(t, s, "the same picture")
	if _, err := st.Commit(); err != nil {
		t.Fatal(err)
	}
	st.Close()
	stored := st.Sum
	past := time.Now().Add(-2 * time.Hour)
	for _, tok := range []string{old, asked} {
		if err := os.Chtimes(s.heldDir(tok), past, past); err != nil {
			t.Fatal(err)
		}
	}
	// Stored files as old as the held ones: the held sweep is not theirs.
	os.Chtimes(s.path(stored), past, past)

	if held, err := s.Held(asked, time.Hour); err != nil || held != nil {
		t.Fatalf("expired token lists %+v, %v", held, err)
	}
	if _, err := os.Stat(s.heldDir(asked)); !os.IsNotExist(err) {
		t.Fatalf("expired token's folder is still there: %v", err)
	}
	n, err := s.SweepHeld(time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("sweep removed %d, %v; want 1", n, err)
	}
	if held, _ := s.Held(young, time.Hour); len(held) != 1 {
		t.Fatalf("young token lost its file: %+v", held)
	}
	if !s.Has(stored) {
		t.Fatal("the held sweep removed a stored file")
	}
	// Reopening the store sweeps too.
	os.Chtimes(s.heldDir(young), past, past)
	if _, err := Open(s.dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.heldDir(young)); !os.IsNotExist(err) {
		t.Fatalf("Open left an expired token: %v", err)
	}
	if !s.Has(stored) {
		t.Fatal("Open removed a stored file")
	}
}
