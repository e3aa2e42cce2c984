package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/patrol"
)

// A patrol manager sets a retention for a tag on the retention page, in
// Japanese and in English; the item's page says its captures now go after
// that many days and why; bad input comes back with the messages and what
// was typed; removing it puts the default back. An officer who only reads
// patrol sees the list without the form and is refused a change, and so is
// another prefecture's manager.
func TestPatrolTagRetentionForm(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "manager@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	manager := s.Login(t, "manager@mpd.example", pw)
	resp := must(manager.PostForm(s.URL+"/patrol/items?lang=ja", url.Values{"kind": {"phrase"}, "target": {"ホワイト案件"}, "tags": {"闇バイト 東京"}}))
	item := strings.Split(resp.Header.Get("Location"), "?")[0]
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(item, "/patrol/items/") {
		t.Fatalf("add item: %d to %q", resp.StatusCode, item)
	}
	get := func(c *http.Client, path string, want int) string {
		t.Helper()
		resp := must(c.Get(s.URL + path))
		b := body(t, resp)
		if resp.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d\n%s", path, resp.StatusCode, want, b)
		}
		return b
	}
	page := get(manager, "/patrol?lang=ja", http.StatusOK)
	if !strings.Contains(page, `href="/patrol/retention" id="retention-link">タグごとの保存日数`) {
		t.Error("the patrol page does not link to the retention by tag")
	}
	if page := get(manager, item+"?lang=ja", http.StatusOK); !strings.Contains(page, "検知のないものは90日で削除（既定）") {
		t.Errorf("the item's page before any retention:\n%s", page)
	}
	page = get(manager, "/patrol/retention?lang=ja", http.StatusOK)
	for _, want := range []string{"タグごとの保存日数はまだ設定されていません", `id="retention-form"`, `<option value="闇バイト">`, `<option value="pref-13" selected>警視庁</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the retention page lacks %q", want)
		}
	}
	// Bad input: every problem, in Japanese, with what was typed.
	resp = must(manager.PostForm(s.URL+"/patrol/retention?lang=ja", url.Values{"org": {"pref-13"}, "tag": {"闇 バイト"}, "days": {"0"}}))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "タグを1つ、100文字以内で") || !strings.Contains(page, "保存日数は1から3650の整数で") ||
		!strings.Contains(page, `value="闇 バイト"`) {
		t.Errorf("bad input: %d\n%s", resp.StatusCode, page)
	}
	resp = must(manager.PostForm(s.URL+"/patrol/retention?lang=ja", url.Values{"org": {"pref-13"}, "tag": {"闇バイト"}, "days": {"30"}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/patrol/retention?done=patrol_tag_retention_set" {
		t.Fatalf("set: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	page = get(manager, "/patrol/retention?lang=ja&done=patrol_tag_retention_set", http.StatusOK)
	if !strings.Contains(page, "タグの保存日数を設定しました") || !strings.Contains(page, `<span class="tag">闇バイト</span>`) || !strings.Contains(page, "<td>30日</td>") {
		t.Errorf("after setting it:\n%s", page)
	}
	if page := get(manager, item+"?lang=ja", http.StatusOK); !strings.Contains(page, "検知のないものは30日で削除（タグ「闇バイト」の保存日数）") {
		t.Errorf("the item's page with the tag's retention:\n%s", page)
	}
	// The same in English.
	page = get(manager, "/patrol/retention?lang=en", http.StatusOK)
	if !strings.Contains(page, "<h1>Retention by tag</h1>") || !strings.Contains(page, "<td>30 days</td>") || !strings.Contains(page, `aria-label="Remove the retention of tag “闇バイト”"`) {
		t.Errorf("the retention page in English:\n%s", page)
	}
	if page := get(manager, item+"?lang=en", http.StatusOK); !strings.Contains(page, "captures without a finding go after 30 days (the retention of tag “闇バイト”)") {
		t.Errorf("the item's page in English:\n%s", page)
	}
	resp = must(manager.PostForm(s.URL+"/patrol/retention?lang=en", url.Values{"tag": {"東京"}, "days": {"a year"}}))
	if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Enter the days to keep as a whole number from 1 to 3650.") {
		t.Errorf("bad days in English: %d\n%s", resp.StatusCode, page)
	}
	resp = must(manager.PostForm(s.URL+"/patrol/retention?lang=en", url.Values{"tag": {"東京"}, "days": {"365"}}))
	resp.Body.Close()
	if page := get(manager, item+"?lang=en", http.StatusOK); resp.StatusCode != http.StatusSeeOther || !strings.Contains(page, "go after 365 days (the retention of tag “東京”)") {
		t.Errorf("with 東京 kept a year (%d): the longest tag does not win:\n%s", resp.StatusCode, page)
	}
	// An investigator reads the list, without the form, and may not change
	// it; nor may Osaka's manager change Tokyo's.
	s.AddUser(t, "reader@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	reader := s.Login(t, "reader@mpd.example", pw)
	if page := get(reader, "/patrol/retention?lang=ja", http.StatusOK); !strings.Contains(page, "闇バイト") || strings.Contains(page, `id="retention-form"`) || strings.Contains(page, "/patrol/retention/remove") {
		t.Errorf("the investigator's retention page:\n%s", page)
	}
	s.AddUser(t, "manager@osaka.example", "pref-27", auth.RoleAnalyst, pw)
	osaka := s.Login(t, "manager@osaka.example", pw)
	for name, c := range map[string]*http.Client{"investigator": reader, "Osaka": osaka} {
		for _, path := range []string{"/patrol/retention", "/patrol/retention/remove"} {
			resp := must(c.PostForm(s.URL+path, url.Values{"org": {"pref-13"}, "tag": {"闇バイト"}, "days": {"1"}}))
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s posts %s for Tokyo: %d", name, path, resp.StatusCode)
			}
		}
	}
	if page := get(osaka, "/patrol/retention?lang=ja", http.StatusOK); strings.Contains(page, "闇バイト") {
		t.Error("Osaka lists Tokyo's tag retentions")
	}
	// Removed: the other tag's year applies; both removed, the default.
	for _, tag := range []string{"東京", "闇バイト"} {
		resp := must(manager.PostForm(s.URL+"/patrol/retention/remove", url.Values{"org": {"pref-13"}, "tag": {tag}}))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/patrol/retention?done=patrol_tag_retention_removed" {
			t.Fatalf("remove %s: %d to %q", tag, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if page := get(manager, item+"?lang=ja", http.StatusOK); !strings.Contains(page, "検知のないものは90日で削除（既定）") {
		t.Errorf("after both were removed:\n%s", page)
	}
	resp = must(manager.PostForm(s.URL+"/patrol/retention/remove", url.Values{"org": {"pref-13"}, "tag": {"東京"}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("removing one that is not set: %d", resp.StatusCode)
	}
}

// The quota's banner on the patrol pages: for a patrol manager from 80 %,
// saying how full and, at 100 %, that changed pages are not kept and what
// to do, in Japanese and English; never for an officer who only reads
// patrol. /metrics carries the used and quota bytes.
func TestPatrolQuotaBanner(t *testing.T) {
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.PatrolQuota = 1000 }))
	u := s.AddUser(t, "manager@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	manager := s.Login(t, "manager@mpd.example", pw)
	s.AddUser(t, "reader@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	reader := s.Login(t, "reader@mpd.example", pw)
	ctx := context.Background()
	p := auth.Principal{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Email: u.Email}
	it, err := s.App.Patrol.CreateItem(ctx, p, patrol.ItemInput{Kind: patrol.KindURL, Target: "https://yami.example.jp/"})
	if err != nil {
		t.Fatal(err)
	}
	keep := func(n int, size int64) {
		t.Helper()
		if err := s.App.DB.AddCapture(ctx, &patrol.Capture{ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, FinalURL: it.Target, Status: 200,
			Headers: []byte(`{}`), SHA256: fmt.Sprintf("%064x", n), Size: size, Profile: patrol.ProfileDefault, UserAgent: "koban/test",
			Route: "direct", FetchedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := s.App.Patrol.MeasureUsage(ctx); err != nil {
			t.Fatal(err)
		}
	}
	page := func(c *http.Client, path string) string {
		t.Helper()
		resp := must(c.Get(s.URL + path))
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return b
	}
	keep(1, 700) // 70 %: quiet
	if b := page(manager, "/patrol?lang=ja"); strings.Contains(b, `id="patrol-quota"`) {
		t.Error("a banner at 70 %")
	}
	keep(2, 200) // 90 %
	for _, path := range []string{"/patrol", "/patrol/items/" + fmt.Sprint(it.ID), "/patrol/findings", "/patrol/retention"} {
		if b := page(manager, path+"?lang=ja"); !strings.Contains(b, `class="freeze-box" role="status" id="patrol-quota"`) ||
			!strings.Contains(b, "パトロールの取得記録が容量の上限の90%に達しています（900 B／1 KB、") {
			t.Errorf("%s at 90 %% lacks the warning:\n%s", path, b)
		}
	}
	if b := page(manager, "/patrol?lang=en"); !strings.Contains(b, "Patrol captures use 90% of their quota (900 B of 1 KB, as of ") {
		t.Errorf("the warning in English:\n%s", b)
	}
	if b := page(reader, "/patrol?lang=ja"); strings.Contains(b, `id="patrol-quota"`) {
		t.Error("the banner shows to an officer who only reads patrol")
	}
	keep(3, 150) // 105 %
	b := page(manager, "/patrol?lang=ja")
	for _, want := range []string{`class="urgent-box" role="alert" id="patrol-quota"`, "容量の上限に達したため（1 KB／1 KB、", "変化したページを保存していません",
		"上限（KOBAN_PATROL_QUOTA）の引き上げ", `<a href="/patrol/retention">タグごとの保存日数や監視対象の保存日数を短くする</a>`, "必要のなくなった保全を解除する"} {
		if !strings.Contains(b, want) {
			t.Errorf("the banner at 105 %% lacks %q:\n%s", want, b)
		}
	}
	b = page(manager, "/patrol?lang=en")
	for _, want := range []string{"Patrol captures have filled their quota (1 KB of 1 KB, as of ", "pages that changed are not being kept",
		"raise the quota (KOBAN_PATROL_QUOTA)", "lift legal holds that are no longer needed"} {
		if !strings.Contains(b, want) {
			t.Errorf("the English banner at 105 %% lacks %q:\n%s", want, b)
		}
	}
	if b := page(reader, "/patrol?lang=en"); strings.Contains(b, `id="patrol-quota"`) {
		t.Error("the banner shows to an officer who only reads patrol")
	}
	m := page(s.Client(), "/metrics")
	if !strings.Contains(m, "koban_patrol_captures_bytes 1050\n") || !strings.Contains(m, "koban_patrol_quota_bytes 1000\n") {
		t.Errorf("/metrics lacks the patrol quota gauges:\n%s", m)
	}
}
