package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
)

type statusPage struct {
	page
	View      *intake.StatusView
	New       bool
	StatusURL string
	Body      string
	// Again names files chosen for an addition but not received (the
	// language was switched), to be chosen again.
	Again []string
	// MailTo is the reporter's address, partly hidden, when the page may
	// offer to mail the link there; "" otherwise.
	MailTo string
}

// statusPageFor builds the status page of view: in the language its report
// was filed in unless one is asked for (?lang=), with the language switch
// carrying what is typed into the addition form when there is one.
func (s *Server) statusPageFor(r *http.Request, token string, view *intake.StatusView) statusPage {
	lang := view.Report.Language
	if l := r.URL.Query().Get("lang"); locale.Supported(l) || !locale.Supported(lang) {
		lang = s.lang(r)
	}
	p := statusPage{page: s.newPageIn(r, "status.title", lang), View: view, StatusURL: s.statusURL(token)}
	p.Path = "/s/" + token // also after a POST to /s/{token}/mail
	if view.Report.Status != intake.StatusClosed {
		p.SwitchForm = "f-form"
	}
	// The link is mailed only on the public address (a relative link is no
	// use in a mailbox), only when mail is set up, only to the address the
	// reporter gave.
	if s.Intake.MailsLinks() && s.BaseURL != "" && view.Report.Contact.Email != "" {
		p.MailTo = maskEmail(view.Report.Contact.Email)
	}
	return p
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	view, err := s.Intake.Status(r.Context(), token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	guard.NoStore(w)
	p := s.statusPageFor(r, token, view)
	p.New = r.URL.Query().Get("new") == "1"
	s.render(w, r, http.StatusOK, "status", p)
}

func (s *Server) statusAdd(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	guard.NoStore(w)
	// Nothing is written to disk for a status link that does not exist, or
	// for a client over the rate limit (whose text is still shown again).
	if _, err := s.Intake.Status(r.Context(), token); err != nil {
		s.fail(w, r, err)
		return
	}
	allowed, wait := s.Submit.Allow(s.clientIP(r), s.Now())
	form, err := s.readForm(w, r, allowed)
	defer form.close()
	body := form.values.Get("body")
	// again shows the status page once more, with the problem (if any) and
	// what was typed.
	again := func(status int, problem error, notKept []string) {
		view, err := s.Intake.Status(r.Context(), token)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p := s.statusPageFor(r, token, view)
		p.Body, p.Again = body, notKept
		if problem != nil {
			p.setProblems(problem)
		}
		s.render(w, r, status, "status", p)
	}
	switch code := koban.ErrorCode(err); {
	case err == nil:
	case code == koban.TooLarge || code == koban.Malformed:
		again(guard.Status(code), koban.FieldError("files", koban.ErrorKey(err)), form.skipped)
		return
	default:
		s.fail(w, r, err)
		return
	}
	if !allowed {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		again(http.StatusTooManyRequests, koban.FieldError("form", "intake.error.rate"), form.skipped)
		return
	}
	if form.values.Has("switch_lang") {
		// The text is shown again in the other language; files are not
		// kept for an addition, so they are named to choose again.
		names := form.skipped
		for _, u := range form.files {
			names = append(names, intake.CleanFileName(u.Name))
		}
		again(http.StatusOK, nil, names)
		return
	}
	if form.tooMany {
		again(http.StatusUnprocessableEntity, koban.FieldError("files", "intake.error.too_many_files"), form.skipped)
		return
	}
	if err := s.Intake.AddInfo(r.Context(), token, body, form.files, s.clientIP(r)); err != nil {
		if koban.ErrorCode(err) != koban.Invalid {
			s.fail(w, r, err)
			return
		}
		again(http.StatusUnprocessableEntity, err, nil)
		return
	}
	http.Redirect(w, r, "/s/"+token+"?done=added"+langParam(r), http.StatusSeeOther)
}

// statusMail sends the status link to the address on the report, at the
// reporter's request.
func (s *Server) statusMail(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	guard.NoStore(w)
	if ok, _ := s.Submit.Allow(s.clientIP(r), s.Now()); !ok {
		s.fail(w, r, koban.Errorf(koban.TooMany, "intake.error.rate"))
		return
	}
	var err error = koban.FieldError("mail", "status.error.mail_unavailable")
	if s.BaseURL != "" {
		err = s.Intake.MailStatusLink(r.Context(), token, s.statusURL(token), s.clientIP(r))
	}
	switch code := koban.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, "/s/"+token+"?done=mailed"+langParam(r), http.StatusSeeOther)
		return
	case code == koban.Invalid || code == koban.TooMany || code == koban.Internal && koban.ErrorKey(err) == "status.error.mail_failed":
		view, verr := s.Intake.Status(r.Context(), token)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		if code == koban.Internal {
			s.Log.Error("mail status link", "err", err)
		}
		p := s.statusPageFor(r, token, view)
		p.setProblems(err)
		s.render(w, r, guard.Status(code), "status", p)
	default:
		s.fail(w, r, err)
	}
}

// langParam carries the language a POST asked for (?lang=) into its
// redirect, so that the page after it stays in that language.
func langParam(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); locale.Supported(l) {
		return "&lang=" + l
	}
	return ""
}

// maskEmail shows enough of an address for its owner to know it (the first
// letter and the domain): the status page is seen by whoever has the link.
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	first := []rune(local)[0]
	return string(first) + "***@" + domain
}

// statusURL is the status link handed to the reporter: on the configured
// public address, or relative to this server. Never on the request's Host
// header, which whoever sends the request chooses.
func (s *Server) statusURL(token string) string { return s.BaseURL + "/s/" + token }
