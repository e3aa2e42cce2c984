package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/observe"
)

// The traffic classes of `koban bench load`, in the order they are printed:
// victims' public reports, a partner's bulk NDJSON, and an officer reading
// the queue page, values in the national index (API), search (API) and
// report pages.
var loadClasses = []string{"public", "bulk", "queue", "observable", "search", "report"}

// defaultLoadMix is each class's share of the requests.
var defaultLoadMix = map[string]float64{"public": 30, "bulk": 5, "queue": 15, "observable": 20, "search": 15, "report": 15}

// LoadOptions choose what `koban bench load` holds and for how long.
type LoadOptions struct {
	Duration    time.Duration
	Every       time.Duration      // how often a line is printed
	Rate        float64            // requests per second, all classes together
	Mix         map[string]float64 // each class's share of Rate (nil: defaultLoadMix)
	Clients     int                // requests in flight at most
	BulkLines   int                // reports in each bulk request
	Seed        int                // reports loaded before the clock starts, for the reads to find
	DatabaseURL string             // empty: a fresh SQLite
	Out         io.Writer          // the interval lines and the summary
}

// LoadClass is one traffic class's totals.
type LoadClass struct {
	Name             string
	Rate             float64 // requests per second asked for
	Requests, Errors int64
	Missed           int64 // requests not sent on time: every client was busy
	P50, P99, Max    time.Duration
	FirstError       string
}

// LoadResult is what a load test measured.
type LoadResult struct {
	Elapsed        time.Duration
	Classes        []LoadClass
	Errors         int64
	Missed         int64
	RSSMin, RSSMax uint64 // bytes, sampled every second
	HeapMax        uint64 // bytes in use on the Go heap, the largest seen
}

// runBenchLoad is `koban bench load`.
func runBenchLoad(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("bench load", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	o := LoadOptions{Out: env.Stdout}
	fs.DurationVar(&o.Duration, "duration", 10*time.Minute, "how long to hold the load")
	fs.DurationVar(&o.Every, "every", 30*time.Second, "print a line this often")
	fs.Float64Var(&o.Rate, "rate", 20, "requests per second, all classes together")
	mix := fs.String("mix", "", "shares of the rate, e.g. public=30,bulk=5,queue=15,observable=20,search=15,report=15 (the default)")
	fs.IntVar(&o.Clients, "c", 8, "requests in flight at most")
	fs.IntVar(&o.BulkLines, "bulk-lines", 50, "reports in each bulk request")
	fs.IntVar(&o.Seed, "seed", 2000, "reports loaded before the clock starts")
	backend := fs.String("backend", "sqlite", "sqlite (a fresh one) or postgres (-database-url, else KOBAN_DATABASE_URL: an empty database)")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "the PostgreSQL database for -backend postgres")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *backend {
	case "sqlite":
		if o.DatabaseURL != "" {
			return usageError("koban bench load: -database-url is for -backend postgres")
		}
	case "postgres":
		if o.DatabaseURL == "" && env.Getenv != nil {
			o.DatabaseURL = env.Getenv("KOBAN_DATABASE_URL")
		}
		if o.DatabaseURL == "" {
			return usageError("koban bench load -backend postgres needs -database-url or KOBAN_DATABASE_URL")
		}
	default:
		return usageError("koban bench load: -backend is sqlite or postgres")
	}
	if *mix != "" {
		m, err := parseLoadMix(*mix)
		if err != nil {
			return usageError("koban bench load: " + err.Error())
		}
		o.Mix = m
	}
	res, err := BenchLoad(ctx, o)
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("%d requests failed", res.Errors)
	}
	return nil
}

func parseLoadMix(s string) (map[string]float64, error) {
	m := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		name, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		w, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || w < 0 || !slices.Contains(loadClasses, name) {
			return nil, fmt.Errorf("-mix %q: want class=share with classes %s", part, strings.Join(loadClasses, ", "))
		}
		m[name] = w
	}
	return m, nil
}

// BenchLoad starts koban in this process on loopback with a fresh
// database, loads o.Seed reports, then holds the mixed traffic at o.Rate
// for o.Duration: requests are started on a fixed schedule (open loop), so
// a slow server shows as latency and, when every client is busy, as missed
// requests rather than as a lower rate. Any transport error or status
// other than 2xx is an error (and a bulk request with a rejected line).
func BenchLoad(ctx context.Context, o LoadOptions) (LoadResult, error) {
	var res LoadResult
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Mix == nil {
		o.Mix = defaultLoadMix
	}
	if o.Every <= 0 {
		o.Every = 30 * time.Second
	}
	if o.Clients < 1 || o.Rate <= 0 || o.Duration <= 0 || o.BulkLines < 1 {
		return res, errors.New("bench load: -c, -rate, -duration and -bulk-lines must be positive")
	}
	var total float64
	for _, w := range o.Mix {
		total += w
	}
	if total <= 0 {
		return res, errors.New("bench load: the mix is empty")
	}
	apps, urls, stop, err := startBenchServers(ctx, 1, o.DatabaseURL)
	if err != nil {
		return res, err
	}
	defer stop()
	a, base := apps[0], urls[0]

	tr := &http.Transport{MaxIdleConnsPerHost: o.Clients + 2, MaxConnsPerHost: o.Clients + 2}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Transport: tr, Timeout: time.Minute, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// The partner sending bulk reports, and a national supervisor reading.
	const partner, officer, password = "load@partner.example", "load-officer@npa.example", "load officer password 1"
	if _, err := a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Email: partner, OrgCode: "npa", Role: auth.RolePartner, Password: password}); err != nil {
		return res, err
	}
	partnerToken, _, err := a.Auth.CreateToken(ctx, audit.System, partner, "load")
	if err != nil {
		return res, err
	}
	u, err := a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Email: officer, OrgCode: "npa", Role: auth.RoleSupervisor, Password: password, Name: "load"})
	if err != nil {
		return res, err
	}
	officerToken, _, err := a.Auth.CreateToken(ctx, audit.System, officer, "load")
	if err != nil {
		return res, err
	}
	if err := loadLogin(ctx, a, web, base, u, officer, password); err != nil {
		return res, err
	}

	// Bodies, and the values and words the reads look for.
	rng := rand.New(rand.NewPCG(11, 13))
	now := time.Now()
	var public, bulk [][]byte
	var values []observe.Observable
	seen := map[observe.Observable]bool{}
	note := func(r map[string]any) {
		for _, v := range observe.Extract(r["description"].(string)) {
			if !seen[v] && len(values) < 2000 {
				seen[v] = true
				values = append(values, v)
			}
		}
	}
	for range 256 {
		r := BenchReport(rng, now)
		b, _ := json.Marshal(r)
		public = append(public, b)
	}
	// The values looked up are those of the seed's reports (the bulk
	// bodies are sent in turn, so at least the first ones are seeded).
	seeded := max(1, min(16, (o.Seed+o.BulkLines-1)/o.BulkLines))
	for i := range 16 {
		var b bytes.Buffer
		for range o.BulkLines {
			r := BenchReport(rng, now)
			if i < seeded && o.Seed > 0 {
				note(r)
			}
			line, _ := json.Marshal(r)
			b.Write(line)
			b.WriteByte('\n')
		}
		bulk = append(bulk, b.Bytes())
	}
	if len(values) == 0 {
		return res, errors.New("bench load: the generated reports hold no observables")
	}
	words := []string{"宅配業者", "投資", "サポート詐欺", "Amazon", "振り込", "カード番号", "パスワード", "遠隔操作"}

	bulkReq := func(body []byte) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/reports/bulk", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+partnerToken)
		return req, nil
	}
	// The seed: reports the reads find from the first second.
	for done := 0; done < o.Seed; done += o.BulkLines {
		req, _ := bulkReq(bulk[(done/o.BulkLines)%len(bulk)])
		if msg := loadDo(client, req, true); msg != "" {
			return res, fmt.Errorf("bench load: loading the seed reports: %s", msg)
		}
	}
	ids, err := loadReportIDs(ctx, client, base, officerToken)
	if err != nil {
		return res, err
	}

	// build makes class c's next request; pick draws from the shared
	// generator under a lock.
	var rmu sync.Mutex
	pick := func(n int) int {
		rmu.Lock()
		defer rmu.Unlock()
		return rng.IntN(n)
	}
	get := func(path string, token string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if err == nil && token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req, err
	}
	build := func(c string) (*http.Request, *http.Client, error) {
		switch c {
		case "public":
			req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/public/reports", bytes.NewReader(public[pick(len(public))]))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, client, err
		case "bulk":
			req, err := bulkReq(bulk[pick(len(bulk))])
			return req, client, err
		case "queue":
			if pick(2) == 0 {
				req, err := get("/queue", "")
				return req, web, err
			}
			req, err := get("/api/v1/reports?limit=50", officerToken)
			return req, client, err
		case "observable":
			v := values[pick(len(values))]
			path := "/api/v1/observables/" + url.PathEscape(string(v.Type)) + "/" + url.PathEscape(v.Value)
			if strings.Contains(v.Value, "/") {
				path = "/api/v1/observables/" + url.PathEscape(string(v.Type)) + "?value=" + url.QueryEscape(v.Value)
			}
			req, err := get(path, officerToken)
			return req, client, err
		case "search":
			q := words[pick(len(words))]
			if pick(2) == 0 {
				q = values[pick(len(values))].Value
			}
			req, err := get("/api/v1/search?q="+url.QueryEscape(q), officerToken)
			return req, client, err
		default: // "report"
			req, err := get("/reports/"+strconv.FormatInt(ids[pick(len(ids))], 10), "")
			return req, web, err
		}
	}

	type classStats struct {
		name               string
		rate               float64
		mu                 sync.Mutex
		all, now           latencyHist
		reqs, errs, missed int64 // all along
		iReqs, iErrs       int64 // this interval
		iMissed            int64
		firstErr           string
	}
	var classes []*classStats
	for _, name := range loadClasses {
		if w := o.Mix[name]; w > 0 {
			classes = append(classes, &classStats{name: name, rate: o.Rate * w / total})
		}
	}

	type job struct{ c *classStats }
	jobs := make(chan job, o.Clients)
	var wg sync.WaitGroup
	for range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				req, cl, err := build(j.c.name)
				t0 := time.Now()
				msg := ""
				if err != nil {
					msg = err.Error()
				} else {
					msg = loadDo(cl, req, j.c.name == "bulk")
				}
				d := time.Since(t0)
				j.c.mu.Lock()
				j.c.all.add(d)
				j.c.now.add(d)
				j.c.reqs++
				j.c.iReqs++
				if msg != "" {
					j.c.errs++
					j.c.iErrs++
					if j.c.firstErr == "" {
						j.c.firstErr = msg
					}
				}
				j.c.mu.Unlock()
			}
		}()
	}

	// The resident set, sampled every second for its least and most.
	var rssMin, rssMax, heapMax atomic.Uint64
	rssMin.Store(math.MaxUint64)
	sampleRSS := func() uint64 {
		v := processRSS()
		if v > 0 {
			for cur := rssMin.Load(); v < cur && !rssMin.CompareAndSwap(cur, v); cur = rssMin.Load() {
			}
			for cur := rssMax.Load(); v > cur && !rssMax.CompareAndSwap(cur, v); cur = rssMax.Load() {
			}
		}
		return v
	}
	sampleRSS()

	fmt.Fprintf(o.Out, "koban bench load: %s, %d seed reports, %.1f requests/s for %v (", backendName(o.DatabaseURL), o.Seed, o.Rate, o.Duration)
	for i, c := range classes {
		if i > 0 {
			fmt.Fprint(o.Out, ", ")
		}
		fmt.Fprintf(o.Out, "%s %.2f/s", c.name, c.rate)
	}
	fmt.Fprintf(o.Out, "), %d clients, %d reports per bulk request, GOMAXPROCS %d\n", o.Clients, o.BulkLines, runtime.GOMAXPROCS(0))
	fmt.Fprintln(o.Out, "each line: class requests/errors p50/p99 over the interval, requests not sent on time (missed: every client busy); rss of this process (koban runs in it); Go heap in use; the machine's 1-minute load average")

	start := time.Now()
	report := func(at time.Time) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for cur := heapMax.Load(); ms.HeapAlloc > cur && !heapMax.CompareAndSwap(cur, ms.HeapAlloc); cur = heapMax.Load() {
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%6s", at.Sub(start).Round(time.Second))
		for _, c := range classes {
			c.mu.Lock()
			fmt.Fprintf(&b, " | %s %d/%d %s/%s", c.name, c.iReqs, c.iErrs, fmtMillis(c.now.quantile(0.5)), fmtMillis(c.now.quantile(0.99)))
			if c.iMissed > 0 {
				fmt.Fprintf(&b, " missed %d", c.iMissed)
			}
			c.now = latencyHist{}
			c.iReqs, c.iErrs, c.iMissed = 0, 0, 0
			c.mu.Unlock()
		}
		fmt.Fprintf(&b, " | rss %s heap %s", fmtMiB(sampleRSS()), fmtMiB(ms.HeapAlloc))
		if l, err := os.ReadFile("/proc/loadavg"); err == nil {
			// The machine's load: other work on it slows koban too.
			fmt.Fprintf(&b, " load %s", strings.Fields(string(l))[0])
		}
		fmt.Fprintln(o.Out, b.String())
	}

	// The schedule: each class earns rate×elapsed requests; every 10 ms
	// the earned ones are handed to a free client, or counted missed.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	credit := make([]float64, len(classes))
	for i := range credit {
		credit[i] = 1 // each class starts at once
	}
	last, nextLine, nextRSS := start, start.Add(o.Every), start.Add(time.Second)
	end := start.Add(o.Duration)
	var cancelled error
loop:
	for {
		select {
		case <-ctx.Done():
			cancelled = ctx.Err()
			break loop
		case t := <-tick.C:
			if !t.Before(end) {
				break loop
			}
			dt := t.Sub(last).Seconds()
			last = t
			for i, c := range classes {
				credit[i] += c.rate * dt
				for credit[i] >= 1 {
					credit[i]--
					select {
					case jobs <- job{c}:
					default:
						c.mu.Lock()
						c.missed++
						c.iMissed++
						c.mu.Unlock()
					}
				}
			}
			if !t.Before(nextRSS) {
				sampleRSS()
				nextRSS = nextRSS.Add(time.Second)
			}
			if !t.Before(nextLine) {
				report(t)
				nextLine = nextLine.Add(o.Every)
			}
		}
	}
	close(jobs)
	wg.Wait()
	res.Elapsed = time.Since(start)
	if time.Until(nextLine) < o.Every-time.Second {
		report(time.Now()) // what the last, shorter interval saw
	}
	for _, c := range classes {
		lc := LoadClass{Name: c.name, Rate: c.rate, Requests: c.reqs, Errors: c.errs, Missed: c.missed,
			P50: c.all.quantile(0.5), P99: c.all.quantile(0.99), Max: c.all.max, FirstError: c.firstErr}
		res.Classes = append(res.Classes, lc)
		res.Errors += c.errs
		res.Missed += c.missed
	}
	res.RSSMin, res.RSSMax, res.HeapMax = rssMin.Load(), rssMax.Load(), heapMax.Load()
	if res.RSSMin == math.MaxUint64 {
		res.RSSMin = 0
	}
	printLoadSummary(o.Out, res)
	return res, cancelled
}

func backendName(url string) string {
	if url == "" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// loadLogin signs the officer in on the web client, with an authenticator
// key set for them as enrolment would (national officers need a second
// factor).
func loadLogin(ctx context.Context, a *App, web *http.Client, base string, u *auth.User, email, password string) error {
	secret, _, _, err := auth.NewTOTPKey("koban", email)
	if err != nil {
		return err
	}
	if err := a.DB.SetTOTP(ctx, u.ID, secret, 0, audit.Entry{Actor: audit.System, Action: "auth.totp_enrolled", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil {
		return err
	}
	post := func(path string, form url.Values) (string, error) {
		resp, err := web.PostForm(base+path, form)
		if err != nil {
			return "", err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return "", fmt.Errorf("bench load: signing in: %s answered %d", path, resp.StatusCode)
		}
		return resp.Header.Get("Location"), nil
	}
	to, err := post("/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return err
	}
	if to == "/login/totp" {
		code, err := auth.TOTPCode(secret, a.Clock.Now())
		if err != nil {
			return err
		}
		if to, err = post("/login/totp", url.Values{"code": {code}}); err != nil {
			return err
		}
	}
	if to != "/queue" {
		return fmt.Errorf("bench load: signing in led to %q", to)
	}
	return nil
}

// loadReportIDs lists the reports the officer sees, for the report pages.
func loadReportIDs(ctx context.Context, client *http.Client, base, token string) ([]int64, error) {
	var ids []int64
	for offset := 0; offset < 2000; offset += 200 {
		req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/reports?limit=200&offset=%d", base, offset), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Reports []struct {
				ID int64 `json:"id"`
			} `json:"reports"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("bench load: listing reports: status %d: %v", resp.StatusCode, err)
		}
		for _, r := range page.Reports {
			ids = append(ids, r.ID)
		}
		if len(page.Reports) < 200 {
			break
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("bench load: no reports to read (give -seed)")
	}
	return ids, nil
}

// loadDo sends the request and reads the answer; it returns what went
// wrong, or "" for a 2xx answer (for a bulk request: with no line
// rejected).
func loadDo(c *http.Client, req *http.Request, bulk bool) string {
	resp, err := c.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	what := req.Method + " " + req.URL.Path
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		io.Copy(io.Discard, resp.Body)
		return fmt.Sprintf("%s: status %d: %s", what, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if bulk {
		var out struct {
			Rejected int `json:"rejected"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return what + ": " + err.Error()
		}
		if out.Rejected > 0 {
			return fmt.Sprintf("%s: %d lines rejected", what, out.Rejected)
		}
	}
	io.Copy(io.Discard, resp.Body)
	return ""
}

func printLoadSummary(w io.Writer, r LoadResult) {
	fmt.Fprintf(w, "\nsummary after %v\n", r.Elapsed.Round(time.Second))
	fmt.Fprintf(w, "%-11s %9s %9s %9s %7s %9s %9s %9s\n", "class", "asked/s", "requests", "errors", "missed", "p50", "p99", "max")
	for _, c := range r.Classes {
		fmt.Fprintf(w, "%-11s %9.2f %9d %9d %7d %9s %9s %9s\n", c.Name, c.Rate, c.Requests, c.Errors, c.Missed,
			fmtMillis(c.P50), fmtMillis(c.P99), fmtMillis(c.Max))
	}
	fmt.Fprintf(w, "errors %d, missed %d; rss min %s max %s; Go heap max %s\n", r.Errors, r.Missed, fmtMiB(r.RSSMin), fmtMiB(r.RSSMax), fmtMiB(r.HeapMax))
	for _, c := range r.Classes {
		if c.FirstError != "" {
			fmt.Fprintf(w, "first %s error: %s\n", c.Name, c.FirstError)
		}
	}
}

func fmtMillis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.0fms", ms)
}

func fmtMiB(b uint64) string { return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20)) }

// processRSS is this process's resident set in bytes (VmRSS in
// /proc/self/status), 0 where there is no such file.
func processRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fields := strings.Fields(rest) // "123456 kB"
			if len(fields) == 2 && fields[1] == "kB" {
				kb, _ := strconv.ParseUint(fields[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// latencyHist counts latencies in logarithmic buckets: 32 to each doubling
// of microseconds, so a quantile is within about 3 % of the true one, in a
// fixed 16 KiB however long the test runs.
type latencyHist struct {
	counts [64 * latSub]uint64
	n      uint64
	max    time.Duration
}

const latSubBits = 5
const latSub = 1 << latSubBits

func latBucket(us uint64) int {
	if us < latSub {
		return int(us) // exact below 32 µs
	}
	e := bits.Len64(us) - 1 // us is in [2^e, 2^(e+1))
	sub := (us >> (e - latSubBits)) & (latSub - 1)
	return (e-latSubBits+1)*latSub + int(sub)
}

// latBucketMid is the middle of the bucket's range, in microseconds.
func latBucketMid(i int) float64 {
	if i < latSub {
		return float64(i)
	}
	e := i/latSub + latSubBits - 1
	sub := uint64(i % latSub)
	lo := (latSub + sub) << (e - latSubBits)
	width := uint64(1) << (e - latSubBits)
	return float64(lo) + float64(width)/2
}

func (h *latencyHist) add(d time.Duration) {
	us := uint64(max(d.Microseconds(), 0))
	i := latBucket(us)
	if i >= len(h.counts) {
		i = len(h.counts) - 1
	}
	h.counts[i]++
	h.n++
	h.max = max(h.max, d)
}

// quantile is the q-quantile (0 < q ≤ 1) of the latencies added, 0 when
// none were.
func (h *latencyHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			d := time.Duration(latBucketMid(i) * float64(time.Microsecond))
			return min(d, h.max)
		}
	}
	return h.max
}
