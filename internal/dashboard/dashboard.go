// Package dashboard is the supervisors' view of their line's work: intake
// by day over the last 30 days, how long the public waits for a first
// reply, open cases by age, urgent reports and open freeze windows, and
// the line's takedown outcomes (takedown.Service.Stats). Who sees which
// line is the access decision's (access.ScopeOf with access.Dashboard: the
// supervisor's organisation and every one below it); every view is
// audited as dashboard.view. Counts only: no report, case or person is
// named on it.
package dashboard

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/takedown"
)

// Days is how many days of intake the dashboard shows, today included.
const Days = 30

// Ages are the edges of the open cases' age buckets: under 7 days, 7 to 30,
// 30 to 90, 90 to 365, a year or more.
var Ages = []time.Duration{7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour, 365 * 24 * time.Hour}

// Reply is one report from the public: when it came in, when an officer
// first wrote back (zero when nobody has), and whether it is closed.
type Reply struct {
	Received, First time.Time
	Closed          bool
}

// Store is what the dashboard reads; orgs is never empty.
type Store interface {
	// ReportsByPeriod counts the reports owned by orgs created from
	// bounds[i] up to bounds[i+1].
	ReportsByPeriod(ctx context.Context, orgs []int64, bounds []time.Time) ([]int, error)
	// FirstReplies lists the reports from the public (not partners' feeds)
	// owned by orgs and created from from up to to.
	FirstReplies(ctx context.Context, orgs []int64, from, to time.Time) ([]Reply, error)
	// OpenCasesByAge counts the cases owned by orgs that are not closed:
	// bucket i those opened at or after edges[i] (edges newest first), the
	// last bucket those opened before every edge.
	OpenCasesByAge(ctx context.Context, orgs []int64, edges []time.Time) ([]int, error)
	// OpenFlags counts the open reports owned by orgs that are urgent, and
	// those whose freeze window is still open at now.
	OpenFlags(ctx context.Context, orgs []int64, now time.Time) (urgent, freeze int, err error)
	Audit(ctx context.Context, e audit.Entry) error
}

// Takedowns gives the line's takedown outcomes.
type Takedowns interface {
	Stats(ctx context.Context, p auth.Principal) (*takedown.Stats, error)
}

// Day is the intake of one day (in the zone).
type Day struct {
	Start time.Time
	N     int
}

// ReplyTimes is how long the public waited for a first reply, over the
// reports received in the last Days days: the median and 90th percentile
// of those answered, and how many open ones still wait.
type ReplyTimes struct {
	Received, Answered, Waiting int
	Median, P90                 time.Duration
}

// View is one supervisor's dashboard.
type View struct {
	OrgID    int64 // the line's top: the supervisor's organisation
	At       time.Time
	Days     []Day // oldest first; the last is today so far
	Replies  ReplyTimes
	Cases    []int // open cases by age: len(Ages)+1 buckets, youngest first
	Urgent   int   // open reports flagged urgent
	Freeze   int   // open reports whose freeze window is still open
	Takedown *takedown.Stats
}

// Service builds dashboards.
type Service struct {
	store     Store
	access    *access.Decider
	takedowns Takedowns
	tree      func() *org.Tree
	clock     koban.Clock
	zone      *time.Location
}

// NewService returns a Service counting days in zone.
func NewService(st Store, d *access.Decider, td Takedowns, tree func() *org.Tree, clock koban.Clock, zone *time.Location) *Service {
	return &Service{store: st, access: d, takedowns: td, tree: tree, clock: clock, zone: zone}
}

// May reports whether p reads a dashboard at all (shows the menu).
func (s *Service) May(p auth.Principal) bool {
	return !s.access.ScopeOf(p, access.Dashboard, access.View).None
}

// View returns the dashboard of p's line, and audits the read. A role
// without dashboard.read is Forbidden.
func (s *Service) View(ctx context.Context, p auth.Principal) (*View, error) {
	scope := s.access.ScopeOf(p, access.Dashboard, access.View)
	if scope.None {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	orgs := scope.Orgs
	if scope.All {
		for _, o := range s.tree().All() {
			orgs = append(orgs, o.ID)
		}
	}
	if len(orgs) == 0 {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	now := s.clock.Now()
	v := &View{OrgID: p.OrgID, At: now}

	local := now.In(s.zone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.zone)
	bounds := make([]time.Time, Days+1)
	for i := range Days {
		bounds[i] = today.AddDate(0, 0, i-Days+1)
	}
	bounds[Days] = today.AddDate(0, 0, 1)
	counts, err := s.store.ReportsByPeriod(ctx, orgs, bounds)
	if err != nil {
		return nil, err
	}
	for i, n := range counts {
		v.Days = append(v.Days, Day{Start: bounds[i], N: n})
	}

	replies, err := s.store.FirstReplies(ctx, orgs, bounds[0], bounds[Days])
	if err != nil {
		return nil, err
	}
	v.Replies = replyTimes(replies)

	edges := make([]time.Time, len(Ages))
	for i, a := range Ages {
		edges[i] = now.Add(-a)
	}
	if v.Cases, err = s.store.OpenCasesByAge(ctx, orgs, edges); err != nil {
		return nil, err
	}
	if v.Urgent, v.Freeze, err = s.store.OpenFlags(ctx, orgs, now); err != nil {
		return nil, err
	}
	if v.Takedown, err = s.takedowns.Stats(ctx, p); err != nil {
		return nil, err
	}
	err = s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "dashboard.view", ObjectType: "org",
		ObjectID: strconv.FormatInt(p.OrgID, 10), Detail: map[string]any{"orgs": len(orgs)}})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// replyTimes sums up the replies: the median and 90th percentile (nearest
// rank) of the time to the first reply of those answered, and the open
// ones still without an answer.
func replyTimes(rs []Reply) ReplyTimes {
	out := ReplyTimes{Received: len(rs)}
	var waits []time.Duration
	for _, r := range rs {
		switch {
		case !r.First.IsZero():
			waits = append(waits, max(0, r.First.Sub(r.Received)))
		case !r.Closed:
			out.Waiting++
		}
	}
	out.Answered = len(waits)
	if len(waits) > 0 {
		slices.Sort(waits)
		out.Median, out.P90 = takedown.Quantile(waits, 0.5), takedown.Quantile(waits, 0.9)
	}
	return out
}
