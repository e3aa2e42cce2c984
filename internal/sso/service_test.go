package sso_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/sso"
	"github.com/koban-project/koban/internal/sso/ssotest"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/store/pgtest"
)

const callback = "https://koban.example.jp/login/oidc/callback"

// env is the sso service on a real store, signing in through a test
// provider on loopback reached by koban's egress client.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	auth  *auth.Service
	idp   *ssotest.Provider
	svc   *sso.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), clock: koban.NewFixedClock(time.Now().Truncate(time.Second))}
	opts := store.Options{DataDir: t.TempDir(), Clock: e.clock}
	if os.Getenv("KOBAN_TEST_BACKEND") == "postgres" { // as apptest.BackendEnv
		opts.DatabaseURL = pgtest.Database(t)
	}
	db, err := store.Open(e.ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	if _, err := db.SeedOrgs(e.ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, err := db.Orgs(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e.tree, err = org.NewTree(orgs); err != nil {
		t.Fatal(err)
	}
	trees := func() *org.Tree { return e.tree }
	e.auth = auth.NewService(db, trees, e.clock)
	e.auth.SetHasherParams(auth.Params{Memory: 64, Time: 1, Threads: 1})
	e.idp = ssotest.Start(t, "koban", "s3cret-of-the-client")
	e.idp.SetClock(e.clock.Now)
	rules, err := sso.ParseRules([]byte(table), e.tree)
	if err != nil {
		t.Fatal(err)
	}
	// The provider is on loopback, which koban's egress client refuses
	// unless told: the test allows it as an operator would a private IdP.
	hc := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}).HTTPClient()
	e.svc, err = sso.New(db, e.auth, trees, sso.Options{Issuer: e.idp.URL, ClientID: "koban", ClientSecret: "s3cret-of-the-client",
		Name: "警察庁ID", Rules: rules, HTTP: hc, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// through sends the browser to the provider and returns where it comes
// back to koban, with the binding cookie's value.
func (e *env) through(claims map[string]any) (binding string, back url.Values) {
	e.t.Helper()
	if claims != nil {
		e.idp.SignInAs(claims)
	}
	authURL, binding, err := e.svc.Begin(e.ctx, callback)
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if q := u.Query(); q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("redirect_uri") != callback {
		e.t.Fatalf("authorization URL lacks PKCE, nonce, state or the callback: %s", authURL)
	}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), callback+"?") {
		e.t.Fatalf("provider sent the browser to %q", resp.Header.Get("Location"))
	}
	return binding, loc.Query()
}

func (e *env) signIn(claims map[string]any) (string, error) {
	e.t.Helper()
	binding, back := e.through(claims)
	return e.svc.Finish(e.ctx, binding, back, "192.0.2.7")
}

func officer(sub, email string, groups ...string) map[string]any {
	g := make([]any, len(groups))
	for i, x := range groups {
		g[i] = x
	}
	return map[string]any{"sub": sub, "email": email, "email_verified": true, "name": "佐藤 一郎", "groups": g,
		"acr": "urn:example:mfa", "amr": []any{"pwd", "otp"}}
}

// lastAudit returns the newest audit row of a user (id 0: the refusals of
// no known account) with that action.
func (e *env) lastAudit(userID int64, action string) (audit.Row, map[string]any) {
	e.t.Helper()
	id := ""
	if userID != 0 {
		id = strconv.FormatInt(userID, 10)
	}
	rows, err := e.db.AuditOf(e.ctx, "user", id)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Action == action {
			var d map[string]any
			json.Unmarshal([]byte(rows[i].Detail), &d)
			return rows[i], d
		}
	}
	e.t.Fatalf("no %s audited for user %q", action, id)
	return audit.Row{}, nil
}

func wantRefused(t *testing.T, err error, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("signed in; want refusal %s", key)
	}
	if got := koban.ErrorKey(err); got != key {
		t.Fatalf("refused with %q (%v); want %q", got, err, key)
	}
}

func TestFirstSignInCreatesAccount(t *testing.T) {
	e := newEnv(t)
	token, err := e.signIn(officer("u-1001", "Sato@Pref13.example.jp", "staff", "pref13-cyber"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.auth.Authenticate(e.ctx, token, "192.0.2.7")
	if err != nil {
		t.Fatalf("the session is not a full one: %v", err)
	}
	pref13, _ := e.tree.ByCode("pref-13")
	if p.Email != "sato@pref13.example.jp" || p.Role != auth.RoleInvestigator || p.OrgID != pref13.ID || p.Name != "佐藤 一郎" {
		t.Errorf("principal %+v", p)
	}
	_, d := e.lastAudit(p.UserID, "auth.oidc_account_created")
	if d["subject"] != "u-1001" || d["org"] != "pref-13" || d["role"] != "investigator" || d["issuer"] != e.idp.URL {
		t.Errorf("account_created detail %v", d)
	}
	_, d = e.lastAudit(p.UserID, "auth.oidc_login")
	if d["acr"] != "urn:example:mfa" || d["second_factor"] != "provider" || d["rule"] != float64(3) {
		t.Errorf("oidc_login detail %v", d)
	}
	// The account has no password of its own: the password form never opens it.
	for _, pw := range []string{"", "correct horse battery staple"} {
		if _, _, err := e.auth.Login(e.ctx, "sato@pref13.example.jp", pw, "192.0.2.8"); koban.ErrorKey(err) != "auth.error.login_failed" {
			t.Errorf("password %q: %v", pw, err)
		}
	}
	if e.idp.Exchanges() != 1 {
		t.Errorf("%d code exchanges", e.idp.Exchanges())
	}
}

func TestLaterSignInFollowsRules(t *testing.T) {
	e := newEnv(t)
	first, err := e.signIn(officer("u-1", "a@pref13.example.jp", "pref13-cyber"))
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := e.auth.Authenticate(e.ctx, first, "")
	// The same person, moved to the NPA with a new address at the provider:
	// the same account, its role and organisation changed and audited, the
	// old session ended.
	claims := officer("u-1", "a.new@npa.example.jp", "npa-cyber")
	claims["realm_access"] = map[string]any{"roles": []any{"supervisor"}}
	second, err := e.signIn(claims)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.auth.Authenticate(e.ctx, second, "")
	if err != nil {
		t.Fatal(err)
	}
	npa, _ := e.tree.ByCode("npa-cab")
	if p2.UserID != p1.UserID || p2.Role != auth.RoleSupervisor || p2.OrgID != npa.ID || p2.Email != "a.new@npa.example.jp" {
		t.Errorf("after the move: %+v (first %+v)", p2, p1)
	}
	_, d := e.lastAudit(p1.UserID, "auth.oidc_role_changed")
	if d["from_role"] != "investigator" || d["to_role"] != "supervisor" || d["from_org"] != "pref-13" || d["to_org"] != "npa-cab" {
		t.Errorf("role change detail %v", d)
	}
	if _, d := e.lastAudit(p1.UserID, "auth.oidc_email_changed"); d["from"] != "a@pref13.example.jp" || d["to"] != "a.new@npa.example.jp" {
		t.Errorf("e-mail change detail %v", d)
	}
	if _, err := e.auth.Authenticate(e.ctx, first, ""); err == nil {
		t.Error("the session from before the role change still works")
	}
	// Signing in again with nothing changed writes no change.
	rows, _ := e.db.AuditOf(e.ctx, "user", strconv.FormatInt(p1.UserID, 10))
	if _, err := e.signIn(claims); err != nil {
		t.Fatal(err)
	}
	after, _ := e.db.AuditOf(e.ctx, "user", strconv.FormatInt(p1.UserID, 10))
	for _, r := range after[len(rows):] {
		if r.Action == "auth.oidc_role_changed" {
			t.Error("a sign-in with the same role and organisation was audited as a change")
		}
	}
}

func TestDisabledByProvider(t *testing.T) {
	e := newEnv(t)
	token, err := e.signIn(officer("u-2", "b@pref13.example.jp", "pref13-cyber"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.auth.Authenticate(e.ctx, token, "")
	// The provider marks the officer as gone: the account is disabled and
	// its sessions end.
	claims := officer("u-2", "b@pref13.example.jp", "pref13-cyber")
	claims["koban_disabled"] = true
	_, err = e.signIn(claims)
	wantRefused(t, err, "auth.oidc.error.disabled")
	u, _ := e.db.User(e.ctx, p.UserID)
	if !u.Disabled {
		t.Error("the account is not disabled")
	}
	if _, err := e.auth.Authenticate(e.ctx, token, ""); err == nil {
		t.Error("the open session survived the disabling")
	}
	e.lastAudit(p.UserID, "auth.oidc_disabled")
	if _, d := e.lastAudit(p.UserID, "auth.oidc_refused"); d["reason"] != "disabled_by_rule" {
		t.Errorf("refusal detail %v", d)
	}
	// Back in the group at the provider, the account stays disabled in
	// koban until an administrator enables it.
	_, err = e.signIn(officer("u-2", "b@pref13.example.jp", "pref13-cyber"))
	wantRefused(t, err, "auth.oidc.error.account_disabled")
	if _, d := e.lastAudit(p.UserID, "auth.oidc_refused"); d["reason"] != "account_disabled" {
		t.Errorf("refusal detail %v", d)
	}
	// Dropped from every group (the catch-all rule) disables as well, and
	// a first sign-in so disabled makes no account.
	_, err = e.signIn(officer("u-3", "c@pref13.example.jp", "visitors"))
	wantRefused(t, err, "auth.oidc.error.disabled")
	if _, err := e.db.UserByEmail(e.ctx, "c@pref13.example.jp"); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("an account was made for a disabled identity: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		name   string
		prep   func(e *env) map[string]any
		key    string
		reason string
		detail map[string]any
	}{
		{"unverified e-mail", func(e *env) map[string]any {
			c := officer("u-10", "x@pref13.example.jp", "pref13-cyber")
			c["email_verified"] = false
			return c
		}, "auth.oidc.error.email_unverified", "email_unverified", nil},
		{"no e-mail", func(e *env) map[string]any {
			c := officer("u-11", "", "pref13-cyber")
			delete(c, "email")
			return c
		}, "auth.oidc.error.email_unverified", "email_unverified", nil},
		{"wrong nonce", func(e *env) map[string]any {
			e.idp.Tamper(func(c map[string]any) { c["nonce"] = "another" })
			return officer("u-12", "y@pref13.example.jp", "pref13-cyber")
		}, "auth.oidc.error.token", "nonce", nil},
		{"expired token", func(e *env) map[string]any {
			e.idp.Tamper(func(c map[string]any) { c["exp"] = e.clock.Now().Add(-time.Minute).Unix() })
			return officer("u-13", "z@pref13.example.jp", "pref13-cyber")
		}, "auth.oidc.error.token", "id_token", map[string]any{"why": "expired"}},
		{"wrong audience", func(e *env) map[string]any {
			e.idp.Tamper(func(c map[string]any) { c["aud"] = "another-client" })
			return officer("u-14", "w@pref13.example.jp", "pref13-cyber")
		}, "auth.oidc.error.token", "id_token", map[string]any{"why": "audience"}},
		{"wrong issuer", func(e *env) map[string]any {
			e.idp.Tamper(func(c map[string]any) { c["iss"] = "https://idp.evil.example" })
			return officer("u-15", "v@pref13.example.jp", "pref13-cyber")
		}, "auth.oidc.error.token", "id_token", map[string]any{"why": "issuer"}},
		{"no rule matches", func(e *env) map[string]any {
			e.svc = newService(e, `{"rules": [{"match": [{"claim": "groups", "contains": "pref13-cyber"}], "org": "pref-13", "role": "analyst"}]}`)
			return officer("u-16", "u@pref13.example.jp", "visitors")
		}, "auth.oidc.error.no_rule", "no_rule", nil},
		{"provider refuses", func(e *env) map[string]any {
			e.idp.SignInAs(officer("u-17", "t@pref13.example.jp", "pref13-cyber"))
			e.idp.Deny("access_denied")
			return nil
		}, "auth.oidc.error.denied", "provider_error", map[string]any{"error": "access_denied"}},
		{"provider fails", func(e *env) map[string]any {
			e.idp.SignInAs(officer("u-18", "t@pref13.example.jp", "pref13-cyber"))
			e.idp.Deny("temporarily_unavailable")
			return nil
		}, "auth.oidc.error.provider", "provider_error", map[string]any{"error": "temporarily_unavailable"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			claims := c.prep(e)
			_, err := e.signIn(claims)
			wantRefused(t, err, c.key)
			_, d := e.lastAudit(0, "auth.oidc_refused")
			if d["reason"] != c.reason {
				t.Errorf("audited reason %v, want %s", d["reason"], c.reason)
			}
			for k, v := range c.detail {
				if d[k] != v {
					t.Errorf("audit detail %s = %v, want %v", k, d[k], v)
				}
			}
			if n, _ := e.db.CountUsers(e.ctx); n != 0 {
				t.Errorf("%d accounts made", n)
			}
		})
	}
}

func newService(e *env, rules string) *sso.Service {
	rs, err := sso.ParseRules([]byte(rules), e.tree)
	if err != nil {
		e.t.Fatal(err)
	}
	hc := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}).HTTPClient()
	s, err := sso.New(e.db, e.auth, func() *org.Tree { return e.tree }, sso.Options{Issuer: e.idp.URL, ClientID: "koban",
		ClientSecret: "s3cret-of-the-client", Rules: rs, HTTP: hc, Clock: e.clock})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func TestStateAndBinding(t *testing.T) {
	e := newEnv(t)
	claims := officer("u-20", "s@pref13.example.jp", "pref13-cyber")
	// A callback whose state is not the flow's.
	binding, back := e.through(claims)
	back.Set("state", "forged")
	_, err := e.svc.Finish(e.ctx, binding, back, "192.0.2.7")
	wantRefused(t, err, "auth.oidc.error.expired")
	if _, d := e.lastAudit(0, "auth.oidc_refused"); d["reason"] != "state" {
		t.Errorf("reason %v", d["reason"])
	}
	// The flow was used up by that attempt: the right state later is refused too.
	back.Set("state", "")
	if _, err := e.svc.Finish(e.ctx, binding, back, "192.0.2.7"); koban.ErrorKey(err) != "auth.oidc.error.expired" {
		t.Errorf("a used flow: %v", err)
	}
	// Another browser's binding (or none) does not finish this one.
	_, back = e.through(claims)
	for _, b := range []string{"", "not-the-binding"} {
		_, err := e.svc.Finish(e.ctx, b, back, "192.0.2.7")
		wantRefused(t, err, "auth.oidc.error.expired")
	}
	// A callback replayed after success is refused, code and all.
	binding, back = e.through(claims)
	if _, err := e.svc.Finish(e.ctx, binding, back, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Finish(e.ctx, binding, back, "192.0.2.7")
	wantRefused(t, err, "auth.oidc.error.expired")
	// A flow left at the provider too long.
	binding, back = e.through(claims)
	e.clock.Advance(11 * time.Minute)
	_, err = e.svc.Finish(e.ctx, binding, back, "192.0.2.7")
	wantRefused(t, err, "auth.oidc.error.expired")
	if _, d := e.lastAudit(0, "auth.oidc_refused"); d["reason"] != "flow_expired" {
		t.Errorf("reason %v", d["reason"])
	}
}

func TestLocalAccountNotTakenOver(t *testing.T) {
	e := newEnv(t)
	local, err := e.auth.CreateUser(e.ctx, audit.System, auth.NewUser{Email: "chief@pref13.example.jp", OrgCode: "pref-13", Role: auth.RoleAdmin,
		Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.signIn(officer("u-30", "chief@pref13.example.jp", "pref13-cyber"))
	wantRefused(t, err, "auth.oidc.error.email_taken")
	_, d := e.lastAudit(local.ID, "auth.oidc_refused")
	if d["reason"] != "email_taken" || d["subject"] != "u-30" {
		t.Errorf("refusal detail %v", d)
	}
	u, _ := e.db.User(e.ctx, local.ID)
	if u.Role != auth.RoleAdmin || u.Disabled {
		t.Errorf("the local account changed: %+v", u)
	}
	if _, err := e.db.OIDCUser(e.ctx, e.idp.URL, "u-30"); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("the identity was linked: %v", err)
	}
}

func TestProviderOutOfEgressReach(t *testing.T) {
	e := newEnv(t)
	rs, _ := sso.ParseRules([]byte(table), e.tree)
	// Without the allow list, the egress client refuses the loopback provider.
	s, err := sso.New(e.db, e.auth, func() *org.Tree { return e.tree }, sso.Options{Issuer: e.idp.URL, ClientID: "koban", Rules: rs,
		HTTP: egress.New(egress.Config{}).HTTPClient(), Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Begin(e.ctx, callback)
	if koban.ErrorKey(err) != "auth.oidc.error.unreachable" || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Begin: %v", err)
	}
}

func TestNewAddressTakenKeepsOld(t *testing.T) {
	e := newEnv(t)
	token, err := e.signIn(officer("u-40", "old@pref13.example.jp", "pref13-cyber"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.auth.Authenticate(e.ctx, token, "")
	if _, err := e.auth.CreateUser(e.ctx, audit.System, auth.NewUser{Email: "new@pref13.example.jp", OrgCode: "pref-13", Role: auth.RoleIntake,
		Password: "correct horse battery staple"}); err != nil {
		t.Fatal(err)
	}
	// The provider now gives an address a local account holds: the sign-in
	// goes ahead on the linked account, whose address stays as it was.
	token, err = e.signIn(officer("u-40", "new@pref13.example.jp", "pref13-cyber"))
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := e.auth.Authenticate(e.ctx, token, "")
	if p2.UserID != p.UserID || p2.Email != "old@pref13.example.jp" {
		t.Errorf("after the change: %+v", p2)
	}
	if _, d := e.lastAudit(p.UserID, "auth.oidc_login"); d["email_kept"] != "taken" {
		t.Errorf("login detail %v", d)
	}
	// An unverified new address is not taken either.
	claims := officer("u-40", "other@pref13.example.jp", "pref13-cyber")
	claims["email_verified"] = false
	if _, err := e.signIn(claims); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.db.User(e.ctx, p.UserID); u.Email != "old@pref13.example.jp" {
		t.Errorf("an unverified address replaced the account's: %s", u.Email)
	}
}
