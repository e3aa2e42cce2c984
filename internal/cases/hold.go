package cases

import (
	"context"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// SetHold sets (hold true) or lifts a legal hold on a case, with a reason:
// while it is set, retention deletes nothing of the case or under it (its
// reports, evidence, notes). It needs the case.hold permission
// (supervisors and administrators) and the right to edit the case; the
// change is written to the timeline and audited as case.hold or
// case.hold_lifted.
func (s *Service) SetHold(ctx context.Context, p auth.Principal, id int64, hold bool, reason string) (*Case, error) {
	c, err := s.load(ctx, p, id, access.View)
	if err != nil {
		return nil, err
	}
	if !p.Can(auth.PermCaseHold) {
		return nil, s.refuse(ctx, p, c.ID, "hold", koban.Errorf(koban.Forbidden, "error.forbidden"))
	}
	if err := s.check(ctx, p, c, access.Edit); err != nil {
		return nil, err
	}
	var pr koban.Problems
	reason = s.text(&pr, "hold_reason", reason, maxText, true, true)
	if err := pr.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out Case
	err = s.store.UpdateCase(ctx, c.ID, func(c *Case) (Event, audit.Entry, error) {
		if c.Hold == hold {
			key := "case.error.hold_same"
			if !hold {
				key = "case.error.hold_none"
			}
			return Event{}, audit.Entry{}, koban.FieldError("hold", key)
		}
		c.Hold, c.HoldReason, c.HoldBy, c.HoldAt, c.UpdatedAt = hold, reason, p.UserID, now, now
		out = *c
		kind, action := EventHold, "case.hold"
		if !hold {
			kind, action = EventHoldLifted, "case.hold_lifted"
		}
		return Event{At: now, ActorID: p.UserID, Kind: kind, Reason: reason},
			s.entry(p, c.ID, action, map[string]any{"reason": reason}), nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
