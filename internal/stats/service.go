package stats

import (
	"context"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/koban"
)

// Store is what the statistics read: the reports counted by period,
// category and prefecture (store.ReportTally).
type Store interface {
	// ReportTally counts the reports created from bounds[i] up to
	// bounds[i+1], with Count.Month the period's index.
	ReportTally(ctx context.Context, bounds []time.Time) ([]Count, error)
}

// FirstYear is the earliest year the statistics answer for.
const FirstYear = 2000

// Keep is how long a release is kept before it is counted again: months
// that are over change only when a report is re-categorised or merged.
const Keep = time.Hour

// Published is a year's release with its period.
type Published struct {
	*Release
	Year   int
	Months []time.Time // the first moment of each month, in the zone
	Made   time.Time   // when it was counted
}

// Service publishes the statistics of a year and keeps each release for
// Keep. It holds no personal data: only counts come from the store.
type Service struct {
	store Store
	clock koban.Clock
	zone  *time.Location
	k     int

	mu   sync.Mutex
	kept map[int]*Published
}

// NewService returns a Service counting months in zone, publishing no count
// below k.
func NewService(st Store, clock koban.Clock, zone *time.Location, k int) *Service {
	return &Service{store: st, clock: clock, zone: zone, k: max(k, MinK), kept: map[int]*Published{}}
}

// K is the smallest count published.
func (s *Service) K() int { return s.k }

// Latest is the year of the last month that is over: the year a release
// opens on.
func (s *Service) Latest() int {
	now := s.clock.Now().In(s.zone)
	if now.Month() == time.January {
		return now.Year() - 1
	}
	return now.Year()
}

// Year returns the release of a year: all twelve months of a year that is
// over, the months before the current one of this year. A year before
// FirstYear or after Latest is NotFound.
func (s *Service) Year(ctx context.Context, year int) (*Published, error) {
	if year < FirstYear || year > s.Latest() {
		return nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	now := s.clock.Now()
	s.mu.Lock()
	p := s.kept[year]
	s.mu.Unlock()
	if p != nil && now.Sub(p.Made) < Keep && now.Sub(p.Made) >= 0 {
		return p, nil
	}
	months := 12
	if local := now.In(s.zone); local.Year() == year {
		months = int(local.Month()) - 1
	}
	bounds := make([]time.Time, months+1)
	for i := range bounds {
		bounds[i] = time.Date(year, time.Month(i+1), 1, 0, 0, 0, 0, s.zone)
	}
	counts, err := s.store.ReportTally(ctx, bounds)
	if err != nil {
		return nil, err
	}
	r, err := Build(months, counts, s.k)
	if err != nil {
		return nil, koban.Wrap(err, "protect the statistics")
	}
	p = &Published{Release: r, Year: year, Months: bounds[:months], Made: now}
	s.mu.Lock()
	s.kept[year] = p
	s.mu.Unlock()
	return p, nil
}
