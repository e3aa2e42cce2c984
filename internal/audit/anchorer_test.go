package audit

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/koban"
)

// logRecords is a slog handler that hands every record to the test, so the
// test can wait for what the anchorer did instead of sleeping.
type logRecords chan slog.Record

func (c logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (c logRecords) Handle(_ context.Context, r slog.Record) error {
	c <- r
	return nil
}
func (c logRecords) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c logRecords) WithGroup(string) slog.Handler      { return c }

// next waits for the anchorer's next record; the timeout only stops a hung
// test, it measures nothing.
func (c logRecords) next(t *testing.T) slog.Record {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the anchorer logged nothing")
		return slog.Record{}
	}
}

func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// fakeHead is a chain head the test moves.
type fakeHead struct {
	mu   sync.Mutex
	rows []Row
	err  error
}

func (h *fakeHead) head(context.Context) (int64, string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil || len(h.rows) == 0 {
		return 0, "", h.err
	}
	r := h.rows[len(h.rows)-1]
	return r.ID, r.Hash, nil
}

func (h *fakeHead) set(rows []Row, err error) {
	h.mu.Lock()
	h.rows, h.err = rows, err
	h.mu.Unlock()
}

func readAnchorFile(t *testing.T, path string) []Anchor {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	as, err := ReadAnchors(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestAnchorerPeriodic(t *testing.T) {
	rows := chain(t, 5)
	head := &fakeHead{rows: rows[:2]}
	clock := koban.NewFixedClock(anchorAt)
	logs := make(logRecords)
	pub, priv := testKey(t)
	path := filepath.Join(t.TempDir(), "audit-anchors")
	w := &Anchorer{Head: head.head, Path: path, Key: priv, Clock: clock, Log: slog.New(logs)}

	// Start-up: written at once, by the caller.
	startDone := make(chan error, 1)
	go func() { _, _, err := w.Anchor(t.Context(), "start"); startDone <- err }()
	if r := logs.next(t); r.Message != "audit anchor" || r.Level != slog.LevelInfo || attr(r, "id") != "2" || attr(r, "hash") != rows[1].Hash || attr(r, "why") != "start" || attr(r, "sig") == "" {
		t.Fatalf("start-up record %q %v", r.Message, r)
	}
	if err := <-startDone; err != nil {
		t.Fatal(err)
	}

	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan struct{})
	go func() { w.Run(ctx, ticks); close(ran) }()
	tick := func(d time.Duration) slog.Record {
		clock.Advance(d)
		ticks <- clock.Now()
		return logs.next(t)
	}

	// Nothing new: the head is not written again.
	if r := tick(10 * time.Minute); r.Message != "audit anchor unchanged" || r.Level != slog.LevelDebug {
		t.Errorf("unchanged head: %q", r.Message)
	}
	head.set(rows[:4], nil)
	if r := tick(10 * time.Minute); r.Message != "audit anchor" || attr(r, "id") != "4" || attr(r, "why") != "interval" {
		t.Errorf("moved head: %q %v", r.Message, r)
	}
	// A failure is logged and does not stop the writer.
	head.set(rows[:4], errors.New("database gone"))
	if r := tick(10 * time.Minute); r.Message != "audit anchor failed" || r.Level != slog.LevelError || !strings.Contains(attr(r, "err"), "database gone") {
		t.Errorf("failed head: %q %v", r.Message, r)
	}
	head.set(rows, nil)
	if r := tick(10 * time.Minute); r.Message != "audit anchor" || attr(r, "id") != "5" {
		t.Errorf("after the failure: %q %v", r.Message, r)
	}
	cancel()
	<-ran

	as := readAnchorFile(t, path)
	want := []struct {
		id int64
		at time.Time
	}{{2, anchorAt}, {4, anchorAt.Add(20 * time.Minute)}, {5, anchorAt.Add(40 * time.Minute)}}
	if len(as) != len(want) {
		t.Fatalf("file holds %+v, want %d anchors", as, len(want))
	}
	for i, a := range as {
		if a.ID != want[i].id || a.Hash != rows[a.ID-1].Hash || !a.At.Equal(want[i].at) {
			t.Errorf("anchor %d = %+v, want row %d at %s", i, a, want[i].id, want[i].at)
		}
	}
	if n, fail := CheckAnchors(as, pub); n != 3 || fail != nil {
		t.Errorf("CheckAnchors = %d, %+v", n, fail)
	}
	if res := verifyAnchored(rows, as...); !res.OK() || res.Anchors != 3 {
		t.Errorf("the written anchors do not verify: %+v", res)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "# koban audit anchors") || strings.Count(string(b), "#") != 1 {
		t.Errorf("the file should open with one header line:\n%s", b)
	}
}

func TestAnchorerAppends(t *testing.T) {
	rows := chain(t, 3)
	path := filepath.Join(t.TempDir(), "audit-anchors")
	if err := os.WriteFile(path, []byte("# kept by the operator\n1 "+rows[0].Hash+" 2026-01-01T00:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	head := &fakeHead{rows: rows}
	w := &Anchorer{Head: head.head, Path: path, Clock: koban.NewFixedClock(anchorAt), Log: slog.New(slog.DiscardHandler)}
	if _, wrote, err := w.Anchor(t.Context(), "stop"); err != nil || !wrote {
		t.Fatalf("Anchor = %v, %v", wrote, err)
	}
	as := readAnchorFile(t, path)
	if len(as) != 2 || as[0].ID != 1 || as[1].ID != 3 || len(as[1].Sig) != 0 {
		t.Errorf("file holds %+v, want the old anchor and an unsigned one for row 3", as)
	}
	// An empty log has no head to anchor.
	head.set(nil, nil)
	w = &Anchorer{Head: head.head, Path: filepath.Join(t.TempDir(), "a"), Clock: koban.NewFixedClock(anchorAt), Log: slog.New(slog.DiscardHandler)}
	if _, wrote, err := w.Anchor(t.Context(), "start"); err != nil || wrote {
		t.Errorf("empty log: Anchor = %v, %v", wrote, err)
	}
	// A file koban cannot write is an error that says which.
	w = &Anchorer{Head: (&fakeHead{rows: rows}).head, Path: filepath.Join(t.TempDir(), "no", "such", "dir"), Clock: koban.NewFixedClock(anchorAt), Log: slog.New(slog.DiscardHandler)}
	if _, _, err := w.Anchor(t.Context(), "start"); err == nil || !strings.Contains(err.Error(), "no/such/dir") {
		t.Errorf("unwritable file: %v", err)
	}
}
