package e2e_test

// TestLargeBodiesStayOutOfMemory fires large bodies at a real koban process
// all at once and reads how much memory the process took at its peak. Before
// issue 9 was fixed, 16 concurrent 50 MB JSON bodies took koban from 143 MB
// to 2.6 GB (and were all accepted).
//
// Every top-level name in this file starts with "bodymem" (beside the crash
// test's helpers it reuses): other files of this package are written by
// other people.

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	bodymemClients = 16
	bodymemSize    = 50_000_000 // bytes in each body
	// bodymemGrowth is how far above its idle size koban's resident memory
	// may rise while it takes one round of these bodies (VmHWM reset after
	// a warm-up): every body is refused early or streamed to disk, so what
	// remains is buffers, goroutines, the first MiB of each text file read
	// for observables and the garbage collector's slack — a tenth of the
	// 800 MB in flight. (The bound was once 200 MiB in all; koban idles at
	// 115–125 MiB as its capabilities grow, which made that a test of the
	// idle size rather than of the bodies.)
	bodymemGrowth = 100 << 20
)

func TestLargeBodiesStayOutOfMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	dataDir := filepath.Join(tmp, "data")
	bin := crashBuild(t, ctx, tmp)
	tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, MaxIdleConnsPerHost: bodymemClients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	srv := crashStart(t, ctx, client, bin, dataDir, filepath.Join(tmp, "serve"))
	defer srv.stop(t)
	pid := srv.cmd.Process.Pid

	// Warm up every path once, so that what is measured is the bodies.
	for _, req := range []*http.Request{
		bodymemJSON(ctx, srv.url, 0, true),
		bodymemMultipart(ctx, srv.url+"/api/v1/public/reports", 1000, "api"),
		bodymemMultipart(ctx, srv.url+"/report", 1000, "web"),
	} {
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusSeeOther {
			t.Fatalf("warm-up %s: status %d", req.URL.Path, res.StatusCode)
		}
	}
	idle := bodymemStatus(t, pid, "VmRSS")
	t.Logf("koban idle: %d MiB resident", idle>>20)

	for _, round := range []struct {
		name string
		req  func(i int) *http.Request
		want []int // the statuses each request may get
	}{
		{"JSON, length announced", func(int) *http.Request { return bodymemJSON(ctx, srv.url, bodymemSize, true) }, []int{http.StatusRequestEntityTooLarge}},
		{"JSON, chunked", func(int) *http.Request { return bodymemJSON(ctx, srv.url, bodymemSize, false) }, []int{http.StatusRequestEntityTooLarge}},
		{"API multipart, five 10 MB images", func(int) *http.Request {
			return bodymemMultipart(ctx, srv.url+"/api/v1/public/reports", bodymemSize/5, "api")
		}, []int{http.StatusCreated}},
		// Text files are read for observables (their first MiB).
		{"API multipart, five 10 MB text files", func(int) *http.Request {
			return bodymemMultipart(ctx, srv.url+"/api/v1/public/reports", bodymemSize/5, "api-text")
		}, []int{http.StatusCreated}},
		{"web form, five 10 MB images", func(int) *http.Request {
			return bodymemMultipart(ctx, srv.url+"/report", bodymemSize/5, "web")
		}, []int{http.StatusSeeOther}},
	} {
		// Writing 5 to clear_refs resets the peak (VmHWM) to the current size.
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			t.Fatalf("reset the peak: %v", err)
		}
		began := time.Now()
		statuses := make([]int, bodymemClients)
		errs := make([]error, bodymemClients)
		var wg sync.WaitGroup
		for i := range bodymemClients {
			wg.Go(func() {
				res, err := client.Do(round.req(i))
				if err != nil {
					errs[i] = err
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				statuses[i] = res.StatusCode
			})
		}
		wg.Wait()
		peak := bodymemStatus(t, pid, "VmHWM")
		bound := idle + bodymemGrowth
		t.Logf("%s: %d × %d MB in %v; peak %d MiB resident (idle %d MiB, bound %d MiB)",
			round.name, bodymemClients, bodymemSize/1_000_000, time.Since(began).Round(time.Millisecond), peak>>20, idle>>20, bound>>20)
		for i := range bodymemClients {
			if errs[i] != nil {
				t.Errorf("%s #%d: %v", round.name, i, errs[i])
			} else if !slices.Contains(round.want, statuses[i]) {
				t.Errorf("%s #%d: status %d, want %v", round.name, i, statuses[i], round.want)
			}
		}
		if peak > bound {
			t.Errorf("%s: koban's resident memory peaked at %d MiB, %d MiB over its idle size (at most %d)", round.name, peak>>20, (peak-idle)>>20, bodymemGrowth>>20)
		}
	}
}

// bodymemStatus reads one figure of /proc/PID/status, in bytes.
func bodymemStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// bodymemFiller is an endless run of the letter a: a body of any size
// without holding it in the test's memory.
type bodymemFiller struct{}

func (bodymemFiller) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// bodymemJSON is a public report whose description is n bytes long, sent
// with its length or chunked.
func bodymemJSON(ctx context.Context, base string, n int, announced bool) *http.Request {
	head, tail := `{"kind":"tip","description":"闇バイトの募集 `, `"}`
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(bodymemFiller{}, int64(n)), strings.NewReader(tail))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/public/reports", io.NopCloser(body))
	req.Header.Set("Content-Type", "application/json")
	if announced {
		req.ContentLength = int64(len(head) + n + len(tail))
	} else {
		req.ContentLength = -1
	}
	return req
}

// bodymemMultipart is a report (the API's "report" part, or the web form's
// fields) with five PNG files (or text files, for "api-text") of n bytes each, streamed with its length
// announced, as a browser does.
func bodymemMultipart(ctx context.Context, url string, n int, form string) *http.Request {
	write := func(w io.Writer) string {
		mw := multipart.NewWriter(w)
		mw.SetBoundary("bodymem-boundary-0123456789")
		if form != "web" {
			mw.WriteField("report", `{"kind":"tip","description":"偽サイトのスクリーンショットを送ります"}`)
		} else {
			for _, kv := range [][2]string{{"kind", "tip"}, {"category", "unknown"}, {"description", "偽サイトのスクリーンショットを送ります"}} {
				mw.WriteField(kv[0], kv[1])
			}
		}
		for i := range 5 {
			fw, _ := mw.CreateFormFile("files", fmt.Sprintf("screen%d.png", i))
			head := "\x89PNG\r\n\x1a\n"
			if form == "api-text" {
				head = "SMS from +81 90-1234-5678: https://sagawa-x.example.top/ "
			}
			io.Copy(fw, io.MultiReader(strings.NewReader(head), io.LimitReader(bodymemFiller{}, int64(n-len(head)))))
		}
		mw.Close()
		return mw.FormDataContentType()
	}
	var count bodymemCounter
	ct := write(&count)
	pr, pw := io.Pipe()
	go func() { write(pw); pw.Close() }()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
	req.Header.Set("Content-Type", ct)
	req.ContentLength = int64(count)
	return req
}

type bodymemCounter int

func (c *bodymemCounter) Write(p []byte) (int, error) {
	*c += bodymemCounter(len(p))
	return len(p), nil
}
