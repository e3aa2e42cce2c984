package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/taxonomy"
)

// Store is what cases need from the database. A missing case, task or
// report is a koban NotFound error; each change writes its timeline entry
// and audit entry in its own transaction.
type Store interface {
	// CreateCase stores a case with its members, linked reports, tasks,
	// timeline and audit entry; the number is the next under prefix. It
	// sets c.ID, c.Number and the tasks' IDs.
	CreateCase(ctx context.Context, c *Case, prefix string, reports []int64, tasks []Task, e audit.Entry) error
	Case(ctx context.Context, id int64) (*Case, error)
	Cases(ctx context.Context, f Filter) ([]Row, int, error)
	// UpdateCase lets fn change the locked case and name its timeline entry
	// (none when Kind is empty) and audit entry.
	UpdateCase(ctx context.Context, id int64, fn func(*Case) (Event, audit.Entry, error)) error
	// LinkReport is a Conflict when the report is linked already.
	LinkReport(ctx context.Context, caseID, reportID, by int64, at time.Time, e audit.Entry) error
	UnlinkReport(ctx context.Context, caseID, reportID, by int64, at time.Time, e audit.Entry) error
	LinkedReports(ctx context.Context, caseID int64) ([]LinkedReport, error)
	ReportOwner(ctx context.Context, reportID int64) (int64, error)
	ReportIDByReceipt(ctx context.Context, receipt string) (int64, error)
	AddTask(ctx context.Context, t *Task, e audit.Entry) error
	UpdateTask(ctx context.Context, caseID, taskID int64, fn func(*Task) (Event, audit.Entry, error)) error
	Tasks(ctx context.Context, caseID int64) ([]Task, error)
	TaskList(ctx context.Context, f TaskFilter) ([]TaskRow, int, error)
	AddNote(ctx context.Context, n *Note, e audit.Entry) error
	Notes(ctx context.Context, caseID int64) ([]Note, error)
	Timeline(ctx context.Context, caseID int64) ([]Event, error)
	User(ctx context.Context, id int64) (*auth.User, error)
	Users(ctx context.Context, orgIDs []int64) ([]auth.User, error)
	Audit(ctx context.Context, e audit.Entry) error
	BetweenStore // referrals, joint cases, support requests (between.go)
}

// Service is the cases capability.
type Service struct {
	store  Store
	access *access.Decider
	tree   func() *org.Tree
	clock  koban.Clock
	loc    *time.Location
	// evidence takes the files of support answers (support.go); nil: none.
	evidence SupportEvidence
}

// NewService wires the cases service. loc is the zone whose calendar year
// starts a new run of case numbers.
func NewService(st Store, d *access.Decider, tree func() *org.Tree, clock koban.Clock, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{store: st, access: d, tree: tree, clock: clock, loc: loc}
}

// Limits on what officers write.
const (
	maxTitle   = 200
	maxSummary = 10000
	maxNote    = 20000
	maxText    = 2000 // a note with a status change
	maxReports = 50   // linked at once when a case is opened
	maxMembers = 50
)

// Opening is what an officer fills in to open a case.
type Opening struct {
	Title    string
	Summary  string
	Category string // a taxonomy code
	Law      string // a law bucket; "" takes the category's
	Severity string
	LeadID   int64   // 0: the officer opening it
	Members  []int64 // besides the officer and the lead
	Reports  []string
}

// Open opens a case owned by the officer's organisation, linking the
// reports named (by receipt number or id), each of which the officer must
// be allowed to link, and adds the category's checklist as first tasks.
func (s *Service) Open(ctx context.Context, p auth.Principal, in Opening) (*Case, error) {
	now := s.clock.Now()
	c := &Case{OrgID: p.OrgID, Status: StatusOpen, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	// The case does not exist yet: the decision is about a case of the
	// officer's own organisation.
	if ok, err := s.access.Can(ctx, p, access.Edit, c.Object()); err != nil {
		return nil, err
	} else if !ok {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	var pr koban.Problems
	c.Title = s.text(&pr, "title", in.Title, maxTitle, true, false)
	c.Summary = s.text(&pr, "summary", in.Summary, maxSummary, false, true)
	c.Category = strings.ToUpper(strings.TrimSpace(in.Category))
	cat, ok := taxonomy.Lookup(c.Category)
	if !ok {
		pr.Add("category", "case.error.category")
	}
	c.Law = cat.Law
	if in.Law != "" {
		c.Law = taxonomy.LawBucket(in.Law)
		if !slices.Contains(LawBuckets, c.Law) {
			pr.Add("law", "case.error.law")
		}
	}
	c.Severity = Severity(in.Severity)
	if !c.Severity.Valid() {
		pr.Add("severity", "case.error.severity")
	}
	c.LeadID = in.LeadID
	if c.LeadID == 0 {
		c.LeadID = p.UserID
	}
	if ok, err := s.mayView(ctx, c.LeadID, c.Object()); err != nil {
		return nil, err
	} else if !ok {
		pr.Add("lead", "case.error.lead")
	}
	c.Members = uniqueIDs(append([]int64{p.UserID, c.LeadID}, in.Members...))
	if len(c.Members) > maxMembers {
		pr.Add("members", "case.error.members_too_many")
	} else {
		for _, uid := range c.Members {
			if uid == p.UserID || uid == c.LeadID {
				continue // the officer opens it; the lead is checked above
			}
			if ok, err := s.mayView(ctx, uid, c.Object()); err != nil {
				return nil, err
			} else if !ok {
				pr.Add("members", "case.error.member")
				break
			}
		}
	}
	var reports []int64
	refs := nonEmpty(in.Reports)
	if len(refs) > maxReports {
		pr.Add("reports", "case.error.reports_too_many")
		refs = nil
	}
	for _, ref := range refs {
		id, err := s.linkable(ctx, p, ref)
		if err != nil {
			if pe := fieldOf(err); pe != nil {
				pr = append(pr, pe)
				break
			}
			return nil, err
		}
		reports = append(reports, id)
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	var tasks []Task
	for _, key := range Checklist(c.Category) {
		tasks = append(tasks, Task{TemplateKey: key, Status: TaskOpen, CreatedBy: p.UserID, CreatedAt: now})
	}
	err := s.store.CreateCase(ctx, c, s.prefix(c.OrgID, now), reports, tasks, audit.Entry{Actor: p.Actor(), Action: "case.open",
		Detail: map[string]any{"category": c.Category, "severity": string(c.Severity), "reports": reports}})
	if err != nil {
		return nil, fmt.Errorf("open case: %w", err)
	}
	return c, nil
}

// prefix is the start of a new case's number: the year in the configured
// zone and the owner's prefecture ("00" for national organisations).
func (s *Service) prefix(orgID int64, now time.Time) string {
	pref := "00"
	tree := s.tree()
	if o, ok := tree.ByID(orgID); ok {
		for _, o := range append([]org.Org{o}, tree.Ancestors(orgID)...) {
			if o.Prefecture != "" {
				pref = o.Prefecture
				break
			}
		}
	}
	return strconv.Itoa(now.In(s.loc).Year()) + "-" + pref
}

// nonEmpty returns the trimmed, non-empty strings of in (a pasted list of
// receipt numbers may hold blank lines and commas).
func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || unicode.IsSpace(r) }) {
			out = append(out, f)
		}
	}
	return out
}

// fieldOf returns err as a field problem, or nil when it is not one.
func fieldOf(err error) *koban.Error {
	var ke *koban.Error
	if errors.As(err, &ke) && ke.Field != "" {
		return ke
	}
	return nil
}

// linkable resolves a report by receipt number or id and checks that p may
// link it. A report p may not see answers like a missing one.
func (s *Service) linkable(ctx context.Context, p auth.Principal, ref string) (int64, error) {
	missing := koban.FieldError("reports", "case.error.report")
	ref = strings.TrimSpace(ref)
	var id int64
	if n, err := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64); err == nil && n > 0 {
		id = n
	} else if receipt, ok := intake.NormalizeReceipt(ref); ok {
		if id, err = s.store.ReportIDByReceipt(ctx, receipt); koban.ErrorCode(err) == koban.NotFound {
			return 0, missing
		} else if err != nil {
			return 0, err
		}
	} else {
		return 0, missing
	}
	owner, err := s.store.ReportOwner(ctx, id)
	if koban.ErrorCode(err) == koban.NotFound {
		return 0, missing
	} else if err != nil {
		return 0, err
	}
	err = s.access.Check(ctx, p, access.LinkReport, access.Object{Type: "report", ID: id, OrgID: owner})
	if err == nil {
		return id, nil
	}
	switch koban.ErrorCode(err) {
	case koban.NotFound:
		return 0, missing
	case koban.Forbidden:
		return 0, koban.FieldError("reports", "case.error.report_forbidden")
	default:
		return 0, err
	}
}

// mayView reports whether the account userID, acting for itself, may view
// o: the rule for leads, members and assignees, who would otherwise hold
// work they could never open.
func (s *Service) mayView(ctx context.Context, userID int64, o access.Object) (bool, error) {
	u, err := s.store.User(ctx, userID)
	if koban.ErrorCode(err) == koban.NotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if u.Disabled || !u.Role.WebLogin() {
		return false, nil
	}
	return s.access.Can(ctx, principalOf(u), access.View, o)
}

func principalOf(u *auth.User) auth.Principal {
	return auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: u.Role}
}

// text cleans one text field: trimmed, within max runes, valid UTF-8
// without control characters (newlines and tabs allowed where multiline).
func (s *Service) text(pr *koban.Problems, field, v string, max int, required, multiline bool) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		pr.Add(field, "case.error."+field+"_required")
	case utf8.RuneCountInString(v) > max:
		pr.Add(field, "case.error.too_long")
	case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool {
		return (unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r'))) || r == utf8.RuneError
	}):
		pr.Add(field, "case.error.text")
	}
	return v
}

// load returns a case after checking p's right on it. A case p may not
// view is NotFound, as if missing; a refusal of a case p may view is
// Forbidden. Refusals are audited.
func (s *Service) load(ctx context.Context, p auth.Principal, id int64, right access.Right) (*Case, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, p, c, right); err != nil {
		return nil, err
	}
	return c, nil
}

// Authorize returns a case p holds right on, for capabilities that hang
// off a case (international requests); a refusal is audited.
func (s *Service) Authorize(ctx context.Context, p auth.Principal, id int64, right access.Right) (*Case, error) {
	return s.load(ctx, p, id, right)
}

// Can says whether p holds right on c, without auditing: for deciding what
// a page offers.
func (s *Service) Can(ctx context.Context, p auth.Principal, c *Case, right access.Right) (bool, error) {
	return s.access.Can(ctx, p, right, c.Object())
}

// check asks the access decision, and audits a refusal.
func (s *Service) check(ctx context.Context, p auth.Principal, c *Case, right access.Right) error {
	err := s.access.Check(ctx, p, right, c.Object())
	if code := koban.ErrorCode(err); code == koban.NotFound || code == koban.Forbidden {
		if aerr := s.store.Audit(ctx, s.entry(p, c.ID, "case.refused", map[string]any{"right": string(right)})); aerr != nil {
			return aerr
		}
	}
	return err
}

func (s *Service) entry(p auth.Principal, caseID int64, action string, detail map[string]any) audit.Entry {
	return audit.Entry{Actor: p.Actor(), Action: action, ObjectType: ObjectType, ObjectID: strconv.FormatInt(caseID, 10), Detail: detail}
}

// Person is an account as case pages name it.
type Person struct {
	ID    int64
	Name  string
	Email string
	OrgID int64
}

// View is one case as an officer sees it.
type View struct {
	Case          *Case
	Reports       []LinkedReport // those the officer may view
	HiddenReports int            // linked reports the officer may not view
	Tasks         []Task
	Notes         []Note
	Timeline      []Event // entries about a report the officer may not view carry no receipt
	People        map[int64]Person
	Moves         []Status // where the status form may take the case
	CanEdit       bool
	CanLink       bool
}

// Get returns a case with its reports, tasks, notes and timeline. The read
// is audited.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (*View, error) {
	c, err := s.load(ctx, p, id, access.View)
	if err != nil {
		return nil, err
	}
	v := &View{Case: c, Moves: Moves(c.Status), People: map[int64]Person{}}
	if v.CanEdit, err = s.access.Can(ctx, p, access.Edit, c.Object()); err != nil {
		return nil, err
	}
	if v.CanLink, err = s.access.Can(ctx, p, access.LinkReport, c.Object()); err != nil {
		return nil, err
	}
	links, err := s.store.LinkedReports(ctx, id)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, l := range links {
		ok, err := s.access.Can(ctx, p, access.View, access.Object{Type: "report", ID: l.ReportID, OrgID: l.OrgID, TLP: l.TLP})
		if err != nil {
			return nil, err
		}
		if ok {
			v.Reports, seen[l.ReportID] = append(v.Reports, l), true
		} else {
			v.HiddenReports++
		}
	}
	if v.Tasks, err = s.store.Tasks(ctx, id); err != nil {
		return nil, err
	}
	if v.Notes, err = s.store.Notes(ctx, id); err != nil {
		return nil, err
	}
	if v.Timeline, err = s.store.Timeline(ctx, id); err != nil {
		return nil, err
	}
	for i := range v.Timeline {
		e := &v.Timeline[i]
		if e.RefOrgID == 0 || seen[e.RefID] {
			continue
		}
		ok, err := s.access.Can(ctx, p, access.View, access.Object{Type: "report", ID: e.RefID, OrgID: e.RefOrgID})
		if err != nil {
			return nil, err
		}
		if !ok {
			e.RefLabel, e.RefOrgID = "", 0
		}
	}
	ids := append([]int64{c.LeadID, c.CreatedBy}, c.Members...)
	for _, t := range v.Tasks {
		ids = append(ids, t.AssigneeID, t.CreatedBy, t.DoneBy)
	}
	for _, n := range v.Notes {
		ids = append(ids, n.AuthorID)
	}
	for _, e := range v.Timeline {
		ids = append(ids, e.ActorID)
	}
	for _, l := range v.Reports {
		ids = append(ids, l.LinkedBy)
	}
	if v.People, err = s.people(ctx, ids); err != nil {
		return nil, err
	}
	if err := s.store.Audit(ctx, s.entry(p, id, "case.view", nil)); err != nil {
		return nil, err
	}
	return v, nil
}

// people names the accounts ids.
func (s *Service) people(ctx context.Context, ids []int64) (map[int64]Person, error) {
	out := map[int64]Person{}
	for _, id := range uniqueIDs(ids) {
		u, err := s.store.User(ctx, id)
		if koban.ErrorCode(err) == koban.NotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		out[id] = Person{ID: u.ID, Name: u.Name, Email: u.Email, OrgID: u.OrgID}
	}
	return out, nil
}

// Candidates lists the accounts that may view a case of owner (a case
// being opened: the officer's own organisation), for the lead, member and
// assignee choices: enabled officers of the owner and the organisations
// above it, and of the officer's own organisation when a grant lets it in.
func (s *Service) Candidates(ctx context.Context, p auth.Principal, c *Case) ([]Person, error) {
	if c == nil {
		c = &Case{OrgID: p.OrgID}
	}
	orgs := []int64{c.OrgID, p.OrgID}
	for _, o := range s.tree().Ancestors(c.OrgID) {
		orgs = append(orgs, o.ID)
	}
	users, err := s.store.Users(ctx, uniqueIDs(orgs))
	if err != nil {
		return nil, err
	}
	var out []Person
	for _, u := range users {
		if u.Disabled || !u.Role.WebLogin() {
			continue
		}
		if ok, err := s.access.Can(ctx, principalOf(&u), access.View, c.Object()); err != nil {
			return nil, err
		} else if ok {
			out = append(out, Person{ID: u.ID, Name: u.Name, Email: u.Email, OrgID: u.OrgID})
		}
	}
	return out, nil
}

// List returns the cases p may view that match f, and how many there are.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter) ([]Row, int, error) {
	f.Scope = s.access.ScopeOf(p, ObjectType, access.View)
	if f.Scope.None {
		return nil, 0, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	f.Limit, f.Offset = clampPage(f.Limit, f.Offset)
	return s.store.Cases(ctx, f)
}

func clampPage(limit, offset int) (int, int) {
	switch {
	case limit <= 0:
		limit = 50
	case limit > 200:
		limit = 200
	}
	return limit, max(offset, 0)
}

// SetStatus moves a case along the workflow by hand (see CanMove). Closing
// takes one of CloseReasons; reopening a closed case takes it back to
// investigating. note is an optional word with the change.
func (s *Service) SetStatus(ctx context.Context, p auth.Principal, id int64, to Status, reason, note string) (*Case, error) {
	c, err := s.load(ctx, p, id, access.Edit)
	if err != nil {
		return nil, err
	}
	var pr koban.Problems
	note = s.text(&pr, "note", note, maxText, false, true)
	if to == StatusClosed && !slices.Contains(CloseReasons, reason) {
		pr.Add("reason", "case.error.close_reason")
	}
	if !to.Valid() {
		pr.Add("status", "case.error.status")
	} else if to == StatusReferred {
		pr.Add("status", "case.error.referred_by_referral")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	if to != StatusClosed {
		reason = ""
	}
	now := s.clock.Now()
	var out Case
	err = s.store.UpdateCase(ctx, c.ID, func(c *Case) (Event, audit.Entry, error) {
		from := c.Status
		if from == to {
			return Event{}, audit.Entry{}, koban.FieldError("status", "case.error.status_same")
		}
		if !CanMove(from, to) {
			key := "case.error.move"
			if from == StatusReferred {
				key = "case.error.move_referred"
			}
			return Event{}, audit.Entry{}, koban.FieldError("status", key)
		}
		c.Status, c.CloseReason, c.UpdatedAt = to, reason, now
		out = *c
		return Event{At: now, ActorID: p.UserID, Kind: EventStatus, From: string(from), To: string(to), Reason: reason, Text: note},
			s.entry(p, c.ID, "case.status", map[string]any{"from": string(from), "to": string(to), "reason": reason}), nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// LinkReport links a report (receipt number or id) to a case: p needs the
// link right on both.
func (s *Service) LinkReport(ctx context.Context, p auth.Principal, caseID int64, ref string) (int64, error) {
	c, err := s.load(ctx, p, caseID, access.LinkReport)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(ref) == "" {
		return 0, koban.FieldError("report", "case.error.report_required")
	}
	rid, err := s.linkable(ctx, p, ref)
	if fe := fieldOf(err); fe != nil {
		fe.Field = "report"
		return 0, fe
	} else if err != nil {
		return 0, err
	}
	err = s.store.LinkReport(ctx, c.ID, rid, p.UserID, s.clock.Now(), s.entry(p, c.ID, "case.link_report", map[string]any{"report": rid}))
	return rid, err
}

// UnlinkReport takes a report off a case; the report itself is untouched.
func (s *Service) UnlinkReport(ctx context.Context, p auth.Principal, caseID, reportID int64) error {
	c, err := s.load(ctx, p, caseID, access.LinkReport)
	if err != nil {
		return err
	}
	return s.store.UnlinkReport(ctx, c.ID, reportID, p.UserID, s.clock.Now(), s.entry(p, c.ID, "case.unlink_report", map[string]any{"report": reportID}))
}

// NewTask is a task an officer adds.
type NewTask struct {
	Title      string
	AssigneeID int64  // 0: nobody yet
	Due        string // YYYY-MM-DD, "" for none
}

// ParseDay reads a calendar day (YYYY-MM-DD) as midnight UTC.
func ParseDay(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil || d.Year() < 2000 || d.Year() > 2200 {
		return time.Time{}, koban.FieldError("due", "case.error.due")
	}
	return d, nil
}

// AddTask adds a task to a case. The assignee must be an account that may
// view the case.
func (s *Service) AddTask(ctx context.Context, p auth.Principal, caseID int64, in NewTask) (*Task, error) {
	c, err := s.load(ctx, p, caseID, access.Edit)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	t := &Task{CaseID: c.ID, AssigneeID: in.AssigneeID, Status: TaskOpen, CreatedBy: p.UserID, CreatedAt: now}
	var pr koban.Problems
	t.Title = s.text(&pr, "title", in.Title, maxTitle, true, false)
	if in.AssigneeID != 0 {
		if ok, err := s.mayView(ctx, in.AssigneeID, c.Object()); err != nil {
			return nil, err
		} else if !ok {
			pr.Add("assignee", "case.error.assignee")
		}
	}
	if strings.TrimSpace(in.Due) != "" {
		if t.Due, err = ParseDay(in.Due); err != nil {
			pr.Add("due", "case.error.due")
		}
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	err = s.store.AddTask(ctx, t, s.entry(p, c.ID, "case.task_add", map[string]any{"assignee": t.AssigneeID}))
	return t, err
}

// SetTaskDone marks a task done (or open again). Those who may edit the
// case may, and so may the task's assignee who may view it: an analyst
// asked for work closes their own task.
func (s *Service) SetTaskDone(ctx context.Context, p auth.Principal, caseID, taskID int64, done bool) error {
	c, err := s.load(ctx, p, caseID, access.View)
	if err != nil {
		return err
	}
	canEdit, err := s.access.Can(ctx, p, access.Edit, c.Object())
	if err != nil {
		return err
	}
	now := s.clock.Now()
	action, kind, status := "case.task_done", EventTaskDone, TaskDone
	if !done {
		action, kind, status = "case.task_reopen", EventTaskReopened, TaskOpen
	}
	var refused bool
	err = s.store.UpdateTask(ctx, c.ID, taskID, func(t *Task) (Event, audit.Entry, error) {
		if !canEdit && t.AssigneeID != p.UserID {
			refused = true
			return Event{}, audit.Entry{}, koban.Errorf(koban.Forbidden, "error.forbidden")
		}
		if t.Status == status {
			return Event{}, audit.Entry{}, koban.FieldError("task", "case.error.task_state")
		}
		t.Status = status
		t.DoneBy, t.DoneAt = 0, time.Time{}
		if done {
			t.DoneBy, t.DoneAt = p.UserID, now
		}
		return Event{At: now, ActorID: p.UserID, Kind: kind}, s.entry(p, c.ID, action, map[string]any{"task": taskID}), nil
	})
	if refused {
		if aerr := s.store.Audit(ctx, s.entry(p, c.ID, "case.refused", map[string]any{"right": string(access.Edit), "task": taskID})); aerr != nil {
			return aerr
		}
	}
	return err
}

// AddNote adds a Markdown note to a case.
func (s *Service) AddNote(ctx context.Context, p auth.Principal, caseID int64, body string) (*Note, error) {
	c, err := s.load(ctx, p, caseID, access.Edit)
	if err != nil {
		return nil, err
	}
	var pr koban.Problems
	body = s.text(&pr, "body", body, maxNote, true, true)
	if err := pr.Err(); err != nil {
		return nil, err
	}
	n := &Note{CaseID: c.ID, AuthorID: p.UserID, Body: body, CreatedAt: s.clock.Now()}
	err = s.store.AddNote(ctx, n, s.entry(p, c.ID, "case.note", map[string]any{"runes": utf8.RuneCountInString(body)}))
	return n, err
}

// TaskQuery selects tasks across cases.
type TaskQuery struct {
	Mine   bool // only the officer's own
	Status TaskStatus
	Limit  int
	Offset int
}

// TaskList lists tasks of the cases p may view: p's own with Mine.
func (s *Service) TaskList(ctx context.Context, p auth.Principal, q TaskQuery) ([]TaskRow, int, error) {
	f := TaskFilter{Scope: s.access.ScopeOf(p, ObjectType, access.View), Status: q.Status}
	if f.Scope.None {
		return nil, 0, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	if q.Status != "" && q.Status != TaskOpen && q.Status != TaskDone {
		return nil, 0, koban.FieldError("status", "case.error.task_status")
	}
	if q.Mine {
		f.AssigneeID = p.UserID
	}
	f.Limit, f.Offset = clampPage(q.Limit, q.Offset)
	return s.store.TaskList(ctx, f)
}
