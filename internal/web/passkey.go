package web

import (
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// Passkeys (WebAuthn) beside TOTP: the browser's part is static/passkey.js,
// which asks koban for a ceremony's options (POST …/options, JSON), calls
// navigator.credentials, and submits the answer in an ordinary form, so
// that koban's answer is a page like any other. Without JavaScript the
// passkey forms say so and TOTP works as before.

// passkeyAnswerMax bounds a browser's answer (attestation objects are a
// few hundred bytes to a few kilobytes).
const passkeyAnswerMax = 64 << 10

// relyingParty is where passkeys are used: KOBAN_BASE_URL's host, or the
// request's own host when it is not set (as the advisory feeds decide the
// public address). An IP address is not a valid RP ID: passkeys are then
// unavailable (reach koban by a name, localhost included).
func (s *Server) relyingParty(r *http.Request) auth.RelyingParty {
	var u *url.URL
	if b, err := url.Parse(s.BaseURL); s.BaseURL != "" && err == nil {
		u = b
	} else {
		scheme := "http"
		if r.TLS != nil || (s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
			scheme = "https"
		}
		u = &url.URL{Scheme: scheme, Host: r.Host}
	}
	host := u.Hostname()
	if host == "" || net.ParseIP(host) != nil {
		return auth.RelyingParty{}
	}
	return auth.RelyingParty{ID: host, Origin: u.Scheme + "://" + u.Host}
}

// passkeyOptions answers a script's request for a ceremony's options.
func (s *Server) passkeyOptions(w http.ResponseWriter, r *http.Request, begin func(rp auth.RelyingParty) ([]byte, error)) {
	noStore(w)
	w.Header().Set("Content-Type", "application/json")
	opts, err := begin(s.relyingParty(r))
	if err != nil {
		status := http.StatusUnprocessableEntity
		switch koban.ErrorCode(err) {
		case koban.Unauthorized:
			status = http.StatusUnauthorized
		case koban.TooMany:
			status = http.StatusTooManyRequests
		case koban.Invalid:
		default:
			s.Log.Error("passkey options", "path", r.URL.Path, "err", err)
			status = http.StatusInternalServerError
			err = koban.Errorf(koban.Internal, "auth.error.passkey_failed")
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": s.Catalogs.T(s.lang(r), koban.ErrorKey(err))})
		return
	}
	w.Write(opts)
}

// passkeyAnswer is the browser's answer the script put in the form.
func passkeyAnswer(w http.ResponseWriter, r *http.Request) []byte {
	r.Body = http.MaxBytesReader(w, r.Body, passkeyAnswerMax)
	return []byte(r.FormValue("credential"))
}

// secondStepPage is the second step of a sign-in: the authenticator app,
// passkeys, or both, as the account has them.
type secondStepPage struct {
	loginPage
	TOTP    bool
	Passkey bool
}

func (s *Server) secondStep(r *http.Request, p loginPage) secondStepPage {
	totp, passkey, err := s.Auth.SecondFactors(r.Context(), sessionToken(r))
	if err != nil {
		return secondStepPage{loginPage: p, TOTP: true}
	}
	return secondStepPage{loginPage: p, TOTP: totp, Passkey: passkey}
}

func (s *Server) passkeyLoginOptions(w http.ResponseWriter, r *http.Request) {
	s.passkeyOptions(w, r, func(rp auth.RelyingParty) ([]byte, error) {
		return s.Auth.BeginPasskeyLogin(r.Context(), sessionToken(r), rp)
	})
}

// passkeyLogin completes the second step with a passkey, as /login/totp
// does with a code.
func (s *Server) passkeyLogin(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	answer := passkeyAnswer(w, r)
	token, err := s.Auth.FinishPasskeyLogin(r.Context(), sessionToken(r), s.relyingParty(r), answer, s.clientIP(r))
	if err != nil {
		if koban.ErrorCode(err) == koban.Unauthorized {
			clearSession(w, r)
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		p := s.secondStep(r, loginPage{page: s.newPage(r, "login.totp_title")})
		p.setProblems(err)
		status := http.StatusUnprocessableEntity
		if koban.ErrorCode(err) == koban.TooMany {
			status = http.StatusTooManyRequests
		}
		s.render(w, r, status, "totp", p)
		return
	}
	setSession(w, r, token)
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

func (s *Server) passkeyEnrollOptions(w http.ResponseWriter, r *http.Request) {
	s.passkeyOptions(w, r, func(rp auth.RelyingParty) ([]byte, error) {
		return s.Auth.BeginEnrollPasskey(r.Context(), sessionToken(r), rp)
	})
}

// passkeyEnroll sets up a passkey as the second factor an organisation
// requires, instead of an authenticator app.
func (s *Server) passkeyEnroll(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	answer := passkeyAnswer(w, r)
	token, err := s.Auth.FinishEnrollPasskey(r.Context(), sessionToken(r), s.relyingParty(r), r.FormValue("name"), answer, s.clientIP(r))
	if err != nil {
		s.enrollFailed(w, r, err)
		return
	}
	setSession(w, r, token)
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

func (s *Server) passkeyAccountOptions(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	s.passkeyOptions(w, r, func(rp auth.RelyingParty) ([]byte, error) {
		return s.Auth.BeginPasskeyRegistration(r.Context(), pr, sessionToken(r), rp)
	})
}

// passkeyAccountAction registers or removes a passkey from the account
// page; done names the notice shown after.
func (s *Server) passkeyAccountAction(w http.ResponseWriter, r *http.Request, pr auth.Principal, action string) (done string, err error) {
	switch action {
	case "passkey":
		_, err = s.Auth.FinishPasskeyRegistration(r.Context(), pr, sessionToken(r), s.relyingParty(r), r.FormValue("name"), passkeyAnswer(w, r))
		return "passkey_added", err
	case "passkey-remove":
		id, perr := strconv.ParseInt(r.FormValue("id"), 10, 64)
		if perr != nil {
			return "", koban.Errorf(koban.NotFound, "error.not_found")
		}
		return "passkey_removed", s.Auth.RemovePasskey(r.Context(), pr, id)
	}
	return "", koban.Errorf(koban.NotFound, "error.not_found")
}

// enrollPage is the enrolment page showing the authenticator key being set up.
func enrollPage(p page, secret string, png []byte) loginPage {
	return loginPage{page: p, Secret: secret, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
}
