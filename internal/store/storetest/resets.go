package storetest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// session stores a full session of u with the given id hash.
func (f *fixture) session(u *auth.User, idHash string) {
	f.t.Helper()
	now := f.clock.Now()
	if err := f.db.CreateSession(f.ctx, auth.Session{IDHash: idHash, UserID: u.ID, Stage: auth.StageFull, CreatedAt: now,
		LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		f.t.Fatalf("CreateSession: %v", err)
	}
}

// testAdminResets: an administrator's resets and moves change the one
// account, end all its sessions (another account's stay) and write their
// audit row with the count, in one transaction; an officer's own new
// password clears the demand to change it; an unknown account is NotFound
// and writes nothing.
func testAdminResets(t *testing.T, f *fixture) {
	u := f.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	other := f.user("other@pref13.example.jp", "pref-13", auth.RoleIntake)
	f.session(other, "other-1")
	by := audit.Actor{UserID: 99, Label: "admin@pref13.example.jp"}
	entry := func(action string) audit.Entry {
		return audit.Entry{Actor: by, Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}
	}
	if err := f.db.SetTOTP(f.ctx, u.ID, "SECRET", 1234, entry("auth.totp_enrolled")); err != nil {
		t.Fatal(err)
	}
	f.db.LoginFailed(f.ctx, u.ID, f.clock.Now().Add(time.Hour), entry("auth.login_failed"))

	f.session(u, "a-1")
	f.session(u, "a-2")
	n, err := f.db.ResetPassword(f.ctx, u.ID, "$argon2id$one-time", entry("user.reset_password"))
	if err != nil || n != 2 {
		t.Fatalf("ResetPassword: %d sessions ended, %v", n, err)
	}
	got := f.loadUser(u.ID)
	if got.PasswordHash != "$argon2id$one-time" || !got.MustChangePassword || !got.LockedUntil.IsZero() || got.FailedLogins != 0 {
		t.Errorf("after ResetPassword: %+v", got)
	}
	if got.TOTPSecret != "SECRET" {
		t.Error("ResetPassword removed the authenticator key")
	}
	if s, _ := f.db.SessionsOf(f.ctx, other.ID); len(s) != 1 {
		t.Errorf("another account's sessions: %d, want 1", len(s))
	}
	if err := f.db.SetPassword(f.ctx, u.ID, "$argon2id$own", entry("auth.password_changed")); err != nil {
		t.Fatal(err)
	}
	if f.loadUser(u.ID).MustChangePassword {
		t.Error("the officer's own password did not clear the demand to change it")
	}

	f.session(u, "b-1")
	if n, err := f.db.ResetTOTP(f.ctx, u.ID, entry("user.reset_totp")); err != nil || n != 1 {
		t.Fatalf("ResetTOTP: %d, %v", n, err)
	}
	if got := f.loadUser(u.ID); got.TOTPSecret != "" || got.TOTPLastStep != 0 || got.PasswordHash != "$argon2id$own" {
		t.Errorf("after ResetTOTP: %+v", got)
	}

	f.session(u, "c-1")
	if n, err := f.db.SetUserRoleOrg(f.ctx, u.ID, auth.RoleAnalyst, f.orgID("npa-cab"), entry("user.update")); err != nil || n != 1 {
		t.Fatalf("SetUserRoleOrg: %d, %v", n, err)
	}
	if got := f.loadUser(u.ID); got.Role != auth.RoleAnalyst || got.OrgID != f.orgID("npa-cab") {
		t.Errorf("after SetUserRoleOrg: %s in %d", got.Role, got.OrgID)
	}

	var done []string
	for _, r := range f.auditOf("user", u.ID) {
		if strings.HasPrefix(r.Action, "user.") && r.Action != "user.create" {
			done = append(done, r.Action+" "+r.Detail)
		}
	}
	want := []string{`user.reset_password {"sessions_ended":2}`, `user.reset_totp {"passkeys_removed":0,"sessions_ended":1}`, `user.update {"sessions_ended":1}`}
	if strings.Join(done, "|") != strings.Join(want, "|") {
		t.Errorf("audit rows %q, want %q", done, want)
	}
	before := len(f.auditOf("user", u.ID))

	for name, call := range map[string]func() error{
		"ResetPassword": func() error {
			_, err := f.db.ResetPassword(f.ctx, 987654, "h", entry("user.reset_password"))
			return err
		},
		"ResetTOTP": func() error { _, err := f.db.ResetTOTP(f.ctx, 987654, entry("user.reset_totp")); return err },
		"SetUserRoleOrg": func() error {
			_, err := f.db.SetUserRoleOrg(f.ctx, 987654, auth.RoleIntake, f.orgID("npa"), entry("user.update"))
			return err
		},
	} {
		if err := call(); koban.ErrorCode(err) != koban.NotFound {
			t.Errorf("%s of an unknown account: %v", name, err)
		}
	}
	if after := len(f.auditOf("user", u.ID)); after != before {
		t.Errorf("refused changes wrote %d audit rows", after-before)
	}
}
