package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/tlp"

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
	if !audited(t, s, "report", fmt.Sprint(rc.ReportID), "report.category") {
		t.Error("accepting the suggestion left no report.category audit row")
	}
	if page := body(t, must(c.Get(fmt.Sprintf("%s/reports/%d", s.URL, rc.ReportID)))); strings.Contains(page, "この分類を採用する") {
		t.Error("the accept button stays once the category is the suggested one")
	}
}

// A report in English gets a Japanese translation from the LLM when an
// officer asks (a POST, audited), its reporter's name masked on the way;
// with no LLM set up the button is not offered.
func TestReportTranslation(t *testing.T) {
	fake := newFakeLLM(t, map[string]string{"translation": "偽の配送通知のSMSでカード番号を入力してしまいました。", "source_language": "en"})
	s := apptest.Start(t, apptest.WithConfig(fake.configure))
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	ctx := context.Background()
	rc, err := s.App.Intake.Submit(ctx, intake.Submission{Kind: intake.KindReport, Prefecture: "13", Language: "en", Consent: true,
		Contact:     intake.Contact{Name: "John Smith", Email: "john@example.com"},
		Description: "I am John Smith. A fake delivery SMS made me enter my card number."}, intake.Origin{Source: "web", IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Login(t, "tokyo@mpd.example", pw)
	page := body(t, must(c.Get(fmt.Sprintf("%s/reports/%d", s.URL, rc.ReportID))))
	if !strings.Contains(page, "LLM で日本語に訳す") {
		t.Fatal("the translate button is not offered for an English report")
	}
	resp := formPost(t, c, fmt.Sprintf("%s/reports/%d/translate", s.URL, rc.ReportID), nil, "", nil)
	page = body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "偽の配送通知のSMSでカード番号を入力してしまいました。") {
		t.Fatalf("translate: %d", resp.StatusCode)
	}
	all, _ := fake.received()
	if strings.Contains(all, "John Smith") || strings.Contains(all, "john@example.com") || !strings.Contains(all, "fake delivery SMS") {
		t.Errorf("what reached the LLM: %s", all)
	}
	if !audited(t, s, "report", fmt.Sprint(rc.ReportID), "assist.translate") {
		t.Error("no assist.translate audit row")
	}

	plain := apptest.Start(t)
	plain.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	rc2, err := plain.App.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Prefecture: "13", Language: "en", Description: "fake SMS"},
		intake.Origin{Source: "web", IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	if page := body(t, must(plain.Login(t, "tokyo@mpd.example", pw).Get(fmt.Sprintf("%s/reports/%d", plain.URL, rc2.ReportID)))); strings.Contains(page, "LLM で日本語に訳す") {
		t.Error("the translate button is offered with no LLM set up")
	}
}

// An analysed sample's strings can be read by the LLM at an analyst's
// request (a POST, audited); what reached the LLM is the strings.
func TestSampleStringsExplained(t *testing.T) {
	fake := newFakeLLM(t, map[string]string{"explanation": "外部の C2 サーバーに情報を送る機能を示す文字列があります。"})
	s := apptest.Start(t, apptest.WithConfig(fake.configure))
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	c := s.Login(t, "tokyo@mpd.example", pw)
	resp := uploadSample(t, c, s.URL+"/samples", map[string]string{"tlp": "amber"}, "stealer.exe", sampleFile(2))
	resp.Body.Close()
	m := sampleLink.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	page := officerPage(t, c, s.URL+"/samples/"+m[1])
	sha := regexp.MustCompile(`<th scope="row">SHA-256</th><td><code class="hash">([0-9a-f]{64})</code>`).FindStringSubmatch(page)
	if err := s.App.Malware.Analyse(context.Background(), sha[1]); err != nil {
		t.Fatal(err)
	}
	if page := officerPage(t, c, s.URL+"/samples/"+m[1]); !strings.Contains(page, "LLM に文字列を読み解かせる") {
		t.Fatal("the explain button is not offered")
	}
	resp = formPost(t, c, s.URL+"/samples/"+m[1]+"/explain", nil, "", nil)
	page = body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "外部の C2 サーバーに情報を送る機能を示す文字列があります。") {
		t.Fatalf("explain: %d", resp.StatusCode)
	}
	all, _ := fake.received()
	if !strings.Contains(all, "c2.evil-example.jp/gate.php") {
		t.Errorf("the strings did not reach the LLM: %.300s", all)
	}
	if !audited(t, s, "sample", m[1], "assist.explain_strings") {
		t.Error("no assist.explain_strings audit row")
	}
}

// A supervisor gets the LLM's summary of a case (a POST, audited); the
// linked report's reporter is masked on the way; an investigator is not
// offered it.
func TestCaseSummary(t *testing.T) {
	fake := newFakeLLM(t, map[string]string{"summary": "宅配業者を装うSMSによるフィッシング被害。被害者1名、カード情報が入力された。"})
	s := apptest.Start(t, apptest.WithConfig(fake.configure))
	s.AddUser(t, "boss@mpd.example", "pref-13", auth.RoleSupervisor, pw)
	s.AddUser(t, "inv@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	rc, err := s.App.Intake.Submit(context.Background(), intake.Submission{Kind: intake.KindReport, Prefecture: "13", Language: "ja", Consent: true,
		Contact: intake.Contact{Name: "佐藤一郎", Email: "ichiro@example.jp"}, Description: "佐藤一郎です。宅配業者を名乗るSMSからカード番号を入力しました"},
		intake.Origin{Source: "web", IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	boss := s.Login(t, "boss@mpd.example", pw)
	status, loc, _ := postCase(t, boss, s.URL+"/cases", url.Values{"title": {"偽SMS"}, "category": {"PH"}, "severity": {"high"}, "reports": {rc.Receipt}})
	if status != http.StatusSeeOther {
		t.Fatalf("open case: %d", status)
	}
	casePath := strings.Split(loc, "?")[0]
	if page := officerPage(t, boss, s.URL+casePath); !strings.Contains(page, "LLM で要約する") {
		t.Fatal("the supervisor is not offered the summary")
	}
	resp := formPost(t, boss, s.URL+casePath+"/summarise", nil, "", nil)
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "宅配業者を装うSMSによるフィッシング被害。") {
		t.Fatalf("summarise: %d", resp.StatusCode)
	}
	all, _ := fake.received()
	if strings.Contains(all, "佐藤一郎") || !strings.Contains(all, "偽SMS") {
		t.Errorf("what reached the LLM: %.400s", all)
	}
	if !audited(t, s, "case", strings.TrimPrefix(casePath, "/cases/"), "assist.summarise") {
		t.Error("no assist.summarise audit row")
	}
	inv := s.Login(t, "inv@mpd.example", pw)
	if page := officerPage(t, inv, s.URL+casePath); strings.Contains(page, "LLM で要約する") {
		t.Error("an investigator is offered the supervisor's summary")
	}

	// A case holding an AMBER+STRICT report is not sent at all (the
	// endpoint takes up to AMBER).
	red, err := s.App.Intake.Submit(context.Background(), intake.Submission{Kind: intake.KindTip, Prefecture: "13", Language: "ja",
		Description: "パートナーからの限定情報"}, intake.Origin{Source: "api", IP: "192.0.2.7", TLP: tlp.AmberStrict})
	if err != nil {
		t.Fatal(err)
	}
	status, loc, _ = postCase(t, boss, s.URL+"/cases", url.Values{"title": {"限定"}, "category": {"PH"}, "severity": {"high"}, "reports": {red.Receipt}})
	if status != http.StatusSeeOther {
		t.Fatalf("open the second case: %d", status)
	}
	_, before := fake.received()
	page = body(t, formPost(t, boss, s.URL+strings.Split(loc, "?")[0]+"/summarise", nil, "", nil))
	_, after := fake.received()
	if after != before || !strings.Contains(page, "TLP により、この記録は LLM に送れません。") {
		t.Errorf("a case with an AMBER+STRICT report: %d requests, page says the TLP refusal: %v", after-before, strings.Contains(page, "TLP により"))
	}
}

// fakeLLM is an OpenAI-compatible endpoint on loopback that answers every
// call with answer (as the content of its one choice) and keeps what it
// was sent; configure sets koban up to use it.
type fakeLLM struct {
	*httptest.Server
	mu   sync.Mutex
	sent []string
}

func newFakeLLM(t *testing.T, answer map[string]string) *fakeLLM {
	t.Helper()
	f := &fakeLLM{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.sent = append(f.sent, string(b))
		f.mu.Unlock()
		content, _ := json.Marshal(answer)
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": string(content)}}}})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLLM) configure(c *config.Config) {
	c.LLMURL, c.LLMModel, c.LLMAllow, c.EgressAllow = f.URL, "qwen-test", "127.0.0.1", "127.0.0.0/8"
}

// received returns everything sent so far, and how many requests.
func (f *fakeLLM) received() (string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.sent, "\n"), len(f.sent)
}

// audited tells whether a record has an audit row of action.
func audited(t *testing.T, s *apptest.Server, typ, id, action string) bool {
	t.Helper()
	rows, err := s.App.DB.AuditOf(context.Background(), typ, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Action == action {
			return true
		}
	}
	return false
}
