package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
)

// A report's suggestion shows on the queue and on its page, with the
// words that drove it and the model's version; accepting it is the
// ordinary, audited category change, and then the button goes.
func TestTriageSuggestionShownAndAccepted(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	ctx := context.Background()
	rc, err := s.App.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Prefecture: "13", Language: "ja",
		Description: "【高額報酬】荷物を受け取るだけのホワイト案件、即日即金。詳細はテレグラムで"}, intake.Origin{Source: "web", IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Assist.SuggestPending(ctx); err != nil {
		t.Fatal(err)
	}
	c := s.Login(t, "tokyo@mpd.example", pw)
	queue := body(t, must(c.Get(s.URL+"/queue")))
	if !strings.Contains(queue, "AI の提案: 重大な犯罪につながる情報") {
		t.Errorf("the queue does not show the suggestion:\n%s", queue)
	}
	page := body(t, must(c.Get(fmt.Sprintf("%s/reports/%d", s.URL, rc.ReportID))))
	for _, want := range []string{"AI による分類の提案", "緊急の可能性", "根拠となった語句", "この分類を採用する"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report page lacks %q", want)
		}
	}
	resp := formPost(t, c, fmt.Sprintf("%s/reports/%d/category", s.URL, rc.ReportID), map[string]string{"category": "SC"}, "", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	rep, err := s.App.DB.Report(ctx, rc.ReportID)
	if err != nil || rep.Category != "SC" {
		t.Fatalf("after accepting: %v, %v", rep, err)
	}
	rows, _ := s.App.DB.AuditOf(ctx, "report", fmt.Sprint(rc.ReportID))
	found := false
	for _, r := range rows {
		found = found || r.Action == "report.category"
	}
	if !found {
		t.Error("accepting the suggestion left no report.category audit row")
	}
	if page := body(t, must(c.Get(fmt.Sprintf("%s/reports/%d", s.URL, rc.ReportID)))); strings.Contains(page, "この分類を採用する") {
		t.Error("the accept button stays once the category is the suggested one")
	}
}
