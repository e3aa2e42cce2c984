package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/taxonomy"
)

type homePage struct {
	page
	Kinds []intake.Kind
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", homePage{page: s.newPage(r, "home.title"), Kinds: intake.Kinds})
}

// reportInput is the form as typed, kept to re-show it after an error.
type reportInput struct {
	Kind, Category, Description, OccurredAt, Prefecture string
	Amount, SentAt, Name, Email, Phone                  string
	Consent                                             bool
}

type reportPage struct {
	page
	In         reportInput
	Kinds      []intake.Kind
	Categories []taxonomy.Category
	MaxFiles   int
	MaxFileMB  int64
}

func (s *Server) formPage(r *http.Request, in reportInput) reportPage {
	lim := s.Intake.Limits()
	return reportPage{page: s.newPage(r, "form.title"), In: in, Kinds: intake.Kinds, Categories: taxonomy.All(),
		MaxFiles: lim.Files, MaxFileMB: lim.FileBytes >> 20}
}

func (s *Server) reportForm(w http.ResponseWriter, r *http.Request) {
	in := reportInput{Kind: r.URL.Query().Get("kind")}
	if in.Kind == "" {
		in.Kind = string(intake.KindReport)
	}
	s.render(w, r, http.StatusOK, "report", s.formPage(r, in))
}

func (s *Server) reportSubmit(w http.ResponseWriter, r *http.Request) {
	// The rate limit is checked first, so that a client over it writes no
	// file to disk; its text fields are still read, to show them again.
	allowed, wait := s.Submit.Allow(s.clientIP(r), s.Now())
	form, err := s.readForm(w, r, allowed)
	defer form.close()
	v := form.values
	in := reportInput{
		Kind: v.Get("kind"), Category: v.Get("category"), Description: v.Get("description"),
		OccurredAt: v.Get("occurred_at"), Prefecture: v.Get("prefecture"), Amount: v.Get("amount_jpy"),
		SentAt: v.Get("sent_at"), Name: v.Get("contact_name"), Email: v.Get("contact_email"),
		Phone: v.Get("contact_phone"), Consent: v.Get("consent") == "yes",
	}
	p := s.formPage(r, in)
	if err != nil {
		// What was typed before the body went wrong is shown again.
		switch koban.ErrorCode(err) {
		case koban.TooLarge:
			p.setProblems(koban.FieldError("files", koban.ErrorKey(err)))
		case koban.Malformed:
			p.setProblems(koban.FieldError("form", koban.ErrorKey(err)))
		default:
			s.fail(w, r, err)
			return
		}
		s.render(w, r, guard.Status(koban.ErrorCode(err)), "report", p)
		return
	}
	if !allowed {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		p.setProblems(koban.FieldError("form", "intake.error.rate"))
		s.render(w, r, http.StatusTooManyRequests, "report", p)
		return
	}
	sub, perr := s.submission(in, p.Lang)
	sub.Files = form.files
	if perr == nil && form.tooMany {
		perr = koban.FieldError("files", "intake.error.too_many_files")
	}
	if perr != nil {
		p.setProblems(perr)
		s.render(w, r, http.StatusUnprocessableEntity, "report", p)
		return
	}
	rc, err := s.Intake.Submit(r.Context(), sub, intake.Origin{Source: "web", IP: s.clientIP(r)})
	if err != nil {
		if koban.ErrorCode(err) != koban.Invalid {
			s.fail(w, r, err)
			return
		}
		p.setProblems(err)
		s.render(w, r, http.StatusUnprocessableEntity, "report", p)
		return
	}
	// The report is stored: send the browser to its status page, which
	// shows the receipt and the advice (a reload does not file it twice).
	http.Redirect(w, r, "/s/"+rc.Token+"?new=1", http.StatusSeeOther)
}

// submission turns the typed form into a submission; fields that cannot be
// read become problems, other checks are the service's.
func (s *Server) submission(in reportInput, lang string) (intake.Submission, error) {
	var p koban.Problems
	sub := intake.Submission{
		Kind: intake.Kind(in.Kind), Category: in.Category, Description: in.Description, Prefecture: in.Prefecture,
		Contact: intake.Contact{Name: in.Name, Email: in.Email, Phone: in.Phone}, Consent: in.Consent, Language: lang,
	}
	if sub.Category == "unknown" {
		sub.Category = ""
	}
	var err error
	if sub.OccurredAt, err = s.parseLocal(in.OccurredAt); err != nil {
		p.Add("occurred_at", "intake.error.date")
	}
	if sub.Money.SentAt, err = s.parseLocal(in.SentAt); err != nil {
		p.Add("money.sent_at", "intake.error.date")
	}
	if a := strings.NewReplacer(",", "", "，", "", "円", "", " ", "").Replace(strings.TrimSpace(in.Amount)); a != "" {
		if sub.Money.AmountJPY, err = strconv.ParseInt(toHalfWidthDigits(a), 10, 64); err != nil {
			p.Add("money.amount_jpy", "intake.error.amount")
		}
	}
	return sub, p.Err()
}

func toHalfWidthDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
}

// parseLocal reads a datetime-local (or date) value in the configured zone.
func (s *Server) parseLocal(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, s.Location); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad date")
}
