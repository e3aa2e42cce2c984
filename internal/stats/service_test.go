package stats

import (
	"context"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/koban"
)

type fakeStore struct {
	asked  [][]time.Time
	counts []Count
}

func (f *fakeStore) ReportTally(_ context.Context, bounds []time.Time) ([]Count, error) {
	f.asked = append(f.asked, bounds)
	return f.counts, nil
}

func TestServicePeriods(t *testing.T) {
	jst, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	// 00:30 on 1 April in Japan, still 31 March in UTC: March is over.
	clock := koban.NewFixedClock(time.Date(2026, 3, 31, 15, 30, 0, 0, time.UTC))
	st := &fakeStore{counts: []Count{{Month: 2, Category: "PH", Prefecture: "13", N: 12}}}
	s := NewService(st, clock, jst, 10)
	if s.Latest() != 2026 {
		t.Errorf("Latest = %d, want 2026", s.Latest())
	}
	p, err := s.Year(context.Background(), 2026)
	if err != nil {
		t.Fatal(err)
	}
	if p.Months == nil || len(p.Months) != 3 || p.Law.Rows != 3 {
		t.Fatalf("2026 on 1 April: %d months, want January to March", len(p.Months))
	}
	b := st.asked[0]
	if len(b) != 4 || !b[0].Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, jst)) || !b[3].Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, jst)) {
		t.Errorf("bounds %v: want the first of January to the first of April in Japan", b)
	}
	if n, ok := p.Law.Shown(2, len(Buckets)); !ok || n != 12 {
		t.Errorf("March total %d (shown %v)", n, ok)
	}
	// Kept for an hour, then counted again.
	s.Year(context.Background(), 2026)
	if len(st.asked) != 1 {
		t.Errorf("counted %d times within the hour", len(st.asked))
	}
	clock.Advance(Keep)
	s.Year(context.Background(), 2026)
	if len(st.asked) != 2 {
		t.Errorf("not counted again after %s", Keep)
	}
	if p, err := s.Year(context.Background(), 2025); err != nil || len(p.Months) != 12 {
		t.Errorf("2025: %v months, %v", len(p.Months), err)
	}
	for _, y := range []int{2027, FirstYear - 1} {
		if _, err := s.Year(context.Background(), y); koban.ErrorCode(err) != koban.NotFound {
			t.Errorf("year %d: %v, want NotFound", y, err)
		}
	}
	// In January no month of the year is over: the latest is last year.
	s = NewService(st, koban.NewFixedClock(time.Date(2027, 1, 15, 0, 0, 0, 0, jst)), jst, 2)
	if s.Latest() != 2026 || s.K() != MinK {
		t.Errorf("January: Latest %d, K %d", s.Latest(), s.K())
	}
	if _, err := s.Year(context.Background(), 2027); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("2027 in January: %v, want NotFound", err)
	}
}
