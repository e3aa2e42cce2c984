package intake

import (
	"errors"
	"fmt"
	"time"

	"github.com/koban-project/koban/internal/blob"
)

// HoldFor is how long files are held for a form that came back with
// problems, counted from the last time the form was shown with them.
const HoldFor = blob.StaleAfter

// HeldFile is an evidence file held for a form that came back with
// problems: listed on the form again, sent with it the next time.
type HeldFile struct {
	Index int // its place under the token, for removing it
	Name  string
	Size  int64
}

// Hold keeps the accepted staged files among ups (those Stage read and
// found acceptable) under token, or under a new token when token is not a
// held token, and returns the token. Files that were refused or not staged
// are left out: the caller says which must be chosen again. The uploads
// held are closed; the others are left to the caller.
func (s *Service) Hold(token string, ups []Upload) (string, error) {
	if !blob.ValidHoldToken(token) {
		token = blob.NewHoldToken()
	}
	for _, u := range ups {
		if u.staged == nil || u.staged.blob == nil {
			continue
		}
		if err := u.staged.blob.Hold(token, cleanFileName(u.Name)); err != nil {
			return token, fmt.Errorf("hold upload: %w", err)
		}
	}
	return token, nil
}

// Holdable reports whether Hold would keep u: it was staged and accepted.
func (u Upload) Holdable() bool { return u.staged != nil && u.staged.blob != nil }

// Held lists the files held under token, oldest first, and counts the
// showing as a use (see HoldFor). An unknown, malformed or expired token
// holds none.
func (s *Service) Held(token string) ([]HeldFile, error) {
	hs, err := s.blobs.Held(token, HoldFor)
	if err != nil {
		return nil, err
	}
	out := make([]HeldFile, len(hs))
	for i, h := range hs {
		out[i] = HeldFile{Index: h.Index, Name: h.Label, Size: h.Size}
	}
	return out, nil
}

// HeldUploads stages a fresh copy of each file held under token, checked
// again as Stage checks an upload, for a submission; the held files stay
// until ReleaseHeld. A file gone meanwhile (expired, or removed by another
// request) is left out and named in gone.
func (s *Service) HeldUploads(token string, held []HeldFile) (ups []Upload, gone []string, err error) {
	for _, h := range held {
		f, err := s.blobs.OpenHeld(token, h.Index)
		if errors.Is(err, blob.ErrNotHeld) {
			gone = append(gone, h.Name)
			continue
		}
		if err != nil {
			closeUploads(ups)
			return nil, nil, err
		}
		sf, err := s.stage(f)
		f.Close()
		if err != nil {
			closeUploads(ups)
			return nil, nil, err
		}
		ups = append(ups, Upload{Name: h.Name, staged: sf})
	}
	return ups, gone, nil
}

// DropHeld removes one held file, the one at index under token; it reports
// whether there was one.
func (s *Service) DropHeld(token string, index int) (bool, error) {
	err := s.blobs.DropHeld(token, index)
	if errors.Is(err, blob.ErrNotHeld) {
		return false, nil
	}
	return err == nil, err
}

// ReleaseHeld removes every file held under token: the form they were
// held for has been sent, and its report stores its own copies.
func (s *Service) ReleaseHeld(token string) error { return s.blobs.ReleaseHeld(token) }

// sweepHeld removes the files held under tokens last used before cutoff.
func (s *Service) sweepHeld(cutoff time.Time) (int, error) { return s.blobs.SweepHeld(cutoff) }
