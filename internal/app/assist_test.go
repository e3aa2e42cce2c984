package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/taxonomy"
)

// Triage suggestions come after a report is stored, from the job, with
// the model version and score; an officer's category change is what
// `koban model train` learns from, and the new version becomes the active
// one beside the first.
func TestTriageSuggestions(t *testing.T) {
	dir := t.TempDir()
	a := openApp(t, dir)
	ctx := context.Background()
	texts := []string{
		"【高額報酬】荷物を受け取るだけのホワイト案件、即日即金。詳細はテレグラムで連絡ください",
		"宅配業者を名乗るSMSが届き、リンク先でIDとパスワードを入力してしまいました",
	}
	var ids []int64
	for _, d := range texts {
		rc, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Description: d, Language: "ja", Prefecture: "13"},
			intake.Origin{Source: "web", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.ReportID)
	}
	if got, _ := a.Assist.ReportSuggestions(ctx, ids); len(got) != 0 {
		t.Fatalf("suggestions before the job ran: %v", got)
	}
	n, err := a.Assist.SuggestPending(ctx)
	if err != nil || n != 2 {
		t.Fatalf("SuggestPending: %d, %v", n, err)
	}
	got, err := a.Assist.ReportSuggestions(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	first, second := got[ids[0]], got[ids[1]]
	if first == nil || first.Category != taxonomy.SC || !first.Urgent || first.Model == "" || first.Score <= 0 || len(first.Features) == 0 {
		t.Errorf("the 闇バイト post's suggestion: %+v", first)
	}
	if second == nil || second.Category != taxonomy.PH {
		t.Errorf("the phishing SMS's suggestion: %+v", second)
	}
	if n, _ := a.Assist.SuggestPending(ctx); n != 0 {
		t.Errorf("a second run suggested %d again", n)
	}
	rep, err := a.DB.Report(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if rep.Category != "" {
		t.Errorf("the suggestion changed the report's category to %q", rep.Category)
	}

	orgs, err := a.DB.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tokyo int64
	for _, o := range orgs {
		if o.Code == "pref-13" {
			tokyo = o.ID
		}
	}
	u := &auth.User{Email: "desk@mpd.example", Name: "受付", OrgID: tokyo, Role: auth.RoleIntake, PasswordHash: "x", CreatedAt: time.Now()}
	if err := a.DB.CreateUser(ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role}
	if err := a.Intake.SetCategory(ctx, p, ids[1], "PH"); err != nil {
		t.Fatal(err)
	}
	a.Close()

	code, out, errs := run(t, map[string]string{"KOBAN_DATA_DIR": dir}, "", "model", "train")
	if code != 0 || !strings.Contains(out, "413 examples (1 confirmed by officers)") || !strings.Contains(out, "macro-F1") {
		t.Fatalf("model train: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = run(t, map[string]string{"KOBAN_DATA_DIR": dir}, "", "model", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "* ") || strings.HasPrefix(lines[1], "* ") {
		t.Errorf("model list: %d\n%s", code, out)
	}
}
