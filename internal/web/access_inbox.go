package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
)

// The access requests between organisations: the owner's inbox, one
// request with its answer forms, and the officer's own requests.

type accessInboxPage struct {
	inboxPage
	Rows []correlate.RequestRow
	Mine bool
}

// Expired tells whether a granted request's grants have run out.
func (p accessInboxPage) Expired(r correlate.RequestRow) bool { return r.Expired(p.now) }

// accessInbox lists the requests to the organisations the officer answers
// for, open ones first.
func (s *Server) accessInbox(w http.ResponseWriter, r *http.Request) {
	s.accessList(w, r, false)
}

// accessMine lists the officer's own requests and their answers.
func (s *Server) accessMine(w http.ResponseWriter, r *http.Request) {
	s.accessList(w, r, true)
}

func (s *Server) accessList(w http.ResponseWriter, r *http.Request, mine bool) {
	title, path, def := "access.inbox.title", "/access-requests", correlate.RequestOpen
	if mine {
		title, path, def = "access.mine.title", "/access-requests/mine", "all"
	}
	ip, n := s.inbox(r, title, def)
	p := accessInboxPage{inboxPage: ip, Mine: mine}
	p.Choices = []string{"open", "answered", "all"}
	status := p.Status
	if status == "all" {
		status = ""
	}
	rows, total, err := s.Requests.List(r.Context(), *p.Principal, correlate.RequestQuery{Mine: mine, Status: status,
		Limit: inboxPageSize, Offset: (n - 1) * inboxPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Rows, p.Total = rows, total
	p.Prev, p.Next = pageLinks(path, r.URL.Query(), n, inboxPageSize, total)
	s.render(w, r, http.StatusOK, "access_requests", p)
}

type accessRequestPage struct {
	page
	R       *correlate.RequestRow
	Owner   bool // the viewer answers for the owner
	Days    string
	Reason  string
	MaxDays int
}

// Expired tells whether the request's grants have run out.
func (p accessRequestPage) Expired() bool { return p.R.Expired(p.now) }

// LiveEvents is where the page hears that the request was answered.
func (p accessRequestPage) LiveEvents() string { return "/inbox/events" }

// LiveReload is the page to reload (not the form a refused post came from).
func (p accessRequestPage) LiveReload() string { return fmt.Sprintf("/access-requests/%d", p.R.ID) }

// accessRequestPage shows one request: to the owner's side with the forms
// to grant or refuse, to the officer who asked with the answer and the
// records granted.
func (s *Server) accessRequestPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "rid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showAccessRequest(w, r, id, http.StatusOK, "", "", nil)
}

func (s *Server) showAccessRequest(w http.ResponseWriter, r *http.Request, id int64, status int, days, reason string, problem error) {
	p := accessRequestPage{page: s.newPage(r, "access.request.title"), Days: days, Reason: reason, MaxDays: correlate.MaxGrantDays}
	var err error
	if p.R, p.Owner, err = s.Requests.Get(r.Context(), *p.Principal, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Days == "" {
		p.Days = strconv.Itoa(correlate.DefaultGrantDays)
	}
	p.TitleText = p.T("access.request.heading", "n", strconv.FormatInt(id, 10))
	if problem != nil {
		p.setProblems(problem)
		p.anchorsToWrappers()
	}
	s.render(w, r, status, "access_request", p)
}

// accessAnswer grants or refuses a request.
func (s *Server) accessAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "rid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := smallForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	days, reason := strings.TrimSpace(f.Get("days")), f.Get("reason")
	var done string
	switch r.PathValue("action") {
	case "grant":
		n, convErr := strconv.Atoi(days)
		if convErr != nil && days != "" {
			err = koban.FieldError("days", "access_request.error.days")
		} else {
			_, err = s.Requests.Grant(r.Context(), pr, id, n)
		}
		done = "access_granted"
	case "refuse":
		_, err = s.Requests.Refuse(r.Context(), pr, id, reason)
		done = "access_refused"
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	switch code := koban.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, fmt.Sprintf("/access-requests/%d?done=%s", id, done), http.StatusSeeOther)
	case code == koban.Invalid || code == koban.Conflict:
		status := http.StatusUnprocessableEntity
		if code == koban.Conflict {
			status = http.StatusConflict
		}
		s.showAccessRequest(w, r, id, status, days, reason, err)
	default:
		s.fail(w, r, err)
	}
}
