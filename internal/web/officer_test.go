package web_test

// What officers tripped on (issue 10, items 9–12): values shown in their
// stored forms, a clipped queue, words written for the public, and contact
// details audited on every page load.

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
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
