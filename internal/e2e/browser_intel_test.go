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
	"github.com/koban-project/koban/internal/intel"
)

// TestBrowserIntel: an NPA intel analyst in Chromium reads the feed
// status page, makes a TAXII collection for the prefectures, finds an
// indicator in the intel browser and shares it; axe-core on each page.
func TestBrowserIntel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := apptest.Start(t)
	const analyst, password = "intel.analyst@npa.example.jp", "sakura-kaede-momiji-2024"
	u := s.AddUser(t, analyst, "npa", auth.RoleAnalyst, password)
	ap := auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role, IP: "192.0.2.10", Via: "session"}
	src, err := s.App.Intel.CreateSource(ctx, ap, intel.SourceInput{Name: "押収端末から得た指標", Kind: intel.SourceFile, DefaultTLP: "green"})
	if err != nil {
		t.Fatal(err)
	}
	const ind = "indicator--5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
	if _, err := s.App.Intel.ImportFile(ctx, ap, src.ID, strings.NewReader(`{"type":"indicator","spec_version":"2.1","id":"`+ind+
		`","created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z","name":"闇バイト募集の連絡先","confidence":90,"pattern":"[domain-name:value = 'yami-baito.example']","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z"}`)); err != nil {
		t.Fatal(err)
	}

	p := browserStart(t, ctx, s.URL)
	browserOfficerSignIn(t, p, s, analyst, password)
	p.open("/intel", http.StatusOK)
	if got := p.text("#intel-sources"); !strings.Contains(got, "押収端末から得た指標") {
		t.Errorf("sources table %q", got)
	}
	p.checkAxe("intel sources (/intel)")

	p.open("/intel/collections", http.StatusOK)
	p.do("fill the collection form", chromedp.SetValue("#title", "全国の都道府県警察へ"), chromedp.SetValue("#readers", "pref-13, pref-27"),
		chromedp.SetValue("#writers", "pref-13"))
	browserOfficerSubmit(t, p, "make the collection", "#collection-form-submit")
	if got := p.text("#intel-collections"); !strings.Contains(got, "全国の都道府県警察へ") || !strings.Contains(got, "/taxii2/koban/collections/") {
		t.Errorf("collections table %q", got)
	}
	p.shot("intel-collections")
	p.checkAxe("TAXII collections (/intel/collections)")

	p.open("/intel/objects?q="+"闇バイト", http.StatusOK)
	if got := p.text("#intel-objects"); !strings.Contains(got, "闇バイト募集の連絡先") || !strings.Contains(got, "TLP:GREEN") {
		t.Errorf("intel browser %q", got)
	}
	p.checkAxe("intel browser (/intel/objects)")

	o, err := s.App.DB.IntelLatest(ctx, ind)
	if err != nil {
		t.Fatal(err)
	}
	p.open(fmt.Sprintf("/intel/objects/%d", o.ID), http.StatusOK)
	if got := p.text("#life"); !strings.Contains(got, "90 / 100") {
		t.Errorf("score %q", got)
	}
	browserOfficerSubmit(t, p, "share the indicator", "#share-submit")
	if got := p.text("main"); !strings.Contains(got, "コレクションに入れました") {
		t.Errorf("after sharing: %q", got)
	}
	p.shot("intel-object")
	p.checkAxe("an indicator (/intel/objects/{id})")
}
