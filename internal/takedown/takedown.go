// Package takedown carries a request to a provider — take this phishing
// page, this malware link, this scam shop down — from its draft to a
// verified removal.
//
// An officer drafts a request from a URL, typed or from a record: a report
// (its page links each of its values), a case (the request then belongs to
// it: the officer must be able to view the case, and every report linked
// to it must be marked so that it may leave koban), a value's page (the
// officer picks the record among those they see holding the value) or a
// confirmed patrol finding. koban finds the provider's abuse contact
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
//
// Two kinds of request are no takedown of a page: asking a bank to freeze
// an account (口座凍結の依頼) and a carrier to take measures against a
// phone number (利用停止等の措置の依頼). Their target is the account or the
// number in observe's canonical form; the recipient is the one the officer
// enters (koban keeps no directory of banks' and carriers' addresses); the
// mail is a letter in the recipient's language with the account or number,
// the reason and the ticket in the subject, gathered per recipient like
// the others, without X-ARF and without a page to preserve. Nothing is
// looked at after sending: the officer records the answer — acknowledged,
// then done (frozen, measures taken) or refused, with a note. They are
// counted apart from removals (no removal rate to hold against the IHC's).
package takedown

import (
	"context"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/observe"
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
	// The ends of a freeze or of phone measures, as the officer records
	// them.
	Done    = "done"    // frozen, measures taken
	Refused = "refused" // the bank or carrier declined
)

// Kind is what a request asks for.
type Kind string

// The kinds of request: three takedowns of a page (X-ARF's kinds), a
// freeze of a bank account and measures against a phone number.
const (
	Phishing      Kind = Kind(xarf.Phishing)
	Malware       Kind = Kind(xarf.Malware)
	Fraud         Kind = Kind(xarf.Fraud)
	AccountFreeze Kind = "account_freeze" // 口座凍結の依頼
	PhoneMeasures Kind = "phone_measures" // 利用停止等の措置の依頼
)

// Kinds lists every kind, in the order forms offer them.
func Kinds() []Kind { return []Kind{Phishing, Fraud, Malware, AccountFreeze, PhoneMeasures} }

// Removal says whether the kind asks for a page to be taken down: a URL,
// sent with X-ARF, the page preserved first and looked at afterwards.
func (k Kind) Removal() bool { return k == Phishing || k == Malware || k == Fraud }

// Measure says whether the kind asks a bank or a carrier to act on an
// account or a number.
func (k Kind) Measure() bool { return k == AccountFreeze || k == PhoneMeasures }

// ValueType is the type of value a measure is about (a bank account, a
// phone number); "" for a removal.
func (k Kind) ValueType() observe.Type {
	switch k {
	case AccountFreeze:
		return observe.BankAccount
	case PhoneMeasures:
		return observe.Phone
	}
	return ""
}

// KindFor is the kind of measure about a type of value; ok is false for a
// type no measure is about.
func KindFor(t observe.Type) (Kind, bool) {
	switch t {
	case observe.BankAccount:
		return AccountFreeze, true
	case observe.Phone:
		return PhoneMeasures, true
	}
	return "", false
}

// Reasons are the reasons a measure may be asked for, by kind: each is a
// catalog key takedown.reason.<code> (what the officer picks) and
// takedown.letter.reason.<code> (the sentence the letter says).
func Reasons(k Kind) []string {
	switch k {
	case AccountFreeze:
		return []string{"fraud_transfer", "unauthorized_transfer", "account_sale", "account_other"}
	case PhoneMeasures:
		return []string{"fraud_call", "fraud_sms", "line_sale", "phone_other"}
	}
	return nil
}

// Request is one takedown request.
type Request struct {
	ID        int64
	OrgID     int64
	Ticket    string // koban's id, in the mail's subject: "TD-2026-000042"
	Kind      Kind
	Target    string // the URL to take down; the account or number (observe's canonical form) of a measure
	FraudType string // for fraud: investment, shopping, …
	Reason    string // for a measure: one of Reasons(Kind)
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
	// A measure's end as the officer recorded it (done or refused): when,
	// and their note.
	ResolvedAt  time.Time
	OutcomeNote string
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
