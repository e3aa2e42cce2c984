package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/koban-project/koban/internal/config"
)

// runBench measures end-to-end public-API intake on a fresh SQLite database:
// HTTP, JSON, validation, routing, extraction, persistence and audit.
func runBench(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "intake" {
		return usageError("koban bench intake [-n N] [-c C]")
	}
	fs := flag.NewFlagSet("bench intake", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	n := fs.Int("n", 20000, "reports to send")
	c := fs.Int("c", 16, "concurrent clients")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	res, err := BenchIntake(ctx, *n, *c)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "intake: %d reports in %v with %d clients on SQLite: %.0f reports/s (p50 %v, p99 %v; %d rejected)\n",
		res.N, res.Elapsed.Round(time.Millisecond), *c, res.PerSecond(), res.P50, res.P99, res.Failed)
	return nil
}

// BenchResult is what an intake benchmark measured.
type BenchResult struct {
	N, Failed int
	Elapsed   time.Duration
	P50, P99  time.Duration
}

// PerSecond is the throughput.
func (r BenchResult) PerSecond() float64 { return float64(r.N-r.Failed) / r.Elapsed.Seconds() }

// BenchIntake sends n generated reports through POST /api/v1/public/reports
// from c concurrent clients to a koban on loopback with a fresh data folder.
func BenchIntake(ctx context.Context, n, c int) (BenchResult, error) {
	dir, err := os.MkdirTemp("", "koban-bench-")
	if err != nil {
		return BenchResult{}, err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir, cfg.Addr, cfg.SubmitRate, cfg.SubmitBurst, cfg.LogLevel = dir, "127.0.0.1:0", 1e9, 1e9, "error"
	if err := cfg.Validate(); err != nil {
		return BenchResult{}, err
	}
	a, err := Open(ctx, cfg, newLogger(io.Discard, "error"), Options{})
	if err != nil {
		return BenchResult{}, err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return BenchResult{}, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.Serve(sctx, ln)
	url := "http://" + ln.Addr().String() + "/api/v1/public/reports"
	bodies := make([][]byte, 256)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range bodies {
		bodies[i], _ = json.Marshal(BenchReport(rng, time.Now()))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}, Timeout: 30 * time.Second}
	var next, failed atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[i%len(bodies)]))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Errorf("status %d", resp.StatusCode))
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	res := BenchResult{N: n, Failed: int(failed.Load()), Elapsed: time.Since(start)}
	sortDurations(lat)
	res.P50, res.P99 = lat[n/2], lat[n*99/100]
	if e := firstErr.Load(); e != nil && res.Failed == n {
		return res, fmt.Errorf("every request failed: %v", e)
	}
	return res, nil
}

func sortDurations(d []time.Duration) {
	// insertion into buckets would do; a plain sort is fast enough for 1e6
	slices.Sort(d)
}

// BenchReport makes a realistic public report: mixed Japanese and English
// text with phones, URLs, e-mail addresses and accounts to extract.
func BenchReport(rng *rand.Rand, now time.Time) map[string]any {
	cats := []string{"PH", "FR", "UA", "", "SP", "FR", "PH"}
	texts := []string{
		"宅配業者を名乗るSMSが届き、https://sagawa-delivery%d.example.top/track?id=%d にアクセスしてカード番号を入力してしまいました。送信元は 090-%04d-%04d です。",
		"SNSで知り合った投資アドバイザーに勧められ、みずほ銀行 新宿支店 普通 %07d に振り込みました。LINE ID は invest_%d です。連絡先 support%d@mail.example.com",
		"I received an e-mail from security@bank-verify%d.example.net asking me to log in at hxxps://bank-verify%d[.]example[.]net/login. The sender IP was 203.0.113.%d.",
		"サポート詐欺です。画面に「ウイルスに感染しました」と表示され、0120-%03d-%03d に電話するよう指示されました。電話したところ、遠隔操作ソフトを入れるよう言われました。",
		"Amazonを名乗るメールで、アカウントが停止されたと書かれていました。リンク先は https://amaz0n-account%d.example.xyz/ で、IDとパスワードを入れてしまいました。メールは noreply%d@amaz0n-account.example.xyz から。",
	}
	i := rng.IntN(len(texts))
	var desc string
	switch i {
	case 0:
		desc = fmt.Sprintf(texts[0], rng.IntN(1000), rng.IntN(1e6), rng.IntN(10000), rng.IntN(10000))
	case 1:
		desc = fmt.Sprintf(texts[1], rng.IntN(1e7), rng.IntN(1000), rng.IntN(1000))
	case 2:
		x := rng.IntN(1000)
		desc = fmt.Sprintf(texts[2], x, x, rng.IntN(255))
	case 3:
		desc = fmt.Sprintf(texts[3], rng.IntN(1000), rng.IntN(1000))
	default:
		desc = fmt.Sprintf(texts[4], rng.IntN(1000), rng.IntN(1000))
	}
	r := map[string]any{
		"kind": "report", "category": cats[rng.IntN(len(cats))], "description": desc,
		"prefecture": fmt.Sprintf("%02d", 1+rng.IntN(47)), "language": "ja", "consent": true,
		"contact":     map[string]string{"email": fmt.Sprintf("victim%d@example.jp", rng.IntN(1e6))},
		"occurred_at": now.Add(-time.Duration(rng.IntN(96)) * time.Hour).UTC().Format(time.RFC3339),
	}
	if rng.IntN(3) == 0 {
		r["money"] = map[string]any{"amount_jpy": 1000 * (1 + rng.IntN(500)), "sent_at": now.Add(-time.Duration(rng.IntN(100)) * time.Hour).UTC().Format(time.RFC3339)}
	}
	return r
}
