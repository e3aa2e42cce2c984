package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/markdown"
)

// Cases as JSON: the same service and access decision as the pages.
// Accounts are named by e-mail address, organisations by code, days as
// YYYY-MM-DD, times in RFC 3339.

// Accounts finds the accounts named in requests and answers.
type Accounts interface {
	UserByEmail(ctx context.Context, email string) (*auth.User, error)
	User(ctx context.Context, id int64) (*auth.User, error)
}

// maxCaseBody caps the JSON body of a case request.
const maxCaseBody = 256 << 10

// decodeJSON reads a request body of at most maxCaseBody bytes into v,
// strictly (decodeStrict): an unknown field, a field twice, a wrong type
// or anything else unreadable is an error for badJSON (400, fields named;
// 413 over the cap); text that is not valid is a 422 by field.
func decodeJSON[T any](w http.ResponseWriter, r *http.Request, v *T) error {
	if r.ContentLength > maxCaseBody {
		return koban.Errorf(koban.TooLarge, "api.error.body_too_large")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCaseBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return koban.Errorf(koban.TooLarge, "api.error.body_too_large")
		}
		return malformed(err.Error())
	}
	in, bad, err := decodeStrict[T](raw, schemaFor[T]())
	if err != nil {
		return err
	}
	*v = in
	return bad.Err()
}

// schemas holds each body type's schema, read once from its json tags.
var schemas sync.Map // reflect.Type → schema

func schemaFor[T any]() schema {
	t := reflect.TypeFor[T]()
	if s, ok := schemas.Load(t); ok {
		return s.(schema)
	}
	s := schemaOf(t)
	schemas.Store(t, s)
	return s
}

// badJSON answers a body decodeJSON could not read: the error's own status
// (400 unreadable or unknown fields, 413 too large, 422 invalid text).
func (a *API) badJSON(w http.ResponseWriter, r *http.Request, err error) {
	a.fail(w, r, err)
}

// CaseIn is the body of POST /api/v1/cases.
type CaseIn struct {
	Title    string   `json:"title"`
	Summary  string   `json:"summary"`
	Category string   `json:"category"`
	Law      string   `json:"law"`
	Severity string   `json:"severity"`
	Lead     string   `json:"lead"`    // e-mail; "" for the caller
	Members  []string `json:"members"` // e-mails
	Reports  []string `json:"reports"` // receipt numbers or ids
}

// CaseOut is a case as the API shows it.
type CaseOut struct {
	ID          int64    `json:"id"`
	Number      string   `json:"number"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Category    string   `json:"category"`
	Law         string   `json:"law"`
	Severity    string   `json:"severity"`
	Status      string   `json:"status"`
	CloseReason string   `json:"close_reason,omitempty"`
	Org         string   `json:"org"`
	Lead        string   `json:"lead,omitempty"`
	Members     []string `json:"members"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	// LegalHold is present while the case is on legal hold: retention
	// deletes nothing of it or under it.
	LegalHold *HoldOut `json:"legal_hold,omitempty"`
}

// HoldOut is a case's legal hold: why, who set it and when.
type HoldOut struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
	At     string `json:"at"`
}

// CaseRowOut is a case in a list.
type CaseRowOut struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	Title     string `json:"title"`
	Category  string `json:"category"`
	Severity  string `json:"severity"`
	Status    string `json:"status"`
	Org       string `json:"org"`
	Reports   int    `json:"reports"`
	OpenTasks int    `json:"open_tasks"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// TaskOut is a task. Title is in the caller's language for a checklist
// item (whose TemplateKey names it).
type TaskOut struct {
	ID          int64  `json:"id"`
	CaseID      int64  `json:"case_id"`
	CaseNumber  string `json:"case_number,omitempty"`
	CaseTitle   string `json:"case_title,omitempty"`
	Title       string `json:"title"`
	TemplateKey string `json:"template_key,omitempty"`
	Assignee    string `json:"assignee,omitempty"`
	Due         string `json:"due,omitempty"`
	Status      string `json:"status"`
	CreatedAt   string `json:"created_at"`
	DoneAt      string `json:"done_at,omitempty"`
}

// emails names accounts by e-mail, looking each up once.
type emails struct {
	ctx   context.Context
	accts Accounts
	known map[int64]string
}

func (a *API) emails(ctx context.Context, people map[int64]cases.Person) *emails {
	e := &emails{ctx: ctx, accts: a.Accounts, known: map[int64]string{}}
	for id, p := range people {
		e.known[id] = p.Email
	}
	return e
}

func (e *emails) of(id int64) string {
	if id == 0 {
		return ""
	}
	if m, ok := e.known[id]; ok {
		return m
	}
	m := ""
	if u, err := e.accts.User(e.ctx, id); err == nil {
		m = u.Email
	}
	e.known[id] = m
	return m
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func (a *API) caseOut(c *cases.Case, who *emails) CaseOut {
	o := CaseOut{ID: c.ID, Number: c.Number, Title: c.Title, Summary: c.Summary, Category: c.Category, Law: string(c.Law),
		Severity: string(c.Severity), Status: string(c.Status), CloseReason: c.CloseReason, Org: a.orgCode(c.OrgID),
		Lead: who.of(c.LeadID), Members: []string{}, CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt)}
	for _, m := range c.Members {
		o.Members = append(o.Members, who.of(m))
	}
	if c.Hold {
		o.LegalHold = &HoldOut{Reason: c.HoldReason, By: who.of(c.HoldBy), At: stamp(c.HoldAt)}
	}
	return o
}

func (a *API) taskOut(t cases.Task, who *emails, lang string) TaskOut {
	o := TaskOut{ID: t.ID, CaseID: t.CaseID, Title: t.Title, TemplateKey: t.TemplateKey, Assignee: who.of(t.AssigneeID),
		Due: day(t.Due), Status: string(t.Status), CreatedAt: stamp(t.CreatedAt), DoneAt: stamp(t.DoneAt)}
	if t.TemplateKey != "" {
		o.Title = a.Catalogs.T(lang, t.TemplateKey)
	}
	return o
}

// account turns an e-mail into an account id; one that does not exist is
// a problem on field, like one that may not take part.
func (a *API) account(ctx context.Context, email, field, key string) (int64, error) {
	if strings.TrimSpace(email) == "" {
		return 0, nil
	}
	u, err := a.Accounts.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if koban.ErrorCode(err) == koban.NotFound {
		return 0, koban.FieldError(field, key)
	}
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, koban.Errorf(koban.NotFound, "error.not_found")
	}
	return id, nil
}

// cases answers GET /api/v1/cases: the cases the caller may see, with the
// page's filters (status, severity, category, mine=1) and limit/offset.
func (a *API) cases(w http.ResponseWriter, r *http.Request) {
	q, p := r.URL.Query(), principal(r)
	f := cases.Filter{Status: cases.Status(q.Get("status")), Severity: cases.Severity(q.Get("severity")), Category: strings.ToUpper(q.Get("category"))}
	if q.Get("mine") == "1" || q.Get("mine") == "true" {
		f.Mine = p.UserID
	}
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	rows, total, err := a.Cases.List(r.Context(), p, f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]CaseRowOut, 0, len(rows))
	for _, c := range rows {
		out = append(out, CaseRowOut{ID: c.ID, Number: c.Number, Title: c.Title, Category: c.Category, Severity: string(c.Severity),
			Status: string(c.Status), Org: a.orgCode(c.OrgID), Reports: c.Reports, OpenTasks: c.OpenTasks,
			CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": min(total, cases.ListCountCap), "total_is_lower_bound": total > cases.ListCountCap, "cases": out})
}

// openCase answers POST /api/v1/cases.
func (a *API) openCase(w http.ResponseWriter, r *http.Request) {
	var in CaseIn
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	ctx, p := r.Context(), principal(r)
	o := cases.Opening{Title: in.Title, Summary: in.Summary, Category: in.Category, Law: in.Law, Severity: in.Severity, Reports: in.Reports}
	var err error
	if o.LeadID, err = a.account(ctx, in.Lead, "lead", "case.error.lead"); err != nil {
		a.fail(w, r, err)
		return
	}
	for _, m := range in.Members {
		id, err := a.account(ctx, m, "members", "case.error.member")
		if err != nil {
			a.fail(w, r, err)
			return
		}
		o.Members = append(o.Members, id)
	}
	c, err := a.Cases.Open(ctx, p, o)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, a.caseOut(c, a.emails(ctx, nil)))
}

// caseView answers GET /api/v1/cases/{id}: the case with its reports,
// tasks, notes and timeline.
func (a *API) caseView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.Cases.Get(r.Context(), principal(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := lang(r)
	who := a.emails(r.Context(), v.People)
	reports := make([]map[string]any, 0, len(v.Reports))
	for _, l := range v.Reports {
		reports = append(reports, map[string]any{"id": l.ReportID, "receipt": l.Receipt, "org": a.orgCode(l.OrgID), "category": l.Category,
			"status": l.Status, "created_at": stamp(l.CreatedAt), "linked_at": stamp(l.LinkedAt), "linked_by": who.of(l.LinkedBy)})
	}
	tasks := make([]TaskOut, 0, len(v.Tasks))
	for _, t := range v.Tasks {
		tasks = append(tasks, a.taskOut(t, who, lang))
	}
	notes := make([]map[string]any, 0, len(v.Notes))
	for _, n := range v.Notes {
		notes = append(notes, map[string]any{"id": n.ID, "author": who.of(n.AuthorID), "body": n.Body, "html": markdown.Render(n.Body),
			"created_at": stamp(n.CreatedAt)})
	}
	timeline := make([]map[string]any, 0, len(v.Timeline))
	for _, e := range v.Timeline {
		entry := map[string]any{"at": stamp(e.At), "actor": who.of(e.ActorID), "kind": e.Kind}
		for k, val := range map[string]string{"from": e.From, "to": e.To, "reason": e.Reason, "text": e.Text, "receipt": e.RefLabel} {
			if val != "" {
				entry[k] = val
			}
		}
		// A report the caller may not view is not named, not even by id.
		if e.RefID != 0 && !((e.Kind == cases.EventReportLinked || e.Kind == cases.EventReportUnlinked) && e.RefLabel == "") {
			entry["ref_id"] = e.RefID
		}
		timeline = append(timeline, entry)
	}
	moves := make([]string, 0, len(v.Moves))
	for _, m := range v.Moves {
		moves = append(moves, string(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{"case": a.caseOut(v.Case, who), "reports": reports, "hidden_reports": v.HiddenReports,
		"tasks": tasks, "notes": notes, "timeline": timeline, "moves": moves, "can_edit": v.CanEdit, "can_link": v.CanLink})
}

// caseStatus answers POST /api/v1/cases/{id}/status.
func (a *API) caseStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
		Note   string `json:"note"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	c, err := a.Cases.SetStatus(r.Context(), principal(r), id, cases.Status(in.Status), in.Reason, in.Note)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.caseOut(c, a.emails(r.Context(), nil)))
}

// caseHold answers POST /api/v1/cases/{id}/hold: {"hold": true|false,
// "reason": "…"} sets or lifts the legal hold (the case.hold permission).
func (a *API) caseHold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Hold   bool   `json:"hold"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	c, err := a.Cases.SetHold(r.Context(), principal(r), id, in.Hold, in.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.caseOut(c, a.emails(r.Context(), nil)))
}

// caseTask answers POST /api/v1/cases/{id}/tasks.
func (a *API) caseTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Title    string `json:"title"`
		Assignee string `json:"assignee"` // e-mail
		Due      string `json:"due"`      // YYYY-MM-DD
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	ctx := r.Context()
	assignee, err := a.account(ctx, in.Assignee, "assignee", "case.error.assignee")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	t, err := a.Cases.AddTask(ctx, principal(r), id, cases.NewTask{Title: in.Title, AssigneeID: assignee, Due: in.Due})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a.taskOut(*t, a.emails(ctx, nil), lang(r)))
}

// caseTaskState answers POST /api/v1/cases/{id}/tasks/{tid}: {"status":
// "done"} or {"status": "open"}.
func (a *API) caseTaskState(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	tid, err := pathID(r, "tid")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Status string `json:"status"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	if in.Status != string(cases.TaskDone) && in.Status != string(cases.TaskOpen) {
		a.fail(w, r, koban.FieldError("status", "case.error.task_status"))
		return
	}
	if err := a.Cases.SetTaskDone(r.Context(), principal(r), id, tid, in.Status == string(cases.TaskDone)); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": tid, "case_id": id, "status": in.Status})
}

// caseNote answers POST /api/v1/cases/{id}/notes.
func (a *API) caseNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Body string `json:"body"` // Markdown
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	n, err := a.Cases.AddNote(r.Context(), principal(r), id, in.Body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": n.ID, "case_id": id, "author": principal(r).Email, "body": n.Body,
		"html": markdown.Render(n.Body), "created_at": stamp(n.CreatedAt)})
}

// caseLink answers POST /api/v1/cases/{id}/reports: {"report": receipt or id}.
func (a *API) caseLink(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Report json.RawMessage `json:"report"` // "XXXX-XXXX-X" or a number
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	ref := strings.Trim(string(in.Report), `"`)
	rid, err := a.Cases.LinkReport(r.Context(), principal(r), id, ref)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"case_id": id, "report_id": rid})
}

// tasks answers GET /api/v1/tasks: tasks of the cases the caller may see;
// mine=1 keeps the caller's own; status=open|done.
func (a *API) tasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tq := cases.TaskQuery{Mine: q.Get("mine") == "1" || q.Get("mine") == "true", Status: cases.TaskStatus(q.Get("status"))}
	tq.Limit, _ = strconv.Atoi(q.Get("limit"))
	tq.Offset, _ = strconv.Atoi(q.Get("offset"))
	rows, total, err := a.Cases.TaskList(r.Context(), principal(r), tq)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	who, lang := a.emails(r.Context(), nil), lang(r)
	out := make([]TaskOut, 0, len(rows))
	for _, t := range rows {
		o := a.taskOut(t.Task, who, lang)
		o.CaseNumber, o.CaseTitle = t.CaseNumber, t.CaseTitle
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": total, "tasks": out})
}
