package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// TestAdministratorManagesOfficers: an administrator resets an officer's
// password (a one-time password shown once, sessions ended, to be changed
// at the next sign-in) and second factor (enrolled again at the next
// sign-in), changes their role and organisation, disables and enables
// them — each audited; an account outside the administrator's subtree is
// answered exactly like a missing one, and their own account is refused.
func TestAdministratorManagesOfficers(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	adminUser := s.AddUser(t, "admin@mpd.example", "pref-13", auth.RoleAdmin, pw)
	officer := s.AddUser(t, "officer@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	osaka := s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleIntake, pw)
	c := loginAdmin(t, s, "admin@mpd.example")
	userPath := "/admin/users/" + strconv.FormatInt(officer.ID, 10)
	officerAudit := func(action string) string {
		t.Helper()
		rows, err := s.App.DB.AuditOf(ctx, "user", strconv.FormatInt(officer.ID, 10))
		if err != nil {
			t.Fatal(err)
		}
		for i := len(rows) - 1; i >= 0; i-- {
			if rows[i].Action == action {
				return rows[i].Actor + " " + rows[i].Detail
			}
		}
		return ""
	}
	signedIn := func(c *http.Client) bool {
		t.Helper()
		resp := must(c.Get(s.URL + "/search"))
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}

	// Reset the password: shown once, not cached, sessions ended.
	session := s.Login(t, officer.Email, pw)
	resp := must(c.PostForm(s.URL+userPath+"/password", nil))
	page := body(t, resp)
	m := regexp.MustCompile(`id="new-password" class="secret">([^<]+)<`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("reset password: %d, shown %v, Cache-Control %q", resp.StatusCode, m != nil, resp.Header.Get("Cache-Control"))
	}
	oneTime := m[1]
	if !strings.Contains(page, "セッションはすべて終了しました") {
		t.Error("the page does not say the officer's sessions ended")
	}
	if signedIn(session) {
		t.Error("the officer's session survived the reset")
	}
	if strings.Contains(body(t, must(c.Get(s.URL+userPath))), oneTime) {
		t.Error("the one-time password is shown again")
	}
	if a := officerAudit("user.reset_password"); !strings.HasPrefix(a, "admin@mpd.example ") || !strings.Contains(a, `"sessions_ended":1`) {
		t.Errorf("reset audited as %q", a)
	}
	// The one-time password opens the account page alone, until changed.
	session = s.Login(t, officer.Email, oneTime)
	resp = must(session.Get(s.URL + "/queue"))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/account?done=password_must_change" {
		t.Errorf("with a one-time password /queue leads to %q", loc)
	}
	if page := body(t, must(session.Get(s.URL+"/account?done=password_must_change"))); !strings.Contains(page, "管理者がパスワードを再設定しました") {
		t.Error("the account page does not say why")
	}
	const own = "my own password after the reset"
	resp = must(session.PostForm(s.URL+"/account/password", url.Values{"current": {oneTime}, "password": {own}, "password2": {own}}))
	resp.Body.Close()
	if !signedIn(session) {
		t.Error("after choosing their own password the officer still cannot work")
	}

	// Change the role and organisation: only within the subtree, never a
	// partner role in a police organisation.
	for _, tc := range []struct {
		name      string
		role, org string
		want      string
	}{
		{"partner role", "partner", "pref-13", "連携機関には「連携機関」の役割だけを"},
		{"another prefecture", "analyst", "pref-27", "その組織は存在しません"},
	} {
		resp := must(c.PostForm(s.URL+userPath+"/placement", url.Values{"role": {tc.role}, "org": {tc.org}}))
		if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) ||
			!strings.Contains(page, `<option value="`+tc.role+`" selected>`) {
			t.Errorf("%s: %d, want 422 with %q and the choice kept", tc.name, resp.StatusCode, tc.want)
		}
	}
	resp = must(c.PostForm(s.URL+userPath+"/placement", url.Values{"role": {"analyst"}, "org": {"pref-13"}}))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != userPath+"?done=placement_saved" {
		t.Errorf("placement: to %q", loc)
	}
	if page := body(t, must(c.Get(s.URL+userPath+"?done=placement_saved"))); !strings.Contains(page, "<dd>分析官</dd>") || !strings.Contains(page, "役割と組織を変更しました") {
		t.Error("the officer's page does not show the new role")
	}
	if a := officerAudit("user.update"); !strings.Contains(a, `"role":["investigator","analyst"]`) {
		t.Errorf("placement audited as %q", a)
	}
	if signedIn(session) {
		t.Error("the officer's session survived the change of role")
	}

	// Disable, then enable: each audited, sign-in refused then allowed.
	for _, step := range []struct{ action, done string }{{"disable", "user_disabled"}, {"enable", "user_enabled"}} {
		resp := must(c.PostForm(s.URL+userPath+"/"+step.action, nil))
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != userPath+"?done="+step.done {
			t.Errorf("%s: to %q", step.action, loc)
		}
		if officerAudit("user."+step.action) == "" {
			t.Errorf("%s not audited", step.action)
		}
	}
	resp = must(s.Client().PostForm(s.URL+"/login", url.Values{"email": {officer.Email}, "password": {own}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an enabled officer cannot sign in: %d", resp.StatusCode)
	}

	// Reset the second factor: the next sign-in enrols again.
	resp = must(c.PostForm(s.URL+userPath+"/totp", nil))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != userPath+"?done=totp_reset" {
		t.Errorf("reset totp: to %q", loc)
	}
	if officerAudit("user.reset_totp") == "" {
		t.Error("second-factor reset not audited")
	}
	resp = must(s.Client().PostForm(s.URL+"/login", url.Values{"email": {officer.Email}, "password": {own}}))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/login/enroll" {
		t.Errorf("after the reset, sign-in goes to %q, want enrolment", loc)
	}

	// Osaka's officer is answered exactly like an account that does not exist.
	osakaID, missingID := strconv.FormatInt(osaka.ID, 10), strconv.FormatInt(osaka.ID+1000, 10)
	for _, action := range []string{"", "password", "totp", "placement", "disable", "enable", "token"} {
		answer := func(id string) (int, string) {
			var resp *http.Response
			if action == "" {
				resp = must(c.Get(s.URL + "/admin/users/" + id))
			} else {
				resp = must(c.PostForm(s.URL+"/admin/users/"+id+"/"+action, url.Values{"role": {"intake"}, "org": {"pref-13"}, "name": {"x"}}))
			}
			return resp.StatusCode, strings.ReplaceAll(body(t, resp), "/admin/users/"+id, "/admin/users/ID")
		}
		code1, page1 := answer(osakaID)
		code2, page2 := answer(missingID)
		if code1 != http.StatusNotFound || code1 != code2 || page1 != page2 {
			t.Errorf("%q on Osaka's officer: %d; on a missing account: %d; same page: %v", action, code1, code2, page1 == page2)
		}
	}
	if u, _ := s.App.DB.User(ctx, osaka.ID); u.Disabled || u.TOTPSecret == "" || u.MustChangePassword || u.Role != auth.RoleIntake {
		t.Errorf("Osaka's officer changed: %+v", u)
	}

	// Their own account: refused where it could lock them out.
	self := "/admin/users/" + strconv.FormatInt(adminUser.ID, 10)
	for action, want := range map[string]string{"disable": "自分自身を無効にすることはできません", "password": "「アカウント」のページで変更",
		"totp": "「アカウント」のページで変更", "placement": "自分自身の役割や組織は変更できません"} {
		resp := must(c.PostForm(s.URL+self+"/"+action, url.Values{"role": {"intake"}, "org": {"pref-13"}}))
		if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, want) {
			t.Errorf("%s on themselves: %d, want 422 with %q", action, resp.StatusCode, want)
		}
	}
	if !signedIn(c) {
		t.Error("the administrator lost their own session")
	}
}

// TestOrganisationListIsATree: a new station is listed under its parent,
// indented; a form error names the name at fault.
func TestOrganisationListIsATree(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "admin@mpd.example", "pref-13", auth.RoleAdmin, pw)
	c := loginAdmin(t, s, "admin@mpd.example")
	for _, st := range []url.Values{
		{"kind": {"station"}, "parent": {"pref-13"}, "code": {"pref-13-shinjuku"}, "name_ja": {"新宿警察署"}, "name_en": {"Shinjuku"}},
		{"kind": {"station"}, "parent": {"pref-13-shinjuku"}, "code": {"pref-13-shinjuku-koban"}, "name_ja": {"新宿駅前交番"}, "name_en": {"Shinjuku Station Koban"}},
		{"kind": {"station"}, "parent": {"pref-13"}, "code": {"pref-13-ikebukuro"}, "name_ja": {"池袋警察署"}, "name_en": {"Ikebukuro"}},
	} {
		resp := must(c.PostForm(s.URL+"/admin/orgs", st))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add %s: %d", st.Get("code"), resp.StatusCode)
		}
	}
	page := body(t, must(c.Get(s.URL+"/admin/orgs")))
	rows := regexp.MustCompile(`<tr id="org-\d+"><td><code>([a-z0-9-]+)</code></td><td class="depth-(\d)">`).FindAllStringSubmatch(page, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[1]+"@"+r[2])
	}
	want := "pref-13@0 pref-13-shinjuku@1 pref-13-shinjuku-koban@2 pref-13-ikebukuro@1"
	if strings.Join(got, " ") != want {
		t.Errorf("organisations listed as %v, want %s", got, want)
	}
	if !strings.Contains(page, "<option value=\"pref-13-shinjuku-koban\">\u3000\u3000新宿駅前交番</option>") {
		t.Error("the parent choice does not indent the stations")
	}

	for _, tc := range []struct {
		name, ja, en   string
		want           string
		marked, spared string
	}{
		{"no Japanese name", "", "Namba", "名称（日本語）を入力してください", "name_ja", "name_en"},
		{"English name too long", "長い", strings.Repeat("x", 201), "名称（英語）は200文字までにしてください", "name_en", "name_ja"},
	} {
		resp := must(c.PostForm(s.URL+"/admin/orgs", url.Values{"kind": {"station"}, "parent": {"pref-13"}, "code": {"pref-13-x"},
			"name_ja": {tc.ja}, "name_en": {tc.en}}))
		page := body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) ||
			!strings.Contains(page, `id="e-`+tc.marked+`"`) || strings.Contains(page, `id="e-`+tc.spared+`"`) {
			t.Errorf("%s: %d; want 422 saying %q on %s alone", tc.name, resp.StatusCode, tc.want, tc.marked)
		}
	}
}
