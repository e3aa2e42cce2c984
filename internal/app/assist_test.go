package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/config"

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

// With an LLM set up (a fake OpenAI-compatible endpoint on loopback), a
// suggestion keeps the LLM's second opinion beside the local model's; the
// report's text reaches it with the reporter's name, phone and e-mail
// masked. With the endpoint down, the local suggestion stands alone.
func TestTriageSecondOpinion(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	down := false
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		isDown := down
		mu.Unlock()
		if isDown || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		answer, _ := json.Marshal(map[string]string{"category": "PH", "reason": "宅配業者を装うSMSのリンクで認証情報を入力させている"})
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": string(answer)}}}})
	}))
	defer fake.Close()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir, cfg.LLMURL, cfg.LLMModel, cfg.LLMAllow, cfg.EgressAllow = dir, fake.URL, "qwen-test", "127.0.0.1", "127.0.0.0/8"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	submit := func(d string) int64 {
		rc, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindReport, Description: d, Language: "ja", Prefecture: "13", Consent: true,
			Contact: intake.Contact{Name: "山田花子", Email: "hanako@example.jp"}}, intake.Origin{Source: "web", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		return rc.ReportID
	}
	id := submit("山田花子です。宅配業者を名乗るSMSが 090-1234-5678 から届き、hanako@example.jp のパスワードを入力しました")
	if _, err := a.Assist.SuggestPending(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := a.Assist.ReportSuggestions(ctx, []int64{id})
	if sg := got[id]; sg == nil || sg.LLMCategory != "PH" || sg.LLMModel != "qwen-test" || sg.LLMReason == "" || sg.Model == "" {
		t.Fatalf("suggestion with a second opinion: %+v", sg)
	}
	mu.Lock()
	sent := strings.Join(bodies, "\n")
	mu.Unlock()
	for _, secret := range []string{"山田花子", "090-1234-5678", "hanako@example.jp"} {
		if strings.Contains(sent, secret) {
			t.Errorf("%q reached the LLM", secret)
		}
	}
	mu.Lock()
	down = true
	mu.Unlock()
	other := submit("投資の儲け話でUSDTを送金させられました")
	if _, err := a.Assist.SuggestPending(ctx); err != nil {
		t.Fatalf("the job failed with the LLM down: %v", err)
	}
	got, _ = a.Assist.ReportSuggestions(ctx, []int64{other})
	if sg := got[other]; sg == nil || sg.LLMCategory != "" || sg.Category == "" {
		t.Errorf("with the LLM down: %+v, want the local suggestion alone", sg)
	}
}
