package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/koban"
)

// Anchorer writes the chain's head, as an Anchor, to an append-only file
// and to the log. The file and the log are witnesses outside the database:
// someone who can rewrite the database must also reach them, and every copy
// of them kept elsewhere, to hide a cut or a rebuild.
type Anchorer struct {
	// Head returns the id and hash of the chain's last row (0 and "" when
	// the log is empty).
	Head  func(context.Context) (int64, string, error)
	Path  string             // the anchor file, created when missing
	Key   ed25519.PrivateKey // signs each anchor; nil writes them unsigned
	Clock koban.Clock
	Log   *slog.Logger

	mu   sync.Mutex // one anchor at a time, so the file's ids never go down
	last Anchor
}

// anchorFileHeader opens a new anchor file, so that whoever finds it knows
// what it is and how to use it.
const anchorFileHeader = "# koban audit anchors, one a line: ID HASH TIME [ed25519:SIGNATURE]. Check them with: koban audit verify --anchors FILE\n"

// Anchor writes the head now, and returns it with whether it was written:
// a head this anchorer wrote last is not written again, since a repeat
// would prove nothing more. why says what prompted it (start, interval,
// stop) in the log.
func (w *Anchorer) Anchor(ctx context.Context, why string) (Anchor, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, hash, err := w.Head(ctx)
	if err != nil {
		return Anchor{}, false, fmt.Errorf("audit anchor: %w", err)
	}
	if id == 0 {
		w.Log.Debug("audit anchor skipped: the log is empty", "why", why)
		return Anchor{}, false, nil
	}
	if id == w.last.ID && hash == w.last.Hash {
		w.Log.Debug("audit anchor unchanged", "id", id, "why", why)
		return w.last, false, nil
	}
	a := Anchor{ID: id, Hash: hash, At: w.Clock.Now().UTC().Truncate(time.Microsecond)}
	if w.Key != nil {
		a = a.Sign(w.Key)
	}
	if err := appendAnchor(w.Path, a); err != nil {
		return Anchor{}, false, fmt.Errorf("audit anchor: %w", err)
	}
	w.last = a
	attrs := []any{"id", a.ID, "hash", a.Hash, "at", a.At.Format(AnchorTimeFormat), "why", why}
	if len(a.Sig) > 0 {
		attrs = append(attrs, "sig", base64.StdEncoding.EncodeToString(a.Sig))
	}
	w.Log.Info("audit anchor", attrs...)
	return a, true, nil
}

// Run writes an anchor at every tick until ctx ends. A failed anchor is
// logged and the next tick tries again: the server keeps serving, and the
// log says the witness has a gap.
func (w *Anchorer) Run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if _, _, err := w.Anchor(ctx, "interval"); err != nil && ctx.Err() == nil {
				w.Log.Error("audit anchor failed", "err", err, "file", w.Path)
			}
		}
	}
}

// appendAnchor adds a line to the anchor file and syncs it before
// returning: an anchor only counts once it would survive a crash. The file
// is opened for appending only, so koban never rewrites what it wrote (and
// works with a file the system lets no one but append to, chattr +a).
func appendAnchor(path string, a Anchor) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	text := a.String() + "\n"
	created := st.Size() == 0
	if created {
		text = anchorFileHeader + text
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if created {
		// The new file's name must survive a crash too.
		d, err := os.Open(filepath.Dir(path))
		if err != nil {
			return err
		}
		defer d.Close()
		return d.Sync()
	}
	return nil
}
