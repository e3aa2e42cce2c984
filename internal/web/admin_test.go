package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// loginAdmin signs an administrator in, password and second factor.
func loginAdmin(t *testing.T, s *apptest.Server, email string) *http.Client {
	t.Helper()
	return s.Login(t, email, pw)
}

func TestAdministration(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "admin@mpd.example", "pref-13", auth.RoleAdmin, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleIntake, pw)
	c := loginAdmin(t, s, "admin@mpd.example")

	// A station under Tokyo MPD, then an officer in it.
	resp := must(c.PostForm(s.URL+"/admin/orgs", url.Values{"kind": {"station"}, "parent": {"pref-13"}, "code": {"pref-13-shinjuku"},
		"name_ja": {"新宿警察署"}, "name_en": {"Shinjuku Police Station"}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add station: %d", resp.StatusCode)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"station under Osaka", url.Values{"kind": {"station"}, "parent": {"pref-27"}, "code": {"pref-27-namba"}, "name_ja": {"難波警察署"}, "name_en": {"Namba"}}, "上位の組織には"},
		{"partner by a prefecture", url.Values{"kind": {"partner"}, "code": {"jc3"}, "name_ja": {"JC3"}, "name_en": {"JC3"}}, "警察庁の管理者だけ"},
		{"bad code", url.Values{"kind": {"station"}, "parent": {"pref-13"}, "code": {"新宿"}, "name_ja": {"x"}, "name_en": {"x"}}, "半角英小文字"},
		{"taken code", url.Values{"kind": {"station"}, "parent": {"pref-13"}, "code": {"pref-13-shinjuku"}, "name_ja": {"x"}, "name_en": {"x"}}, "すでに使われています"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := must(c.PostForm(s.URL+"/admin/orgs", tc.form))
			page := body(t, resp)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
				t.Fatalf("%d, want 422 with %q", resp.StatusCode, tc.want)
			}
		})
	}
	resp = must(c.PostForm(s.URL+"/admin/users", url.Values{"email": {"shinjuku@mpd.example"}, "name": {"新宿 一郎"}, "org": {"pref-13-shinjuku"}, "role": {"intake"}, "password": {pw}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add officer: %d", resp.StatusCode)
	}
	userPath := strings.Split(resp.Header.Get("Location"), "?")[0]
	// An officer may not be put in Osaka by a Tokyo administrator.
	resp = must(c.PostForm(s.URL+"/admin/users", url.Values{"email": {"x@osaka.example"}, "org": {"pref-27"}, "role": {"intake"}, "password": {pw}}))
	if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "その組織は存在しません") {
		t.Errorf("user in another prefecture: %d", resp.StatusCode)
	}
	// The Osaka officer is not in the Tokyo administrator's list, nor reachable by id.
	users := body(t, must(c.Get(s.URL+"/admin/users")))
	if strings.Contains(users, "osaka@osaka.example") || !strings.Contains(users, "shinjuku@mpd.example") {
		t.Error("user list crosses jurisdictions")
	}
	// A token, shown once.
	page := body(t, must(c.PostForm(s.URL+userPath+"/token", url.Values{"name": {"queue script"}})))
	m := regexp.MustCompile(`id="new-token">(kbn_[a-z2-7]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("token not shown")
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/reports", nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	if resp := must(http.DefaultClient.Do(req)); resp.StatusCode != http.StatusOK {
		t.Errorf("new token: %d", resp.StatusCode)
	}
	if strings.Contains(body(t, must(c.Get(s.URL+userPath))), m[1]) {
		t.Error("token shown again")
	}
	// A new station asks its officers for a second factor from the start:
	// the officer the administrator just added is sent to enrol.
	loginGoesTo := func(want string) {
		t.Helper()
		resp := must(s.Client().PostForm(s.URL+"/login", url.Values{"email": {"shinjuku@mpd.example"}, "password": {pw}}))
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("station officer's sign-in goes to %q, want %q", got, want)
		}
	}
	loginGoesTo("/login/enroll")
	orgs := body(t, must(c.Get(s.URL+"/admin/orgs")))
	om := regexp.MustCompile(`<code>pref-13-shinjuku</code>.*?action="/admin/orgs/(\d+)/totp/optional"`).FindStringSubmatch(strings.ReplaceAll(orgs, "\n", " "))
	if om == nil {
		t.Fatal("station row not found")
	}
	// The row's button asks first: nothing changes until the administrator
	// confirms, and the list opens again at the row. A change posted
	// without the confirmation is sent to be asked.
	resp = must(c.PostForm(s.URL+"/admin/orgs/"+om[1]+"/totp", url.Values{"require": {"0"}}))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/admin/orgs/"+om[1]+"/totp/optional" {
		t.Errorf("an unconfirmed change goes to %q", loc)
	}
	page = body(t, must(c.Get(s.URL+"/admin/orgs/"+om[1]+"/totp/optional")))
	if !strings.Contains(page, `name="confirm" value="1"`) || !strings.Contains(page, "新宿警察署の二要素認証を任意にしますか") ||
		!strings.Contains(page, `href="/admin/orgs/`+om[1]+`/totp/optional?lang=en"`) {
		t.Error("relaxing the rule is not asked to be confirmed, on a page that keeps the question in English too")
	}
	for _, path := range []string{"/admin/orgs/" + om[1] + "/totp/maybe", "/admin/orgs/999999/totp/optional"} {
		if resp := must(c.Get(s.URL + path)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	loginGoesTo("/login/enroll")
	// Relaxed by its administrator (audited), a password is enough; required
	// again, the officer is sent to enrol.
	resp = must(c.PostForm(s.URL+"/admin/orgs/"+om[1]+"/totp", url.Values{"require": {"0"}, "confirm": {"1"}}))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/admin/orgs?done=saved#org-"+om[1] {
		t.Errorf("after the change, back to %q: want the organisation's row", loc)
	}
	loginGoesTo("/queue")
	resp = must(c.PostForm(s.URL+"/admin/orgs/"+om[1]+"/totp", url.Values{"require": {"1"}, "confirm": {"1"}}))
	resp.Body.Close()
	loginGoesTo("/login/enroll")
	rows, err := s.App.DB.AuditOf(context.Background(), "org", om[1])
	if err != nil || len(rows) != 3 || rows[0].Action != "org.create" || rows[1].Action != "org.require_totp" || rows[1].Detail != `{"require":false}` {
		t.Errorf("the station's creation and the rule's changes are not audited by the station's id: %+v %v", rows, err)
	}
	// Disabling ends access.
	resp = must(c.PostForm(s.URL+userPath+"/disable", nil))
	resp.Body.Close()
	resp = must(s.Client().PostForm(s.URL+"/login", url.Values{"email": {"shinjuku@mpd.example"}, "password": {pw}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("disabled user signs in: %d", resp.StatusCode)
	}
	if resp := must(http.DefaultClient.Do(req)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("disabled user's token: %d", resp.StatusCode)
	}
	// Non-administrators are refused.
	osaka := s.Login(t, "osaka@osaka.example", pw)
	if resp := must(osaka.Get(s.URL + "/admin/users")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer on admin page: %d", resp.StatusCode)
	}
}
