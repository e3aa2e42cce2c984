package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
)

// postAs posts to koban with the Host header a browser would send for
// host (koban itself listens on 127.0.0.1).
func postAs(t *testing.T, c *http.Client, s *apptest.Server, host, path string) (*http.Response, map[string]any) {
	t.Helper()
	resp := postFormAs(t, c, s, host, path, nil)
	var out map[string]any
	if resp.Header.Get("Content-Type") == "application/json" {
		json.NewDecoder(resp.Body).Decode(&out)
	}
	resp.Body.Close()
	return resp, out
}

func postFormAs(t *testing.T, c *http.Client, s *apptest.Server, host, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if host != "" {
		// The client's jar would look cookies up by this Host: hand over
		// those of koban's own address, as a browser at host holds them.
		req.Host = host
		u, _ := url.Parse(s.URL)
		for _, ck := range c.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
		c = &http.Client{CheckRedirect: c.CheckRedirect}
	}
	return must(c.Do(req))
}

// TestPasskeyOptionsRelyingParty: the options carry the RP ID of
// KOBAN_BASE_URL, or of the request's host when it is unset; reached by an
// IP address, passkeys are unavailable and the script is told why.
func TestPasskeyOptionsRelyingParty(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "pk@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	c := s.Login(t, "pk@mpd.example", pw)
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]

	resp, out := postAs(t, c, s, "", "/account/passkey/options")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out["error"].(string), "KOBAN_BASE_URL") {
		t.Errorf("options at 127.0.0.1: %d %v", resp.StatusCode, out)
	}
	resp, out = postAs(t, c, s, "localhost:"+port, "/account/passkey/options")
	pk, _ := out["publicKey"].(map[string]any)
	if resp.StatusCode != http.StatusOK || pk == nil {
		t.Fatalf("options at localhost: %d %q %v", resp.StatusCode, resp.Header.Get("Location"), out)
	}
	rp, _ := pk["rp"].(map[string]any)
	sel, _ := pk["authenticatorSelection"].(map[string]any)
	if rp["id"] != "localhost" || pk["challenge"] == "" || sel["userVerification"] != "preferred" || pk["attestation"] != "none" {
		t.Errorf("creation options %v", pk)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("options cached: %q", cc)
	}
	// A signed-out browser is sent to sign in; a sign-in without a
	// pending session is told so in JSON.
	if resp, _ := postAs(t, s.Client(), s, "localhost:"+port, "/account/passkey/options"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("account options signed out: %d", resp.StatusCode)
	}
	if resp, out := postAs(t, s.Client(), s, "localhost:"+port, "/login/passkey/options"); resp.StatusCode != http.StatusUnauthorized || out["error"] == "" {
		t.Errorf("sign-in options without a session: %d %v", resp.StatusCode, out)
	}

	based := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.BaseURL = "https://koban.example.jp" }))
	based.AddUser(t, "pk@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	bc := based.Login(t, "pk@mpd.example", pw)
	resp, out = postAs(t, bc, based, "attacker.example", "/account/passkey/options")
	pk, _ = out["publicKey"].(map[string]any)
	if rp, _ := pk["rp"].(map[string]any); resp.StatusCode != http.StatusOK || rp["id"] != "koban.example.jp" {
		t.Errorf("options with KOBAN_BASE_URL: %d %v", resp.StatusCode, out)
	}
}

// TestPasskeyPagesWithoutJavaScript: an account whose only second factor is
// a passkey meets a second step that says passkeys need JavaScript, loads
// the script from koban (no inline script), and turns a bad answer into a
// page with the problem; the account page lists and removes passkeys.
func TestPasskeyPagesWithoutJavaScript(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	u := s.AddUserToEnrol(t, "only.passkey@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	key := &auth.Passkey{UserID: u.ID, CredentialID: []byte("credential-1"), PublicKey: []byte{1, 2, 3}, Attestation: "none",
		Name: "セキュリティキー", CreatedAt: time.Now()}
	if err := s.App.DB.AddPasskey(ctx, key, audit.Entry{Actor: audit.System, Action: "auth.passkey_added"}); err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	resp := must(c.PostForm(s.URL+"/login", url.Values{"email": {u.Email}, "password": {pw}}))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/login/totp" {
		t.Fatalf("sign-in with a passkey went to %q", loc)
	}
	resp = must(c.Get(s.URL + "/login/totp"))
	csp := resp.Header.Get("Content-Security-Policy")
	page := body(t, resp)
	for _, want := range []string{`action="/login/passkey"`, "パスキーを使うにはJavaScriptが必要です", `data-options="/login/passkey/options"`, "/passkey.js"} {
		if !strings.Contains(page, want) {
			t.Errorf("second step lacks %q", want)
		}
	}
	if strings.Contains(page, `name="code"`) {
		t.Error("an account without an authenticator app is asked for its code")
	}
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(page, "<script>") {
		t.Errorf("CSP %q, or an inline script on the page", csp)
	}
	// An answer without a challenge (or forged): refused on the page,
	// audited, the session still waiting for its second factor.
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	resp = postFormAs(t, c, s, "localhost:"+port, "/login/passkey", url.Values{"credential": {`{"id":"Y3JlZGVudGlhbC0x","type":"public-key"}`}})
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "パスキーを確認できませんでした") {
		t.Errorf("a forged answer: %d", resp.StatusCode)
	}
	rows, _ := s.App.DB.AuditOf(ctx, "user", strconv.FormatInt(u.ID, 10))
	if last := rows[len(rows)-1]; last.Action != "auth.passkey_failed" {
		t.Errorf("last audit row %s, want auth.passkey_failed", last.Action)
	}
	if resp := must(c.Get(s.URL + "/queue")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the queue opened without the second factor: %d", resp.StatusCode)
	}

	// Enrolment where a second factor is required: an app or a passkey.
	s.AddUserToEnrol(t, "new@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	nc := s.Client()
	resp = must(nc.PostForm(s.URL+"/login", url.Values{"email": {"new@mpd.example"}, "password": {pw}}))
	resp.Body.Close()
	page = body(t, must(nc.Get(s.URL+"/login/enroll")))
	for _, want := range []string{"認証アプリを設定する", `id="totp-secret"`, "パスキーを登録する", `action="/login/enroll/passkey"`,
		`data-options="/login/enroll/passkey/options"`, `name="name"`, "パスキーを使うにはJavaScriptが必要です"} {
		if !strings.Contains(page, want) {
			t.Errorf("enrolment page lacks %q", want)
		}
	}

	// The account page of an officer with a passkey and an app: listed, removable.
	o := s.AddUser(t, "both@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	k2 := &auth.Passkey{UserID: o.ID, CredentialID: []byte("credential-2"), PublicKey: []byte{1}, Attestation: "none", Name: "署のPC", CreatedAt: time.Now()}
	if err := s.App.DB.AddPasskey(ctx, k2, audit.Entry{Actor: audit.System, Action: "auth.passkey_added"}); err != nil {
		t.Fatal(err)
	}
	oc := s.Login(t, o.Email, pw)
	page = body(t, must(oc.Get(s.URL+"/account")))
	for _, want := range []string{`id="passkeys"`, "署のPC", "未使用", `action="/account/passkey-remove"`, `action="/account/passkey"`, "パスキーを使うにはJavaScriptが必要です"} {
		if !strings.Contains(page, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	// Someone else's passkey is not theirs to remove.
	resp = must(oc.PostForm(s.URL+"/account/passkey-remove", url.Values{"id": {strconv.FormatInt(key.ID, 10)}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("removing another's passkey: %d", resp.StatusCode)
	}
	resp = must(oc.PostForm(s.URL+"/account/passkey-remove", url.Values{"id": {strconv.FormatInt(k2.ID, 10)}}))
	resp.Body.Close()
	if resp.Header.Get("Location") != "/account?done=passkey_removed" {
		t.Fatalf("remove: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if keys, _ := s.App.DB.Passkeys(ctx, o.ID); len(keys) != 0 {
		t.Errorf("passkeys after removal: %v", keys)
	}
	if keys, _ := s.App.DB.Passkeys(ctx, u.ID); len(keys) != 1 {
		t.Errorf("the other officer's passkey went too: %v", keys)
	}

	// An administrator sees the passkey as a second factor and the reset
	// removes it: the next sign-in enrols again.
	s.AddUser(t, "admin@mpd.example", "pref-13", auth.RoleAdmin, pw)
	ac := s.Login(t, "admin@mpd.example", pw)
	userPage := "/admin/users/" + strconv.FormatInt(u.ID, 10)
	page = body(t, must(ac.Get(s.URL+userPage)))
	if !strings.Contains(page, `action="`+userPage+`/totp"`) || !strings.Contains(page, "認証アプリとパスキーを解除") {
		t.Fatalf("the admin page offers no reset for a passkey-only account:\n%s", page)
	}
	resp = must(ac.PostForm(s.URL+userPage+"/totp", nil))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if keys, _ := s.App.DB.Passkeys(ctx, u.ID); len(keys) != 0 {
		t.Errorf("passkeys after the reset: %v", keys)
	}
	resp = must(s.Client().PostForm(s.URL+"/login", url.Values{"email": {u.Email}, "password": {pw}}))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/login/enroll" {
		t.Errorf("after the reset, sign-in went to %q", loc)
	}
}
