package cases

import (
	"context"
	"slices"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// Between organisations: a case referred to another police organisation
// (referral.go), organisations taking part in a joint case (party.go) and
// technical-support requests to analysis units (support.go). Each shares
// the case beyond its owner's line through a grant (internal/access) that
// the store creates and ends in the transaction of the change, with the
// change's timeline entry and audit row.

// The timeline kinds the work between organisations adds (EventReferred
// and EventReferralAnswered are in cases.go).
const (
	EventPartyAdded       EventKind = "party_added"
	EventPartyRemoved     EventKind = "party_removed"
	EventSupportRequested EventKind = "support_requested"
	EventSupportAccepted  EventKind = "support_accepted"
	EventSupportAnswered  EventKind = "support_answered"
	EventSupportDeclined  EventKind = "support_declined"
)

// BetweenKinds lists the timeline kinds about another organisation: pages
// name the organisation or request an entry is about (RefID).
var BetweenKinds = []EventKind{EventReferred, EventReferralAnswered, EventPartyAdded, EventPartyRemoved,
	EventSupportRequested, EventSupportAccepted, EventSupportAnswered, EventSupportDeclined}

// ObjectSupport names a technical-support request to the access decision:
// it belongs to the unit asked (its queue), whose officers may work it.
const ObjectSupport = "support_request"

// CaseChange changes a locked case and names the change's timeline entry
// (none when its Kind is empty) and audit entry.
type CaseChange func(*Case) (Event, audit.Entry, error)

// BetweenStore is what the work between organisations needs of the
// database. A missing referral, party or request is NotFound.
type BetweenStore interface {
	// CreateReferral stores a referral and the receiving organisation's
	// grant and lets change put the locked case in "referred", in one
	// transaction; it sets r.ID, r.GrantID and g.ID. A case with a
	// referral waiting already is a Conflict.
	CreateReferral(ctx context.Context, r *Referral, g *access.GrantRow, change CaseChange) error
	// AnswerReferral locks a referral and its case and lets answer change
	// both; the store then revokes the referral's grant when answer ended
	// the wait, creates the grant answer returns (nil: none), ends a party
	// that became the owner, and stores the case, its timeline entry and
	// audit entry, in one transaction.
	AnswerReferral(ctx context.Context, id int64, answer func(*Referral, *Case) (*access.GrantRow, Event, audit.Entry, error)) error
	Referral(ctx context.Context, id int64) (*Referral, error)
	// Referrals returns a case's referrals, oldest first.
	Referrals(ctx context.Context, caseID int64) ([]Referral, error)
	// ReferralList lists referrals across cases, newest first, and their total.
	ReferralList(ctx context.Context, f ReferralFilter) ([]Referral, int, error)

	// AddParty stores a party and its grant, with its timeline and audit
	// entries; it sets p.ID and p.GrantID. An organisation that takes part
	// already is a Conflict.
	AddParty(ctx context.Context, p *Party, g *access.GrantRow, e audit.Entry) error
	// RemoveParty ends a case's party and revokes its grant, with its
	// timeline and audit entries. A party ended already is NotFound.
	RemoveParty(ctx context.Context, caseID, partyID, by int64, at time.Time, e audit.Entry) error
	// Parties returns the organisations that take or took part in a case,
	// in the order they were added (those removed with RemovedAt set).
	Parties(ctx context.Context, caseID int64) ([]Party, error)

	// CreateSupport stores a support request and the unit's grant, with
	// the timeline and audit entries; it sets r.ID and r.GrantID.
	CreateSupport(ctx context.Context, r *SupportRequest, g *access.GrantRow, e audit.Entry) error
	// UpdateSupport locks a request and lets fn change it; the store then
	// revokes its grant when fn says so, adds the note fn returns to the
	// case (setting the request's NoteID), and stores the timeline and
	// audit entries, in one transaction.
	UpdateSupport(ctx context.Context, id int64, fn func(*SupportRequest) (SupportChange, error)) error
	SupportRequest(ctx context.Context, id int64) (*SupportRequest, error)
	// SupportRequests returns a case's support requests, oldest first.
	SupportRequests(ctx context.Context, caseID int64) ([]SupportRequest, error)
	// SupportList lists support requests across cases and their total:
	// open ones by due day (those without one last), then the others
	// newest first.
	SupportList(ctx context.Context, f SupportFilter) ([]SupportRequest, int, error)
}

// police reports whether id is an organisation of the police: a referral,
// a party and a support request never go to a partner.
func police(tree *org.Tree, id int64) (org.Org, bool) {
	o, ok := tree.ByID(id)
	return o, ok && o.Kind != org.KindPartner
}

// Targets lists the police organisations other than exclude, in tree
// order: where a referral or a joint case may go.
func Targets(tree *org.Tree, exclude int64) []org.Org {
	var out []org.Org
	for _, o := range tree.InOrder() {
		if o.Kind != org.KindPartner && o.ID != exclude {
			out = append(out, o)
		}
	}
	return out
}

// SupportTargets lists where a support request may go: every police
// organisation but exclude, the units (the National Cyber Unit and the
// analysis units) first.
func SupportTargets(tree *org.Tree, exclude int64) []org.Org {
	all := Targets(tree, exclude)
	slices.SortStableFunc(all, func(a, b org.Org) int {
		au, bu := a.Kind == org.KindUnit, b.Kind == org.KindUnit
		switch {
		case au && !bu:
			return -1
		case bu && !au:
			return 1
		}
		return 0
	})
	return all
}

// Between is what a case page shows of the organisations around a case.
type Between struct {
	Referrals []Referral // oldest first
	Pending   *Referral  // the referral waiting for an answer, nil for none
	Parties   []Party    // organisations taking part now
	Former    []Party    // those that took part and were removed (the timeline names them)
	Support   []SupportRequest
	// What the viewer may do here.
	CanRefer          bool // refer the case (when it may be referred)
	CanAnswer         bool // accept or decline the pending referral
	CanWithdraw       bool // withdraw the pending referral
	CanParties        bool // add and remove parties
	CanRequestSupport bool
	Workable          map[int64]bool // the open support requests the viewer may work
}

// Between returns the referrals, parties and support requests of a case
// the viewer has opened (Get, which audited the read), and what the viewer
// may do with them.
func (s *Service) Between(ctx context.Context, p auth.Principal, c *Case) (*Between, error) {
	b := &Between{}
	var err error
	if b.Referrals, err = s.store.Referrals(ctx, c.ID); err != nil {
		return nil, err
	}
	for i := range b.Referrals {
		if b.Referrals[i].Status == ReferralPending {
			b.Pending = &b.Referrals[i]
		}
	}
	parties, err := s.store.Parties(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, pa := range parties {
		if pa.RemovedAt.IsZero() {
			b.Parties = append(b.Parties, pa)
		} else {
			b.Former = append(b.Former, pa)
		}
	}
	if b.Support, err = s.store.SupportRequests(ctx, c.ID); err != nil {
		return nil, err
	}
	b.Workable = map[int64]bool{}
	for i := range b.Support {
		if r := &b.Support[i]; r.Status.Open() {
			if b.Workable[r.ID], err = s.mayWork(ctx, p, r); err != nil {
				return nil, err
			}
		}
	}
	canRefer, err := s.access.Can(ctx, p, access.Refer, c.Object())
	if err != nil {
		return nil, err
	}
	b.CanRefer = canRefer && b.Pending == nil && c.Status != StatusClosed
	if b.Pending != nil {
		b.CanWithdraw = canRefer
		if b.CanAnswer, err = s.mayAnswer(ctx, p, b.Pending, c); err != nil {
			return nil, err
		}
	}
	if b.CanParties, err = s.access.Can(ctx, p, access.Grant, c.Object()); err != nil {
		return nil, err
	}
	if b.CanRequestSupport, err = s.access.Can(ctx, p, access.RequestSupport, c.Object()); err != nil {
		return nil, err
	}
	return b, nil
}

// MayView reports whether p may still view a case, without auditing: the
// question a live page asks before it is told that the case changed. A
// missing case is false.
func (s *Service) MayView(ctx context.Context, p auth.Principal, caseID int64) (bool, error) {
	c, err := s.store.Case(ctx, caseID)
	if koban.ErrorCode(err) == koban.NotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return s.access.Can(ctx, p, access.View, c.Object())
}

// refuse audits a refusal of right on a case and returns err.
func (s *Service) refuse(ctx context.Context, p auth.Principal, caseID int64, right string, err error) error {
	if aerr := s.store.Audit(ctx, s.entry(p, caseID, "case.refused", map[string]any{"right": right})); aerr != nil {
		return aerr
	}
	return err
}

// notFoundOrForbidden is the refusal of an action on a case: NotFound when
// p may not even view it, Forbidden otherwise. It is audited.
func (s *Service) notFoundOrForbidden(ctx context.Context, p auth.Principal, c *Case, right string) error {
	seen, err := s.access.Can(ctx, p, access.View, c.Object())
	if err != nil {
		return err
	}
	if seen {
		return s.refuse(ctx, p, c.ID, right, koban.Errorf(koban.Forbidden, "error.forbidden"))
	}
	return s.refuse(ctx, p, c.ID, right, koban.Errorf(koban.NotFound, "error.not_found"))
}

// day is the calendar day of t in the service's zone, as midnight UTC (the
// form due days are kept in).
func (s *Service) day(t time.Time) time.Time {
	y, m, d := t.In(s.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
