package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/sso/ssotest"
)

const oidcRules = `{"rules": [
  {"match": [{"claim": "koban_disabled", "equals": true}], "disabled": true},
  {"match": [{"claim": "groups", "contains": "pref13-cyber"}], "org": "pref-13", "role": "investigator"}
]}`

// startWithSSO runs koban with single sign-on through a test provider on
// loopback, which the egress allow list lets koban reach.
func startWithSSO(t *testing.T) (*apptest.Server, *ssotest.Provider) {
	t.Helper()
	idp := ssotest.Start(t, "koban-web", "web-client-secret")
	rules := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(rules, []byte(oidcRules), 0o600); err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret, c.OIDCRules, c.OIDCName = idp.URL, "koban-web", "web-client-secret", rules, "警察庁ID"
		c.EgressAllow = "127.0.0.0/8"
	}))
	return s, idp
}

// oidcTrip follows the sign-in from the button to koban's callback and
// returns koban's answer to it.
func oidcTrip(t *testing.T, s *apptest.Server, c *http.Client) *http.Response {
	t.Helper()
	resp := must(c.Get(s.URL + "/login/oidc"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	var bound *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "koban_oidc" {
			bound = ck
		}
	}
	if bound == nil || !bound.HttpOnly || bound.SameSite != http.SameSiteLaxMode || bound.Path != "/login/oidc" {
		t.Fatalf("binding cookie %+v", bound)
	}
	authURL := resp.Header.Get("Location")
	au, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := au.Query()
	if q.Get("redirect_uri") != s.URL+"/login/oidc/callback" || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorization URL %s", authURL)
	}
	resp = must(c.Get(authURL))
	resp.Body.Close()
	back := resp.Header.Get("Location")
	if !strings.HasPrefix(back, s.URL+"/login/oidc/callback?") {
		t.Fatalf("provider sent the browser to %q", back)
	}
	return must(c.Get(back))
}

func TestOIDCSignInThroughPages(t *testing.T) {
	s, idp := startWithSSO(t)
	c := s.Client()
	page := body(t, must(c.Get(s.URL+"/login?lang=ja")))
	for _, want := range []string{`href="/login/oidc"`, "警察庁IDでログイン", "二要素認証は警察庁IDで行います"} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %q", want)
		}
	}
	idp.SignInAs(map[string]any{"sub": "w-1", "email": "kato@pref13.example.jp", "email_verified": true, "name": "加藤", "groups": []any{"pref13-cyber"}})
	resp := oidcTrip(t, s, c)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
		t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = must(c.Get(s.URL + "/queue"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body(t, resp), "kato@pref13.example.jp") {
		t.Fatalf("queue after sign-in: %d", resp.StatusCode)
	}
	u, err := s.App.DB.UserByEmail(t.Context(), "kato@pref13.example.jp")
	if err != nil || u.Role != auth.RoleInvestigator {
		t.Fatalf("account %+v, %v", u, err)
	}
	// The account has no password: the password form does not open it.
	resp = must(s.Client().PostForm(s.URL+"/login", url.Values{"email": {"kato@pref13.example.jp"}, "password": {""}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("password sign-in of an SSO account: %d", resp.StatusCode)
	}
	// Nor does the account page offer to change one, and a change asked
	// for anyway is refused without counting as a failed sign-in.
	page = body(t, must(c.Get(s.URL+"/account")))
	if !strings.Contains(page, `id="password-none"`) || !strings.Contains(page, "シングルサインオン") || strings.Contains(page, `id="f-password-form"`) {
		t.Error("the account page of an SSO account offers a password change")
	}
	before, err := s.App.DB.UserByEmail(t.Context(), "kato@pref13.example.jp")
	if err != nil {
		t.Fatal(err)
	}
	resp = must(c.PostForm(s.URL+"/account/password", url.Values{"current": {"anything at all here"}, "password": {"a brand new passphrase"}, "password2": {"a brand new passphrase"}}))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "koban にパスワードはありません") {
		t.Errorf("password change of an SSO account: %d", resp.StatusCode)
	}
	if u, err := s.App.DB.UserByEmail(t.Context(), "kato@pref13.example.jp"); err != nil || u.FailedLogins != before.FailedLogins || u.PasswordHash != "" {
		t.Errorf("after the refused change: %d failures (%d before), password set %v, %v", u.FailedLogins, before.FailedLogins, u.PasswordHash != "", err)
	}
}

func TestOIDCErrorsShownInOwnWords(t *testing.T) {
	s, idp := startWithSSO(t)
	idp.SignInAs(map[string]any{"sub": "w-2", "email": "x@pref13.example.jp", "email_verified": true, "groups": []any{"pref13-cyber"}})
	idp.Deny("access_denied")
	c := s.Client()
	must(c.Get(s.URL + "/login?lang=ja")).Body.Close()
	resp := oidcTrip(t, s, c)
	page := body(t, resp)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "警察庁IDでのログインが取り消されたか、認められませんでした。") {
		t.Errorf("denied: %d\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, "alert(") || strings.Contains(page, "own words") {
		t.Error("the provider's error description reached the page")
	}
	// In English, and a callback without the browser's binding.
	resp = must(s.Client().Get(s.URL + "/login/oidc/callback?lang=en&state=x&code=y"))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "The sign-in was interrupted. Please start again with “Sign in with 警察庁ID”.") {
		t.Errorf("no binding: %d\n%s", resp.StatusCode, page)
	}
	// A refusal by the rules: no group that gives a role.
	idp.SignInAs(map[string]any{"sub": "w-3", "email": "y@pref13.example.jp", "email_verified": true, "groups": []any{"visitors"}})
	resp = oidcTrip(t, s, c)
	page = body(t, resp)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "このアカウントには koban を使う権限が割り当てられていません。") {
		t.Errorf("no rule: %d\n%s", resp.StatusCode, page)
	}
	rows, err := s.App.DB.AuditOf(t.Context(), "user", "")
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, r := range rows {
		if r.Action == "auth.oidc_refused" {
			reasons = append(reasons, r.Detail)
		}
	}
	if len(reasons) != 3 || !strings.Contains(reasons[0], `"provider_error"`) || !strings.Contains(reasons[1], `"no_flow"`) || !strings.Contains(reasons[2], `"no_rule"`) {
		t.Errorf("refusals audited: %v", reasons)
	}
}

func TestNoSSOWithoutIssuer(t *testing.T) {
	s := apptest.Start(t)
	page := body(t, must(s.Client().Get(s.URL+"/login")))
	if strings.Contains(page, "/login/oidc") {
		t.Error("the login page offers single sign-on that is not set up")
	}
	for _, p := range []string{"/login/oidc", "/login/oidc/callback?code=x&state=y"} {
		resp := must(s.Client().Get(s.URL + p))
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

func TestOIDCCallbackAddress(t *testing.T) {
	idp := ssotest.Start(t, "koban-web", "web-client-secret")
	rules := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(rules, []byte(oidcRules), 0o600); err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret, c.OIDCRules = idp.URL, "koban-web", "web-client-secret", rules
		c.EgressAllow, c.BaseURL = "127.0.0.0/8", "https://koban.example.jp"
	}))
	// The callback comes from KOBAN_BASE_URL, and the binding cookie is
	// Secure when the request came over HTTPS (through a proxy here).
	req, _ := http.NewRequest("GET", s.URL+"/login/oidc", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp := must(s.Client().Do(req))
	resp.Body.Close()
	au, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || au.Query().Get("redirect_uri") != "https://koban.example.jp/login/oidc/callback" {
		t.Errorf("sent to %q", resp.Header.Get("Location"))
	}
	var secure bool
	for _, ck := range resp.Cookies() {
		secure = secure || (ck.Name == "koban_oidc" && ck.Secure)
	}
	if !secure {
		t.Error("the binding cookie is not Secure over HTTPS")
	}
	// Without a name set, the button names the protocol.
	if page := body(t, must(s.Client().Get(s.URL+"/login?lang=en"))); !strings.Contains(page, "Sign in with OpenID Connect") {
		t.Error("the button lacks the default name")
	}
}

func TestOIDCStartsLimited(t *testing.T) {
	s, _ := startWithSSO(t)
	c := s.Client()
	// Twenty starts in a row go through; soon after, one is turned away.
	var last *http.Response
	n := 0
	for range 40 {
		last = must(c.Get(s.URL + "/login/oidc?lang=en"))
		last.Body.Close()
		if last.StatusCode != http.StatusSeeOther {
			break
		}
		n++
	}
	if n < 20 || last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d starts: %d", n, last.StatusCode)
	}
	page := body(t, must(c.Get(s.URL+"/login/oidc?lang=en")))
	if !strings.Contains(page, "Too many sign-ins were started in a short time.") {
		t.Errorf("page:\n%s", page)
	}
}
