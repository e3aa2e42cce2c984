package intake

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/blob"
)

// allowedTypes are the evidence types accepted, by sniffed content.
var allowedTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain": true,
}

// stagedFile is one evidence file read and checked, waiting in the file
// store's temporary folder for its submission to be accepted.
type stagedFile struct {
	blob        *blob.Staged // nil when the file is refused
	problem     string       // the message key saying why it is refused
	contentType string       // sniffed from the content
}

func (sf *stagedFile) sum() string {
	if sf.blob == nil {
		return ""
	}
	return sf.blob.Sum
}

func (sf *stagedFile) close() error {
	if sf.blob == nil {
		return nil
	}
	return sf.blob.Close()
}

// Stage reads one evidence file as it arrives into the file store's
// temporary folder, checking its type by its content and its size on the
// way. A file that cannot be accepted is not kept; Submit or AddInfo reports
// why, by its place among the files. The file is stored only when its
// submission is accepted. Close the Upload when done with it (harmless after
// Submit). The error is a read error of body or a storage failure.
func (s *Service) Stage(name string, body io.Reader) (Upload, error) {
	sf, err := s.stage(body)
	if err != nil {
		return Upload{}, err
	}
	return Upload{Name: name, staged: sf}, nil
}

// Close drops the temporary copy of a staged file that no accepted
// submission stored.
func (u Upload) Close() error {
	if u.staged == nil {
		return nil
	}
	return u.staged.close()
}

func closeUploads(ups []Upload) {
	for _, u := range ups {
		u.Close()
	}
}

func (s *Service) stage(body io.Reader) (*stagedFile, error) {
	br := bufio.NewReaderSize(body, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(head) == 0 {
		return &stagedFile{problem: "intake.error.file_empty"}, nil
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !allowedTypes[ct] {
		return &stagedFile{problem: "intake.error.file_type"}, nil
	}
	st, err := s.blobs.Stage(br, s.limits.FileBytes)
	if errors.Is(err, blob.ErrTooLarge) {
		return &stagedFile{problem: "intake.error.file_too_large"}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stage upload: %w", err)
	}
	return &stagedFile{blob: st, contentType: ct}, nil
}

// textHead is how much of a text file is read for its observables. It is
// read back from the staged file once every file has passed, one file at a
// time, rather than kept in memory for each file as it arrives.
const textHead = 1 << 20

// SweepOrphans removes the evidence files that no report or case names and that were
// last written before cutoff, temporary files older than cutoff, and files
// held for forms whose token was last used before cutoff: what a crash
// between storing a file and committing its report leaves behind, a report
// refused by the database after its files were stored, and a form never
// sent again. It returns how many files it removed. Files younger than cutoff are left alone, since
// the report naming one may be on its way; cutoff should be well past the
// longest upload (blob.StaleAfter).
func (s *Service) SweepOrphans(ctx context.Context, cutoff time.Time) (int, error) {
	removed, err := s.blobs.SweepTemp(cutoff)
	if err != nil {
		return removed, err
	}
	held, err := s.sweepHeld(cutoff)
	removed += held
	if err != nil {
		return removed, err
	}
	// The store lists the named files in the order the file store is walked
	// in, so one pass over both finds the unnamed ones.
	next, stop := iter.Pull2(s.store.FileSums(ctx))
	defer stop()
	named, nerr, more := next()
	err = s.blobs.Walk(func(sum string, modTime time.Time) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for more && nerr == nil && named < sum {
			prev := named
			named, nerr, more = next()
			if more && nerr == nil && named <= prev {
				// Out of order: the merge would take named files for
				// orphans. Stop rather than remove evidence.
				return fmt.Errorf("sweep orphans: evidence sums listed out of order (%s after %s)", named, prev)
			}
		}
		if nerr != nil {
			return fmt.Errorf("sweep orphans: %w", nerr)
		}
		if (more && named == sum) || !modTime.Before(cutoff) {
			return nil
		}
		ok, err := s.blobs.RemoveIfOlder(sum, cutoff)
		if ok {
			removed++
			s.log.Info("removed an evidence file no report or case names", "sha256", sum, "modified", modTime)
		}
		return err
	})
	return removed, err
}
