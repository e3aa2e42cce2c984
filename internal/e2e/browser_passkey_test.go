package e2e_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// TestBrowserPasskey registers a passkey on the account page with
// Chromium's virtual authenticator (CTAP2, built in, with user
// verification), signs out, and signs in again with the password and the
// passkey as the second step, landing on the queue; then a new officer
// enrols a passkey instead of an authenticator app.
//
// WebAuthn needs a secure context and a relying party ID that is a host
// name: the browser reaches koban as http://localhost:port (a secure
// context in Chromium), never 127.0.0.1, which is no valid RP ID.
func TestBrowserPasskey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := apptest.Start(t)
	const email, password = "passkey.officer@example.jp", "sakura-kaede-momiji-2024"
	u := s.AddUser(t, email, "pref-13", auth.RoleIntake, password)
	base := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	p := browserStart(t, ctx, base)

	var authenticator webauthn.AuthenticatorID
	p.do("a virtual authenticator", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
		if err != nil {
			return err
		}
		authenticator = res.AuthenticatorID
		return nil
	}))

	// Sign in with the password and the authenticator app's code.
	passkeySignIn(t, p, email, password)
	if browserEval[bool](p, `document.querySelector("#f-passkey") !== null`) {
		t.Error("an account without passkeys is offered one")
	}
	p.do("the code", chromedp.SendKeys(chromedp.CSS("#code"), s.NextCode(t, email)))
	passkeyClick(t, p, "verify the code", `#f-form button[type="submit"]`, "/queue")

	// The account page: no passkey yet; with JavaScript the form shows
	// and the no-JavaScript note hides.
	p.open("/account", http.StatusOK)
	if got := p.text("#passkeys-none"); !strings.Contains(got, "パスキーは登録されていません") {
		t.Errorf("account page before registering: %q", got)
	}
	if !browserEval[bool](p, `getComputedStyle(document.querySelector("#f-passkey .passkey-nojs")).display === "none" &&
		getComputedStyle(document.querySelector("#f-passkey .passkey-js")).display !== "none"`) {
		t.Error("with JavaScript the passkey form stays hidden")
	}
	p.checkAxe("account page with the passkey form (/account)")
	p.do("name the passkey", chromedp.SendKeys(chromedp.CSS("#passkey-name"), "署のパソコン"))
	passkeyClick(t, p, "register the passkey", "#passkey-register", "/account?done=passkey_added")
	rows := browserEval[[]string](p, `Array.from(document.querySelectorAll("#passkeys tbody tr td:first-child")).map(td => td.textContent)`)
	if len(rows) != 1 || rows[0] != "署のパソコン" {
		t.Fatalf("passkeys listed: %v (page: %s)", rows, p.text("main"))
	}
	if got := p.text("#passkeys tbody tr td:nth-child(3)"); got != "未使用" {
		t.Errorf("last used of a new passkey: %q", got)
	}
	p.shot("passkey-account")
	var creds []*webauthn.Credential
	p.do("the authenticator's credentials", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: authenticator})
		if err == nil {
			creds = res.Credentials
		}
		return err
	}))
	if len(creds) != 1 || creds[0].RpID != "localhost" {
		t.Fatalf("the authenticator holds %+v, want one credential for localhost", creds)
	}

	// Sign out; sign in with the password and the passkey.
	passkeyClick(t, p, "sign out", `form[action="/logout"] button`, "/login?done=logged_out")
	passkeySignIn(t, p, email, password)
	if got := p.text("#passkey-use"); got != "パスキーを使う" {
		t.Fatalf("the second step offers no passkey: %q", got)
	}
	if !browserEval[bool](p, `document.querySelector("#totp-heading") !== null && document.querySelector("#code") !== null`) {
		t.Error("the second step no longer offers the authenticator app's code")
	}
	if !browserEval[bool](p, `getComputedStyle(document.querySelector("#f-passkey .passkey-nojs")).display === "none"`) {
		t.Error("with JavaScript the second step still says passkeys need it")
	}
	p.shot("passkey-second-step")
	p.checkAxe("second step with a passkey (/login/totp)")

	// A forged signature (the authenticator's answer overridden): refused,
	// the page says so, and the passkey can be tried again.
	bogus := true
	p.do("a bogus signature", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{AuthenticatorID: authenticator, IsBogusSignature: &bogus})
		return err
	}))
	passkeyClick(t, p, "use the passkey (bogus signature)", "#passkey-use", "/login/passkey")
	if got := p.text(".error-summary"); !strings.Contains(got, "パスキーを確認できませんでした") {
		t.Errorf("after a bogus signature the page says %q", got)
	}
	p.checkAxe("second step after a refused passkey (/login/passkey)")
	p.do("signatures as made", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{AuthenticatorID: authenticator})
		return err
	}))
	passkeyClick(t, p, "use the passkey", "#passkey-use", "/queue")

	keys, err := s.App.DB.Passkeys(context.Background(), u.ID)
	if err != nil || len(keys) != 1 || keys[0].LastUsedAt.IsZero() || keys[0].SignCount == 0 || !keys[0].UserVerified {
		t.Errorf("the passkey after signing in: %+v %v", keys, err)
	}
	audits, err := s.App.DB.AuditOf(context.Background(), "user", strconv.FormatInt(u.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	var signedIn bool
	for _, a := range audits {
		signedIn = signedIn || a.Action == "auth.passkey_login"
	}
	if !signedIn {
		t.Error("no auth.passkey_login in the audit log")
	}

	// A new officer whose organisation requires a second factor enrols a
	// passkey instead of an authenticator app, and is signed in.
	const newcomer = "new.passkey.officer@example.jp"
	nu := s.AddUserToEnrol(t, newcomer, "pref-13", auth.RoleIntake, password)
	passkeyClick(t, p, "sign out", `form[action="/logout"] button`, "/login?done=logged_out")
	p.open("/login", http.StatusOK)
	p.do("e-mail and password",
		chromedp.SendKeys(chromedp.CSS("#email"), newcomer),
		chromedp.SendKeys(chromedp.CSS("#password"), password))
	passkeyClick(t, p, "sign in with the password", `form[action="/login"] button[type="submit"]`, "/login/enroll")
	p.checkAxe("enrolment with an app or a passkey (/login/enroll)")
	p.do("name the passkey", chromedp.SendKeys(chromedp.CSS("#passkey-name"), "私物のスマートフォン"))
	passkeyClick(t, p, "register the passkey at enrolment", "#passkey-register", "/queue")
	if keys, err := s.App.DB.Passkeys(context.Background(), nu.ID); err != nil || len(keys) != 1 || keys[0].Name != "私物のスマートフォン" {
		t.Errorf("the newcomer's passkeys: %+v %v", keys, err)
	}
}

// passkeySignIn enters the password on the sign-in page and expects the
// second step.
func passkeySignIn(t *testing.T, p *browserPhone, email, password string) {
	t.Helper()
	p.open("/login", http.StatusOK)
	p.do("e-mail and password",
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password))
	passkeyClick(t, p, "sign in with the password", `form[action="/login"] button[type="submit"]`, "/login/totp")
}

// passkeyClick clicks and waits until the page's address ends with want
// (a script may submit the form some moments after the click).
func passkeyClick(t *testing.T, p *browserPhone, what, sel, want string) {
	t.Helper()
	p.do(what, chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(browserStepTimeout)
	for {
		loc, err := chromedp.Run(p.ctx, chromedp.Location())
		ready := browserEval[string](p, `document.readyState`)
		if err == nil && strings.HasSuffix(loc, want) && ready == "complete" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still at %s, want …%s; page says %q", what, loc, want, p.text("main"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
