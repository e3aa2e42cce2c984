package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/foreign"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
)

// An investigator records a preservation request to the United States on
// a case through the pages: the form refuses one without its Art. 29(2)
// items with every problem shown in Japanese; a full one is a draft, sent,
// acknowledged and preserved; its clock shows ninety days; the case's page
// and timeline list it; another prefecture cannot open it. Fourteen days
// before the expiry the case's lead gets a mail (Japanese, then English)
// naming the request and the case but not what it is about; at the expiry
// koban marks it expired.
func TestForeignRequestThroughPages(t *testing.T) {
	sink := newSink(t)
	clock := koban.NewFixedClock(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	s := apptest.Start(t, apptest.WithClock(clock), apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL, c.MailFrom = "smtp://"+sink.ln.Addr().String(), "cyber@mpd.police.example.jp"
	}))
	ctx := context.Background()
	u := s.AddUser(t, "intl@mpd.example", "pref-13", auth.RoleInvestigator, "correct horse battery")
	s.AddUser(t, "inv@pref-27.example", "pref-27", auth.RoleInvestigator, "correct horse battery")
	p := auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: u.Role}
	kase, err := s.App.Cases.Open(ctx, p, cases.Opening{Title: "海外サーバのフィッシング", Category: "PH", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	web := s.Login(t, "intl@mpd.example", "correct horse battery")
	cpath := "/cases/" + strconv.FormatInt(kase.ID, 10)
	if pg := getPage(t, web, s.URL+cpath, http.StatusOK); !strings.Contains(pg, `id="foreign-new"`) {
		t.Fatal("the case page does not offer to record a request")
	}
	if pg := getPage(t, web, s.URL+cpath+"/foreign/new", http.StatusOK); !strings.Contains(pg, "アメリカ合衆国") || !strings.Contains(pg, "(a) 保全を求める当局") {
		t.Fatal("the form lacks the directory or the Art. 29 items")
	}
	form := url.Values{"direction": {"out"}, "kind": {"preservation"}, "country": {"US"}, "counterpart": {"us-ccips"},
		"id_type_0": {"ip"}, "id_value_0": {"203.0.113.7"}, "id_at_0": {"2026-11-30T14:02:03"}, "id_port_0": {""},
		"id_type_1": {"domain"}, "id_value_1": {""}}
	resp, err := web.PostForm(s.URL+cpath+"/foreign", form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "後に刑事共助要請を行う意図") || !strings.Contains(body, "送信元ポート番号を入力") ||
		strings.Count(body, `class="field-error"`) < 6 {
		t.Fatalf("an incomplete preservation: %d\n%s", resp.StatusCode, body)
	}
	for k, v := range map[string]string{"authority": "警視庁サイバー犯罪対策課", "offence": "電子計算機使用詐欺", "data": "加入者情報と接続記録",
		"custodian": "Example Cloud Inc.", "necessity": "保存期間の経過で消去されるおそれ", "follow_up": "1", "id_port_0": "51234"} {
		form.Set(k, v)
	}
	resp, err = web.PostForm(s.URL+cpath+"/foreign", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/foreign/\d+\?done=foreign_created$`).MatchString(loc) {
		t.Fatalf("create: %d to %q", resp.StatusCode, loc)
	}
	rpath := strings.Split(loc, "?")[0]
	id, _ := strconv.ParseInt(strings.TrimPrefix(rpath, "/foreign/"), 10, 64)
	for _, to := range []string{"sent", "acknowledged", "preserved"} {
		resp, err := web.PostForm(s.URL+rpath+"/move", url.Values{"to": {to}})
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("→ %s: %v %v", to, err, resp.StatusCode)
		}
		resp.Body.Close()
	}
	pg := getPage(t, web, s.URL+rpath, http.StatusOK)
	if !strings.Contains(pg, "保全済み") || !strings.Contains(pg, "残り 90 日") || !strings.Contains(pg, "2026-11-30 14:02:03 UTC") || !strings.Contains(pg, `id="renew"`) {
		t.Errorf("the request's page:\n%s", pg)
	}
	if en := getPage(t, web, s.URL+rpath+"?lang=en", http.StatusOK); !strings.Contains(en, "90 days left") || !strings.Contains(en, "Preservation (Art. 29)") {
		t.Error("the request's page in English")
	}
	if list := getPage(t, web, s.URL+"/foreign", http.StatusOK); !strings.Contains(list, `href="`+rpath+`"`) {
		t.Error("the desk does not list the request")
	}
	if cp := getPage(t, web, s.URL+cpath+"?lang=ja", http.StatusOK); !strings.Contains(cp, `id="case-foreign"`) || !strings.Contains(cp, "国際連携の要請の状況") {
		t.Errorf("the case page lacks the request or its timeline:\n%s", cp)
	}
	other := s.Login(t, "inv@pref-27.example", "correct horse battery")
	getPage(t, other, s.URL+rpath, http.StatusNotFound)
	if list := getPage(t, other, s.URL+"/foreign", http.StatusOK); strings.Contains(list, rpath) {
		t.Error("another prefecture's desk lists the request")
	}
	// T−14 days: the lead's mail.
	clock.Advance(76 * 24 * time.Hour)
	if _, err := s.App.Jobs.RunOnce(ctx); err != nil && !errors.Is(err, jobs.ErrLeaseLost) {
		t.Fatal(err)
	}
	sink.wait(t, 1)
	sink.mu.Lock()
	msg, rcpt := sink.msgs[0], sink.rcpt[0]
	sink.mu.Unlock()
	if !strings.Contains(rcpt, "intl@mpd.example") || !strings.Contains(msg, rpath) || strings.Contains(msg, "203.0.113.7") || strings.Contains(msg, "Example Cloud") {
		t.Errorf("the reminder went to %s:\n%s", rcpt, msg)
	}
	// The app's own runner works beside RunOnce: a jump of the clock can
	// make either lose a lease to the other, which is how leases work.
	clock.Advance(15 * 24 * time.Hour)
	if _, err := s.App.Jobs.RunOnce(ctx); err != nil && !errors.Is(err, jobs.ErrLeaseLost) {
		t.Fatal(err)
	}
	var r *foreign.Request
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if r, _ = s.App.DB.ForeignRequest(ctx, id); r.State == foreign.Expired {
			break
		}
	}
	if r.State != foreign.Expired {
		t.Errorf("after the expiry the request is %s", r.State)
	}
}
