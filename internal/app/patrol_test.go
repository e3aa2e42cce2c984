package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
)

// An analyst adds a page to watch from the patrol page; the job runner
// fetches it (robots.txt first) through the egress client, and the item's
// page shows the capture, whose body downloads as an attachment — never
// shown inline — and is audited.
func TestPatrolThroughPages(t *testing.T) {
	const recruit = "<html><body>【高収入】即日即金 ホワイト案件 テレグラムで連絡</body></html>"
	var gone atomic.Bool
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gone.Load() {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/robots.txt" {
			io.WriteString(w, "User-agent: *\nDisallow: /private\n")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, recruit)
	}))
	defer site.Close()
	sink := newSink(t)
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.EgressAllow, c.EgressTimeout = "127.0.0.0/8", 3*time.Second
		c.SMTPURL, c.MailFrom = "smtp://"+sink.ln.Addr().String(), "cyber@mpd.police.example.jp"
		c.TakedownBatch = 0 // each request's mail at once
	}))
	s.AddUser(t, "patrol@mpd.example", "pref-13", auth.RoleAnalyst, "correct horse battery")
	web := s.Login(t, "patrol@mpd.example", "correct horse battery")

	resp, err := web.PostForm(s.URL+"/patrol/items", url.Values{"kind": {"url"}, "target": {"javascript:alert(1)"}, "every": {"5"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "https:// で始まるURL") || !strings.Contains(string(b), "10分以上") {
		t.Fatalf("a refused item: %d", resp.StatusCode)
	}
	resp, err = web.PostForm(s.URL+"/patrol/items", url.Values{"kind": {"url"}, "target": {site.URL + "/bosyu"}, "label": {"闇バイト募集"}, "tags": {"闇バイト"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/patrol/items/\d+\?done=patrol_item_created$`).MatchString(loc) {
		t.Fatalf("add: %d to %q", resp.StatusCode, loc)
	}
	itemPath := strings.Split(loc, "?")[0]
	// The runner fetches robots.txt, then (a second later) the page.
	var body string
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if body = getPage(t, web, s.URL+itemPath, http.StatusOK); strings.Contains(body, `/body" download>`) {
			break
		}
	}
	m := regexp.MustCompile(`href="(/patrol/captures/\d+/body)" download>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no capture on the item's page:\n%s", body)
	}
	if !strings.Contains(body, "闇バイト募集") || !strings.Contains(body, "<td>200</td>") {
		t.Error("the item's page does not show its note and the capture's status")
	}
	resp, err = web.Get(s.URL + m[1])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != recruit || resp.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %q, %s, %s", got, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	// A legal hold keeps every capture of the item; audited.
	resp, err = web.PostForm(s.URL+itemPath+"/hold", url.Values{"hold": {"1"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("hold: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	if page := getPage(t, web, s.URL+itemPath, http.StatusOK); !strings.Contains(page, "訴訟等のため保全中") {
		t.Error("the item's page does not say it is on hold")
	}
	// The screenshot koban rendered offline downloads as a PNG.
	sm := regexp.MustCompile(`href="(/patrol/captures/\d+/screenshot)" download>`).FindStringSubmatch(body)
	if sm == nil {
		t.Fatal("no screenshot on the item's page")
	}
	resp, err = web.Get(s.URL + sm[1])
	if err != nil {
		t.Fatal(err)
	}
	png, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(png), "\x89PNG") || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("screenshot: %d bytes, %s", len(png), resp.Header.Get("Content-Disposition"))
	}
	id := strings.Split(m[1], "/")[3]
	rows, _ := s.App.DB.AuditOf(context.Background(), "patrol_capture", id)
	if !slices.ContainsFunc(rows, func(r audit.Row) bool {
		return r.Action == "patrol.capture_download" && r.Actor == "patrol@mpd.example"
	}) {
		t.Errorf("the download is not audited: %+v", rows)
	}
	// The page is a finding awaiting review; the analyst confirms it.
	var findings string
	var fm []string
	for end := time.Now().Add(10 * time.Second); fm == nil && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		findings = getPage(t, web, s.URL+"/patrol/findings", http.StatusOK) // matched just after the capture is stored
		fm = regexp.MustCompile(`href="(/patrol/findings/\d+)">`).FindStringSubmatch(findings)
	}
	if fm == nil || !strings.Contains(findings, "闇バイト（犯罪実行者の募集）") {
		t.Fatalf("no finding listed:\n%s", findings)
	}
	finding := getPage(t, web, s.URL+fm[1], http.StatusOK)
	if !strings.Contains(finding, "<mark>即日即金</mark>") || !strings.Contains(finding, `id="review-form"`) {
		t.Errorf("the finding's page lacks its hits or the review form")
	}
	resp, err = web.PostForm(s.URL+fm[1]+"/review", url.Values{"state": {"confirmed"}, "note": {"削除依頼へ"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("review: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	if page := getPage(t, web, s.URL+fm[1]+"?done=finding_reviewed", http.StatusOK); !strings.Contains(page, "確認済み — 削除依頼へ") || strings.Contains(page, `id="review-form"`) {
		t.Errorf("after the review the page does not say so")
	}
	// The confirmed finding is recorded as a report (a tip of Tokyo), once.
	resp, err = web.PostForm(s.URL+fm[1]+"/report", nil)
	if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/reports/") {
		t.Fatalf("file report: %v %v %s", err, resp.StatusCode, resp.Header.Get("Location"))
	}
	resp.Body.Close()
	report := getPage(t, web, s.URL+resp.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(report, site.URL+"/bosyu") || !strings.Contains(report, "即日即金") {
		t.Errorf("the report does not hold the page's address and excerpt")
	}
	resp, err = web.PostForm(s.URL+fm[1]+"/report", nil)
	if err != nil || resp.StatusCode != http.StatusConflict {
		t.Errorf("a second report of the finding: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	// From the confirmed finding, a takedown request: drafted with the page
	// and the finding as its source, the recipient typed (no RDAP server is
	// reachable here), sent with its X-ARF report, and the page found gone.
	finding = getPage(t, web, s.URL+fm[1], http.StatusOK)
	lm := regexp.MustCompile(`href="(/takedown\?target=[^"]+)" id="takedown-link"`).FindStringSubmatch(finding)
	if lm == nil {
		t.Fatalf("no takedown link on the confirmed finding")
	}
	form := getPage(t, web, s.URL+strings.ReplaceAll(lm[1], "&amp;", "&"), http.StatusOK)
	if !strings.Contains(form, `value="`+site.URL+`/bosyu"`) || !strings.Contains(form, `value="finding:`) {
		t.Fatalf("the draft form is not filled from the finding")
	}
	resp, err = web.PostForm(s.URL+"/takedown", url.Values{"kind": {"fraud"}, "fraud_type": {"employment"}, "target": {site.URL + "/bosyu"},
		"note": {"犯罪の実行者を募集する投稿です。"}, "source": {"finding:" + strings.TrimPrefix(fm[1], "/patrol/findings/")}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("draft: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	td := strings.Split(resp.Header.Get("Location"), "?")[0]
	for _, step := range []url.Values{{"recipient": {"abuse@hoster.example.jp"}}, {}} {
		action := "/recipient"
		if len(step) == 0 {
			action = "/send"
		}
		resp, err = web.PostForm(s.URL+td+action, step)
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %v %v", action, err, resp.StatusCode)
		}
		resp.Body.Close()
	}
	sink.wait(t, 1)
	sink.mu.Lock()
	msg, rcpt := sink.msgs[0], sink.rcpt[0]
	sink.mu.Unlock()
	if !strings.Contains(rcpt, "abuse@hoster.example.jp") || !strings.Contains(msg, ".xarf.json") || strings.Contains(msg, "patrol@mpd.example") {
		t.Errorf("the takedown mail went to %s; attachment or privacy wrong", rcpt)
	}
	gone.Store(true)
	tdID, _ := strconv.ParseInt(strings.TrimPrefix(td, "/takedown/"), 10, 64)
	req, _ := s.App.DB.Takedown(context.Background(), tdID)
	for range 2 {
		if err := s.App.Takedown.Check(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if page := getPage(t, web, s.URL+td, http.StatusOK); !strings.Contains(page, "削除確認済み") || !strings.Contains(page, "消えていた") {
		t.Errorf("the request's page does not show the removal")
	}
	if page := getPage(t, web, s.URL+"/takedown", http.StatusOK); !strings.Contains(page, "送信 1件のうち削除確認 1件（100%）") {
		t.Errorf("the outcomes do not count the removal")
	}
	gone.Store(false)
	// Another prefecture neither lists the item nor downloads its capture.
	s.AddUser(t, "patrol@osaka.example", "pref-27", auth.RoleAnalyst, "correct horse battery")
	osaka := s.Login(t, "patrol@osaka.example", "correct horse battery")
	if page := getPage(t, osaka, s.URL+"/patrol", http.StatusOK); strings.Contains(page, site.URL) {
		t.Error("Osaka lists Tokyo's watch item")
	}
	getPage(t, osaka, s.URL+m[1], http.StatusNotFound)
	getPage(t, osaka, s.URL+itemPath, http.StatusNotFound)
	getPage(t, osaka, s.URL+fm[1], http.StatusNotFound)
	// An intake officer has no patrol menu and no patrol page.
	s.AddUser(t, "intake@mpd.example", "pref-13", auth.RoleIntake, "correct horse battery")
	intake := s.Login(t, "intake@mpd.example", "correct horse battery")
	if page := getPage(t, intake, s.URL+"/queue", http.StatusOK); strings.Contains(page, `href="/patrol"`) {
		t.Error("the patrol menu shows to an intake officer")
	}
	getPage(t, intake, s.URL+"/patrol", http.StatusForbidden)
}
