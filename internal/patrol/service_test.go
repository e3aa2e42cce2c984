package patrol_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/patrol"
	"github.com/koban-project/koban/internal/store"
)

var t0 = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	blobs *blob.Store
	jobs  *jobs.Runner
	svc   *patrol.Service
	site  *site
	log   *logBuffer // what the service logged
}

// logBuffer keeps what a logger wrote, for a test to read.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// site is a web site on loopback that counts what it is asked.
type site struct {
	*httptest.Server
	mu       sync.Mutex
	hits     map[string]int
	agents   []string
	robots   func(w http.ResponseWriter)
	page     string
	retry    string            // when set, /busy answers 429 with this Retry-After
	contents map[string]string // pages of their own by path; the others are page
}

// set gives the page at path a content of its own.
func (s *site) set(path, content string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.contents == nil {
		s.contents = map[string]string{}
	}
	s.contents[path] = content
}

func (s *site) count(path string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.hits[path] }

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	clock := koban.NewFixedClock(t0)
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Options{DataDir: dir, Clock: clock})
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
	blobs, err := blob.Open(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	s := &site{hits: map[string]int{}, page: "<html><body>高収入 即日即金 ホワイト案件 連絡は 090-1234-5678</body></html>"}
	s.robots = func(w http.ResponseWriter) {
		io.WriteString(w, "User-agent: *\nDisallow: /members/\n\nUser-agent: koban\nDisallow: /secret\nCrawl-delay: 3\n")
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.agents = append(s.agents, r.UserAgent())
		s.mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			s.robots(w)
		case "/old":
			http.Redirect(w, r, "/job", http.StatusFound)
		case "/busy":
			w.Header().Set("Retry-After", s.retry)
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			s.mu.Lock()
			page, ok := s.contents[r.URL.Path]
			s.mu.Unlock()
			if !ok {
				page = s.page
			}
			io.WriteString(w, page)
		}
	}))
	t.Cleanup(s.Close)
	eg := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 10 * time.Second})
	r := jobs.NewRunner(db, "test", clock, nil)
	e := &env{t: t, ctx: ctx, db: db, clock: clock, tree: tree, blobs: blobs, jobs: r, site: s, log: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.svc = patrol.NewService(db, access.New(db, func() *org.Tree { return e.tree }, clock), r, blobs, eg, func() *org.Tree { return e.tree }, clock, log, patrol.Options{Contact: "https://koban.police.example/patrol", Version: "1.0"})
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

func TestCreateItem(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	it, err := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/job#top", Label: "闇バイト募集", Tags: "闇バイト, 東京", EveryMin: "60"})
	if err != nil {
		t.Fatal(err)
	}
	if it.Target != e.site.URL+"/job" || it.Every != time.Hour || fmt.Sprint(it.Tags) != "[闇バイト 東京]" || it.Profile != patrol.ProfileDefault {
		t.Errorf("item = %+v", it)
	}
	if j, err := e.db.JobByKey(e.ctx, patrol.FetchJob, fmt.Sprint("item:", it.ID)); err != nil || !j.RunAt.Equal(t0) {
		t.Errorf("first fetch job = %+v, %v; want due now", j, err)
	}
	// Every problem at once; the covert profile needs its own permission.
	_, err = e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: "ftp://x.example/", EveryMin: "1", Profile: patrol.ProfileCovert})
	got := map[string]string{}
	var pe *koban.ProblemsError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			got[p.Field] = p.Key
		}
	}
	if got["target"] != "patrol.error.url" || got["every"] != "patrol.error.every" || got["profile"] != "patrol.error.covert" {
		t.Errorf("problems = %v", got)
	}
	if _, err := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/job"}); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("the same page twice: %v", err)
	}
	sup := e.officer("pref-13", auth.RoleSupervisor)
	if it, err := e.svc.CreateItem(e.ctx, sup, patrol.ItemInput{Kind: patrol.KindDomain, Target: "Yami-Baito[.]EXAMPLE.jp", Profile: patrol.ProfileCovert}); err != nil ||
		it.Target != "yami-baito.example.jp" || it.Profile != patrol.ProfileCovert {
		t.Errorf("covert domain item by a supervisor = %+v, %v", it, err)
	}
	if _, err := e.svc.CreateItem(e.ctx, e.officer("pref-13", auth.RoleIntake), patrol.ItemInput{Kind: patrol.KindPhrase, Target: "ホワイト案件"}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("an intake officer adds an item: %v", err)
	}
	if _, err := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindPhrase, Target: "x", OrgCode: "pref-27"}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("for another prefecture: %v", err)
	}
	if l, _ := e.svc.Items(e.ctx, e.officer("pref-27", auth.RoleAnalyst)); len(l) != 0 {
		t.Errorf("Osaka lists %d of Tokyo's items", len(l))
	}
	if _, err := e.svc.Item(e.ctx, e.officer("pref-27", auth.RoleAnalyst), it.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka opens Tokyo's item: %v", err)
	}
}

// The fetch jobs of three items on one site: robots.txt read first and
// obeyed (koban's own group, not "*"), each page kept as a capture (body by
// SHA-256, headers, redirects, koban's User-Agent) and its next fetch
// scheduled; requests to the host never closer than a second, and after
// the robots.txt read never closer than its Crawl-delay (3 s), however
// many jobs are due at once (a redirect followed is part of its visit).
func TestFetchPolitely(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var at []time.Time
	inner := e.site.Config.Handler
	e.site.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Referer() == "" { // a redirect followed is part of the same visit
			mu.Lock()
			at = append(at, e.clock.Now())
			mu.Unlock()
		}
		inner.ServeHTTP(w, r)
	})
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	job, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/old", EveryMin: "60"})
	secret, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/secret", EveryMin: "60"})
	_, _ = e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/members/list", EveryMin: "60"})
	e.jobs.Workers = 3
	drain := func() {
		for end := e.clock.Now().Add(time.Minute); e.clock.Now().Before(end); e.clock.Advance(500 * time.Millisecond) {
			if _, err := e.jobs.RunOnce(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	drain()
	if e.site.count("/robots.txt") != 1 || e.site.count("/job") != 1 || e.site.count("/members/list") != 1 || e.site.count("/secret") != 0 {
		t.Fatalf("hits %v; want robots.txt once, /job (through /old) and /members/list once, /secret never", e.site.hits)
	}
	mu.Lock()
	for i := 1; i < len(at); i++ {
		gap := at[i].Sub(at[i-1])
		if (i == 1 && gap < time.Second) || (i > 1 && gap < 3*time.Second) {
			t.Errorf("request %d came %v after the one before", i, gap)
		}
	}
	mu.Unlock()
	v, err := e.svc.Item(e.ctx, analyst, job.ID)
	if err != nil || len(v.Captures) != 1 {
		t.Fatalf("captures = %+v, %v", v, err)
	}
	c := v.Captures[0]
	if c.Status != 200 || c.FinalURL != e.site.URL+"/job" || fmt.Sprint(c.Redirects) != "["+e.site.URL+"/job]" || !c.Changed || c.Size != int64(len(e.site.page)) ||
		!strings.Contains(string(c.Headers), "text/html") || c.UserAgent != "koban/1.0 (police cyber patrol; +https://koban.police.example/patrol)" {
		t.Errorf("capture = %+v", c)
	}
	r, err := e.blobs.Open(c.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r)
	r.Close()
	if string(body) != e.site.page {
		t.Errorf("kept body %q", body)
	}
	if j, _ := e.db.JobByKey(e.ctx, patrol.FetchJob, fmt.Sprint("item:", job.ID)); !j.RunAt.Equal(c.FetchedAt.Add(time.Hour)) || j.State != jobs.Ready {
		t.Errorf("next fetch = %+v; want an hour after the capture", j)
	}
	if v, _ := e.svc.Item(e.ctx, analyst, secret.ID); !strings.HasPrefix(v.LastError, "patrol.last.robots_forbid") || len(v.Captures) != 0 {
		t.Errorf("forbidden item = %+v", v.Item)
	}
	for _, ua := range e.site.agents {
		if !strings.HasPrefix(ua, "koban/1.0") {
			t.Errorf("User-Agent %q", ua)
		}
	}
	// The same page an hour later: a capture that says nothing changed.
	e.clock.Advance(time.Hour)
	drain()
	if v, _ := e.svc.Item(e.ctx, analyst, job.ID); len(v.Captures) != 2 || v.Captures[0].Changed || v.Captures[0].SHA256 != v.Captures[1].SHA256 {
		t.Errorf("second capture = %+v", v.Captures)
	}
}

// A robots.txt that cannot be read (5xx) forbids everything until it can;
// a missing one (404) allows everything; a 429 with Retry-After holds the
// host off for as long as it asks.
func TestRobotsUnreadableAndRetryAfter(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	e.site.robots = func(w http.ResponseWriter) { http.Error(w, "down", http.StatusServiceUnavailable) }
	it, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/job"})
	e.jobs.RunOnce(e.ctx)
	if v, _ := e.svc.Item(e.ctx, analyst, it.ID); e.site.count("/job") != 0 || !strings.HasPrefix(v.LastError, "patrol.last.robots_unreadable") {
		t.Fatalf("with robots.txt down: %d fetches, %q", e.site.count("/job"), v.LastError)
	}
	// A day later robots.txt is missing (404): the page is fetched.
	e.site.robots = func(w http.ResponseWriter) { http.NotFound(w, nil) }
	e.clock.Advance(25 * time.Hour)
	e.jobs.RunOnce(e.ctx)
	if e.site.count("/robots.txt") != 2 {
		t.Fatalf("robots.txt read %d times; want again after a day", e.site.count("/robots.txt"))
	}
	e.clock.Advance(time.Second)
	e.jobs.RunOnce(e.ctx)
	if e.site.count("/job") != 1 {
		t.Fatalf("/job fetched %d times with robots.txt missing", e.site.count("/job"))
	}
	// 429 with Retry-After: 120 — the host is held off two minutes.
	e.site.retry = "120"
	busy, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/busy"})
	e.clock.Advance(time.Second)
	e.jobs.RunOnce(e.ctx)
	if j, _ := e.db.JobByKey(e.ctx, patrol.FetchJob, fmt.Sprint("item:", busy.ID)); !j.RunAt.Equal(e.clock.Now().Add(2 * time.Minute)) {
		t.Errorf("after a 429: next run %v; want two minutes on", j.RunAt)
	}
	if h, _ := e.db.PatrolHost(e.ctx, strings.TrimPrefix(e.site.URL, "http://")); !h.NextAt.Equal(e.clock.Now().Add(2 * time.Minute)) {
		t.Errorf("host next slot %v; want two minutes on", h.NextAt)
	}
}

// A fetched 闇バイト post becomes a finding: its category and score, the
// hits with what they matched, the phone number in it indexed nationally;
// a repost on another page with another number joins its cluster; an
// analyst confirms it once; another prefecture cannot open it. A phrase
// item of the line is looked for too.
func TestFindings(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	e.site.page = "<html><head><script>var x='ホワイト案件';</script></head><body><h1>【高収入】即日即金！ホワイト案件</h1><p>運び・受け子ではありません。テレグラムで連絡 090-1234-5678</p></body></html>"
	first, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/post1"})
	drain := func() {
		for end := e.clock.Now().Add(30 * time.Second); e.clock.Now().Before(end); e.clock.Advance(time.Second) {
			e.jobs.RunOnce(e.ctx)
		}
	}
	drain()
	list, err := e.svc.Findings(e.ctx, analyst, patrol.FindingNew)
	if err != nil || len(list) != 1 {
		t.Fatalf("findings = %+v, %v", list, err)
	}
	f := list[0]
	if f.Category != "yamibaito" || f.Score < 0.5 || f.ItemID != first.ID || f.URL != e.site.URL+"/post1" || len(f.Hits) == 0 || f.ClusterID != f.ID {
		t.Errorf("finding = %+v", f)
	}
	for _, h := range f.Hits {
		if h.Text == "" || h.Rule == "" {
			t.Errorf("hit %+v", h)
		}
	}
	v, err := e.svc.Finding(e.ctx, analyst, f.ID)
	if err != nil || !strings.Contains(v.Excerpt, "即日即金") || strings.Contains(v.Excerpt, "var x") {
		t.Errorf("excerpt %q, %v; want the page's text without its script", v.Excerpt, err)
	}
	if n, err := e.db.Labels(e.ctx, []correlate.Key{{Type: correlate.Finding, ID: f.ID}}); err != nil || n[correlate.Key{Type: correlate.Finding, ID: f.ID}] != f.URL {
		t.Errorf("label %v, %v", n, err)
	}
	val, err := e.db.Value(e.ctx, observe.Observable{Type: observe.Phone, Value: "+819012345678"})
	if err != nil {
		t.Fatalf("the phone number is not indexed: %v", err)
	}
	occ, _, err := e.db.Occurrences(e.ctx, val.ID, access.Scope{All: true}, 10, 0)
	if err != nil || len(occ) != 1 || occ[0].Type != correlate.Finding || occ[0].ID != f.ID {
		t.Errorf("the phone number's records = %+v, %v; want the finding", occ, err)
	}
	// A repost with another number on another page: the same cluster.
	e.site.page = strings.Replace(e.site.page, "090-1234-5678", "080-9999-0000", 1)
	e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/post2"})
	drain()
	list, _ = e.svc.Findings(e.ctx, analyst, "")
	if len(list) != 2 || list[0].ClusterID != f.ID || list[0].ClusterSize != 2 {
		t.Fatalf("after the repost: %+v", list)
	}
	// Review: once; Osaka cannot see it.
	if err := e.svc.Review(e.ctx, analyst, f.ID, patrol.FindingConfirmed, "募集ページ。削除依頼へ"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Review(e.ctx, analyst, f.ID, patrol.FindingFalsePositive, ""); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("reviewed twice: %v", err)
	}
	if got, _ := e.svc.Finding(e.ctx, analyst, f.ID); got.State != patrol.FindingConfirmed || got.ReviewNote != "募集ページ。削除依頼へ" {
		t.Errorf("after review %+v", got.Finding)
	}
	if _, err := e.svc.Finding(e.ctx, e.officer("pref-27", auth.RoleAnalyst), f.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka opens Tokyo's finding: %v", err)
	}
	if err := e.svc.Review(e.ctx, e.officer("pref-13", auth.RoleInvestigator), list[0].ID, patrol.FindingConfirmed, ""); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("an investigator (patrol.read only) reviews: %v", err)
	}
	// A page with nothing the built-in rules know, but the line's own phrase.
	e.site.page = "<html><body>特製クッキーの詰め合わせ、本日限定で販売しています。</body></html>"
	e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindPhrase, Target: "特製クッキー", Label: "隠語（捜査で判明）"})
	e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/shop"})
	drain()
	if list, _ = e.svc.Findings(e.ctx, analyst, ""); len(list) != 3 || list[0].Hits[0].Rule == "" || !strings.HasPrefix(list[0].Hits[0].Rule, "item-") {
		t.Errorf("findings after the phrase item: %+v", list)
	}
}

// Tag retention: a patrol manager of the organisation (or of one above it)
// sets and removes it, every change audited with what it replaced; an
// officer of another prefecture or one who only reads patrol is refused;
// the item's page says how long its captures are kept and why.
func TestTagRetention(t *testing.T) {
	e := newEnv(t)
	tokyo, _ := e.tree.ByCode("pref-13")
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	it, err := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/job", Tags: "闇バイト　東京、闇バイト"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(it.Tags) != "[闇バイト 東京]" {
		t.Errorf("tags = %q; want each once, split at the wide space and 読点", it.Tags)
	}
	kept := func(id int64) patrol.Kept {
		t.Helper()
		v, err := e.svc.Item(e.ctx, analyst, id)
		if err != nil {
			t.Fatal(err)
		}
		return v.Kept
	}
	if k := kept(it.ID); k != (patrol.Kept{Days: 90, Because: patrol.KeptDefault}) {
		t.Errorf("before any tag retention: %+v", k)
	}
	if _, err := e.svc.SetTagRetention(e.ctx, analyst, patrol.TagRetentionInput{Tag: " 闇バイト ", Days: "30"}); err != nil {
		t.Fatal(err)
	}
	if k := kept(it.ID); k != (patrol.Kept{Days: 30, Because: patrol.KeptTag, Tag: "闇バイト"}) {
		t.Errorf("with 闇バイト 30 days: %+v", k)
	}
	// The National Police Agency's analyst sets one for Tokyo; the longest
	// of the item's tags wins.
	if _, err := e.svc.SetTagRetention(e.ctx, e.officer("npa", auth.RoleAnalyst), patrol.TagRetentionInput{OrgCode: "pref-13", Tag: "東京", Days: "60"}); err != nil {
		t.Fatal(err)
	}
	if k := kept(it.ID); k != (patrol.Kept{Days: 60, Because: patrol.KeptTag, Tag: "東京"}) {
		t.Errorf("with 東京 60 days too: %+v", k)
	}
	own, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/own", Tags: "東京", RetentionDays: "7"})
	if k := kept(own.ID); k != (patrol.Kept{Days: 7, Because: patrol.KeptOwn}) {
		t.Errorf("an item with its own retention: %+v", k)
	}
	// Refused: another prefecture's analyst, an investigator (patrol.read
	// only), for Tokyo; a partner or unknown organisation; bad fields.
	for _, p := range []auth.Principal{e.officer("pref-27", auth.RoleAnalyst), e.officer("pref-13", auth.RoleInvestigator)} {
		if _, err := e.svc.SetTagRetention(e.ctx, p, patrol.TagRetentionInput{OrgCode: "pref-13", Tag: "東京", Days: "1"}); koban.ErrorCode(err) != koban.Forbidden {
			t.Errorf("%s of %d sets Tokyo's: %v", p.Role, p.OrgID, err)
		}
		if err := e.svc.RemoveTagRetention(e.ctx, p, "pref-13", "東京"); koban.ErrorCode(err) != koban.Forbidden {
			t.Errorf("%s of %d removes Tokyo's: %v", p.Role, p.OrgID, err)
		}
	}
	if _, err := e.svc.SetTagRetention(e.ctx, analyst, patrol.TagRetentionInput{OrgCode: "pref-99", Tag: "x", Days: "1"}); !hasProblem(err, "org", "patrol.error.org_unknown") {
		t.Errorf("unknown organisation: %v", err)
	}
	for _, in := range []patrol.TagRetentionInput{{Tag: "", Days: "30"}, {Tag: "闇 バイト", Days: "30"}, {Tag: "a,b", Days: "30"}, {Tag: strings.Repeat("長", 101), Days: "30"}} {
		if _, err := e.svc.SetTagRetention(e.ctx, analyst, in); !hasProblem(err, "tag", "patrol.error.tag") {
			t.Errorf("tag %q: %v", in.Tag, err)
		}
	}
	for _, d := range []string{"", "0", "3651", "三十", "1.5"} {
		if _, err := e.svc.SetTagRetention(e.ctx, analyst, patrol.TagRetentionInput{Tag: "闇バイト", Days: d}); !hasProblem(err, "days", "patrol.error.retention") {
			t.Errorf("days %q: %v", d, err)
		}
	}
	if l, _ := e.svc.TagRetentions(e.ctx, e.officer("pref-27", auth.RoleAnalyst)); len(l) != 0 {
		t.Errorf("Osaka lists Tokyo's tag retentions: %+v", l)
	}
	if l, _ := e.svc.TagRetentions(e.ctx, analyst); len(l) != 2 {
		t.Errorf("Tokyo's tag retentions = %+v", l)
	}
	// Removed, the item falls back to its other tag; removing it again is
	// not found.
	if err := e.svc.RemoveTagRetention(e.ctx, analyst, "", "東京"); err != nil {
		t.Fatal(err)
	}
	if k := kept(it.ID); k != (patrol.Kept{Days: 30, Because: patrol.KeptTag, Tag: "闇バイト"}) {
		t.Errorf("after 東京 was removed: %+v", k)
	}
	if err := e.svc.RemoveTagRetention(e.ctx, analyst, "", "東京"); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("removed twice: %v", err)
	}
	// Every change audited on the organisation, with who and what before.
	rows, err := e.db.AuditOf(e.ctx, "org", fmt.Sprint(tokyo.ID))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Action+" "+r.Actor+" "+r.Detail)
	}
	want := []string{
		"patrol.tag_retention_set " + analyst.Email + ` {"before":0,"days":30,"tag":"闇バイト"}`,
		"patrol.tag_retention_set npa-analyst",
		"patrol.tag_retention_removed " + analyst.Email + ` {"before":60,"tag":"東京"}`,
	}
	if len(got) != len(want) {
		t.Fatalf("audit rows:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("audit row %d = %s\nwant %s…", i, got[i], want[i])
		}
	}
}

// hasProblem tells whether err holds a problem of the field with the key.
func hasProblem(err error, field, key string) bool {
	var pe *koban.ProblemsError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			if p.Field == field && p.Key == key {
				return true
			}
		}
		return false
	}
	var ke *koban.Error
	return errors.As(err, &ke) && ke.Field == field && ke.Key == key
}

// The capture quota: crossing 80 % is logged once however often usage is
// measured, 100 % once more; from then on a page that changed is fetched
// and its status recorded but its body is not kept, and the item's last
// error says why, while a page that did not change is captured as ever.
// What was kept stays.
func TestQuota(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	first := "<html><body>" + strings.Repeat("あ", 300) + "</body></html>"  // 926 bytes
	second := "<html><body>" + strings.Repeat("x", 120) + "</body></html>" // 146 bytes
	e.site.set("/a", first)
	e.site.set("/b", second)
	a, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/a"})
	b, _ := e.svc.CreateItem(e.ctx, analyst, patrol.ItemInput{Kind: patrol.KindURL, Target: e.site.URL + "/b"})
	// fetch fetches an item until the fetch is done (robots.txt first,
	// the host's slot).
	fetch := func(id int64) *patrol.Item {
		t.Helper()
		before, _ := e.db.PatrolItem(e.ctx, id)
		for range 5 {
			e.clock.Advance(5 * time.Second)
			it, _ := e.db.PatrolItem(e.ctx, id)
			if _, err := e.svc.Fetch(e.ctx, it); err != nil {
				t.Fatal(err)
			}
			if it, _ = e.db.PatrolItem(e.ctx, id); !it.LastCheckedAt.Equal(before.LastCheckedAt) {
				return it
			}
		}
		t.Fatalf("item %d was not fetched", id)
		return nil
	}
	captures := func(id int64) int {
		caps, _ := e.db.Captures(e.ctx, id, 100)
		return len(caps)
	}
	fetch(a.ID)
	measure := func() {
		t.Helper()
		e.clock.Advance(time.Minute)
		if err := e.svc.MeasureUsage(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	// No quota: measured all the same, never an alarm.
	measure()
	if q := e.svc.Quota(); q.Used != int64(len(first)) || q.Limit != 0 || q.Level != patrol.QuotaQuiet {
		t.Fatalf("without a quota: %+v", q)
	}
	// A quota the first page fills to 90 %: one warning, however often
	// usage is measured; the banner for managers only.
	e.svc.SetQuota(int64(len(first)) * 10 / 9)
	for range 3 {
		measure()
	}
	if n := strings.Count(e.log.String(), "80% of their quota"); n != 1 {
		t.Errorf("warned %d times of 80%%:\n%s", n, e.log)
	}
	if al := e.svc.QuotaAlarm(analyst); al == nil || al.Level != patrol.QuotaWarn || al.Used != int64(len(first)) {
		t.Errorf("the banner for a patrol manager at 90%%: %+v", al)
	}
	if al := e.svc.QuotaAlarm(e.officer("pref-13", auth.RoleInvestigator)); al != nil {
		t.Errorf("the banner for an investigator: %+v", al)
	}
	// Another page is kept (90 % is under the quota) and counted at once,
	// before the next measurement: the quota is full.
	fetch(b.ID)
	if q := e.svc.Quota(); q.Level != patrol.QuotaFull || captures(b.ID) != 1 {
		t.Fatalf("after the second page: %+v, %d captures", q, captures(b.ID))
	}
	measure()
	measure()
	if n := strings.Count(e.log.String(), "reached their quota"); n != 1 {
		t.Errorf("logged %d times that the quota is reached:\n%s", n, e.log)
	}
	// The first page changes: fetched, its status recorded, not kept.
	e.site.set("/a", strings.Replace(first, "あ", "い", 1))
	it := fetch(a.ID)
	if captures(a.ID) != 1 || it.LastStatus != 200 || !strings.HasPrefix(it.LastError, "patrol.last.quota\t") || it.LastSHA256 == "" {
		t.Errorf("a changed page at the quota: %d captures, status %d, last error %q", captures(a.ID), it.LastStatus, it.LastError)
	}
	if q := e.svc.Quota(); q.Used != int64(len(first)+len(second)) {
		t.Errorf("usage after the refusal = %d; want what was kept before", q.Used)
	}
	// The second page, unchanged, is captured as ever and clears the error
	// of its item; the first page back as it was is kept too (its body is
	// stored already).
	if it := fetch(b.ID); captures(b.ID) != 2 || it.LastError != "" || it.LastStatus != 200 {
		t.Errorf("an unchanged page at the quota: %d captures, last error %q", captures(b.ID), it.LastError)
	}
	e.site.set("/a", first)
	if it := fetch(a.ID); captures(a.ID) != 2 || it.LastError != "" {
		t.Errorf("the first page as it was: %d captures, last error %q", captures(a.ID), it.LastError)
	}
	// The quota raised: the next measurement says so once, and a changed
	// page is kept again.
	e.svc.SetQuota(1 << 20)
	measure()
	measure()
	if n := strings.Count(e.log.String(), "fell below"); n != 1 {
		t.Errorf("logged %d times that usage fell below the alarm:\n%s", n, e.log)
	}
	e.site.set("/a", strings.Replace(first, "あ", "う", 1))
	if it := fetch(a.ID); captures(a.ID) != 3 || it.LastError != "" {
		t.Errorf("a changed page under the quota: %d captures, last error %q", captures(a.ID), it.LastError)
	}
}
