package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
)

// intelObjectsPage is the intel browser: the newest version of each
// object the officer may view, newest first, with filters.
type intelObjectsPage struct {
	page
	Q    intel.BrowseQuery
	List *intel.BrowsePage
}

// Types are the STIX types the browser filters by.
func (p intelObjectsPage) Types() []string {
	return []string{"indicator", "report", "malware", "threat-actor", "campaign", "attack-pattern", "infrastructure", "vulnerability",
		"identity", "sighting", "relationship", "observed-data", "domain-name", "url", "ipv4-addr", "ipv6-addr", "email-addr", "file"}
}

// TLPFilter are the markings offered as a filter.
func (p intelObjectsPage) TLPFilter() []tlp.Level {
	return []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict, tlp.Red}
}

// SourceName names an object's source, or says it was made in koban or
// comes from a source of another line.
func (p intelObjectsPage) SourceName(id int64) string {
	if id == 0 {
		return p.T("intel.browse.made_here")
	}
	if n := p.List.Sources[id]; n != "" {
		return n
	}
	return p.T("intel.browse.other_source")
}

// NextURL is the link to the next page, with the filters kept.
func (p intelObjectsPage) NextURL() string {
	v := url.Values{}
	for k, s := range map[string]string{"type": p.Q.Type, "tlp": p.Q.TLP, "q": p.Q.Text, "cursor": p.List.Next} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if p.Q.Source != 0 {
		v.Set("source", strconv.FormatInt(p.Q.Source, 10))
	}
	return "/intel/objects?" + v.Encode()
}

func (s *Server) intelObjects(w http.ResponseWriter, r *http.Request) {
	p := intelObjectsPage{page: s.newPage(r, "intel.browse.title")}
	q := r.URL.Query()
	p.Q = intel.BrowseQuery{Type: q.Get("type"), TLP: q.Get("tlp"), Text: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor")}
	if v := q.Get("source"); v != "" {
		p.Q.Source, _ = strconv.ParseInt(v, 10, 64)
	}
	list, err := s.Intel.Browse(r.Context(), *p.Principal, p.Q)
	if koban.ErrorCode(err) == koban.Invalid {
		p.setProblems(err)
		p.List = &intel.BrowsePage{}
		s.render(w, r, http.StatusBadRequest, "intel_objects", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.List = list
	s.render(w, r, http.StatusOK, "intel_objects", p)
}

// intelCollectionsPage lists koban's TAXII collections the officer's
// organisation reads, writes or keeps, and the form that makes one.
type intelCollectionsPage struct {
	page
	Collections []intel.CollectionView
	CanManage   bool
	Form        collectionForm
	BaseURL     string
}

// collectionForm is the new-collection form as typed.
type collectionForm struct{ Title, Description, MaxTLP, Readers, Writers string }

// CeilingChoices are the ceilings a collection may have (never RED).
func (p intelCollectionsPage) CeilingChoices() []tlp.Level {
	return []tlp.Level{tlp.Green, tlp.Clear, tlp.Amber, tlp.AmberStrict}
}

// TAXIIURL is where partners fetch a collection's objects.
func (p intelCollectionsPage) TAXIIURL(c intel.CollectionView) string {
	return p.BaseURL + "/taxii2/" + intel.RootName + "/collections/" + c.UUID + "/objects/"
}

// MemberNames lists a collection's members with their rights.
func (p intelCollectionsPage) MemberNames(c intel.CollectionView) string {
	var parts []string
	for _, m := range c.Members {
		rights := []string{}
		if m.Read {
			rights = append(rights, p.T("intel.collections.read"))
		}
		if m.Write {
			rights = append(rights, p.T("intel.collections.write"))
		}
		parts = append(parts, p.OrgName(m.OrgID)+" ("+strings.Join(rights, "・")+")")
	}
	return strings.Join(parts, "、")
}

func (s *Server) intelCollections(w http.ResponseWriter, r *http.Request) {
	s.renderCollections(w, r, http.StatusOK, intelCollectionsPage{page: s.newPage(r, "intel.collections.title"), Form: collectionForm{MaxTLP: "green"}})
}

func (s *Server) renderCollections(w http.ResponseWriter, r *http.Request, status int, p intelCollectionsPage) {
	list, err := s.Intel.CollectionList(r.Context(), *p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Collections, p.CanManage, p.BaseURL = list, p.Principal.Can(auth.PermIntelManage), strings.TrimSuffix(s.BaseURL, "/")
	p.SwitchForm = "collection-form-submit"
	s.render(w, r, status, "intel_collections", p)
}

// codes splits a list of organisation codes typed with commas, spaces or
// Japanese commas.
func codes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
}

func (s *Server) intelCollectionCreate(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 64<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	f := collectionForm{Title: r.PostForm.Get("title"), Description: r.PostForm.Get("description"), MaxTLP: r.PostForm.Get("max_tlp"),
		Readers: r.PostForm.Get("readers"), Writers: r.PostForm.Get("writers")}
	_, err := s.Intel.CreateCollection(r.Context(), pr, intel.CollectionInput{Title: f.Title, Description: f.Description, MaxTLP: f.MaxTLP,
		Readers: codes(f.Readers), Writers: codes(f.Writers)})
	if koban.ErrorCode(err) == koban.Invalid {
		p := intelCollectionsPage{page: s.newPage(r, "intel.collections.title"), Form: f}
		p.setProblems(err)
		s.renderCollections(w, r, guard.Status(koban.Invalid), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/intel/collections?done=collection_created", http.StatusSeeOther)
}

// intelShare puts an object into a collection, as far as its marking
// lets it go, and returns to the object's page saying what happened.
func (s *Server) intelShare(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 16<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	err = s.Intel.Share(r.Context(), pr, id, r.PostForm.Get("collection"))
	if koban.ErrorCode(err) == koban.Invalid {
		s.renderIntelObject(w, r, id, http.StatusUnprocessableEntity, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/intel/objects/"+strconv.FormatInt(id, 10)+"?done=intel_shared", http.StatusSeeOther)
}
