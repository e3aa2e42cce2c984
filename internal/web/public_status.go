package web

import (
	"net/http"

	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

type statusPage struct {
	page
	View      *intake.StatusView
	New       bool
	StatusURL string
	Body      string
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	view, err := s.Intake.Status(r.Context(), token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	guard.NoStore(w)
	p := statusPage{page: s.newPage(r, "status.title"), View: view, New: r.URL.Query().Get("new") == "1", StatusURL: s.statusURL(token)}
	s.render(w, r, http.StatusOK, "status", p)
}

func (s *Server) statusAdd(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	guard.NoStore(w)
	// Nothing is written to disk for a client over the rate limit, or for a
	// status link that does not exist.
	if ok, _ := s.Submit.Allow(s.clientIP(r), s.Now()); !ok {
		s.fail(w, r, koban.Errorf(koban.TooMany, "intake.error.rate"))
		return
	}
	if _, err := s.Intake.Status(r.Context(), token); err != nil {
		s.fail(w, r, err)
		return
	}
	form, err := s.readForm(w, r, true)
	defer form.close()
	body := form.values.Get("body")
	// again shows the status page once more, with the problem and what was
	// typed.
	again := func(status int, problem error) {
		view, err := s.Intake.Status(r.Context(), token)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p := statusPage{page: s.newPage(r, "status.title"), View: view, StatusURL: s.statusURL(token), Body: body}
		p.setProblems(problem)
		s.render(w, r, status, "status", p)
	}
	switch code := koban.ErrorCode(err); {
	case err == nil:
	case code == koban.TooLarge || code == koban.Malformed:
		again(guard.Status(code), koban.FieldError("files", koban.ErrorKey(err)))
		return
	default:
		s.fail(w, r, err)
		return
	}
	if form.tooMany {
		again(http.StatusUnprocessableEntity, koban.FieldError("files", "intake.error.too_many_files"))
		return
	}
	if err := s.Intake.AddInfo(r.Context(), token, body, form.files, s.clientIP(r)); err != nil {
		if koban.ErrorCode(err) != koban.Invalid {
			s.fail(w, r, err)
			return
		}
		again(http.StatusUnprocessableEntity, err)
		return
	}
	http.Redirect(w, r, "/s/"+token+"?done=added", http.StatusSeeOther)
}

// statusURL is the status link handed to the reporter: on the configured
// public address, or relative to this server. Never on the request's Host
// header, which whoever sends the request chooses.
func (s *Server) statusURL(token string) string { return s.BaseURL + "/s/" + token }
