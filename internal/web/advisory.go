package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/advisory"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/markdown"
	"github.com/koban-project/koban/internal/tlp"
)

// Advisories (広報啓発): the public reads published TLP:CLEAR ones at
// /advisories, as Atom at /advisories.atom and as a JSON Feed at
// /advisories.json (?lang=en for English); officers write and review them
// at /advisories/desk.

// publicAdvisories is how many advisories the public list and feeds show.
const publicAdvisories = 50

// feed describes the public feeds for a request: links from
// KOBAN_BASE_URL, or from the request's own host when it is not set.
func (s *Server) feed(r *http.Request, lang string) advisory.Feed {
	base, err := url.Parse(s.BaseURL)
	if s.BaseURL == "" || err != nil {
		scheme := "http"
		if r.TLS != nil || (s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
			scheme = "https"
		}
		base = &url.URL{Scheme: scheme, Host: r.Host}
	}
	return advisory.Feed{Base: base, Instance: s.Instance, Lang: lang, Title: s.Catalogs.T(lang, "advisory.feed.title"),
		Subtitle: s.Catalogs.T(lang, "advisory.feed.subtitle"), Author: s.Catalogs.T(lang, "advisory.feed.author"), Render: markdown.Render}
}

type advisoriesPage struct {
	page
	Rows []*advisory.Version
}

// AdvisoryHTML renders an advisory's Markdown body safely.
func (p page) AdvisoryHTML(md string) template.HTML { return template.HTML(markdown.Render(md)) }

func (s *Server) advisories(w http.ResponseWriter, r *http.Request) {
	p := advisoriesPage{page: s.newPage(r, "advisory.public_title")}
	var err error
	if p.Rows, err = s.Advisories.Public(r.Context(), publicAdvisories); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	s.render(w, r, http.StatusOK, "advisories", p)
}

type advisoryPublicPage struct {
	page
	V *advisory.Version
}

func (s *Server) advisoryPublic(w http.ResponseWriter, r *http.Request) {
	p := advisoryPublicPage{page: s.newPage(r, "advisory.public_title")}
	var err error
	if p.V, err = s.Advisories.PublicOne(r.Context(), r.PathValue("number")); err != nil {
		s.fail(w, r, err)
		return
	}
	p.TitleText = p.V.Text.Title(p.Lang)
	w.Header().Set("Cache-Control", "public, max-age=300")
	s.render(w, r, http.StatusOK, "advisory_public", p)
}

// advisoryFeed writes the Atom or JSON feed.
func (s *Server) advisoryFeed(w http.ResponseWriter, r *http.Request) {
	lang := "ja"
	if r.URL.Query().Get("lang") == "en" {
		lang = "en"
	}
	vs, err := s.Advisories.Public(r.Context(), publicAdvisories)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.feed(r, lang)
	var buf bytes.Buffer
	withdrawn := s.Catalogs.T(lang, "advisory.withdrawn_mark")
	if strings.HasSuffix(r.URL.Path, ".json") {
		err = f.WriteJSON(&buf, vs, withdrawn)
		w.Header().Set("Content-Type", "application/feed+json; charset=utf-8")
	} else {
		err = f.WriteAtom(&buf, vs, withdrawn)
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(buf.Bytes())
}

// Officers' desk.

type advisoryDeskPage struct {
	page
	Rows     []*advisory.Advisory
	CanWrite bool
}

func (s *Server) advisoryDesk(w http.ResponseWriter, r *http.Request) {
	p := advisoryDeskPage{page: s.newPage(r, "advisory.desk_title")}
	var err error
	if p.Rows, err = s.Advisories.List(r.Context(), *p.Principal); err != nil {
		s.fail(w, r, err)
		return
	}
	p.CanWrite = p.Principal.Can(auth.PermAdvisoryWrite)
	s.render(w, r, http.StatusOK, "advisory_desk", p)
}

type advisoryEditPage struct {
	page
	V      *advisory.View // nil for a new one
	In     advisory.Input
	Levels []tlp.Level
}

func (s *Server) advisoryNew(w http.ResponseWriter, r *http.Request) {
	s.renderAdvisory(w, r, 0, http.StatusOK, &advisory.Input{TLP: string(tlp.Clear)}, nil)
}

func (s *Server) advisoryItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAdvisory(w, r, id, http.StatusOK, nil, nil)
}

// renderAdvisory shows the form (id 0: a new advisory) with what was typed
// (in) or the advisory as it stands.
func (s *Server) renderAdvisory(w http.ResponseWriter, r *http.Request, id int64, status int, in *advisory.Input, problem error) {
	p := advisoryEditPage{page: s.newPage(r, "advisory.edit_title"), Levels: []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber}}
	if id != 0 {
		var err error
		if p.V, err = s.Advisories.Get(r.Context(), *p.Principal, id); err != nil {
			s.fail(w, r, err)
			return
		}
		p.TitleText = p.V.Number
		p.In = advisory.Input{TLP: string(p.V.TLP), Text: p.V.Text}
	} else if !p.Principal.Can(auth.PermAdvisoryWrite) {
		s.fail(w, r, koban.Errorf(koban.Forbidden, "error.forbidden"))
		return
	}
	if in != nil {
		p.In = *in
	}
	if problem != nil {
		p.setProblems(problem)
	}
	s.render(w, r, status, "advisory_edit", p)
}

func advisoryInput(r *http.Request) advisory.Input {
	f := r.PostForm
	return advisory.Input{TLP: f.Get("tlp"), Text: advisory.Text{TitleJA: f.Get("title_ja"), TitleEN: f.Get("title_en"),
		SummaryJA: f.Get("summary_ja"), SummaryEN: f.Get("summary_en"), BodyJA: f.Get("body_ja"), BodyEN: f.Get("body_en")}}
}

func (s *Server) advisoryCreate(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 512<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	in := advisoryInput(r)
	a, err := s.Advisories.Create(r.Context(), pr, in)
	if koban.ErrorCode(err) == koban.Invalid {
		s.renderAdvisory(w, r, 0, http.StatusUnprocessableEntity, &in, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/advisories/desk/"+strconv.FormatInt(a.ID, 10)+"?done=advisory_saved", http.StatusSeeOther)
}

// advisoryAction saves the text (edit) or moves the advisory on.
func (s *Server) advisoryAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 512<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	ctx := r.Context()
	action := r.PathValue("action")
	var in *advisory.Input
	switch action {
	case "edit":
		typed := advisoryInput(r)
		in = &typed
		_, err = s.Advisories.Edit(ctx, pr, id, typed)
	case "submit":
		err = s.Advisories.Submit(ctx, pr, id)
	case "publish":
		err = s.Advisories.Publish(ctx, pr, id)
	case "send_back":
		err = s.Advisories.SendBack(ctx, pr, id, r.PostForm.Get("note"))
	case "withdraw":
		err = s.Advisories.Withdraw(ctx, pr, id)
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if c := koban.ErrorCode(err); c == koban.Invalid || c == koban.Conflict {
		status := http.StatusUnprocessableEntity
		if c == koban.Conflict {
			status = http.StatusConflict
		}
		s.renderAdvisory(w, r, id, status, in, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/advisories/desk/"+strconv.FormatInt(id, 10)+"?done=advisory_"+action, http.StatusSeeOther)
}

// CanAdvisory tells whether the officer writes or reviews advisories.
func (p page) CanAdvisory() bool {
	return p.Principal != nil && (p.Principal.Can(auth.PermAdvisoryWrite) || p.Principal.Can(auth.PermAdvisoryPublish))
}

// Typed is what the form holds in one of its text fields.
func (p advisoryEditPage) Typed(name string) string {
	t := p.In.Text
	return map[string]string{"title_ja": t.TitleJA, "summary_ja": t.SummaryJA, "body_ja": t.BodyJA,
		"title_en": t.TitleEN, "summary_en": t.SummaryEN, "body_en": t.BodyEN}[name]
}
