package intake

import (
	"context"
	"fmt"
	"io"

	"github.com/koban-project/koban/internal/observe"
)

// Indexer is what re-indexing needs of the database beyond Store.
type Indexer interface {
	// ReportIDsAfter returns up to n report ids greater than after, in order.
	ReportIDsAfter(ctx context.Context, after int64, n int) ([]int64, error)
	// CountReports counts the stored reports.
	CountReports(ctx context.Context) (int, error)
	// ReplaceObservables re-indexes reports with the values given for each.
	ReplaceObservables(ctx context.Context, found map[int64][]observe.Observable) error
}

// ObservablesOf finds again every observable of a stored report: in its
// description, in what the reporter added later and in its text and e-mail
// evidence, as intake found them when each arrived.
func (s *Service) ObservablesOf(r *Report) ([]observe.Observable, error) {
	found := observe.Extract(r.Description)
	for _, m := range r.Messages {
		if m.Author == "reporter" {
			found = mergeObservables(found, observe.Extract(m.Body))
		}
	}
	for _, f := range r.Files {
		if f.ContentType != "text/plain" && f.ContentType != "message/rfc822" {
			continue
		}
		text, err := s.fileText(f.SHA256)
		if err != nil {
			return nil, fmt.Errorf("report %d, file %s: %w", r.ID, f.Name, err)
		}
		found = mergeObservables(found, ObservablesOfFile(f.ContentType, text))
	}
	return found, nil
}

// fileText reads the first MiB of an evidence file, as intake reads it.
func (s *Service) fileText(sum string) (string, error) {
	f, err := s.blobs.Open(sum)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	return string(b), err
}

// Reindex extracts the observables of every stored report again and
// replaces what the national index holds for it, a batch at a time;
// progress is told how many reports are done of how many. Clusters are
// rebuilt by the caller afterwards.
func (s *Service) Reindex(ctx context.Context, ix Indexer, progress func(done, total int)) error {
	total, err := ix.CountReports(ctx)
	if err != nil {
		return err
	}
	const batch = 500
	var after int64
	done := 0
	for {
		ids, err := ix.ReportIDsAfter(ctx, after, batch)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		found := make(map[int64][]observe.Observable, len(ids))
		for _, id := range ids {
			r, err := s.store.Report(ctx, id)
			if err != nil {
				return err
			}
			if found[id], err = s.ObservablesOf(r); err != nil {
				return err
			}
		}
		if err := ix.ReplaceObservables(ctx, found); err != nil {
			return err
		}
		after, done = ids[len(ids)-1], done+len(ids)
		if progress != nil {
			progress(done, max(total, done))
		}
	}
}
