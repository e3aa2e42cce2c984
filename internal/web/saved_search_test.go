package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
)

// TestSearchAcrossRecords: the search page finds reports, cases and notes
// the officer may see, filters them, counts them by type, category and
// status, pages with a cursor and says "more than" past the cap.
func TestSearchAcrossRecords(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	ctx := context.Background()
	_, receipt := fileReport(t, s, "13", "ロマンス詐欺で暗号資産を送金した")
	fileReport(t, s, "27", "大阪のロマンス詐欺")
	tokyoP := savedPrincipal(t, s, "tokyo@mpd.example")
	c, err := s.App.Cases.Open(ctx, tokyoP, cases.Opening{Title: "ロマンス詐欺の連続事案", Summary: "マッチングアプリ経由", Category: "FR", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	note, err := s.App.Cases.AddNote(ctx, tokyoP, c.ID, "送金先の**暗号資産**アドレスを追跡")
	if err != nil {
		t.Fatal(err)
	}
	tokyo := s.Login(t, "tokyo@mpd.example", pw)

	page := body(t, must(tokyo.Get(s.URL+"/search?q="+url.QueryEscape("ロマンス"))))
	for _, want := range []string{"「ロマンス」の検索結果：2件", `<a href="/cases/` + fmt.Sprint(c.ID) + `">` + c.Number + `</a>`, receipt,
		`<mark>ロマンス</mark>詐欺の連続事案`, `id="search-facets"`, "事件 (1)", "通報 (1)", `id="save-search"`, `name="query" value="q=`} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %s", want)
		}
	}
	if strings.Contains(page, "大阪のロマンス") {
		t.Error("Tokyo finds the Osaka report")
	}
	// The API: a case result carries its number, title and owner; facets
	// count by type.
	status, out := apiSearch(t, s, s.Token(t, "tokyo@mpd.example"), "q="+url.QueryEscape("ロマンス"))
	results, _ := out["results"].([]any)
	if status != http.StatusOK || len(results) != 2 || out["total"] != float64(2) || out["total_is_lower_bound"] != false || out["next"] != nil {
		t.Fatalf("API: %d %v", status, out)
	}
	kase := results[0].(map[string]any)
	if kase["type"] != "case" || kase["number"] != c.Number || kase["title"] != c.Title || kase["org"] != "pref-13" || kase["status"] != "open" ||
		!strings.Contains(kase["snippet"].(string), "ロマンス詐欺") || results[1].(map[string]any)["receipt"] != receipt {
		t.Errorf("API results %v", results)
	}
	if f := out["facets"].(map[string]any)["type"].(map[string]any); f["case"] != float64(1) || f["report"] != float64(1) {
		t.Errorf("API facets %v", out["facets"])
	}
	// A note is found and links to its place in the case.
	page = body(t, must(tokyo.Get(s.URL+"/search?q="+url.QueryEscape("暗号資産")+"&type=note")))
	if !strings.Contains(page, fmt.Sprintf(`href="/cases/%d#note-%d"`, c.ID, note.ID)) || !strings.Contains(page, "検索結果：1件") {
		t.Errorf("note search:\n%s", page)
	}
	// Filters: a prefecture, a status, a date range, and a bad date.
	for q, want := range map[string]string{
		"q=" + url.QueryEscape("ロマンス") + "&org=27":                        "検索結果：0件",
		"q=" + url.QueryEscape("ロマンス") + "&status=open":                   "検索結果：1件",
		"q=" + url.QueryEscape("ロマンス") + "&from=2001-01-01&to=2001-12-31": "検索結果：0件",
	} {
		if page := body(t, must(tokyo.Get(s.URL+"/search?"+q))); !strings.Contains(page, want) {
			t.Errorf("%s: want %s", q, want)
		}
	}
	resp := must(tokyo.Get(s.URL + "/search?q=x&from=2026-13-45"))
	if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#f-from"`) {
		t.Errorf("bad date: %d", resp.StatusCode)
	}

	// Past the cap: "more than", and a next page by cursor.
	var rs []*intake.Report
	tokyoOrg, _ := s.App.Tree().ByCode("pref-13")
	now := time.Now().UTC()
	for i := range 520 {
		at := now.Add(-time.Duration(i) * time.Second)
		rs = append(rs, &intake.Report{Receipt: fmt.Sprintf("Z%07d", i), TokenHash: fmt.Sprint("bulk", i), Kind: intake.KindReport,
			Category: "PH", Description: "フィッシングのSMS", Prefecture: "13", OrgID: tokyoOrg.ID, Status: intake.StatusNew, Language: "ja",
			Source: "web", CreatedAt: at, UpdatedAt: at})
	}
	if err := s.App.DB.BulkLoadReports(ctx, rs); err != nil {
		t.Fatal(err)
	}
	page = body(t, must(tokyo.Get(s.URL+"/search?q="+url.QueryEscape("フィッシング"))))
	if !strings.Contains(page, "「フィッシング」の検索結果：200件以上") || !strings.Contains(page, "内訳は、見つかった順に数えた最初の200件") {
		t.Errorf("past the cap:\n%s", page)
	}
	next := regexp.MustCompile(`<a href="(/search\?[^"]+)" rel="next">`).FindStringSubmatch(page)
	if next == nil || !strings.Contains(next[1], "after=") {
		t.Fatalf("no next page link")
	}
	page = body(t, must(tokyo.Get(s.URL+strings.ReplaceAll(next[1], "&amp;", "&"))))
	if !strings.Contains(page, "Z0000050") || strings.Contains(page, "Z0000049<") || !strings.Contains(page, "最初のページ") {
		t.Errorf("second page does not start after the first")
	}
}

// principalOf is the principal of an account, as the pages make it.
func savedPrincipal(t *testing.T, s *apptest.Server, email string) auth.Principal {
	t.Helper()
	u, err := s.App.DB.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role}
}

// TestSavedSearches: an officer saves a search; the job records the new
// records that match and that the officer may view at that moment (a
// hidden report never, a case granted to the officer's organisation yes),
// counts them on the saved-searches page, lists them, marks them read;
// nobody else opens or deletes the search.
func TestSavedSearches(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "other@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	ctx := context.Background()
	tokyo := s.Login(t, "tokyo@mpd.example", pw)

	// Saved from the search page's form.
	status, loc, _ := postCase(t, tokyo, s.URL+"/searches", url.Values{"name": {"闇バイト（東京）"}, "query": {"q=" + url.QueryEscape("闇バイト")}})
	if status != http.StatusSeeOther || loc != "/searches?done=search_saved" {
		t.Fatalf("save: %d %s", status, loc)
	}
	page := body(t, must(tokyo.Get(s.URL+loc)))
	id := regexp.MustCompile(`<a href="/searches/(\d+)">闇バイト（東京）</a>`).FindStringSubmatch(page)
	if id == nil || !strings.Contains(page, "検索を保存しました。") {
		t.Fatalf("saved searches page:\n%s", page)
	}
	// A refused save keeps the page and says why.
	status, _, page = postCase(t, tokyo, s.URL+"/searches", url.Values{"name": {strings.Repeat("長", 101)}, "query": {"q=x"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "名前は100文字以内") {
		t.Errorf("long name: %d", status)
	}

	time.Sleep(2 * time.Millisecond)
	_, mine := fileReport(t, s, "13", "SNSで闇バイトに応募してしまった")
	_, hidden := fileReport(t, s, "27", "大阪の闇バイト募集")
	fileReport(t, s, "13", "関係のない通報")
	osakaP := savedPrincipal(t, s, "osaka@osaka.example")
	shared, err := s.App.Cases.Open(ctx, osakaP, cases.Opening{Title: "闇バイト実行役の事件", Category: "FR", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.App.Cases.Open(ctx, osakaP, cases.Opening{Title: "闇バイト指示役の事件", Category: "FR", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	tokyoOrg, _ := s.App.Tree().ByCode("pref-13")
	if err := s.App.DB.CreateGrant(ctx, &access.GrantRow{ObjectType: "case", ObjectID: shared.ID, OrgID: tokyoOrg.ID,
		Rights: []access.Right{access.View}, Reason: "共同捜査", CreatedAt: time.Now()}, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
		t.Fatal(err)
	}
	n, err := s.App.Search.MatchSaved(ctx)
	if err != nil || n != 2 {
		t.Fatalf("MatchSaved = %d, %v; want the Tokyo report and the shared case", n, err)
	}
	if n, err := s.App.Search.MatchSaved(ctx); err != nil || n != 0 {
		t.Errorf("MatchSaved again = %d, %v; want nothing new", n, err)
	}
	page = body(t, must(tokyo.Get(s.URL+"/searches")))
	if !strings.Contains(page, "2件") {
		t.Errorf("saved searches page lacks the two new matches:\n%s", page)
	}
	page = body(t, must(tokyo.Get(s.URL+"/searches/"+id[1])))
	if !strings.Contains(page, mine) || !strings.Contains(page, shared.Number) || strings.Contains(page, hidden) || strings.Contains(page, secret.Number) ||
		!strings.Contains(page, "未読 2件") {
		t.Errorf("matches page:\n%s", page)
	}
	// Access withdrawn since the match: the list no longer shows it.
	grants, _ := s.App.DB.GrantsOn(ctx, "case", shared.ID)
	if err := s.App.DB.RevokeGrant(ctx, grants[0].ID, time.Now(), audit.Entry{Actor: audit.System, Action: "grant.revoke"}); err != nil {
		t.Fatal(err)
	}
	page = body(t, must(tokyo.Get(s.URL+"/searches/"+id[1])))
	if strings.Contains(page, shared.Number) || !strings.Contains(page, mine) {
		t.Error("a match the officer may no longer view is still listed")
	}
	status, loc, _ = postCase(t, tokyo, s.URL+"/searches/"+id[1]+"/seen", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("seen: %d", status)
	}
	if page := body(t, must(tokyo.Get(s.URL+loc))); !strings.Contains(page, "未読 0件") {
		t.Error("matches still unread after marking them read")
	}
	// Another officer: not found, and cannot delete it.
	other := s.Login(t, "other@mpd.example", pw)
	if resp := must(other.Get(s.URL + "/searches/" + id[1])); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another officer opens the saved search: %d", resp.StatusCode)
	}
	if status, _, _ := postCase(t, other, s.URL+"/searches/"+id[1]+"/delete", nil); status != http.StatusNotFound {
		t.Errorf("another officer deletes the saved search: %d", status)
	}
	status, loc, _ = postCase(t, tokyo, s.URL+"/searches/"+id[1]+"/delete", nil)
	if page := body(t, must(tokyo.Get(s.URL+loc))); status != http.StatusSeeOther || strings.Contains(page, "闇バイト（東京）") {
		t.Errorf("delete: %d", status)
	}
}
