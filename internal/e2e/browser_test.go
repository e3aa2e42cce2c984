package e2e_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/locale"
)

// TestBrowserReportToReply follows one phishing report from a citizen's phone
// to an officer's reply and back, in a real Chromium against a real koban:
// the citizen fills in the Japanese form with the keyboard alone, the Tokyo
// officer finds the report in the queue and replies, the citizen reads the
// reply on the status page, and the Osaka officer cannot see the report.
// axe-core checks the public pages and the queue for WCAG 2.1 A/AA.
func TestBrowserReportToReply(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	ja := func(key string) string { return cats.T("ja", key) }

	s := apptest.Start(t)
	const (
		tokyo    = "tokyo.intake@example.jp"
		osaka    = "osaka.intake@example.jp"
		password = "sakura-kaede-momiji-2024"
	)
	s.AddUser(t, tokyo, "pref-13", auth.RoleIntake, password)
	s.AddUser(t, osaka, "pref-27", auth.RoleIntake, password)

	p := browserStart(t, ctx, s.URL)

	// 1. The home page, then the report form, reached with Tab and Enter.
	p.open("/", http.StatusOK)
	if lang := browserEval[string](p, `document.documentElement.lang`); lang != "ja" {
		t.Fatalf("home page in language %q, want ja (Accept-Language ja-JP)", lang)
	}
	t.Logf("navigator.languages = %s", browserEval[string](p, `JSON.stringify(navigator.languages)`))
	p.tabTo(`a.choice[href="/report?kind=report"]`, 10)
	if st, loc := p.keysAndWait("follow the report link with Enter", kb.Enter); st != http.StatusOK || !strings.HasSuffix(loc, "/report?kind=report") {
		t.Fatalf("report link: status %d at %s", st, loc)
	}
	if h1 := p.text("h1"); h1 != ja("form.heading") {
		t.Errorf("form heading %q, want %q", h1, ja("form.heading"))
	}
	p.shot("form")
	p.checkAxe("report form (/report)")

	// 2. Fill in the form with the keyboard: Tab between controls, arrow keys
	// inside the category radio group, typing, Space for the checkbox.
	const (
		description = "SMSで届いたリンク https://sagawa-check.example.com/login から、カード番号を入力してしまいました。送信元は090-1234-5678です。"
		email       = "hanako.yamada@example.jp"
	)
	p.tabTo("#kind-report", 10) // the checked radio of the first group
	p.tabTo("#cat-unknown", 2)  // Tab enters the next group at its checked radio
	p.arrowTo("#cat-PH", 20)
	p.tabTo("#description", 3)
	p.typeText(description)
	p.tabTo("#prefecture", 40) // past the date-time fields and the amount
	p.typeText("東京都")          // type-ahead in a closed select
	p.tabTo("#contact_email", 4)
	p.typeText(email)
	// A file input cannot be filled from the keyboard; set the file directly.
	p.do("attach evidence", chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{browserEvidencePNG(t)}))
	p.tabTo("#consent", 8)
	p.typeText(" ") // Space ticks the box
	p.tabTo(`#f-form button[type="submit"]`, 3)

	form := browserEval[map[string]any](p, `(() => { const f = document.getElementById("f-form"); return {
		kind: f.kind.value, category: f.category.value, description: f.description.value,
		prefecture: f.prefecture.value, email: f.contact_email.value, consent: f.consent.checked,
		files: Array.from(f.files.files).map(x => x.name).join(",") }; })()`)
	p.shot("form-filled")
	want := map[string]any{"kind": "report", "category": "PH", "description": description, "prefecture": "13",
		"email": email, "consent": true, "files": "sms-screenshot.png"}
	for k, v := range want {
		if form[k] != v {
			t.Errorf("form field %s = %#v after the key presses, want %#v", k, form[k], v)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	st, loc := p.keysAndWait("submit the form with Enter on the button", kb.Enter)
	if st != http.StatusOK || !strings.Contains(loc, "/s/") || !strings.HasSuffix(loc, "?new=1") {
		t.Fatalf("after submitting: status %d at %s; errors: %s", st, loc,
			browserEval[string](p, `Array.from(document.querySelectorAll(".field-error, .error-summary li")).map(e => e.textContent.trim()).join(" / ")`))
	}

	// 3. The receipt: number, first advice for phishing, status link.
	receipt := p.text("#receipt-number")
	if !regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]$`).MatchString(receipt) {
		t.Fatalf("receipt number %q is not XXXX-XXXX-X", receipt)
	}
	if norm, ok := intake.NormalizeReceipt(receipt); !ok || norm != receipt {
		t.Errorf("receipt number %q fails its check character", receipt)
	}
	advice := browserEval[[]string](p, `Array.from(document.querySelectorAll(".advice h3")).map(h => h.textContent.trim())`)
	if !slices.Contains(advice, ja("advice.PH.title")) {
		t.Errorf("advice titles %q do not include the phishing advice %q", advice, ja("advice.PH.title"))
	}
	statusLink := browserEval[string](p, `document.getElementById("status-link").href`)
	// Without KOBAN_BASE_URL the link is relative (never built from the
	// request's Host header): it shows its path, and points to this server.
	if shown := p.text("#status-link"); s.URL+shown != statusLink || !strings.HasPrefix(statusLink, s.URL+"/s/") {
		t.Errorf("status link shows %q, points to %q; want /s/… pointing to %s/s/…", shown, statusLink, s.URL)
	}
	t.Logf("receipt %s", receipt)
	p.shot("receipt")
	p.checkAxe("receipt (/s/…?new=1)")

	// 4. The Tokyo officer signs in with the keyboard and finds the report
	// first in the queue.
	p.open("/login", http.StatusOK)
	p.tabTo("#email", 10)
	p.typeText(tokyo)
	p.tabTo("#password", 1)
	p.typeText(password)
	if st, loc := p.keysAndWait("sign in with Enter", kb.Enter); st != http.StatusOK || loc != s.URL+"/login/totp" {
		t.Fatalf("sign in: status %d at %s; page says %q", st, loc, p.text("main"))
	}
	// The second factor, which police organisations require by default.
	p.tabTo("#code", 10)
	p.typeText(s.NextCode(t, tokyo))
	if st, loc := p.keysAndWait("send the code with Enter", kb.Enter); st != http.StatusOK || loc != s.URL+"/queue" {
		t.Fatalf("second factor: status %d at %s; page says %q", st, loc, p.text("main"))
	}
	first := browserEval[[]string](p, `(() => { const r = document.querySelector("#queue tbody tr");
		if (!r) return [];
		return [r.querySelector("a").textContent.trim(), r.querySelector("a").getAttribute("href"),
			...Array.from(r.cells).map(c => c.textContent.trim())]; })()`)
	if len(first) < 2 || first[0] != receipt {
		t.Fatalf("first queue row %q, want receipt %s", first, receipt)
	}
	reportPath := first[1]
	if !regexp.MustCompile(`^/reports/[0-9]+$`).MatchString(reportPath) {
		t.Fatalf("queue links to %q", reportPath)
	}
	row := strings.Join(first[2:], " | ")
	for _, w := range []string{ja("category.PH.name"), "東京都", ja("status.new")} {
		if !strings.Contains(row, w) {
			t.Errorf("queue row %q lacks %q", row, w)
		}
	}
	p.shot("queue")
	p.checkAxe("queue (/queue)")

	// 5. The report: observables found in the description, then a reply.
	p.open(reportPath, http.StatusOK)
	obs := p.text("#observables")
	for _, w := range []string{"+819012345678", "https://sagawa-check.example.com/login"} {
		if !strings.Contains(obs, w) {
			t.Errorf("observables table lacks %q:\n%s", w, obs)
		}
	}
	if files := p.text("main"); !strings.Contains(files, "sms-screenshot.png") {
		t.Errorf("report page does not list the evidence file sms-screenshot.png")
	}
	const reply = "ご連絡ありがとうございます。警視庁サイバー犯罪対策課の担当です。カード会社に連絡し、カードを止めてください。"
	p.tabTo("#reply-body", 60)
	p.typeText(reply)
	p.tabTo(`#f-body button[type="submit"]`, 2)
	if st, loc := p.keysAndWait("send the reply with Enter", kb.Enter); st != http.StatusOK || !strings.HasSuffix(loc, reportPath+"?done=reply") {
		t.Fatalf("reply: status %d at %s; page says %q", st, loc, p.text("main"))
	}
	if n := p.text(".notice"); n != ja("notice.reply") {
		t.Errorf("notice %q, want %q", n, ja("notice.reply"))
	}
	p.shot("detail")

	// 5b. The phone number's page in the national index, and the link
	// graph around the report, drawn by cytoscape beside its table.
	p.open("/observables/phone/%2B819012345678", http.StatusOK)
	if nat := p.text("#national"); !strings.Contains(nat, "1件") {
		t.Errorf("observable page national summary %q", nat)
	}
	p.checkAxe("observable (/observables/phone/…)")
	p.open("/graph?node=report:"+strings.TrimPrefix(reportPath, "/reports/"), http.StatusOK)
	if rows := p.text("#graph-table tbody"); !strings.Contains(rows, "090-1234-5678") {
		t.Errorf("graph table lacks the phone number:\n%s", rows)
	}
	p.do("wait for the drawing", chromedp.WaitVisible("#graph canvas"))
	if n := browserEval[int](p, `document.querySelectorAll("#graph canvas").length`); n == 0 {
		t.Error("cytoscape drew nothing (blocked by the page's security policy?)")
	}
	p.shot("graph")
	p.checkAxe("graph (/graph)")

	// The officer's own account: second factor, password, sessions.
	p.open("/account", http.StatusOK)
	if state := p.text("#totp-state"); !strings.Contains(state, "認証アプリが設定されています") {
		t.Errorf("account page says of the second factor: %q", state)
	}
	p.shot("account")
	p.checkAxe("account (/account)")

	// Sign out with the keyboard; the session must be gone.
	p.tabTo(`form[action="/logout"] button`, 20)
	if st, loc := p.keysAndWait("sign out with Enter", kb.Enter); st != http.StatusOK || !strings.HasSuffix(loc, "/login?done=logged_out") {
		t.Fatalf("sign out: status %d at %s", st, loc)
	}
	p.open("/queue", http.StatusOK) // redirected to the sign-in page
	if loc := browserEval[string](p, `location.pathname`); loc != "/login" {
		t.Errorf("after signing out /queue shows %s, want /login", loc)
	}

	// 6. The citizen opens the status link: the reply and the new state.
	u, err := url.Parse(statusLink)
	if err != nil {
		t.Fatal(err)
	}
	p.open(u.Path, http.StatusOK)
	if msgs := p.text("#messages"); !strings.Contains(msgs, reply) {
		t.Errorf("status page messages lack the reply:\n%s", msgs)
	}
	if state := p.text("#report-state"); state != ja("status.in_progress") {
		t.Errorf("status page state %q, want %q", state, ja("status.in_progress"))
	}
	p.shot("status")
	p.checkAxe("status (/s/…)")

	// A mistyped address: the site's own 404 page, which axe checks too.
	p.open("/repot", http.StatusNotFound)
	if h := p.text("h1"); h != ja("error.not_found_title") {
		t.Errorf("404 page heading %q", h)
	}
	p.shot("not-found")
	p.checkAxe("404 (/repot)")

	// 7. Osaka's officer sees nothing of a Tokyo report.
	c := s.Login(t, osaka, password)
	if code, body := browserGet(t, c, s.URL+"/queue"); code != http.StatusOK || strings.Contains(body, receipt) {
		t.Errorf("Osaka /queue: status %d, contains %s: %v", code, receipt, strings.Contains(body, receipt))
	}
	if code, body := browserGet(t, c, s.URL+reportPath); code != http.StatusNotFound || strings.Contains(body, receipt) {
		t.Errorf("Osaka %s: status %d, want 404 (receipt shown: %v)", reportPath, code, strings.Contains(body, receipt))
	}

	t.Logf("browser test took %s", time.Since(start).Round(100*time.Millisecond))
}

func browserGet(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
