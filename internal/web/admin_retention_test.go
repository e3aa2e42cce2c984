package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// TestAdminRetention: administrators see the policy in force (the
// defaults, in Japanese) and what the last run deleted; others are refused.
func TestAdminRetention(t *testing.T) {
	clock := koban.NewFixedClock(time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC))
	s := apptest.Start(t, apptest.WithClock(clock))
	ctx := context.Background()
	s.AddUser(t, "admin@mpd.example", "pref-13", auth.RoleAdmin, pw)
	u := s.AddUser(t, "inv@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	id, _ := fileReport(t, s, "13", "古い通報")
	if err := s.App.Intake.Close(ctx, auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role}, id, "resolved", ""); err != nil {
		t.Fatal(err)
	}
	fileReport(t, s, "13", "新しい通報")         // the reports' highest id stays
	clock.Advance(6 * 366 * 24 * time.Hour) // past the tips' five years
	sum, err := s.App.Retention.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Items) != 1 || sum.Items[0].ID != id {
		// The server's own daily run may have taken it first.
		if _, err := s.App.DB.Report(ctx, id); koban.ErrorCode(err) != koban.NotFound {
			t.Fatalf("the run deleted %+v and the report is still there: %v", sum.Items, err)
		}
	}
	inv := s.Login(t, "inv@mpd.example", pw)
	if resp := must(inv.Get(s.URL + "/admin/retention")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an investigator: %d", resp.StatusCode)
	}
	c := loginAdmin(t, s, "admin@mpd.example")
	page := body(t, must(c.Get(s.URL+"/admin/retention")))
	for _, want := range []string{"保存期間の定め", "<td>情報提供</td><td>終結後の最終更新</td><td>5年</td>", "<td>監査ログの行</td><td>記録時</td><td>30年</td>",
		"<td>サイバーパトロールの取得記録(監視対象・タグの定めがない場合)</td><td>取得時</td><td>90日</td>", "通報 1", "監査ログの行はまだ削除されていません",
		`id="policy-version">` + s.App.Retention.Policy().Version() + "<"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if page := body(t, must(c.Get(s.URL+"/admin/users"))); !strings.Contains(page, `<a href="/admin/retention">保存期間</a>`) {
		t.Error("the administration pages do not link to retention")
	}
}
