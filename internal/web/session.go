package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/locale"
)

const (
	langCookie    = "koban_lang"
	sessionCookie = "koban_session"
)

type ctxKey int

const principalKey ctxKey = 1

func principalFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(principalKey).(auth.Principal)
	return p, ok
}

// lang picks the language: ?lang= (remembered by the middleware), then the
// cookie, then the browser's Accept-Language, then Japanese.
func (s *Server) lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); locale.Supported(l) {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && locale.Supported(c.Value) {
		return c.Value
	}
	return locale.Match(r.Header.Get("Accept-Language"))
}

// rememberLang stores a language chosen with ?lang= for a year.
func rememberLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l := r.URL.Query().Get("lang"); locale.Supported(l) {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		}
		next.ServeHTTP(w, r)
	})
}

// setSession gives the browser a session cookie: HttpOnly, SameSite=Lax,
// Secure whenever the request came over TLS. It lives only as long as the
// browser, the server ends it after idle time or 12 hours.
func setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"})
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// officer wraps a handler that needs a signed-in officer.
func (s *Server) officer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		p, err := s.Auth.Authenticate(r.Context(), c.Value, s.clientIP(r))
		if err != nil {
			// The cookie is left alone: it may be a session half-way through
			// its second factor, which the sign-in pages still need.
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		// A one-time password from an administrator opens the account page
		// alone, where the officer chooses their own.
		if p.MustChangePassword && r.URL.Path != "/account" && !strings.HasPrefix(r.URL.Path, "/account/") {
			http.Redirect(w, r, "/account?done=password_must_change", http.StatusSeeOther)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
	}
}
