package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/reading"
)

func postPage(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// A supervisor follows JPCERT/CC's and IPA's feeds from the feeds page;
// the job runner fetches them through the egress client, and the reading
// list shows their items newest first, each linking out with the link in
// sight and its summary as text; one feed's items alone; in Japanese and
// in English. An analyst reads the list but cannot change the feeds, a
// supervisor of another prefecture cannot change Tokyo's.
func TestReadingThroughPages(t *testing.T) {
	fixture := func(name string) []byte {
		b, err := os.ReadFile("../reading/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	jp, ipa := fixture("jpcert.rdf"), fixture("ipa.rdf")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rdf+xml")
		switch r.URL.Path {
		case "/rss/jpcert.rdf":
			w.Write(jp)
		case "/security/alert-rss.rdf":
			w.Write(ipa)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.EgressAllow, c.EgressTimeout = "127.0.0.0/8", 3*time.Second
	}))
	s.AddUser(t, "sup@mpd.example", "pref-13", auth.RoleSupervisor, "correct horse battery")
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, "correct horse battery")
	s.AddUser(t, "sup@osaka.example", "pref-27", auth.RoleSupervisor, "correct horse battery")
	sup := s.Login(t, "sup@mpd.example", "correct horse battery")

	page := getPage(t, sup, s.URL+"/reading/feeds", http.StatusOK)
	for _, want := range []string{`id="feed-form"`, `value="https://www.jpcert.or.jp/rss/jpcert.rdf"`, `value="https://www.ipa.go.jp/security/alert-rss.rdf"`,
		"JPCERT/CC を購読する", "IPA を購読する", "購読しているフィードはまだありません。", `href="/reading"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the feeds page lacks %q", want)
		}
	}
	resp, body := postPage(t, sup, s.URL+"/reading/feeds", url.Values{"url": {"javascript:alert(1)"}, "every": {"5"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "https:// で始まるフィードのURL") || !strings.Contains(body, "15分以上") ||
		!strings.Contains(body, `value="javascript:alert(1)"`) {
		t.Fatalf("a refused feed: %d", resp.StatusCode)
	}
	resp, body = postPage(t, sup, s.URL+"/reading/feeds", url.Values{"url": {"http://169.254.169.254/latest/meta-data/"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "インターネット上にないため取得しません") {
		t.Fatalf("a feed inside: %d", resp.StatusCode)
	}
	for _, f := range []url.Values{
		{"url": {site.URL + "/rss/jpcert.rdf"}, "name": {"JPCERT/CC"}},
		{"url": {site.URL + "/security/alert-rss.rdf"}, "name": {"IPA"}, "every": {"30"}},
	} {
		resp, _ := postPage(t, sup, s.URL+"/reading/feeds", f)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reading/feeds?done=reading_feed_added" {
			t.Fatalf("add: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, body := postPage(t, sup, s.URL+"/reading/feeds", url.Values{"url": {site.URL + "/rss/jpcert.rdf"}}); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(body, "すでに購読しています") {
		t.Errorf("the same feed twice: %d", resp.StatusCode)
	}

	// The runner fetches both at once; wait until the list has them.
	var list string
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if list = getPage(t, sup, s.URL+"/reading", http.StatusOK); strings.Count(list, `class="reading-item"`) == 7 {
			break
		}
	}
	if n := strings.Count(list, `class="reading-item"`); n != 7 {
		t.Fatalf("%d items listed:\n%s", n, list)
	}
	order := []string{"VPN 製品の脆弱性対策について(CVE-2026-12345)", "注意喚起: VPN 装置の脆弱性に関する注意喚起 (公開)",
		"注意喚起: 2026年9月マイクロソフトセキュリティ更新プログラムに関する注意喚起 (更新)", "JPCERT/CC WEEKLY REPORT 2026-09-02",
		"フィッシングサイトへの誘導を目的とした SMS に関する情報", "ブラウザーの脆弱性対策について"}
	last := -1
	for _, title := range order {
		i := strings.Index(list, title)
		if i <= last {
			t.Errorf("%q is not listed after the newer items", title)
		}
		last = i
	}
	link := `<a href="https://www.jpcert.or.jp/at/2026/at260031.html" rel="noopener noreferrer">注意喚起: VPN 装置の脆弱性に関する注意喚起 (公開)</a>`
	if !strings.Contains(list, link) || !strings.Contains(list, "<code>https://www.jpcert.or.jp/at/2026/at260031.html</code>") {
		t.Error("an item does not link out with rel=noopener noreferrer and its link in sight")
	}
	if !strings.Contains(list, `<p class="reading-summary">VPN 製品に認証回避の脆弱性が存在します。 修正版へのアップデートを行ってください。</p>`) ||
		strings.Contains(list, "alert(1)") || strings.Contains(list, "<strong>認証回避") {
		t.Error("a summary is not plain text")
	}
	if !strings.Contains(list, `lang="ja"`) || !strings.Contains(list, "他機関の注意喚起・セキュリティ情報") || !strings.Contains(list, `href="/reading">他機関の注意喚起</a>`) {
		t.Error("the list is not in Japanese, or the menu lacks it")
	}

	// One feed's items; the feeds page with the last fetch of each.
	feeds := getPage(t, sup, s.URL+"/reading/feeds?done=reading_feed_added", http.StatusOK)
	m := regexp.MustCompile(`<tr id="feed-(\d+)">\s*<td><a href="/reading\?feed=\d+">IPA</a>`).FindStringSubmatch(feeds)
	if m == nil {
		t.Fatalf("no IPA row on the feeds page:\n%s", feeds)
	}
	ipaID := m[1]
	for _, want := range []string{"フィードを追加しました。", "IPA 重要なセキュリティ情報", "30分ごと", "1時間ごと", "HTTP 200", "警視庁"} {
		if !strings.Contains(feeds, want) {
			t.Errorf("the feeds page lacks %q", want)
		}
	}
	only := getPage(t, sup, s.URL+"/reading?feed="+ipaID, http.StatusOK)
	if n := strings.Count(only, `class="reading-item"`); n != 3 || strings.Contains(only, "WEEKLY REPORT") {
		t.Errorf("IPA's items: %d", n)
	}
	getPage(t, sup, s.URL+"/reading?feed=99999", http.StatusNotFound)

	en := getPage(t, sup, s.URL+"/reading?lang=en", http.StatusOK)
	for _, want := range []string{`<html lang="en">`, "Advisories and security information from other bodies", `href="/reading">External advisories</a>`, "See and add the feeds followed"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English list lacks %q", want)
		}
	}
	if enFeeds := getPage(t, sup, s.URL+"/reading/feeds?lang=en", http.StatusOK); !strings.Contains(enFeeds, "every 30 min") || !strings.Contains(enFeeds, "Feeds followed") {
		t.Error("the English feeds page")
	}

	getPage(t, sup, s.URL+"/reading?lang=ja", http.StatusOK) // the language chosen is kept: back to Japanese

	// An analyst reads, but does not manage.
	analyst := s.Login(t, "analyst@mpd.example", "correct horse battery")
	if l := getPage(t, analyst, s.URL+"/reading", http.StatusOK); strings.Count(l, `class="reading-item"`) != 7 {
		t.Error("the analyst does not see the list")
	}
	if f := getPage(t, analyst, s.URL+"/reading/feeds", http.StatusOK); strings.Contains(f, `id="feed-form"`) || strings.Contains(f, "/disable") || strings.Contains(f, "を購読する") {
		t.Error("the analyst is offered to change the feeds")
	}
	if resp, _ := postPage(t, analyst, s.URL+"/reading/feeds", url.Values{"url": {site.URL + "/other.rdf"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the analyst added a feed: %d", resp.StatusCode)
	}
	if resp, _ := postPage(t, analyst, s.URL+"/reading/feeds/"+ipaID+"/disable", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the analyst disabled a feed: %d", resp.StatusCode)
	}
	osaka := s.Login(t, "sup@osaka.example", "correct horse battery")
	if resp, body := postPage(t, osaka, s.URL+"/reading/feeds/"+ipaID+"/remove", nil); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "別の系統の所属が登録したもの") {
		t.Errorf("Osaka removed Tokyo's feed: %d", resp.StatusCode)
	}

	// Tokyo's supervisor disables IPA (its items stay), then removes it.
	if resp, _ := postPage(t, sup, s.URL+"/reading/feeds/"+ipaID+"/disable", nil); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/reading/feeds?done=reading_feed_disabled" {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if f := getPage(t, sup, s.URL+"/reading/feeds?done=reading_feed_disabled", http.StatusOK); !strings.Contains(f, "停止中") || !strings.Contains(f, "/reading/feeds/"+ipaID+"/enable") {
		t.Errorf("the disabled feed is not shown as such:\n%s", f)
	}
	if resp, _ := postPage(t, sup, s.URL+"/reading/feeds/"+ipaID+"/remove", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	if l := getPage(t, sup, s.URL+"/reading", http.StatusOK); strings.Count(l, `class="reading-item"`) != 4 || strings.Contains(l, "ブラウザーの脆弱性対策") {
		t.Error("a removed feed's items are still listed")
	}
	rows, _ := s.App.DB.AuditOf(context.Background(), reading.ObjectType, ipaID)
	var actions []string
	for _, r := range rows {
		if r.Actor == "sup@mpd.example" {
			actions = append(actions, r.Action)
		}
	}
	if strings.Join(actions, " ") != "reading.feed_add reading.feed_disable reading.feed_remove" {
		t.Errorf("audit: %v", actions)
	}
}
