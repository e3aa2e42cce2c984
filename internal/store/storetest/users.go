package storetest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

func (f *fixture) loadUser(id int64) *auth.User {
	f.t.Helper()
	u, err := f.db.User(f.ctx, id)
	if err != nil {
		f.t.Fatalf("User(%d): %v", id, err)
	}
	return u
}

func testUsers(t *testing.T, f *fixture) {
	n, err := f.db.CountUsers(f.ctx)
	if err != nil || n != 0 {
		t.Fatalf("CountUsers on a fresh database: %d, %v", n, err)
	}
	b := f.user("b@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	a := f.user("a@pref13.example.jp", "pref-13", auth.RoleAnalyst)
	c := f.user("c@pref27.example.jp", "pref-27", auth.RoleSupervisor)
	for _, u := range []*auth.User{a, b, c} {
		if d := diff(u, f.loadUser(u.ID)); d != nil {
			t.Errorf("User(%d) differs: %v", u.ID, d)
		}
		got, err := f.db.UserByEmail(f.ctx, u.Email)
		if err != nil {
			t.Fatalf("UserByEmail(%s): %v", u.Email, err)
		}
		if d := diff(u, got); d != nil {
			t.Errorf("UserByEmail(%s) differs: %v", u.Email, d)
		}
		rows := f.auditOf("user", u.ID)
		if len(rows) != 1 || rows[0].Action != "user.create" || rows[0].ObjectID != strconv.FormatInt(u.ID, 10) {
			t.Errorf("audit of user %d: %+v", u.ID, rows)
		}
	}
	if n, err := f.db.CountUsers(f.ctx); err != nil || n != 3 {
		t.Errorf("CountUsers = %d, %v; want 3", n, err)
	}
	emails := func(orgCodes ...string) string {
		t.Helper()
		var ids []int64
		for _, c := range orgCodes {
			ids = append(ids, f.orgID(c))
		}
		us, err := f.db.Users(f.ctx, ids)
		if err != nil {
			t.Fatalf("Users: %v", err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Email)
		}
		return strings.Join(out, " ")
	}
	if got := emails("pref-13"); got != "a@pref13.example.jp b@pref13.example.jp" {
		t.Errorf("Users(pref-13) = %q", got)
	}
	if got := emails("pref-27", "pref-13"); got != "a@pref13.example.jp b@pref13.example.jp c@pref27.example.jp" {
		t.Errorf("Users(pref-27, pref-13) = %q", got)
	}
	if got := emails("npa"); got != "" {
		t.Errorf("Users(npa) = %q: users are listed by their own organisation only", got)
	}
	if got := emails(); got != "" {
		t.Errorf("Users() = %q", got)
	}
}

func testDuplicateEmail(t *testing.T, f *fixture) {
	f.user("dup@example.jp", "pref-13", auth.RoleIntake)
	before := f.verified()
	u := &auth.User{Email: "dup@example.jp", OrgID: f.orgID("pref-27"), Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: t0}
	err := f.db.CreateUser(f.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"})
	// What the store does today: an Invalid field error on "email", so the
	// form shows it next to the field. (auth.Store's comment says Conflict.)
	wantFieldError(t, "duplicate e-mail", err, koban.Invalid, "email", "auth.error.email_taken")
	if n := f.verified(); n != before {
		t.Errorf("refused CreateUser wrote %d audit rows", n-before)
	}
	if n, _ := f.db.CountUsers(f.ctx); n != 1 {
		t.Errorf("%d users after a refused duplicate", n)
	}

	// An organisation that does not exist is refused too, without a trace.
	u = &auth.User{Email: "ghost@example.jp", OrgID: 987_654, Role: auth.RoleIntake, PasswordHash: "x", CreatedAt: t0}
	if err := f.db.CreateUser(f.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err == nil {
		t.Error("CreateUser accepted an unknown organisation")
	}
	if n := f.verified(); n != before {
		t.Errorf("refused CreateUser wrote %d audit rows", n-before)
	}
}

func testLoginFailed(t *testing.T, f *fixture) {
	u := f.user("officer@example.jp", "pref-13", auth.RoleIntake)
	actor := audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email, IP: "198.51.100.1"}
	fail := func(lock time.Time) {
		t.Helper()
		e := audit.Entry{Actor: actor, Action: "auth.login_failed", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10),
			Detail: map[string]any{"locked": !lock.IsZero()}}
		if err := f.db.LoginFailed(f.ctx, u.ID, lock, e); err != nil {
			t.Fatalf("LoginFailed: %v", err)
		}
	}
	fail(time.Time{})
	fail(time.Time{})
	if got := f.loadUser(u.ID); got.FailedLogins != 2 || !got.LockedUntil.IsZero() {
		t.Errorf("after two failures: %d failures, locked until %v", got.FailedLogins, got.LockedUntil)
	}
	until := t0.Add(15*time.Minute + time.Microsecond)
	fail(until)
	if got := f.loadUser(u.ID); got.FailedLogins != 0 || !got.LockedUntil.Equal(until) {
		t.Errorf("after locking: %d failures, locked until %v, want 0 and %v", got.FailedLogins, got.LockedUntil, until)
	}
	fail(time.Time{})
	if got := f.loadUser(u.ID); got.FailedLogins != 1 || !got.LockedUntil.Equal(until) {
		t.Errorf("a failure after locking: %d failures, locked until %v", got.FailedLogins, got.LockedUntil)
	}
	ok := audit.Entry{Actor: actor, Action: "auth.password_ok", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}
	if err := f.db.LoginSucceeded(f.ctx, u.ID, ok); err != nil {
		t.Fatal(err)
	}
	if got := f.loadUser(u.ID); got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
		t.Errorf("after success: %d failures, locked until %v", got.FailedLogins, got.LockedUntil)
	}
	rows := f.auditOf("user", u.ID)
	want := "user.create auth.login_failed auth.login_failed auth.login_failed auth.login_failed auth.password_ok"
	if got := strings.Join(actions(rows), " "); got != want {
		t.Errorf("audit actions %q, want %q", got, want)
	}
	if rows[3].Detail != `{"locked":true}` || rows[3].ActorID != u.ID || rows[3].IP != "198.51.100.1" {
		t.Errorf("locking audit row %+v", rows[3])
	}
}

func testTOTPStep(t *testing.T, f *fixture) {
	u := f.user("admin@example.jp", "npa", auth.RoleAdmin)
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	e := audit.Entry{Actor: audit.Actor{UserID: u.ID, Label: u.Email}, Action: "auth.totp_enrolled", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}
	if err := f.db.SetTOTP(f.ctx, u.ID, secret, 1000, e); err != nil {
		t.Fatal(err)
	}
	if got := f.loadUser(u.ID); got.TOTPSecret != secret || got.TOTPLastStep != 1000 {
		t.Errorf("after SetTOTP: secret %q step %d", got.TOTPSecret, got.TOTPLastStep)
	}
	for i, c := range []struct {
		step int64
		ok   bool
	}{
		{1000, false}, // the step that confirmed enrolment
		{999, false},
		{1001, true},
		{1001, false}, // replay
		{1003, true},
		{1002, false}, // an older code after a newer one
		{1004, true},
	} {
		ok, err := f.db.UseTOTPStep(f.ctx, u.ID, c.step)
		if err != nil || ok != c.ok {
			t.Errorf("use %d: UseTOTPStep(%d) = %v, %v; want %v", i, c.step, ok, err, c.ok)
		}
	}
	if got := f.loadUser(u.ID); got.TOTPLastStep != 1004 {
		t.Errorf("last step %d, want 1004", got.TOTPLastStep)
	}
	if ok, err := f.db.UseTOTPStep(f.ctx, 987_654, 5000); ok || err != nil {
		t.Errorf("UseTOTPStep of an unknown user = %v, %v", ok, err)
	}
	if got := strings.Join(actions(f.auditOf("user", u.ID)), " "); got != "user.create auth.totp_enrolled" {
		t.Errorf("audit actions %q", got)
	}
}

func (f *fixture) loadSession(h string) *auth.Session {
	f.t.Helper()
	s, err := f.db.Session(f.ctx, h)
	if err != nil {
		f.t.Fatalf("Session: %v", err)
	}
	return s
}

func testSessions(t *testing.T, f *fixture) {
	u := f.user("officer@example.jp", "pref-13", auth.RoleIntake)
	_, h1 := auth.NewSessionID()
	_, h2 := auth.NewSessionID()
	s1 := auth.Session{IDHash: h1, UserID: u.ID, Stage: auth.StageEnroll, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	s2 := auth.Session{IDHash: h2, UserID: u.ID, Stage: auth.StageFull, CreatedAt: t0, LastSeenAt: t0.Add(time.Microsecond), ExpiresAt: t0.Add(12 * time.Hour)}
	for _, s := range []auth.Session{s1, s2} {
		if err := f.db.CreateSession(f.ctx, s); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		if d := diff(&s, f.loadSession(s.IDHash)); d != nil {
			t.Errorf("session differs: %v", d)
		}
	}
	if err := f.db.CreateSession(f.ctx, s1); err == nil {
		t.Error("CreateSession accepted a second session with the same id")
	}
	bad := s1
	bad.IDHash, bad.UserID = auth.HashToken("kss_other"), 987_654
	if err := f.db.CreateSession(f.ctx, bad); err == nil {
		t.Error("CreateSession accepted an unknown user")
	}

	const pending = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	if err := f.db.SetSessionPending(f.ctx, h1, pending); err != nil {
		t.Fatal(err)
	}
	s1.Pending = pending
	if d := diff(&s1, f.loadSession(h1)); d != nil {
		t.Errorf("after SetSessionPending: %v", d)
	}

	seen, expires := t0.Add(5*time.Minute+time.Microsecond), t0.Add(11*time.Hour)
	if err := f.db.TouchSession(f.ctx, h2, seen, expires); err != nil {
		t.Fatal(err)
	}
	s2.LastSeenAt, s2.ExpiresAt = seen, expires
	if d := diff(&s2, f.loadSession(h2)); d != nil {
		t.Errorf("after TouchSession: %v", d)
	}

	if err := f.db.DeleteSession(f.ctx, h1); err != nil {
		t.Fatal(err)
	}
	_, err := f.db.Session(f.ctx, h1)
	wantNotFound(t, "deleted session", err)
	if err := f.db.DeleteSession(f.ctx, h1); err != nil {
		t.Errorf("deleting a deleted session: %v", err)
	}
	f.loadSession(h2) // the other session is untouched
}

func testDeleteExpiredSessions(t *testing.T, f *fixture) {
	u := f.user("officer@example.jp", "pref-13", auth.RoleIntake)
	expiries := map[string]time.Duration{"long ago": -time.Hour, "just past": -time.Second, "soon": time.Second, "later": time.Hour}
	hashes := map[string]string{}
	for name, d := range expiries {
		_, h := auth.NewSessionID()
		hashes[name] = h
		if err := f.db.CreateSession(f.ctx, auth.Session{IDHash: h, UserID: u.ID, Stage: auth.StageFull, CreatedAt: t0.Add(-2 * time.Hour),
			LastSeenAt: t0.Add(-2 * time.Hour), ExpiresAt: t0.Add(d)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.db.DeleteExpiredSessions(f.ctx, t0)
	if err != nil || n != 2 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	for name, d := range expiries {
		_, err := f.db.Session(f.ctx, hashes[name])
		switch {
		case d < 0 && koban.ErrorCode(err) != koban.NotFound:
			t.Errorf("session %q (expired) still there: %v", name, err)
		case d > 0 && err != nil:
			t.Errorf("session %q (not expired) gone: %v", name, err)
		}
	}
	if n, err := f.db.DeleteExpiredSessions(f.ctx, t0); err != nil || n != 0 {
		t.Errorf("second DeleteExpiredSessions = %d, %v; want 0", n, err)
	}
}

func testTokens(t *testing.T, f *fixture) {
	u := f.user("partner@example.jp", "pref-13", auth.RolePartner)
	other := f.user("other@example.jp", "pref-13", auth.RolePartner)
	uid := strconv.FormatInt(u.ID, 10)
	mk := func(name string) *auth.APIToken {
		t.Helper()
		_, h := auth.NewAPIToken()
		tok := &auth.APIToken{UserID: u.ID, Name: name, Hash: h, CreatedAt: f.clock.Now()}
		e := audit.Entry{Actor: audit.System, Action: "token.create", ObjectType: "user", ObjectID: uid, Detail: map[string]any{"name": name}}
		if err := f.db.CreateToken(f.ctx, tok, e); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if tok.ID == 0 {
			t.Fatal("CreateToken did not set ID")
		}
		return tok
	}
	t1 := mk("ci")
	f.clock.Advance(time.Second)
	t2 := mk("batch")
	loadTok := func(tok *auth.APIToken) *auth.APIToken {
		t.Helper()
		got, err := f.db.TokenByHash(f.ctx, tok.Hash)
		if err != nil {
			t.Fatalf("TokenByHash: %v", err)
		}
		return got
	}
	if d := diff(t1, loadTok(t1)); d != nil {
		t.Errorf("token differs: %v", d)
	}
	rows := f.auditOf("user", u.ID)
	if got := strings.Join(actions(rows), " "); got != "user.create token.create token.create" {
		t.Fatalf("audit actions %q", got)
	}
	var detail map[string]any
	if err := json.Unmarshal([]byte(rows[1].Detail), &detail); err != nil || fmt.Sprint(detail["token_id"]) != strconv.FormatInt(t1.ID, 10) || detail["name"] != "ci" {
		t.Errorf("token.create detail %q, want token_id %d and name", rows[1].Detail, t1.ID)
	}

	used := t0.Add(time.Minute + time.Microsecond)
	if err := f.db.TouchToken(f.ctx, t1.ID, used); err != nil {
		t.Fatal(err)
	}
	t1.LastUsedAt = used
	if d := diff(t1, loadTok(t1)); d != nil {
		t.Errorf("after TouchToken: %v", d)
	}

	f.clock.Advance(time.Hour)
	revoke := audit.Entry{Actor: audit.System, Action: "token.revoke", ObjectType: "token", ObjectID: strconv.FormatInt(t1.ID, 10)}
	if err := f.db.RevokeToken(f.ctx, t1.ID, revoke); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	t1.RevokedAt = f.clock.Now()
	if d := diff(t1, loadTok(t1)); d != nil {
		t.Errorf("after RevokeToken: %v", d)
	}
	f.clock.Advance(time.Hour)
	if err := f.db.RevokeToken(f.ctx, t1.ID, revoke); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if d := diff(t1, loadTok(t1)); d != nil {
		t.Errorf("second revocation changed the token: %v", d)
	}
	if rows := f.auditOf("token", t1.ID); len(rows) != 1 || rows[0].Action != "token.revoke" {
		t.Errorf("audit of revoked token: %+v, want one token.revoke", rows)
	}

	list, err := f.db.Tokens(f.ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].ID != t1.ID || list[1].ID != t2.ID || list[1].Name != "batch" || list[0].RevokedAt.IsZero() {
		t.Errorf("Tokens = %+v, %v", list, err)
	}
	if list, err := f.db.Tokens(f.ctx, other.ID); err != nil || len(list) != 0 {
		t.Errorf("Tokens of a user with none = %+v, %v", list, err)
	}

	dup := &auth.APIToken{UserID: other.ID, Name: "copy", Hash: t2.Hash, CreatedAt: t0}
	if err := f.db.CreateToken(f.ctx, dup, audit.Entry{Actor: audit.System, Action: "token.create", ObjectType: "user", Detail: map[string]any{}}); err == nil {
		t.Error("CreateToken accepted a hash already in use")
	}
}

// testCreateTokenWithoutDetail: every other write accepts an entry without
// Detail; CreateToken must not need one either.
func testCreateTokenWithoutDetail(t *testing.T, f *fixture) {
	u := f.user("partner@example.jp", "pref-13", auth.RolePartner)
	_, h := auth.NewAPIToken()
	tok := &auth.APIToken{UserID: u.ID, Name: "ci", Hash: h, CreatedAt: t0}
	e := audit.Entry{Actor: audit.System, Action: "token.create", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		err = f.db.CreateToken(f.ctx, tok, e)
	}()
	if err != nil {
		t.Fatalf("CreateToken with an entry without Detail: %v", err)
	}
	if _, err := f.db.TokenByHash(f.ctx, h); err != nil {
		t.Errorf("token not stored: %v", err)
	}
}

func testSetUserDisabled(t *testing.T, f *fixture) {
	u := f.user("officer@example.jp", "pref-13", auth.RoleIntake)
	other := f.user("other@example.jp", "pref-13", auth.RoleIntake)
	var hashes []string
	for _, id := range []int64{u.ID, u.ID, other.ID} {
		_, h := auth.NewSessionID()
		hashes = append(hashes, h)
		if err := f.db.CreateSession(f.ctx, auth.Session{IDHash: h, UserID: id, Stage: auth.StageFull, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(action string) audit.Entry {
		return audit.Entry{Actor: audit.System, Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}
	}
	if err := f.db.SetUserDisabled(f.ctx, u.ID, true, entry("user.disable")); err != nil {
		t.Fatalf("SetUserDisabled: %v", err)
	}
	if !f.loadUser(u.ID).Disabled || f.loadUser(other.ID).Disabled {
		t.Error("the wrong account is disabled")
	}
	for i, h := range hashes {
		_, err := f.db.Session(f.ctx, h)
		if i < 2 && koban.ErrorCode(err) != koban.NotFound {
			t.Errorf("session %d of the disabled user survives: %v", i, err)
		}
		if i == 2 && err != nil {
			t.Errorf("another user's session ended: %v", err)
		}
	}
	if err := f.db.SetUserDisabled(f.ctx, u.ID, false, entry("user.enable")); err != nil {
		t.Fatal(err)
	}
	if f.loadUser(u.ID).Disabled {
		t.Error("still disabled after enabling")
	}
	before := f.verified()
	wantNotFound(t, "SetUserDisabled of an unknown user", f.db.SetUserDisabled(f.ctx, 987_654, true, entry("user.disable")))
	if f.verified() != before {
		t.Error("refused SetUserDisabled was audited")
	}
	if got := strings.Join(actions(f.auditOf("user", u.ID)), " "); got != "user.create user.disable user.enable" {
		t.Errorf("audit actions %q", got)
	}
}
