package web

import (
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// accountPage is an officer's own account: second factor, password,
// sessions.
type accountPage struct {
	page
	Account *auth.Account
	// Enrolling: a new authenticator key being set up, shown until a code
	// from it is confirmed.
	Secret string
	QR     template.URL
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	s.showAccount(w, r, http.StatusOK, nil, r.URL.Query().Get("enroll") == "1")
}

// showAccount renders the account page, with problems when an action was
// refused; enrolling shows the key being set up (the same one until a code
// from it is confirmed).
func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, status int, problem error, enrolling bool) {
	pr, _ := principalFrom(r.Context())
	acc, err := s.Auth.Account(r.Context(), pr, sessionToken(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := accountPage{page: s.newPage(r, "account.title"), Account: acc}
	if problem != nil {
		p.setProblems(problem)
	}
	if enrolling {
		secret, _, png, err := s.Auth.BeginReenroll(r.Context(), pr, sessionToken(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Secret, p.QR = secret, template.URL("data:image/png;base64,"+base64.StdEncoding.EncodeToString(png))
	}
	s.render(w, r, status, "account", p)
}

func (s *Server) accountAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	pr, _ := principalFrom(r.Context())
	token := sessionToken(r)
	var err error
	var done string
	switch r.PathValue("action") {
	case "password":
		if r.FormValue("password") != r.FormValue("password2") {
			err = koban.FieldError("password2", "account.error.password_mismatch")
			break
		}
		err, done = s.Auth.ChangePassword(r.Context(), pr, token, r.FormValue("current"), r.FormValue("password")), "password_changed"
	case "totp":
		err, done = s.Auth.ConfirmReenroll(r.Context(), pr, token, r.FormValue("code")), "totp_enrolled"
		if koban.ErrorCode(err) == koban.Invalid {
			// A mistyped code: the same key again, with the error beside it.
			s.showAccount(w, r, http.StatusUnprocessableEntity, err, true)
			return
		}
	case "sessions":
		_, err = s.Auth.EndOtherSessions(r.Context(), pr, token)
		done = "sessions_ended"
	default:
		done, err = s.passkeyAccountAction(w, r, pr, r.PathValue("action"))
	}
	if err == nil {
		http.Redirect(w, r, "/account?done="+done, http.StatusSeeOther)
		return
	}
	switch koban.ErrorCode(err) {
	case koban.Invalid, koban.TooMany:
		status := http.StatusUnprocessableEntity
		if koban.ErrorCode(err) == koban.TooMany {
			status = http.StatusTooManyRequests
		}
		s.showAccount(w, r, status, err, false)
		return
	default:
		s.fail(w, r, err)
	}
}
