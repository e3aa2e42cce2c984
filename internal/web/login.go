package web

import (
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

type loginPage struct {
	page
	Email  string
	Secret string
	QR     template.URL
	SSO    string // the provider's name when single sign-on is on
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	s.render(w, r, http.StatusOK, "login", loginPage{page: s.newPage(r, "login.title"), SSO: s.ssoName()})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	email := r.FormValue("email")
	token, stage, err := s.Auth.Login(r.Context(), email, r.FormValue("password"), s.clientIP(r))
	if err != nil {
		p := loginPage{page: s.newPage(r, "login.title"), Email: email, SSO: s.ssoName()}
		p.setProblems(err)
		status := http.StatusUnauthorized
		if koban.ErrorCode(err) == koban.TooMany {
			status = http.StatusTooManyRequests
		} else if koban.ErrorCode(err) == koban.Internal {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, status, "login", p)
		return
	}
	setSession(w, r, token)
	switch stage {
	case auth.StageTOTP:
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
	case auth.StageEnroll:
		http.Redirect(w, r, "/login/enroll", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/queue", http.StatusSeeOther)
	}
}

func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) totpForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	s.render(w, r, http.StatusOK, "totp", s.secondStep(r, loginPage{page: s.newPage(r, "login.totp_title")}))
}

func (s *Server) totp(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	token, err := s.Auth.CompleteTOTP(r.Context(), sessionToken(r), r.FormValue("code"), s.clientIP(r))
	if err != nil {
		if koban.ErrorCode(err) == koban.Unauthorized {
			clearSession(w, r)
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		p := s.secondStep(r, loginPage{page: s.newPage(r, "login.totp_title")})
		p.setProblems(err)
		s.render(w, r, http.StatusUnprocessableEntity, "totp", p)
		return
	}
	setSession(w, r, token)
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

func (s *Server) enrollForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	secret, _, png, err := s.Auth.BeginEnroll(r.Context(), sessionToken(r))
	if err != nil {
		clearSession(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := loginPage{page: s.newPage(r, "login.enroll_title"), Secret: secret,
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
	s.render(w, r, http.StatusOK, "enroll", p)
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	token, err := s.Auth.ConfirmEnroll(r.Context(), sessionToken(r), r.FormValue("code"), s.clientIP(r))
	if err != nil {
		s.enrollFailed(w, r, err)
		return
	}
	setSession(w, r, token)
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

// enrollFailed answers a failed enrolment (a wrong code, a refused
// passkey): a session that is no longer at the enrolment stage goes back to
// the sign-in page; otherwise the enrolment page again, with the same key
// (the user has just scanned it) and the problem beside its form.
func (s *Server) enrollFailed(w http.ResponseWriter, r *http.Request, err error) {
	if koban.ErrorCode(err) == koban.Unauthorized {
		clearSession(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	secret, _, png, berr := s.Auth.BeginEnroll(r.Context(), sessionToken(r))
	if berr != nil {
		clearSession(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := enrollPage(s.newPage(r, "login.enroll_title"), secret, png)
	p.setProblems(err)
	s.render(w, r, http.StatusUnprocessableEntity, "enroll", p)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if t := sessionToken(r); t != "" {
		s.Auth.Logout(r.Context(), t)
	}
	clearSession(w, r)
	http.Redirect(w, r, "/login?done=logged_out", http.StatusSeeOther)
}

func noStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }
