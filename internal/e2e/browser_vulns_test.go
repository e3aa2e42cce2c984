package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/vuln"
)

// TestBrowserVulns: an analyst in Chromium opens the vulnerability room,
// adds an asset (Bitbucket 7.6.5) through the inventory's form, lands on
// its page and sees CVE-2022-43781 found; axe-core on the dashboard, the
// inventory, the asset's page, the CVE's page and, for an administrator,
// the feeds' page.
func TestBrowserVulns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := apptest.Start(t)
	if _, err := s.App.Vuln.ImportPath(ctx, vuln.KindNVD, "../../../shared/data/vuln/nvd-go/nvd-api/testdata/responses/cves-2023.json.gz"); err != nil {
		t.Fatal(err)
	}
	const analyst, password = "vuln.analyst@mpd.example.jp", "sakura-kaede-momiji-2024"
	s.AddUser(t, analyst, "pref-13", auth.RoleAnalyst, password)
	const admin = "vuln.admin@mpd.example.jp"
	s.AddUser(t, admin, "pref-13", auth.RoleAdmin, password)

	p := browserStart(t, ctx, s.URL)
	browserOfficerSignIn(t, p, s, analyst, password)
	p.open("/vulns", http.StatusOK)
	if got := p.text("h1"); got != "所管システムのぜい弱性" {
		t.Errorf("the dashboard is titled %q", got)
	}
	p.checkAxe("vulnerabilities (/vulns)")
	p.shot("vulns")
	p.open("/vulns/assets", http.StatusOK)
	p.checkAxe("inventory (/vulns/assets)")
	p.do("fill in the asset", chromedp.SetValue(chromedp.CSS("#name"), "ソースコード管理サーバ"),
		chromedp.SetValue(chromedp.CSS("#cpe"), "cpe:2.3:a:atlassian:bitbucket:7.6.5:*:*:*:*:*:*:*"),
		chromedp.SetValue(chromedp.CSS("#exposure"), "internet"))
	browserOfficerSubmit(t, p, "add the asset", "#asset-form-submit")
	if got := p.text("#asset-name"); got != "ソースコード管理サーバ" {
		t.Fatalf("the asset's page is titled %q", got)
	}
	if got := p.text("#asset-findings"); !strings.Contains(got, "CVE-2022-43781") {
		t.Errorf("the asset's findings %q lack CVE-2022-43781", got)
	}
	p.checkAxe("an asset (/vulns/assets/{id})")
	p.shot("vuln-asset")
	p.open("/vulns/cve/CVE-2022-43781", http.StatusOK)
	if got := p.text("#record-cvss"); !strings.Contains(got, "9.8") {
		t.Errorf("the CVE's score %q", got)
	}
	p.checkAxe("a vulnerability (/vulns/cve/{id})")
	p.shot("vuln-record")

	// The administrator's feeds page, with its forms.
	browserOfficerSignIn(t, p, s, admin, password)
	p.open("/vulns/sources", http.StatusOK)
	if got := p.text("#source-form-heading"); got == "" {
		t.Error("the administrator is not offered the feed form")
	}
	p.checkAxe("feeds (/vulns/sources)")
}
