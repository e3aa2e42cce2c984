package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
)

// TestBrowserPatrolToRemoval: an analyst in Chromium adds a 闇バイト
// recruitment page to the patrol, confirms the finding koban makes of it,
// drafts and sends a takedown request from it, and — once the site stops
// serving the page — sees the removal confirmed; axe-core on each page.
func TestBrowserPatrolToRemoval(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	var gone atomic.Bool
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gone.Load() {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/robots.txt" {
			io.WriteString(w, "User-agent: *\nAllow: /\n")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<html><body><h1>【高収入】即日即金・ホワイト案件</h1><p>受け子ではありません。テレグラムで連絡 090-2468-1357</p></body></html>")
	}))
	defer site.Close()
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.EgressAllow, c.EgressTimeout = "127.0.0.0/8", 3*time.Second
		c.SMTPURL, c.MailFrom = "smtp://127.0.0.1:9", "cyber@mpd.police.example.jp"
	}))
	const analyst, password = "patrol.analyst@mpd.example.jp", "sakura-kaede-momiji-2024"
	s.AddUser(t, analyst, "pref-13", auth.RoleAnalyst, password)

	p := browserStart(t, ctx, s.URL)
	browserOfficerSignIn(t, p, s, analyst, password)
	p.open("/patrol", http.StatusOK)
	p.do("fill the watch item", chromedp.SetValue("#target", site.URL+"/bosyu"), chromedp.SetValue("#label", "募集投稿"), chromedp.SetValue("#tags", "闇バイト"))
	p.checkAxe("cyber patrol (/patrol)")
	browserOfficerSubmit(t, p, "add the watch item", "#patrol-form-submit")

	// The job runner fetches it (robots.txt first, a second apart) and
	// matches it; the finding waits for review.
	var href string
	for end := time.Now().Add(30 * time.Second); href == "" && time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		p.open("/patrol/findings", http.StatusOK)
		href = browserEval[string](p, `(document.querySelector("#patrol-findings td a") || {}).getAttribute ? document.querySelector("#patrol-findings td a").getAttribute("href") : ""`)
	}
	if !regexp.MustCompile(`^/patrol/findings/\d+$`).MatchString(href) {
		t.Fatalf("no finding: %q", href)
	}
	p.checkAxe("patrol findings (/patrol/findings)")
	// The triage model reads the excerpt too (the job would in a while).
	if _, err := s.App.Assist.SuggestPending(ctx); err != nil {
		t.Fatal(err)
	}
	p.open(href, http.StatusOK)
	if got := p.text("#hits"); !strings.Contains(got, "即日即金") {
		t.Errorf("hits %q", got)
	}
	if got := p.text(".suggestion"); !strings.Contains(got, "重大な犯罪につながる情報") {
		t.Errorf("the finding's suggestion %q", got)
	}
	p.checkAxe("a finding (/patrol/findings/{id})")
	p.do("confirm", chromedp.Click(chromedp.CSS("#state-confirmed")))
	browserOfficerSubmit(t, p, "record the review", "#review-submit")
	if got := p.text("#finding-state"); !strings.Contains(got, "確認済み") {
		t.Fatalf("state %q", got)
	}
	browserOfficerSubmit(t, p, "open the takedown form", "#takedown-link")
	p.do("fill the request", chromedp.SetValue("#kind", "fraud"), chromedp.SetValue("#fraud_type", "employment"),
		chromedp.SetValue("#note", "犯罪の実行者を募集する投稿です。削除をお願いします。"))
	p.checkAxe("takedown requests (/takedown)")
	browserOfficerSubmit(t, p, "draft the request", "#takedown-form-submit")
	p.do("type the recipient", chromedp.SetValue("#recipient-input", "abuse@hoster.example.jp"))
	browserOfficerSubmit(t, p, "save the recipient", `form[action$="/recipient"] button`)
	browserOfficerSubmit(t, p, "send", "#send")
	if got := p.text("#state"); !strings.Contains(got, "送信済み") {
		t.Fatalf("state after sending %q", got)
	}
	p.checkAxe("a takedown request (/takedown/{id})")

	// The site takes the page down; the scheduled checks (run here rather
	// than waited for) find it gone twice.
	gone.Store(true)
	var id int64
	fmt.Sscanf(browserEval[string](p, `location.pathname`), "/takedown/%d", &id)
	req, err := s.App.DB.Takedown(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.App.Takedown.Check(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	p.open("/takedown/"+strconv.FormatInt(id, 10), http.StatusOK)
	if got := p.text("#state"); !strings.Contains(got, "削除確認済み") {
		t.Errorf("state %q", got)
	}
	if got := p.text("#checks"); strings.Count(got, "消えていた") != 2 {
		t.Errorf("checks %q", got)
	}
	p.shot("takedown-removed")
	p.checkAxe("a removed takedown request (/takedown/{id})")
}
