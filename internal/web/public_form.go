package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/advisory"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/taxonomy"
)

type homePage struct {
	page
	Kinds      []intake.Kind
	Advisories []*advisory.Version // the latest few public advisories
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := homePage{page: s.newPage(r, "home.title"), Kinds: intake.Kinds}
	if s.Advisories != nil {
		latest, err := s.Advisories.Public(r.Context(), 3)
		if err != nil {
			s.Log.Error("home: advisories", "err", err) // the form matters more than the list
		}
		for _, v := range latest {
			if v.WithdrawnAt.IsZero() {
				p.Advisories = append(p.Advisories, v)
			}
		}
	}
	s.render(w, r, http.StatusOK, "home", p)
}

// reportInput is the form as typed, kept to re-show it after an error.
type reportInput struct {
	Kind, Category, Description, OccurredAt, Prefecture string
	Amount, SentAt, Name, Email, Phone                  string
	Consent                                             bool
	// Held is the token of the files held from an earlier try of the form.
	Held string
}

// inputOf reads the typed form from its fields.
func inputOf(v url.Values) reportInput {
	return reportInput{
		Kind: v.Get("kind"), Category: v.Get("category"), Description: v.Get("description"),
		OccurredAt: v.Get("occurred_at"), Prefecture: v.Get("prefecture"), Amount: v.Get("amount_jpy"),
		SentAt: v.Get("sent_at"), Name: v.Get("contact_name"), Email: v.Get("contact_email"),
		Phone: v.Get("contact_phone"), Consent: v.Get("consent") == "yes", Held: v.Get("held"),
	}
}

type reportPage struct {
	page
	In         reportInput
	Kinds      []intake.Kind
	Categories []taxonomy.Category
	MaxFiles   int
	MaxFileMB  int64
	// Held are the files kept from earlier tries, sent with the form.
	Held []intake.HeldFile
	// Again names the files sent but not kept, to be chosen again.
	Again []string
	// AmountRead is the amount as understood ("500,000円"), or "".
	AmountRead string
}

func (s *Server) formPage(r *http.Request, in reportInput) reportPage {
	lim := s.Intake.Limits()
	p := reportPage{page: s.newPage(r, "form.title"), In: in, Kinds: intake.Kinds, Categories: taxonomy.All(),
		MaxFiles: lim.Files, MaxFileMB: lim.FileBytes >> 20}
	// The language switch sends what was typed, to show it again.
	p.SwitchForm = "f-form"
	if strings.TrimSpace(in.Amount) != "" {
		if n, err := intake.ParseYen(in.Amount); err == nil {
			p.AmountRead = p.Yen(n)
		}
	}
	return p
}

func (s *Server) reportForm(w http.ResponseWriter, r *http.Request) {
	in := reportInput{Kind: r.URL.Query().Get("kind")}
	if in.Kind == "" {
		in.Kind = string(intake.KindReport)
	}
	s.render(w, r, http.StatusOK, "report", s.formPage(r, in))
}

// reportSubmit takes the form: a report, or a step before one (removing a
// held file, switching the language), which shows the form again. Whatever
// comes back shows everything typed, lists the files held for the form
// (accepted files are held whenever the form is shown again, so they need
// not be chosen twice) and names the files that must be chosen again.
func (s *Server) reportSubmit(w http.ResponseWriter, r *http.Request) {
	// The rate limit is checked first, so that a client over it writes no
	// file to disk; its text fields are still read, to show them again.
	allowed, wait := s.Submit.Allow(s.clientIP(r), s.Now())
	form, err := s.readForm(w, r, allowed)
	defer form.close()
	p := s.formPage(r, inputOf(form.values))
	p.Again = form.skipped
	// show renders the form again, holding the accepted files among ups.
	show := func(status int, ups []intake.Upload) {
		if err := s.keepFiles(&p, ups); err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, status, "report", p)
	}
	switch {
	case err != nil:
		// The body went wrong: what was read of it is shown again, and the
		// files read whole before that are held.
		switch code := koban.ErrorCode(err); code {
		case koban.TooLarge:
			p.setProblems(koban.FieldError("files", koban.ErrorKey(err)))
		case koban.Malformed:
			p.setProblems(koban.FieldError("form", koban.ErrorKey(err)))
		default:
			s.fail(w, r, err)
			return
		}
		show(guard.Status(koban.ErrorCode(err)), form.files)
		return
	case !allowed:
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		p.setProblems(koban.FieldError("form", "intake.error.rate"))
		show(http.StatusTooManyRequests, nil)
		return
	case form.values.Has("remove"):
		n, _ := strconv.Atoi(form.values.Get("remove"))
		if name, err := s.dropHeld(p.In.Held, n); err != nil {
			s.fail(w, r, err)
			return
		} else if name != "" {
			p.NoticeText = p.T("form.held_removed", "name", name)
		}
		show(http.StatusOK, form.files)
		return
	case form.values.Has("switch_lang"):
		show(http.StatusOK, form.files)
		return
	}

	// A report: the held files first, then the new ones; every problem is
	// told at once.
	held, err := s.Intake.Held(p.In.Held)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	again, gone, err := s.Intake.HeldUploads(p.In.Held, held)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer closeAll(again)
	p.Again = append(p.Again, gone...)
	sub, problems := s.submission(p.In, p.Lang)
	sub.Files = append(again, form.files...)
	for _, u := range sub.Files {
		p.fileNames = append(p.fileNames, intake.CleanFileName(u.Name))
	}
	origin := intake.Origin{Source: "web", IP: s.clientIP(r)}
	if form.tooMany {
		problems = append(problems, koban.FieldError("files", "intake.error.too_many_files"))
	}
	problems = append(problems, s.Intake.Check(sub, origin))
	if slices.ContainsFunc(problems, func(e error) bool { return e != nil }) {
		for _, e := range problems {
			if e != nil {
				p.setProblems(e)
			}
		}
		show(http.StatusUnprocessableEntity, form.files)
		return
	}
	rc, err := s.Intake.Submit(r.Context(), sub, origin)
	if err != nil {
		if koban.ErrorCode(err) != koban.Invalid {
			s.fail(w, r, err)
			return
		}
		// Check passed, so this is not expected; the new files are closed
		// by now and are named to be chosen again.
		for _, u := range form.files {
			p.Again = append(p.Again, intake.CleanFileName(u.Name))
		}
		p.setProblems(err)
		show(http.StatusUnprocessableEntity, nil)
		return
	}
	if err := s.Intake.ReleaseHeld(p.In.Held); err != nil {
		s.Log.Warn("release held files", "err", err) // the sweep removes them within the hour
	}
	// The report is stored: send the browser to its status page, which
	// shows the receipt and the advice (a reload does not file it twice).
	http.Redirect(w, r, "/s/"+rc.Token+"?new=1", http.StatusSeeOther)
}

// keepFiles holds the accepted files among ups under the form's token,
// after those held already and up to the number a form may carry, and lists
// the held files on the page. Accepted files there is no room for are named
// to be chosen again; refused ones are named by their problem.
func (s *Server) keepFiles(p *reportPage, ups []intake.Upload) error {
	held, err := s.Intake.Held(p.In.Held)
	if err != nil {
		return err
	}
	var keep []intake.Upload
	for _, u := range ups {
		switch {
		case !u.Holdable():
		case len(held)+len(keep) == p.MaxFiles:
			p.Again = append(p.Again, intake.CleanFileName(u.Name))
		default:
			keep = append(keep, u)
		}
	}
	if len(keep) > 0 {
		token, err := s.Intake.Hold(p.In.Held, keep)
		if err != nil {
			return err
		}
		p.In.Held = token
		if held, err = s.Intake.Held(token); err != nil {
			return err
		}
	}
	p.Held = held
	if len(held) == 0 {
		p.In.Held = ""
	}
	for i, name := range p.Again {
		p.Again[i] = intake.CleanFileName(name)
	}
	return nil
}

// dropHeld removes the held file at index n and returns its name, or ""
// when there was none.
func (s *Server) dropHeld(token string, n int) (string, error) {
	held, err := s.Intake.Held(token)
	if err != nil {
		return "", err
	}
	for _, h := range held {
		if h.Index == n {
			ok, err := s.Intake.DropHeld(token, n)
			if !ok {
				return "", err
			}
			return h.Name, nil
		}
	}
	return "", nil
}

func closeAll(ups []intake.Upload) {
	for _, u := range ups {
		u.Close()
	}
}

// submission turns the typed form into a submission; fields that cannot be
// read become problems (every one of them), other checks are the service's.
func (s *Server) submission(in reportInput, lang string) (intake.Submission, []error) {
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
	if sub.Money.AmountJPY, err = intake.ParseYen(in.Amount); err != nil {
		p.Add("money.amount_jpy", koban.ErrorKey(err))
	}
	if err := p.Err(); err != nil {
		return sub, []error{err}
	}
	return sub, nil
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
