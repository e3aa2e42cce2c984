package web

import (
	"errors"
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
	p := statusPage{page: s.newPage(r, "status.title"), View: view, New: r.URL.Query().Get("new") == "1", StatusURL: guard.PublicBase(r, s.BaseURL, s.TrustProxy) + "/s/" + token}
	s.render(w, r, http.StatusOK, "status", p)
}

func (s *Server) statusAdd(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, s.Intake.Limits().MaxBody())
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.fail(w, r, koban.FieldError("files", "intake.error.body_too_large"))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	guard.NoStore(w)
	body := r.FormValue("body")
	ups, closeUploads, err := uploads(r)
	defer closeUploads()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ok, _ := s.Submit.Allow(s.clientIP(r), s.Now()); !ok {
		s.fail(w, r, koban.Errorf(koban.TooMany, "intake.error.rate"))
		return
	}
	err = s.Intake.AddInfo(r.Context(), token, body, ups, s.clientIP(r))
	if err != nil {
		if koban.ErrorCode(err) != koban.Invalid {
			s.fail(w, r, err)
			return
		}
		view, verr := s.Intake.Status(r.Context(), token)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		p := statusPage{page: s.newPage(r, "status.title"), View: view, StatusURL: guard.PublicBase(r, s.BaseURL, s.TrustProxy) + "/s/" + token, Body: body}
		p.setProblems(err)
		s.render(w, r, http.StatusUnprocessableEntity, "status", p)
		return
	}
	http.Redirect(w, r, "/s/"+token+"?done=added", http.StatusSeeOther)
}
