package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/search"
)

type savedSearchesPage struct {
	page
	Saved []search.Saved
	// Name and Query are a refused save's input, kept.
	Name, Query string
}

type savedSearchPage struct {
	page
	S       *search.Saved
	Matches []search.MatchRow
	New     int
}

// MatchURL is where a match's link goes.
func (p savedSearchPage) MatchURL(m search.MatchRow) string {
	return hitURL(m.Kind, m.RecordID, m.CaseID)
}

// SearchURL opens a saved search on the search page.
func (p savedSearchesPage) SearchURL(s search.Saved) string { return "/search?" + s.Query }

// savedSearches lists the officer's saved searches with their new matches.
func (s *Server) savedSearches(w http.ResponseWriter, r *http.Request) {
	p := savedSearchesPage{page: s.newPage(r, "savedsearch.title")}
	s.renderSaved(w, r, http.StatusOK, p)
}

func (s *Server) renderSaved(w http.ResponseWriter, r *http.Request, status int, p savedSearchesPage) {
	list, err := s.Search.SavedSearches(r.Context(), *p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Saved = list
	s.render(w, r, status, "searches", p)
}

// saveSearch keeps the search the page shows (its query string) under a
// name; new matches are recorded from now on.
func (s *Server) saveSearch(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 64<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	f := r.PostForm
	v, err := url.ParseQuery(f.Get("query"))
	var q search.Query
	if err == nil {
		q, err = search.FromValues(v, s.Location)
	} else {
		err = koban.FieldError("name", "savedsearch.error.query")
	}
	if err == nil {
		_, err = s.Search.Save(r.Context(), pr, f.Get("name"), q, f.Get("notify_mail") == "1")
	}
	if koban.ErrorCode(err) == koban.Invalid {
		p := savedSearchesPage{page: s.newPage(r, "savedsearch.title"), Name: f.Get("name"), Query: f.Get("query")}
		p.setProblems(err)
		s.renderSaved(w, r, guard.Status(koban.Invalid), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/searches?done=search_saved", http.StatusSeeOther)
}

// savedSearch shows one saved search's matches, new ones first.
func (s *Server) savedSearch(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := savedSearchPage{page: s.newPage(r, "savedsearch.title")}
	p.S, p.Matches, err = s.Search.MatchesOf(r.Context(), *p.Principal, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, m := range p.Matches {
		if !m.Seen {
			p.New++
		}
	}
	s.render(w, r, http.StatusOK, "saved_search", p)
}

// savedSearchAction marks a saved search's matches seen or deletes it.
func (s *Server) savedSearchAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	switch r.PathValue("action") {
	case "seen":
		err = s.Search.MarkSeen(r.Context(), pr, id)
		if err == nil {
			http.Redirect(w, r, "/searches/"+strconv.FormatInt(id, 10)+"?done=search_seen", http.StatusSeeOther)
			return
		}
	case "delete":
		err = s.Search.Delete(r.Context(), pr, id)
		if err == nil {
			http.Redirect(w, r, "/searches?done=search_deleted", http.StatusSeeOther)
			return
		}
	default:
		s.notFound(w, r)
		return
	}
	s.fail(w, r, err)
}
