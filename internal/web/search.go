package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/search"
	"github.com/koban-project/koban/internal/taxonomy"
)

type searchPage struct {
	page
	Q        string     // as typed
	F        url.Values // the form as sent (filters kept in every link)
	Searched bool       // a valid query was run
	Res      search.Result
	// Next is the link to the page after this one; First, to the first
	// page when this is not it.
	Next, First string
	// Facets as links that narrow the search, each with its count.
	ByKind, ByCategory, ByStatus []facetLink
	// Elsewhere counts the records the officer may not see that hold the
	// query, when the query is one observable: counts, never content.
	Elsewhere *correlate.Hidden
	ElseObs   observe.Observable
	// Query is the search as a query string, for the save form.
	Query    string
	CanMail  bool
	Kinds    []search.Kind
	Statuses []string
	Cats     []taxonomy.Category
}

// facetLink is one count of a facet and the search narrowed to it.
type facetLink struct {
	Text string // in the page's language
	N    int
	URL  string
	On   bool // the search is narrowed to it already
}

// Sel tells whether the form's field holds v (for selected options).
func (p searchPage) Sel(field, v string) bool { return slices.Contains(p.F[field], v) }

// Val is the form's field as sent.
func (p searchPage) Val(field string) string { return p.F.Get(field) }

// HitURL is where a hit's link goes: a note's opens its case.
func (p searchPage) HitURL(h search.Hit) string { return hitURL(h.Kind, h.ID, h.CaseID) }

func hitURL(k search.Kind, id, caseID int64) string {
	switch k {
	case search.Case:
		return "/cases/" + strconv.FormatInt(id, 10)
	case search.Note:
		return "/cases/" + strconv.FormatInt(caseID, 10) + "#note-" + strconv.FormatInt(id, 10)
	}
	return "/reports/" + strconv.FormatInt(id, 10)
}

// StatusKey is the catalog key of a status of either kind of record.
func (p searchPage) StatusKey(s string) string { return statusKey(s) }

func statusKey(s string) string {
	if slices.Contains(cases.Statuses, cases.Status(s)) {
		return "case.status." + s
	}
	return "status." + s
}

const searchPageSize = 50

// search is the search page: reports, cases and notes the officer may see,
// with filters, facets, a bounded total and keyset paging.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	p := searchPage{page: s.newPage(r, "search.title"), Q: v.Get("q"), F: v, Kinds: search.Kinds, Cats: taxonomy.All(),
		CanMail: s.Search.Notifies()}
	for _, st := range intake.Statuses {
		p.Statuses = append(p.Statuses, string(st))
	}
	for _, st := range cases.Statuses {
		if !slices.Contains(p.Statuses, string(st)) {
			p.Statuses = append(p.Statuses, string(st))
		}
	}
	if !v.Has("q") {
		s.render(w, r, http.StatusOK, "search", p) // the empty form
		return
	}
	q, err := search.FromValues(v, s.Location)
	var after *search.Cursor
	if err == nil && v.Get("after") != "" {
		c, cerr := search.ParseCursor(v.Get("after"))
		if cerr != nil {
			err = koban.FieldError("q", "search.error.cursor")
		}
		after = &c
	}
	var res search.Result
	if err == nil {
		res, err = s.Search.Search(r.Context(), *p.Principal, q, after, searchPageSize)
	}
	if koban.ErrorCode(err) == koban.Invalid {
		p.setProblems(err)
		s.render(w, r, guard.Status(koban.Invalid), "search", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Searched, p.Res = true, res
	base := q.Values()
	p.Query = base.Encode()
	if res.Next != nil {
		n := cloneValues(base)
		n.Set("after", res.Next.String())
		p.Next = "/search?" + n.Encode()
	}
	if after != nil {
		p.First = "/search?" + p.Query
	}
	narrow := func(field, value string) string {
		n := cloneValues(base)
		n.Set(field, value)
		return "/search?" + n.Encode()
	}
	for _, k := range search.Kinds {
		if n := res.Facets.ByKind[k]; n > 0 {
			p.ByKind = append(p.ByKind, facetLink{Text: p.T("search.type." + string(k)), N: n, URL: narrow("type", string(k)),
				On: len(q.Kinds) == 1 && q.Kinds[0] == k})
		}
	}
	for _, c := range taxonomy.All() {
		if n := res.Facets.ByCategory[string(c.Code)]; n > 0 {
			p.ByCategory = append(p.ByCategory, facetLink{Text: p.T(c.Code.NameKey()), N: n, URL: narrow("category", string(c.Code)), On: q.Category == string(c.Code)})
		}
	}
	if n := res.Facets.ByCategory[""]; n > 0 {
		p.ByCategory = append(p.ByCategory, facetLink{Text: p.T("queue.uncategorised"), N: n})
	}
	for _, st := range p.Statuses {
		if n := res.Facets.ByStatus[st]; n > 0 {
			p.ByStatus = append(p.ByStatus, facetLink{Text: p.T(statusKey(st)), N: n, URL: narrow("status", st), On: q.Status == st})
		}
	}
	if o, h, ok, err := s.Index.Elsewhere(r.Context(), *p.Principal, p.Q); err != nil {
		s.fail(w, r, err)
		return
	} else if ok {
		p.Elsewhere, p.ElseObs = &h, o
	}
	s.render(w, r, http.StatusOK, "search", p)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
