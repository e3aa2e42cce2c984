package web

import (
	"net/http"
	"time"

	"github.com/koban-project/koban/internal/cases"
)

type supportQueuePage struct {
	inboxPage
	Rows  []cases.SupportRequest
	Today time.Time
}

// Overdue tells whether an open request is past its due day.
func (p supportQueuePage) Overdue(r cases.SupportRequest) bool { return r.Overdue(p.Today) }

// supportQueue is a unit's queue of technical-support requests: open ones
// by due day, overdue ones marked; with box=out, the requests the
// officer's organisations sent.
func (s *Server) supportQueue(w http.ResponseWriter, r *http.Request) {
	ip, n := s.inbox(r, "support.queue.title", "open")
	p := supportQueuePage{inboxPage: ip, Today: s.Cases.Today()}
	p.Choices = []string{"open", "answered", "declined", "all"}
	rows, total, err := s.Cases.SupportQueue(r.Context(), *p.Principal, cases.SupportQuery{Out: p.Out, Status: p.Status,
		Limit: inboxPageSize, Offset: (n - 1) * inboxPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Rows, p.Total = rows, total
	p.Prev, p.Next = pageLinks("/support", r.URL.Query(), n, inboxPageSize, total)
	s.render(w, r, http.StatusOK, "support", p)
}
