package patrol

import (
	"context"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// QuotaStatus is the capture quota as it stands on this server.
type QuotaStatus struct {
	Limit      int64 // bytes; 0: no quota
	Used       int64 // the latest measurement and what this server kept since
	MeasuredAt time.Time
	Level      int // QuotaQuiet, QuotaWarn or QuotaFull
}

// quotaLevel is the alarm level of used bytes against a limit (0: none).
func quotaLevel(used, limit int64) int {
	switch {
	case limit <= 0:
		return QuotaQuiet
	case used >= limit:
		return QuotaFull
	case used >= limit-limit/5: // 80 %, rounded up, without overflow
		return QuotaWarn
	}
	return QuotaQuiet
}

// quota is what this server knows of the capture quota.
type quota struct {
	mu       sync.Mutex
	limit    int64
	measured Usage // the latest measurement made or read
	added    int64 // bytes this server kept since that measurement
}

// SetQuota sets the capture quota in bytes (KOBAN_PATROL_QUOTA; 0: none).
func (s *Service) SetQuota(limit int64) {
	s.quota.mu.Lock()
	s.quota.limit = max(limit, 0)
	s.quota.mu.Unlock()
}

// Quota returns the capture quota as it stands on this server: the latest
// measurement (whichever server made it) plus what this server has kept
// since, against this server's limit.
func (s *Service) Quota() QuotaStatus {
	s.quota.mu.Lock()
	defer s.quota.mu.Unlock()
	q := QuotaStatus{Limit: s.quota.limit, Used: s.quota.measured.Used + s.quota.added, MeasuredAt: s.quota.measured.At}
	q.Level = quotaLevel(q.Used, q.Limit)
	return q
}

// QuotaAlarm is what the banner of the patrol pages says: the quota's state
// for an officer who manages patrol while the captures use QuotaWarn per
// cent of it or more; nil otherwise.
func (s *Service) QuotaAlarm(p auth.Principal) *QuotaStatus {
	if !p.Can(auth.PermPatrolManage) {
		return nil
	}
	q := s.Quota()
	if q.Level < QuotaWarn {
		return nil
	}
	return &q
}

// MeasureUsage measures what the kept captures take, records it for every
// server, and logs a change of alarm level once: a warning on reaching
// 80 %, an error on reaching 100 %, a note on falling back below either.
// One server runs it at a time (the app's "patrol-usage" job), so that a
// crossing is logged once however many servers there are.
func (s *Service) MeasureUsage(ctx context.Context) error {
	used, err := s.store.PatrolUsage(ctx)
	if err != nil {
		return err
	}
	s.quota.mu.Lock()
	limit := s.quota.limit
	s.quota.mu.Unlock()
	u := Usage{Used: used, Level: quotaLevel(used, limit), At: s.clock.Now()}
	before, err := s.store.RecordPatrolUsage(ctx, u)
	if err != nil {
		return err
	}
	s.measured(u, true)
	switch {
	case u.Level == before:
	case u.Level == QuotaFull:
		s.log.Error("patrol: captures have reached their quota; pages that changed are no longer kept until usage falls (raise KOBAN_PATROL_QUOTA, shorten retention or lift legal holds)",
			"used_bytes", used, "quota_bytes", limit)
	case u.Level == QuotaWarn && before < QuotaWarn:
		s.log.Warn("patrol: captures use 80% of their quota; at 100% pages that changed are no longer kept",
			"used_bytes", used, "quota_bytes", limit)
	default:
		s.log.Info("patrol: capture usage fell below the quota's alarm level", "level", u.Level, "before", before,
			"used_bytes", used, "quota_bytes", limit)
	}
	return nil
}

// LoadUsage reads the latest measurement, which any server may have made;
// every server calls it often, as it is one row.
func (s *Service) LoadUsage(ctx context.Context) error {
	u, err := s.store.LastPatrolUsage(ctx)
	if koban.ErrorCode(err) == koban.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	s.measured(u, false)
	return nil
}

// measured takes a measurement as the latest when this server just made
// it (fresh) or it is newer than the one held; what this server kept
// before it is counted in it.
func (s *Service) measured(u Usage, fresh bool) {
	s.quota.mu.Lock()
	defer s.quota.mu.Unlock()
	if fresh || u.At.After(s.quota.measured.At) {
		s.quota.measured, s.quota.added = u, 0
	}
}

// kept counts bytes this server stored for a capture until the next
// measurement counts them.
func (s *Service) kept(n int64) {
	s.quota.mu.Lock()
	s.quota.added += n
	s.quota.mu.Unlock()
}
