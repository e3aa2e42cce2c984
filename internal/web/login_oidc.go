package web

import (
	"net/http"

	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
)

// oidcCookie binds a sign-in through the provider to the browser that
// started it; it lives for the trip to the provider and back.
const oidcCookie = "koban_oidc"

// ssoName is the provider's name for the sign-in button, "" when single
// sign-on is off.
func (s *Server) ssoName() string {
	if s.SSO == nil {
		return ""
	}
	return s.SSO.Name()
}

// oidcRedirect is koban's callback: from KOBAN_BASE_URL, or from the
// request's own host when it is not set, as the advisory feeds' links are.
func (s *Server) oidcRedirect(r *http.Request) string {
	if s.BaseURL != "" {
		return s.BaseURL + "/login/oidc/callback"
	}
	scheme := "http"
	if r.TLS != nil || (s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/login/oidc/callback"
}

func secureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// oidcStart sends the browser to the provider (GET /login/oidc).
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if s.SSO == nil {
		s.notFound(w, r)
		return
	}
	if ok, _ := s.oidcStarts.Allow(s.clientIP(r), s.Now()); !ok {
		s.oidcProblem(w, r, koban.Errorf(koban.TooMany, "auth.oidc.error.too_many"))
		return
	}
	authURL, binding, err := s.SSO.Begin(r.Context(), s.oidcRedirect(r))
	if err != nil {
		s.oidcProblem(w, r, err)
		return
	}
	// SameSite=Lax: the provider sends the browser back with a top-level
	// GET from its own site, which Lax lets the cookie ride along with.
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: binding, Path: "/login/oidc", MaxAge: 600, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(r)})
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// oidcCallback finishes the sign-in (GET /login/oidc/callback): a full
// session, no TOTP asked, since the provider asked for its second factor.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if s.SSO == nil {
		s.notFound(w, r)
		return
	}
	var binding string
	if c, err := r.Cookie(oidcCookie); err == nil {
		binding = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/login/oidc", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(r)})
	token, err := s.SSO.Finish(r.Context(), binding, r.URL.Query(), s.clientIP(r))
	if err != nil {
		s.oidcProblem(w, r, err)
		return
	}
	setSession(w, r, token)
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

// oidcProblem shows the sign-in page with koban's sentence for what went
// wrong (never the provider's own words).
func (s *Server) oidcProblem(w http.ResponseWriter, r *http.Request, err error) {
	code := koban.ErrorCode(err)
	if code == koban.Internal || code == koban.Unavailable {
		s.Log.Error("single sign-on failed", "path", r.URL.Path, "err", err)
	}
	key := koban.ErrorKey(err)
	p := loginPage{page: s.newPage(r, "login.title"), SSO: s.ssoName()}
	text := p.T(key, "name", p.SSO)
	p.Problems = map[string]string{"oidc": text}
	p.Summary = []fieldProblem{{Field: "oidc", Key: key, Text: text, Anchor: "oidc"}}
	status := guard.Status(code)
	if key == "auth.oidc.error.unreachable" {
		status = http.StatusServiceUnavailable
	}
	s.render(w, r, status, "login", p)
}
