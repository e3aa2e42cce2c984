package web

import (
	"net/http"
	"strconv"

	"github.com/koban-project/koban/internal/cases"
)

// inboxPage is what the pages between organisations share: which box
// (received or sent), the status shown, paging, and the live notice.
type inboxPage struct {
	page
	Out        bool
	Status     string
	Choices    []string // the statuses the filter offers
	Total      int
	Prev, Next string
}

// LiveEvents is where inbox pages hear that an inbox changed.
func (p inboxPage) LiveEvents() string { return "/inbox/events" }

// LiveReload is the page to reload.
func (p inboxPage) LiveReload() string { return p.Path }

const inboxPageSize = 50

func (s *Server) inbox(r *http.Request, title, defaultStatus string) (inboxPage, int) {
	q := r.URL.Query()
	p := inboxPage{page: s.newPage(r, title), Out: q.Get("box") == "out", Status: q.Get("status")}
	if p.Status == "" {
		p.Status = defaultStatus
	}
	n, _ := strconv.Atoi(q.Get("page"))
	return p, max(n, 1)
}

type referralInboxPage struct {
	inboxPage
	Rows []cases.Referral
}

// referralInbox lists the referrals to the organisations the officer acts
// for (their own and those below it), waiting ones by default; with
// box=out, those they sent.
func (s *Server) referralInbox(w http.ResponseWriter, r *http.Request) {
	ip, n := s.inbox(r, "referral.inbox.title", string(cases.ReferralPending))
	p := referralInboxPage{inboxPage: ip}
	p.Choices = []string{"pending", "accepted", "declined", "withdrawn"}
	status := p.Status
	if status == "all" {
		status = ""
	}
	rows, total, err := s.Cases.ReferralList(r.Context(), *p.Principal, cases.ReferralQuery{Out: p.Out, Status: cases.ReferralStatus(status),
		Limit: inboxPageSize, Offset: (n - 1) * inboxPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Rows, p.Total = rows, total
	p.Prev, p.Next = pageLinks("/referrals", r.URL.Query(), n, inboxPageSize, total)
	s.render(w, r, http.StatusOK, "referrals", p)
}
