package reading_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/reading"
	"github.com/koban-project/koban/internal/store"
)

var t0 = time.Date(2026, 9, 4, 0, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	jobs  *jobs.Runner
	svc   *reading.Service
	site  *site
}

// site is a feed server on loopback: each path answers with the handler
// set for it, and every request is kept.
type site struct {
	*httptest.Server
	mu       sync.Mutex
	handlers map[string]http.HandlerFunc
	asked    []*http.Request
}

func (s *site) on(path string, h http.HandlerFunc) { s.mu.Lock(); s.handlers[path] = h; s.mu.Unlock() }

func (s *site) requests(path string) []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*http.Request
	for _, r := range s.asked {
		if r.URL.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// serve answers with a fixture and its validators, and 304 when the
// request names them.
func serve(t *testing.T, file, etag string) http.HandlerFunc {
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return serveBytes(b, etag)
}

func serveBytes(b []byte, etag string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if etag != "" && r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rdf+xml")
		if etag != "" {
			w.Header().Set("ETag", etag)
			w.Header().Set("Last-Modified", "Thu, 03 Sep 2026 06:00:00 GMT")
		}
		w.Write(b)
	}
}

func newEnv(t *testing.T, o reading.Options) *env {
	t.Helper()
	ctx := t.Context()
	clock := koban.NewFixedClock(t0)
	db, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, _ := db.Orgs(ctx)
	tree, err := org.NewTree(orgs)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{handlers: map[string]http.HandlerFunc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.asked = append(s.asked, r)
		h := s.handlers[r.URL.Path]
		s.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	eg := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 10 * time.Second})
	r := jobs.NewRunner(db, "test", clock, nil)
	e := &env{t: t, ctx: ctx, db: db, clock: clock, tree: tree, jobs: r, site: s}
	if o.Zone == nil {
		o.Zone = time.FixedZone("JST", 9*3600)
	}
	e.svc = reading.NewService(db, r, eg, func() *org.Tree { return e.tree }, clock, nil, o)
	return e
}

func (e *env) officer(orgCode string, role auth.Role) auth.Principal {
	e.t.Helper()
	o, _ := e.tree.ByCode(orgCode)
	u := &auth.User{Email: fmt.Sprintf("%s-%s-%d@example.jp", orgCode, role, time.Now().UnixNano()), Name: "担当", OrgID: o.ID, Role: role, PasswordHash: "x", CreatedAt: t0}
	if err := e.db.CreateUser(e.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		e.t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: role, IP: "192.0.2.1", Via: "session"}
}

func (e *env) add(p auth.Principal, path, name string) *reading.Feed {
	e.t.Helper()
	f, err := e.svc.AddFeed(e.ctx, p, reading.FeedInput{URL: e.site.URL + path, Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) feed(id int64) *reading.Feed {
	e.t.Helper()
	f, err := e.db.ReadingFeed(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) fetch(id int64) time.Time {
	e.t.Helper()
	next, err := e.svc.Fetch(e.ctx, e.feed(id))
	if err != nil {
		e.t.Fatal(err)
	}
	return next
}

func titles(items []*reading.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Title
	}
	return out
}

// A feed's first fetch stores its items; the next asks with the
// validators and a 304 changes nothing; an item whose title changed is
// updated, not added again.
func TestFetchConditional(t *testing.T) {
	e := newEnv(t, reading.Options{})
	sup := e.officer("pref-13", auth.RoleSupervisor)
	e.site.on("/rss/jpcert.rdf", serve(t, "jpcert.rdf", `"v1"`))
	f := e.add(sup, "/rss/jpcert.rdf", "JPCERT/CC")
	if next := e.fetch(f.ID); !next.Equal(t0.Add(time.Hour)) {
		t.Errorf("next fetch at %v", next)
	}
	got := e.feed(f.ID)
	if got.ETag != `"v1"` || got.LastModified != "Thu, 03 Sep 2026 06:00:00 GMT" || got.Status != 200 || got.LastError != "" || got.Title != "JPCERT/CC" {
		t.Errorf("feed after its first fetch: %+v", got)
	}
	pg, err := e.svc.List(e.ctx, sup, 0, "")
	if err != nil || len(pg.Items) != 4 || pg.Next != "" {
		t.Fatalf("list: %v, %v", pg, err)
	}
	if pg.Items[0].Title != "注意喚起: VPN 装置の脆弱性に関する注意喚起 (公開)" || pg.Items[0].FeedName != "JPCERT/CC" {
		t.Errorf("newest first: %v", titles(pg.Items))
	}

	e.clock.Advance(time.Hour)
	e.fetch(f.ID)
	reqs := e.site.requests("/rss/jpcert.rdf")
	if len(reqs) != 2 || reqs[1].Header.Get("If-None-Match") != `"v1"` || reqs[1].Header.Get("If-Modified-Since") != "Thu, 03 Sep 2026 06:00:00 GMT" {
		t.Fatalf("the second request did not ask conditionally: %d requests, %v", len(reqs), reqs[len(reqs)-1].Header)
	}
	if got := e.feed(f.ID); got.Status != 304 || !got.OKAt.Equal(t0.Add(time.Hour)) || got.ETag != `"v1"` {
		t.Errorf("after a 304: %+v", got)
	}

	b, _ := os.ReadFile("testdata/jpcert.rdf")
	changed := strings.Replace(string(b), "(公開)", "(更新)", 1)
	e.site.on("/rss/jpcert.rdf", serveBytes([]byte(changed), `"v2"`))
	e.clock.Advance(time.Hour)
	e.fetch(f.ID)
	pg, _ = e.svc.List(e.ctx, sup, 0, "")
	if len(pg.Items) != 4 || pg.Items[0].Title != "注意喚起: VPN 装置の脆弱性に関する注意喚起 (更新)" || pg.Items[0].ChangedAt.IsZero() {
		t.Errorf("after an update: %v", titles(pg.Items))
	}
	if got := e.feed(f.ID); got.ETag != `"v2"` {
		t.Errorf("validators not renewed: %q", got.ETag)
	}
}

// A 503 or 429 with Retry-After holds the feed off as asked (but no less
// than its back-off); each failure in a row doubles the wait; a fetch that
// works starts again at the feed's interval.
func TestFetchRetryAfterAndBackoff(t *testing.T) {
	e := newEnv(t, reading.Options{})
	sup := e.officer("npa", auth.RoleSupervisor)
	retry := "7200"
	status := http.StatusServiceUnavailable
	e.site.on("/feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", retry)
		w.WriteHeader(status)
	})
	f := e.add(sup, "/feed", "busy")
	if next := e.fetch(f.ID); !next.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("after Retry-After: 7200, next at %v", next)
	}
	got := e.feed(f.ID)
	if got.Failures != 1 || got.Status != 503 || got.LastError != "reading.last.asked_to_wait\t2026-09-04T02:00:00Z" || !got.NextAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("feed: %+v", got)
	}
	// A short Retry-After does not bring the back-off forward: the second
	// failure in a row waits twice the interval.
	retry, status = "60", http.StatusTooManyRequests
	if next := e.fetch(f.ID); !next.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("second failure: next at %v", next)
	}
	// A date, and one too far away, is bounded to a day.
	retry = "Fri, 01 Jan 2027 00:00:00 GMT"
	if next := e.fetch(f.ID); !next.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("a Retry-After months away: next at %v", next)
	}
	// A failure without Retry-After: the back-off, recorded by status.
	e.site.on("/feed", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	if next := e.fetch(f.ID); !next.Equal(t0.Add(8 * time.Hour)) {
		t.Errorf("fourth failure: next at %v", next)
	}
	if got := e.feed(f.ID); got.Failures != 4 || got.LastError != "reading.last.http_status\t410 Gone" {
		t.Errorf("feed: %+v", got)
	}
	e.site.on("/feed", serve(t, "ipa.rdf", ""))
	if next := e.fetch(f.ID); !next.Equal(t0.Add(time.Hour)) {
		t.Errorf("after a fetch that worked: next at %v", next)
	}
	if got := e.feed(f.ID); got.Failures != 0 || got.LastError != "" || got.Status != 200 {
		t.Errorf("feed: %+v", got)
	}
	for n, want := range map[int]time.Duration{1: time.Hour, 2: 2 * time.Hour, 5: 16 * time.Hour, 6: 24 * time.Hour, 60: 24 * time.Hour} {
		if got := reading.Backoff(time.Hour, n); got != want {
			t.Errorf("Backoff(1h, %d) = %v, want %v", n, got, want)
		}
	}
	if got := reading.Backoff(3*24*time.Hour, 3); got != 3*24*time.Hour {
		t.Errorf("a feed fetched every three days waits %v", got)
	}
}

// A body over the limit is refused, whether its length is announced or
// not, and nothing of it is stored; a redirect to a private address is
// refused by the egress client before any connection.
func TestFetchRefusals(t *testing.T) {
	e := newEnv(t, reading.Options{MaxBody: 4096})
	sup := e.officer("npa", auth.RoleSupervisor)
	big := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>` +
		strings.Repeat(`<item><title>x</title><guid>g</guid></item>`, 200) + `</channel></rss>`)
	e.site.on("/announced", serveBytes(big, ""))
	e.site.on("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(big); i += 1000 {
			w.Write(big[i:min(i+1000, len(big))])
			w.(http.Flusher).Flush()
		}
	})
	e.site.on("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.20.30.40/feed.rdf", http.StatusFound)
	})
	e.site.on("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"page"`)
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><html><body>JPCERT/CC</body></html>"))
	})
	for _, tc := range []struct{ path, want string }{
		{"/announced", "reading.last.too_large\t4096 bytes"},
		{"/chunked", "reading.last.too_large\t4096 bytes"},
		{"/away", "reading.last.refused\t10.20.30.40"},
		{"/page", "reading.parse.html"},
	} {
		f := e.add(sup, tc.path, tc.path)
		e.fetch(f.ID)
		got := e.feed(f.ID)
		if got.LastError != tc.want || got.Failures != 1 || !got.OKAt.IsZero() || got.ETag != "" {
			t.Errorf("%s: %+v", tc.path, got)
		}
		if pg, _ := e.svc.List(e.ctx, sup, f.ID, ""); len(pg.Items) != 0 {
			t.Errorf("%s: %d items stored", tc.path, len(pg.Items))
		}
	}
	// An address typed that plainly leads inside is refused at once.
	for _, u := range []string{"http://10.1.2.3/feed.rdf", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:192.168.0.1]/rss"} {
		_, err := e.svc.AddFeed(e.ctx, sup, reading.FeedInput{URL: u})
		var ke *koban.Error
		if !errors.As(err, &ke) || ke.Key != "reading.error.refused" || ke.Field != "url" {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// Each feed is a recurring job: the runner fetches it and moves it to its
// next time; disabled, its job ends at its next run; enabled again, a job
// of the next generation fetches it at once.
func TestFetchJob(t *testing.T) {
	e := newEnv(t, reading.Options{})
	sup := e.officer("pref-13", auth.RoleSupervisor)
	e.site.on("/ipa.rdf", serve(t, "ipa.rdf", `"i1"`))
	f := e.add(sup, "/ipa.rdf", "IPA")
	if n, err := e.jobs.RunOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("run: %d, %v", n, err)
	}
	if got := e.feed(f.ID); got.Status != 200 || got.Title != "IPA 重要なセキュリティ情報" || !got.NextAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("feed after the job: %+v", got)
	}
	if n, _ := e.jobs.RunOnce(e.ctx); n != 0 {
		t.Errorf("the job ran again before its time")
	}
	e.clock.Advance(time.Hour)
	if n, _ := e.jobs.RunOnce(e.ctx); n != 1 || len(e.site.requests("/ipa.rdf")) != 2 {
		t.Errorf("the job did not run at its next time")
	}
	if _, err := e.svc.SetEnabled(e.ctx, sup, f.ID, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if n, _ := e.jobs.RunOnce(e.ctx); n != 1 || len(e.site.requests("/ipa.rdf")) != 2 {
		t.Errorf("a disabled feed was fetched")
	}
	e.clock.Advance(time.Hour)
	if n, _ := e.jobs.RunOnce(e.ctx); n != 0 {
		t.Errorf("a disabled feed's job goes on")
	}
	g, err := e.svc.SetEnabled(e.ctx, sup, f.ID, true)
	if err != nil || g.Gen != 2 {
		t.Fatalf("enable: %+v, %v", g, err)
	}
	if n, _ := e.jobs.RunOnce(e.ctx); n != 1 || len(e.site.requests("/ipa.rdf")) != 3 {
		t.Errorf("the feed enabled again was not fetched at once")
	}
	// Removed: its items go, and its job ends.
	if err := e.svc.Remove(e.ctx, sup, f.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if n, _ := e.jobs.RunOnce(e.ctx); n != 1 || len(e.site.requests("/ipa.rdf")) != 3 {
		t.Errorf("a removed feed was fetched")
	}
	if pg, _ := e.svc.List(e.ctx, sup, 0, ""); len(pg.Items) != 0 {
		t.Errorf("a removed feed's items stay: %v", titles(pg.Items))
	}
}

// Who may do what: the list needs intel.read, changing feeds
// reading.manage and the feed's line; a form's problems come all at once.
func TestFeedAccess(t *testing.T) {
	e := newEnv(t, reading.Options{})
	e.site.on("/jp.rdf", serve(t, "jpcert.rdf", ""))
	tokyo := e.officer("pref-13", auth.RoleSupervisor)
	osaka := e.officer("pref-27", auth.RoleSupervisor)
	npa := e.officer("npa", auth.RoleAdmin)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	intake := e.officer("pref-13", auth.RoleIntake)

	if _, err := e.svc.AddFeed(e.ctx, analyst, reading.FeedInput{URL: e.site.URL + "/jp.rdf"}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("an analyst added a feed: %v", err)
	}
	_, err := e.svc.AddFeed(e.ctx, tokyo, reading.FeedInput{URL: "javascript:alert(1)", Name: strings.Repeat("名", 201), EveryMin: "5"})
	var pe *koban.ProblemsError
	if !errors.As(err, &pe) || len(pe.Problems) != 3 {
		t.Fatalf("problems: %v", err)
	}
	f := e.add(tokyo, "/jp.rdf", "")
	if f.Name != "127.0.0.1" || f.Every != time.Hour || f.OrgID != tokyo.OrgID {
		t.Errorf("defaults: %+v", f)
	}
	if _, err := e.svc.AddFeed(e.ctx, npa, reading.FeedInput{URL: e.site.URL + "/jp.rdf#x"}); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("the same feed twice: %v", err)
	}
	if _, err := e.svc.SetEnabled(e.ctx, osaka, f.ID, false); koban.ErrorKey(err) != "reading.error.not_yours" {
		t.Errorf("another prefecture disabled Tokyo's feed: %v", err)
	}
	if err := e.svc.Remove(e.ctx, osaka, f.ID); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("another prefecture removed Tokyo's feed: %v", err)
	}
	if _, err := e.svc.SetEnabled(e.ctx, npa, f.ID, false); err != nil {
		t.Errorf("the NPA, above Tokyo, may: %v", err)
	}
	e.fetch(f.ID)
	// Everyone who reads intel reads the whole list; partners do not.
	for _, p := range []auth.Principal{intake, analyst, osaka} {
		if pg, err := e.svc.List(e.ctx, p, 0, ""); err != nil || len(pg.Items) != 4 {
			t.Errorf("%s: %v", p.Role, err)
		}
	}
	if _, err := e.svc.Feeds(e.ctx, auth.Principal{Role: "nobody"}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("no role: %v", err)
	}
	rows, _ := e.db.AuditOf(e.ctx, reading.ObjectType, fmt.Sprint(f.ID))
	if len(rows) != 2 || rows[0].Action != "reading.feed_add" || rows[0].Actor != tokyo.Email || rows[1].Action != "reading.feed_disable" || rows[1].Actor != npa.Email {
		t.Errorf("audit: %+v", rows)
	}
}

// The list a page at a time, and one feed's.
func TestListPages(t *testing.T) {
	e := newEnv(t, reading.Options{})
	sup := e.officer("npa", auth.RoleSupervisor)
	var b strings.Builder
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom"><title>many</title>`)
	for i := range 60 {
		fmt.Fprintf(&b, `<entry><id>e%d</id><title>entry %02d</title><published>2026-09-01T%02d:%02d:00Z</published></entry>`, i, i, i/60, i%60)
	}
	b.WriteString(`</feed>`)
	e.site.on("/many", serveBytes([]byte(b.String()), ""))
	e.site.on("/ipa", serve(t, "ipa.rdf", ""))
	many, ipa := e.add(sup, "/many", "many"), e.add(sup, "/ipa", "IPA")
	e.fetch(many.ID)
	e.fetch(ipa.ID)
	first, err := e.svc.List(e.ctx, sup, 0, "")
	if err != nil || len(first.Items) != reading.PageSize || first.Next == "" {
		t.Fatalf("first page: %d items, next %q, %v", len(first.Items), first.Next, err)
	}
	second, _ := e.svc.List(e.ctx, sup, 0, first.Next)
	if len(second.Items) != 13 || second.Next != "" {
		t.Fatalf("second page: %d items, next %q", len(second.Items), second.Next)
	}
	all := append(titles(first.Items), titles(second.Items)...)
	// IPA's September item is dated after now: it is listed as of now.
	if all[0] != "Microsoft 製品の脆弱性対策について(2026年9月)" || all[1] != "VPN 製品の脆弱性対策について(CVE-2026-12345)" ||
		all[2] != "entry 59" || all[61] != "entry 00" || all[62] != "ブラウザーの脆弱性対策について" {
		t.Errorf("order: %v", all)
	}
	for i := 1; i < len(first.Items); i++ {
		if first.Items[i].At.After(first.Items[i-1].At) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	only, _ := e.svc.List(e.ctx, sup, ipa.ID, "")
	if len(only.Items) != 3 || only.Next != "" {
		t.Errorf("IPA only: %v", titles(only.Items))
	}
	if bad, _ := e.svc.List(e.ctx, sup, 0, "not-a-cursor"); len(bad.Items) != reading.PageSize || bad.Items[0].Title != all[0] {
		t.Errorf("a cursor that cannot be read starts from the newest")
	}
	if c := reading.ParseCursor(reading.Cursor{At: time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), ID: 7}.String()); c.ID != 7 || c.At.Year() != 1969 {
		t.Errorf("a cursor before 1970: %+v", c)
	}
}
