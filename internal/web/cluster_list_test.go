package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// TestClusterListSaysWhatACampaignIs: each cluster in the list shows its
// main values as officers read them, its prefectures, its records and the
// money lost — the money and values from the records the officer may see
// alone, the others as a count — on the page and in the API.
func TestClusterListSaysWhatACampaignIs(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	const number = "電話 090-1234-5678 から指示された。"
	filed(t, s, with(validForm, "description", number, "amount_jpy", "120000"))
	filed(t, s, with(validForm, "description", number, "amount_jpy", "30000"))
	filed(t, s, with(validForm, "prefecture", "27", "description", number+" 送金先 osaka-secret@example.jp", "amount_jpy", "5000000"))
	tokyo := s.Login(t, "tokyo@mpd.example", pw)

	page := html.UnescapeString(body(t, must(tokyo.Get(s.URL+"/clusters"))))
	row := regexp.MustCompile(`(?s)<tr id="cluster-\d+">.*?</tr>`).FindString(page)
	text := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(row, " ")), " ")
	for _, want := range []string{"電話番号 090-1234-5678", "東京都、大阪府", "3件", "うち閲覧できない記録1件", "150,000円", "閲覧できる2件の合計"} {
		if !strings.Contains(text, want) {
			t.Errorf("the cluster's line lacks %q: %s", want, text)
		}
	}
	for _, secret := range []string{"osaka-secret", "5,000,000", "5,150,000"} {
		if strings.Contains(page, secret) {
			t.Errorf("the list shows %q, from Osaka's report", secret)
		}
	}

	token := s.Token(t, "tokyo@mpd.example")
	var l struct {
		Clusters []struct {
			ID              int64    `json:"id"`
			Size            int      `json:"size"`
			Visible         int      `json:"visible"`
			Hidden          int      `json:"hidden"`
			PrefectureCodes []string `json:"prefecture_codes"`
			DamageJPY       int64    `json:"damage_jpy"`
			Top             []struct {
				Type, Value string
				Members     int `json:"members"`
			} `json:"top_observables"`
		} `json:"clusters"`
	}
	code, raw := apiGet(t, s, token, "/api/v1/clusters", &l)
	if code != http.StatusOK || len(l.Clusters) != 1 {
		t.Fatalf("clusters API: %d\n%s", code, raw)
	}
	c := l.Clusters[0]
	if c.Size != 3 || c.Visible != 2 || c.Hidden != 1 || c.DamageJPY != 150000 || strings.Join(c.PrefectureCodes, ",") != "13,27" ||
		len(c.Top) == 0 || c.Top[0].Value != "+819012345678" || c.Top[0].Members != 2 {
		t.Errorf("clusters API: %+v", c)
	}
	if strings.Contains(raw, "osaka-secret") || strings.Contains(raw, "5000000") {
		t.Errorf("clusters API shows Osaka's report:\n%s", raw)
	}
}
