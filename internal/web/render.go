package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/foreign"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"

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
		"add":     func(a, b int) int { return a + b },
		"percent": func(f float64) string { return strconv.Itoa(int(math.Round(f*100))) + "%" },
		"lines":   func(s string) []string { return strings.Split(s, "\n") },
		"str":     func(v any) string { return fmt.Sprint(v) },
		"list":    func(v ...string) []string { return v },
		// row pairs the page with one report for the "reportcells" partial.
		"row": func(p any, it intake.QueueItem) reportRow { return reportRow{P: p, I: it} },
		// notes pairs the page with a value's warning lists and common mark
		// for the "valuenotes" partial; hidden pairs it with hidden counts
		// for "hiddencounts".
		"notes":  func(p any, w []string, common bool) valueNotes { return valueNotes{P: p, W: w, C: common} },
		"hidden": func(p any, h correlate.Hidden) hiddenCounts { return hiddenCounts{P: p, H: h} },
		"hops":   func() []int { return []int{1, 2, 3, 4} },
		"tel":    telLinks,
		// statusForm pairs a findings table with one of its findings for the
		// "vulnstatusform" partial (vuln_assets.go).
		"statusForm": statusFormOf,
	}
	// partials*.html and part_*.html hold partials of their own (a page includes them by name).
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials*.html", "templates/part_*.html")
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
		if name == "layout.html" || strings.HasPrefix(name, "partials") || strings.HasPrefix(name, "part_") {
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

// telNumbers are the police numbers a phone can call from a page: 110 and
// the consultation line #9110.
var telNumbers = regexp.MustCompile(`#9110|110`)

// telLinks writes text (from a catalog) as HTML with 110 and #9110 made
// tel: links, where they stand as numbers of their own (not inside a
// longer one).
func telLinks(text string) template.HTML {
	esc := html.EscapeString(text)
	var b strings.Builder
	last := 0
	for _, m := range telNumbers.FindAllStringIndex(esc, -1) {
		i, j := m[0], m[1]
		if i > 0 && isDigit(esc[i-1]) || j < len(esc) && isDigit(esc[j]) {
			continue
		}
		num := esc[i:j]
		b.WriteString(esc[last:i])
		b.WriteString(`<a href="tel:` + strings.ReplaceAll(num, "#", "%23") + `" class="tel">` + num + `</a>`)
		last = j
	}
	b.WriteString(esc[last:])
	return template.HTML(b.String())
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

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
	// NoticeText is a notice already written (it names something), shown
	// like Notice.
	NoticeText string
	Problems   map[string]string // field → its messages, in the page's language
	Summary    []fieldProblem
	// query is the request's query, kept by the language switch.
	query url.Values
	// SwitchForm is the id of the page's form whose typed text the
	// language switch carries (a submit button of that form), or "" where
	// the switch is a link.
	SwitchForm string
	// fileNames name the files of a submission, so that a problem with
	// files.N says which file it is about.
	fileNames []string
	cats      *locale.Catalogs
	loc       *time.Location
	now       time.Time
	assets    *assets
	tree      *org.Tree
	// foreignDir names countries and agencies abroad (foreign.go).
	foreignDir *foreign.Directory
	// reading says the reading list is served (reading.go).
	reading bool
	// vulns says the vulnerability room is served (vuln.go).
	vulns bool
}

// fieldProblem is one line of the error summary: the field, its message
// and the id of the control the line links to.
type fieldProblem struct{ Field, Key, Text, Anchor string }

// anchors send the error summary's links to the control itself where the
// field has one; otherwise to the field's wrapper (id "f-" + field).
var anchors = map[string]string{
	"kind": "kind-report", "category": "cat-unknown", "description": "description", "occurred_at": "occurred_at",
	"money.amount_jpy": "amount_jpy", "money.sent_at": "sent_at", "prefecture": "prefecture", "contact": "contact_email",
	"contact.name": "contact_name", "contact.email": "contact_email", "contact.phone": "contact_phone", "consent": "consent",
	"files": "files", "form": "f-form", "body": "body",
}

// fieldOrder is the order of the public form's fields on the page: the
// error summary lists problems in it, as the person meets the fields.
var fieldOrder = []string{"form", "kind", "category", "description", "occurred_at", "money.amount_jpy", "money.sent_at",
	"prefecture", "contact", "contact.name", "contact.email", "contact.phone", "consent", "body", "files"}

func (p page) language() string { return p.Lang }

// T translates a key into the page's language.
func (p page) T(key string, pairs ...string) string { return p.cats.T(p.Lang, key, pairs...) }

// Said says a stored locale.Keyed message (a patrol item's last error, a
// takedown check's reason) in the page's language.
func (p page) Said(msg string) string { return p.cats.Said(p.Lang, msg) }

// Asset returns the hashed URL of a static file.
func (p page) Asset(name string) string { return p.assets.url(name) }

// OtherLang is the language the switch offers.
func (p page) OtherLang() string {
	if p.Lang == "ja" {
		return "en"
	}
	return "ja"
}

// OtherLangURL is this page (Path) in the other language, with the rest
// of its query kept (?kind=tip stays).
func (p page) OtherLangURL() string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	q.Set("lang", p.OtherLang())
	return p.Path + "?" + q.Encode()
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
func (p page) Yen(n int64) string { return p.T("money.yen", "n", thousands(n)) }

// Num writes a count with its thousands separated: 12,345.
func (p page) Num(n int) string { return thousands(int64(n)) }

// thousands writes n with a comma between each group of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Size writes a size as people read it: 512 B, 34 KB, 1.2 MB, 20.0 GB.
func (p page) Size(n int64) string {
	switch {
	case n < 1000:
		return p.T("form.size_b", "n", strconv.FormatInt(n, 10))
	case n < 1000*1000:
		return p.T("form.size_kb", "n", strconv.FormatInt((n+500)/1000, 10))
	case n < 1000*1000*1000:
		return p.T("form.size_mb", "n", strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64))
	}
	return p.T("form.size_gb", "n", strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64))
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

// Problem returns the message for a field (its messages, when it has
// several), or "".
func (p page) Problem(field string) string { return p.Problems[field] }

// ErrorID is the id of a field's message, which its control names in
// aria-describedby.
func (p page) ErrorID(field string) string { return "e-" + strings.ReplaceAll(field, ".", "-") }

// Aria returns a field control's aria attributes: aria-describedby naming
// its hints (element ids) and, when the field has a problem, its message,
// and then aria-invalid too; nothing when there is neither.
func (p page) Aria(field string, hints ...string) template.HTMLAttr {
	ids := hints
	bad := p.Problems[field] != ""
	if bad {
		ids = append(ids[:len(ids):len(ids)], p.ErrorID(field))
	}
	var b strings.Builder
	if len(ids) > 0 {
		b.WriteString(` aria-describedby="` + html.EscapeString(strings.Join(ids, " ")) + `"`)
	}
	if bad {
		b.WriteString(` aria-invalid="true"`)
	}
	return template.HTMLAttr(b.String())
}

// setProblems fills the per-field problems from a validation error, adding
// to those already there; the summary follows the order of the fields.
func (p *page) setProblems(err error) {
	if p.Problems == nil {
		p.Problems = map[string]string{}
	}
	add := func(field, key string) {
		if field == "" {
			field = "form"
		}
		text := p.T(key)
		if i, ok := strings.CutPrefix(field, "files."); ok {
			field = "files"
			if n, err := strconv.Atoi(i); err == nil && n >= 0 && n < len(p.fileNames) {
				text = p.T("form.file_problem", "name", p.fileNames[n], "problem", text)
			}
		}
		for _, had := range p.Summary {
			if had.Field == field && had.Text == text {
				return
			}
		}
		anchor, ok := anchors[field]
		if !ok {
			anchor = "f-" + field
		}
		if had := p.Problems[field]; had != "" {
			p.Problems[field] = had + " " + text
		} else {
			p.Problems[field] = text
		}
		p.Summary = append(p.Summary, fieldProblem{Field: field, Key: key, Text: text, Anchor: anchor})
	}
	var pe *koban.ProblemsError
	switch ke := (*koban.Error)(nil); {
	case errors.As(err, &pe):
		for _, e := range pe.Problems {
			add(e.Field, e.Key)
		}
	case errors.As(err, &ke):
		add(ke.Field, ke.Key)
	default:
		add("form", "error.internal")
	}
	slices.SortStableFunc(p.Summary, func(a, b fieldProblem) int {
		return orderOf(a.Field) - orderOf(b.Field)
	})
}

// orderOf is a field's place in fieldOrder; fields not there come last.
func orderOf(field string) int {
	if i := slices.Index(fieldOrder, field); i >= 0 {
		return i
	}
	return len(fieldOrder)
}

func (s *Server) newPage(r *http.Request, title string) page { return s.newPageIn(r, title, s.lang(r)) }

// newPageIn is newPage in a language the handler chose (the status page
// opens in the language its report was filed in).
func (s *Server) newPageIn(r *http.Request, title, lang string) page {
	p := page{Lang: lang, Path: r.URL.Path, Title: title, cats: s.Catalogs, loc: s.Location, now: s.Now(), assets: s.assets, tree: s.Tree()}
	p.query = r.URL.Query()
	if s.Foreign != nil {
		p.foreignDir = s.Foreign.Directory()
	}
	p.reading = s.Reading != nil
	p.vulns = s.Vuln != nil
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
	buf, err := s.execute(name, data)
	if err != nil {
		s.Log.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	lang := s.lang(r)
	if l, ok := data.(interface{ language() string }); ok {
		lang = l.language()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.WriteHeader(status)
	w.Write(buf)
}

// execute renders a page with the layout into memory.
func (s *Server) execute(name string, data any) ([]byte, error) {
	t, ok := s.tmpl.pages[name]
	if !ok {
		return nil, fmt.Errorf("no such template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
