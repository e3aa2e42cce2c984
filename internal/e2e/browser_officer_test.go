package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
)

// TestBrowserOfficerPages is a Tokyo officer's working day in Chromium
// (issue 10, items 9–12): the queue at 1366 and 1920 px wide fits its box
// (no clipped summary), at 390 px it scrolls in its own region with the
// receipt column in view; the assigned-to-me filter; the report page in
// officer words, with the contact details behind a button; a search whose
// snippet is the reporter's own text. axe-core checks every page visited.
func TestBrowserOfficerPages(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()

	s := apptest.Start(t)
	const officer, password = "tokyo.officer@example.jp", "sakura-kaede-momiji-2024"
	me := s.AddUser(t, officer, "pref-13", auth.RoleIntake, password)
	ids := browserOfficerReports(t, s, 64)
	browserOfficerAssign(t, s, me, ids[:3]...)
	mine := ids[0]

	p := browserStart(t, ctx, s.URL)
	browserOfficerSignIn(t, p, s, officer, password)

	// 1. The queue on desktop screens: the table fits its box.
	for _, w := range []struct{ width, height int64 }{{1366, 768}, {1920, 1080}} {
		p.do(fmt.Sprintf("a %d px screen", w.width), chromedp.EmulateViewport(w.width, w.height))
		p.open("/queue", http.StatusOK)
		fit := browserEval[map[string]float64](p, `(() => {
			const box = document.querySelector("#queue").closest(".table-scroll");
			const sum = document.querySelector("#queue tbody tr td:last-child").getBoundingClientRect();
			const b = box.getBoundingClientRect();
			return {scroll: box.scrollWidth, client: box.clientWidth, box: b.width, main: document.querySelector("main").clientWidth,
				sumRight: sum.right, boxRight: b.right, sumWidth: sum.width}; })()`)
		t.Logf("%d px: queue box %v", w.width, fit)
		if fit["scroll"] > fit["client"] || fit["sumRight"] > fit["boxRight"]+0.5 {
			t.Errorf("%d px: the queue table (%v px) does not fit its box (%v px): the summary is clipped", w.width, fit["scroll"], fit["client"])
		}
		if fit["box"] < float64(w.width)-100 {
			t.Errorf("%d px: the queue's box is %v px wide: the page does not use the screen", w.width, fit["box"])
		}
		if got := p.text("#queue-count"); got != "1–50 / 64件" {
			t.Errorf("%d px: queue count %q, want 1–50 / 64件", w.width, got)
		}
		p.shot(fmt.Sprintf("officer-queue-%d", w.width))
		p.checkAxe(fmt.Sprintf("queue at %d px (/queue)", w.width))
	}

	// 2. Assigned to me: tick the box, apply; the filter stays on the page.
	p.do("a 1366 px screen", chromedp.EmulateViewport(1366, 768))
	p.open("/queue", http.StatusOK)
	p.do("tick assigned to me", chromedp.Click(chromedp.CSS("#q-mine")))
	browserOfficerSubmit(t, p, "apply the filters", `form.filters button[type="submit"]`)
	if loc := browserEval[string](p, `location.search`); !strings.Contains(loc, "assignee=me") {
		t.Errorf("after applying the filter the address is %s", loc)
	}
	rows := browserEval[[]string](p, `Array.from(document.querySelectorAll("#queue tbody tr td:first-child a")).map(a => a.getAttribute("href"))`)
	if len(rows) != 3 || !browserEval[bool](p, `document.getElementById("q-mine").checked`) || p.text("#queue-count") != "1–3 / 3件" {
		t.Errorf("assigned to me: rows %v, count %q", rows, p.text("#queue-count"))
	}
	p.shot("officer-queue-mine")
	p.checkAxe("queue, assigned to me (/queue?assignee=me)")

	// 3. A phone, 390 px: the table scrolls in its own region and the
	// receipt column stays in view.
	p.do("a 390 px phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulatePortrait))
	p.open("/queue", http.StatusOK)
	phone := browserEval[map[string]float64](p, `(() => {
		const box = document.querySelector("#queue").closest(".table-scroll");
		const before = box.scrollWidth - box.clientWidth;
		box.scrollLeft = box.scrollWidth;
		const b = box.getBoundingClientRect();
		const link = document.querySelector("#queue tbody tr td:first-child a").getBoundingClientRect();
		const sum = document.querySelector("#queue tbody tr td:last-child").getBoundingClientRect();
		return {overflow: before, scrolled: box.scrollLeft, tab: box.tabIndex, boxLeft: b.left, boxRight: b.right,
			linkLeft: link.left, linkRight: link.right, sumLeft: sum.left, sumRight: sum.right,
			page: document.documentElement.scrollWidth, screen: window.innerWidth}; })()`)
	t.Logf("390 px: %v", phone)
	switch {
	case phone["page"] > phone["screen"]:
		t.Errorf("390 px: the page is %v px wide on a %v px screen", phone["page"], phone["screen"])
	case phone["overflow"] > 0 && (phone["scrolled"] == 0 || phone["tab"] != 0):
		t.Errorf("390 px: the table is wider than the screen but its region does not scroll or take the keyboard: %v", phone)
	case phone["linkLeft"] < phone["boxLeft"]-0.5 || phone["linkRight"] > phone["boxRight"]+0.5:
		t.Errorf("390 px: scrolled to the end, the receipt link left the screen: %v", phone)
	case phone["sumRight"] > phone["boxRight"]+0.5 || phone["sumLeft"] < phone["boxLeft"]:
		t.Errorf("390 px: scrolled to the end, the summary is not in view: %v", phone)
	}
	p.shot("officer-queue-390-scrolled")
	p.checkAxe("queue at 390 px (/queue)")

	// 4. The report page: officer words, contact details behind a button.
	p.do("a 1366 px screen", chromedp.EmulateViewport(1366, 768))
	reportPath := fmt.Sprintf("/reports/%d", mine)
	p.open(reportPath, http.StatusOK)
	facts := p.text("main")
	for _, want := range []string{"居住地（都道府県）", "通報内容", "通報者の連絡先", "記入あり：氏名・メールアドレス", "通報者とのやりとり", "一般（匿名）"} {
		if !strings.Contains(facts, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	for _, public := range []string{"あなた", "お住まいの都道府県", "hanako.yamada@example.jp", "山田 花子"} {
		if strings.Contains(facts, public) {
			t.Errorf("report page shows %q before the contact details are asked for", public)
		}
	}
	if foot := p.text("footer"); strings.Contains(foot, "24時間") {
		t.Errorf("officer page footer speaks to the public: %q", foot)
	}
	if note := p.text("#reply-note"); !strings.Contains(note, "メールは送られません") {
		t.Errorf("reply note %q does not say no e-mail goes (no SMTP here)", note)
	}
	p.shot("officer-report")
	p.checkAxe("report (/reports/…)")
	browserOfficerSubmit(t, p, "show the contact details", `#f-contact button[type="submit"]`)
	if c := p.text("#contact"); !strings.Contains(c, "hanako.yamada@example.jp") || !strings.Contains(c, "山田 花子") {
		t.Errorf("after the button the contact details read %q", c)
	}
	if hist := p.text("#history"); !strings.Contains(hist, officer+"（警視庁） · 連絡先を閲覧") {
		t.Errorf("history does not name the officer who saw the details: %q", hist)
	}
	p.shot("officer-report-contact")
	p.checkAxe("report with contact details (POST /reports/…/contact)")

	// 5. Search: the snippet is the reporter's text as written, the match
	// marked, found across half-width and full-width forms.
	p.open("/search?q="+url.QueryEscape("ミズホ"), http.StatusOK)
	marks := browserEval[[]string](p, `Array.from(document.querySelectorAll("#search-results td.snippet mark")).map(m => m.textContent)`)
	snippet := p.text("#search-results td.snippet")
	if len(marks) == 0 || marks[0] != "ﾐｽﾞﾎ" || !strings.Contains(snippet, "SNSで勧誘され") {
		t.Errorf("search snippet %q marks %q; want the reporter's ﾐｽﾞﾎ and SNS as written", snippet, marks)
	}
	p.shot("officer-search")
	p.checkAxe("search (/search?q=ミズホ)")

	t.Logf("officer browser test took %s", time.Since(start).Round(100*time.Millisecond))
}

// browserOfficerReports files n Tokyo reports at once, a mix of long and
// short texts, urgent and open freeze windows, and returns their ids,
// oldest first.
func browserOfficerReports(t *testing.T, s *apptest.Server, n int) []int64 {
	t.Helper()
	now := s.App.Clock.Now()
	long := "SNSで勧誘され、ﾐｽﾞﾎ銀行の口座に振り込んだ。相手は投資のプロを名乗り、LINEのグループで毎日の利益を見せてきた。出金しようとすると手数料を求められ、連絡が取れなくなった。送信元 090-1234-5678"
	cats := []string{"FR", "MW", "CI", "HR", "PH"}
	subs := make([]intake.Submission, n)
	for i := range subs {
		sub := intake.Submission{Kind: intake.KindReport, Category: cats[i%len(cats)], Prefecture: "13", Consent: true,
			Description: fmt.Sprintf("%d件目：%s", i+1, long),
			Contact:     intake.Contact{Name: "山田 花子", Email: "hanako.yamada@example.jp"}}
		if i%3 == 0 {
			sub.Money = intake.Money{AmountJPY: 1_200_000, SentAt: now.Add(-time.Hour)}
		}
		if i%7 == 0 {
			sub.Description = "短い相談"
		}
		subs[i] = sub
	}
	subs[0].Description = long
	rcs, errs := s.App.Intake.SubmitBatch(context.Background(), subs, intake.Origin{Source: "web", IP: "192.0.2.10"})
	ids := make([]int64, n)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
		ids[i] = rcs[i].ReportID
	}
	return ids
}

// browserOfficerAssign gives reports to an officer, as the assign form does.
func browserOfficerAssign(t *testing.T, s *apptest.Server, to *auth.User, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		err := s.App.DB.UpdateReport(context.Background(), id, func(r *intake.Report) (audit.Entry, error) {
			r.AssigneeID, r.Status = to.ID, intake.StatusInProgress
			return audit.Entry{Actor: audit.System, Action: "report.assign", ObjectType: "report", ObjectID: fmt.Sprint(id)}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// browserOfficerSignIn signs the officer in over HTTP (password and second
// factor; the keyboard path is TestBrowserReportToReply's) and hands the
// session to the browser.
func browserOfficerSignIn(t *testing.T, p *browserPhone, s *apptest.Server, email, password string) {
	t.Helper()
	c := s.Login(t, email, password)
	u, _ := url.Parse(s.URL)
	httpOnly := true
	for _, ck := range c.Jar.Cookies(u) {
		p.do("hand the session to the browser", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: s.URL,
				Path: "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax})
			return err
		}))
	}
}

// browserOfficerSubmit clicks a submit button and waits for the page it
// leads to, which must answer 200.
func browserOfficerSubmit(t *testing.T, p *browserPhone, what, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp == nil || resp.Status != http.StatusOK {
		t.Fatalf("%s: status %v", what, browserStatusOf(resp))
	}
}
