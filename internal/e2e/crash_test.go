package e2e_test

// TestCrashKeepsEveryReceipt checks koban's central promise to a citizen:
// once a receipt number has been handed out, the report and its files survive
// the server dying. It builds the real binary, streams reports at it from
// several clients, kills it with SIGKILL while requests are in flight,
// restarts it on the same data folder and looks every receipt up again.
//
// Every top-level name in this file starts with "crash": other files of this
// package are written by other people.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	mrand "math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/store"
)

const (
	crashClients     = 8                // concurrent submitters
	crashMinReceipts = 300              // receipts to hand out before the kill
	crashFileEvery   = 5                // one submission in this many carries a file
	crashBudget      = 90 * time.Second // the whole test
)

// crashSent is one receipt a client actually received.
type crashSent struct {
	seq     int64
	receipt string
	token   string
	file    string // file name sent; "" for a JSON-only report
	sha     string // SHA-256 (hex) of the file's content
}

func TestCrashKeepsEveryReceipt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and crashes the real binary; skipped with -short")
	}
	goroutinesAtStart := runtime.NumGoroutine()
	began := time.Now()

	budget := crashBudget
	if dl, ok := t.Deadline(); ok && time.Until(dl)-5*time.Second < budget {
		budget = time.Until(dl) - 5*time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()

	tmp := t.TempDir()
	dataDir := filepath.Join(tmp, "data")
	bin := crashBuild(t, ctx, tmp)
	t.Logf("built koban in %v", time.Since(began).Round(time.Millisecond))

	// One transport for the whole test, loopback only, never through a proxy.
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: crashClients,
		IdleConnTimeout:     30 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second}

	// --- First life: serve, stream reports, die by SIGKILL. ---
	srv1 := crashStart(t, ctx, client, bin, dataDir, filepath.Join(tmp, "serve1"))
	auditBefore := crashAuditRows(t, ctx, bin, dataDir)

	nonce := make([]byte, 6)
	rand.Read(nonce)
	run := hex.EncodeToString(nonce)

	// Each client loops until the kill: build a submission, send it, keep
	// the receipt if one comes back. A failure before the kill is a koban
	// problem; a failure after it is the point of the test.
	var (
		seq, inflight, attempted atomic.Int64
		failedAtKill, cutOff     atomic.Int64 // requests the kill broke; of them, 201s cut mid-body
		lateReceipts             atomic.Int64 // receipts whose response arrived after the kill began
		killed                   atomic.Bool
		mu                       sync.Mutex
		sent                     []crashSent
		unexpected               []string
		withFile                 int
		wg                       sync.WaitGroup
		enough                   = make(chan struct{})
		enoughOnce               sync.Once
		clientsGone              = make(chan struct{})
	)
	client1 := func() {
		defer wg.Done()
		for !killed.Load() && ctx.Err() == nil {
			n := seq.Add(1)
			req, file, sum, err := crashRequest(ctx, srv1.url, run, n)
			if err != nil {
				mu.Lock()
				unexpected = append(unexpected, fmt.Sprintf("#%d: building the request: %v", n, err))
				mu.Unlock()
				return
			}
			attempted.Add(1)
			inflight.Add(1)
			status, body, err := crashDo(client, req)
			inflight.Add(-1)
			var out struct {
				Receipt string `json:"receipt"`
				Token   string `json:"token"`
			}
			switch {
			case err != nil:
			case status != http.StatusCreated:
				err = fmt.Errorf("status %d: %.300s", status, body)
			default:
				if err = json.Unmarshal(body, &out); err == nil && (out.Receipt == "" || out.Token == "") {
					err = fmt.Errorf("201 without receipt or token: %.300s", body)
				}
			}
			if err != nil {
				if killed.Load() {
					failedAtKill.Add(1)
					if status == http.StatusCreated {
						cutOff.Add(1)
					}
					return
				}
				if ctx.Err() == nil {
					mu.Lock()
					unexpected = append(unexpected, fmt.Sprintf("request #%d before the kill: %v", n, err))
					mu.Unlock()
				}
				return
			}
			if killed.Load() {
				lateReceipts.Add(1)
			}
			mu.Lock()
			sent = append(sent, crashSent{seq: n, receipt: out.Receipt, token: out.Token, file: file, sha: sum})
			if file != "" {
				withFile++
			}
			got := len(sent)
			mu.Unlock()
			if got >= crashMinReceipts {
				enoughOnce.Do(func() { close(enough) })
			}
		}
	}
	wg.Add(crashClients)
	for range crashClients {
		go client1()
	}
	go func() { wg.Wait(); close(clientsGone) }()
	// However the test ends, no client outlives it.
	defer func() { killed.Store(true); cancel(); <-clientsGone }()

	select {
	case <-enough:
	case <-srv1.done:
		t.Fatalf("koban died on its own before the kill (%v); stderr:\n%s", srv1.waitErr, crashTail(srv1.stderr))
	case <-clientsGone:
		t.Fatalf("every client stopped before %d receipts:\n%s", crashMinReceipts, strings.Join(crashFirst(unexpected, 20), "\n"))
	case <-ctx.Done():
		t.Fatalf("fewer than %d receipts before the deadline", crashMinReceipts)
	}
	// Kill at a random point of the server's write cycle (a commit takes a
	// few milliseconds), while requests are in flight: with 8 clients looping
	// there nearly always are; give them a moment if not.
	time.Sleep(time.Duration(mrand.Int64N(int64(20 * time.Millisecond))))
	for wait := time.Now().Add(2 * time.Second); inflight.Load() < crashClients/2 && time.Now().Before(wait); {
		time.Sleep(100 * time.Microsecond)
	}
	select {
	case <-srv1.done:
		t.Fatalf("koban died on its own before the kill (%v); stderr:\n%s", srv1.waitErr, crashTail(srv1.stderr))
	default:
	}
	killed.Store(true)
	inflightAtKill := inflight.Load()
	if err := srv1.cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-srv1.done
	if ws, ok := srv1.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("koban did not die of SIGKILL: %v", srv1.cmd.ProcessState)
	}
	killedAt := time.Since(began)
	select {
	case <-clientsGone:
	case <-ctx.Done():
		t.Fatalf("clients still running at the deadline")
	}
	tr.CloseIdleConnections()

	// The clients are gone: no more locking needed.
	if len(unexpected) > 0 {
		t.Errorf("%d requests failed before the kill (koban must take every valid report under load):\n%s",
			len(unexpected), strings.Join(crashFirst(unexpected, 20), "\n"))
	}
	receipts := sent
	t.Logf("SIGKILL after %v: %d requests sent, %d receipts handed out (%d with a file, %d arriving after the kill began); "+
		"%d requests in flight at the kill, %d of them failed (%d cut off after a 201 status line)",
		killedAt.Round(time.Millisecond), attempted.Load(), len(receipts), withFile, lateReceipts.Load(),
		inflightAtKill, failedAtKill.Load(), cutOff.Load())
	// Mid-stream means clients had requests out when the process died. Most
	// of those normally fail; on a starved machine all of them may already
	// have been answered, which is not a koban failure.
	if inflightAtKill == 0 {
		t.Errorf("no request was in flight at the kill: the server was not killed mid-stream")
	} else if failedAtKill.Load() == 0 {
		t.Logf("note: every request in flight at the kill had already been answered")
	}

	// Uploads the kill interrupted leave temporary files behind; worth knowing.
	if left, err := os.ReadDir(filepath.Join(dataDir, "files", "tmp")); err == nil && len(left) > 0 {
		t.Logf("%d interrupted upload(s) left in files/tmp", len(left))
	}

	// --- Second life: restart on the same data and look every receipt up. ---
	srv2 := crashStart(t, ctx, client, bin, dataDir, filepath.Join(tmp, "serve2"))

	// Files that no report names (stored just before the kill, their report
	// never committed) are swept, and every file a receipt names stays: the
	// check of every receipt below runs after the sweep. The kill does not
	// always catch a file in that moment, so one such file is planted too.
	planted := crashPlantOrphan(t, dataDir)
	removed := crashSweepFiles(t, ctx, bin, dataDir)
	if _, err := os.Stat(planted); !os.IsNotExist(err) {
		t.Errorf("the sweep left a file no report names (%v)", err)
	}
	t.Logf("the sweep removed %d file(s) no report names: the planted one and %d left by the kill", removed, removed-1)

	checkStart := time.Now()
	missing := crashCheckAll(ctx, client, srv2.url, dataDir, receipts)
	t.Logf("restarted and checked %d receipts (%d with a file) in %v",
		len(receipts), withFile, time.Since(checkStart).Round(time.Millisecond))
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("%d of %d receipts handed out before the crash are lost or damaged:\n%s",
			len(missing), len(receipts), strings.Join(crashFirst(missing, 100), "\n"))
	}

	// The audit chain survived the crash, and holds a report.create row for
	// at least every receipt; the surplus are reports stored whose response
	// the kill cut off.
	auditAfter := crashAuditRows(t, ctx, bin, dataDir)
	stored := auditAfter - auditBefore
	if stored < int64(len(receipts)) {
		t.Errorf("audit log grew by %d rows, fewer than the %d receipts handed out", stored, len(receipts))
	} else {
		t.Logf("audit chain intact: %d rows, %d new reports stored, %d of them without a receipt reaching the client",
			auditAfter, stored, stored-int64(len(receipts)))
	}

	tr.CloseIdleConnections()
	stopping := time.Now()
	srv2.stop(t)
	crashNoOrphans(t, ctx, dataDir)
	crashNoLeaks(t, goroutinesAtStart)
	t.Logf("stopped koban and clients in %v; total %v",
		time.Since(stopping).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// crashBuild builds ./cmd/koban into dir and returns the binary's path.
func crashBuild(t *testing.T, ctx context.Context, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "koban")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./cmd/koban")
	cmd.Dir = filepath.Join("..", "..") // the module root; tests run in internal/e2e
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashEnv is the whole environment koban runs with: no stray KOBAN_*.
func crashEnv(dataDir, addr, tmp string) []string {
	return []string{
		"KOBAN_DATA_DIR=" + dataDir,
		"KOBAN_ADDR=" + addr,
		"KOBAN_SUBMIT_RATE=100000",
		"KOBAN_SUBMIT_BURST=100000",
		"TMPDIR=" + tmp,
	}
}

// crashServer is a running `koban serve`.
type crashServer struct {
	cmd     *exec.Cmd
	url     string
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done
	stderr  string        // path of its stderr
	stopped sync.Once
}

// stop ends the process (SIGTERM, then SIGKILL) and waits for it.
func (s *crashServer) stop(t *testing.T) {
	s.stopped.Do(func() {
		select {
		case <-s.done:
			return
		default:
		}
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Errorf("koban did not stop on SIGTERM within 10s; killing it")
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// crashStart runs `koban serve` on dataDir and a free loopback port, and
// waits until /readyz answers 200. It tries another port if the chosen one
// was taken in between.
func crashStart(t *testing.T, ctx context.Context, client *http.Client, bin, dataDir, logDir string) *crashServer {
	t.Helper()
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		addr := crashFreePort(t)
		stdout, err := os.Create(filepath.Join(logDir, fmt.Sprintf("stdout.%d", attempt)))
		if err != nil {
			t.Fatal(err)
		}
		errPath := filepath.Join(logDir, fmt.Sprintf("stderr.%d", attempt))
		stderr, err := os.Create(errPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "serve")
		cmd.Env = crashEnv(dataDir, addr, logDir)
		cmd.Stdin = nil
		cmd.Stdout, cmd.Stderr = stdout, stderr
		err = cmd.Start()
		stdout.Close() // the child holds its own copies
		stderr.Close()
		if err != nil {
			t.Fatalf("start koban: %v", err)
		}
		s := &crashServer{cmd: cmd, url: "http://" + addr, done: make(chan struct{}), stderr: errPath}
		go func() { s.waitErr = cmd.Wait(); close(s.done) }()
		t.Cleanup(func() {
			s.stopped.Do(func() {}) // no graceful stop from here on: kill
			cmd.Process.Kill()
			<-s.done
		})
		err = crashWaitReady(ctx, client, s)
		if err == nil {
			return s
		}
		select {
		case <-s.done:
			if attempt < 3 && strings.Contains(crashTail(errPath), "address already in use") {
				continue
			}
		default:
		}
		t.Fatalf("koban not ready: %v; stderr:\n%s", err, crashTail(errPath))
	}
}

func crashWaitReady(ctx context.Context, client *http.Client, s *crashServer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/readyz", nil)
		if res, err := client.Do(req); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("koban exited: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("no 200 from /readyz: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// crashFreePort returns 127.0.0.1:PORT with a port that was free a moment ago.
func crashFreePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// crashRequest builds submission n: JSON, or one time in crashFileEvery a
// multipart form with a text or PNG file whose content no other request has.
// It returns the file's name and SHA-256 when there is one.
func crashRequest(ctx context.Context, base, run string, n int64) (*http.Request, string, string, error) {
	report, err := json.Marshal(map[string]any{
		"kind":        "report",
		"category":    "PH",
		"description": fmt.Sprintf("Crash test %s #%d: a text message claiming to be from my bank asked me to sign in.", run, n),
		"prefecture":  "13",
		"contact":     map[string]string{"email": fmt.Sprintf("crash%d@example.jp", n)},
		"consent":     true,
	})
	if err != nil {
		return nil, "", "", err
	}
	url := base + "/api/v1/public/reports"
	if n%crashFileEvery != 0 {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(report))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, "", "", err
	}
	var content []byte
	var name string
	if n%(2*crashFileEvery) == 0 {
		name = fmt.Sprintf("screenshot-%s-%d.png", run, n)
		if content, err = crashPNG(run, n); err != nil {
			return nil, "", "", err
		}
	} else {
		name = fmt.Sprintf("message-%s-%d.txt", run, n)
		content = fmt.Appendf(nil, "Evidence %s #%d\nThe message said my account was locked and I had to sign in today.\n", run, n)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("report", string(report)); err != nil {
		return nil, "", "", err
	}
	fw, err := mw.CreateFormFile("files", name)
	if err != nil {
		return nil, "", "", err
	}
	fw.Write(content)
	if err := mw.Close(); err != nil {
		return nil, "", "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, &body)
	if err != nil {
		return nil, "", "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	sum := sha256.Sum256(content)
	return req, name, hex.EncodeToString(sum[:]), nil
}

// crashPNG draws a small image whose pixels encode run and n.
func crashPNG(run string, n int64) ([]byte, error) {
	seed := sha256.Sum256([]byte(run + "/" + strconv.FormatInt(n, 10)))
	img := image.NewNRGBA(image.Rect(0, 0, 8, 4))
	for i := range 32 {
		img.Set(i%8, i/8, color.NRGBA{R: seed[i], G: byte(n >> (8 * (i % 8))), B: byte(i), A: 255})
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}

// crashDo sends req and reads the whole response.
func crashDo(client *http.Client, req *http.Request) (int, []byte, error) {
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, body, err
}

// crashCheckAll looks every receipt up on the restarted server and returns a
// line for each one that is missing or damaged.
func crashCheckAll(ctx context.Context, client *http.Client, base, dataDir string, all []crashSent) []string {
	jobs := make(chan crashSent)
	var mu sync.Mutex
	var bad []string
	var wg sync.WaitGroup
	for range crashClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				if problem := crashCheckOne(ctx, client, base, dataDir, s); problem != "" {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("receipt %s (request #%d): %s", s.receipt, s.seq, problem))
					mu.Unlock()
				}
			}
		}()
	}
	for _, s := range all {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	return bad
}

func crashCheckOne(ctx context.Context, client *http.Client, base, dataDir string, s crashSent) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/s/"+s.token, nil)
	if err != nil {
		return err.Error()
	}
	status, body, err := crashDo(client, req)
	if err != nil {
		return "status page: " + err.Error()
	}
	if status != http.StatusOK {
		return fmt.Sprintf("status page answered %d", status)
	}
	page := string(body)
	if !crashReceiptOnPage(page, s.receipt) {
		return "status page does not show the receipt number"
	}
	if s.file == "" {
		return ""
	}
	if !strings.Contains(page, `<span class="file-name">`+html.EscapeString(s.file)+"</span>") {
		return fmt.Sprintf("status page does not list the file %s", s.file)
	}
	path := filepath.Join(dataDir, "files", s.sha[:2], s.sha[2:4], s.sha)
	content, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("file %s: %v", s.file, err)
	}
	if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != s.sha {
		return fmt.Sprintf("file %s: content on disk (%d bytes) does not match what was sent", s.file, len(content))
	}
	return ""
}

var crashReceiptRE = regexp.MustCompile(`id="receipt-number"[^>]*>\s*([^<]*?)\s*<`)

func crashReceiptOnPage(page, receipt string) bool {
	m := crashReceiptRE.FindStringSubmatch(page)
	return m != nil && m[1] == receipt
}

var crashAuditRE = regexp.MustCompile(`audit log intact: (\d+) rows`)

// crashAuditRows runs `koban audit verify`, fails unless it exits 0, and
// returns the number of rows in the chain.
func crashAuditRows(t *testing.T, ctx context.Context, bin, dataDir string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "audit", "verify")
	cmd.Env = crashEnv(dataDir, "127.0.0.1:0", t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("koban audit verify: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	m := crashAuditRE.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("koban audit verify: unexpected output %q", stdout.String())
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// crashPlantOrphan writes an evidence file that no report names, as a crash
// between storing a file and committing its report leaves one, and returns
// its path.
func crashPlantOrphan(t *testing.T, dataDir string) string {
	t.Helper()
	content := make([]byte, 64)
	rand.Read(content)
	s := sha256.Sum256(content)
	sum := hex.EncodeToString(s[:])
	path := filepath.Join(dataDir, "files", sum[:2], sum[2:4], sum)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var crashSweptRE = regexp.MustCompile(`removed (\d+) evidence file`)

// crashSweepFiles runs `koban files sweep` with an age of zero (no upload is
// in flight now) and returns how many files it removed.
func crashSweepFiles(t *testing.T, ctx context.Context, bin, dataDir string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "files", "sweep", "-older-than", "0s")
	cmd.Env = crashEnv(dataDir, "127.0.0.1:0", t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("koban files sweep: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	m := crashSweptRE.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("koban files sweep: unexpected output %q", stdout.String())
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// crashNoOrphans checks, with koban stopped, that every file in the file
// store is named by a report, and that no temporary file is left.
func crashNoOrphans(t *testing.T, ctx context.Context, dataDir string) {
	t.Helper()
	db, err := store.Open(ctx, store.Options{DataDir: dataDir})
	if err != nil {
		t.Fatalf("open the database: %v", err)
	}
	named := map[string]bool{}
	for sum, err := range db.FileSums(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		named[sum] = true
	}
	db.Close()
	files := filepath.Join(dataDir, "files")
	var orphans []string
	err = filepath.WalkDir(files, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if rel, _ := filepath.Rel(files, path); strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) || !named[d.Name()] {
			orphans = append(orphans, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(orphans) > 0 {
		t.Errorf("%d file(s) no report names remain after the sweep:\n%s", len(orphans), strings.Join(crashFirst(orphans, 20), "\n"))
	} else {
		t.Logf("every one of the %d stored files is named by a report", len(named))
	}
}

// crashNoLeaks waits for this test's goroutines (HTTP connections, process
// waiters) to end.
func crashNoLeaks(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines left over (%d at start):\n%s", n-before, before, buf)
	}
}

// crashTail returns the last few KB of a log file.
func crashTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}

func crashFirst(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	return append(slices.Clone(lines[:n]), fmt.Sprintf("… and %d more", len(lines)-n))
}
