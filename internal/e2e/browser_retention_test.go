package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
)

// TestBrowserRetention: a supervisor sets a legal hold on a case from its
// page, and an administrator reads the retention policy; axe-core checks
// both pages.
func TestBrowserRetention(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := apptest.Start(t)
	const pw = "kaede-sakura-momiji-2026"
	const sup, adm = "mpd.supervisor@example.jp", "mpd.admin@example.jp"
	u := s.AddUser(t, sup, "pref-13", auth.RoleSupervisor, pw)
	s.AddUser(t, adm, "pref-13", auth.RoleAdmin, pw)
	c, err := s.App.Cases.Open(context.Background(), auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role},
		cases.Opening{Title: "投資詐欺グループ", Category: "FR", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	b := browserStart(t, ctx, s.URL)
	b.do("a desktop screen", chromedp.EmulateViewport(1366, 900))

	browserOfficerSignIn(t, b, s, sup, pw)
	b.open(fmt.Sprintf("/cases/%d", c.ID), http.StatusOK)
	b.checkAxe("case page with the legal hold form")
	b.do("give the reason", chromedp.SetValue(chromedp.CSS("#hold-reason"), "公判係属中のため証拠を保全する"))
	browserOfficerSubmit(t, b, "set the legal hold", `#f-hold button[type=submit]`)
	if main := b.text("main"); !strings.Contains(main, "訴訟ホールド中") || !strings.Contains(main, "公判係属中のため証拠を保全する") {
		t.Errorf("the case page after the hold: %q", main)
	}
	b.checkAxe("case page on legal hold")

	browserOfficerSignIn(t, b, s, adm, pw)
	b.open("/admin/retention", http.StatusOK)
	if main := b.text("main"); !strings.Contains(main, "保存期間の定め") || !strings.Contains(main, "30年") {
		t.Errorf("the retention page: %q", main)
	}
	b.checkAxe("retention policy (/admin/retention)")
}
