package vuln_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/vuln"
)

// A fake NVD (two pages of the shared page's 200 CVEs) and a KEV catalog
// with an ETag, on loopback: sources added by an administrator import
// through the egress client from the job layer; NVD is paged, then asked
// only for what changed since; KEV's second fetch is a 304 that imports
// nothing; a server error is recorded on its source, not lost.
func TestOnlineSources(t *testing.T) {
	e := newEnv(t, "")
	page := rewrite(t, "", func(map[string]any) {})
	var whole struct {
		Vulns []json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal([]byte(page), &whole); err != nil {
		t.Fatal(err)
	}
	kev, err := os.ReadFile(filepath.Join(vulnData, "kev-data", "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RequestURI())
		mu.Unlock()
		switch r.URL.Path {
		case "/rest/json/cves/2.0":
			start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
			list := whole.Vulns[start:min(start+100, len(whole.Vulns))]
			if r.URL.Query().Get("lastModStartDate") != "" {
				list = whole.Vulns[:1]
			}
			body, _ := json.Marshal(map[string]any{"resultsPerPage": len(list), "startIndex": start, "totalResults": map[bool]int{true: 1, false: 200}[len(list) == 1],
				"format": "NVD_CVE", "version": "2.0", "timestamp": "2026-12-07T00:00:00.000", "vulnerabilities": list})
			w.Write(body)
		case "/kev.json":
			w.Header().Set("ETag", `"kev-1"`)
			if r.Header.Get("If-None-Match") == `"kev-1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Write(kev)
		default:
			http.Error(w, "down", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	eg := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Ports: []uint16{port(t, srv.URL)}, Timeout: 10 * time.Second})
	runner := jobs.NewRunner(e.db, "test", e.clock, nil)
	svc := vuln.NewService(e.db, runner, eg, access.New(e.db, func() *org.Tree { return e.tree }, e.clock), e.clock, nil)

	admin := e.officer(t, "npa", auth.RoleAdmin)
	analyst := e.officer(t, "pref-13", auth.RoleAnalyst)
	if _, err := svc.AddSource(e.ctx, analyst, vuln.SourceInput{Kind: "kev", Location: srv.URL + "/kev.json"}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("an analyst adding a source: %v, want forbidden", err)
	}
	if _, err := svc.AddSource(e.ctx, admin, vuln.SourceInput{Kind: "kev", Location: "http://169.254.169.254/latest/"}); koban.ErrorCode(err) != koban.Invalid {
		t.Errorf("a metadata address: %v, want refused", err)
	}
	nvd, err := svc.AddSource(e.ctx, admin, vuln.SourceInput{Kind: "nvd", Location: srv.URL + "/rest/json/cves/2.0", Name: "NVD"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := svc.AddSource(e.ctx, admin, vuln.SourceInput{Kind: "kev", Location: srv.URL + "/kev.json"})
	if err != nil {
		t.Fatal(err)
	}
	down, err := svc.AddSource(e.ctx, admin, vuln.SourceInput{Kind: "epss", Location: srv.URL + "/epss.csv.gz"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := runner.RunOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := sources(t, svc, admin)
	if s := got[nvd.ID]; s.Records != 200 || s.Changed != 200 || s.LastError != "" || s.OKAt.IsZero() {
		t.Errorf("NVD after its first import: %+v", s)
	}
	if s := got[k.ID]; s.Records != 1404 || s.ETag != `"kev-1"` || s.LastError != "" {
		t.Errorf("KEV after its first import: %+v", s)
	}
	if s := got[down.ID]; s.LastError == "" || !s.OKAt.IsZero() {
		t.Errorf("a source whose server fails: %+v, want the error recorded", s)
	}
	pages := 0
	for _, a := range asked {
		if strings.HasPrefix(a, "/rest/json/cves/2.0") {
			pages++
		}
	}
	if pages != 2 {
		t.Errorf("NVD asked %d times, want 2 pages: %v", pages, asked)
	}

	// A day later each runs again: NVD only for what changed since.
	e.clock.Advance(25 * time.Hour)
	for i := 0; i < 3; i++ {
		if _, err := runner.RunOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	got = sources(t, svc, admin)
	if s := got[nvd.ID]; s.Records != 1 || s.Changed != 0 {
		t.Errorf("NVD's second import: %+v, want 1 record read and nothing written", s)
	}
	if s := got[k.ID]; s.Records != 0 || s.LastError != "" {
		t.Errorf("KEV's second import (304): %+v", s)
	}
	if last := asked[len(asked)-1]; !strings.Contains(strings.Join(asked, " "), "lastModStartDate=") {
		t.Errorf("NVD was not asked for changes since the last import: %v (last %s)", asked, last)
	}
	// Disabled, a source is not imported again.
	if _, err := svc.SetSourceEnabled(e.ctx, admin, k.ID, false); err != nil {
		t.Fatal(err)
	}
	n := len(asked)
	e.clock.Advance(25 * time.Hour)
	for i := 0; i < 3; i++ {
		runner.RunOnce(e.ctx)
	}
	for _, a := range asked[n:] {
		if strings.HasPrefix(a, "/kev.json") {
			t.Errorf("a disabled source was fetched: %v", asked[n:])
		}
	}
}

func sources(t *testing.T, svc *vuln.Service, p auth.Principal) map[int64]*vuln.Source {
	t.Helper()
	list, err := svc.Sources(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]*vuln.Source{}
	for _, s := range list {
		out[s.ID] = s
	}
	return out
}

func port(t *testing.T, u string) uint16 {
	t.Helper()
	i := strings.LastIndex(u, ":")
	p, err := strconv.Atoi(u[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	return uint16(p)
}

// A local source must lie within the feed folder: a path elsewhere, or a
// link out of it, is refused; one inside imports from the job.
func TestLocalSources(t *testing.T) {
	e := newEnv(t, "")
	dir := t.TempDir()
	runner := jobs.NewRunner(e.db, "test", e.clock, nil)
	svc := vuln.NewService(e.db, runner, nil, access.New(e.db, func() *org.Tree { return e.tree }, e.clock), e.clock, nil)
	svc.SetFeedDir(dir)
	admin := e.officer(t, "npa", auth.RoleAdmin)
	kev, err := os.ReadFile(filepath.Join(vulnData, "kev-data", "known_exploited_vulnerabilities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kev.csv"), kev, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "out.csv")); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"/etc/passwd", filepath.Join(dir, "out.csv"), filepath.Join(dir, "../x"), filepath.Join(dir, "missing.csv")} {
		if _, err := svc.AddSource(e.ctx, admin, vuln.SourceInput{Kind: "kev", Location: loc}); koban.ErrorCode(err) != koban.Invalid {
			t.Errorf("%s: %v, want refused", loc, err)
		}
	}
	src, err := svc.AddSource(e.ctx, admin, vuln.SourceInput{Kind: "kev", Location: filepath.Join(dir, "kev.csv")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if s := sources(t, svc, admin)[src.ID]; s.Records != 1404 || s.LastError != "" {
		t.Errorf("the local KEV source: %+v", s)
	}
}
