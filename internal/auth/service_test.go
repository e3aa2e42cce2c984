package auth_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
)

const password = "correct horse battery staple"

var now0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// env is an auth service on a real store.
type env struct {
	t     *testing.T
	ctx   context.Context
	dir   string
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	svc   *auth.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), dir: t.TempDir(), clock: koban.NewFixedClock(now0)}
	db, err := store.Open(e.ctx, store.Options{DataDir: e.dir, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	if _, err := db.SeedOrgs(e.ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	e.svc = auth.NewService(db, func() *org.Tree { return e.tree }, e.clock)
	e.svc.SetHasherParams(auth.Params{Memory: 64, Time: 1, Threads: 1})
	// Most tests here are about passwords, sessions and tokens, so the
	// Tokyo MPD has relaxed its second-factor rule, as an administrator
	// may; TestSecondFactorByDefault holds the default.
	if err := db.SetRequireTOTP(e.ctx, e.orgIDIn("pref-13", db), false, audit.Entry{Actor: audit.System, Action: "org.require_totp", ObjectType: "org"}); err != nil {
		t.Fatal(err)
	}
	e.reloadTree()
	return e
}

// orgIDIn finds an organisation's id before the tree is loaded.
func (e *env) orgIDIn(code string, db *store.DB) int64 {
	e.t.Helper()
	orgs, err := db.Orgs(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range orgs {
		if o.Code == code {
			return o.ID
		}
	}
	e.t.Fatalf("no organisation %s", code)
	return 0
}

func (e *env) reloadTree() {
	e.t.Helper()
	orgs, err := e.db.Orgs(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if e.tree, err = org.NewTree(orgs); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) orgID(code string) int64 {
	e.t.Helper()
	o, ok := e.tree.ByCode(code)
	if !ok {
		e.t.Fatalf("no organisation %s", code)
	}
	return o.ID
}

func (e *env) addOrg(o org.Org) {
	e.t.Helper()
	if err := e.db.CreateOrg(e.ctx, &o, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
		e.t.Fatal(err)
	}
	e.reloadTree()
}

func (e *env) user(email, orgCode string, role auth.Role) *auth.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(e.ctx, audit.System, auth.NewUser{Email: email, Name: "名前 " + email, OrgCode: orgCode, Role: role, Password: password})
	if err != nil {
		e.t.Fatalf("CreateUser %s: %v", email, err)
	}
	return u
}

func (e *env) stored(id int64) *auth.User {
	e.t.Helper()
	u, err := e.db.User(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// login signs in and expects stage.
func (e *env) login(email, ip, stage string) string {
	e.t.Helper()
	token, got, err := e.svc.Login(e.ctx, email, password, ip)
	if err != nil {
		e.t.Fatalf("Login %s: %v", email, err)
	}
	if got != stage {
		e.t.Fatalf("Login %s: stage %q, want %q", email, got, stage)
	}
	if !strings.HasPrefix(token, auth.SessionIDPrefix) {
		e.t.Fatalf("session token %q", token)
	}
	return token
}

// code returns the TOTP code for secret now.
func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := auth.TOTPCode(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// wrongCode returns six digits that are not a valid code for secret now.
func (e *env) wrongCode(secret string) string {
	e.t.Helper()
	for i := 0; ; i++ {
		c := strconv.Itoa(100000 + i*7919)
		if !auth.ValidateTOTP(secret, c, e.clock.Now()) {
			return c
		}
	}
}

func (e *env) actions(u *auth.User) []string {
	e.t.Helper()
	rows, err := e.db.AuditOf(e.ctx, "user", strconv.FormatInt(u.ID, 10))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Action)
	}
	return out
}

func wantErr(t *testing.T, what string, err error, code koban.Code, key string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s %s", what, code, key)
		return
	}
	if koban.ErrorCode(err) != code || koban.ErrorKey(err) != key {
		t.Errorf("%s: %v, want %s %s", what, err, code, key)
	}
}

func wantField(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	var ke *koban.Error
	if !errors.As(err, &ke) || ke.Code != koban.Invalid || ke.Field != field || ke.Key != key {
		t.Errorf("%s: %v, want invalid %s %s", what, err, field, key)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	u := e.user("Officer@Pref13.example.jp", "pref-13", auth.RoleIntake)
	if u.Email != "officer@pref13.example.jp" {
		t.Errorf("e-mail stored as %q", u.Email)
	}
	token := e.login("  OFFICER@pref13.example.jp ", "192.0.2.1", auth.StageFull)
	p, err := e.svc.Authenticate(e.ctx, token, "192.0.2.2")
	if err != nil {
		t.Fatal(err)
	}
	want := auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: auth.RoleIntake, IP: "192.0.2.2", Via: "session"}
	if p != want {
		t.Errorf("principal %+v, want %+v", p, want)
	}
	if got := strings.Join(e.actions(u), " "); got != "user.create auth.password_ok" {
		t.Errorf("audit %q", got)
	}
	if _, err := e.db.Session(e.ctx, auth.HashToken(token)); err != nil {
		t.Errorf("the session is not stored under the token's hash: %v", err)
	}
	if _, err := e.db.Session(e.ctx, token); err == nil {
		t.Error("the plaintext token is stored")
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	e := newEnv(t)
	u := e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	tok1, _, unknown := e.svc.Login(e.ctx, "nobody@pref13.example.jp", password, "192.0.2.1")
	tok2, _, wrong := e.svc.Login(e.ctx, "officer@pref13.example.jp", "not the password at all", "192.0.2.1")
	_, _, empty := e.svc.Login(e.ctx, "officer@pref13.example.jp", "", "192.0.2.1")
	for name, err := range map[string]error{"unknown user": unknown, "wrong password": wrong, "empty password": empty} {
		wantErr(t, name, err, koban.Unauthorized, "auth.error.login_failed")
	}
	if unknown.Error() != wrong.Error() {
		t.Errorf("unknown user %q and wrong password %q can be told apart", unknown, wrong)
	}
	if tok1 != "" || tok2 != "" {
		t.Error("a failed login returned a token")
	}
	if got := e.stored(u.ID).FailedLogins; got != 2 {
		t.Errorf("%d failures counted, want 2", got)
	}
}

func TestLockout(t *testing.T) {
	e := newEnv(t)
	u := e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	other := e.user("colleague@pref13.example.jp", "pref-13", auth.RoleIntake)
	for i := 1; i <= 5; i++ {
		e.clock.Advance(time.Second)
		_, _, err := e.svc.Login(e.ctx, u.Email, "wrong password number "+strconv.Itoa(i), "192.0.2.1")
		wantErr(t, "wrong password "+strconv.Itoa(i), err, koban.Unauthorized, "auth.error.login_failed")
	}
	lockedAt := e.clock.Now()
	if s := e.stored(u.ID); !s.LockedUntil.Equal(lockedAt.Add(15 * time.Minute)) {
		t.Errorf("locked until %v, want %v", s.LockedUntil, lockedAt.Add(15*time.Minute))
	}
	rows, _ := e.db.AuditOf(e.ctx, "user", strconv.FormatInt(u.ID, 10))
	if last := rows[len(rows)-1]; last.Action != "auth.login_failed" || last.Detail != `{"locked":true}` {
		t.Errorf("last audit row %+v, want a locking auth.login_failed", last)
	}

	// Locked: even the right password is refused, from any address.
	_, _, err := e.svc.Login(e.ctx, u.Email, password, "198.51.100.1")
	wantErr(t, "right password while locked", err, koban.TooMany, "auth.error.too_many")
	e.clock.Advance(15*time.Minute - time.Second)
	_, _, err = e.svc.Login(e.ctx, u.Email, password, "198.51.100.2")
	wantErr(t, "right password a second before the lock ends", err, koban.TooMany, "auth.error.too_many")
	// The lock is per account.
	e.login(other.Email, "198.51.100.3", auth.StageFull)

	e.clock.Advance(time.Second)
	e.login(u.Email, "198.51.100.2", auth.StageFull)
	if s := e.stored(u.ID); s.FailedLogins != 0 || !s.LockedUntil.IsZero() {
		t.Errorf("after login: %d failures, locked until %v", s.FailedLogins, s.LockedUntil)
	}
}

func TestIPThrottle(t *testing.T) {
	e := newEnv(t)
	u := e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	for i := 0; i < 20; i++ {
		e.svc.Login(e.ctx, "spray"+strconv.Itoa(i)+"@example.jp", password, "203.0.113.66")
	}
	_, _, err := e.svc.Login(e.ctx, u.Email, password, "203.0.113.66")
	wantErr(t, "login from a throttled address", err, koban.TooMany, "auth.error.too_many")
	e.login(u.Email, "203.0.113.67", auth.StageFull)
	e.clock.Advance(10 * time.Minute)
	e.login(u.Email, "203.0.113.66", auth.StageFull)
}

func TestPartnerCannotLogIn(t *testing.T) {
	e := newEnv(t)
	e.addOrg(org.Org{Code: "jc3", Kind: org.KindPartner, NameJA: "JC3", NameEN: "JC3"})
	u := e.user("api@jc3.example.jp", "jc3", auth.RolePartner)
	_, _, err := e.svc.Login(e.ctx, u.Email, password, "198.51.100.4")
	wantErr(t, "partner web login", err, koban.Unauthorized, "auth.error.login_failed")
	plain, _, err := e.svc.CreateToken(e.ctx, audit.System, u.Email, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := e.svc.TokenPrincipal(e.ctx, plain, "198.51.100.4"); err != nil || p.Role != auth.RolePartner {
		t.Errorf("partner token: %+v, %v", p, err)
	}
}

// TestSecondFactorByDefault: every police organisation asks its officers
// for a second factor unless an administrator relaxed it (before, only
// administrators had to enrol, and investigators reached victims' contact
// details with a password alone).
func TestSecondFactorByDefault(t *testing.T) {
	e := newEnv(t)
	for _, code := range []string{"npa", "ncu", "rpb-kanto", "pref-27", "pref-01"} {
		o, _ := e.tree.ByCode(code)
		if !o.RequireTOTP {
			t.Errorf("%s does not require a second factor", code)
		}
	}
	for i, role := range []auth.Role{auth.RoleIntake, auth.RoleInvestigator, auth.RoleAnalyst, auth.RoleSupervisor} {
		u := e.user("officer"+strconv.Itoa(i)+"@pref27.example.jp", "pref-27", role)
		e.login(u.Email, "192.0.2.1", auth.StageEnroll)
	}
	// Relaxed (pref-13, in newEnv): a password is enough for officers, never
	// for administrators.
	e.login(e.user("officer@pref13.example.jp", "pref-13", auth.RoleInvestigator).Email, "192.0.2.1", auth.StageFull)
	e.login(e.user("admin@pref13.example.jp", "pref-13", auth.RoleAdmin).Email, "192.0.2.1", auth.StageEnroll)
}

func TestRequireTOTPOrg(t *testing.T) {
	e := newEnv(t)
	e.addOrg(org.Org{Code: "pref-13-cyber", ParentID: e.orgID("pref-13"), Kind: org.KindUnit, NameJA: "サイバー", NameEN: "Cyber", RequireTOTP: true})
	u := e.user("officer@cyber.example.jp", "pref-13-cyber", auth.RoleIntake)
	e.login(u.Email, "192.0.2.1", auth.StageEnroll)
}

func TestEnrollAndTOTP(t *testing.T) {
	e := newEnv(t)
	u := e.user("admin@npa.example.jp", "npa", auth.RoleAdmin)
	pending := e.login(u.Email, "192.0.2.1", auth.StageEnroll)

	_, err := e.svc.Authenticate(e.ctx, pending, "192.0.2.1")
	wantErr(t, "Authenticate with a session waiting for enrolment", err, koban.Unauthorized, "auth.error.session")
	_, err = e.svc.CompleteTOTP(e.ctx, pending, "123456", "192.0.2.1")
	wantErr(t, "CompleteTOTP at the enrol stage", err, koban.Unauthorized, "auth.error.session")
	_, err = e.svc.ConfirmEnroll(e.ctx, pending, "123456", "192.0.2.1")
	wantErr(t, "ConfirmEnroll before BeginEnroll", err, koban.Invalid, "auth.error.session")

	first, _, _, err := e.svc.BeginEnroll(e.ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	secret, otpURL, png, err := e.svc.BeginEnroll(e.ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	if secret != first {
		t.Error("BeginEnroll twice gave two keys: a reload must show the key the user has just scanned")
	}
	if u, err := url.Parse(otpURL); err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != secret || u.Query().Get("issuer") != "koban" {
		t.Errorf("otpauth URL %q", otpURL)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Error("QR code is not a PNG")
	}
	if s := e.stored(u.ID); s.TOTPSecret != "" {
		t.Error("the secret reached the user before a code confirmed it")
	}

	// A wrong code keeps the key (before, the page showed a new QR code
	// and the user went round in circles); it counts as a failure.
	_, err = e.svc.ConfirmEnroll(e.ctx, pending, e.wrongCode(secret), "192.0.2.1")
	wantField(t, "wrong code", err, "code", "auth.error.totp")
	if again, _, _, err := e.svc.BeginEnroll(e.ctx, pending); err != nil || again != secret {
		t.Errorf("after a wrong code the key is %q (%v), want the one scanned", again, err)
	}
	if s := e.stored(u.ID); s.FailedLogins != 1 {
		t.Errorf("%d failures counted for one wrong code", s.FailedLogins)
	}

	enrolCode := e.code(secret)
	full, err := e.svc.ConfirmEnroll(e.ctx, pending, enrolCode, "192.0.2.1")
	if err != nil {
		t.Fatalf("ConfirmEnroll: %v", err)
	}
	if full == pending {
		t.Error("the session id did not change when the second factor was given")
	}
	if p, err := e.svc.Authenticate(e.ctx, full, "192.0.2.1"); err != nil || p.Role != auth.RoleAdmin || p.UserID != u.ID {
		t.Errorf("Authenticate after enrolment: %+v, %v", p, err)
	}
	if _, _, _, err := e.svc.BeginEnroll(e.ctx, pending); err == nil {
		t.Error("the enrolment session is still usable")
	}
	if s := e.stored(u.ID); s.TOTPSecret != secret || s.TOTPLastStep != auth.TOTPStep(e.clock.Now()) || s.FailedLogins != 0 {
		t.Errorf("after enrolment: secret %q step %d failures %d", s.TOTPSecret, s.TOTPLastStep, s.FailedLogins)
	}

	// From now on a password leads to the TOTP stage.
	pending = e.login(u.Email, "192.0.2.1", auth.StageTOTP)
	_, err = e.svc.Authenticate(e.ctx, pending, "192.0.2.1")
	wantErr(t, "Authenticate with a session waiting for a code", err, koban.Unauthorized, "auth.error.session")
	_, err = e.svc.CompleteTOTP(e.ctx, pending, enrolCode, "192.0.2.1")
	wantField(t, "the enrolment code again", err, "code", "auth.error.totp")

	e.clock.Advance(30 * time.Second)
	code := e.code(secret)
	// As a Japanese IME may type it: full-width digits and a space.
	wide := strings.Map(func(r rune) rune { return r - '0' + '０' }, code[:3]) + "　" + code[3:]
	full, err = e.svc.CompleteTOTP(e.ctx, pending, wide, "192.0.2.1")
	if err != nil {
		t.Fatalf("CompleteTOTP: %v", err)
	}
	if _, err := e.svc.Authenticate(e.ctx, full, "192.0.2.1"); err != nil {
		t.Errorf("Authenticate after CompleteTOTP: %v", err)
	}
	_, err = e.svc.CompleteTOTP(e.ctx, pending, e.code(secret), "192.0.2.1")
	wantErr(t, "the used TOTP session again", err, koban.Unauthorized, "auth.error.session")

	// The same code, replayed on a fresh login within its validity, is refused.
	pending = e.login(u.Email, "192.0.2.9", auth.StageTOTP)
	_, err = e.svc.CompleteTOTP(e.ctx, pending, code, "192.0.2.9")
	wantField(t, "replayed code", err, "code", "auth.error.totp")
	// The next step's code still works.
	e.clock.Advance(30 * time.Second)
	if _, err := e.svc.CompleteTOTP(e.ctx, pending, e.code(secret), "192.0.2.9"); err != nil {
		t.Errorf("next code after a refused replay: %v", err)
	}

	// A session waiting for its code expires after ten minutes.
	pending = e.login(u.Email, "192.0.2.1", auth.StageTOTP)
	e.clock.Advance(10*time.Minute + time.Second)
	_, err = e.svc.CompleteTOTP(e.ctx, pending, e.code(secret), "192.0.2.1")
	wantErr(t, "expired TOTP session", err, koban.Unauthorized, "auth.error.session")

	want := []string{"user.create", "auth.password_ok", "auth.totp_failed", "auth.totp_enrolled", "auth.login"}
	if got := e.actions(u); len(got) < len(want) || strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
		t.Errorf("audit %v, want it to start %v", got, want)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	e := newEnv(t)
	u := e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	token := e.login(u.Email, "192.0.2.1", auth.StageFull)
	for i := 0; i < 4; i++ {
		e.clock.Advance(29 * time.Minute)
		if _, err := e.svc.Authenticate(e.ctx, token, "192.0.2.1"); err != nil {
			t.Fatalf("active session refused after %d idle periods: %v", i+1, err)
		}
	}
	e.clock.Advance(30 * time.Minute)
	_, err := e.svc.Authenticate(e.ctx, token, "192.0.2.1")
	wantErr(t, "session idle for 30 minutes", err, koban.Unauthorized, "auth.error.session")
}

func TestSessionMaxLifetime(t *testing.T) {
	e := newEnv(t)
	u := e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	token := e.login(u.Email, "192.0.2.1", auth.StageFull)
	start := e.clock.Now()
	for e.clock.Now().Sub(start) < 12*time.Hour-20*time.Minute {
		e.clock.Advance(20 * time.Minute)
		if _, err := e.svc.Authenticate(e.ctx, token, "192.0.2.1"); err != nil {
			t.Fatalf("active session refused after %v: %v", e.clock.Now().Sub(start), err)
		}
	}
	e.clock.Advance(20 * time.Minute)
	if d := e.clock.Now().Sub(start); d != 12*time.Hour {
		t.Fatalf("test arithmetic: %v", d)
	}
	_, err := e.svc.Authenticate(e.ctx, token, "192.0.2.1")
	wantErr(t, "session after 12 hours of activity", err, koban.Unauthorized, "auth.error.session")
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	u := e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	token := e.login(u.Email, "192.0.2.1", auth.StageFull)
	other := e.login(u.Email, "192.0.2.1", auth.StageFull)
	if err := e.svc.Logout(e.ctx, token); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Authenticate(e.ctx, token, "192.0.2.1")
	wantErr(t, "Authenticate after Logout", err, koban.Unauthorized, "auth.error.session")
	if _, err := e.svc.Authenticate(e.ctx, other, "192.0.2.1"); err != nil {
		t.Errorf("Logout ended another session: %v", err)
	}
	if err := e.svc.Logout(e.ctx, token); err != nil {
		t.Errorf("Logout twice: %v", err)
	}
	for _, bad := range []string{"", "kss_", "kss_unknown", other + "x"} {
		_, err := e.svc.Authenticate(e.ctx, bad, "192.0.2.1")
		wantErr(t, "Authenticate("+bad+")", err, koban.Unauthorized, "auth.error.session")
	}
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	e.addOrg(org.Org{Code: "jc3", Kind: org.KindPartner, NameJA: "JC3", NameEN: "JC3"})
	u := e.user("api@jc3.example.jp", "jc3", auth.RolePartner)
	admin := audit.Actor{UserID: 1, Label: "admin@npa.example.jp"}

	_, _, err := e.svc.CreateToken(e.ctx, admin, u.Email, "  ")
	wantField(t, "token without a name", err, "name", "auth.error.token_name")
	_, _, err = e.svc.CreateToken(e.ctx, admin, "nobody@example.jp", "ci")
	if koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("token for an unknown user: %v", err)
	}

	plain, tok, err := e.svc.CreateToken(e.ctx, admin, " API@jc3.example.jp ", " ci ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, auth.APITokenPrefix) || tok.Hash != auth.HashToken(plain) || tok.Name != "ci" || tok.UserID != u.ID {
		t.Errorf("token %q %+v", plain, tok)
	}
	p, err := e.svc.TokenPrincipal(e.ctx, plain, "198.51.100.20")
	want := auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: auth.RolePartner, IP: "198.51.100.20", Via: "token"}
	if err != nil || p != want {
		t.Errorf("TokenPrincipal = %+v, %v; want %+v", p, err, want)
	}
	lastUsed := func() time.Time {
		t.Helper()
		list, err := e.db.Tokens(e.ctx, u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("Tokens = %+v, %v", list, err)
		}
		return list[0].LastUsedAt
	}
	if got := lastUsed(); !got.Equal(now0) {
		t.Errorf("last used %v, want %v", got, now0)
	}
	e.clock.Advance(30 * time.Second)
	e.svc.TokenPrincipal(e.ctx, plain, "198.51.100.20")
	if got := lastUsed(); !got.Equal(now0) {
		t.Errorf("last use written again within a minute: %v", got)
	}
	e.clock.Advance(time.Minute)
	e.svc.TokenPrincipal(e.ctx, plain, "198.51.100.20")
	if got := lastUsed(); !got.Equal(e.clock.Now()) {
		t.Errorf("last used %v, want %v", got, e.clock.Now())
	}

	session := e.login(e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake).Email, "192.0.2.1", auth.StageFull)
	unknown, _ := auth.NewAPIToken()
	for name, bad := range map[string]string{
		"empty": "", "session token": session, "unknown token": unknown, "upper case": strings.ToUpper(plain),
		"no prefix": strings.TrimPrefix(plain, auth.APITokenPrefix), "hash": tok.Hash,
	} {
		_, err := e.svc.TokenPrincipal(e.ctx, bad, "198.51.100.20")
		wantErr(t, name, err, koban.Unauthorized, "auth.error.token")
	}

	if err := e.svc.RevokeToken(e.ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.TokenPrincipal(e.ctx, plain, "198.51.100.20")
	wantErr(t, "revoked token", err, koban.Unauthorized, "auth.error.token")
	if err := e.svc.RevokeToken(e.ctx, admin, tok.ID); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if err := e.svc.RevokeToken(e.ctx, admin, 987_654); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("revoking an unknown token: %v", err)
	}
	rows, _ := e.db.AuditOf(e.ctx, "token", strconv.FormatInt(tok.ID, 10))
	if len(rows) != 1 || rows[0].Action != "token.revoke" || rows[0].ActorID != admin.UserID {
		t.Errorf("revocation audit %+v", rows)
	}
	if got := strings.Join(e.actions(u), " "); got != "user.create token.create" {
		t.Errorf("audit of the partner %q", got)
	}
}

// disable disables an account the way the admin service does.
func (e *env) disable(u *auth.User) {
	e.t.Helper()
	err := e.db.SetUserDisabled(e.ctx, u.ID, true, audit.Entry{Actor: audit.System, Action: "user.disable", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)})
	if err != nil {
		e.t.Fatal(err)
	}
}

func TestDisabledUser(t *testing.T) {
	e := newEnv(t)
	e.addOrg(org.Org{Code: "jc3", Kind: org.KindPartner, NameJA: "JC3", NameEN: "JC3"})
	partner := e.user("api@jc3.example.jp", "jc3", auth.RolePartner)
	plain, _, err := e.svc.CreateToken(e.ctx, audit.System, partner.Email, "ci")
	if err != nil {
		t.Fatal(err)
	}
	officer := e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	session := e.login(officer.Email, "192.0.2.1", auth.StageFull)
	admin := e.user("admin@npa.example.jp", "npa", auth.RoleAdmin)
	enrol := e.login(admin.Email, "192.0.2.1", auth.StageEnroll)

	e.disable(partner)
	e.disable(officer)
	e.disable(admin)

	_, err = e.svc.TokenPrincipal(e.ctx, plain, "198.51.100.20")
	wantErr(t, "token of a disabled user", err, koban.Unauthorized, "auth.error.token")
	_, err = e.svc.Authenticate(e.ctx, session, "192.0.2.1")
	wantErr(t, "session of a disabled user", err, koban.Unauthorized, "auth.error.session")
	_, _, err = e.svc.Login(e.ctx, officer.Email, password, "192.0.2.1")
	wantErr(t, "login of a disabled user", err, koban.Unauthorized, "auth.error.login_failed")
	_, _, _, err = e.svc.BeginEnroll(e.ctx, enrol)
	wantErr(t, "enrolment of a disabled user", err, koban.Unauthorized, "auth.error.session")

	// Enabled again: the token was never revoked and works; a new login works.
	if err := e.db.SetUserDisabled(e.ctx, partner.ID, false, audit.Entry{Actor: audit.System, Action: "user.enable", ObjectType: "user"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TokenPrincipal(e.ctx, plain, "198.51.100.20"); err != nil {
		t.Errorf("token after enabling the user again: %v", err)
	}
	if err := e.db.SetUserDisabled(e.ctx, officer.ID, false, audit.Entry{Actor: audit.System, Action: "user.enable", ObjectType: "user"}); err != nil {
		t.Fatal(err)
	}
	e.login(officer.Email, "192.0.2.1", auth.StageFull)
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	if n, err := e.svc.CountUsers(e.ctx); err != nil || n != 0 {
		t.Fatalf("CountUsers = %d, %v", n, err)
	}
	u := e.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	if u.ID == 0 || u.OrgID != e.orgID("pref-13") || u.Role != auth.RoleIntake || !u.CreatedAt.Equal(now0) {
		t.Errorf("user %+v", u)
	}
	h := auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1}}
	if ok, err := h.Verify(u.PasswordHash, password); err != nil || !ok {
		t.Errorf("stored hash does not verify the password: %v", err)
	}
	if got, err := e.svc.User(e.ctx, u.ID); err != nil || got.Email != u.Email {
		t.Errorf("User = %+v, %v", got, err)
	}
	nu := func(mod func(*auth.NewUser)) error {
		n := auth.NewUser{Email: "new@pref13.example.jp", Name: "新人", OrgCode: "pref-13", Role: auth.RoleIntake, Password: password}
		mod(&n)
		_, err := e.svc.CreateUser(e.ctx, audit.System, n)
		return err
	}
	wantField(t, "e-mail without @", nu(func(n *auth.NewUser) { n.Email = "new.example.jp" }), "email", "auth.error.email")
	wantField(t, "unknown org", nu(func(n *auth.NewUser) { n.OrgCode = "pref-99" }), "org", "auth.error.org")
	wantField(t, "unknown role", nu(func(n *auth.NewUser) { n.Role = "boss" }), "role", "auth.role_unknown")
	wantField(t, "short password", nu(func(n *auth.NewUser) { n.Password = "short pw" }), "password", "auth.password_too_short")
	// The e-mail is taken whatever its case. The store reports it as an
	// Invalid field error (auth.Store's comment promises Conflict).
	wantField(t, "e-mail taken", nu(func(n *auth.NewUser) { n.Email = " OFFICER@pref13.example.jp" }), "email", "auth.error.email_taken")
	if n, _ := e.svc.CountUsers(e.ctx); n != 1 {
		t.Errorf("%d users after refused creations", n)
	}
}

// TestTOTPGuessingStopsAtLock: five wrong codes lock the account, as five
// wrong passwords do; the session already waiting for a code must then stop
// accepting guesses, or the lock does not bound guessing of the second factor.
func TestTOTPGuessingStopsAtLock(t *testing.T) {
	e := newEnv(t)
	u := e.user("admin@npa.example.jp", "npa", auth.RoleAdmin)
	pending := e.login(u.Email, "192.0.2.1", auth.StageEnroll)
	secret, _, _, err := e.svc.BeginEnroll(e.ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmEnroll(e.ctx, pending, e.code(secret), "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	pending = e.login(u.Email, "192.0.2.1", auth.StageTOTP)
	for i := 0; i < 5; i++ {
		_, err := e.svc.CompleteTOTP(e.ctx, pending, e.wrongCode(secret), "192.0.2.1")
		wantField(t, "wrong code", err, "code", "auth.error.totp")
	}
	if s := e.stored(u.ID); !s.LockedUntil.After(e.clock.Now()) {
		t.Fatalf("five wrong codes did not lock the account (locked until %v)", s.LockedUntil)
	}
	if _, err := e.svc.CompleteTOTP(e.ctx, pending, e.code(secret), "192.0.2.1"); err == nil {
		t.Error("the right code after five wrong ones signed in a locked account")
	}
}
