package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/taxonomy"
)

type caseNewPage struct {
	page
	In         caseNewInput
	Categories []taxonomy.Category
	Laws       []taxonomy.LawBucket
	Severities []cases.Severity
	People     []cases.Person
}

// caseNewInput is the form as typed, kept when it comes back with errors.
type caseNewInput struct {
	Title, Summary, Category, Law, Severity, Lead, Reports string
	Members                                                []int64
}

// Member tells whether the account is among the members chosen.
func (in caseNewInput) Member(id int64) bool {
	for _, m := range in.Members {
		if m == id {
			return true
		}
	}
	return false
}

// caseNew is the form that opens a case; ?report= (repeatable) and
// ?category= pre-fill it, as the button on a report's page does.
func (s *Server) caseNew(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := caseNewInput{Category: strings.ToUpper(q.Get("category")), Severity: string(cases.SeverityMedium),
		Reports: strings.Join(q["report"], "\n")}
	if !taxonomy.Valid(in.Category) {
		in.Category = ""
	}
	s.showCaseNew(w, r, http.StatusOK, in, nil)
}

func (s *Server) showCaseNew(w http.ResponseWriter, r *http.Request, status int, in caseNewInput, problem error) {
	p := caseNewPage{page: s.newPage(r, "case.new.title"), In: in, Categories: taxonomy.All(), Laws: cases.LawBuckets, Severities: cases.Severities}
	people, err := s.Cases.Candidates(r.Context(), *p.Principal, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.People = people
	if problem != nil {
		p.setProblems(problem)
		p.anchorsToWrappers()
	}
	s.render(w, r, status, "case_new", p)
}

// anchorsToWrappers points the error summary at each field's wrapper
// (f-<field>): the public form's anchors do not apply to officers' pages.
func (p *page) anchorsToWrappers() {
	for i := range p.Summary {
		p.Summary[i].Anchor = "f-" + p.Summary[i].Field
	}
}

// caseOpen opens the case and goes to its page.
func (s *Server) caseOpen(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 1<<20) {
		return
	}
	pr, _ := principalFrom(r.Context())
	in := caseNewInput{Title: r.PostForm.Get("title"), Summary: r.PostForm.Get("summary"), Category: r.PostForm.Get("category"),
		Law: r.PostForm.Get("law"), Severity: r.PostForm.Get("severity"), Lead: r.PostForm.Get("lead"), Reports: r.PostForm.Get("reports")}
	for _, v := range r.PostForm["members"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Members = append(in.Members, id)
		}
	}
	lead, _ := strconv.ParseInt(in.Lead, 10, 64)
	c, err := s.Cases.Open(r.Context(), pr, cases.Opening{Title: in.Title, Summary: in.Summary, Category: in.Category, Law: in.Law,
		Severity: in.Severity, LeadID: lead, Members: in.Members, Reports: []string{in.Reports}})
	if err != nil {
		if koban.ErrorCode(err) == koban.Invalid {
			s.showCaseNew(w, r, http.StatusUnprocessableEntity, in, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=case_opened", c.ID), http.StatusSeeOther)
}
