package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/assist"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/patrol"
)

// CanPatrolManage tells whether the viewer reviews findings and makes
// reports of them.
func (p page) CanPatrolManage() bool {
	return p.Principal != nil && p.Principal.Can(auth.PermPatrolManage)
}

// QuotaText says how full the patrol captures' quota is, for the banner
// of the patrol pages (part_patrol.html).
func (p page) QuotaText(q *patrol.QuotaStatus) string {
	key := "patrol.quota.warn"
	if q.Level >= patrol.QuotaFull {
		key = "patrol.quota.full"
	}
	pct := 0
	if q.Limit > 0 {
		pct = int(float64(q.Used) / float64(q.Limit) * 100)
	}
	return p.T(key, "pct", strconv.Itoa(pct), "used", p.Size(q.Used), "limit", p.Size(q.Limit), "at", p.Date(q.MeasuredAt))
}

// CanPatrol tells whether the viewer reads cyber patrol (shows the menu).
func (p page) CanPatrol() bool { return p.Principal != nil && p.Principal.Can(auth.PermPatrolRead) }

// patrolPage lists the watch items of the officer's line with their last
// fetch, and the form that adds one.
type patrolPage struct {
	page
	Quota     *patrol.QuotaStatus // the quota's banner; nil when quiet
	Items     []*patrol.Item
	CanManage bool
	CanCovert bool
	Form      patrol.ItemInput
}

// Kinds are the kinds of item offered, pages first.
func (p patrolPage) Kinds() []string {
	return []string{patrol.KindURL, patrol.KindDomain, patrol.KindAccount, patrol.KindPhrase, patrol.KindRegex}
}

// Hours writes an item's schedule in hours (or minutes under an hour).
func (p page) EveryText(it *patrol.Item) string {
	if m := int(it.Every.Minutes()); m%60 != 0 {
		return p.T("patrol.every_min", "n", strconv.Itoa(m))
	}
	return p.T("patrol.every_hours", "n", strconv.Itoa(int(it.Every.Hours())))
}

// Fetched says whether an item is fetched.
func (p page) Fetched(it *patrol.Item) bool { return patrol.Fetched(it.Kind) }

func (s *Server) patrolItems(w http.ResponseWriter, r *http.Request) {
	s.renderPatrol(w, r, http.StatusOK, patrolPage{page: s.newPage(r, "patrol.title"), Form: patrol.ItemInput{Kind: patrol.KindURL}})
}

func (s *Server) renderPatrol(w http.ResponseWriter, r *http.Request, status int, p patrolPage) {
	items, err := s.Patrol.Items(r.Context(), *p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Items, p.CanManage, p.CanCovert = items, p.Principal.Can(auth.PermPatrolManage), p.Principal.Can(auth.PermPatrolCovert)
	p.Quota = s.Patrol.QuotaAlarm(*p.Principal)
	p.SwitchForm = "patrol-form-submit"
	s.render(w, r, status, "patrol", p)
}

func (s *Server) patrolItemCreate(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 64<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	f := r.PostForm
	in := patrol.ItemInput{Kind: f.Get("kind"), Target: f.Get("target"), Label: f.Get("label"), Tags: f.Get("tags"), EveryMin: f.Get("every"),
		Profile: f.Get("profile"), OrgCode: f.Get("org"), RetentionDays: f.Get("retention")}
	it, err := s.Patrol.CreateItem(r.Context(), pr, in)
	if c := koban.ErrorCode(err); c == koban.Invalid || c == koban.Conflict {
		p := patrolPage{page: s.newPage(r, "patrol.title"), Form: in}
		p.setProblems(err)
		s.renderPatrol(w, r, guard.Status(c), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/patrol/items/"+strconv.FormatInt(it.ID, 10)+"?done=patrol_item_created", http.StatusSeeOther)
}

// patrolItemPage is one item with its latest captures.
type patrolItemPage struct {
	page
	Quota *patrol.QuotaStatus
	V     *patrol.ItemView
}

// Size writes a byte count for people.
func (p patrolItemPage) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// KeptText says how long the item's captures without a finding are kept,
// and by which setting.
func (p patrolItemPage) KeptText() string {
	k := p.V.Kept
	n := strconv.Itoa(k.Days)
	switch k.Because {
	case patrol.KeptOwn:
		return p.T("patrol.kept.own", "n", n)
	case patrol.KeptTag:
		return p.T("patrol.kept.tag", "n", n, "tag", k.Tag)
	}
	return p.T("patrol.kept.default", "n", n)
}

// Short is the start of a SHA-256, as the page shows it.
func (p patrolItemPage) Short(sum string) string { return sum[:min(12, len(sum))] }

func (s *Server) patrolItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := patrolItemPage{page: s.newPage(r, "patrol.item_title")}
	if p.V, err = s.Patrol.Item(r.Context(), *p.Principal, id); err != nil {
		s.fail(w, r, err)
		return
	}
	p.TitleText, p.Quota = p.V.Target, s.Patrol.QuotaAlarm(*p.Principal)
	s.render(w, r, http.StatusOK, "patrol_item", p)
}

// patrolCaptureBody sends a capture's body as a download, never shown in
// the browser (a captured page may be a live phishing page).
func (s *Server) patrolCaptureBody(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	shot := r.PathValue("what") == "screenshot"
	c, body, err := s.Patrol.CaptureBody(r.Context(), pr, id, shot)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	name, size := "capture-"+strconv.FormatInt(c.ID, 10)+"-"+c.SHA256[:12]+".bin", c.Size
	if shot {
		name, size = "capture-"+strconv.FormatInt(c.ID, 10)+"-screenshot.png", -1
	}
	h.Set("Content-Disposition", "attachment; filename=\""+name+"\"")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	if size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	if _, err := io.Copy(w, body); err != nil {
		s.Log.Error("patrol capture download", "capture", c.ID, "err", strings.TrimSpace(err.Error()))
	}
}

// patrolFindingsPage lists the findings of the officer's line.
type patrolFindingsPage struct {
	page
	Quota    *patrol.QuotaStatus
	State    string
	Findings []*patrol.Finding
}

// States are the review states offered as a filter.
func (p patrolFindingsPage) States() []string {
	return []string{patrol.FindingNew, patrol.FindingConfirmed, patrol.FindingFalsePositive}
}

// Percent writes a score as a percentage.
func (p page) Percent(f float64) string { return strconv.Itoa(int(f*100+0.5)) + "%" }

func (s *Server) patrolFindings(w http.ResponseWriter, r *http.Request) {
	p := patrolFindingsPage{page: s.newPage(r, "patrol.findings_title"), State: r.URL.Query().Get("state")}
	if p.State == "" {
		p.State = patrol.FindingNew
	}
	if p.State == "all" {
		p.State = ""
	}
	var err error
	if p.Findings, err = s.Patrol.Findings(r.Context(), *p.Principal, p.State); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Quota = s.Patrol.QuotaAlarm(*p.Principal)
	s.render(w, r, http.StatusOK, "patrol_findings", p)
}

// patrolFindingPage is one finding with its cluster and the review form.
type patrolFindingPage struct {
	page
	Quota     *patrol.QuotaStatus
	V         *patrol.FindingView
	CanReview bool
	// Cases are the officer's own cases not closed, which a confirmed
	// finding may join.
	Cases []cases.Row
	// Suggestion is the triage model's reading of the excerpt; nil when
	// there is none yet.
	Suggestion *assist.Suggestion
}

func (s *Server) patrolFinding(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderFinding(w, r, id, http.StatusOK, nil)
}

func (s *Server) renderFinding(w http.ResponseWriter, r *http.Request, id int64, status int, problem error) {
	p := patrolFindingPage{page: s.newPage(r, "patrol.finding_title")}
	var err error
	if p.V, err = s.Patrol.Finding(r.Context(), *p.Principal, id); err != nil {
		s.fail(w, r, err)
		return
	}
	p.CanReview = p.V.State == patrol.FindingNew && p.Principal.Can(auth.PermPatrolManage)
	if s.Assist != nil {
		if p.Suggestion, err = s.Assist.FindingSuggestion(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if p.V.State == patrol.FindingConfirmed && p.Principal.Can(auth.PermPatrolManage) {
		mine, _, err := s.Cases.List(r.Context(), *p.Principal, cases.Filter{Mine: p.Principal.UserID, Limit: 100})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range mine {
			if c.Status != cases.StatusClosed {
				p.Cases = append(p.Cases, c)
			}
		}
	}
	p.Quota = s.Patrol.QuotaAlarm(*p.Principal)
	if problem != nil {
		p.setProblems(problem)
	}
	p.TitleText = p.V.URL
	s.render(w, r, status, "patrol_finding", p)
}

// patrolReview confirms a finding or marks it a false positive.
func (s *Server) patrolReview(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 16<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	err = s.Patrol.Review(r.Context(), pr, id, r.PostForm.Get("state"), r.PostForm.Get("note"))
	if koban.ErrorCode(err) == koban.Invalid {
		s.renderFinding(w, r, id, http.StatusUnprocessableEntity, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/patrol/findings/"+strconv.FormatInt(id, 10)+"?done=finding_reviewed", http.StatusSeeOther)
}

// patrolFileReport makes a report of a confirmed finding and opens it.
func (s *Server) patrolFileReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	rc, err := s.Patrol.FileReport(r.Context(), pr, id)
	if koban.ErrorCode(err) == koban.Conflict {
		s.renderFinding(w, r, id, http.StatusConflict, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(rc.ReportID, 10)+"?done=finding_reported", http.StatusSeeOther)
}

// patrolJoinCase puts a confirmed finding into one of the officer's cases
// and shows the case, where its report and page now are.
func (s *Server) patrolJoinCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 4<<10) {
		return
	}
	caseID, err := strconv.ParseInt(r.PostForm.Get("case"), 10, 64)
	if err != nil {
		s.renderFinding(w, r, id, http.StatusBadRequest, koban.FieldError("case", "patrol.error.case_required"))
		return
	}
	pr, _ := principalFrom(r.Context())
	err = s.Patrol.JoinCase(r.Context(), pr, id, caseID)
	if c := koban.ErrorCode(err); c == koban.Conflict || c == koban.Invalid {
		s.renderFinding(w, r, id, http.StatusConflict, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(caseID, 10)+"?done=finding_joined", http.StatusSeeOther)
}

// patrolHold puts an item's captures under legal hold, or lifts it.
func (s *Server) patrolHold(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 4<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	hold := r.PostForm.Get("hold") == "1"
	if err := s.Patrol.SetHold(r.Context(), pr, id, hold); err != nil {
		s.fail(w, r, err)
		return
	}
	done := "patrol_hold"
	if !hold {
		done = "patrol_hold_lifted"
	}
	http.Redirect(w, r, "/patrol/items/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
}
