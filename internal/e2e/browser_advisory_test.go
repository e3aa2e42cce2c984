package e2e_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// TestBrowserAdvisoryToFeed: in Chromium an analyst writes an advisory
// and sends it for review; a supervisor publishes it; the public page
// shows it, and the Atom feed the page names, read by the browser, holds
// its entry with the page's address. axe-core on the desk, the form and
// the public pages.
func TestBrowserAdvisoryToFeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := apptest.Start(t)
	const analyst, supervisor, password = "koho@mpd.example.jp", "kanri@mpd.example.jp", "sakura-kaede-momiji-2024"
	s.AddUser(t, analyst, "pref-13", auth.RoleAnalyst, password)
	s.AddUser(t, supervisor, "pref-13", auth.RoleSupervisor, password)

	p := browserStart(t, ctx, s.URL)
	browserOfficerSignIn(t, p, s, analyst, password)
	p.open("/advisories/desk", http.StatusOK)
	p.checkAxe("advisory desk (/advisories/desk)")
	p.open("/advisories/desk/new", http.StatusOK)
	p.checkAxe("advisory form (/advisories/desk/new)")
	p.do("write the advisory", chromedp.SetValue("#title_ja", "偽の警察官を名乗る電話に注意"),
		chromedp.SetValue("#summary_ja", "警察官を名乗り、口座が犯罪に使われたと言う電話が増えています。"),
		chromedp.SetValue("#body_ja", "警察が電話で**暗証番号**を聞くことはありません。\n\n- 一度電話を切る\n- 最寄りの警察署に確認する"))
	browserOfficerSubmit(t, p, "save the draft", "#advisory-save")
	if got := p.text("#advisory-state"); got != "作成中" {
		t.Fatalf("after saving: state %q", got)
	}
	deskURL := browserEval[string](p, `location.pathname`)
	browserOfficerSubmit(t, p, "send it for review", "#advisory-submit")

	browserOfficerSignIn(t, p, s, supervisor, password)
	p.open(deskURL, http.StatusOK)
	browserOfficerSubmit(t, p, "publish it", "#advisory-publish")
	if got := p.text("#advisory-state"); got != "公表中" {
		t.Fatalf("after publishing: state %q", got)
	}
	p.shot("advisory-desk-published")

	p.open("/advisories", http.StatusOK)
	if got := p.text("#advisories"); !strings.Contains(got, "偽の警察官を名乗る電話に注意") {
		t.Fatalf("the public list: %q", got)
	}
	p.checkAxe("public advisories (/advisories)")
	href := browserEval[string](p, `document.querySelector('#advisories a').getAttribute('href')`)
	p.open(href, http.StatusOK)
	if got := p.text("#advisory"); !strings.Contains(got, "暗証番号") || !strings.Contains(got, "最寄りの警察署に確認する") {
		t.Errorf("the public page: %q", got)
	}
	if n := browserEval[int](p, `document.querySelectorAll('#advisory strong, #advisory li').length`); n < 3 {
		t.Errorf("the Markdown is not rendered: %d elements", n)
	}
	p.shot("advisory-public")
	p.checkAxe("an advisory (/advisories/{number})")
	// The feed the page names, as the browser reads it.
	feed := browserEval[string](p, `document.querySelector('link[rel=alternate][type="application/atom+xml"]').href`)
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch(`+"`"+feed+"`"+`).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Entries []struct {
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(raw), &doc); err != nil || len(doc.Entries) != 1 || doc.Entries[0].Title != "偽の警察官を名乗る電話に注意" ||
		!regexp.MustCompile(`/advisories/ADV-\d{4}-\d{4}$`).MatchString(doc.Entries[0].Link.Href) || !strings.HasSuffix(doc.Entries[0].Link.Href, href) {
		t.Errorf("the feed: %v %+v\n%s", err, doc, raw)
	}
}
