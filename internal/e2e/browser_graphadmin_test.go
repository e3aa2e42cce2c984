package e2e_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// graphAdminCSPWatch is injected into every page before its own scripts:
// it keeps each Content-Security-Policy violation the page reports.
const graphAdminCSPWatch = `window.__kobanCSP = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__kobanCSP.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});`

// graphAdminWatch collects what the browser says about the pages: CSP
// violations reported to the page and security messages in the console.
type graphAdminWatch struct {
	mu      sync.Mutex
	console []string
}

func (w *graphAdminWatch) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.console = append(w.console, s)
}

func (w *graphAdminWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.console
	w.console = nil
	return out
}

// graphAdminWatchCSP makes every page of p report its CSP violations, both
// to a list the page keeps and through the browser's log.
func graphAdminWatchCSP(t *testing.T, p *browserPhone) *graphAdminWatch {
	t.Helper()
	w := &graphAdminWatch{}
	if err := chromedp.Listen(p.ctx, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && e.Entry != nil &&
			(strings.Contains(e.Entry.Text, "Content Security Policy") || e.Entry.Source == cdplog.EntrySourceSecurity) {
			w.add(e.Entry.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	p.do("watch for CSP violations", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: graphAdminCSPWatch})
		return err
	}))
	return w
}

// checkCSP fails the test if the page, or the browser's log since the last
// check, reported a CSP violation.
func (w *graphAdminWatch) checkCSP(t *testing.T, p *browserPhone, pageName string) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // log events arrive after the page's own
	seen := browserEval[[]string](p, `window.__kobanCSP || ["the watch script did not run"]`)
	seen = append(seen, w.take()...)
	if len(seen) > 0 {
		t.Errorf("the %s page reported Content-Security-Policy violations:\n%s", pageName, strings.Join(seen, "\n"))
	}
}

// graphAdminFile files a report through the public form (multipart, as a
// browser sends it) and returns its receipt number.
func graphAdminFile(t *testing.T, s *apptest.Server, fields map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	c := s.Client()
	req, _ := http.NewRequest("POST", s.URL+"/report", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("file a report: %d", resp.StatusCode)
	}
	_, page := browserGet(t, c, s.URL+resp.Header.Get("Location"))
	m := regexp.MustCompile(`id="receipt-number">([^<]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no receipt number after filing a report")
	}
	return m[1]
}

// graphAdminSignIn signs in through the pages with the keyboard: e-mail,
// password, then the code from the authenticator.
func graphAdminSignIn(t *testing.T, p *browserPhone, s *apptest.Server, email, password, wantAt string) {
	t.Helper()
	p.open("/login", http.StatusOK)
	p.tabTo("#email", 10)
	p.typeText(email)
	p.tabTo("#password", 1)
	p.typeText(password)
	if st, loc := p.keysAndWait("sign in with Enter", kb.Enter); st != http.StatusOK || loc != s.URL+"/login/totp" {
		t.Fatalf("sign in %s: status %d at %s", email, st, loc)
	}
	p.tabTo("#code", 10)
	p.typeText(s.NextCode(t, email))
	if st, loc := p.keysAndWait("send the code with Enter", kb.Enter); st != http.StatusOK || loc != s.URL+wantAt {
		t.Fatalf("second factor of %s: status %d at %s, want %s", email, st, loc, wantAt)
	}
}

// graphAdminSubmit presses Enter on the submit button of the form sel and
// returns the status and address of the page that follows.
func graphAdminSubmit(p *browserPhone, sel string) (int64, string) {
	p.t.Helper()
	p.tabTo(sel+` button[type="submit"]`, 40)
	return p.keysAndWait("submit "+sel, kb.Enter)
}

// TestBrowserGraphAdmin: an investigator opens the link graph by the receipt
// number as written on the reporter's receipt, reads its nodes in words,
// and cytoscape draws it without a single CSP violation; the clusters list
// tells what each campaign is. An administrator then resets an officer's
// password (the officer must choose a new one), changes their role,
// disables and enables them, adds a station and confirms a change of the
// second-factor rule. axe-core checks every page visited.
func TestBrowserGraphAdmin(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	s := apptest.Start(t)
	const (
		investigator = "tokyo.investigator@example.jp"
		adminEmail   = "tokyo.admin@example.jp"
		officerEmail = "tokyo.officer@example.jp"
		password     = "sakura-kaede-momiji-2024"
	)
	s.AddUser(t, investigator, "pref-13", auth.RoleInvestigator, password)
	s.AddUser(t, adminEmail, "pref-13", auth.RoleAdmin, password)
	officer := s.AddUser(t, officerEmail, "pref-13", auth.RoleIntake, password)

	base := map[string]string{"kind": "report", "category": "PH", "prefecture": "13", "consent": "yes", "contact_email": "victim@example.jp"}
	with := func(kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	receipt := graphAdminFile(t, s, with("description", "SMSのリンク https://sagawa-check.example.com/login から入力。送信元 090-1234-5678", "amount_jpy", "120000"))
	graphAdminFile(t, s, with("category", "FR", "description", "090-1234-5678 から電話。振込先 みずほ銀行 新宿支店 普通 1234567", "amount_jpy", "300000"))
	graphAdminFile(t, s, with("prefecture", "27", "description", "大阪の件です。電話 090-1234-5678 から。送金先 osaka-only@example.jp", "amount_jpy", "5000000"))

	p := browserStart(t, ctx, s.URL)
	watch := graphAdminWatchCSP(t, p)
	visit := func(name string) {
		t.Helper()
		watch.checkCSP(t, p, name)
		p.shot(name)
		p.checkAxe(name)
	}

	// 1. The graph, from the receipt number written as an officer might
	// type it from a phone call: lower case, no hyphens.
	graphAdminSignIn(t, p, s, investigator, password, "/queue")
	if n := browserEval[int](p, `document.querySelectorAll('header nav a[href="/graph"]').length`); n != 1 {
		t.Errorf("the menu has %d links to the graph, want 1", n)
	}
	// The watch itself: a style attribute set by a script is a violation
	// it must see, both on the page and in the browser's log.
	p.do("break the policy on purpose", chromedp.Evaluate[chromedp.Void](`document.body.setAttribute("style", "color: red")`))
	time.Sleep(200 * time.Millisecond)
	if page, logged := browserEval[[]string](p, `window.__kobanCSP`), watch.take(); len(page) == 0 || len(logged) == 0 {
		t.Fatalf("the CSP watch missed a violation: page %v, log %v", page, logged)
	}
	spelled := strings.ToLower(strings.ReplaceAll(receipt, "-", ""))
	p.open("/graph?node="+spelled, http.StatusOK)
	p.do("wait for the drawing", chromedp.WaitVisible("#graph canvas"))
	if n := browserEval[int](p, `document.querySelectorAll("#graph canvas").length`); n == 0 {
		t.Error("cytoscape drew nothing")
	}
	drawn := p.text("#graph-count") + "\n" + p.text("#graph-table")
	for _, want := range []string{receipt + "（フィッシング）", "電話番号：090-1234-5678", "URL：https://sagawa-check.example.com/login",
		"「" + receipt + "（フィッシング）」から2段まで"} {
		if !strings.Contains(drawn, want) {
			t.Errorf("the graph does not say %q:\n%s", want, drawn)
		}
	}
	for _, code := range []string{"report:", "phone:", "url:", "bank_account", "hidden:"} {
		if strings.Contains(drawn, code) {
			t.Errorf("the graph shows koban's code %q", code)
		}
	}
	labels := browserEval[[]string](p, `JSON.parse(document.getElementById("graph").dataset.graph).nodes.map(n => n.label)`)
	for _, l := range labels {
		if strings.Contains(l, "report:") || strings.Contains(l, "phone:") || strings.Contains(l, "bank_account") {
			t.Errorf("a node is drawn as %q", l)
		}
	}
	if !strings.Contains(strings.Join(labels, "|"), "閲覧できない記録1件") {
		t.Errorf("Osaka's report is not drawn as a count: %q", labels)
	}
	// The steps in the table are those of the drawing: 1 and 2, as chosen.
	steps := browserEval[[]string](p, `Array.from(document.querySelectorAll("#graph-table tbody tr td:last-child")).map(td => td.textContent.trim())`)
	depths := browserEval[[]int](p, `JSON.parse(document.getElementById("graph").dataset.graph).nodes.map(n => n.depth)`)
	if max := graphAdminMax(depths); max != 2 || !graphAdminHas(steps, "1", "2") || graphAdminHas(steps, "3") {
		t.Errorf("the table's steps %v, the drawing's deepest node at %d: want 1 and 2 for 2 steps", steps, max)
	}
	// The start box looks like every other text field.
	if b := browserEval[string](p, `getComputedStyle(document.getElementById("node")).borderTopWidth`); b != "2px" {
		t.Errorf("the start box has a %s border, unlike koban's fields", b)
	}
	if n := browserEval[int](p, `document.querySelectorAll("[style]").length - document.querySelectorAll("#graph [style], #graph[style]").length`); n != 0 {
		t.Errorf("%d elements outside the drawing carry a style attribute", n)
	}
	visit("graph-by-receipt")

	// A bare value starts a graph too.
	p.open("/graph?node=090-1234-5678", http.StatusOK)
	p.do("wait for the drawing", chromedp.WaitVisible("#graph canvas"))
	if c := p.text("#graph-count"); !strings.Contains(c, "電話番号：090-1234-5678") {
		t.Errorf("graph from a bare number: %q", c)
	}
	watch.checkCSP(t, p, "graph from a bare number")

	// 2. The clusters: what each campaign is, from what Tokyo may see.
	p.open("/clusters", http.StatusOK)
	row := p.text("#clusters tbody tr")
	for _, want := range []string{"電話番号", "090-1234-5678", "東京都、大阪府", "3件", "うち閲覧できない記録1件", "420,000円"} {
		if !strings.Contains(row, want) {
			t.Errorf("the cluster's line lacks %q: %s", want, row)
		}
	}
	for _, secret := range []string{"osaka-only", "5,000,000", "5,420,000"} {
		if strings.Contains(p.text("main"), secret) {
			t.Errorf("the clusters list shows %q, from Osaka's report", secret)
		}
	}
	visit("clusters")
	p.tabTo(`form[action="/logout"] button`, 80)
	p.keysAndWait("sign out", kb.Enter)

	// 3. The administrator: reset the officer's password.
	graphAdminSignIn(t, p, s, adminEmail, password, "/queue")
	userPath := "/admin/users/" + strconv.FormatInt(officer.ID, 10)
	p.open(userPath, http.StatusOK)
	visit("admin-user")
	if st, loc := graphAdminSubmit(p, "#f-reset-password"); st != http.StatusOK || loc != s.URL+userPath+"/password" {
		t.Fatalf("reset password: %d at %s", st, loc)
	}
	oneTime := p.text("#new-password")
	if len(oneTime) < 12 {
		t.Fatalf("one-time password %q", oneTime)
	}
	visit("admin-password-reset")

	// Role: investigator, kept in Tokyo.
	p.open(userPath, http.StatusOK)
	p.do("choose a role", chromedp.SetValue("#role", "investigator"))
	if st, loc := graphAdminSubmit(p, "#f-placement"); st != http.StatusOK || loc != s.URL+userPath+"?done=placement_saved" {
		t.Fatalf("change role: %d at %s", st, loc)
	}
	if n := p.text(".notice"); !strings.Contains(n, "役割と組織を変更しました") {
		t.Errorf("after the change: %q", n)
	}
	// A partner role in a police organisation is refused, on its field.
	p.do("choose the partner role", chromedp.SetValue("#role", "partner"))
	if st, _ := graphAdminSubmit(p, "#f-placement"); st != http.StatusUnprocessableEntity {
		t.Errorf("partner role in the MPD: %d", st)
	}
	if e := p.text("#e-role"); !strings.Contains(e, "連携機関") {
		t.Errorf("the role's error says %q", e)
	}
	visit("admin-placement-refused")

	// Disable, then enable again.
	p.open(userPath, http.StatusOK)
	if st, loc := graphAdminSubmit(p, "#f-disable"); st != http.StatusOK || !strings.HasSuffix(loc, "?done=user_disabled") {
		t.Fatalf("disable: %d at %s", st, loc)
	}
	if state := p.text("#user-state"); !strings.Contains(state, "無効") {
		t.Errorf("after disabling: %q", state)
	}
	visit("admin-disabled")
	if st, loc := graphAdminSubmit(p, "#f-disable"); st != http.StatusOK || !strings.HasSuffix(loc, "?done=user_enabled") {
		t.Fatalf("enable: %d at %s", st, loc)
	}

	// 4. A station, listed under its parent; the second-factor rule, confirmed.
	p.open("/admin/orgs", http.StatusOK)
	p.do("fill in the station", chromedp.SetValue("#parent", "pref-13"))
	p.tabTo("#code", 30)
	p.typeText("pref-13-shinjuku")
	p.tabTo("#name_ja", 2)
	p.typeText("新宿警察署")
	p.tabTo("#name_en", 2)
	p.typeText("Shinjuku Police Station")
	if st, loc := graphAdminSubmit(p, "#f-form"); st != http.StatusOK || !strings.HasSuffix(loc, "/admin/orgs?done=org_created") {
		t.Fatalf("add station: %d at %s", st, loc)
	}
	order := browserEval[[]string](p, `Array.from(document.querySelectorAll("#orgs tbody tr")).map(r => r.querySelector("code").textContent + "@" + r.cells[1].className)`)
	if len(order) < 2 || order[0] != "pref-13@depth-0" || order[1] != "pref-13-shinjuku@depth-1" {
		t.Errorf("organisations listed as %v: want the station right under the MPD, indented", order)
	}
	visit("admin-orgs")
	rowID := browserEval[string](p, `document.querySelector("#orgs tbody tr:nth-child(2)").id`)
	if st, loc := graphAdminSubmit(p, "#"+rowID+" form"); st != http.StatusOK || !strings.HasSuffix(loc, "/totp/optional?") {
		t.Fatalf("ask to relax the rule: %d at %s", st, loc)
	}
	if q := p.text("#totp-confirm-question"); !strings.Contains(q, "新宿警察署の二要素認証を任意にしますか") {
		t.Errorf("the confirmation asks %q", q)
	}
	visit("admin-totp-confirm")
	p.tabTo("#totp-confirm", 30)
	if st, loc := p.keysAndWait("confirm", kb.Enter); st != http.StatusOK || !strings.HasSuffix(loc, "/admin/orgs?done=saved#"+rowID) {
		t.Fatalf("confirm: %d at %s, want back at the row %s", st, loc, rowID)
	}
	if cell := browserEval[string](p, `document.getElementById("`+rowID+`").cells[3].textContent`); !strings.Contains(cell, "任意") {
		t.Errorf("the station's rule after the change: %q", cell)
	}
	p.tabTo(`form[action="/logout"] button`, 80)
	p.keysAndWait("sign out", kb.Enter)

	// 5. The officer signs in with the one-time password and is asked to
	// choose their own before anything else.
	graphAdminSignIn(t, p, s, officerEmail, oneTime, "/account?done=password_must_change")
	if n := p.text(".notice"); !strings.Contains(n, "管理者がパスワードを再設定しました") {
		t.Errorf("the account page says %q", n)
	}
	visit("account-must-change")
	p.tabTo("#current", 30)
	p.typeText(oneTime)
	p.tabTo("#password", 2)
	p.typeText("a password of my own, 2024")
	p.tabTo("#password2", 2)
	p.typeText("a password of my own, 2024")
	if st, loc := graphAdminSubmit(p, "#f-password-form"); st != http.StatusOK || !strings.HasSuffix(loc, "/account?done=password_changed") {
		t.Fatalf("choose a password: %d at %s", st, loc)
	}
	p.open("/queue", http.StatusOK)
	if loc := browserEval[string](p, `location.pathname`); loc != "/queue" {
		t.Errorf("after choosing a password the queue is at %s", loc)
	}

	t.Logf("browser test took %s", time.Since(start).Round(100*time.Millisecond))
}

func graphAdminMax(xs []int) int {
	m := -1
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func graphAdminHas(xs []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range xs {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}
