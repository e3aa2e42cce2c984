package web

import (
	"net/http"
	"slices"

	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/vuln"
)

// vulnSourcesPage lists the feeds of the dictionary with their last
// import, the public feeds not followed yet and the form that adds one.
type vulnSourcesPage struct {
	page
	Sources     []*vuln.Source
	Suggestions []vuln.Suggestion
	Kinds       []vuln.Kind
	Form        vuln.SourceInput
}

// SourceRows are the sources listed.
func (p vulnSourcesPage) SourceRows() []*vuln.Source { return p.Sources }

func (s *Server) vulnSources(w http.ResponseWriter, r *http.Request) {
	s.renderVulnSources(w, r, http.StatusOK, vulnSourcesPage{page: s.newPage(r, "vulns.sources.title")})
}

func (s *Server) renderVulnSources(w http.ResponseWriter, r *http.Request, status int, p vulnSourcesPage) {
	var err error
	if p.Sources, err = s.Vuln.Sources(r.Context(), *p.Principal); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Kinds = vuln.Kinds()
	for _, sg := range vuln.Suggestions {
		if !slices.ContainsFunc(p.Sources, func(src *vuln.Source) bool { return src.Location == sg.URL }) {
			p.Suggestions = append(p.Suggestions, sg)
		}
	}
	s.render(w, r, status, "vuln_sources", p)
}

func (s *Server) vulnSourceAdd(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 64<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	f := r.PostForm
	in := vuln.SourceInput{Kind: f.Get("kind"), Location: f.Get("location"), Name: f.Get("name"), EveryH: f.Get("every")}
	_, err := s.Vuln.AddSource(r.Context(), pr, in)
	if c := koban.ErrorCode(err); c == koban.Invalid || c == koban.Conflict {
		p := vulnSourcesPage{page: s.newPage(r, "vulns.sources.title"), Form: in}
		p.setProblems(err)
		s.renderVulnSources(w, r, guard.Status(c), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/vulns/sources?done=vuln_source_added", http.StatusSeeOther)
}

func (s *Server) vulnSourceAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 4<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	action := r.PathValue("action")
	switch action {
	case "enable", "disable":
		_, err = s.Vuln.SetSourceEnabled(r.Context(), pr, id, action == "enable")
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/vulns/sources?done=vuln_source_"+action+"d", http.StatusSeeOther)
}
