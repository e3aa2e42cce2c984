package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/markdown"
	"github.com/koban-project/koban/internal/tlp"
)

type casePage struct {
	page
	// CanSummarise offers a supervisor the LLM's summary of the case;
	// AISummary is it, once asked for, or AISummaryKey why there is none.
	CanSummarise bool
	AISummary    string
	AISummaryKey string
	V            *cases.View
	C            *cases.Case
	Candidates   []cases.Person // who may be given a task
	CloseReasons []string
	In           caseInput
	CanShare     bool // may export the case for partners (intel.manage)
	CanHold      bool // may set or lift a legal hold (case.hold, and may edit)
	caseBetween       // referrals, parties, support requests (case_referral.go)
	evidencePart      // the case's evidence (case_evidence.go)
	foreignPart       // the case's international requests (foreign.go)
	samplesPart       // the malware samples it holds (samples.go)
	takedownPart      // its requests to providers (case_takedown.go)
}

// caseInput is what the officer typed in one of the case page's forms,
// kept when the form comes back with errors.
type caseInput struct {
	Status, Reason, StatusNote string
	TaskTitle, TaskDue         string
	TaskAssignee               int64
	Note, Report               string
	HoldReason                 string
}

// Who names an account of the case.
func (p casePage) Who(id int64) string {
	if id == 0 {
		return p.T("case.event.system")
	}
	if u, ok := p.V.People[id]; ok {
		if u.Name != "" {
			return u.Name
		}
		return u.Email
	}
	return "#" + strconv.FormatInt(id, 10)
}

// NoteHTML is a note's Markdown, rendered safely (no raw HTML, no active
// links: see markdown.Render and its fuzz test).
func (p casePage) NoteHTML(body string) template.HTML { return template.HTML(markdown.Render(body)) }

// Task finds a task of the case by id.
func (p casePage) Task(id int64) (cases.Task, bool) {
	for _, t := range p.V.Tasks {
		if t.ID == id {
			return t, true
		}
	}
	return cases.Task{}, false
}

// TaskOf is the text of the task a timeline entry names.
func (p casePage) TaskOf(id int64) string {
	if t, ok := p.Task(id); ok {
		return p.TaskText(t)
	}
	return ""
}

// Members lists the case's members by name.
func (p casePage) Members() []string {
	var out []string
	for _, id := range p.C.Members {
		out = append(out, p.Who(id))
	}
	return out
}

func caseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, koban.Errorf(koban.NotFound, "error.not_found")
	}
	return id, nil
}

// caseDetail is the case page: facts, status, reports, tasks, notes and
// the timeline.
// caseSummarise shows the case with the LLM's summary of it, at a
// supervisor's request (a POST, audited as assist.summarise).
func (s *Server) caseSummarise(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showCase(w, r, id, http.StatusOK, caseInput{}, nil, func(p *casePage) {
		if !p.CanSummarise {
			return
		}
		var b strings.Builder
		var ids []int64
		var levels []tlp.Level
		fmt.Fprintf(&b, "件名: %s\n概要: %s\n", p.C.Title, p.C.Summary)
		for _, rep := range p.V.Reports {
			fmt.Fprintf(&b, "通報 %s（%s）: %s\n", rep.Receipt, rep.Category, rep.Summary)
			ids, levels = append(ids, rep.ReportID), append(levels, rep.TLP)
		}
		for _, n := range p.V.Notes {
			fmt.Fprintf(&b, "メモ: %s\n", n.Body)
		}
		text := b.String()
		if len(text) > 24<<10 { // what the LLM takes at once, cut at a rune
			text = strings.ToValidUTF8(text[:24<<10], "")
		}
		sum, err := s.Assist.SummariseCase(r.Context(), p.Principal.Actor(), id, text, ids, tlp.Strictest(tlp.Amber, append(levels, tlp.Amber)...), p.Lang)
		var ke *koban.Error
		switch {
		case err == nil:
			p.AISummary = sum
		case errors.As(err, &ke):
			p.AISummaryKey = ke.Key
		default:
			p.AISummaryKey = "assist.error.llm_failed"
		}
	})
}

func (s *Server) caseDetail(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showCase(w, r, id, http.StatusOK, caseInput{}, nil)
}

// showCase renders the case page; extra fill in the input of the forms of
// other files (evidence).
func (s *Server) showCase(w http.ResponseWriter, r *http.Request, id int64, status int, in caseInput, problem error, extra ...func(*casePage)) {
	p := casePage{page: s.newPage(r, "case.detail.title"), CloseReasons: cases.CloseReasons, In: in}
	pr := *p.Principal
	v, err := s.Cases.Get(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.V, p.C = v, v.Case
	p.Title = v.Case.Number
	p.CanShare = pr.Can(auth.PermIntelManage)
	p.CanHold = v.CanEdit && pr.Can(auth.PermCaseHold)
	p.CanSummarise = s.Assist != nil && s.Assist.LLMEnabled() && pr.Can(auth.PermDashboardRead)
	if v.CanEdit {
		if p.Candidates, err = s.Cases.Candidates(r.Context(), pr, v.Case); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.loadBetween(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.loadEvidence(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.loadForeign(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.loadCaseSamples(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.loadTakedowns(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, f := range extra {
		f(&p)
	}
	if problem != nil {
		p.setProblems(problem)
		p.anchorsToWrappers()
	}
	s.render(w, r, status, "case", p)
}
