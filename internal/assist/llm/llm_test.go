package llm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
)

// fake is an OpenAI-compatible endpoint on loopback: it records what it
// receives and answers with whatever answer returns.
type fake struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	auth   []string
	answer func(r *http.Request, w http.ResponseWriter)
}

func newFake(t *testing.T) *fake {
	f := &fake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		answer := f.answer
		f.mu.Unlock()
		answer(r, w)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// content answers with a chat completion whose message content is s.
func content(s string) func(*http.Request, http.ResponseWriter) {
	return func(_ *http.Request, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "model": "test",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": s}}},
			"usage": map[string]any{"prompt_tokens": 10, "completion_tokens": 5},
		})
	}
}

func status(code int) func(*http.Request, http.ResponseWriter) {
	return func(_ *http.Request, w http.ResponseWriter) { http.Error(w, "down", code) }
}

func (f *fake) set(a func(*http.Request, http.ResponseWriter)) {
	f.mu.Lock()
	f.answer = a
	f.mu.Unlock()
}

func (f *fake) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

func (f *fake) last() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[len(f.bodies)-1]
}

// client returns a Client for f, with opts' non-zero fields.
func (f *fake) client(t *testing.T, opts Options) *Client {
	t.Helper()
	opts.Endpoint = f.srv.URL
	if opts.Model == "" {
		opts.Model = "qwen2.5-7b-instruct"
	}
	opts.Allow = append(opts.Allow, "127.0.0.1")
	opts.HTTP = f.srv.Client()
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var cats = []taxonomy.Code{taxonomy.PH, taxonomy.FR, taxonomy.UA, taxonomy.OT}

const report = "SMSのリンクから銀行を名乗るサイトに入り、IDとパスワードを入力してしまいました。"

func TestClassifyGood(t *testing.T) {
	f := newFake(t)
	f.set(content(`{"category":"PH","reason":"銀行を装ったSMSで偽サイトに誘導されている"}`))
	c := f.client(t, Options{APIKey: "secret"})
	got, reason, err := c.Classify(context.Background(), report, tlp.Amber, cats)
	if err != nil || got != taxonomy.PH || reason == "" {
		t.Fatalf("Classify = %q, %q, %v", got, reason, err)
	}
	var req struct {
		Model          string  `json:"model"`
		Temperature    float64 `json:"temperature"`
		Messages       []chatMessage
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string `json:"name"`
				Strict bool   `json:"strict"`
				Schema struct {
					Properties struct {
						Category struct {
							Enum []string `json:"enum"`
						} `json:"category"`
					} `json:"properties"`
					AdditionalProperties bool `json:"additionalProperties"`
				} `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(f.last(), &req); err != nil {
		t.Fatal(err)
	}
	rf := req.ResponseFormat
	if req.Model != "qwen2.5-7b-instruct" || req.Temperature != 0 || rf.Type != "json_schema" || !rf.JSONSchema.Strict ||
		rf.JSONSchema.Name != "classify" || strings.Join(rf.JSONSchema.Schema.Properties.Category.Enum, ",") != "PH,FR,UA,OT" ||
		rf.JSONSchema.Schema.AdditionalProperties {
		t.Errorf("request = %s", f.last())
	}
	if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Content != report {
		t.Errorf("messages = %+v", req.Messages)
	}
	if f.auth[0] != "Bearer secret" {
		t.Errorf("Authorization = %q", f.auth[0])
	}
}

func TestBadAnswers(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{"category outside the enum", `{"category":"CS","reason":"x"}`},
		{"category not a code", `{"category":"フィッシング","reason":"x"}`},
		{"extra field", `{"category":"PH","reason":"x","confidence":0.9}`},
		{"missing reason", `{"category":"PH"}`},
		{"empty reason", `{"category":"PH","reason":" "}`},
		{"two values", `{"category":"PH","reason":"x"}{"category":"FR","reason":"y"}`},
		{"prose", `PH です`},
		{"wrong type", `{"category":1,"reason":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.set(content(tt.content))
			c := f.client(t, Options{})
			got, _, err := c.Classify(context.Background(), report, tlp.Green, cats)
			if !errors.Is(err, ErrBadAnswer) || got != "" {
				t.Errorf("Classify = %q, %v; want ErrBadAnswer", got, err)
			}
		})
	}
}

func TestSummariseTooLong(t *testing.T) {
	f := newFake(t)
	long, _ := json.Marshal(map[string]string{"summary": strings.Repeat("あ", MaxSummary+1)})
	f.set(content(string(long)))
	c := f.client(t, Options{})
	if _, err := c.Summarise(context.Background(), report, tlp.Green, "ja"); !errors.Is(err, ErrBadAnswer) {
		t.Errorf("Summarise of %d characters: %v; want ErrBadAnswer", MaxSummary+1, err)
	}
	ok, _ := json.Marshal(map[string]string{"summary": strings.Repeat("あ", MaxSummary)})
	f.set(content(string(ok)))
	if s, err := c.Summarise(context.Background(), report, tlp.Green, "ja"); err != nil || len([]rune(s)) != MaxSummary {
		t.Errorf("Summarise of %d characters: %d, %v", MaxSummary, len([]rune(s)), err)
	}
	if _, err := c.Summarise(context.Background(), report, tlp.Green, "fr"); !errors.Is(err, ErrInput) {
		t.Errorf("Summarise in fr: %v; want ErrInput", err)
	}
}

func TestTranslateAndExplain(t *testing.T) {
	f := newFake(t)
	c := f.client(t, Options{})
	f.set(content(`{"translation":"投資アプリで資金を引き出せなくなった。","source_language":"en"}`))
	got, err := c.Translate(context.Background(), "I cannot withdraw my money from the investment app.", tlp.Clear, "ja")
	if err != nil || got != "投資アプリで資金を引き出せなくなった。" {
		t.Errorf("Translate = %q, %v", got, err)
	}
	f.set(content(`{"translation":"x","source_language":"english"}`))
	if _, err := c.Translate(context.Background(), "hello", tlp.Clear, "ja"); !errors.Is(err, ErrBadAnswer) {
		t.Errorf("Translate with a bad source_language: %v; want ErrBadAnswer", err)
	}
	f.set(content(`{"explanation":"レジストリの Run キーによる永続化と、外部への HTTP 通信が疑われる。"}`))
	got, err = c.ExplainStrings(context.Background(), []string{`Software\Microsoft\Windows\CurrentVersion\Run`, "POST /gate.php", ""}, tlp.Amber)
	if err != nil || !strings.Contains(got, "永続化") {
		t.Errorf("ExplainStrings = %q, %v", got, err)
	}
	var req chatRequest
	json.Unmarshal(f.last(), &req)
	if req.Messages[1].Content != "Software\\Microsoft\\Windows\\CurrentVersion\\Run\nPOST /gate.php" {
		t.Errorf("strings sent as %q", req.Messages[1].Content)
	}
}

func TestTimeout(t *testing.T) {
	f := newFake(t)
	f.set(func(r *http.Request, w http.ResponseWriter) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
		content(`{"category":"PH","reason":"x"}`)(r, w)
	})
	c := f.client(t, Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, _, err := c.Classify(context.Background(), report, tlp.Green, cats)
	if err == nil || time.Since(start) >= 5*time.Second {
		t.Fatalf("Classify on a slow endpoint: %v after %v", err, time.Since(start))
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v is not a deadline", err)
	}
}

func TestBreaker(t *testing.T) {
	f := newFake(t)
	f.set(status(http.StatusBadGateway))
	clock := koban.NewFixedClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	c := f.client(t, Options{Clock: clock, Breaker: Breaker{Failures: 3, CoolDown: time.Minute}})
	ctx := context.Background()
	for i := range 3 {
		if _, _, err := c.Classify(ctx, report, tlp.Green, cats); err == nil || errors.Is(err, ErrUnavailable) {
			t.Fatalf("call %d: %v; want the endpoint's failure", i+1, err)
		}
	}
	f.set(content(`{"category":"PH","reason":"x"}`))
	if _, _, err := c.Classify(ctx, report, tlp.Green, cats); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("4th call: %v; want ErrUnavailable", err)
	}
	if n := f.requests(); n != 3 {
		t.Fatalf("endpoint got %d requests; want 3", n)
	}
	clock.Advance(59 * time.Second)
	if _, _, err := c.Classify(ctx, report, tlp.Green, cats); !errors.Is(err, ErrUnavailable) || f.requests() != 3 {
		t.Fatalf("within the cool-down: %v, %d requests", err, f.requests())
	}

	// Half-open: one trial; it fails, so the breaker opens again.
	clock.Advance(time.Second)
	f.set(status(http.StatusInternalServerError))
	if _, _, err := c.Classify(ctx, report, tlp.Green, cats); err == nil || errors.Is(err, ErrUnavailable) || f.requests() != 4 {
		t.Fatalf("trial call: %v, %d requests; want the endpoint's failure and 4", err, f.requests())
	}
	if _, _, err := c.Classify(ctx, report, tlp.Green, cats); !errors.Is(err, ErrUnavailable) || f.requests() != 4 {
		t.Fatalf("after a failed trial: %v, %d requests", err, f.requests())
	}

	// The next trial succeeds and closes it.
	clock.Advance(time.Minute)
	f.set(content(`{"category":"PH","reason":"x"}`))
	for i := range 3 {
		if _, _, err := c.Classify(ctx, report, tlp.Green, cats); err != nil {
			t.Fatalf("call %d after a good trial: %v", i+1, err)
		}
	}
	if n := f.requests(); n != 7 {
		t.Errorf("endpoint got %d requests; want 7", n)
	}
}

func TestBreakerCountsBadAnswers(t *testing.T) {
	f := newFake(t)
	f.set(content(`{"category":"XX","reason":"x"}`))
	c := f.client(t, Options{})
	for range 3 {
		c.Classify(context.Background(), report, tlp.Green, cats)
	}
	if _, _, err := c.Classify(context.Background(), report, tlp.Green, cats); !errors.Is(err, ErrUnavailable) || f.requests() != 3 {
		t.Errorf("after 3 bad answers: %v, %d requests", err, f.requests())
	}
}

func TestBreakerConnectionRefused(t *testing.T) {
	f := newFake(t)
	c := f.client(t, Options{})
	f.srv.Close()
	for range 3 {
		if _, _, err := c.Classify(context.Background(), report, tlp.Green, cats); err == nil || errors.Is(err, ErrUnavailable) {
			t.Fatalf("closed server: %v", err)
		}
	}
	if _, _, err := c.Classify(context.Background(), report, tlp.Green, cats); !errors.Is(err, ErrUnavailable) {
		t.Errorf("after 3 refused connections: %v; want ErrUnavailable", err)
	}
}

func TestMaskedBeforeSending(t *testing.T) {
	f := newFake(t)
	f.set(content(`{"summary":"[氏名1]が偽サイトに誘導された。"}`))
	c := f.client(t, Options{})
	text := "通報者 山田花子（携帯 080-9876-5432、自宅 ０３－１２３４－５６７８、hanako.yamada@example.ne.jp）。" +
		"犯人は +81 90 1111 2222 から電話し、support@fake-bank.example.com を名乗った。山田 花子さんは送金した。"
	masked, _ := MaskNames(text, []string{"山田花子"})
	if _, err := c.Summarise(context.Background(), masked, tlp.Amber, "ja"); err != nil {
		t.Fatal(err)
	}
	body := f.last()
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	sent := req.Messages[1].Content
	for _, s := range []string{"山田", "花子", "9876", "5432", "1234", "1111", "hanako", "support@", "@example"} {
		if strings.Contains(sent, s) || bytes.Contains(body, []byte(s)) {
			t.Errorf("%q sent: %s", s, sent)
		}
	}
	if left := targets(observe.Extract(sent)); len(left) > 0 {
		t.Errorf("sent %v", left)
	}
	for _, p := range []string{"[氏名1]", "[電話番号1]", "[電話番号2]", "[電話番号3]", "[メール1]", "[メール2]"} {
		if !strings.Contains(sent, p) {
			t.Errorf("placeholder %s missing from %q", p, sent)
		}
	}
}

func TestTLP(t *testing.T) {
	f := newFake(t)
	f.set(content(`{"category":"PH","reason":"x"}`))
	c := f.client(t, Options{})
	for _, l := range []tlp.Level{tlp.Red, tlp.AmberStrict, "unknown"} {
		if _, _, err := c.Classify(context.Background(), report, l, cats); !errors.Is(err, ErrTLP) {
			t.Errorf("%s: %v; want ErrTLP", l, err)
		}
	}
	if _, err := c.Summarise(context.Background(), report, tlp.Red, "ja"); !errors.Is(err, ErrTLP) {
		t.Errorf("Summarise of RED: %v", err)
	}
	if n := f.requests(); n != 0 {
		t.Fatalf("endpoint got %d requests; want none", n)
	}
	for _, l := range []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber} {
		if _, _, err := c.Classify(context.Background(), report, l, cats); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
	strict := f.client(t, Options{MaxTLP: tlp.AmberStrict})
	if _, _, err := strict.Classify(context.Background(), report, tlp.AmberStrict, cats); err != nil {
		t.Errorf("AMBER+STRICT allowed: %v", err)
	}
	if _, _, err := strict.Classify(context.Background(), report, tlp.Red, cats); !errors.Is(err, ErrTLP) {
		t.Errorf("RED with MaxTLP AMBER+STRICT: %v", err)
	}
}

func TestNew(t *testing.T) {
	f := newFake(t)
	good := Options{Endpoint: f.srv.URL, Model: "m", Allow: []string{"127.0.0.1"}, HTTP: f.srv.Client()}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(f.srv.URL)
	tests := []struct {
		name string
		edit func(*Options)
	}{
		{"host not allowed", func(o *Options) { o.Allow = []string{"llm.police.local"} }},
		{"no allow list", func(o *Options) { o.Allow = nil }},
		{"allowed by another host's port", func(o *Options) { o.Allow = []string{u.Host} }},
		{"ftp", func(o *Options) { o.Endpoint = "ftp://127.0.0.1/" }},
		{"user info", func(o *Options) { o.Endpoint = "http://u:p@127.0.0.1/" }},
		{"no model", func(o *Options) { o.Model = "" }},
		{"no HTTP", func(o *Options) { o.HTTP = nil }},
		{"RED", func(o *Options) { o.MaxTLP = tlp.Red }},
		{"unknown level", func(o *Options) { o.MaxTLP = "purple" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.edit(&o)
			if c, err := New(o); !errors.Is(err, ErrConfig) || c != nil {
				t.Errorf("New = %v, %v; want ErrConfig", c, err)
			}
		})
	}
	if f.requests() != 0 {
		t.Errorf("New contacted the endpoint")
	}
}

func TestOff(t *testing.T) {
	c, err := New(Options{})
	if err != nil || c != nil || c.Enabled() {
		t.Fatalf("New(Options{}) = %v, %v", c, err)
	}
	if _, _, err := c.Classify(context.Background(), report, tlp.Clear, cats); !errors.Is(err, ErrUnavailable) {
		t.Errorf("nil Client: %v; want ErrUnavailable", err)
	}
	if _, err := c.Translate(context.Background(), "hello", tlp.Clear, "ja"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("nil Client: %v; want ErrUnavailable", err)
	}
}

func TestLog(t *testing.T) {
	f := newFake(t)
	var buf bytes.Buffer
	c := f.client(t, Options{Log: slog.New(slog.NewJSONHandler(&buf, nil))})
	f.set(content(`{"category":"PH","reason":"フィッシング"}`))
	if _, _, err := c.Classify(context.Background(), report, tlp.Green, cats); err != nil {
		t.Fatal(err)
	}
	f.set(status(http.StatusServiceUnavailable))
	c.Classify(context.Background(), report+"二回目", tlp.Green, cats)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines: %s", len(lines), buf.String())
	}
	for i, want := range []string{"ok", "error"} {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(f.bodies[i])
		if rec["prompt_sha256"] != hex.EncodeToString(sum[:]) || rec["model"] != "qwen2.5-7b-instruct" ||
			rec["use"] != "classify" || rec["outcome"] != want || rec["duration"] == nil {
			t.Errorf("log line %d: %s", i, lines[i])
		}
	}
	for _, s := range []string{"SMS", "パスワード", "銀行を名乗る", "あなたは"} {
		if strings.Contains(buf.String(), s) {
			t.Errorf("log holds %q: %s", s, buf.String())
		}
	}
}

func TestThroughEgress(t *testing.T) {
	f := newFake(t)
	f.set(content(`{"category":"FR","reason":"投資詐欺の典型的な手口"}`))
	hc := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 5 * time.Second})
	c, err := New(Options{Endpoint: f.srv.URL, Model: "m", Allow: []string{"127.0.0.1"}, HTTP: hc,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := c.Classify(context.Background(), "SNSで知り合った人に投資を勧められた", tlp.Green, cats); err != nil || got != taxonomy.FR {
		t.Errorf("Classify through egress = %q, %v", got, err)
	}

	// Without the egress allow list, loopback is refused before any request.
	c, _ = New(Options{Endpoint: f.srv.URL, Model: "m", Allow: []string{"127.0.0.1"}, HTTP: egress.New(egress.Config{}),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, _, err := c.Classify(context.Background(), "text", tlp.Green, cats); !errors.Is(err, egress.ErrRefused) || f.requests() != 1 {
		t.Errorf("loopback not allowed by egress: %v, %d requests", err, f.requests())
	}
}

func TestCancelNotCounted(t *testing.T) {
	f := newFake(t)
	f.set(content(`{"category":"PH","reason":"x"}`))
	c := f.client(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 5 {
		if _, _, err := c.Classify(ctx, report, tlp.Green, cats); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call: %v", err)
		}
	}
	if _, _, err := c.Classify(context.Background(), report, tlp.Green, cats); err != nil {
		t.Errorf("after the caller's own cancels: %v; the breaker should stay closed", err)
	}
}
