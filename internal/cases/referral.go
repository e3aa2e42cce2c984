package cases

import (
	"context"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// Referrals: a case is handed up, down or across to another police
// organisation. While the referral waits the case is "referred" and the
// receiving organisation holds a grant (view + accept) that puts it in its
// inbox. Accepting moves the case to the receiver, back to investigating,
// with the officer who accepted as its lead; the referring organisation
// keeps a view grant (unless it sits above the receiver and sees the case
// anyway). Declining, with a reason, and withdrawing by the referring side
// leave the owner as it was and take the case back to investigating. The
// receiver's grant ends with every answer.

// ReferralStatus is where a referral stands.
type ReferralStatus string

// The referral statuses.
const (
	ReferralPending   ReferralStatus = "pending"
	ReferralAccepted  ReferralStatus = "accepted"
	ReferralDeclined  ReferralStatus = "declined"
	ReferralWithdrawn ReferralStatus = "withdrawn"
)

// ReferralStatuses lists them, waiting first.
var ReferralStatuses = []ReferralStatus{ReferralPending, ReferralAccepted, ReferralDeclined, ReferralWithdrawn}

// Referral is one hand-over of a case to another organisation.
type Referral struct {
	ID         int64
	CaseID     int64
	FromOrgID  int64 // the case's owner when it was referred
	ToOrgID    int64
	Reason     string
	Status     ReferralStatus
	GrantID    int64 // the receiver's grant while it waits
	CreatedBy  int64
	CreatedAt  time.Time
	AnsweredBy int64
	AnsweredAt time.Time
	Answer     string // why it was declined
	// Filled in lists across cases.
	CaseNumber string
	CaseTitle  string
}

// ReferralFilter selects referrals across cases.
type ReferralFilter struct {
	// Scope holds the organisations whose referrals are listed: as
	// receivers, or as referrers with Out.
	Scope  access.Scope
	Out    bool
	Status ReferralStatus // "": any
	Limit  int
	Offset int
}

// ObjectReferral names referrals to the access decision, for the lists of
// an organisation's inbox (owned by the receiver) and sent referrals (by
// the referrer).
const ObjectReferral = "referral"

// maxReason bounds the reason of a referral, a decline or a refusal.
const maxReason = 2000

// Refer refers a case to another police organisation (toOrgID) with a
// reason: p needs the refer right on the case. A partner organisation,
// the case's own owner and an organisation the tree does not know are
// field errors on "to"; a case closed or waiting for another referral
// cannot be referred.
func (s *Service) Refer(ctx context.Context, p auth.Principal, caseID, toOrgID int64, reason string) (*Referral, error) {
	c, err := s.load(ctx, p, caseID, access.Refer)
	if err != nil {
		return nil, err
	}
	var pr koban.Problems
	reason = s.text(&pr, "reason", reason, maxReason, true, true)
	tree := s.tree()
	if _, ok := tree.ByID(toOrgID); !ok {
		pr.Add("to", "referral.error.to")
	} else if _, ok := police(tree, toOrgID); !ok {
		pr.Add("to", "referral.error.partner")
	} else if toOrgID == c.OrgID {
		pr.Add("to", "referral.error.owner")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	r := &Referral{CaseID: c.ID, ToOrgID: toOrgID, Reason: reason, Status: ReferralPending, CreatedBy: p.UserID, CreatedAt: now}
	g := &access.GrantRow{ObjectType: ObjectType, ObjectID: c.ID, OrgID: toOrgID, Rights: []access.Right{access.View, access.Accept},
		GrantedBy: p.UserID, Reason: reason, CreatedAt: now}
	err = s.store.CreateReferral(ctx, r, g, func(c *Case) (Event, audit.Entry, error) {
		from := c.Status
		switch from {
		case StatusReferred:
			return Event{}, audit.Entry{}, koban.Errorf(koban.Conflict, "referral.error.pending")
		case StatusClosed:
			return Event{}, audit.Entry{}, koban.FieldError("status", "referral.error.closed")
		}
		if toOrgID == c.OrgID {
			return Event{}, audit.Entry{}, koban.FieldError("to", "referral.error.owner")
		}
		c.Status, c.UpdatedAt = StatusReferred, now
		return Event{At: now, ActorID: p.UserID, Kind: EventReferred, From: string(from), To: string(StatusReferred), Text: reason},
			s.entry(p, c.ID, "case.referred", map[string]any{"to_org": toOrgID, "from": string(from)}), nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// mayAnswer reports whether p may accept or decline referral r of case c:
// an officer with the accept right on the case whose organisation is the
// receiver or above it, and who neither belongs to the referring
// organisation nor referred it. (A prefectural HQ that refers down to a
// station cannot accept for the station; the station does.)
func (s *Service) mayAnswer(ctx context.Context, p auth.Principal, r *Referral, c *Case) (bool, error) {
	if p.OrgID == r.FromOrgID || p.UserID == r.CreatedBy || !s.tree().Sees(p.OrgID, r.ToOrgID) {
		return false, nil
	}
	return s.access.Can(ctx, p, access.Accept, c.Object())
}

// referralCase loads a referral and its case for p, who must at least see
// the case: a referral of a case out of p's sight is NotFound (audited).
func (s *Service) referralCase(ctx context.Context, p auth.Principal, id int64) (*Referral, *Case, error) {
	r, err := s.store.Referral(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.load(ctx, p, r.CaseID, access.View)
	if err != nil {
		return nil, nil, err
	}
	return r, c, nil
}

// Accept accepts a referral: the case moves to the receiving organisation,
// back to investigating, with p as its lead and a member.
func (s *Service) Accept(ctx context.Context, p auth.Principal, id int64) (*Referral, error) {
	return s.answer(ctx, p, id, ReferralAccepted, "")
}

// Decline declines a referral with a reason: the case stays with its owner
// and goes back to investigating.
func (s *Service) Decline(ctx context.Context, p auth.Principal, id int64, reason string) (*Referral, error) {
	var pr koban.Problems
	reason = s.text(&pr, "reason", reason, maxReason, true, true)
	if err := pr.Err(); err != nil {
		return nil, err
	}
	return s.answer(ctx, p, id, ReferralDeclined, reason)
}

// Withdraw takes back a referral before it is answered: p needs the refer
// right on the case.
func (s *Service) Withdraw(ctx context.Context, p auth.Principal, id int64) (*Referral, error) {
	return s.answer(ctx, p, id, ReferralWithdrawn, "")
}

func (s *Service) answer(ctx context.Context, p auth.Principal, id int64, outcome ReferralStatus, reason string) (*Referral, error) {
	r, c, err := s.referralCase(ctx, p, id)
	if err != nil {
		return nil, err
	}
	var ok bool
	right := access.Accept
	if outcome == ReferralWithdrawn {
		right = access.Refer
		ok, err = s.access.Can(ctx, p, access.Refer, c.Object())
	} else {
		ok, err = s.mayAnswer(ctx, p, r, c)
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.notFoundOrForbidden(ctx, p, c, string(right))
	}
	now, tree := s.clock.Now(), s.tree()
	var out Referral
	err = s.store.AnswerReferral(ctx, id, func(r *Referral, c *Case) (*access.GrantRow, Event, audit.Entry, error) {
		if r.Status != ReferralPending || c.Status != StatusReferred {
			return nil, Event{}, audit.Entry{}, koban.Errorf(koban.Conflict, "referral.error.answered")
		}
		r.Status, r.AnsweredBy, r.AnsweredAt, r.Answer = outcome, p.UserID, now, reason
		from := c.OrgID
		c.Status, c.UpdatedAt = StatusInvestigating, now
		var keep *access.GrantRow
		if outcome == ReferralAccepted {
			c.OrgID, c.LeadID = r.ToOrgID, p.UserID
			c.Members = uniqueIDs(append(c.Members, p.UserID))
			if !tree.Sees(r.FromOrgID, r.ToOrgID) {
				keep = &access.GrantRow{ObjectType: ObjectType, ObjectID: c.ID, OrgID: r.FromOrgID, Rights: []access.Right{access.View},
					GrantedBy: p.UserID, Reason: r.Reason, CreatedAt: now}
			}
		}
		out = *r
		return keep, Event{At: now, ActorID: p.UserID, Kind: EventReferralAnswered, RefID: r.ID, From: string(StatusReferred),
				To: string(StatusInvestigating), Reason: string(outcome), Text: reason},
			s.entry(p, c.ID, "case.referral_answered", map[string]any{"referral": r.ID, "outcome": string(outcome), "from_org": from, "to_org": c.OrgID}), nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ReferralQuery selects an organisation's referrals.
type ReferralQuery struct {
	Out    bool           // those p's organisations sent, not received
	Status ReferralStatus // "": any
	Limit  int
	Offset int
}

// ReferralList lists the referrals to the organisations p acts for (or,
// with Out, from them): an inbox.
func (s *Service) ReferralList(ctx context.Context, p auth.Principal, q ReferralQuery) ([]Referral, int, error) {
	right := access.Accept
	if q.Out {
		right = access.Refer
	}
	f := ReferralFilter{Scope: s.access.ScopeOf(p, ObjectReferral, right), Out: q.Out, Status: q.Status}
	if f.Scope.None {
		return nil, 0, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	if q.Status != "" && !validReferralStatus(q.Status) {
		return nil, 0, koban.FieldError("status", "referral.error.status")
	}
	f.Limit, f.Offset = clampPage(q.Limit, q.Offset)
	return s.store.ReferralList(ctx, f)
}

func validReferralStatus(st ReferralStatus) bool {
	for _, v := range ReferralStatuses {
		if v == st {
			return true
		}
	}
	return false
}
