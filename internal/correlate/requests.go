package correlate

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
)

// Access requests: an officer who sees a value's records in another
// organisation only as counts asks that organisation for them
// (Service.RequestAccess). The owner answers from its inbox: it grants —
// a view grant, to the officer who asked, on each of the owner's records
// that hold the value, for a number of days (30 unless the owner says
// otherwise, at most 90), after which the access layer no longer honours
// it — or refuses with a reason. The officer who asked sees the answer on
// their "my requests" page, with the records while the grant runs, and is
// told by e-mail when koban sends mail.

// ObjectAccessRequest names access requests to the access decision: a
// request belongs to the organisation asked, whose officers with the grant
// right answer it.
const ObjectAccessRequest = "access_request"

// The statuses of a request.
const (
	RequestOpen    = "open"
	RequestGranted = "granted"
	RequestRefused = "refused"
)

// How long a grant runs, in days.
const (
	DefaultGrantDays = 30
	MaxGrantDays     = 90
)

// RequestRow is an access request with the value it names and its answer.
type RequestRow struct {
	AccessRequest
	Value      observe.Observable
	AnsweredBy int64
	AnsweredAt time.Time
	Answer     string    // why it was refused
	ExpiresAt  time.Time // when the grants end
	// Records are the records granted, for the officer who asked.
	Records []Occurrence
}

// Expired reports whether a granted request's grants have run out.
func (r RequestRow) Expired(now time.Time) bool {
	return r.Status == RequestGranted && !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt)
}

// RequestFilter selects access requests.
type RequestFilter struct {
	Scope       access.Scope // the owners whose inbox is listed (when RequesterID is 0)
	RequesterID int64        // the requests one officer made
	Status      string       // "": any; "open"; "answered"
	Limit       int
	Offset      int
}

// RequestStore is what the inbox needs of the database. A missing request
// is NotFound.
type RequestStore interface {
	AccessRequest(ctx context.Context, id int64) (*RequestRow, error)
	// AccessRequests lists requests, open ones first, newest first, and
	// their total.
	AccessRequests(ctx context.Context, f RequestFilter) ([]RequestRow, int, error)
	// OwnerRecords returns the records owned by owner that hold a value.
	OwnerRecords(ctx context.Context, valueID, owner int64) ([]Key, error)
	// AnswerAccessRequest locks a request and lets fn answer it, then
	// stores the answer, the grants fn returns (named as the request's)
	// and the audit entry in one transaction.
	AnswerAccessRequest(ctx context.Context, id int64, fn func(*RequestRow) ([]access.GrantRow, audit.Entry, error)) error
	// GrantedRecords returns the records a request was answered with.
	GrantedRecords(ctx context.Context, requestID int64) ([]Key, error)
	Labels(ctx context.Context, keys []Key) (map[Key]string, error)
	User(ctx context.Context, id int64) (*auth.User, error)
	Audit(ctx context.Context, e audit.Entry) error
}

// Notifier tells an officer by e-mail that their access request was
// answered. The mail names the request's number only.
type Notifier interface {
	NotifyAccessAnswer(ctx context.Context, to string, requestID int64, granted bool) error
}

// Requests is the owners' inbox of access requests and the requesters'
// list of their own.
type Requests struct {
	store    RequestStore
	access   *access.Decider
	tree     func() *org.Tree
	clock    koban.Clock
	log      *slog.Logger
	notifier Notifier
}

// NewRequests returns the access-request inbox.
func NewRequests(st RequestStore, d *access.Decider, tree func() *org.Tree, clock koban.Clock, log *slog.Logger) *Requests {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Requests{store: st, access: d, tree: tree, clock: clock, log: log}
}

// SetNotifier makes answers send an e-mail to the officer who asked.
func (s *Requests) SetNotifier(n Notifier) { s.notifier = n }

func requestObject(r *RequestRow) access.Object {
	return access.Object{Type: ObjectAccessRequest, ID: r.ID, OrgID: r.OwnerOrgID}
}

func (s *Requests) entry(p auth.Principal, id int64, action string, detail map[string]any) audit.Entry {
	return audit.Entry{Actor: p.Actor(), Action: action, ObjectType: ObjectAccessRequest, ObjectID: strconv.FormatInt(id, 10), Detail: detail}
}

// RequestQuery selects requests.
type RequestQuery struct {
	Mine   bool   // the officer's own requests, not the inbox
	Status string // "": any; "open"; "answered"
	Limit  int
	Offset int
}

// List returns the inbox of the organisations p answers for (or, with
// Mine, p's own requests) and its total.
func (s *Requests) List(ctx context.Context, p auth.Principal, q RequestQuery) ([]RequestRow, int, error) {
	f := RequestFilter{Status: q.Status}
	if q.Mine {
		if !p.Can(auth.PermObservableRead) {
			return nil, 0, koban.Errorf(koban.Forbidden, "error.forbidden")
		}
		f.RequesterID = p.UserID
	} else if f.Scope = s.access.ScopeOf(p, ObjectAccessRequest, access.Grant); f.Scope.None {
		return nil, 0, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	if q.Status != "" && q.Status != RequestOpen && q.Status != "answered" {
		return nil, 0, koban.FieldError("status", "access_request.error.status")
	}
	f.Limit, f.Offset = q.Limit, max(q.Offset, 0)
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.store.AccessRequests(ctx, f)
}

// Get returns one request to the owner's side or to the officer who asked
// (with the records granted); to anyone else it is NotFound.
func (s *Requests) Get(ctx context.Context, p auth.Principal, id int64) (*RequestRow, bool, error) {
	r, err := s.store.AccessRequest(ctx, id)
	if err != nil {
		return nil, false, err
	}
	owner, err := s.access.Can(ctx, p, access.Grant, requestObject(r))
	if err != nil {
		return nil, false, err
	}
	if !owner && r.RequesterID != p.UserID {
		return nil, false, koban.Errorf(koban.NotFound, "error.not_found")
	}
	if r.Status == RequestGranted {
		keys, err := s.store.GrantedRecords(ctx, id)
		if err != nil {
			return nil, false, err
		}
		labels, err := s.store.Labels(ctx, keys)
		if err != nil {
			return nil, false, err
		}
		for _, k := range keys {
			r.Records = append(r.Records, Occurrence{Key: k, Label: labels[k]})
		}
	}
	return r, owner, nil
}

// answerable loads a request p may answer: p's organisation owns the
// records asked for (or is above the owner) and p's role may share them.
// Anyone else is refused as if the request did not exist, audited.
func (s *Requests) answerable(ctx context.Context, p auth.Principal, id int64) (*RequestRow, error) {
	r, err := s.store.AccessRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, p, access.Grant, requestObject(r)); err != nil {
		if aerr := s.store.Audit(ctx, s.entry(p, id, "access_request.refused", map[string]any{"right": string(access.Grant)})); aerr != nil {
			return nil, aerr
		}
		return nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	return r, nil
}

// Grant answers a request with view grants, for days (0: the default), on
// each of the owner's records that hold the value. A request answered
// already is a Conflict; so is one whose records the owner no longer holds.
func (s *Requests) Grant(ctx context.Context, p auth.Principal, id int64, days int) (*RequestRow, error) {
	r, err := s.answerable(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if days == 0 {
		days = DefaultGrantDays
	}
	if days < 1 || days > MaxGrantDays {
		return nil, koban.FieldError("days", "access_request.error.days")
	}
	keys, err := s.store.OwnerRecords(ctx, r.ValueID, r.OwnerOrgID)
	if err != nil {
		return nil, err
	}
	var records []Key
	for _, k := range keys {
		ok, err := s.access.Can(ctx, p, access.Grant, access.Object{Type: string(k.Type), ID: k.ID, OrgID: r.OwnerOrgID})
		if err != nil {
			return nil, err
		}
		if ok {
			records = append(records, k)
		}
	}
	if len(records) == 0 {
		return nil, koban.Errorf(koban.Conflict, "access_request.error.no_records")
	}
	now := s.clock.Now()
	expires := now.Add(time.Duration(days) * 24 * time.Hour)
	var out RequestRow
	err = s.store.AnswerAccessRequest(ctx, id, func(r *RequestRow) ([]access.GrantRow, audit.Entry, error) {
		if r.Status != RequestOpen {
			return nil, audit.Entry{}, koban.Errorf(koban.Conflict, "access_request.error.answered")
		}
		r.Status, r.AnsweredBy, r.AnsweredAt, r.ExpiresAt = RequestGranted, p.UserID, now, expires
		var gs []access.GrantRow
		for _, k := range records {
			gs = append(gs, access.GrantRow{ObjectType: string(k.Type), ObjectID: k.ID, UserID: r.RequesterID, Rights: []access.Right{access.View},
				ExpiresAt: expires, GrantedBy: p.UserID, Reason: r.Reason, CreatedAt: now})
		}
		out = *r
		return gs, s.entry(p, id, "access_request.grant", map[string]any{"records": len(gs), "days": days, "requester": r.RequesterID}), nil
	})
	if err != nil {
		return nil, err
	}
	s.tell(ctx, &out)
	return &out, nil
}

// Refuse answers a request with a refusal and its reason.
func (s *Requests) Refuse(ctx context.Context, p auth.Principal, id int64, reason string) (*RequestRow, error) {
	if _, err := s.answerable(ctx, p, id); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, koban.FieldError("reason", "access_request.error.reason_required")
	case utf8.RuneCountInString(reason) > 2000 || !utf8.ValidString(reason):
		return nil, koban.FieldError("reason", "access_request.error.reason_too_long")
	}
	now := s.clock.Now()
	var out RequestRow
	err := s.store.AnswerAccessRequest(ctx, id, func(r *RequestRow) ([]access.GrantRow, audit.Entry, error) {
		if r.Status != RequestOpen {
			return nil, audit.Entry{}, koban.Errorf(koban.Conflict, "access_request.error.answered")
		}
		r.Status, r.AnsweredBy, r.AnsweredAt, r.Answer = RequestRefused, p.UserID, now, reason
		out = *r
		return nil, s.entry(p, id, "access_request.refuse", map[string]any{"requester": r.RequesterID}), nil
	})
	if err != nil {
		return nil, err
	}
	s.tell(ctx, &out)
	return &out, nil
}

// tell mails the officer who asked, when koban sends mail. The answer is
// stored and shown on their page whatever happens to the mail.
func (s *Requests) tell(ctx context.Context, r *RequestRow) {
	if s.notifier == nil {
		return
	}
	u, err := s.store.User(ctx, r.RequesterID)
	if err != nil || u.Disabled {
		return
	}
	if err := s.notifier.NotifyAccessAnswer(ctx, u.Email, r.ID, r.Status == RequestGranted); err != nil {
		s.log.Error("notify access request answer", "request", r.ID, "err", err)
	}
}
