package e2e_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/sso/ssotest"
)

// TestBrowserSingleSignOn: an officer on a Japanese phone presses "sign in
// with 警察庁ID" on /login, goes through the force's provider (a test one on
// loopback) and lands signed in on the queue, an account made for them from
// the rule table; a second trip with the provider refusing shows koban's
// own sentence on the sign-in page. axe-core checks both pages.
func TestBrowserSingleSignOn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	idp := ssotest.Start(t, "koban-e2e", "e2e-client-secret")
	rules := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(rules, []byte(`{"rules": [
		{"match": [{"claim": "groups", "contains": "pref13-cyber"}], "org": "pref-13", "role": "investigator"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret, c.OIDCRules, c.OIDCName = idp.URL, "koban-e2e", "e2e-client-secret", rules, "警察庁ID"
		c.EgressAllow = "127.0.0.0/8"
	}))
	idp.SignInAs(map[string]any{"sub": "e2e-7", "email": "yamada.taro@pref13.example.jp", "email_verified": true, "name": "山田 太郎",
		"groups": []any{"pref13-cyber"}, "amr": []any{"pwd", "hwk"}})

	p := browserStart(t, ctx, s.URL)
	p.open("/login", http.StatusOK)
	if got := p.text("#oidc-start"); got != "警察庁IDでログイン" {
		t.Fatalf("sign-in button reads %q", got)
	}
	p.shot("sso-login")
	p.checkAxe("sign-in with single sign-on (/login)")
	status, where := p.clickAndWait("press the single sign-on button", "#oidc-start")
	if status != http.StatusOK || where != s.URL+"/queue" {
		t.Fatalf("after the provider: status %d at %s", status, where)
	}
	if h1 := p.text("h1"); h1 != "受付一覧" {
		t.Errorf("landed on %q", h1)
	}
	u, err := s.App.DB.UserByEmail(ctx, "yamada.taro@pref13.example.jp")
	if err != nil || u.Role != auth.RoleInvestigator || u.Name != "山田 太郎" {
		t.Fatalf("account %+v, %v", u, err)
	}
	if idp.Exchanges() != 1 {
		t.Errorf("%d code exchanges", idp.Exchanges())
	}

	// Signed out, and the provider now refuses: koban says so in Japanese.
	if status, where := p.clickAndWait("sign out", `form[action="/logout"] button`); status != http.StatusOK || !strings.Contains(where, "/login") {
		t.Fatalf("sign out: status %d at %s", status, where)
	}
	idp.Deny("access_denied")
	p.open("/login", http.StatusOK)
	status, where = p.clickAndWait("press the single sign-on button again", "#oidc-start")
	if status != http.StatusUnauthorized || !strings.HasPrefix(where, s.URL+"/login/oidc/callback?") {
		t.Fatalf("refused trip: status %d at %s", status, where)
	}
	if got := p.text(".error-summary li"); got != "警察庁IDでのログインが取り消されたか、認められませんでした。" {
		t.Errorf("refusal reads %q", got)
	}
	p.shot("sso-refused")
	p.checkAxe("single sign-on refused (/login/oidc/callback)")
}

// clickAndWait clicks what sel finds and waits for where the navigation
// ends, redirects followed, returning its status and URL.
func (p *browserPhone) clickAndWait(what, sel string) (int64, string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		p.t.Fatalf("%s: no response", what)
	}
	return resp.Status, resp.URL
}
