package app_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/patrol"
)

// A supervisor puts a confirmed patrol finding into one of their cases
// from the finding's page: the finding's report is filed and linked, the
// captured page and its screenshot become the case's evidence under the
// hashes patrol kept, collected at the time of the capture; the join is
// audited, happens once, and an officer of another prefecture cannot do it.
func TestFindingJoinsCase(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	a := s.App
	sup := s.AddUser(t, "sv@mpd.example", "pref-13", auth.RoleSupervisor, "correct horse battery")
	s.AddUser(t, "sv@pref-27.example", "pref-27", auth.RoleSupervisor, "correct horse battery")
	p := auth.Principal{UserID: sup.ID, Email: sup.Email, Name: sup.Name, OrgID: sup.OrgID, Role: sup.Role}

	page := "<html><body>即日即金 ホワイト案件 090-1234-5678 まで</body></html>"
	body, _, err := a.Blobs.Put(strings.NewReader(page), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	shot, _, err := a.Blobs.Put(strings.NewReader("\x89PNG\r\n\x1a\n not really"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	fetched := time.Date(2026, 12, 1, 3, 4, 5, 0, time.UTC)
	it := &patrol.Item{OrgID: sup.OrgID, Kind: patrol.KindURL, Target: "https://yami.example.jp/bosyu", Every: time.Hour, Profile: patrol.ProfileDefault,
		Enabled: true, CreatedAt: fetched, UpdatedAt: fetched}
	if err := a.DB.CreatePatrolItem(ctx, it, audit.Entry{Actor: audit.System, Action: "patrol.item_create"}); err != nil {
		t.Fatal(err)
	}
	c := &patrol.Capture{ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, FinalURL: it.Target, Status: 200, ContentType: "text/html; charset=utf-8",
		Headers: []byte(`{}`), SHA256: body, Size: int64(len(page)), ScreenshotSHA256: shot, Profile: patrol.ProfileDefault, UserAgent: "koban/test",
		Route: "direct", FetchedAt: fetched, Changed: true}
	if err := a.DB.AddCapture(ctx, c); err != nil {
		t.Fatal(err)
	}
	f := &patrol.Finding{CaptureID: c.ID, ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, Category: "yamibaito", Score: 0.9, Excerpt: "即日即金 ホワイト案件",
		State: patrol.FindingNew, TLP: "amber", CreatedAt: fetched}
	if err := a.DB.AddFinding(ctx, f, 14); err != nil {
		t.Fatal(err)
	}
	kase, err := a.Cases.Open(ctx, p, cases.Opening{Title: "闇バイト募集の投稿群", Category: "IL", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	web := s.Login(t, "sv@mpd.example", "correct horse battery")
	fpath := "/patrol/findings/" + strconv.FormatInt(f.ID, 10)
	if pg := getPage(t, web, s.URL+fpath, http.StatusOK); strings.Contains(pg, `id="join-form"`) {
		t.Error("a finding not yet confirmed offers to join a case")
	}
	if err := a.Patrol.Review(ctx, p, f.ID, patrol.FindingConfirmed, ""); err != nil {
		t.Fatal(err)
	}
	pg := getPage(t, web, s.URL+fpath, http.StatusOK)
	if !strings.Contains(pg, `id="join-form"`) || !strings.Contains(pg, `<option value="`+strconv.FormatInt(kase.ID, 10)+`">`+kase.Number) {
		t.Fatalf("the confirmed finding does not offer the supervisor's case:\n%s", pg)
	}
	join := func(c *http.Client) *http.Response {
		t.Helper()
		resp, err := c.PostForm(s.URL+fpath+"/case", url.Values{"case": {strconv.FormatInt(kase.ID, 10)}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// Another prefecture's supervisor sees neither the finding nor the case.
	other := s.Login(t, "sv@pref-27.example", "correct horse battery")
	if resp := join(other); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another prefecture joined: %d", resp.StatusCode)
	}
	resp := join(web)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cases/"+strconv.FormatInt(kase.ID, 10)+"?done=finding_joined" {
		t.Fatalf("join: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cpage := getPage(t, web, s.URL+resp.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(cpage, "パトロールの検知を事件に加えました") || !strings.Contains(cpage, "patrol-finding-"+strconv.FormatInt(f.ID, 10)+".html") ||
		!strings.Contains(cpage, "patrol-finding-"+strconv.FormatInt(f.ID, 10)+"-screenshot.png") {
		t.Errorf("the case page lacks the notice or the evidence:\n%s", cpage)
	}
	v, err := a.Cases.Get(ctx, p, kase.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := a.DB.Finding(ctx, f.ID)
	if got.ReportID == 0 || !slices.ContainsFunc(v.Reports, func(r cases.LinkedReport) bool { return r.ReportID == got.ReportID }) {
		t.Errorf("the finding's report %d is not linked to the case: %+v", got.ReportID, v.Reports)
	}
	evs, err := a.Evidence.List(ctx, p, kase.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sums []string
	for _, e := range evs.Items {
		sums = append(sums, e.SHA256)
		if !e.CollectedAt.Equal(fetched) || !strings.Contains(e.CollectedBy, "サイバーパトロール") || !strings.Contains(e.Description, it.Target) {
			t.Errorf("evidence %s: collected %s by %q, %q", e.Name, e.CollectedAt, e.CollectedBy, e.Description)
		}
	}
	if slices.Sort(sums); len(sums) != 2 || !slices.Contains(sums, body) || !slices.Contains(sums, shot) {
		t.Errorf("evidence hashes %v; want the capture's %s and %s", sums, body, shot)
	}
	if resp := join(web); resp.StatusCode != http.StatusConflict {
		t.Errorf("a second join: %d", resp.StatusCode)
	}
	if evs, _ := a.Evidence.List(ctx, p, kase.ID); len(evs.Items) != 2 {
		t.Errorf("a second join added evidence: %d items", len(evs.Items))
	}
	rows, _ := a.DB.AuditOf(ctx, patrol.ObjectType, strconv.FormatInt(f.ID, 10))
	if !slices.ContainsFunc(rows, func(r audit.Row) bool { return r.Action == "patrol.finding_case" && r.Actor == "sv@mpd.example" }) {
		t.Errorf("the join is not audited: %+v", rows)
	}
}
