package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

type searchPage struct {
	page
	Q          string // as typed
	Searched   bool   // a valid query was run
	Hits       []intake.SearchHit
	Total      int
	From, To   int // the rows shown, counted from 1
	Prev, Next string
	// Elsewhere counts the records the officer may not see that hold the
	// query, when the query is one observable: counts, never content.
	Elsewhere *correlate.Hidden
	ElseObs   observe.Observable
}

const searchPageSize = 50

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := searchPage{page: s.newPage(r, "search.title"), Q: q.Get("q")}
	if !q.Has("q") {
		s.render(w, r, http.StatusOK, "search", p) // the empty form
		return
	}
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	hits, total, err := s.Intake.Search(r.Context(), *p.Principal, p.Q, searchPageSize, (n-1)*searchPageSize)
	if koban.ErrorCode(err) == koban.Invalid {
		p.setProblems(err)
		s.render(w, r, guard.Status(koban.Invalid), "search", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Searched, p.Total, p.Hits = true, total, hits
	if len(hits) > 0 {
		p.From, p.To = (n-1)*searchPageSize+1, (n-1)*searchPageSize+len(hits)
	}
	p.Prev, p.Next = pageLinks("/search", url.Values{"q": {p.Q}}, n, searchPageSize, total)
	if o, h, ok, err := s.Index.Elsewhere(r.Context(), *p.Principal, p.Q); err != nil {
		s.fail(w, r, err)
		return
	} else if ok {
		p.Elsewhere, p.ElseObs = &h, o
	}
	s.render(w, r, http.StatusOK, "search", p)
}
