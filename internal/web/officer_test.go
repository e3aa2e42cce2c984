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

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
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
	if !strings.Contains(data, `"label":"090-1234-5678"`) || !strings.Contains(data, `"id":"phone:+819012345678"`) ||
		!strings.Contains(data, `"label":"三井住友銀行 渋谷支店 普通 7777777"`) || strings.Contains(data, `"label":"+81`) {
		t.Errorf("graph drawing labels: %s", data)
	}
	if !strings.Contains(page, ">090-1234-5678</a>") {
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
