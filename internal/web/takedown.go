package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/takedown"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/xarf"
)

// CanTakedown tells whether the viewer drafts takedown requests (shows the
// menu): those who triage reports or manage patrol.
func (p page) CanTakedown() bool {
	return p.Principal != nil && (p.Principal.Can(auth.PermReportTriage) || p.Principal.Can(auth.PermPatrolManage))
}

// takedownPage lists the line's requests with their outcomes and the
// draft form.
type takedownPage struct {
	page
	Requests []*takedown.Request
	Stats    *takedown.Stats
	Form     takedownForm
	CanSend  bool
}

type takedownForm struct {
	Kind, Target, FraudType, Reason, Note, Source, Case string
}

// caseOf reads the case a request is drafted for: 0 for none, -1 for
// something that is no case's id (the service says so).
func caseOf(v string) int64 {
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// CaseURL is the page of the case the drafted request belongs to, "" for
// none.
func (p takedownPage) CaseURL() string {
	if n := caseOf(p.Form.Case); n > 0 {
		return "/cases/" + strconv.FormatInt(n, 10)
	}
	return ""
}

// Kinds are the kinds of request offered.
func (p takedownPage) Kinds() []takedown.Kind { return takedown.Kinds() }

// reasonGroup is the reasons of one kind of measure, for the form's
// grouped choice.
type reasonGroup struct {
	Kind    takedown.Kind
	Reasons []string
}

// Reasons are the reasons a measure is asked for, by kind.
func (p takedownPage) Reasons() []reasonGroup {
	var out []reasonGroup
	for _, k := range takedown.Kinds() {
		if rs := takedown.Reasons(k); len(rs) > 0 {
			out = append(out, reasonGroup{Kind: k, Reasons: rs})
		}
	}
	return out
}

// TargetShown writes what a request is about as people read it: a URL as
// it is, an account as bank, branch, type and number, a number as people
// dial it.
func (p page) TargetShown(r *takedown.Request) string {
	if t := r.Kind.ValueType(); t != "" {
		return p.Shown(observe.Observable{Type: t, Value: r.Target})
	}
	return r.Target
}

// FraudTypes are the fraud types X-ARF knows.
func (p takedownPage) FraudTypes() []string { return xarf.FraudTypes() }

// Hours writes a duration in hours.
func (p page) Hours(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + "h"
}

// Baseline says the IHC's removal rate.
func (p takedownPage) Baseline() string {
	return p.Percent(takedown.IHCBaselineLow) + "–" + p.Percent(takedown.IHCBaselineHigh)
}

func (s *Server) takedowns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind := q.Get("kind")
	if !slices.Contains(takedown.Kinds(), takedown.Kind(kind)) {
		kind = string(takedown.Phishing)
	}
	p := takedownPage{page: s.newPage(r, "takedown.title"), Form: takedownForm{Kind: kind, Target: q.Get("target"), Reason: q.Get("reason"),
		Source: q.Get("source"), Case: q.Get("case")}}
	s.renderTakedowns(w, r, http.StatusOK, p)
}

func (s *Server) renderTakedowns(w http.ResponseWriter, r *http.Request, status int, p takedownPage) {
	var err error
	if p.Requests, err = s.Takedown.List(r.Context(), *p.Principal); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Stats, err = s.Takedown.Stats(r.Context(), *p.Principal); err != nil {
		s.fail(w, r, err)
		return
	}
	p.CanSend = s.Takedown.CanSend()
	p.SwitchForm = "takedown-form-submit"
	s.render(w, r, status, "takedown", p)
}

// SourceURL is the page of the record the drafted request comes from, ""
// when it comes from none (typed).
func (p takedownPage) SourceURL() string { return p.RecordURL(sourceKey(p.Form.Source)) }

// SourceName names that record in words: "通報 #34".
func (p takedownPage) SourceName() string { return p.recordName(sourceKey(p.Form.Source)) }

// recordName names a record a request comes from in words: "通報 #34".
func (p page) recordName(k correlate.Key) string {
	return p.T("takedown.source."+string(k.Type), "id", strconv.FormatInt(k.ID, 10))
}

// takedownTarget is what a request about a value is about, and its kind:
// a URL taken down as it is, a domain as the address of its site (its
// registrar and hoster are found from it, and a name that no longer
// resolves counts as down), an account frozen, a number's measures; ok is
// false for a value no request is made about.
func takedownTarget(o observe.Observable) (target string, kind takedown.Kind, ok bool) {
	switch o.Type {
	case observe.URL:
		return o.Value, "", true
	case observe.Domain:
		return "https://" + o.Value + "/", "", true
	}
	if k, ok := takedown.KindFor(o.Type); ok {
		return o.Value, k, true
	}
	return "", "", false
}

// requestLink is a link to the draft form filled in for a value: its
// address and the catalog key of its words.
type requestLink struct {
	URL, Key string
}

// takedownLink is the draft form filled in for a value, from a record
// ("source": "report:34") and for a case ("case") as from says; ok is false
// for a value no request is made about.
func takedownLink(o observe.Observable, from url.Values) (requestLink, bool) {
	target, kind, ok := takedownTarget(o)
	if !ok {
		return requestLink{}, false
	}
	q := url.Values{"target": {target}}
	for k, v := range from {
		q[k] = v
	}
	key := "takedown.link"
	if kind != "" {
		q.Set("kind", string(kind))
		key += "." + string(kind)
	}
	return requestLink{URL: "/takedown?" + q.Encode(), Key: key}, true
}

// requestLinks are the draft forms for a record's values, by value: only
// those its kinds of request are about.
func requestLinks(values []observe.Observable, from url.Values) map[observe.Observable]requestLink {
	out := map[observe.Observable]requestLink{}
	for _, o := range values {
		if l, ok := takedownLink(o, from); ok {
			out[o] = l
		}
	}
	return out
}

// valueRequest is the form on a value's page that drafts a request about
// it: the officer picks the record it comes from among those they see
// naming it, so that there is always a record whose marking is checked.
type valueRequest struct {
	Key      string                 // the catalog key of the button's words
	Kind     takedown.Kind          // the kind of request, "" for a takedown (the form's choice)
	Target   string                 // what the request is about
	Sources  []correlate.Occurrence // the records that may be its source
	Withheld int                    // records seen whose marking keeps them in koban
}

// requestAbout is the request form for a value, offering as sources the
// records seen whose marking lets them leave koban; nil for a value no
// request is made about.
func requestAbout(o observe.Observable, seen []correlate.Occurrence) *valueRequest {
	link, ok := takedownLink(o, nil)
	if !ok || len(seen) == 0 {
		return nil
	}
	v := &valueRequest{Key: link.Key}
	v.Target, v.Kind, _ = takedownTarget(o)
	for _, r := range seen {
		if takedown.MayLeave(tlp.Level(r.TLP)) {
			v.Sources = append(v.Sources, r)
		} else {
			v.Withheld++
		}
	}
	return v
}

// fromRecord is a request's origin in a draft link: the record ("report",
// 34) and the case (0 for none).
func fromRecord(typ string, id, caseID int64) url.Values {
	q := url.Values{"source": {typ + ":" + strconv.FormatInt(id, 10)}}
	if caseID != 0 {
		q.Set("case", strconv.FormatInt(caseID, 10))
	}
	return q
}

// sourceKey reads "finding:12" or "report:34".
func sourceKey(v string) correlate.Key {
	t, id, ok := strings.Cut(v, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || !correlate.RecordType(t).Valid() {
		return correlate.Key{}
	}
	return correlate.Key{Type: correlate.RecordType(t), ID: n}
}

func (s *Server) takedownDraft(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 64<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	f := takedownForm{Kind: r.PostForm.Get("kind"), Target: r.PostForm.Get("target"), FraudType: r.PostForm.Get("fraud_type"), Reason: r.PostForm.Get("reason"),
		Note: r.PostForm.Get("note"), Source: r.PostForm.Get("source"), Case: r.PostForm.Get("case")}
	req, err := s.Takedown.Draft(r.Context(), pr, takedown.Input{Kind: f.Kind, Target: f.Target, FraudType: f.FraudType, Reason: f.Reason, Note: f.Note,
		Source: sourceKey(f.Source), Case: caseOf(f.Case)})
	if koban.ErrorCode(err) == koban.Invalid {
		p := takedownPage{page: s.newPage(r, "takedown.title"), Form: f}
		p.setProblems(err)
		s.renderTakedowns(w, r, guard.Status(koban.Invalid), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/takedown/"+strconv.FormatInt(req.ID, 10)+"?done=takedown_drafted", http.StatusSeeOther)
}

// takedownRequestPage is one request with its checks and the actions its
// state allows.
type takedownRequestPage struct {
	page
	V           *takedown.Request
	CanSend     bool
	OutcomeNote string // the answer being recorded, kept on a problem
}

// SourceURL is the page of the record the request comes from, "" for
// none.
func (p takedownRequestPage) SourceURL() string { return p.RecordURL(p.V.Source) }

// SourceName names that record in words.
func (p takedownRequestPage) SourceName() string { return p.recordName(p.V.Source) }

func (s *Server) takedownRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderTakedown(w, r, id, http.StatusOK, nil, "")
}

func (s *Server) renderTakedown(w http.ResponseWriter, r *http.Request, id int64, status int, problem error, note string) {
	p := takedownRequestPage{page: s.newPage(r, "takedown.request_title"), OutcomeNote: note}
	var err error
	if p.V, err = s.Takedown.Get(r.Context(), *p.Principal, id); err != nil {
		s.fail(w, r, err)
		return
	}
	p.CanSend = s.Takedown.CanSend()
	if problem != nil {
		p.setProblems(problem)
	}
	p.TitleText = p.V.Ticket
	p.Path = "/takedown/" + strconv.FormatInt(id, 10) // also after a POST: the language switch leads back here
	s.render(w, r, status, "takedown_request", p)
}

func (s *Server) takedownAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 16<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	action := r.PathValue("action")
	switch action {
	case "recipient":
		err = s.Takedown.SetRecipient(r.Context(), pr, id, r.PostForm.Get("recipient"))
	case "send":
		err = s.Takedown.Send(r.Context(), pr, id)
	case "acknowledge":
		err = s.Takedown.Acknowledge(r.Context(), pr, id)
	case "withdraw":
		err = s.Takedown.Withdraw(r.Context(), pr, id)
	case "done", "refuse":
		err = s.Takedown.Resolve(r.Context(), pr, id, action == "done", r.PostForm.Get("outcome_note"))
	default:
		s.notFound(w, r)
		return
	}
	if c := koban.ErrorCode(err); c == koban.Invalid || c == koban.Conflict {
		s.renderTakedown(w, r, id, guard.Status(c), err, r.PostForm.Get("outcome_note"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/takedown/"+strconv.FormatInt(id, 10)+"?done=takedown_"+action, http.StatusSeeOther)
}
