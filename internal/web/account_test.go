package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// TestAccountPage: an officer enrols or replaces their authenticator,
// changes their password and sees (and ends) their sessions, each audited.
func TestAccountPage(t *testing.T) {
	s := apptest.Start(t)
	u := s.AddUser(t, "inv@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	c := s.Login(t, "inv@mpd.example", pw)
	other := s.Login(t, "inv@mpd.example", pw)
	page := body(t, must(c.Get(s.URL+"/account")))
	for _, want := range []string{"inv@mpd.example", "警視庁", "このブラウザ", "別のブラウザ", "127.0.0.1", `action="/account/sessions"`, `href="/account"`} {
		if !strings.Contains(page, want) {
			t.Errorf("account page lacks %q", want)
		}
	}

	// Sign out everywhere else: the other browser is signed out, this one not.
	resp := must(c.PostForm(s.URL+"/account/sessions", nil))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?done=sessions_ended" {
		t.Fatalf("end sessions: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := must(other.Get(s.URL + "/queue")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the other browser still reads the queue: %d", resp.StatusCode)
	}
	if resp := must(c.Get(s.URL + "/queue")); resp.StatusCode != http.StatusOK {
		t.Errorf("this browser was signed out too: %d", resp.StatusCode)
	}

	// Password: every refusal keeps the officer on the page with the field marked.
	const next = "a brand new passphrase of mine"
	for _, tc := range []struct {
		name, current, password, password2, field string
	}{
		{"confirmation differs", pw, next, next + "!", "password2"},
		{"current password wrong", "not my password at all", next, next, "current"},
		{"too short", pw, "short", "short", "password"},
		{"same as now", pw, pw, pw, "password"},
	} {
		resp := must(c.PostForm(s.URL+"/account/password", url.Values{"current": {tc.current}, "password": {tc.password}, "password2": {tc.password2}}))
		page := body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", tc.name, resp.StatusCode)
		}
		if !strings.Contains(page, `id="e-`+tc.field+`"`) || !regexp.MustCompile(`id="`+tc.field+`"[^>]*aria-invalid="true"`).MatchString(page) {
			t.Errorf("%s: the %s field is not marked", tc.name, tc.field)
		}
	}
	if uu, _ := s.App.DB.User(context.Background(), u.ID); uu.FailedLogins != 1 {
		t.Errorf("a wrong current password counted %d failures, want 1", uu.FailedLogins)
	}
	third := s.Login(t, "inv@mpd.example", pw)
	resp = must(c.PostForm(s.URL+"/account/password", url.Values{"current": {pw}, "password": {next}, "password2": {next}}))
	resp.Body.Close()
	if resp.Header.Get("Location") != "/account?done=password_changed" {
		t.Fatalf("change password: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := must(third.Get(s.URL + "/queue")); resp.StatusCode != http.StatusSeeOther {
		t.Error("a session signed in with the old password survived the change")
	}
	if resp := must(s.Client().PostForm(s.URL+"/login", url.Values{"email": {"inv@mpd.example"}, "password": {pw}})); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password still signs in: %d", resp.StatusCode)
	}
	s.Login(t, "inv@mpd.example", next)

	// A new authenticator: the old one works until a code from the new one
	// is confirmed; a wrong code shows the same new key again.
	page = body(t, must(c.Get(s.URL+"/account?enroll=1")))
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	if m == nil || m[1] == u.TOTPSecret {
		t.Fatalf("no new key on the account page")
	}
	resp = must(c.PostForm(s.URL+"/account/totp", url.Values{"code": {"000000"}}))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="totp-secret">`+m[1]+`<`) || !strings.Contains(page, `id="e-code"`) {
		t.Errorf("wrong code: %d, or a different key shown", resp.StatusCode)
	}
	if stored, _ := s.App.DB.User(context.Background(), u.ID); stored.TOTPSecret != u.TOTPSecret {
		t.Fatal("a wrong code replaced the authenticator in use")
	}
	code, _ := auth.TOTPCode(m[1], time.Now())
	resp = must(c.PostForm(s.URL+"/account/totp", url.Values{"code": {code}}))
	resp.Body.Close()
	if resp.Header.Get("Location") != "/account?done=totp_enrolled" {
		t.Fatalf("confirm new key: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if stored, _ := s.App.DB.User(context.Background(), u.ID); stored.TOTPSecret != m[1] {
		t.Error("the new authenticator is not in force")
	}
	var actions []string
	rows, _ := s.App.DB.AuditOf(context.Background(), "user", strconv.FormatInt(u.ID, 10))
	for _, r := range rows {
		actions = append(actions, r.Action)
	}
	got := strings.Join(actions, " ")
	for _, want := range []string{"auth.sessions_ended", "auth.password_change_failed", "auth.password_changed", "auth.totp_enrolled"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %s: %s", want, got)
		}
	}
}
