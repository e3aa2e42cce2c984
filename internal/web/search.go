package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
	Hits       []searchRow
	Total      int
	From, To   int // the rows shown, counted from 1
	Prev, Next string
	// Elsewhere counts the records the officer may not see that hold the
	// query, when the query is one observable: counts, never content.
	Elsewhere *correlate.Hidden
	ElseObs   observe.Observable
}

// searchRow is one hit with its snippet cut into plain and matching parts.
type searchRow struct {
	intake.SearchHit
	Parts []snippetPart
}

type snippetPart struct {
	Text  string
	Match bool
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
	terms, _ := intake.SearchTerms(p.Q) // valid: the search accepted it
	p.Searched, p.Total = true, total
	for _, h := range hits {
		p.Hits = append(p.Hits, searchRow{SearchHit: h, Parts: highlight(h.Snippet, terms)})
	}
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

// highlight cuts a snippet into parts, marking every place a term occurs.
// Snippet and terms are in the same normalised form, so matching is exact.
func highlight(snippet string, terms []string) []snippetPart {
	mark := make([]bool, len(snippet))
	for _, t := range terms {
		if t == "" {
			continue
		}
		for from := 0; ; {
			i := strings.Index(snippet[from:], t)
			if i < 0 {
				break
			}
			for j := from + i; j < from+i+len(t); j++ {
				mark[j] = true
			}
			from += i + len(t)
		}
	}
	var parts []snippetPart
	for start := 0; start < len(snippet); {
		end := start
		for end < len(snippet) && mark[end] == mark[start] {
			end++
		}
		parts = append(parts, snippetPart{Text: snippet[start:end], Match: mark[start]})
		start = end
	}
	return parts
}
