package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/taxonomy"
)

type caseListPage struct {
	page
	Rows       []cases.Row
	Total      int
	More       bool // more than Total match (the count stops at cases.ListCountCap)
	F          caseListInput
	Statuses   []cases.Status
	Severities []cases.Severity
	Categories []taxonomy.Category
	Prev, Next string
	CanOpen    bool
}

type caseListInput struct {
	Status, Severity, Category string
	Mine                       bool
	Page                       int
}

const casePageSize = 50

// caseList is the list of the cases the officer may see, with filters.
func (s *Server) caseList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := caseListInput{Status: q.Get("status"), Severity: q.Get("severity"), Category: strings.ToUpper(q.Get("category")), Mine: q.Get("mine") == "1"}
	in.Page, _ = strconv.Atoi(q.Get("page"))
	in.Page = max(in.Page, 1)
	p := caseListPage{page: s.newPage(r, "case.list.title"), F: in, Statuses: cases.Statuses, Severities: cases.Severities, Categories: taxonomy.All()}
	pr := *p.Principal
	p.CanOpen = pr.Can(auth.PermReportTriage)
	f := cases.Filter{Status: cases.Status(in.Status), Severity: cases.Severity(in.Severity), Category: in.Category,
		Limit: casePageSize, Offset: (in.Page - 1) * casePageSize}
	if in.Mine {
		f.Mine = pr.UserID
	}
	rows, total, err := s.Cases.List(r.Context(), pr, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Rows, p.Total, p.More = rows, min(total, cases.ListCountCap), total > cases.ListCountCap
	p.Prev, p.Next = pageLinks("/cases", q, in.Page, casePageSize, total)
	s.render(w, r, http.StatusOK, "cases", p)
}

// Day formats a calendar day (kept as midnight UTC), or "" when zero.
func (p page) Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if p.Lang == "ja" {
		return t.UTC().Format("2006年1月2日")
	}
	return t.UTC().Format("2 Jan 2006")
}

// Overdue tells whether a task due on day d is late today, in the
// configured zone.
func (p page) Overdue(t cases.Task) bool {
	if t.Due.IsZero() || t.Status == cases.TaskDone {
		return false
	}
	y, m, d := p.now.In(p.loc).Date()
	return t.Due.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// TaskText is a task's text in the page's language: a checklist item's
// from the catalog, an officer's as written.
func (p page) TaskText(t cases.Task) string {
	if t.TemplateKey != "" {
		return p.T(t.TemplateKey)
	}
	return t.Title
}
