package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"

	"github.com/koban-project/koban/internal/config"
)

// runBench measures end-to-end intake: HTTP, JSON, validation, routing,
// extraction, persistence and audit, on a fresh database.
func runBench(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "index" {
		return runBenchIndex(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "intel" {
		return runBenchIntel(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "floor" {
		return runBenchFloor(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "vuln" {
		return runBenchVuln(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "load" {
		return runBenchLoad(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "cases" {
		return runBenchCases(ctx, env, args[1:])
	}
	if len(args) == 0 || (args[0] != "intake" && args[0] != "bulk") {
		return usageError("koban bench intake|bulk [-n N] [-c C] [-servers S] [-database-url postgres://…] | koban bench index [-n N] [-per P] [-q Q] [-adds A] | koban bench cases [-n CASES] [-reports R] [-notes N] [-q Q] [-database-url postgres://…] | koban bench intel [-n OBJECTS] [-reports R] [-keys random|ascending] [-database-url postgres://…] | " + floorUsage + " | koban bench vuln [-n CVES] [-assets A] [-products P] [-database-url postgres://…] | koban bench load [-duration D] [-rate R] [-mix class=share,…] [-c C] [-every E] [-backend sqlite|postgres] [-database-url postgres://…]")
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	o := BenchOptions{}
	fs.IntVar(&o.N, "n", 20000, "reports to send")
	fs.IntVar(&o.Clients, "c", 16, "concurrent clients")
	fs.IntVar(&o.Servers, "servers", 1, "koban servers on the one database (PostgreSQL only for more than one)")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "empty: a fresh SQLite; postgres://…: that (empty) PostgreSQL database")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	o.Bulk = args[0] == "bulk"
	res, err := Bench(ctx, o)
	if err != nil {
		return err
	}
	db := "SQLite"
	if o.DatabaseURL != "" {
		db = "PostgreSQL"
	}
	fmt.Fprintf(env.Stdout, "%s: %d reports in %v, %d clients, %d server(s) on %s: %.0f reports/s (p50 %v, p99 %v per request; %d failed)\n",
		args[0], res.N, res.Elapsed.Round(time.Millisecond), o.Clients, o.Servers, db, res.PerSecond(), res.P50, res.P99, res.Failed)
	return nil
}

// BenchOptions choose what Bench measures.
type BenchOptions struct {
	N, Clients, Servers int
	DatabaseURL         string
	Bulk                bool // partner NDJSON, 1,000 reports per request, instead of the public API
}

// BenchResult is what an intake benchmark measured.
type BenchResult struct {
	N, Failed int
	Elapsed   time.Duration
	P50, P99  time.Duration
}

// PerSecond is the throughput.
func (r BenchResult) PerSecond() float64 { return float64(r.N-r.Failed) / r.Elapsed.Seconds() }

// BenchIntake sends n public reports from c clients to one koban on SQLite.
func BenchIntake(ctx context.Context, n, c int) (BenchResult, error) {
	return Bench(ctx, BenchOptions{N: n, Clients: c, Servers: 1})
}

const bulkLines = 1000

// Bench starts the servers on loopback with a fresh data folder and sends
// the reports.
func Bench(ctx context.Context, o BenchOptions) (BenchResult, error) {
	if o.Servers < 1 {
		o.Servers = 1
	}
	if o.Servers > 1 && o.DatabaseURL == "" {
		return BenchResult{}, errors.New("several servers need one PostgreSQL database: give -database-url")
	}
	apps, urls, stop, err := startBenchServers(ctx, o.Servers, o.DatabaseURL)
	if err != nil {
		return BenchResult{}, err
	}
	defer stop()
	first := apps[0]
	rng := rand.New(rand.NewPCG(1, 2))
	var bodies [][]byte
	path, ctype, token := "/api/v1/public/reports", "application/json", ""
	requests := o.N
	if o.Bulk {
		if _, err := first.Auth.CreateUser(ctx, audit.System, auth.NewUser{Email: "bench@partner.example", OrgCode: "npa", Role: auth.RolePartner, Password: "bench partner password"}); err != nil {
			return BenchResult{}, err
		}
		if token, _, err = first.Auth.CreateToken(ctx, audit.System, "bench@partner.example", "bench"); err != nil {
			return BenchResult{}, err
		}
		path, ctype = "/api/v1/reports/bulk", "application/x-ndjson"
		requests = (o.N + bulkLines - 1) / bulkLines
		for i := 0; i < 8; i++ {
			var b bytes.Buffer
			for j := 0; j < bulkLines; j++ {
				line, _ := json.Marshal(BenchReport(rng, time.Now()))
				b.Write(line)
				b.WriteByte('\n')
			}
			bodies = append(bodies, b.Bytes())
		}
	} else {
		for i := 0; i < 256; i++ {
			b, _ := json.Marshal(BenchReport(rng, time.Now()))
			bodies = append(bodies, b)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients, MaxConnsPerHost: o.Clients}, Timeout: 5 * time.Minute}
	var next, failed atomic.Int64
	lat := make([]time.Duration, requests)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for w := 0; w < o.Clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= requests {
					return
				}
				req, _ := http.NewRequest("POST", urls[i%len(urls)]+path, bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Content-Type", ctype)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if want := http.StatusCreated; (o.Bulk && resp.StatusCode != http.StatusOK) || (!o.Bulk && resp.StatusCode != want) {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Errorf("status %d", resp.StatusCode))
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	res := BenchResult{N: requests, Failed: int(failed.Load()), Elapsed: time.Since(start)}
	slices.Sort(lat)
	res.P50, res.P99 = lat[requests/2], lat[requests*99/100]
	if o.Bulk {
		res.N, res.Failed = requests*bulkLines, res.Failed*bulkLines
	}
	if e := firstErr.Load(); e != nil && res.Failed == res.N {
		return res, fmt.Errorf("every request failed: %v", e)
	}
	return res, nil
}

// startBenchServers starts n koban servers on loopback, in this process,
// with a fresh data folder on SQLite (n must be 1) or on the PostgreSQL
// database url names, with no limit on public submissions and a cheap
// password hash; stop shuts them down and removes the folder.
func startBenchServers(ctx context.Context, n int, url string) (apps []*App, urls []string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "koban-bench-")
	if err != nil {
		return nil, nil, nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	stop = func() {
		cancel()
		for _, a := range apps {
			a.Close()
		}
		os.RemoveAll(dir)
	}
	for i := 0; i < n; i++ {
		cfg := config.Default()
		cfg.DataDir, cfg.Addr, cfg.SubmitRate, cfg.SubmitBurst, cfg.LogLevel = dir, "127.0.0.1:0", 1e9, 1e9, "error"
		cfg.DatabaseURL = url
		if err := cfg.Validate(); err != nil {
			stop()
			return nil, nil, nil, err
		}
		a, err := Open(ctx, cfg, newLogger(io.Discard, "error"), Options{HasherParams: &auth.Params{Memory: 64, Time: 1, Threads: 1}})
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		apps = append(apps, a)
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		go a.Serve(sctx, ln)
		urls = append(urls, "http://"+ln.Addr().String())
	}
	return apps, urls, stop, nil
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
