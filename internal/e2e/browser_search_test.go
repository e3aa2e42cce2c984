package e2e_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
)

// TestBrowserSearchAndSaved: a Tokyo investigator in Chromium searches
// with the filters open, saves the search from below the results, and
// reads its new matches once the job has run; axe-core on each page.
func TestBrowserSearchAndSaved(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := apptest.Start(t)
	const officer, password = "tokyo.search@example.jp", "sakura-kaede-momiji-2024"
	s.AddUser(t, officer, "pref-13", auth.RoleInvestigator, password)
	file := func(text string) {
		t.Helper()
		if _, err := s.App.Intake.Submit(context.Background(), intake.Submission{Kind: intake.KindTip, Category: "FR", Prefecture: "13",
			Description: text, Language: "ja"}, intake.Origin{Source: "web", IP: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
	}
	file("マッチングアプリで知り合った相手にロマンス詐欺で送金した")

	p := browserStart(t, ctx, s.URL)
	browserOfficerSignIn(t, p, s, officer, password)
	p.open("/search?q="+url.QueryEscape("ロマンス")+"&category=FR", http.StatusOK)
	if got := p.text("#search-count"); !strings.Contains(got, "1件") {
		t.Errorf("count %q", got)
	}
	if open := browserEval[bool](p, `document.querySelector("#search-filters").open`); !open {
		t.Error("the filters in use are not shown open")
	}
	p.shot("search-filters")
	p.checkAxe("search with filters (/search?q=ロマンス&category=FR)")

	p.do("name the saved search", chromedp.SetValue("#ss-name", "ロマンス（東京）"))
	browserOfficerSubmit(t, p, "save the search", "#save-search button[type=submit]")
	if got := p.text("#saved-searches"); !strings.Contains(got, "ロマンス（東京）") {
		t.Fatalf("saved searches %q", got)
	}
	p.checkAxe("saved searches (/searches)")

	time.Sleep(2 * time.Millisecond)
	file("ロマンス詐欺の相手から再び連絡があった")
	if n, err := s.App.Search.MatchSaved(context.Background()); err != nil || n != 1 {
		t.Fatalf("MatchSaved = %d, %v", n, err)
	}
	p.open("/searches", http.StatusOK)
	if got := p.text("#saved-searches"); !strings.Contains(got, "1件") {
		t.Errorf("new matches not counted: %q", got)
	}
	href := browserEval[string](p, `document.querySelector("#saved-searches td a").getAttribute("href")`)
	if !regexp.MustCompile(`^/searches/\d+$`).MatchString(href) {
		t.Fatalf("link %q", href)
	}
	p.open(href, http.StatusOK)
	if got := p.text("#saved-matches"); !strings.Contains(got, "未読") {
		t.Errorf("matches %q", got)
	}
	p.shot("saved-search-matches")
	p.checkAxe("saved search matches (/searches/{id})")
}
