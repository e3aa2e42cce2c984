package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/taxonomy"
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
	Reply        string
	Links        *correlate.Links // nil when the officer may not read the index
	// RelPrev and RelNext page through the related records (?page=N).
	RelPrev, RelNext string
}

// relatedPageSize is how many related records the report page lists at once.
const relatedPageSize = 50

// GraphOf is the link graph around the report.
func (p detailPage) GraphOf() string { return GraphURL("report:" + strconv.FormatInt(p.R.ID, 10)) }

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
	s.showReport(w, r, id, http.StatusOK, nil, "")
}

func (s *Server) showReport(w http.ResponseWriter, r *http.Request, id int64, status int, problem error, reply string) {
	p := s.newPage(r, "detail.title")
	pr := *p.Principal
	rep, err := s.Intake.Get(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hist, err := s.Intake.History(r.Context(), pr, id)
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
		CanTransfer: pr.Can(auth.PermReportTransfer), CanPersonal: pr.Can(auth.PermReportPersonal), Reply: reply}
	d.TitleText = rep.Receipt
	if pr.Can(auth.PermObservableRead) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		n = max(n, 1)
		rel := correlate.Page{Limit: relatedPageSize, Offset: (n - 1) * relatedPageSize}
		if d.Links, err = s.Index.LinksOf(r.Context(), pr, correlate.Key{Type: correlate.Report, ID: id}, rel); err != nil {
			s.fail(w, r, err)
			return
		}
		d.RelPrev, d.RelNext = pageLinks("/reports/"+strconv.FormatInt(id, 10), url.Values{}, n, relatedPageSize, d.Links.RelatedTotal)
	}
	if problem != nil {
		d.setProblems(problem)
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
			s.showReport(w, r, id, http.StatusUnprocessableEntity, err, reply)
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
		s.Log.Warn("send evidence", "report", id, "file", fid, "err", err)
	}
}
