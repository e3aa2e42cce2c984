package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// TestDashboardAccess: a supervisor reads the dashboard of their own line
// — Tokyo's counts for Tokyo's supervisor, nothing of Osaka's; Osaka's
// supervisor sees none of Tokyo's; a station's supervisor sees the station
// alone; officers whose role does not read dashboards (at a station or at
// headquarters) get a 403 and no menu entry. Each read is audited.
func TestDashboardAccess(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	clock := koban.NewFixedClock(time.Date(2026, 6, 10, 9, 0, 0, 0, jst))
	s := apptest.Start(t, apptest.WithClock(clock))
	ctx := context.Background()
	hq, _ := s.App.Tree().ByCode("pref-13")
	station := &org.Org{Code: "pref-13-shinjuku", ParentID: hq.ID, Kind: org.KindStation, NameJA: "新宿警察署", NameEN: "Shinjuku", Prefecture: "13"}
	if err := s.App.DB.CreateOrg(ctx, station, audit.Entry{Actor: audit.System, Action: "org.create", ObjectType: "org"}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.ReloadTree(ctx); err != nil {
		t.Fatal(err)
	}
	sup := s.AddUser(t, "sup@mpd.example", "pref-13", auth.RoleSupervisor, pw)
	s.AddUser(t, "sup@osaka.example", "pref-27", auth.RoleSupervisor, pw)
	s.AddUser(t, "sup@shinjuku.example", "pref-13-shinjuku", auth.RoleSupervisor, pw)
	s.AddUser(t, "intake@shinjuku.example", "pref-13-shinjuku", auth.RoleIntake, pw)
	s.AddUser(t, "intake@mpd.example", "pref-13", auth.RoleIntake, pw)

	// Tokyo: 3 reports yesterday, 2 today (one urgent: a threat to life);
	// Osaka: 7 today.
	file := func(n int, pref, text string) []int64 {
		var ids []int64
		for i := range n {
			rc, err := s.App.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Category: "FR", Prefecture: pref,
				Description: text + " " + strconv.Itoa(i), Language: "ja"}, intake.Origin{Source: "web", IP: "192.0.2.10"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rc.ReportID)
		}
		return ids
	}
	clock.Advance(-24 * time.Hour)
	tokyo := file(3, "13", "昨日の通報")
	clock.Advance(24 * time.Hour)
	file(1, "13", "今日の通報")
	if _, err := s.App.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Category: "SU", Prefecture: "13",
		Description: "死にたいという書き込み", Language: "ja"}, intake.Origin{Source: "web", IP: "192.0.2.10"}); err != nil {
		t.Fatal(err)
	}
	file(7, "27", "大阪の通報")
	// An officer answers one of yesterday's reports 3 hours after it came in.
	supP := auth.Principal{UserID: sup.ID, OrgID: hq.ID, Role: auth.RoleSupervisor, Email: sup.Email}
	clock.Advance(-21 * time.Hour)
	if err := s.App.Intake.Reply(ctx, supP, tokyo[0], "ご連絡ありがとうございます"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(21 * time.Hour)

	get := func(email string) (int, string) {
		c := s.Login(t, email, pw)
		resp := must(c.Get(s.URL + "/dashboard?org=pref-27"))
		return resp.StatusCode, body(t, resp)
	}
	lastDay := regexp.MustCompile(`<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td></tr></tbody>\s*</table>\s*</div>\s*</details>`)
	today := func(page string) string {
		m := lastDay.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no intake table on the page:\n%s", page)
		}
		return m[1] + " " + m[2]
	}

	st, page := get("sup@mpd.example")
	if st != http.StatusOK {
		t.Fatalf("Tokyo's supervisor: %d\n%s", st, page)
	}
	if got := today(page); got != "6月10日 2" {
		t.Errorf("Tokyo's supervisor: today reads %q, want 6月10日 2 (Osaka's 7 not counted, ?org= ignored)", got)
	}
	for _, want := range []string{`href="/dashboard"`, "警視庁とその配下", `id="flag-urgent"><a href="/queue?urgent=1">1件</a>`,
		`id="reply-median">3.0h<`, `id="reply-waiting">4<`, `role="img" aria-labelledby="chart-intake-title chart-intake-desc"`, "送信した削除依頼はまだありません"} {
		if !strings.Contains(page, want) {
			t.Errorf("Tokyo's dashboard lacks %q", want)
		}
	}
	if strings.Contains(page, "大阪") || strings.Contains(page, "昨日の通報") {
		t.Error("Tokyo's dashboard names Osaka or a report's text")
	}
	rows, err := s.App.DB.AuditOf(ctx, "org", strconv.FormatInt(hq.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || rows[len(rows)-1].Action != "dashboard.view" || rows[len(rows)-1].ActorID != sup.ID {
		t.Errorf("the read is not audited as dashboard.view: %+v", rows)
	}

	if st, page := get("sup@osaka.example"); st != http.StatusOK || today(page) != "6月10日 7" || strings.Contains(page, "警視庁") {
		t.Errorf("Osaka's supervisor: %d, today %q: want Osaka's 7 and nothing of Tokyo", st, today(page))
	}
	if st, page := get("sup@shinjuku.example"); st != http.StatusOK || today(page) != "6月10日 0" {
		t.Errorf("Shinjuku's supervisor: %d, today %q: the station owns none of Tokyo's reports", st, today(page))
	}
	for _, email := range []string{"intake@shinjuku.example", "intake@mpd.example"} {
		st, page := get(email)
		if st != http.StatusForbidden || strings.Contains(page, "chart-intake") {
			t.Errorf("%s: %d, want 403 and no dashboard", email, st)
		}
		c := s.Login(t, email, pw)
		if strings.Contains(body(t, must(c.Get(s.URL+"/queue"))), `href="/dashboard"`) {
			t.Errorf("%s is offered the dashboard in the menu", email)
		}
	}
	// Not signed in: the sign-in page.
	if resp := must(s.Client().Get(s.URL + "/dashboard")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("anonymous: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// English.
	c := s.Login(t, "sup@mpd.example", pw)
	if page := body(t, must(c.Get(s.URL+"/dashboard?lang=en"))); !strings.Contains(page, "Reports received (last 30 days)") || !strings.Contains(page, "10 Jun") {
		t.Error("the English dashboard is not in English")
	}
}
