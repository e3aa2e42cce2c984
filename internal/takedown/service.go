package takedown

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/rdap"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/xarf"
)

// CheckJob is the job kind of a request's look at its target;
// PreserveJob of the fetch that keeps the page before asking.
const (
	CheckJob    = "takedown.check"
	PreserveJob = "takedown.preserve"
)

// maxPreserved is the largest page kept as a request's evidence; the
// X-ARF report carries it when it is within xarf.MaxEvidenceSize.
const maxPreserved = 16 << 20

// CheckAfter are when a sent request's target is looked at, from sending
// (or from its reappearance).
var CheckAfter = []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour}

// Finder finds a provider's abuse contact (rdap.Client).
type Finder interface {
	AbuseContact(ctx context.Context, query string) (rdap.Contact, error)
}

// Attachment is a file sent with a mail.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Mailer queues a mail (the app's outbox).
type Mailer interface {
	QueueMail(ctx context.Context, to, subject, body string, attach []Attachment) error
}

// Options are the police side of every request.
type Options struct {
	ContactEmail string // where providers answer (KOBAN_MAIL_FROM)
	Zone         *time.Location
	// Batch gathers requests to one provider into one mail for this long
	// (KOBAN_TAKEDOWN_BATCH); 0 mails each at once.
	Batch time.Duration
}

// Cases is what a request that belongs to a case asks of it (the cases
// service): the case, when the officer holds a right on it (NotFound when
// they may not view it, the refusal audited there); for a request drafted
// from it, with every report linked to it — those out of the officer's
// sight too, for their markings alone.
type Cases interface {
	Authorize(ctx context.Context, p auth.Principal, id int64, right access.Right) (*cases.Case, error)
	ForExport(ctx context.Context, p auth.Principal, id int64) (*cases.Case, []cases.LinkedReport, error)
}

// Service is takedown's one way in.
type Service struct {
	store  Store
	cases  Cases
	blobs  *blob.Store
	access *access.Decider
	jobs   *jobs.Runner
	egress *egress.Client
	finder Finder
	mailer Mailer
	cats   *locale.Catalogs
	tree   func() *org.Tree
	clock  koban.Clock
	log    *slog.Logger
	opts   Options
}

// NewService returns a Service and registers its check job with the
// runner. mailer may be nil (no mail set up): requests are drafted, not
// sent.
func NewService(st Store, blobs *blob.Store, d *access.Decider, r *jobs.Runner, eg *egress.Client, f Finder, m Mailer, cats *locale.Catalogs,
	tree func() *org.Tree, clock koban.Clock, log *slog.Logger, o Options) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: st, blobs: blobs, access: d, jobs: r, egress: eg, finder: f, mailer: m, cats: cats, tree: tree, clock: clock, log: log, opts: o}
	r.Handle(CheckJob, s.checkJob)
	r.Handle(PreserveJob, s.preserveJob)
	r.Handle(MailJob, s.mailJob)
	return s
}

// SetCases lets requests belong to cases; until it is called a request
// drafted for a case is refused.
func (s *Service) SetCases(c Cases) { s.cases = c }

// CanSend says whether requests can be sent (mail is set up).
func (s *Service) CanSend() bool { return s.mailer != nil && s.opts.ContactEmail != "" }

// Input is a new request as an officer describes it.
type Input struct {
	Kind      string
	Target    string
	FraudType string
	Reason    string // a measure's: one of Reasons(kind)
	Note      string
	Source    correlate.Key // the record it comes from; zero when typed
	Case      int64         // the case it belongs to; 0 for none
}

// MayLeave says whether what a record marked l holds may reach a provider:
// not when it is RED or AMBER+STRICT (an unknown marking ranks as RED).
// Pages offer only such records as a request's source; Draft decides.
func MayLeave(l tlp.Level) bool {
	if l == "" {
		l = tlp.Amber
	}
	return l.AtMost(tlp.Amber)
}

// who may: an investigator's permissions to act on reports of the line
// (report.triage) — the same officers who handle the reports the URLs
// come from.
func (s *Service) may(p auth.Principal) error {
	if !p.Can(auth.PermReportTriage) && !p.Can(auth.PermPatrolManage) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return nil
}

// Draft makes a request and, for a takedown, looks up the provider's abuse
// contact (a bank's or a carrier's address is the officer's to enter).
// Every problem of the form is reported at once; a source the officer may
// not view is answered like a missing one, and one marked RED or
// AMBER+STRICT is refused (what it holds may not reach a provider).
func (s *Service) Draft(ctx context.Context, p auth.Principal, in Input) (*Request, error) {
	if err := s.may(p); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	r := &Request{OrgID: p.OrgID, Kind: Kind(in.Kind), Target: strings.TrimSpace(in.Target), FraudType: in.FraudType, Reason: in.Reason,
		Note: strings.TrimSpace(in.Note), Source: in.Source, State: Draft, CreatedBy: p.UserID, CreatedAt: now}
	var bad koban.Problems
	switch {
	case r.Kind == Fraud:
		if r.FraudType == "" {
			bad.Add("fraud_type", "takedown.error.fraud_type")
		}
	case r.Kind.Removal(), r.Kind.Measure():
	default:
		bad.Add("kind", "takedown.error.kind")
	}
	if r.Kind.Measure() {
		// An account or a number in observe's canonical form, however the
		// officer wrote it.
		r.FraudType = ""
		if v, err := observe.Normalize(r.Kind.ValueType(), r.Target); err != nil || len(r.Target) > 2000 {
			bad.Add("target", "takedown.error.target_"+string(r.Kind))
		} else {
			r.Target = v
		}
		if !slices.Contains(Reasons(r.Kind), r.Reason) {
			bad.Add("reason", "takedown.error.reason")
		}
	} else {
		r.Reason = ""
		if u, err := url.Parse(r.Target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(r.Target) > 2000 {
			bad.Add("target", "takedown.error.target")
		}
	}
	if utf8.RuneCountInString(r.Note) > xarf.MaxNote {
		bad.Add("note", "takedown.error.note")
	}
	if in.Source.ID != 0 {
		rec, err := s.store.Record(ctx, in.Source)
		if err != nil {
			return nil, err
		}
		if err := s.access.Check(ctx, p, access.View, access.Object{Type: string(in.Source.Type), ID: in.Source.ID, OrgID: rec.OrgID, TLP: tlp.Level(rec.TLP)}); err != nil {
			return nil, err
		}
		if !MayLeave(tlp.Level(rec.TLP)) {
			bad.Add("source", "takedown.error.source_tlp")
		}
		if ok, err := s.store.Confirmed(ctx, in.Source); err != nil {
			return nil, err
		} else if !ok {
			bad.Add("source", "takedown.error.unconfirmed")
		}
	}
	if in.Case != 0 {
		if err := s.checkCase(ctx, p, in, &bad); err != nil {
			return nil, err
		}
		r.CaseID = in.Case
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if s.finder != nil && r.Kind.Removal() {
		c, err := s.finder.AbuseContact(ctx, r.Target)
		if err != nil {
			s.log.Info("takedown: no abuse contact found", "target", r.Target, "err", err)
		}
		r.RecipientEmail, r.RecipientName, r.RecipientBasis = c.Email, c.Name, c.Basis
	}
	if in.Source.Type == correlate.Finding && r.Kind.Removal() { // the finding's capture is the evidence
		sum, ct, err := s.store.FindingCapture(ctx, in.Source.ID)
		if err != nil {
			return nil, err
		}
		r.EvidenceSHA256, r.EvidenceType, r.PreservedAt = sum, ct, now
	}
	e := audit.Entry{Actor: p.Actor(), Action: "takedown.draft", Detail: map[string]any{"target": r.Target, "kind": string(r.Kind),
		"recipient": r.RecipientEmail, "source": string(in.Source.Type) + ":" + strconv.FormatInt(in.Source.ID, 10)}}
	if r.CaseID != 0 {
		e.Detail["case"] = r.CaseID
	}
	if r.Reason != "" {
		e.Detail["reason"] = r.Reason
	}
	if err := s.store.CreateTakedown(ctx, r, e); err != nil {
		return nil, err
	}
	if r.EvidenceSHA256 == "" && r.Kind.Removal() {
		if _, err := s.jobs.Enqueue(ctx, jobs.New{Kind: PreserveJob, Key: "req:" + strconv.FormatInt(r.ID, 10), Payload: checkPayload{Request: r.ID},
			MaxAttempts: 6}); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// checkCase checks the case a request is drafted for: the officer may view
// it (a case out of sight is NotFound), the strictest marking of all its
// reports — those the officer may not view too — lets it leave koban, and
// a report given as the source is one of them.
func (s *Service) checkCase(ctx context.Context, p auth.Principal, in Input, bad *koban.Problems) error {
	if in.Case < 0 {
		bad.Add("case", "takedown.error.case")
		return nil
	}
	if s.cases == nil {
		return errors.New("takedown: a request for a case, and no cases service")
	}
	_, links, err := s.cases.ForExport(ctx, p, in.Case)
	if err != nil {
		return err
	}
	levels := make([]tlp.Level, 0, len(links))
	linked := false
	for _, l := range links {
		levels = append(levels, l.TLP)
		linked = linked || (in.Source.Type == correlate.Report && in.Source.ID == l.ReportID)
	}
	if !MayLeave(tlp.Strictest(tlp.Amber, levels...)) {
		bad.Add("case", "takedown.error.case_tlp")
	}
	if in.Source.Type == correlate.Report && !linked {
		bad.Add("source", "takedown.error.source_case")
	}
	return nil
}

// ForCase returns the requests of a case that the officer may see, newest
// first; the officer must be able to view the case.
func (s *Service) ForCase(ctx context.Context, p auth.Principal, caseID int64) ([]*Request, error) {
	if err := s.may(p); err != nil {
		return nil, err
	}
	if s.cases == nil {
		return nil, errors.New("takedown: no cases service")
	}
	if _, err := s.cases.Authorize(ctx, p, caseID, access.View); err != nil {
		return nil, err
	}
	return s.store.CaseTakedowns(ctx, caseID, s.access.ScopeOf(p, ObjectType, access.View), 200)
}

// load returns a request the access decision lets the officer view (the
// line of the organisation that drafted it); any other is answered like a
// missing one.
func (s *Service) load(ctx context.Context, p auth.Principal, id int64) (*Request, error) {
	if err := s.may(p); err != nil {
		return nil, err
	}
	r, err := s.store.Takedown(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, p, access.View, r.Object()); err != nil {
		return nil, err
	}
	return r, nil
}

// Get returns a request with its checks.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (*Request, error) {
	r, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	r.Checks, err = s.store.TakedownChecks(ctx, id, 50)
	return r, err
}

// List returns the requests of the officer's line, newest first.
func (s *Service) List(ctx context.Context, p auth.Principal) ([]*Request, error) {
	if err := s.may(p); err != nil {
		return nil, err
	}
	return s.store.Takedowns(ctx, s.access.ScopeOf(p, ObjectType, access.View), 500)
}

// SetRecipient changes a draft's recipient (the officer knows better).
func (s *Service) SetRecipient(ctx context.Context, p auth.Principal, id int64, email string) error {
	r, err := s.load(ctx, p, id)
	if err != nil {
		return err
	}
	if r.State != Draft {
		return koban.Errorf(koban.Conflict, "takedown.error.not_draft")
	}
	email = strings.TrimSpace(email)
	if !xarf.IsAddress(email) {
		return koban.FieldError("recipient", "takedown.error.recipient")
	}
	r.RecipientEmail, r.RecipientName, r.RecipientBasis = email, "", "officer"
	return s.store.UpdateTakedown(ctx, r, audit.Entry{Actor: p.Actor(), Action: "takedown.recipient", Detail: map[string]any{"recipient": email}})
}

// Send sends a draft: the X-ARF report built, the mail written in the
// recipient's language with the report attached and queued, the state
// sent, the checks scheduled.
func (s *Service) Send(ctx context.Context, p auth.Principal, id int64) error {
	r, err := s.load(ctx, p, id)
	if err != nil {
		return err
	}
	if r.State != Draft {
		return koban.Errorf(koban.Conflict, "takedown.error.not_draft")
	}
	if !s.CanSend() {
		return koban.Errorf(koban.Conflict, "takedown.error.no_mail")
	}
	if !xarf.IsAddress(r.RecipientEmail) {
		return koban.FieldError("recipient", "takedown.error.recipient")
	}
	if r.EvidenceSHA256 == "" && r.Kind.Removal() {
		return koban.Errorf(koban.Conflict, "takedown.error.not_preserved")
	}
	if _, err := s.write(r); err != nil { // what would go is checked now, not when the batch leaves
		return err
	}
	now := s.clock.Now()
	r.State, r.SentAt = Sent, now
	if err := s.store.UpdateTakedown(ctx, r, audit.Entry{Actor: p.Actor(), Action: "takedown.send",
		Detail: map[string]any{"recipient": r.RecipientEmail, "ticket": r.Ticket}}); err != nil {
		return err
	}
	// Requests to one provider within a batch window leave in one mail at
	// its end; without a window, at once.
	job := jobs.New{Kind: MailJob, Key: "req:" + strconv.FormatInt(r.ID, 10), Payload: mailPayload{Recipient: r.RecipientEmail}, RunAt: now, MaxAttempts: 5}
	if w := s.opts.Batch; w > 0 {
		start := now.Truncate(w)
		job.Key, job.RunAt = "to:"+strings.ToLower(r.RecipientEmail)+":"+strconv.FormatInt(start.Unix(), 10), start.Add(w)
	}
	if _, err := s.jobs.Enqueue(ctx, job); err != nil {
		return err
	}
	if !r.Kind.Removal() {
		return nil // a bank or a carrier answers; koban has nothing to look at
	}
	return s.scheduleChecks(ctx, r, now)
}

// letter is one request's part of a mail.
type letter struct {
	Subject, Body string
	Lang          string // the recipient's language
	XARF          []byte // a takedown's X-ARF report; nil for a measure
}

// write writes a request's letter in the recipient's language (Japanese
// for a .jp address): a takedown's mail with its X-ARF report, or a
// measure's letter.
func (s *Service) write(r *Request) (letter, error) {
	if r.Kind.Measure() {
		return s.measureLetter(r)
	}
	evidence, err := s.evidence(r)
	if err != nil {
		return letter{}, err
	}
	lang, orgName := s.voice(r)
	domain := s.opts.ContactEmail[strings.LastIndexByte(s.opts.ContactEmail, '@')+1:]
	req := xarf.Request{Kind: xarf.Kind(r.Kind), Observed: r.CreatedAt, Reporter: xarf.Organisation{Name: orgName, Email: s.opts.ContactEmail, Domain: domain},
		URL: r.Target, Note: r.Note, FraudType: r.FraudType, Evidence: evidence}
	report, err := xarf.Build(req)
	if err != nil {
		return letter{}, err
	}
	mail := xarf.MailFor(req, r.Ticket)
	mail.Zone = s.opts.Zone
	msg, err := mail.Render(s.cats, lang)
	return letter{Subject: msg.Subject, Body: msg.Body, Lang: lang, XARF: report}, err
}

// voice is the language a request's recipient reads (Japanese for a .jp
// address, else English) and the police organisation's name in it.
func (s *Service) voice(r *Request) (lang, orgName string) {
	o, _ := s.tree().ByID(r.OrgID)
	if strings.HasSuffix(strings.ToLower(r.RecipientEmail), ".jp") {
		return "ja", o.NameJA
	}
	return "en", o.NameEN
}

// MailJob is the job kind of the mail carrying a provider's requests.
const MailJob = "takedown.mail"

type mailPayload struct {
	Recipient string `json:"recipient"`
}

// mailJob sends every sent request to a recipient not mailed yet, one mail
// for each family of requests (takedowns, account freezes, phone measures:
// a bank's abuse desk may take both): each request's letter in turn, each
// X-ARF report attached, every ticket in the subject.
func (s *Service) mailJob(ctx context.Context, j jobs.Job) (jobs.Result, error) {
	var p mailPayload
	if err := jobs.Decode(j, &p); err != nil {
		return jobs.Result{}, err
	}
	list, err := s.store.Unmailed(ctx, p.Recipient)
	if err != nil || len(list) == 0 {
		return jobs.Result{}, err
	}
	var order []string
	families := map[string][]*Request{}
	for _, r := range list {
		f := family(r.Kind)
		if families[f] == nil {
			order = append(order, f)
		}
		families[f] = append(families[f], r)
	}
	for _, f := range order {
		if err := s.mailFamily(ctx, p.Recipient, f, families[f]); err != nil {
			return jobs.Result{}, err
		}
	}
	return jobs.Result{}, nil
}

// family is the group of kinds whose requests to one recipient leave in
// one mail, and the catalog prefix of that mail's batch sentences.
func family(k Kind) string {
	if k.Measure() {
		return "takedown.letter." + string(k)
	}
	return "takedown.mail"
}

// mailFamily sends one mail of requests of a family to their recipient and
// marks them mailed.
func (s *Service) mailFamily(ctx context.Context, recipient, fam string, list []*Request) error {
	var tickets, bodies []string
	var attach []Attachment
	var subject, lang string
	for _, r := range list {
		l, err := s.write(r)
		if err != nil {
			return err
		}
		subject, lang = l.Subject, l.Lang
		tickets = append(tickets, "["+r.Ticket+"]")
		bodies = append(bodies, l.Body)
		if l.XARF != nil {
			attach = append(attach, Attachment{Name: r.Ticket + ".xarf.json", ContentType: "application/json", Data: l.XARF})
		}
	}
	body := bodies[0]
	if len(list) > 1 {
		subject = strings.Join(tickets, "") + " " + s.cats.T(lang, fam+".batch_subject", "n", strconv.Itoa(len(list)))
		body = s.cats.T(lang, fam+".batch_intro", "n", strconv.Itoa(len(list))) + "\n\n" + strings.Join(bodies, "\n\n----------------------------------------\n\n")
	}
	if err := s.mailer.QueueMail(ctx, recipient, subject, body, attach); err != nil {
		return err
	}
	now := s.clock.Now()
	for _, r := range list {
		r.MailedAt = now
		if err := s.store.UpdateTakedownQuietly(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) scheduleChecks(ctx context.Context, r *Request, from time.Time) error {
	var list []jobs.New
	for i, d := range CheckAfter {
		list = append(list, jobs.New{Kind: CheckJob, Key: fmt.Sprintf("req:%d:%d:%d", r.ID, from.Unix(), i), Payload: checkPayload{Request: r.ID},
			RunAt: from.Add(d), MaxAttempts: 5})
	}
	_, err := s.jobs.Enqueue(ctx, list...)
	return err
}

// Acknowledge records that the provider answered.
func (s *Service) Acknowledge(ctx context.Context, p auth.Principal, id int64) error {
	return s.transition(ctx, p, id, "takedown.acknowledge", func(r *Request, now time.Time) bool {
		if r.State != Sent {
			return false
		}
		r.State, r.AcknowledgedAt = Acknowledged, now
		return true
	})
}

// Withdraw closes a request the police no longer pursue.
func (s *Service) Withdraw(ctx context.Context, p auth.Principal, id int64) error {
	return s.transition(ctx, p, id, "takedown.withdraw", func(r *Request, now time.Time) bool {
		switch r.State {
		case Withdrawn, Removed, Done, Refused:
			return false
		}
		r.State, r.ClosedAt = Withdrawn, now
		return true
	})
}

// Resolve records how a bank or a carrier answered a measure that was sent:
// done (the account frozen, the measures taken) or refused, with the
// officer's note (what was said, by whom), which is required.
func (s *Service) Resolve(ctx context.Context, p auth.Principal, id int64, done bool, note string) error {
	r, err := s.load(ctx, p, id)
	if err != nil {
		return err
	}
	if !r.Kind.Measure() || (r.State != Sent && r.State != Acknowledged) {
		return koban.Errorf(koban.Conflict, "takedown.error.state")
	}
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > xarf.MaxNote {
		return koban.FieldError("outcome_note", "takedown.error.outcome_note")
	}
	r.State = Refused
	if done {
		r.State = Done
	}
	r.ResolvedAt, r.OutcomeNote = s.clock.Now(), note
	return s.store.UpdateTakedown(ctx, r, audit.Entry{Actor: p.Actor(), Action: "takedown.resolve", Detail: map[string]any{"state": r.State, "note": note}})
}

func (s *Service) transition(ctx context.Context, p auth.Principal, id int64, action string, move func(*Request, time.Time) bool) error {
	r, err := s.load(ctx, p, id)
	if err != nil {
		return err
	}
	if !move(r, s.clock.Now()) {
		return koban.Errorf(koban.Conflict, "takedown.error.state")
	}
	return s.store.UpdateTakedown(ctx, r, audit.Entry{Actor: p.Actor(), Action: action, Detail: map[string]any{"state": r.State}})
}

type checkPayload struct {
	Request int64 `json:"request"`
}

// checkJob looks at a request's target once.
func (s *Service) checkJob(ctx context.Context, j jobs.Job) (jobs.Result, error) {
	var p checkPayload
	if err := jobs.Decode(j, &p); err != nil {
		return jobs.Result{}, err
	}
	r, err := s.store.Takedown(ctx, p.Request)
	if koban.ErrorCode(err) == koban.NotFound {
		return jobs.Result{}, nil
	}
	if err != nil {
		return jobs.Result{}, err
	}
	if r.State == Withdrawn || r.State == Draft || !r.Kind.Removal() {
		return jobs.Result{}, nil
	}
	return jobs.Result{}, s.Check(ctx, r)
}

// Check looks at a request's target now and moves the request on: the
// first check that finds it down marks it down, the next that does
// confirms the removal; one that finds it up after the removal marks it
// reappeared and starts the checks again.
func (s *Service) Check(ctx context.Context, r *Request) error {
	now := s.clock.Now()
	c := &Check{RequestID: r.ID, At: now}
	c.Status, c.Down, c.Detail = s.look(ctx, r.Target)
	prev, err := s.store.TakedownChecks(ctx, r.ID, 1)
	if err != nil {
		return err
	}
	wasDown := len(prev) > 0 && prev[0].Down
	reopen := false
	switch {
	case c.Down && r.State == Removed:
	case c.Down && wasDown && (r.State == Down || r.State == Reappeared):
		r.State, r.RemovedAt = Removed, now
	case c.Down && (r.State == Sent || r.State == Acknowledged || r.State == Reappeared):
		r.State = Down
		if r.FirstDownAt.IsZero() {
			r.FirstDownAt = now
		}
	case !c.Down && r.State == Removed:
		r.State, r.ReappearedAt, reopen = Reappeared, now, true
	case !c.Down && r.State == Down:
		r.State = Sent // back up before the removal was confirmed
		if !r.AcknowledgedAt.IsZero() {
			r.State = Acknowledged
		}
	}
	if err := s.store.AddTakedownCheck(ctx, r, c); err != nil {
		return err
	}
	if reopen {
		return s.scheduleChecks(ctx, r, now)
	}
	return nil
}

// look fetches the target and says whether it is down.
func (s *Service) look(ctx context.Context, target string) (status int, down bool, detail string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, false, locale.Keyed("takedown.check.no_answer", err.Error())
	}
	resp, err := s.egress.Do(req)
	if err != nil {
		var dns *net.DNSError
		switch {
		case errors.As(err, &dns) && dns.IsNotFound:
			return 0, true, "takedown.check.nxdomain"
		case errors.Is(err, syscall.ECONNREFUSED):
			return 0, true, "takedown.check.refused"
		}
		return 0, false, locale.Keyed("takedown.check.no_answer", err.Error()) // a time-out or a refusal by koban is no proof of removal
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone, http.StatusUnavailableForLegalReasons:
		return resp.StatusCode, true, "HTTP " + resp.Status
	}
	return resp.StatusCode, false, "HTTP " + resp.Status
}

// evidence is the preserved page as the X-ARF report carries it, when it
// is small enough; a larger one is named in the mail by its hash only.
func (s *Service) evidence(r *Request) ([]xarf.Evidence, error) {
	rd, err := s.blobs.Open(r.EvidenceSHA256)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	data, err := io.ReadAll(io.LimitReader(rd, xarf.MaxEvidenceSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > xarf.MaxEvidenceSize {
		return nil, nil
	}
	ct := r.EvidenceType
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	return []xarf.Evidence{{ContentType: strings.TrimSpace(ct), Description: "The page as koban fetched it on " + r.PreservedAt.UTC().Format(time.RFC3339), Data: data}}, nil
}

// preserveJob fetches a drafted request's page and keeps it as its
// evidence; a failure is recorded on the request and retried.
func (s *Service) preserveJob(ctx context.Context, j jobs.Job) (jobs.Result, error) {
	var p checkPayload
	if err := jobs.Decode(j, &p); err != nil {
		return jobs.Result{}, err
	}
	r, err := s.store.Takedown(ctx, p.Request)
	if koban.ErrorCode(err) == koban.NotFound {
		return jobs.Result{}, nil
	}
	if err != nil || r.EvidenceSHA256 != "" || !r.Kind.Removal() {
		return jobs.Result{}, err
	}
	sum, ct, ferr := s.fetchEvidence(ctx, r.Target)
	if ferr != nil {
		r.PreserveError = ferr.Error()
		if err := s.store.UpdateTakedownQuietly(ctx, r); err != nil {
			return jobs.Result{}, err
		}
		return jobs.Result{}, ferr
	}
	r.EvidenceSHA256, r.EvidenceType, r.PreservedAt, r.PreserveError = sum, ct, s.clock.Now(), ""
	return jobs.Result{}, s.store.UpdateTakedownQuietly(ctx, r)
}

func (s *Service) fetchEvidence(ctx context.Context, target string) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", "", err
	}
	resp, err := s.egress.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return "", "", fmt.Errorf("the page answered %s", resp.Status)
	}
	sum, _, err := s.blobs.Put(resp.Body, maxPreserved)
	return sum, resp.Header.Get("Content-Type"), err
}
