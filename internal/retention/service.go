package retention

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
)

// Store is what retention needs of the database.
type Store interface {
	// RetentionFacts lists the cases last changed before casesBefore and
	// the reports last changed before reportsBefore (a zero time: none),
	// with what the planner needs of each.
	RetentionFacts(ctx context.Context, reportsBefore, casesBefore time.Time) ([]CaseFacts, []ReportFacts, error)
	// ExpirableCaptures lists at most limit patrol captures past their
	// retention at now (def is the default period, see patrol.Retain) that
	// nothing keeps, by id.
	ExpirableCaptures(ctx context.Context, now time.Time, def Period, limit int) ([]int64, error)
	// DeleteRecord deletes one record and everything under it in one
	// transaction, writing its tombstone and a retention.delete audit row
	// first. It checks again that nothing keeps it (deleted false when
	// something now does) and returns the SHA-256s of the stored files its
	// rows named.
	DeleteRecord(ctx context.Context, d Deletion) (deleted bool, files []string, err error)
	// AuditPrunable returns the last audit row written before cutoff and
	// how many rows up to it are still in the log (0, 0 when none).
	AuditPrunable(ctx context.Context, cutoff time.Time) (lastID, rows int64, err error)
	// PruneAudit removes the audit rows up to lastID behind a checkpoint
	// and appends the retention.audit_pruned row, in one transaction.
	PruneAudit(ctx context.Context, lastID int64, at time.Time, e audit.Entry) (audit.Checkpoint, error)
	// FileNamed reports whether any row still names the stored file.
	FileNamed(ctx context.Context, sha256 string) (bool, error)
	// RetentionRuns lists the last limit runs that deleted something,
	// newest first; AuditCheckpoints the last limit checkpoints.
	RetentionRuns(ctx context.Context, limit int) ([]Run, error)
	AuditCheckpoints(ctx context.Context, limit int) ([]audit.Checkpoint, error)
}

// Run is one past run: when, under which policy, how many records of each
// type it deleted.
type Run struct {
	At      time.Time
	Version string
	Deleted map[string]int
}

// History is what the last runs deleted and the audit log's checkpoints.
func (s *Service) History(ctx context.Context, limit int) ([]Run, []audit.Checkpoint, error) {
	runs, err := s.store.RetentionRuns(ctx, limit)
	if err != nil {
		return nil, nil, err
	}
	cps, err := s.store.AuditCheckpoints(ctx, limit)
	return runs, cps, err
}

// Deletion is one record to delete and why.
type Deletion struct {
	Type, Rule, Version string
	ID                  int64
	At                  time.Time
}

// Files is the part of the file store retention removes files from.
type Files interface {
	RemoveIfOlder(sum string, cutoff time.Time) (bool, error)
}

// Service plans and carries out retention.
type Service struct {
	store  Store
	files  Files
	policy Policy
	clock  koban.Clock
	// FileGrace keeps a file written (or re-written by a new report naming
	// it) this recently: the hourly orphan sweep takes it later if nothing
	// names it by then.
	FileGrace time.Duration
}

// NewService returns the retention service for the policy.
func NewService(st Store, files Files, p Policy, clock koban.Clock) *Service {
	return &Service{store: st, files: files, policy: p, clock: clock, FileGrace: time.Hour}
}

// Policy returns the policy in force.
func (s *Service) Policy() Policy { return s.policy }

// Summary is what a plan or a run found: the records due (or deleted) and
// the audit rows due (or pruned).
type Summary struct {
	At      time.Time
	Version string
	Items   []Item
	Kept    []Kept
	// AuditUpTo is the last audit row due (or pruned), AuditRows how many.
	AuditUpTo, AuditRows int64
	// Skipped are items planned that something kept at deletion time.
	Skipped    []Item
	FilesFreed int
}

// Counts returns how many items are due by type and rule.
func (s Summary) Counts() map[string]int {
	out := map[string]int{}
	for _, it := range s.Items {
		out[it.Type+" "+it.Rule]++
	}
	return out
}

// maxCaptures bounds the captures one plan lists (their ids alone; the
// next day's run takes the rest).
const maxCaptures = 1_000_000

// Plan says what would go now, changing nothing.
func (s *Service) Plan(ctx context.Context) (Summary, error) {
	now := s.clock.Now()
	sum := Summary{At: now, Version: s.policy.Version()}
	rb, cb, rok, cok := s.policy.Horizon(now)
	if !rok {
		rb = time.Time{}
	}
	if !cok {
		cb = time.Time{}
	}
	cases, reports, err := s.store.RetentionFacts(ctx, rb, cb)
	if err != nil {
		return sum, fmt.Errorf("retention plan: %w", err)
	}
	sum.Items, sum.Kept = s.policy.Plan(now, cases, reports)
	if !s.policy.PatrolCaptures.IsForever() {
		ids, err := s.store.ExpirableCaptures(ctx, now, s.policy.PatrolCaptures, maxCaptures)
		if err != nil {
			return sum, fmt.Errorf("retention plan: %w", err)
		}
		for _, id := range ids {
			sum.Items = append(sum.Items, Item{Type: TypeCapture, ID: id, Rule: "patrol_capture", Category: "patrol_capture"})
		}
	}
	if cutoff, ok := s.policy.AuditCutoff(now); ok {
		if sum.AuditUpTo, sum.AuditRows, err = s.store.AuditPrunable(ctx, cutoff); err != nil {
			return sum, fmt.Errorf("retention plan: %w", err)
		}
	}
	return sum, nil
}

// Run deletes what is due now, record by record, then prunes the audit
// log's due prefix, and returns what went. A record something keeps by
// the time it is reached (a legal hold set meanwhile) is skipped.
func (s *Service) Run(ctx context.Context) (Summary, error) {
	plan, err := s.Plan(ctx)
	if err != nil {
		return plan, err
	}
	done := plan
	done.Items, done.Skipped = nil, nil
	var freed []string
	for _, it := range plan.Items {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		ok, files, err := s.store.DeleteRecord(ctx, Deletion{Type: it.Type, ID: it.ID, Rule: it.Rule, Version: plan.Version, At: plan.At})
		if err != nil {
			return done, fmt.Errorf("retention: delete %s %d: %w", it.Type, it.ID, err)
		}
		if !ok {
			done.Skipped = append(done.Skipped, it)
			continue
		}
		done.Items = append(done.Items, it)
		freed = append(freed, files...)
	}
	slices.Sort(freed)
	for _, f := range slices.Compact(freed) {
		named, err := s.store.FileNamed(ctx, f)
		if err != nil {
			return done, err
		}
		if named {
			continue
		}
		// Files carry the operating system's times, not koban's clock.
		if gone, err := s.files.RemoveIfOlder(f, time.Now().Add(-s.FileGrace)); err != nil {
			return done, err
		} else if gone {
			done.FilesFreed++
		}
	}
	if plan.AuditRows > 0 {
		_, err := s.store.PruneAudit(ctx, plan.AuditUpTo, plan.At, audit.Entry{Actor: audit.System, Action: "retention.audit_pruned",
			ObjectType: "audit_log", ObjectID: strconv.FormatInt(plan.AuditUpTo, 10),
			Detail: map[string]any{"policy_version": plan.Version, "rule": "audit", "period": s.policy.Audit.String()}})
		if err != nil {
			return done, fmt.Errorf("retention: prune audit: %w", err)
		}
	} else {
		done.AuditUpTo = 0
	}
	return done, nil
}
