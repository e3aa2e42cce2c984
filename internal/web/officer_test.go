package web_test

// What officers tripped on (issue 10, items 9–12): values shown in their
// stored forms, a clipped queue, words written for the public, and contact
// details audited on every page load.

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

// officerPage gets a page as the signed-in client and returns it unescaped,
// failing on any status but 200.
func officerPage(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp := must(c.Get(u))
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, page)
	}
	return html.UnescapeString(page)
}

// TestOfficerValuesShownAsRead: a phone number reads 090-1234-5678 and an
// account 三井住友銀行 渋谷支店 普通 7777777 in page titles, headings, the
// report's table, the graph's drawing and table and the cluster's values;
// the stored form stays in the links and as a second line.
func TestOfficerValuesShownAsRead(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	const desc = "SMSの番号 090-1234-5678 から。振込先は 三井住友銀行 渋谷支店 普通 7777777 です。"
	_, id := filed(t, s, with(validForm, "description", desc))
	filed(t, s, with(validForm, "description", "同じ番号 09012345678 から電話があった"))
	c := s.Login(t, "tokyo@mpd.example", pw)

	page := officerPage(t, c, s.URL+"/reports/"+id)
	for _, want := range []string{
		`<a href="/observables/phone/+819012345678"><code>090-1234-5678</code></a><span class="canonical"><code>+819012345678</code></span>`,
		`<code>三井住友銀行 渋谷支店 普通 7777777</code></a><span class="canonical"><code>name:三井住友銀行/渋谷支店/1/7777777</code></span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report page lacks %s", want)
		}
	}

	// A value's page: its title and heading as read, the stored form below.
	page = officerPage(t, c, s.URL+"/observables/phone/%2B819012345678")
	if !strings.Contains(page, "<title>090-1234-5678 | ") || !strings.Contains(page, `<code class="obs-value">090-1234-5678</code><span class="canonical"><code>+819012345678</code></span></h1>`) {
		t.Errorf("phone page title or heading in the stored form:\n%s", page)
	}
	page = officerPage(t, c, s.URL+"/observables/bank_account/name:"+url.PathEscape("三井住友銀行")+"/"+url.PathEscape("渋谷支店")+"/1/7777777")
	if !strings.Contains(page, "<title>三井住友銀行 渋谷支店 普通 7777777 | ") || strings.Contains(page, "<title>name:") {
		t.Errorf("account page title in the stored form:\n%s", page)
	}

	// The graph: the drawing's labels and the table read as people write
	// them; the node ids (links) keep the stored forms.
	raw := body(t, must(c.Get(s.URL+"/graph?node=report:"+id)))
	page = html.UnescapeString(raw)
	m := regexp.MustCompile(`data-graph="([^"]*)"`).FindStringSubmatch(raw)
	if m == nil {
		t.Fatal("graph page carries no drawing")
	}
	data := html.UnescapeString(m[1])
	if !strings.Contains(data, `"label":"電話番号：090-1234-5678"`) || !strings.Contains(data, `"id":"phone:+819012345678"`) ||
		!strings.Contains(data, `"label":"銀行口座：三井住友銀行 渋谷支店 普通 7777777"`) || strings.Contains(data, `：+81`) {
		t.Errorf("graph drawing labels: %s", data)
	}
	if !strings.Contains(page, ">電話番号：090-1234-5678</a>") {
		t.Error("graph table shows the phone number in its stored form")
	}

	// The cluster the two reports make: its values as read.
	page = officerPage(t, c, s.URL+"/clusters")
	m = regexp.MustCompile(`href="/clusters/(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no cluster listed:\n%s", page)
	}
	page = officerPage(t, c, s.URL+"/clusters/"+m[1])
	if !strings.Contains(page, "<code>090-1234-5678</code>") || strings.Contains(page, "<code>+819012345678</code></a>") {
		t.Error("cluster page shows the phone number in its stored form")
	}
}

// TestOfficerSearchShowsOriginalText: the snippet is the reporter's text as
// written with the match marked, however the query and the text are
// written (half-width katakana, full-width letters, a phone number).
func TestOfficerSearchShowsOriginalText(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	filed(t, s, with(validForm, "description", "SNSで勧誘され、ﾐｽﾞﾎ銀行の口座に振り込んだ。ＬＩＮＥでも連絡が来た。送信元 090-1234-5678"))
	filed(t, s, with(validForm, "description", "ミズホ銀行を名乗る電話があった"))
	c := s.Login(t, "tokyo@mpd.example", pw)
	for _, q := range []struct {
		query string
		want  []string
	}{
		{"sns", []string{"<mark>SNS</mark>で勧誘され"}},
		{"ＳＮＳ", []string{"<mark>SNS</mark>で勧誘され"}},
		{"ミズホ", []string{"<mark>ﾐｽﾞﾎ</mark>銀行の口座", "<mark>ミズホ</mark>銀行を名乗る"}},
		{"ﾐｽﾞﾎ", []string{"<mark>ﾐｽﾞﾎ</mark>銀行の口座", "<mark>ミズホ</mark>銀行を名乗る"}},
		{"line", []string{"<mark>ＬＩＮＥ</mark>でも"}},
		{"09012345678", []string{"送信元 <mark>090-1234-5678</mark>"}},
	} {
		page := body(t, must(c.Get(s.URL+"/search?q="+url.QueryEscape(q.query))))
		for _, w := range q.want {
			if !strings.Contains(page, w) {
				t.Errorf("search %q: results lack %s", q.query, w)
			}
		}
		if strings.Contains(page, "snsで勧誘") || strings.Contains(page, "みずほ") {
			t.Errorf("search %q shows the normalised search text", q.query)
		}
	}
}

// officerReports files n reports to Tokyo at once and returns their ids.
func officerReports(t *testing.T, s *apptest.Server, n int, desc string) []int64 {
	t.Helper()
	subs := make([]intake.Submission, n)
	for i := range subs {
		subs[i] = intake.Submission{Kind: intake.KindReport, Category: "PH", Prefecture: "13", Consent: true, Contact: intake.Contact{Email: "victim@example.jp"},
			Description: fmt.Sprintf("%s（%d件目）", desc, i+1)}
	}
	rcs, errs := s.App.Intake.SubmitBatch(context.Background(), subs, intake.Origin{Source: "web", IP: "192.0.2.7"})
	ids := make([]int64, n)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
		ids[i] = rcs[i].ReportID
	}
	return ids
}

// officerAssign gives reports to an officer, as the assign form does.
func officerAssign(t *testing.T, s *apptest.Server, to *auth.User, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		if err := s.App.DB.UpdateReport(context.Background(), id, func(r *intake.Report) (audit.Entry, error) {
			r.AssigneeID = to.ID
			return audit.Entry{Actor: audit.System, Action: "report.assign", ObjectType: "report", ObjectID: strconv.FormatInt(id, 10)}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOfficerQueueAssignedToMe: the queue keeps the reports assigned to
// the viewer with ?assignee=me, across pages, says which rows it shows
// ("1–50 / 52件"), and the API answers the same filter.
func TestOfficerQueueAssignedToMe(t *testing.T) {
	s := apptest.Start(t)
	me := s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	other := s.AddUser(t, "tokyo2@mpd.example", "pref-13", auth.RoleIntake, pw)
	ids := officerReports(t, s, 60, "偽の通販サイト")
	officerAssign(t, s, me, ids[:52]...)
	officerAssign(t, s, other, ids[52:55]...)
	c := s.Login(t, "tokyo@mpd.example", pw)

	// Everything: the range of the first page of all 60.
	page := officerPage(t, c, s.URL+"/queue")
	if !strings.Contains(page, `<p id="queue-count">1–50 / 60件</p>`) {
		t.Errorf("queue does not say which rows it shows:\n%s", page)
	}
	if !strings.Contains(page, `<input type="checkbox" id="q-mine" name="assignee" value="me">`) || !strings.Contains(page, `<label for="q-mine">自分の担当のみ</label>`) {
		t.Error("queue has no assigned-to-me filter")
	}
	// Mine: 52, the filter ticked, the next page keeps it.
	page = officerPage(t, c, s.URL+"/queue?assignee=me&sort=oldest")
	if !strings.Contains(page, `<p id="queue-count">1–50 / 52件</p>`) || !strings.Contains(page, `id="q-mine" name="assignee" value="me" checked>`) {
		t.Errorf("assigned to me, first page:\n%s", page)
	}
	for _, id := range ids[52:] {
		if strings.Contains(page, fmt.Sprintf(`href="/reports/%d"`, id)) {
			t.Errorf("report %d, not mine, listed", id)
		}
	}
	next := regexp.MustCompile(`<a href="(/queue\?[^"]+)">次へ</a>`).FindStringSubmatch(page)
	if next == nil || !strings.Contains(next[1], "assignee=me") || !strings.Contains(next[1], "page=2") {
		t.Fatalf("next page link %v does not keep the filter", next)
	}
	page = officerPage(t, c, s.URL+next[1])
	if !strings.Contains(page, `<p id="queue-count">51–52 / 52件</p>`) || strings.Count(page, `<a href="/reports/`) != 2 {
		t.Errorf("assigned to me, second page:\n%s", page)
	}
	page = officerPage(t, c, s.URL+"/queue?assignee=me&lang=en")
	if !strings.Contains(page, `<p id="queue-count">1–50 of 52</p>`) || !strings.Contains(page, "Assigned to me only") {
		t.Error("English queue range or filter label")
	}
	// Nothing assigned: a count, no range.
	other2 := s.Login(t, "tokyo2@mpd.example", pw)
	if page := officerPage(t, other2, s.URL+"/queue?assignee=me&status=closed"); !strings.Contains(page, `<p id="queue-count">0件</p>`) {
		t.Error("empty filtered queue")
	}

	// The API: assignee=me for the token's owner; anything else is refused.
	token := s.Token(t, "tokyo2@mpd.example")
	var q struct {
		Total   int
		Reports []struct{ ID int64 }
	}
	if code, raw := apiGet(t, s, token, "/api/v1/reports?assignee=me", &q); code != http.StatusOK || q.Total != 3 || len(q.Reports) != 3 {
		t.Errorf("API assignee=me: %d, total %d\n%s", code, q.Total, raw)
	}
	if code, raw := apiGet(t, s, token, "/api/v1/reports?assignee=someone", nil); code != http.StatusUnprocessableEntity ||
		!strings.Contains(raw, `"field":"assignee"`) || !strings.Contains(raw, "api.error.assignee") {
		t.Errorf("API assignee=someone: %d %s", code, raw)
	}
}

// TestOfficerPagesUseTheScreen: officers' pages (and the sign-in pages)
// are marked to use the screen's width; the public pages are not.
func TestOfficerPagesUseTheScreen(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	for _, p := range []string{"/", "/report"} {
		if page := body(t, must(s.Client().Get(s.URL+p))); !strings.Contains(page, "<body>") {
			t.Errorf("public page %s is marked as an officer page", p)
		}
	}
	if page := body(t, must(s.Client().Get(s.URL+"/login"))); !strings.Contains(page, `<body class="officer">`) {
		t.Error("sign-in page is not an officer page")
	}
	c := s.Login(t, "tokyo@mpd.example", pw)
	if page := officerPage(t, c, s.URL+"/queue"); !strings.Contains(page, `<body class="officer">`) {
		t.Error("queue is not marked as an officer page")
	}
}

// officerViews counts the report.view_personal rows of a report.
func officerViews(t *testing.T, s *apptest.Server, id string) int {
	t.Helper()
	rows, err := s.App.DB.AuditOf(context.Background(), "report", id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Action == "report.view_personal" {
			n++
		}
	}
	return n
}

// TestOfficerWording: the report page speaks of the reporter (通報者,
// 居住地), not to them (あなた, お住まいの都道府県); the history names
// its actors in the page's language; the public footer stays on the public
// pages; and the reply form says whether an e-mail will go out.
func TestOfficerWording(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	statusPath := submit(t, s, validForm)
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+statusPath))))[1]
	resp := formPost(t, s.Client(), s.URL+statusPath, map[string]string{"body": "追加：相手から再びSMSが来ました"}, "", nil)
	resp.Body.Close()
	_, anonymous := filed(t, s, map[string]string{"kind": "tip", "category": "PH", "prefecture": "13", "description": "匿名の情報提供です"})
	c := s.Login(t, "tokyo@mpd.example", pw)
	id := reportIDFromQueue(t, body(t, must(c.Get(s.URL+"/queue"))), receipt)
	resp = formPost(t, c, s.URL+"/reports/"+id+"/assign", map[string]string{"assignee": "me"}, "", nil)
	resp.Body.Close()
	resp = formPost(t, c, s.URL+"/reports/"+id+"/reply", map[string]string{"body": "確認しました。"}, "", nil)
	resp.Body.Close()

	footer := "このフォームは24時間見守られているわけではありません"
	page := officerPage(t, c, s.URL+"/reports/"+id)
	for _, want := range []string{"<dt>居住地（都道府県）</dt><dd>東京都</dd>", "<h2>通報内容</h2>", `<h2 id="contact-heading">通報者の連絡先</h2>`,
		`<p class="meta">通報者 · `, `<p class="meta">担当者：tokyo@mpd.example · `, "<h2>通報者とのやりとり</h2>",
		" · 一般（匿名） · 受付</li>", " · tokyo@mpd.example（警視庁） · 担当者を設定</li>",
		`<p class="hint" id="reply-note">メールは送られません：このサーバーはメールを送る設定になっていません（KOBAN_SMTP_URL が未設定）。`} {
		if !strings.Contains(page, want) {
			t.Errorf("report page lacks %s", want)
		}
	}
	for _, public := range []string{"あなた", "お住まいの都道府県", "何があったか", footer, " · public · "} {
		if strings.Contains(page, public) {
			t.Errorf("report page says %q, words for the public", public)
		}
	}
	for _, p := range []string{"/queue", "/search?q=SMS"} {
		if page := officerPage(t, c, s.URL+p); strings.Contains(page, "お住まいの都道府県") || strings.Contains(page, footer) ||
			!strings.Contains(page, `<th scope="col">居住地</th>`) {
			t.Errorf("%s speaks to the public", p)
		}
	}
	// A report the reporter could not place (the national queue's): 未分類
	// and 不明, not the form's わからない and 選ばない.
	unsure, unsureID := filed(t, s, with(validForm, "category", "unknown", "prefecture", ""))
	s.AddUser(t, "npa@npa.example", "npa", auth.RoleSupervisor, pw)
	c = s.Login(t, "npa@npa.example", pw)
	page = officerPage(t, c, s.URL+"/queue?category=-")
	if !strings.Contains(page, unsure) || !strings.Contains(page, "<td>未分類</td>") || !strings.Contains(page, "<td>不明</td>") ||
		strings.Contains(page, "<td>わからない</td>") || strings.Contains(page, "選ばない") {
		t.Errorf("queue row of an unplaced report:\n%s", page)
	}
	if page := officerPage(t, c, s.URL+"/reports/"+unsureID); !strings.Contains(page, "<dt>居住地（都道府県）</dt><dd>不明</dd>") {
		t.Error("report page of an unplaced report")
	}
	if page := body(t, must(s.Client().Get(s.URL+"/"))); !strings.Contains(page, footer) {
		t.Error("the public start page lost its footer")
	}
	page = officerPage(t, c, s.URL+"/reports/"+id+"?lang=en")
	for _, want := range []string{"<dt>Reporter&#39;s prefecture</dt>", `<p class="meta">Reporter · `, " · member of the public · ", "Officer: tokyo@mpd.example",
		"No e-mail will be sent: this server is not set up to send mail"} {
		if !strings.Contains(page, html.UnescapeString(want)) {
			t.Errorf("English report page lacks %s", want)
		}
	}
	if strings.Contains(page, `<p class="meta">You · `) || strings.Contains(page, "Prefecture where you live") {
		t.Error("English report page speaks to the public")
	}
	// A reporter who gave no address gets no e-mail, whatever the server.
	page = officerPage(t, c, s.URL+"/reports/"+anonymous+"?lang=ja")
	if !strings.Contains(page, "メールは送られません：通報者はメールアドレスを記入していません。") || !strings.Contains(page, `<p id="contact-none">`) {
		t.Errorf("the reply form of an anonymous tip does not say no e-mail will go:\n%s", page)
	}
}

// TestOfficerReplyNoteWithMail: with SMTP set up, the reply form says an
// e-mail will tell the reporter.
func TestOfficerReplyNoteWithMail(t *testing.T) {
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.SMTPURL, c.MailFrom = "smtp://127.0.0.1:2525", "koban@example.jp" }))
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	_, id := filed(t, s, validForm)
	c := s.Login(t, "tokyo@mpd.example", pw)
	if page := officerPage(t, c, s.URL+"/reports/"+id); !strings.Contains(page, `<p class="hint" id="reply-note">返信は通報者の状況確認ページに表示されます。通報者のメールアドレスには、返信があったことを知らせるメールも送ります`) {
		t.Error("reply form does not say an e-mail will go")
	}
}

// TestOfficerContactRevealAuditedOncePerDay: contact details are behind a
// button (a POST); the first reveal of the day by an officer writes the
// audit row, later ones that day — on the page or through the API — reuse
// it; after midnight in Japan the next reveal writes a new one.
func TestOfficerContactRevealAuditedOncePerDay(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	clock := koban.NewFixedClock(time.Date(2026, 3, 2, 23, 58, 0, 0, jst))
	s := apptest.Start(t, apptest.WithClock(clock))
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleIntake, pw)
	_, id := filed(t, s, validForm)
	c := s.Login(t, "tokyo@mpd.example", pw)

	// Loading the page shows what was given, not the details, and audits nothing.
	for range 13 {
		page := officerPage(t, c, s.URL+"/reports/"+id)
		if strings.Contains(page, "victim@example.jp") || strings.Contains(page, "山田 花子") {
			t.Fatal("the page shows contact details before they are asked for")
		}
		if !strings.Contains(page, `<p id="contact-given">記入あり：氏名・メールアドレス</p>`) ||
			!strings.Contains(page, `<form method="post" action="/reports/`+id+`/contact#contact-heading" id="f-contact">`) ||
			!strings.Contains(page, `>連絡先を表示</button>`) {
			t.Fatalf("no reveal button:\n%s", page)
		}
	}
	if n := officerViews(t, s, id); n != 0 {
		t.Fatalf("page loads wrote %d view rows", n)
	}

	reveal := func(c *http.Client) (int, string) {
		t.Helper()
		resp := formPost(t, c, s.URL+"/reports/"+id+"/contact", nil, "", nil)
		return resp.StatusCode, html.UnescapeString(body(t, resp))
	}
	code, page := reveal(c)
	if code != http.StatusOK || !strings.Contains(page, "<dd>victim@example.jp</dd>") || !strings.Contains(page, "<dd>山田 花子</dd>") {
		t.Fatalf("reveal: %d\n%s", code, page)
	}
	if !strings.Contains(page, `href="/reports/`+id+`?lang=en"`) {
		t.Error("after a reveal the language switch does not lead back to the report")
	}
	if n := officerViews(t, s, id); n != 1 {
		t.Fatalf("first reveal: %d rows, want 1", n)
	}
	for range 3 {
		clock.Advance(10 * time.Second)
		if code, _ := reveal(c); code != http.StatusOK {
			t.Fatal(code)
		}
	}
	if n := officerViews(t, s, id); n != 1 {
		t.Errorf("four reveals before midnight: %d rows, want 1", n)
	}

	// Midnight in Japan: a new day, a new row; the API reuses it.
	clock.Advance(2 * time.Minute)
	if code, _ := reveal(c); code != http.StatusOK {
		t.Fatal(code)
	}
	if n := officerViews(t, s, id); n != 2 {
		t.Errorf("a reveal after midnight JST: %d rows, want 2", n)
	}
	token := s.Token(t, "tokyo@mpd.example")
	var rep struct{ Contact map[string]string }
	for range 2 {
		if code, raw := apiGet(t, s, token, "/api/v1/reports/"+id, &rep); code != http.StatusOK || rep.Contact["email"] != "victim@example.jp" {
			t.Fatalf("API report: %d %s", code, raw)
		}
	}
	if n := officerViews(t, s, id); n != 2 {
		t.Errorf("API reads the same day: %d rows, want 2", n)
	}
	// The history shows each day's view once, by name and organisation.
	if page := officerPage(t, c, s.URL+"/reports/"+id); strings.Count(page, " · tokyo@mpd.example（警視庁） · 連絡先を閲覧</li>") != 2 {
		t.Errorf("history of views:\n%s", page)
	}

	// An analyst may not; Osaka does not see the report at all.
	an := s.Login(t, "analyst@mpd.example", pw)
	if page := officerPage(t, an, s.URL+"/reports/"+id); strings.Contains(page, `id="f-contact"`) || !strings.Contains(page, "この役割では連絡先を表示できません。") {
		t.Error("an analyst is offered the contact details")
	}
	if code, page := reveal(an); code != http.StatusForbidden || strings.Contains(page, "victim@example.jp") {
		t.Errorf("analyst reveal: %d", code)
	}
	if code, page := reveal(s.Login(t, "osaka@osaka.example", pw)); code != http.StatusNotFound || strings.Contains(page, "victim@example.jp") {
		t.Errorf("Osaka reveal: %d", code)
	}
	if n := officerViews(t, s, id); n != 2 {
		t.Errorf("refused reveals wrote rows: %d, want 2", n)
	}
}
