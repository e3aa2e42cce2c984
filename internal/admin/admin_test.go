package admin_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
)

const password = "correct horse battery staple"

// env is administration on a real SQLite store with the default tree.
type env struct {
	t     *testing.T
	ctx   context.Context
	clock *koban.FixedClock
	db    *store.DB
	tree  *org.Tree
	auth  *auth.Service
	svc   *admin.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := koban.NewFixedClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	e := &env{t: t, ctx: t.Context(), clock: clock}
	db, err := store.Open(e.ctx, store.Options{DataDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	if _, err := db.SeedOrgs(e.ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	if err := e.reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	tree := func() *org.Tree { return e.tree }
	e.auth = auth.NewService(db, tree, clock)
	e.auth.SetHasherParams(auth.Params{Memory: 64, Time: 1, Threads: 1})
	e.svc = admin.NewService(db, e.auth, tree, e.reload)
	return e
}

func (e *env) reload(ctx context.Context) error {
	orgs, err := e.db.Orgs(ctx)
	if err != nil {
		return err
	}
	e.tree, err = org.NewTree(orgs)
	return err
}

// user creates an account with an authenticator key already set up.
func (e *env) user(email, code string, role auth.Role) *auth.User {
	e.t.Helper()
	u, err := e.auth.CreateUser(e.ctx, audit.System, auth.NewUser{Email: email, OrgCode: code, Role: role, Password: password})
	if err != nil {
		e.t.Fatal(err)
	}
	secret, _, _, err := auth.NewTOTPKey("koban", email)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.SetTOTP(e.ctx, u.ID, secret, 0, audit.Entry{Actor: audit.System, Action: "auth.totp_enrolled", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil {
		e.t.Fatal(err)
	}
	u.TOTPSecret = secret
	return u
}

// session signs u in with pw and a code from their authenticator, and
// returns the session token. The clock moves on by one code's time first:
// a code is good once.
func (e *env) session(u *auth.User, pw string) string {
	e.t.Helper()
	e.clock.Advance(30 * time.Second)
	token, stage, err := e.auth.Login(e.ctx, u.Email, pw, "192.0.2.1")
	if err != nil || stage != auth.StageTOTP {
		e.t.Fatalf("sign in %s: stage %q, %v", u.Email, stage, err)
	}
	code, _ := auth.TOTPCode(u.TOTPSecret, e.clock.Now())
	full, err := e.auth.CompleteTOTP(e.ctx, token, code, "192.0.2.1")
	if err != nil {
		e.t.Fatal(err)
	}
	return full
}

func (e *env) principal(u *auth.User) auth.Principal {
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role, IP: "192.0.2.9", Via: "session"}
}

func (e *env) audits(u *auth.User) []audit.Row {
	e.t.Helper()
	rows, err := e.db.AuditOf(e.ctx, "user", strconv.FormatInt(u.ID, 10))
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// audit returns u's last audit row of action; a zero row when there is none.
func (e *env) audit(u *auth.User, action string) audit.Row {
	e.t.Helper()
	var last audit.Row
	for _, r := range e.audits(u) {
		if r.Action == action {
			last = r
		}
	}
	return last
}

func fieldOf(err error) (string, string) {
	var ke *koban.Error
	if errors.As(err, &ke) {
		return ke.Field, ke.Key
	}
	return "", ""
}

// TestAdministratorActsOnlyWithinTheSubtree: every action on an account
// outside the administrator's subtree answers exactly as for an account
// that does not exist, and changes nothing; the administrator's own account
// is refused where the action could lock them out.
func TestAdministratorActsOnlyWithinTheSubtree(t *testing.T) {
	e := newEnv(t)
	tokyoAdmin := e.user("admin@mpd.example", "pref-13", auth.RoleAdmin)
	osaka := e.user("osaka@osaka.example", "pref-27", auth.RoleIntake)
	p := e.principal(tokyoAdmin)
	before := len(e.audits(osaka))

	actions := map[string]func(id int64) error{
		"view":           func(id int64) error { _, _, err := e.svc.User(e.ctx, p, id); return err },
		"reset password": func(id int64) error { _, err := e.svc.ResetPassword(e.ctx, p, id); return err },
		"reset totp":     func(id int64) error { return e.svc.ResetTOTP(e.ctx, p, id) },
		"change role": func(id int64) error {
			return e.svc.SetPlacement(e.ctx, p, id, admin.Placement{Role: auth.RoleAnalyst, OrgCode: "pref-13"})
		},
		"disable": func(id int64) error { return e.svc.SetDisabled(e.ctx, p, id, true) },
		"enable":  func(id int64) error { return e.svc.SetDisabled(e.ctx, p, id, false) },
		"token":   func(id int64) error { _, err := e.svc.CreateToken(e.ctx, p, id, "x"); return err },
	}
	for name, act := range actions {
		outside, missing := act(osaka.ID), act(osaka.ID+1000)
		if koban.ErrorCode(outside) != koban.NotFound || outside.Error() != missing.Error() {
			t.Errorf("%s on Osaka's officer: %v; on a missing account: %v; want the same not-found", name, outside, missing)
		}
	}
	if after := len(e.audits(osaka)); after != before {
		t.Errorf("Osaka's officer gained %d audit rows", after-before)
	}
	if u, _ := e.db.User(e.ctx, osaka.ID); u.Disabled || u.TOTPSecret == "" || u.MustChangePassword || u.Role != auth.RoleIntake {
		t.Errorf("Osaka's officer changed: %+v", u)
	}

	// Themselves: refused where they could lock themselves out, pointed to
	// their account page for their own password and authenticator.
	for name, want := range map[string]string{"disable": "admin.error.self", "reset password": "admin.error.self_account",
		"reset totp": "admin.error.self_account", "change role": "admin.error.self_placement"} {
		if err := actions[name](tokyoAdmin.ID); koban.ErrorCode(err) != koban.Invalid || koban.ErrorKey(err) != want {
			t.Errorf("%s on themselves: %v, want %s", name, err, want)
		}
	}
	if u, _ := e.db.User(e.ctx, tokyoAdmin.ID); u.Disabled || u.Role != auth.RoleAdmin || u.TOTPSecret == "" {
		t.Errorf("the administrator changed themselves: %+v", u)
	}
}

// TestResetPasswordIsOneTime: the new password is returned once, every
// session ends, the old password stops working and the new one opens the
// account page alone until the officer chooses their own.
func TestResetPasswordIsOneTime(t *testing.T) {
	e := newEnv(t)
	p := e.principal(e.user("admin@mpd.example", "pref-13", auth.RoleAdmin))
	officer := e.user("officer@mpd.example", "pref-13", auth.RoleInvestigator)
	old := e.session(officer, password)
	e.session(officer, password)

	plain, err := e.svc.ResetPassword(e.ctx, p, officer.ID)
	if err != nil || auth.CheckPasswordPolicy(plain) != nil || plain == password {
		t.Fatalf("reset: %q, %v", plain, err)
	}
	if _, err := e.auth.Authenticate(e.ctx, old, "192.0.2.1"); koban.ErrorCode(err) != koban.Unauthorized {
		t.Errorf("a session from before the reset still works: %v", err)
	}
	if _, _, err := e.auth.Login(e.ctx, officer.Email, password, "192.0.2.2"); err == nil {
		t.Error("the old password still signs in")
	}
	last := e.audit(officer, "user.reset_password")
	if last.ActorID != p.UserID || last.ObjectType != "user" || !strings.Contains(last.Detail, `"sessions_ended":2`) {
		t.Errorf("reset audited as %+v", last)
	}
	if strings.Contains(last.Detail, plain) {
		t.Error("the audit log holds the one-time password")
	}

	// The one-time password signs in, but the officer must change it.
	full := e.session(officer, plain)
	pr, err := e.auth.Authenticate(e.ctx, full, "192.0.2.3")
	if err != nil || !pr.MustChangePassword {
		t.Fatalf("principal after the reset: %+v %v; want it told to change the password", pr, err)
	}
	if err := e.auth.ChangePassword(e.ctx, pr, full, plain, "a password of my own choosing"); err != nil {
		t.Fatal(err)
	}
	if pr, _ := e.auth.Authenticate(e.ctx, full, "192.0.2.3"); pr.MustChangePassword {
		t.Error("still told to change the password after changing it")
	}
}

// TestResetTOTPEnrolsAgain: the authenticator key goes, sessions end, and
// the next sign-in enrols a new key.
func TestResetTOTPEnrolsAgain(t *testing.T) {
	e := newEnv(t)
	p := e.principal(e.user("admin@mpd.example", "pref-13", auth.RoleAdmin))
	officer := e.user("officer@mpd.example", "pref-13", auth.RoleIntake)
	s := e.session(officer, password)
	if err := e.svc.ResetTOTP(e.ctx, p, officer.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.auth.Authenticate(e.ctx, s, "192.0.2.1"); err == nil {
		t.Error("the session survived the reset")
	}
	if u, _ := e.db.User(e.ctx, officer.ID); u.TOTPSecret != "" || u.TOTPLastStep != 0 {
		t.Errorf("the key is still there: %+v", u)
	}
	if _, stage, err := e.auth.Login(e.ctx, officer.Email, password, "192.0.2.1"); err != nil || stage != auth.StageEnroll {
		t.Errorf("next sign-in: stage %q, %v; want enrolment", stage, err)
	}
	if last := e.audit(officer, "user.reset_totp"); last.ActorID != p.UserID || !strings.Contains(last.Detail, `"sessions_ended":1`) {
		t.Errorf("reset audited as %+v", last)
	}
}

// TestPlacementKeepsRolesAndOrganisationsApart: a role and organisation
// change stays within the subtree, never gives a police organisation a
// partner role or the reverse, is audited with what changed and ends the
// officer's sessions.
func TestPlacementKeepsRolesAndOrganisationsApart(t *testing.T) {
	e := newEnv(t)
	tokyoAdmin := e.principal(e.user("admin@mpd.example", "pref-13", auth.RoleAdmin))
	npaAdmin := e.principal(e.user("admin@npa.example", "npa", auth.RoleAdmin))
	if _, err := e.svc.AddOrg(e.ctx, tokyoAdmin, admin.NewOrg{Kind: org.KindStation, ParentCode: "pref-13", Code: "pref-13-shinjuku",
		NameJA: "新宿警察署", NameEN: "Shinjuku"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddOrg(e.ctx, npaAdmin, admin.NewOrg{Kind: org.KindPartner, Code: "jc3", NameJA: "JC3", NameEN: "JC3"}); err != nil {
		t.Fatal(err)
	}
	officer := e.user("officer@mpd.example", "pref-13", auth.RoleIntake)
	s := e.session(officer, password)

	for _, tc := range []struct {
		name       string
		p          auth.Principal
		to         admin.Placement
		field, key string
	}{
		{"to another prefecture", tokyoAdmin, admin.Placement{Role: auth.RoleIntake, OrgCode: "pref-27"}, "org", "auth.error.org"},
		{"to an unknown organisation", tokyoAdmin, admin.Placement{Role: auth.RoleIntake, OrgCode: "nowhere"}, "org", "auth.error.org"},
		{"partner role in a police organisation", tokyoAdmin, admin.Placement{Role: auth.RolePartner, OrgCode: "pref-13"}, "role", "admin.error.partner_role"},
		{"police role in a partner organisation", npaAdmin, admin.Placement{Role: auth.RoleIntake, OrgCode: "jc3"}, "role", "admin.error.partner_role"},
		{"unknown role", tokyoAdmin, admin.Placement{Role: "chief", OrgCode: "pref-13"}, "role", "auth.role_unknown"},
	} {
		err := e.svc.SetPlacement(e.ctx, tc.p, officer.ID, tc.to)
		if f, k := fieldOf(err); koban.ErrorCode(err) != koban.Invalid || f != tc.field || k != tc.key {
			t.Errorf("%s: %v, want %s on %s", tc.name, err, tc.key, tc.field)
		}
	}
	if _, err := e.auth.Authenticate(e.ctx, s, "192.0.2.1"); err != nil {
		t.Fatalf("a refused change ended the session: %v", err)
	}

	if err := e.svc.SetPlacement(e.ctx, tokyoAdmin, officer.ID, admin.Placement{Role: auth.RoleAnalyst, OrgCode: "pref-13-shinjuku"}); err != nil {
		t.Fatal(err)
	}
	u, _ := e.db.User(e.ctx, officer.ID)
	station, _ := e.tree.ByCode("pref-13-shinjuku")
	if u.Role != auth.RoleAnalyst || u.OrgID != station.ID {
		t.Errorf("after the change: %s in %d", u.Role, u.OrgID)
	}
	if _, err := e.auth.Authenticate(e.ctx, s, "192.0.2.1"); err == nil {
		t.Error("the session survived the change")
	}
	rows := e.audits(officer)
	last := rows[len(rows)-1]
	if last.Action != "user.update" || last.Detail != `{"org":["pref-13","pref-13-shinjuku"],"role":["intake","analyst"],"sessions_ended":1}` {
		t.Errorf("change audited as %s %s", last.Action, last.Detail)
	}
	// The same again changes nothing and writes nothing.
	if err := e.svc.SetPlacement(e.ctx, tokyoAdmin, officer.ID, admin.Placement{Role: auth.RoleAnalyst, OrgCode: "pref-13-shinjuku"}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.audits(officer)); n != len(rows) {
		t.Errorf("an unchanged placement wrote %d audit rows", n-len(rows))
	}
}

// TestAddOrgNamesTheNameAtFault: a missing or too long name says which one,
// and the length is counted in characters, not bytes.
func TestAddOrgNamesTheNameAtFault(t *testing.T) {
	e := newEnv(t)
	p := e.principal(e.user("admin@mpd.example", "pref-13", auth.RoleAdmin))
	long := strings.Repeat("署", 201)
	for _, tc := range []struct {
		name, ja, en string
		want         map[string]string
	}{
		{"no Japanese name", "", "Shinjuku", map[string]string{"name_ja": "admin.error.name_ja_missing"}},
		{"no English name", "新宿警察署", " ", map[string]string{"name_en": "admin.error.name_en_missing"}},
		{"both too long", long, strings.Repeat("a", 201), map[string]string{"name_ja": "admin.error.name_ja_too_long", "name_en": "admin.error.name_en_too_long"}},
	} {
		_, err := e.svc.AddOrg(e.ctx, p, admin.NewOrg{Kind: org.KindStation, ParentCode: "pref-13", Code: "pref-13-x", NameJA: tc.ja, NameEN: tc.en})
		var pe *koban.ProblemsError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := map[string]string{}
		for _, pr := range pe.Problems {
			got[pr.Field] = pr.Key
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		for f, k := range tc.want {
			if got[f] != k {
				t.Errorf("%s: %s says %q, want %q", tc.name, f, got[f], k)
			}
		}
	}
	// 200 Japanese characters (600 bytes) is a name, not too long.
	if _, err := e.svc.AddOrg(e.ctx, p, admin.NewOrg{Kind: org.KindStation, ParentCode: "pref-13", Code: "pref-13-long",
		NameJA: strings.Repeat("署", 200), NameEN: "Long"}); err != nil {
		t.Errorf("a 200-character Japanese name: %v", err)
	}
}

// TestOrgsInTreeOrder: a station added after every HQ is listed under its
// parent, not at the end.
func TestOrgsInTreeOrder(t *testing.T) {
	e := newEnv(t)
	p := e.principal(e.user("admin@npa.example", "npa", auth.RoleAdmin))
	if _, err := e.svc.AddOrg(e.ctx, p, admin.NewOrg{Kind: org.KindStation, ParentCode: "pref-13", Code: "pref-13-shinjuku", NameJA: "新宿警察署", NameEN: "Shinjuku"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddOrg(e.ctx, p, admin.NewOrg{Kind: org.KindStation, ParentCode: "pref-27", Code: "pref-27-namba", NameJA: "難波警察署", NameEN: "Namba"}); err != nil {
		t.Fatal(err)
	}
	orgs, err := e.svc.Orgs(p)
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, o := range orgs {
		at[o.Code] = i
	}
	if at["pref-13-shinjuku"] != at["pref-13"]+1 || at["pref-27-namba"] != at["pref-27"]+1 || at["pref-28"] != at["pref-27-namba"]+1 {
		t.Errorf("Shinjuku at %d (its HQ at %d), Namba at %d (its HQ at %d, Hyogo at %d): want each right under its HQ",
			at["pref-13-shinjuku"], at["pref-13"], at["pref-27-namba"], at["pref-27"], at["pref-28"])
	}
}
