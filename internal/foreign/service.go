package foreign

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// Cases is what requests need of the case service: the access decision
// on the case a request belongs to.
type Cases interface {
	Authorize(ctx context.Context, p auth.Principal, caseID int64, right access.Right) (*cases.Case, error)
	Can(ctx context.Context, p auth.Principal, c *cases.Case, right access.Right) (bool, error)
}

// People finds the case lead's address for reminders.
type People interface {
	User(ctx context.Context, id int64) (*auth.User, error)
}

// Notifier mails reminders.
type Notifier interface {
	// NotifyForeignDeadline tells the case's lead that a request's clock
	// is near its end (or past it): the request's number, the case's and
	// the deadline, never what the request is about.
	NotifyForeignDeadline(ctx context.Context, to string, requestID int64, caseNumber string, deadline time.Time, past bool) error
}

// ServiceStore is what the service keeps requests, case timelines and
// audit rows in.
type ServiceStore interface {
	Store
	Audit(ctx context.Context, e audit.Entry) error
	Case(ctx context.Context, id int64) (*cases.Case, error)
}

// ClockJob is the job kind of a request's deadline: one job per
// deadline (key "<request>:<unix seconds>"), so that a renewal's new
// deadline gets its own and the old one ends quietly.
const ClockJob = "foreign.clock"

// Case timeline events of requests.
const (
	EventCreated  cases.EventKind = "foreign_created"
	EventMoved    cases.EventKind = "foreign_moved" // From → To
	EventRenewed  cases.EventKind = "foreign_renewed"
	EventReminder cases.EventKind = "foreign_reminder" // Text: the deadline
)

// Service is the international-requests capability.
type Service struct {
	store    ServiceStore
	cases    Cases
	people   People
	jobs     *jobs.Runner
	dir      *Directory
	tree     func() *org.Tree
	clock    koban.Clock
	zone     *time.Location // a form's times without an offset, and the timeline's
	log      *slog.Logger
	notifier Notifier
}

// NewService returns a Service and registers its clock job with the
// runner.
func NewService(st ServiceStore, c Cases, people People, r *jobs.Runner, dir *Directory, tree func() *org.Tree, clock koban.Clock, zone *time.Location, log *slog.Logger) *Service {
	if dir == nil {
		dir = DefaultDirectory()
	}
	if log == nil {
		log = slog.Default()
	}
	if zone == nil {
		zone = time.UTC
	}
	s := &Service{store: st, cases: c, people: people, jobs: r, dir: dir, tree: tree, clock: clock, zone: zone, log: log}
	r.Handle(ClockJob, s.clockJob)
	return s
}

// SetNotifier makes reminders go by e-mail too.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// Directory is the counterparts directory in use.
func (s *Service) Directory() *Directory { return s.dir }

// Input is a request as an officer writes it.
type Input struct {
	Direction   string
	Kind        string
	Country     string
	Counterpart string
	Regime      string // "" for the country's
	TheirRef    string
	Authority   string
	Offence     string
	Data        string
	Custodian   string
	Necessity   string
	FollowUp    bool
	Identifiers []IdentifierInput
	Note        string
	ReceivedAt  string // an incoming request: when it came (JST form time or RFC 3339); "" for now
}

// IdentifierInput is one identifier as typed.
type IdentifierInput struct {
	Type, Value, At, Port string
}

// Limits on what an officer types.
const (
	maxText        = 10000
	maxShort       = 300
	maxIdentifiers = 50
)

// Create records a request on a case p may edit: an outgoing one as a
// draft, an incoming one as received (its clock starts if it has one).
func (s *Service) Create(ctx context.Context, p auth.Principal, caseID int64, in Input) (*Request, error) {
	c, err := s.cases.Authorize(ctx, p, caseID, access.Edit)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	r, err := s.read(in, now)
	if err != nil {
		return nil, err
	}
	r.CaseID, r.OrgID, r.CreatedBy, r.CreatedAt, r.UpdatedAt = c.ID, c.OrgID, p.UserID, now, now
	ev := &cases.Event{CaseID: c.ID, At: now, ActorID: p.UserID, Kind: EventCreated, To: string(r.Kind)}
	if err := s.store.CreateForeignRequest(ctx, r, ev, s.entry(p, 0, "foreign.create", map[string]any{"case": c.ID, "kind": string(r.Kind),
		"direction": string(r.Direction), "country": r.Country})); err != nil {
		return nil, err
	}
	return r, s.schedule(ctx, r)
}

// read checks what was typed: every problem at once, by field.
func (s *Service) read(in Input, now time.Time) (*Request, error) {
	var pr koban.Problems
	text := func(field, v string, max int, required bool) string {
		v = strings.TrimSpace(v)
		switch {
		case required && v == "":
			pr.Add(field, "foreign.error.required")
		case utf8.RuneCountInString(v) > max || !utf8.ValidString(v):
			pr.Add(field, "foreign.error.too_long")
		}
		return v
	}
	r := &Request{Direction: Direction(in.Direction), Kind: Kind(in.Kind), State: Draft}
	if r.Direction != Outgoing && r.Direction != Incoming {
		pr.Add("direction", "foreign.error.direction")
	}
	if !r.Kind.Valid() {
		pr.Add("kind", "foreign.error.kind")
	}
	country, ok := s.dir.Country(strings.ToUpper(strings.TrimSpace(in.Country)))
	if !ok {
		pr.Add("country", "foreign.error.country")
	}
	r.Country = country.Code
	if id := strings.TrimSpace(in.Counterpart); id != "" {
		if a, ok := s.dir.Agency(id); !ok || a.Country != r.Country {
			pr.Add("counterpart", "foreign.error.counterpart")
		} else {
			r.Counterpart = a.ID
		}
	}
	if r.Kind == Preservation {
		r.Regime = strings.TrimSpace(in.Regime)
		if r.Regime == "" {
			r.Regime = country.Regime
		}
		if _, ok := Regimes[r.Regime]; !ok && country.Code != "" {
			pr.Add("regime", "foreign.error.regime")
		}
	}
	r.TheirRef = text("their_ref", in.TheirRef, maxShort, false)
	art29 := r.Kind == Preservation
	r.Authority = text("authority", in.Authority, maxShort, art29)
	r.Offence = text("offence", in.Offence, maxText, art29)
	r.Data = text("data", in.Data, maxText, art29)
	r.Custodian = text("custodian", in.Custodian, maxText, art29)
	r.Necessity = text("necessity", in.Necessity, maxText, art29)
	r.FollowUp = in.FollowUp
	if art29 && !r.FollowUp {
		pr.Add("follow_up", "foreign.error.follow_up")
	}
	r.Note = text("note", in.Note, maxText, false)
	var ids []IdentifierInput
	for _, id := range in.Identifiers {
		if strings.TrimSpace(id.Value) != "" || strings.TrimSpace(id.At) != "" || strings.TrimSpace(id.Port) != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxIdentifiers {
		pr.Add("identifiers", "foreign.error.too_many")
		ids = ids[:maxIdentifiers]
	}
	for i, id := range ids {
		v, err := readIdentifier(id)
		if err != "" {
			pr.Add("identifier-"+strconv.Itoa(i), err)
			continue
		}
		r.Identifiers = append(r.Identifiers, v)
	}
	if len(ids) == 0 && r.Kind != Assistance && r.Kind != Contact {
		pr.Add("identifiers", "foreign.error.identifier_required")
	}
	if r.Direction == Incoming {
		r.State, r.SentAt = Sent, now
		if v := strings.TrimSpace(in.ReceivedAt); v != "" {
			at, err := parseTime(v, s.zone)
			switch {
			case err != nil:
				pr.Add("received_at", "foreign.error.time")
			case at.After(now.Add(10 * time.Minute)):
				pr.Add("received_at", "foreign.error.future")
			default:
				r.SentAt = at
			}
		}
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// readIdentifier checks one identifier; an IP address needs the UTC time
// and source port it was used at.
func readIdentifier(in IdentifierInput) (Identifier, string) {
	id := Identifier{Type: strings.TrimSpace(in.Type), Value: strings.TrimSpace(in.Value)}
	if !slices.Contains(IdentifierTypes, id.Type) {
		return id, "foreign.error.identifier_type"
	}
	if id.Value == "" || utf8.RuneCountInString(id.Value) > maxShort || strings.ContainsAny(id.Value, "\r\n") {
		return id, "foreign.error.identifier_value"
	}
	if v := strings.TrimSpace(in.At); v != "" {
		at, err := parseTime(v, time.UTC)
		if err != nil {
			return id, "foreign.error.identifier_time"
		}
		id.At = at
	}
	if v := strings.TrimSpace(in.Port); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return id, "foreign.error.identifier_port"
		}
		id.Port = n
	}
	if id.Type == "ip" {
		a, err := netip.ParseAddr(id.Value)
		if err != nil {
			return id, "foreign.error.identifier_ip"
		}
		id.Value = a.Unmap().String()
		if id.At.IsZero() || id.Port == 0 {
			return id, "foreign.error.identifier_ip_time_port"
		}
	}
	return id, ""
}

// parseTime reads RFC 3339, or a form's date-time in zone.
func parseTime(v string, zone *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, zone); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", v)
}

// View is a request as an officer reads it.
type View struct {
	*Request
	Case    *cases.Case
	CanEdit bool
	Next    []State // the moves p may make
	Renew   bool    // p may renew it now
}

// Get returns a request p may view with what p may do to it, and audits
// the read.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (*View, error) {
	r, err := s.store.ForeignRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := s.cases.Authorize(ctx, p, r.CaseID, access.View)
	if err != nil {
		return nil, err
	}
	if err := s.store.Audit(ctx, s.entry(p, id, "foreign.view", map[string]any{"case": r.CaseID})); err != nil {
		return nil, err
	}
	v := &View{Request: r, Case: c}
	if v.CanEdit, err = s.cases.Can(ctx, p, c, access.Edit); err != nil {
		return nil, err
	}
	if v.CanEdit {
		v.Next = Next(r.Kind, r.State)
		v.Renew = r.CanRenew(s.clock.Now())
	}
	return v, nil
}

// ForCase lists a case's requests, for those who may view the case.
func (s *Service) ForCase(ctx context.Context, p auth.Principal, caseID int64) ([]*Request, error) {
	if _, err := s.cases.Authorize(ctx, p, caseID, access.View); err != nil {
		return nil, err
	}
	return s.store.ForeignRequests(ctx, nil, caseID, 200)
}

// List lists the requests of the cases p may view among those owned by
// p's line, open ones first by deadline: the contact point's desk.
func (s *Service) List(ctx context.Context, p auth.Principal) ([]*Request, error) {
	all, err := s.store.ForeignRequests(ctx, s.tree().Visible(p.OrgID), 0, 500)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []*Request
	for _, r := range all {
		ok, done := seen[r.CaseID]
		if !done {
			c, err := s.store.Case(ctx, r.CaseID)
			if err != nil {
				return nil, err
			}
			if ok, err = s.cases.Can(ctx, p, c, access.View); err != nil {
				return nil, err
			}
			seen[r.CaseID] = ok
		}
		if ok {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *Request) int { return compareDeadlines(a.Deadline(), b.Deadline()) })
	return out, nil
}

// Move takes a request to state to, if the machine allows it, recording
// when; note is kept on the case's timeline.
func (s *Service) Move(ctx context.Context, p auth.Principal, id int64, to State, note string) (*Request, error) {
	r, err := s.store.ForeignRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.cases.Authorize(ctx, p, r.CaseID, access.Edit); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > maxText {
		return nil, koban.FieldError("note", "foreign.error.too_long")
	}
	if !Allowed(r.Kind, r.State, to, false) {
		return nil, koban.Errorf(koban.Conflict, "foreign.error.move")
	}
	return r, s.move(ctx, r, to, p.UserID, p.Actor(), note)
}

// move records a move (by p, or by the clock when actor is the system).
func (s *Service) move(ctx context.Context, r *Request, to State, by int64, actor audit.Actor, note string) error {
	now := s.clock.Now()
	from := r.State
	r.State, r.UpdatedAt = to, now
	switch to {
	case Sent:
		r.SentAt = now
	case Acknowledged:
		r.AckAt = now
	case Preserved:
		r.PreservedAt = now
	case FollowedUp:
		r.FollowedAt = now
	}
	if to.Closed() {
		r.ClosedAt = now
	}
	e := audit.Entry{Actor: actor, Action: "foreign.move", ObjectType: ObjectType, ObjectID: strconv.FormatInt(r.ID, 10),
		Detail: map[string]any{"case": r.CaseID, "from": string(from), "to": string(to)}}
	ev := &cases.Event{CaseID: r.CaseID, At: now, ActorID: by, Kind: EventMoved, RefID: r.ID, From: string(from), To: string(to), Text: note}
	if err := s.store.UpdateForeignRequest(ctx, r, ev, e); err != nil {
		return err
	}
	return s.schedule(ctx, r)
}

// Renew renews a preservation within its regime: its expiry moves on by
// the regime's renewal period and the renewal is counted.
func (s *Service) Renew(ctx context.Context, p auth.Principal, id int64) (*Request, error) {
	r, err := s.store.ForeignRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.cases.Authorize(ctx, p, r.CaseID, access.Edit); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if !r.CanRenew(now) {
		return nil, koban.Errorf(koban.Conflict, "foreign.error.renew")
	}
	r.Renewals++
	r.UpdatedAt = now
	ev := &cases.Event{CaseID: r.CaseID, At: now, ActorID: p.UserID, Kind: EventRenewed, RefID: r.ID, Text: s.stamp(r.Deadline())}
	if err := s.store.UpdateForeignRequest(ctx, r, ev, s.entry(p, r.ID, "foreign.renew", map[string]any{"case": r.CaseID, "renewals": r.Renewals,
		"expires": r.Deadline().UTC().Format(time.RFC3339)})); err != nil {
		return nil, err
	}
	return r, s.schedule(ctx, r)
}

type clockPayload struct {
	Request  int64     `json:"request"`
	Deadline time.Time `json:"deadline"`
}

// schedule queues the job of the request's current deadline, due at its
// next point (once: the key names the deadline).
func (s *Service) schedule(ctx context.Context, r *Request) error {
	d := r.Deadline()
	if d.IsZero() {
		return nil
	}
	_, next := r.Due(s.clock.Now())
	if next.IsZero() {
		next = s.clock.Now()
	}
	_, err := s.jobs.Enqueue(ctx, jobs.New{Kind: ClockJob, Key: fmt.Sprintf("%d:%d", r.ID, d.Unix()), RunAt: next,
		Payload: clockPayload{Request: r.ID, Deadline: d}})
	return err
}

// clockJob speaks at a deadline's points: a reminder to the case's lead
// (timeline and e-mail) for the latest point passed, and at a
// preservation's expiry the move to expired. A job whose deadline is no
// longer the request's (renewed, closed, followed up) ends quietly.
func (s *Service) clockJob(ctx context.Context, j jobs.Job) (jobs.Result, error) {
	var p clockPayload
	if err := jobs.Decode(j, &p); err != nil {
		return jobs.Result{}, err
	}
	r, err := s.store.ForeignRequest(ctx, p.Request)
	if koban.ErrorCode(err) == koban.NotFound {
		return jobs.Result{}, nil
	}
	if err != nil {
		return jobs.Result{}, err
	}
	d := r.Deadline()
	if d.IsZero() || !d.Equal(p.Deadline) {
		return jobs.Result{}, nil
	}
	now := s.clock.Now()
	due, next := r.Due(now)
	if !due.IsZero() {
		r.RemindedAt = due
		ev := &cases.Event{CaseID: r.CaseID, At: now, Kind: EventReminder, RefID: r.ID, Text: s.stamp(d)}
		if err := s.store.UpdateForeignRequest(ctx, r, ev, audit.Entry{}); err != nil {
			return jobs.Result{}, err
		}
		s.mailLead(ctx, r, d, !now.Before(d))
	}
	if !now.Before(d) && Allowed(r.Kind, r.State, Expired, true) {
		return jobs.Result{}, s.move(ctx, r, Expired, 0, audit.System, "")
	}
	if next.IsZero() {
		return jobs.Result{}, nil
	}
	return jobs.Result{Next: next}, nil
}

// mailLead mails the case's lead a reminder; the timeline has it
// already, so a mail that cannot be queued is logged, not retried.
func (s *Service) mailLead(ctx context.Context, r *Request, deadline time.Time, past bool) {
	if s.notifier == nil {
		return
	}
	c, err := s.store.Case(ctx, r.CaseID)
	if err != nil || c.LeadID == 0 {
		return
	}
	u, err := s.people.User(ctx, c.LeadID)
	if err == nil {
		err = s.notifier.NotifyForeignDeadline(ctx, u.Email, r.ID, c.Number, deadline, past)
	}
	if err != nil {
		s.log.Warn("foreign: reminder mail not queued", "request", r.ID, "err", err)
	}
}

func (s *Service) entry(p auth.Principal, id int64, action string, detail map[string]any) audit.Entry {
	e := audit.Entry{Actor: p.Actor(), Action: action, ObjectType: ObjectType, Detail: detail}
	if id != 0 {
		e.ObjectID = strconv.FormatInt(id, 10)
	}
	return e
}

// stamp writes a deadline for the case's timeline, in the zone.
func (s *Service) stamp(t time.Time) string { return t.In(s.zone).Format("2006-01-02 15:04 MST") }

// compareDeadlines orders the soonest deadline first and requests without
// one after every request with one.
func compareDeadlines(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}
