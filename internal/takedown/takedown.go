// Package takedown carries a request to a provider — take this phishing
// page, this malware link, this scam shop down — from its draft to a
// verified removal.
//
// An officer drafts a request from a URL (typed, or from a report, a case's
// report or a patrol finding); koban finds the provider's abuse contact
// (package rdap: RDAP, WHOIS for .jp), the officer checks it and sends. The
// mail (ja for a Japanese recipient, else en) goes through the outbox with
// the X-ARF v4 report attached (package xarf) and a ticket id in the
// subject. What goes out is the URL, the kind of abuse, when it was seen and
// the officer's note: never the citizen's report, name or contact. A
// record marked RED or AMBER+STRICT is not the source of any request.
//
// After sending, koban looks at the URL itself through the egress client
// at +1 h, 6 h, 24 h, 72 h and 7 d (one job each): a page that answers 404,
// 410 or 451, or whose name no longer resolves, or whose server refuses the
// connection, is down; two checks in a row that find it down confirm the
// removal; a removed page that answers again has reappeared, which reopens
// the request and starts the checks again. Each check is kept. Statistics
// give the removal rate and the median and 90th percentile time from
// sending to confirmed removal, per provider and per kind, beside the
// Internet Hotline Center's 71–80 %.
//
// Preservation first (the IHC's rule): a request is not sent before koban
// holds the page as evidence — the capture of the finding it comes from,
// or a fetch made when it is drafted (a job, retried) — and that body goes
// with the X-ARF report, named by its SHA-256. Until then the request's
// page says it is waiting.
package takedown

import (
	"context"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/xarf"
)

// States of a request.
const (
	Draft        = "draft"
	Sent         = "sent"
	Acknowledged = "acknowledged" // the provider answered
	Down         = "down"         // a check found it down once
	Removed      = "removed"      // two checks in a row found it down
	Reappeared   = "reappeared"   // back after it was removed: the request is open again
	Withdrawn    = "withdrawn"
)

// Request is one takedown request.
type Request struct {
	ID        int64
	OrgID     int64
	Ticket    string // koban's id, in the mail's subject: "TD-2026-000042"
	Kind      xarf.Kind
	Target    string // the URL to take down
	FraudType string // for fraud: investment, shopping, …
	Source    correlate.Key
	CaseID    int64  // the case it belongs to; 0 for none
	Note      string // the officer's words, sent as they are
	State     string
	// The provider's abuse contact, as found and as the officer left it.
	RecipientEmail string
	RecipientName  string
	RecipientBasis string // how it was found (rdap's Basis), or "officer"
	CreatedBy      int64
	CreatedAt      time.Time
	SentAt         time.Time
	AcknowledgedAt time.Time
	FirstDownAt    time.Time
	RemovedAt      time.Time
	ReappearedAt   time.Time
	ClosedAt       time.Time
	// The page as koban kept it before asking (preservation first): the
	// request is not sent until it is.
	EvidenceSHA256 string
	EvidenceType   string
	PreservedAt    time.Time
	PreserveError  string
	MailedAt       time.Time // when its mail was queued (requests to one provider go together)
	Checks         []Check   // newest first, when loaded
}

// ObjectType is a request's type for the access decision and the audit
// log.
const ObjectType = "takedown"

// Object is the request as the access decision sees it: a record of its
// organisation, amber like every record without a marking.
func (r *Request) Object() access.Object {
	return access.Object{Type: ObjectType, ID: r.ID, OrgID: r.OrgID}
}

// Check is one look at the target after sending.
type Check struct {
	ID        int64
	RequestID int64
	At        time.Time
	Status    int    // the HTTP status; 0 when there was no answer
	Down      bool   // what the check concluded
	Detail    string // why (the error, or the status)
}

// Store keeps requests and their checks.
type Store interface {
	CreateTakedown(ctx context.Context, r *Request, e audit.Entry) error
	Takedown(ctx context.Context, id int64) (*Request, error)
	// Takedowns lists the requests in scope, newest first.
	Takedowns(ctx context.Context, scope access.Scope, limit int) ([]*Request, error)
	// CaseTakedowns lists the requests in scope that belong to a case,
	// newest first.
	CaseTakedowns(ctx context.Context, caseID int64, scope access.Scope, limit int) ([]*Request, error)
	// UpdateTakedown writes the request's state, recipient and times with
	// the audit entry.
	UpdateTakedown(ctx context.Context, r *Request, e audit.Entry) error
	// AddTakedownCheck stores a check and the request as it now stands.
	AddTakedownCheck(ctx context.Context, r *Request, c *Check) error
	TakedownChecks(ctx context.Context, id int64, limit int) ([]Check, error)
	// Record tells a source record's owner and marking.
	Record(ctx context.Context, k correlate.Key) (correlate.Occurrence, error)
	// Confirmed says whether a record may leave koban: a patrol finding
	// only once an analyst confirmed it; every other record yes.
	Confirmed(ctx context.Context, k correlate.Key) (bool, error)
	// FindingCapture is the body (SHA-256, content type) of the capture
	// a finding was made from.
	FindingCapture(ctx context.Context, findingID int64) (sha256, contentType string, err error)
	// UpdateTakedownQuietly writes a request without an audit entry (what
	// a job found, not what someone did).
	UpdateTakedownQuietly(ctx context.Context, r *Request) error
	// Unmailed returns the sent requests to a recipient whose mail has not
	// gone yet.
	Unmailed(ctx context.Context, recipient string) ([]*Request, error)
}
