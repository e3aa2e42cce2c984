package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/assist"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
)

type detailPage struct {
	page
	R            *intake.Report
	History      []audit.Row
	Officers     []auth.User
	Categories   []taxonomy.Category
	CloseReasons []string
	Orgs         []org.Org
	CanTriage    bool
	CanReply     bool
	CanTransfer  bool
	CanPersonal  bool
	CanShare     bool            // may export the report for partners (intel.manage)
	Contact      *intake.Contact // shown after the officer asked for it; nil until then
	// Suggestion is the triage model's suggestion for the report; nil
	// when there is none yet.
	Suggestion *assist.Suggestion
	// CanTranslate offers the LLM's translation of a report not written
	// in Japanese; Translation is it, once asked for, or TranslationKey
	// the catalog key of why there is none.
	CanTranslate   bool
	Translation    string
	TranslationKey string
	Mails          bool // replies are sent by e-mail (SMTP is set up)
	Reply          string
	Links          *correlate.Links // nil when the officer may not read the index
	// RelPrev and RelNext page through the related records (?page=N).
	RelPrev, RelNext string
	// requests are the draft forms of requests to providers for the
	// report's values, for officers who draft them; none for the values
	// that are the reporter's own contact details.
	requests map[observe.Observable]requestLink
	// people names the users the history and the messages mention.
	people map[int64]*auth.User
}

// Request is the link to the draft form of a request about one of the
// report's values; nil when none is offered.
func (p detailPage) Request(o observe.Observable) *requestLink {
	if l, ok := p.requests[o]; ok {
		return &l
	}
	return nil
}

// CanRequest tells whether any of the report's values has a request link.
func (p detailPage) CanRequest() bool { return len(p.requests) > 0 }

// relatedPageSize is how many related records the report page lists at once.
const relatedPageSize = 50

// GraphOf is the link graph around the report.
func (p detailPage) GraphOf() string { return GraphURL("report:" + strconv.FormatInt(p.R.ID, 10)) }

// ReplyNote says what a reply does: shown on the status page, and e-mailed
// unless the reporter gave no address or the server sends no mail.
func (p detailPage) ReplyNote() string {
	switch {
	case !p.R.Given.Email:
		return p.T("detail.reply_no_email")
	case !p.Mails:
		return p.T("detail.reply_no_smtp")
	}
	return p.T("detail.reply_mail")
}

// GivenList names the contact details the reporter gave, as a list.
func (p detailPage) GivenList() string {
	var names []string
	g := p.R.Given
	for _, f := range []struct {
		given bool
		key   string
	}{{g.Name, "detail.name"}, {g.Email, "detail.email"}, {g.Phone, "detail.phone"}} {
		if f.given {
			names = append(names, p.T(f.key))
		}
	}
	return strings.Join(names, p.T("detail.list_sep"))
}

// ActorName names who did what the history shows, in the page's language:
// the public and koban itself by what they are, an officer by name and
// organisation.
func (p detailPage) ActorName(row audit.Row) string {
	switch {
	case row.ActorID == 0 && row.Actor == audit.Public("").Label:
		return p.T("actor.public")
	case row.ActorID == 0 && row.Actor == audit.System.Label:
		return p.T("actor.system")
	}
	return p.T("actor.officer", "name", p.personName(row.ActorID, row.Actor), "org", p.OrgName(row.OrgID))
}

// MessageAuthor names who wrote a message: the reporter, or the officer.
func (p detailPage) MessageAuthor(m intake.Message) string {
	if m.Author != "officer" {
		return p.T("detail.from_reporter")
	}
	return p.T("detail.from_officer", "name", p.personName(m.UserID, ""))
}

// personName is a user's name, else their e-mail, else label.
func (p detailPage) personName(id int64, label string) string {
	if u, ok := p.people[id]; ok {
		return cmp.Or(u.Name, u.Email)
	}
	return cmp.Or(label, "#"+strconv.FormatInt(id, 10))
}

// OfficerName names a user for the page.
func (p detailPage) OfficerName(id int64) string {
	for _, u := range p.Officers {
		if u.ID == id {
			if u.Name != "" {
				return u.Name
			}
			return u.Email
		}
	}
	return "#" + strconv.FormatInt(id, 10)
}

func reportID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, koban.Errorf(koban.NotFound, "error.not_found")
	}
	return id, nil
}

func (s *Server) reportDetail(w http.ResponseWriter, r *http.Request) {
	id, err := reportID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showReport(w, r, id, http.StatusOK, nil, "", false, nil)
}

// reportContact shows the report with the reporter's contact details, as
// the officer asked with the form's button. The page is the answer to the
// POST, not a redirect: a link cannot show them, and the audit row (one a
// day, see intake.RevealContact) is written here.
func (s *Server) reportContact(w http.ResponseWriter, r *http.Request) {
	id, err := reportID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showReport(w, r, id, http.StatusOK, nil, "", true, nil)
}

// reportTranslate shows the report with a Japanese translation of its
// text by the LLM (set up with KOBAN_LLM_URL), at the officer's request:
// a POST, audited as assist.translate.
func (s *Server) reportTranslate(w http.ResponseWriter, r *http.Request) {
	id, err := reportID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, _ := principalFrom(r.Context())
	rep, err := s.Intake.Get(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	level := tlp.Level(rep.TLP)
	if level == "" {
		level = tlp.Amber
	}
	text, err := s.Assist.TranslateReport(r.Context(), p.Actor(), id, rep.Description, level)
	if err != nil && koban.ErrorCode(err) != koban.Unavailable {
		s.fail(w, r, err)
		return
	}
	s.showReport(w, r, id, http.StatusOK, nil, "", false, func(d *detailPage) {
		d.Translation = text
		var ke *koban.Error
		if errors.As(err, &ke) {
			d.TranslationKey = ke.Key
		}
	})
}

func (s *Server) showReport(w http.ResponseWriter, r *http.Request, id int64, status int, problem error, reply string, reveal bool, extra func(*detailPage)) {
	p := s.newPage(r, "detail.title")
	p.Path = "/reports/" + strconv.FormatInt(id, 10) // also after a POST: the language switch leads back here
	pr := *p.Principal
	rep, err := s.Intake.Get(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var contact *intake.Contact
	if reveal {
		c, err := s.Intake.RevealContact(r.Context(), pr, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		contact = &c
	}
	hist, err := s.Intake.History(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	people, err := s.people(r.Context(), hist, rep.Messages)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tree := s.Tree()
	officers, err := s.Users.Users(r.Context(), tree.Visible(pr.OrgID))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var assignable []auth.User
	for _, u := range officers {
		if u.Role.WebLogin() && !u.Disabled && tree.Sees(u.OrgID, rep.OrgID) {
			assignable = append(assignable, u)
		}
	}
	var orgs []org.Org
	for _, o := range tree.All() {
		if o.Kind != org.KindPartner && o.ID != rep.OrgID {
			orgs = append(orgs, o)
		}
	}
	d := detailPage{page: p, R: rep, History: hist, Officers: assignable, Categories: taxonomy.All(), CloseReasons: intake.CloseReasons,
		Orgs: orgs, CanTriage: pr.Can(auth.PermReportTriage), CanReply: pr.Can(auth.PermReportReply),
		CanTransfer: pr.Can(auth.PermReportTransfer), CanPersonal: pr.Can(auth.PermReportPersonal), CanShare: pr.Can(auth.PermIntelManage), Reply: reply,
		Contact: contact, Mails: s.Intake.Notifies(), people: people}
	d.TitleText = rep.Receipt
	d.CanTranslate = s.Assist != nil && s.Assist.LLMEnabled() && rep.Language != "ja"
	if s.Assist != nil {
		sg, err := s.Assist.ReportSuggestions(r.Context(), []int64{id})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Suggestion = sg[id]
	}
	if pr.Can(auth.PermObservableRead) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		n = max(n, 1)
		rel := correlate.Page{Limit: relatedPageSize, Offset: (n - 1) * relatedPageSize}
		// The index asks the same access decision as the report page, so a
		// report opened through a grant shows its links too.
		if d.Links, err = s.Index.LinksOf(r.Context(), pr, correlate.Key{Type: correlate.Report, ID: id}, rel); err != nil {
			s.fail(w, r, err)
			return
		}
		d.RelPrev, d.RelNext = pageLinks("/reports/"+strconv.FormatInt(id, 10), url.Values{}, n, relatedPageSize, d.Links.RelatedTotal)
	}
	if d.CanTakedown() {
		// The values as they may leave koban: never the reporter's own
		// number or address, even where the text repeats them.
		shared, err := s.Intake.Shareable(r.Context(), pr, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.requests = requestLinks(shared.Observables, fromRecord("report", id, 0))
	}
	if problem != nil {
		d.setProblems(problem)
	}
	if extra != nil {
		extra(&d)
	}
	s.render(w, r, status, "detail", d)
}

func (s *Server) reportAction(w http.ResponseWriter, r *http.Request) {
	id, err := reportID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	pr, _ := principalFrom(r.Context())
	ctx := r.Context()
	action := r.PathValue("action")
	switch action {
	case "assign":
		var uid int64
		if v := r.FormValue("assignee"); v == "me" {
			uid = pr.UserID
		} else if v != "" {
			uid, _ = strconv.ParseInt(v, 10, 64)
		}
		err = s.Intake.Assign(ctx, pr, id, uid, s.Auth.User)
	case "reply":
		err = s.Intake.Reply(ctx, pr, id, r.FormValue("body"))
	case "category":
		c := r.FormValue("category")
		if c == "unknown" {
			c = ""
		}
		err = s.Intake.SetCategory(ctx, pr, id, c)
	case "duplicate":
		err = s.Intake.MarkDuplicate(ctx, pr, id, r.FormValue("duplicate_of"))
	case "close":
		err = s.Intake.Close(ctx, pr, id, r.FormValue("reason"), r.FormValue("note"))
	case "reopen":
		err = s.Intake.Reopen(ctx, pr, id)
	case "transfer":
		err = s.Intake.Transfer(ctx, pr, id, r.FormValue("org"), r.FormValue("note"))
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		if koban.ErrorCode(err) == koban.Invalid {
			reply := ""
			if action == "reply" {
				reply = r.FormValue("body")
			}
			s.showReport(w, r, id, http.StatusUnprocessableEntity, err, reply, false, nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	if action == "transfer" {
		// The report may now be out of the officer's sight.
		http.Redirect(w, r, "/queue?done=transferred", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/reports/%d?done=%s", id, url.QueryEscape(action)), http.StatusSeeOther)
}

// people looks up the users a report's history and messages name.
func (s *Server) people(ctx context.Context, hist []audit.Row, msgs []intake.Message) (map[int64]*auth.User, error) {
	out := map[int64]*auth.User{}
	add := func(id int64) error {
		if _, done := out[id]; id == 0 || done {
			return nil
		}
		u, err := s.Auth.User(ctx, id)
		if koban.ErrorCode(err) == koban.NotFound {
			return nil // named by the label the row carries
		}
		if err != nil {
			return err
		}
		out[id] = u
		return nil
	}
	for _, h := range hist {
		if err := add(h.ActorID); err != nil {
			return nil, err
		}
	}
	for _, m := range msgs {
		if err := add(m.UserID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Server) reportFile(w http.ResponseWriter, r *http.Request) {
	id, err := reportID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fid, err := strconv.ParseInt(r.PathValue("fid"), 10, 64)
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	pr, _ := principalFrom(r.Context())
	f, err := s.Intake.FileOf(r.Context(), pr, id, fid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rc, err := s.Intake.Blobs().Open(f.SHA256)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	// Evidence is never shown inline: it is downloaded as opaque bytes, in a
	// sandbox even if a browser were to render it.
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	if _, err := io.Copy(w, rc); err != nil {
		// The response must not complete: a download that ends normally
		// would pass damaged or partial evidence off as the file received.
		// ErrAbortHandler drops the connection without the final bytes.
		if errors.Is(err, blob.ErrDamaged) {
			s.Log.Error("EVIDENCE FILE DAMAGED: its content no longer matches its SHA-256; download refused",
				"report", id, "file", fid, "sha256", f.SHA256, "err", err)
		} else {
			s.Log.Warn("send evidence", "report", id, "file", fid, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}
