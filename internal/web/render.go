package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/org"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

type templates struct{ pages map[string]*template.Template }

// reportRow is the dot of the "reportcells" partial.
type reportRow struct {
	P any // the page, for its T, Date, TimeLeft and PrefName
	I intake.QueueItem
}

// valueNotes is the dot of the "valuenotes" partial.
type valueNotes struct {
	P any
	W []string
	C bool
}

// hiddenCounts is the dot of the "hiddencounts" partial.
type hiddenCounts struct {
	P any
	H correlate.Hidden
}

// parseTemplates parses each page together with the layout.
func parseTemplates() (*templates, error) {
	funcs := template.FuncMap{
		"add":   func(a, b int) int { return a + b },
		"lines": func(s string) []string { return strings.Split(s, "\n") },
		"str":   func(v any) string { return fmt.Sprint(v) },
		// row pairs the page with one report for the "reportcells" partial.
		"row": func(p any, it intake.QueueItem) reportRow { return reportRow{P: p, I: it} },
		// notes pairs the page with a value's warning lists and common mark
		// for the "valuenotes" partial; hidden pairs it with hidden counts
		// for "hiddencounts".
		"notes":  func(p any, w []string, common bool) valueNotes { return valueNotes{P: p, W: w, C: common} },
		"hidden": func(p any, h correlate.Hidden) hiddenCounts { return hiddenCounts{P: p, H: h} },
		"hops":   func() []int { return []int{1, 2, 3, 4} },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := path.Base(f)
		if name == "layout.html" || strings.HasPrefix(name, "partials") {
			continue
		}
		clone, err := layout.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		t.pages[strings.TrimSuffix(name, ".html")] = clone
	}
	return t, nil
}

// assets are koban's static files, served at URLs that carry their hash so
// they can be cached for ever.
type assets struct {
	hashes map[string]string // name → hash
}

func loadAssets() (*assets, error) {
	a := &assets{hashes: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

func (a *assets) url(name string) string {
	h, ok := a.hashes[name]
	if !ok {
		panic("web: unknown asset " + name) // caught by the template tests
	}
	return "/static/" + h + "/" + name
}

// page is what every template gets: the language, the catalogs, the viewer.
type page struct {
	Lang      string
	Path      string
	Principal *auth.Principal
	Title     string // a catalog key
	TitleText string // or the title itself (a receipt, a value), when set
	Notice    string // a message key shown once, after an action
	Problems  map[string]string
	Summary   []fieldProblem
	cats      *locale.Catalogs
	loc       *time.Location
	now       time.Time
	assets    *assets
	tree      *org.Tree
}

type fieldProblem struct{ Field, Key, Anchor string }

// anchors send the error summary's links to the control itself where the
// field has one; otherwise to the field's wrapper (id "f-" + field).
var anchors = map[string]string{
	"kind": "kind-report", "category": "cat-unknown", "description": "description", "occurred_at": "occurred_at",
	"money.amount_jpy": "amount_jpy", "money.sent_at": "sent_at", "prefecture": "prefecture", "contact": "contact_email",
	"contact.name": "contact_name", "contact.email": "contact_email", "contact.phone": "contact_phone", "consent": "consent",
	"files": "files", "form": "f-form",
}

// T translates a key into the page's language.
func (p page) T(key string, pairs ...string) string { return p.cats.T(p.Lang, key, pairs...) }

// Asset returns the hashed URL of a static file.
func (p page) Asset(name string) string { return p.assets.url(name) }

// OtherLang is the language the switch offers.
func (p page) OtherLang() string {
	if p.Lang == "ja" {
		return "en"
	}
	return "ja"
}

// Date formats t in the configured zone, or "" when zero.
func (p page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(p.loc)
	if p.Lang == "ja" {
		return t.Format("2006年1月2日 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// DateInput formats t for a datetime-local input.
func (p page) DateInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.loc).Format("2006-01-02T15:04")
}

// Zone names the time zone dates are shown in.
func (p page) Zone() string { return p.now.In(p.loc).Format("MST") }

// TimeLeft says how long until t, in hours and minutes.
func (p page) TimeLeft(t time.Time) string {
	d := t.Sub(p.now)
	if d <= 0 {
		return p.T("time.passed")
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	return p.T("time.left", "h", strconv.Itoa(h), "m", strconv.Itoa(m))
}

// Yen formats an amount of money.
func (p page) Yen(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return p.T("money.yen", "n", b.String())
}

// OrgName names an organisation in the page's language.
func (p page) OrgName(id int64) string {
	o, ok := p.tree.ByID(id)
	if !ok {
		return "?"
	}
	if p.Lang == "ja" {
		return o.NameJA
	}
	return o.NameEN
}

// PrefName names a prefecture in the page's language.
func (p page) PrefName(code string) string {
	pr, ok := org.PrefectureByCode(code)
	if !ok && p.OfficerPage() {
		return p.T("queue.prefecture_unknown")
	}
	if !ok {
		return p.T("prefecture.unknown")
	}
	if p.Lang == "ja" {
		return pr.NameJA
	}
	return pr.NameEN
}

// Prefectures lists the prefectures for a select.
func (p page) Prefectures() []org.Prefecture { return org.Prefectures() }

// Problem returns the message for a field, or "".
func (p page) Problem(field string) string {
	if k, ok := p.Problems[field]; ok {
		return p.T(k)
	}
	return ""
}

// setProblems fills the per-field problems from a validation error.
func (p *page) setProblems(err error) {
	p.Problems = map[string]string{}
	add := func(field, key string) {
		if field == "" {
			field = "form"
		}
		if strings.HasPrefix(field, "files.") {
			field = "files"
		}
		anchor, ok := anchors[field]
		if !ok {
			anchor = "f-" + field
		}
		if _, dup := p.Problems[field]; !dup {
			p.Problems[field] = key
		}
		p.Summary = append(p.Summary, fieldProblem{field, key, anchor})
	}
	var pe *koban.ProblemsError
	if errors.As(err, &pe) {
		for _, e := range pe.Problems {
			add(e.Field, e.Key)
		}
		return
	}
	var ke *koban.Error
	if errors.As(err, &ke) {
		add(ke.Field, ke.Key)
		return
	}
	add("form", "error.internal")
}

func (s *Server) newPage(r *http.Request, title string) page {
	p := page{Lang: s.lang(r), Path: r.URL.Path, Title: title, cats: s.Catalogs, loc: s.Location, now: s.Now(), assets: s.assets, tree: s.Tree()}
	if pr, ok := principalFrom(r.Context()); ok {
		p.Principal = &pr
	}
	if n := r.URL.Query().Get("done"); n != "" && s.Catalogs.Has(p.Lang, "notice."+n) {
		p.Notice = "notice." + n
	}
	return p
}

// render writes a page into a buffer first, so that a template error becomes
// a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.tmpl.pages[name]
	if !ok {
		s.Log.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		s.Log.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", s.lang(r))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	page
	Message string
}

// fail shows an error page in the user's language; internal errors are
// logged and never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := koban.ErrorCode(err)
	status := guard.Status(code)
	if code == koban.Internal || code == koban.Unavailable {
		s.Log.Error("request failed", "method", r.Method, "path", redactPath(r.URL.Path), "err", err)
	}
	if code == koban.Unauthorized {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "error.title")
	s.render(w, r, status, "error", errorPage{page: p, Message: p.T(koban.ErrorKey(err))})
}

// redactPath keeps status-link secrets out of logs.
func redactPath(p string) string {
	if strings.HasPrefix(p, "/s/") {
		return "/s/…"
	}
	return p
}

// OfficerPage tells whether the page is for the police (signed in, or
// signing in) rather than the public: it uses the width of the screen and
// leaves out what is said to the public.
func (p page) OfficerPage() bool { return p.Principal != nil || strings.HasPrefix(p.Path, "/login") }

// CanAdmin tells whether the viewer administers accounts (shows the menu).
func (p page) CanAdmin() bool { return p.Principal != nil && p.Principal.Can(auth.PermUserAdmin) }

// RoleName names a role in the page's language.
func (p page) RoleName(r auth.Role) string { return p.T("role." + string(r)) }
