package cases

import (
	"context"
	"github.com/koban-project/koban/internal/blob"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// Technical-support requests (技術支援依頼): an investigator asks a unit —
// the National Cyber Unit, an analysis unit, or any police organisation —
// for work on a case. The unit gets a grant (view + download_evidence)
// while the request is open, so it sees the case whatever its prefecture,
// and works the request from its queue: requested → accepted → answered,
// or declined with a reason. The answer comes back into the case as a
// note by the officer who answered. The grant is kept after the answer
// (read-only: view and evidence, never edit), so the unit can still read
// the case it worked on; it is revoked when the request is declined.

// SupportKind is what kind of work is asked for.
type SupportKind string

// The kinds of work.
const (
	SupportDeviceImage   SupportKind = "device_image"   // 端末の保全・解析
	SupportMalware       SupportKind = "malware"        // 不正プログラム解析
	SupportLogAnalysis   SupportKind = "log_analysis"   // ログ解析
	SupportCryptoTracing SupportKind = "crypto_tracing" // 暗号資産の追跡
	SupportOther         SupportKind = "other"
)

// SupportKinds lists the kinds of work, in form order.
var SupportKinds = []SupportKind{SupportDeviceImage, SupportMalware, SupportLogAnalysis, SupportCryptoTracing, SupportOther}

// SupportStatus is where a request stands.
type SupportStatus string

// The request statuses.
const (
	SupportRequested SupportStatus = "requested"
	SupportAccepted  SupportStatus = "accepted"
	SupportAnswered  SupportStatus = "answered"
	SupportDeclined  SupportStatus = "declined"
)

// SupportStatuses lists them in workflow order.
var SupportStatuses = []SupportStatus{SupportRequested, SupportAccepted, SupportAnswered, SupportDeclined}

// Open reports whether the unit still owes work on a request.
func (st SupportStatus) Open() bool { return st == SupportRequested || st == SupportAccepted }

// SupportRequest is work asked of a unit on a case.
type SupportRequest struct {
	ID          int64
	CaseID      int64
	FromOrgID   int64 // the asking officer's organisation
	ToOrgID     int64 // the unit asked
	Kind        SupportKind
	Description string
	Due         time.Time // a calendar day (midnight UTC); zero when none
	Status      SupportStatus
	GrantID     int64
	RequestedBy int64
	RequestedAt time.Time
	AcceptedBy  int64
	AcceptedAt  time.Time
	AnsweredBy  int64 // who answered or declined
	AnsweredAt  time.Time
	Answer      string // the result, or why it was declined
	NoteID      int64  // the case note the answer became
	// Filled in lists across cases.
	CaseNumber string
	CaseTitle  string
}

// Overdue reports whether an open request's due day is before today (a
// calendar day, midnight UTC).
func (r SupportRequest) Overdue(today time.Time) bool {
	return r.Status.Open() && !r.Due.IsZero() && r.Due.Before(today)
}

// SupportFilter selects support requests across cases.
type SupportFilter struct {
	// Scope holds the organisations whose requests are listed: as the unit
	// asked, or as the asking organisation with Out.
	Scope  access.Scope
	Out    bool
	Status []SupportStatus // any of them; none: all
	Limit  int
	Offset int
}

// SupportChange is what UpdateSupport stores besides the request.
type SupportChange struct {
	Event       Event
	Audit       audit.Entry
	RevokeGrant bool  // the unit's grant ends
	Note        *Note // added to the case (the answer)
}

// ResultFile is a file that comes with an answer.
type ResultFile struct {
	Name   string
	Body   io.Reader    // read and staged when Staged is nil
	Staged *blob.Staged // already on disk (a form streamed it); the caller closes it
}

// SupportEvidence attaches the files of an answer to the case as evidence:
// EvidenceService implements it and the app hands it to SetSupportEvidence.
// Without one an answer carries text only (the note), and an answer with
// files is refused.
type SupportEvidence interface {
	// AttachSupportResult is called once the answer (r) is stored, in the
	// name of the officer who answered.
	AttachSupportResult(ctx context.Context, p auth.Principal, r *SupportRequest, files []ResultFile) error
}

// SetSupportEvidence makes answers with files attach them as evidence.
func (s *Service) SetSupportEvidence(e SupportEvidence) { s.evidence = e }

// NewSupport is what an investigator fills in to ask for work.
type NewSupport struct {
	ToOrgID     int64
	Kind        string
	Description string
	Due         string // YYYY-MM-DD, "" for none
}

// Limits on support requests.
const (
	maxDescription = 10000
	maxAnswer      = 20000
)

// RequestSupport asks a unit for work on a case: p needs the
// request_support right on it. The unit may be any police organisation but
// p's own; the due day, when given, may not be past.
func (s *Service) RequestSupport(ctx context.Context, p auth.Principal, caseID int64, in NewSupport) (*SupportRequest, error) {
	c, err := s.load(ctx, p, caseID, access.RequestSupport)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	r := &SupportRequest{CaseID: c.ID, FromOrgID: p.OrgID, ToOrgID: in.ToOrgID, Kind: SupportKind(strings.TrimSpace(in.Kind)),
		Status: SupportRequested, RequestedBy: p.UserID, RequestedAt: now}
	var pr koban.Problems
	tree := s.tree()
	if _, ok := tree.ByID(in.ToOrgID); !ok {
		pr.Add("to", "support.error.to")
	} else if _, ok := police(tree, in.ToOrgID); !ok {
		pr.Add("to", "support.error.partner")
	} else if in.ToOrgID == p.OrgID {
		pr.Add("to", "support.error.self")
	}
	if !slices.Contains(SupportKinds, r.Kind) {
		pr.Add("kind", "support.error.kind")
	}
	r.Description = s.text(&pr, "description", in.Description, maxDescription, true, true)
	if strings.TrimSpace(in.Due) != "" {
		if r.Due, err = ParseDay(in.Due); err != nil {
			pr.Add("due", "case.error.due")
		} else if r.Due.Before(s.day(now)) {
			pr.Add("due", "support.error.due_past")
		}
	}
	if c.Status == StatusClosed {
		pr.Add("status", "support.error.closed")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	g := &access.GrantRow{ObjectType: ObjectType, ObjectID: c.ID, OrgID: r.ToOrgID, Rights: []access.Right{access.View, access.DownloadEvidence},
		GrantedBy: p.UserID, Reason: "support:" + string(r.Kind), CreatedAt: now}
	err = s.store.CreateSupport(ctx, r, g, s.entry(p, c.ID, "case.support_request", map[string]any{"to_org": r.ToOrgID, "kind": string(r.Kind)}))
	if err != nil {
		return nil, err
	}
	return r, nil
}

// mayWork reports whether p may work request r: an officer of the unit
// asked, or of an organisation above it, whose role reads reports (the
// analysts who answer have no other right on cases).
func (s *Service) mayWork(ctx context.Context, p auth.Principal, r *SupportRequest) (bool, error) {
	return s.access.Can(ctx, p, access.View, access.Object{Type: ObjectSupport, ID: r.ID, OrgID: r.ToOrgID})
}

// workable loads a request p may work. Those who may not are refused like
// other refusals on its case (audited): Forbidden when they see the case,
// NotFound otherwise.
func (s *Service) workable(ctx context.Context, p auth.Principal, id int64) (*SupportRequest, error) {
	r, err := s.store.SupportRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.mayWork(ctx, p, r)
	if err != nil || ok {
		return r, err
	}
	c, err := s.store.Case(ctx, r.CaseID)
	if err != nil {
		return nil, err
	}
	return nil, s.notFoundOrForbidden(ctx, p, c, "support")
}

// Workable loads a request p may work (accept, answer, decline, or add
// what the work found, such as a malware sample), refusing others as the
// case's other refusals are refused.
func (s *Service) Workable(ctx context.Context, p auth.Principal, id int64) (*SupportRequest, error) {
	return s.workable(ctx, p, id)
}

// AcceptSupport takes a request into the unit's work.
func (s *Service) AcceptSupport(ctx context.Context, p auth.Principal, id int64) (*SupportRequest, error) {
	if _, err := s.workable(ctx, p, id); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	return s.updateSupport(ctx, id, func(r *SupportRequest) (SupportChange, error) {
		if r.Status != SupportRequested {
			return SupportChange{}, koban.Errorf(koban.Conflict, "support.error.state")
		}
		r.Status, r.AcceptedBy, r.AcceptedAt = SupportAccepted, p.UserID, now
		return SupportChange{Event: Event{At: now, ActorID: p.UserID, Kind: EventSupportAccepted, RefID: r.ID},
			Audit: s.entry(p, r.CaseID, "case.support_accept", map[string]any{"request": r.ID})}, nil
	})
}

// AnswerSupport answers a request: text (Markdown) becomes a note on the
// case by p; files, when given, go to the case's evidence through the
// SupportEvidence hook. A request not yet accepted is accepted with it.
func (s *Service) AnswerSupport(ctx context.Context, p auth.Principal, id int64, text string, files []ResultFile) (*SupportRequest, error) {
	if _, err := s.workable(ctx, p, id); err != nil {
		return nil, err
	}
	var pr koban.Problems
	text = s.text(&pr, "answer", text, maxAnswer, true, true)
	if len(files) > 0 && s.evidence == nil {
		pr.Add("files", "support.error.files")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out, err := s.updateSupport(ctx, id, func(r *SupportRequest) (SupportChange, error) {
		if !r.Status.Open() {
			return SupportChange{}, koban.Errorf(koban.Conflict, "support.error.state")
		}
		if r.Status == SupportRequested {
			r.AcceptedBy, r.AcceptedAt = p.UserID, now
		}
		r.Status, r.AnsweredBy, r.AnsweredAt, r.Answer = SupportAnswered, p.UserID, now, text
		return SupportChange{Event: Event{At: now, ActorID: p.UserID, Kind: EventSupportAnswered, RefID: r.ID},
			Audit: s.entry(p, r.CaseID, "case.support_answer", map[string]any{"request": r.ID, "runes": utf8.RuneCountInString(text), "files": len(files)}),
			Note:  &Note{CaseID: r.CaseID, AuthorID: p.UserID, Body: text, CreatedAt: now}}, nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) > 0 {
		if err := s.evidence.AttachSupportResult(ctx, p, out, files); err != nil {
			return out, err
		}
	}
	return out, nil
}

// DeclineSupport declines a request with a reason; the unit's grant ends.
func (s *Service) DeclineSupport(ctx context.Context, p auth.Principal, id int64, reason string) (*SupportRequest, error) {
	if _, err := s.workable(ctx, p, id); err != nil {
		return nil, err
	}
	var pr koban.Problems
	reason = s.text(&pr, "reason", reason, maxReason, true, true)
	if err := pr.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	return s.updateSupport(ctx, id, func(r *SupportRequest) (SupportChange, error) {
		if !r.Status.Open() {
			return SupportChange{}, koban.Errorf(koban.Conflict, "support.error.state")
		}
		r.Status, r.AnsweredBy, r.AnsweredAt, r.Answer = SupportDeclined, p.UserID, now, reason
		return SupportChange{Event: Event{At: now, ActorID: p.UserID, Kind: EventSupportDeclined, RefID: r.ID, Text: reason}, RevokeGrant: true,
			Audit: s.entry(p, r.CaseID, "case.support_decline", map[string]any{"request": r.ID})}, nil
	})
}

func (s *Service) updateSupport(ctx context.Context, id int64, fn func(*SupportRequest) (SupportChange, error)) (*SupportRequest, error) {
	var out SupportRequest
	var note *Note
	err := s.store.UpdateSupport(ctx, id, func(r *SupportRequest) (SupportChange, error) {
		ch, err := fn(r)
		out, note = *r, ch.Note
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	if note != nil {
		out.NoteID = note.ID // the store names the note it added
	}
	return &out, nil
}

// SupportQuery selects a unit's queue (or the requests an organisation
// sent, with Out).
type SupportQuery struct {
	Out    bool
	Status string // "open" (the default: requested or accepted), "answered", "declined" or "all"
	Limit  int
	Offset int
}

// SupportQueue lists the requests to the units p works for (or, with Out,
// from p's organisations), and their total.
func (s *Service) SupportQueue(ctx context.Context, p auth.Principal, q SupportQuery) ([]SupportRequest, int, error) {
	right := access.View
	if q.Out {
		right = access.RequestSupport
	}
	f := SupportFilter{Scope: s.access.ScopeOf(p, ObjectSupport, right), Out: q.Out}
	if f.Scope.None {
		return nil, 0, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	switch q.Status {
	case "", "open":
		f.Status = []SupportStatus{SupportRequested, SupportAccepted}
	case "all":
	case string(SupportAnswered), string(SupportDeclined):
		f.Status = []SupportStatus{SupportStatus(q.Status)}
	default:
		return nil, 0, koban.FieldError("status", "support.error.status")
	}
	f.Limit, f.Offset = clampPage(q.Limit, q.Offset)
	return s.store.SupportList(ctx, f)
}

// Today is the current calendar day in the service's zone (midnight UTC),
// against which due days are judged.
func (s *Service) Today() time.Time { return s.day(s.clock.Now()) }

// MayWork reports whether p may work the request r (accept, answer or
// decline it): for pages that offer the forms.
func (s *Service) MayWork(ctx context.Context, p auth.Principal, r *SupportRequest) (bool, error) {
	return s.mayWork(ctx, p, r)
}
