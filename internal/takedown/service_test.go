package takedown_test

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/rdap"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/takedown"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/xarf"
)

var t0 = time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)

// outbox keeps what the service queues (the app's outbox is tested with
// a real relay in package app).
type outbox struct {
	mu    sync.Mutex
	mails []queued
}

type queued struct {
	to, subject, body string
	attach            []takedown.Attachment
}

func (o *outbox) QueueMail(ctx context.Context, to, subject, body string, attach []takedown.Attachment) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mails = append(o.mails, queued{to, subject, body, attach})
	return nil
}

// A phishing page on loopback, the hoster's RDAP server and a stand-in for
// IANA's registries, all real servers; the page answers as the test says.
type world struct {
	page    *httptest.Server
	status  int
	mu      sync.Mutex
	rdapSrv *httptest.Server
}

func (w *world) setStatus(s int) { w.mu.Lock(); w.status = s; w.mu.Unlock() }

func newWorld(t *testing.T) *world {
	w := &world{status: http.StatusOK}
	w.page = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		s := w.status
		w.mu.Unlock()
		rw.WriteHeader(s)
		io.WriteString(rw, "<form>ログイン</form>")
	}))
	t.Cleanup(w.page.Close)
	w.rdapSrv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		u := "http://" + r.Host
		switch r.URL.Path {
		case "/iana/ipv4.json":
			io.WriteString(rw, `{"publication":"2026-01-01T00:00:00Z","services":[[["127.0.0.0/8"],["`+u+`/rir/"]]]}`)
		case "/iana/dns.json", "/iana/ipv6.json", "/iana/asn.json":
			io.WriteString(rw, `{"publication":"2026-01-01T00:00:00Z","services":[]}`)
		case "/rir/ip/127.0.0.1":
			rw.Header().Set("Content-Type", "application/rdap+json")
			io.WriteString(rw, `{"objectClassName":"ip network","handle":"NET-127","entities":[{"objectClassName":"entity","handle":"HOSTER","roles":["registrant"],
				"entities":[{"objectClassName":"entity","handle":"ABUSE-1","roles":["abuse"],"vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Hoster Abuse"],["email",{},"text","abuse@hoster.example"]]]}]}]}`)
		default:
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(w.rdapSrv.Close)
	return w
}

type env struct {
	ctx   context.Context
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	jobs  *jobs.Runner
	mail  *outbox
	svc   *takedown.Service
	w     *world
}

func newEnv(t *testing.T) *env { return newEnvBatch(t, 0) }

func newEnvBatch(t *testing.T, batch time.Duration) *env {
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
	tree, _ := org.NewTree(orgs)
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	eg := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 5 * time.Second})
	finder, err := rdap.NewClient(eg, rdap.Options{Clock: clock, BootstrapURL: w.rdapSrv.URL + "/iana/", Interval: time.Millisecond, Burst: 100})
	if err != nil {
		t.Fatal(err)
	}
	r := jobs.NewRunner(db, "test", clock, nil)
	e := &env{ctx: ctx, db: db, clock: clock, tree: tree, jobs: r, mail: &outbox{}, w: w}
	treeFn := func() *org.Tree { return e.tree }
	blobs, err := blob.Open(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	d := access.New(db, treeFn, clock)
	e.svc = takedown.NewService(db, blobs, d, r, eg, finder, e.mail, cats, treeFn, clock, nil,
		takedown.Options{ContactEmail: "cyber@mpd.police.example.jp", Batch: batch})
	e.svc.SetCases(cases.NewService(db, d, treeFn, clock, time.UTC))
	return e
}

func (e *env) officer(t *testing.T, orgCode string, role auth.Role) auth.Principal {
	o, _ := e.tree.ByCode(orgCode)
	u := &auth.User{Email: fmt.Sprintf("%s-%s-%d@example.jp", orgCode, role, time.Now().UnixNano()), Name: "担当", OrgID: o.ID, Role: role, PasswordHash: "x", CreatedAt: t0}
	if err := e.db.CreateUser(e.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: role, IP: "192.0.2.1", Via: "session"}
}

// From draft to a removal seen: the abuse contact found by RDAP, the mail
// in English (the hoster is not Japanese) with the ticket in the subject
// and the X-ARF report attached and valid, then the checks: up at +1 h,
// down at +6 h, down again at +24 h (removed), up at +72 h (reappeared,
// the checks start again).
func TestTakedownLifecycle(t *testing.T) {
	e := newEnv(t)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	target := e.w.page.URL + "/login"
	r, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: target, Note: "宅配業者を装うSMSから誘導されるフィッシングサイトです。"})
	if err != nil {
		t.Fatal(err)
	}
	if r.RecipientEmail != "abuse@hoster.example" || r.State != takedown.Draft || !strings.HasPrefix(r.Ticket, "TD-2026-") {
		t.Fatalf("draft = %+v", r)
	}
	// Preservation first: nothing goes before koban holds the page.
	if err := e.svc.Send(e.ctx, inv, r.ID); koban.ErrorKey(err) != "takedown.error.not_preserved" {
		t.Fatalf("sent before the page was kept: %v", err)
	}
	if n, err := e.jobs.RunOnce(e.ctx); n != 1 || err != nil {
		t.Fatalf("the preservation job: %d, %v", n, err)
	}
	if got, _ := e.svc.Get(e.ctx, inv, r.ID); got.EvidenceSHA256 == "" || got.PreservedAt.IsZero() {
		t.Fatalf("not preserved: %+v", got)
	}
	if err := e.svc.Send(e.ctx, inv, r.ID); err != nil {
		t.Fatal(err)
	}
	e.jobs.RunOnce(e.ctx) // the mail job (no batch window here)
	if len(e.mail.mails) != 1 {
		t.Fatalf("%d mails queued", len(e.mail.mails))
	}
	m := e.mail.mails[0]
	if m.to != "abuse@hoster.example" || !strings.Contains(m.subject, r.Ticket) || !strings.Contains(m.body, target) || len(m.attach) != 1 {
		t.Errorf("mail to %s, subject %q, %d attachments", m.to, m.subject, len(m.attach))
	}
	rep, err := xarf.Parse(m.attach[0].Data)
	if err != nil || rep.URL != target || rep.Category != "content" || rep.Type != "phishing" || rep.Reporter.Email != "cyber@mpd.police.example.jp" {
		t.Errorf("X-ARF = %+v, %v", rep, err)
	}
	if len(rep.Evidence) != 1 || !rep.Evidence[0].Verified || !strings.Contains(string(rep.Evidence[0].Data), "ログイン") {
		t.Errorf("the kept page is not the report's evidence: %+v", rep.Evidence)
	}
	if err := e.svc.Send(e.ctx, inv, r.ID); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("sent twice: %v", err)
	}
	step := func(d time.Duration, status int, want string) {
		t.Helper()
		e.w.setStatus(status)
		e.clock.Advance(d)
		if _, err := e.jobs.RunOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Get(e.ctx, inv, r.ID)
		if err != nil || got.State != want {
			t.Fatalf("after %v with the page answering %d: state %s, %v; want %s", d, status, got.State, err, want)
		}
	}
	step(time.Hour, http.StatusOK, takedown.Sent)
	step(5*time.Hour, http.StatusNotFound, takedown.Down)
	step(18*time.Hour, http.StatusGone, takedown.Removed)
	step(48*time.Hour, http.StatusOK, takedown.Reappeared)
	got, _ := e.svc.Get(e.ctx, inv, r.ID)
	if len(got.Checks) != 4 || !got.Checks[0].At.Equal(e.clock.Now()) || got.Checks[0].Down || !got.Checks[1].Down {
		t.Errorf("checks = %+v", got.Checks)
	}
	if !got.RemovedAt.Equal(t0.Add(24*time.Hour)) || !got.FirstDownAt.Equal(t0.Add(6*time.Hour)) || !got.ReappearedAt.Equal(t0.Add(72*time.Hour)) {
		t.Errorf("times: first down %v, removed %v, reappeared %v", got.FirstDownAt, got.RemovedAt, got.ReappearedAt)
	}
	// Reappearance starts the checks again from now: one due in an hour.
	e.w.setStatus(http.StatusNotFound)
	e.clock.Advance(time.Hour)
	e.jobs.RunOnce(e.ctx)
	if got, _ := e.svc.Get(e.ctx, inv, r.ID); got.State != takedown.Down {
		t.Errorf("an hour after reappearing, the new series found it %s", got.State)
	}
	// Another prefecture does not see the request, in its list either; the
	// NPA above Tokyo does.
	osaka := e.officer(t, "pref-27", auth.RoleInvestigator)
	if _, err := e.svc.Get(e.ctx, osaka, r.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka reads Tokyo's request: %v", err)
	}
	if list, err := e.svc.List(e.ctx, osaka); err != nil || len(list) != 0 {
		t.Errorf("Osaka's list: %d requests, %v", len(list), err)
	}
	if list, err := e.svc.List(e.ctx, e.officer(t, "npa", auth.RoleSupervisor)); err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("the NPA's list: %d requests, %v", len(list), err)
	}
}

// report stores a report of an organisation at a marking and returns its
// id.
func (e *env) report(t *testing.T, orgCode string, level tlp.Level) int64 {
	t.Helper()
	o, _ := e.tree.ByCode(orgCode)
	r := &intake.Report{TokenHash: fmt.Sprint(time.Now().UnixNano()), Kind: intake.KindReport, Category: "PH", Description: "偽SMS", OrgID: o.ID,
		Status: intake.StatusNew, Language: "ja", Source: "web", TLP: string(level), CreatedAt: t0, UpdatedAt: t0}
	if err := e.db.CreateReports(e.ctx, []*intake.Report{r}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// openCase stores a case of an organisation with reports linked to it and
// returns its id.
func (e *env) openCase(t *testing.T, orgCode string, reports ...int64) int64 {
	t.Helper()
	o, _ := e.tree.ByCode(orgCode)
	c := &cases.Case{Title: "宅配SMSの連続事案", Category: "PH", Law: taxonomy.LawOther, Severity: cases.SeverityMedium, Status: cases.StatusOpen,
		OrgID: o.ID, CreatedAt: t0, UpdatedAt: t0}
	if err := e.db.CreateCase(e.ctx, c, "2026-"+o.Prefecture, reports, nil, audit.Entry{Actor: audit.System, Action: "case.open"}); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// A request that belongs to a case: drafted when the officer may view the
// case and every report linked to it may leave koban, listed with the
// case; refused for a case out of sight (as missing), for a case with a
// RED report linked (even one the officer cannot see) and for a source
// report the case does not hold.
func TestTakedownFromCase(t *testing.T) {
	e := newEnv(t)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	rep := e.report(t, "pref-13", tlp.Amber)
	open := e.openCase(t, "pref-13", rep, e.report(t, "pref-13", tlp.Green))
	r, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL + "/a", Case: open, Source: correlate.Key{Type: correlate.Report, ID: rep}})
	if err != nil || r.CaseID != open {
		t.Fatalf("from the case: %+v, %v", r, err)
	}
	typed, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL + "/b", Case: open})
	if err != nil {
		t.Fatalf("typed for the case: %v", err)
	}
	if _, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL + "/c"}); err != nil { // no case
		t.Fatal(err)
	}
	got, err := e.svc.Get(e.ctx, inv, r.ID)
	if err != nil || got.CaseID != open || got.Source.ID != rep {
		t.Errorf("stored: %+v, %v", got, err)
	}
	list, err := e.svc.ForCase(e.ctx, inv, open)
	if err != nil || len(list) != 2 || list[0].ID != typed.ID || list[1].ID != r.ID {
		t.Errorf("the case's requests: %d, %v", len(list), err)
	}

	osaka := e.officer(t, "pref-27", auth.RoleInvestigator)
	osakaCase := e.openCase(t, "pref-27", e.report(t, "pref-27", tlp.Amber))
	if _, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Case: osakaCase}); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka's case: %v; want not found", err)
	}
	if _, err := e.svc.ForCase(e.ctx, osaka, open); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka lists Tokyo's case's requests: %v", err)
	}

	red := e.openCase(t, "pref-13", e.report(t, "pref-13", tlp.Amber), e.report(t, "pref-13", tlp.Red))
	if _, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Case: red}); koban.ErrorKey(err) != "takedown.error.case_tlp" {
		t.Errorf("a case holding a RED report: %v", err)
	}
	strict := e.openCase(t, "pref-13", e.report(t, "pref-13", tlp.AmberStrict))
	if _, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Case: strict}); koban.ErrorKey(err) != "takedown.error.case_tlp" {
		t.Errorf("a case holding an AMBER+STRICT report: %v", err)
	}
	other := e.report(t, "pref-13", tlp.Amber)
	_, err = e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Case: open, Source: correlate.Key{Type: correlate.Report, ID: other}})
	if koban.ErrorKey(err) != "takedown.error.source_case" {
		t.Errorf("a source report the case does not hold: %v", err)
	}
	if _, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Case: -1}); koban.ErrorKey(err) != "takedown.error.case" {
		t.Errorf("a case id that is none: %v", err)
	}
	// The draft's audit row names the case.
	rows, _ := e.db.AuditOf(e.ctx, takedown.ObjectType, fmt.Sprint(r.ID))
	if len(rows) != 1 || rows[0].Action != "takedown.draft" || !strings.Contains(rows[0].Detail, fmt.Sprintf(`"case":%d`, open)) {
		t.Errorf("audit = %+v", rows)
	}
}

// A form at fault says every problem; a RED report is never the source of
// a request, and one the officer may not see is answered as missing.
func TestTakedownRefused(t *testing.T) {
	e := newEnv(t)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	_, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "fraud", Target: "ftp://x.example/"})
	pe, ok := err.(*koban.ProblemsError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	got := map[string]string{}
	for _, p := range pe.Problems {
		got[p.Field] = p.Key
	}
	if got["target"] != "takedown.error.target" || got["fraud_type"] != "takedown.error.fraud_type" {
		t.Errorf("problems = %v", got)
	}
	report := func(orgCode string, level tlp.Level) int64 { return e.report(t, orgCode, level) }
	red := report("pref-13", tlp.Red)
	_, err = e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Source: correlate.Key{Type: correlate.Report, ID: red}})
	if koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a RED report the officer was not named on: %v; want not found", err)
	}
	strict := report("pref-13", tlp.AmberStrict)
	_, err = e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Source: correlate.Key{Type: correlate.Report, ID: strict}})
	if koban.ErrorKey(err) != "takedown.error.source_tlp" {
		t.Errorf("an AMBER+STRICT report as the source: %v", err)
	}
	osaka := report("pref-27", tlp.Amber)
	_, err = e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Source: correlate.Key{Type: correlate.Report, ID: osaka}})
	if koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("another prefecture's report: %v", err)
	}
	// A RED report shared with the officer by name: seen, and still not
	// a source, since what it holds may not reach a provider.
	named := report("pref-13", tlp.Red)
	if err := e.db.CreateGrant(e.ctx, &access.GrantRow{ObjectType: "report", ObjectID: named, UserID: inv.UserID, Rights: []access.Right{access.View},
		CreatedAt: t0}, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Source: correlate.Key{Type: correlate.Report, ID: named}})
	if koban.ErrorKey(err) != "takedown.error.source_tlp" {
		t.Errorf("a RED report shared with the officer: %v; want source_tlp", err)
	}
	ok2 := report("pref-13", tlp.Amber)
	if r, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL, Source: correlate.Key{Type: correlate.Report, ID: ok2}}); err != nil || r.Source.ID != ok2 {
		t.Errorf("from the officer's own report: %+v, %v", r, err)
	}
	if _, err := e.svc.Draft(e.ctx, e.officer(t, "pref-13", auth.RoleAnalyst), takedown.Input{Kind: "phishing", Target: e.w.page.URL}); err != nil {
		t.Errorf("an analyst (patrol.manage) drafts: %v", err)
	}
}

// Requests to one provider within the batch window leave together at its
// end: one mail, every ticket in the subject, every X-ARF report attached;
// another provider's go in their own.
func TestTakedownBatch(t *testing.T) {
	e := newEnvBatch(t, 10*time.Minute)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	send := func(path, to string) *takedown.Request {
		t.Helper()
		r, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL + path})
		if err != nil {
			t.Fatal(err)
		}
		e.jobs.RunOnce(e.ctx) // preservation
		if err := e.svc.SetRecipient(e.ctx, inv, r.ID, to); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Send(e.ctx, inv, r.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.Get(e.ctx, inv, r.ID)
		return got
	}
	e.clock.Advance(time.Minute)
	a := send("/a", "abuse@hoster.example")
	e.clock.Advance(2 * time.Minute)
	b := send("/b", "abuse@hoster.example")
	c := send("/c", "abuse@other.example")
	e.jobs.RunOnce(e.ctx)
	if len(e.mail.mails) != 0 {
		t.Fatalf("%d mails before the window closed", len(e.mail.mails))
	}
	e.clock.Advance(7 * time.Minute) // t0+10m: the window's end
	e.jobs.RunOnce(e.ctx)
	if len(e.mail.mails) != 2 {
		t.Fatalf("%d mails; want one per provider", len(e.mail.mails))
	}
	var both queued
	for _, m := range e.mail.mails {
		if m.to == "abuse@hoster.example" {
			both = m
		}
	}
	if !strings.Contains(both.subject, "["+a.Ticket+"]["+b.Ticket+"]") || len(both.attach) != 2 || !strings.Contains(both.body, a.Target) || !strings.Contains(both.body, b.Target) {
		t.Errorf("the gathered mail: subject %q, %d attachments", both.subject, len(both.attach))
	}
	if got, _ := e.svc.Get(e.ctx, inv, c.ID); got.MailedAt.IsZero() {
		t.Error("the other provider's request is not marked mailed")
	}
}

// A recipient koban could not put in an X-ARF report or on an envelope
// is refused when the officer names it, with the field to correct.
func TestTakedownRecipientRefused(t *testing.T) {
	e := newEnvBatch(t, 0)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	r, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL + "/a"})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"abuse", "abuse@", "Abuse <abuse@hoster.example>", "abuse@hoster.example, ceo@hoster.example", "abuse@ホスト.example", "abuse@hoster.example\r\nBcc: x@y.example"} {
		err := e.svc.SetRecipient(e.ctx, inv, r.ID, to)
		var ke *koban.Error
		if !errors.As(err, &ke) || ke.Field != "recipient" {
			t.Errorf("recipient %q: %v", to, err)
		}
	}
	if err := e.svc.SetRecipient(e.ctx, inv, r.ID, " abuse@hoster.example "); err != nil {
		t.Errorf("a plain address: %v", err)
	}
}

// What the reporter gave — their name, address and number, and what they
// wrote — never reaches the provider from a request drafted from their
// report: not in the mail, not in the X-ARF report. Only the officer's
// note does.
func TestTakedownLeavesTheReporterOut(t *testing.T) {
	e := newEnv(t)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	o, _ := e.tree.ByCode("pref-13")
	target := e.w.page.URL + "/login"
	rep := &intake.Report{TokenHash: "reporter-out", Kind: intake.KindReport, Category: "PH", OrgID: o.ID, Status: intake.StatusNew, Language: "ja",
		Source: "web", TLP: string(tlp.Amber), CreatedAt: t0, UpdatedAt: t0,
		Description: "母が宅配業者を名乗るSMSのリンク " + target + " を開き、暗証番号を入力してしまいました。",
		Contact:     intake.Contact{Name: "山田 花子", Email: "hanako.yamada@example.jp", Phone: "090-1111-2222"}}
	if err := e.db.CreateReports(e.ctx, []*intake.Report{rep}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
		t.Fatal(err)
	}
	const note = "宅配業者を装うフィッシングサイトです。"
	r, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: target, Note: note, Source: correlate.Key{Type: correlate.Report, ID: rep.ID}})
	if err != nil {
		t.Fatal(err)
	}
	e.jobs.RunOnce(e.ctx) // preservation
	if err := e.svc.Send(e.ctx, inv, r.ID); err != nil {
		t.Fatal(err)
	}
	e.jobs.RunOnce(e.ctx)
	if len(e.mail.mails) != 1 {
		t.Fatalf("%d mails", len(e.mail.mails))
	}
	m := e.mail.mails[0]
	out := m.to + "\n" + m.subject + "\n" + m.body
	for _, a := range m.attach {
		out += "\n" + a.Name + "\n" + string(a.Data)
	}
	// The note is in both, as written (so that text is not escaped out of
	// the search below).
	if !strings.Contains(m.body, note) || !strings.Contains(m.body, target) || len(m.attach) != 1 || !strings.Contains(string(m.attach[0].Data), note) {
		t.Fatalf("the mail or its X-ARF report lacks the note or the target:\n%s", m.body)
	}
	for _, private := range []string{"山田", "花子", "hanako", "1111-2222", "09011112222", "+819011112222", "母が", "暗証番号", rep.Receipt, "reporter-out"} {
		if private != "" && strings.Contains(out, private) {
			t.Errorf("the mail or its X-ARF report holds %q", private)
		}
	}
}

// A request from a value's page comes from the record the officer picked
// among those holding the value: an intel object is checked like a report
// (its owner, its grants, its marking).
func TestTakedownFromIntel(t *testing.T) {
	e := newEnv(t)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	obj := func(orgCode string, level tlp.Level, n int) int64 {
		t.Helper()
		o, _ := e.tree.ByCode(orgCode)
		id := fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", n)
		body := fmt.Sprintf(`{"type":"indicator","id":%q,"spec_version":"2.1"}`, id)
		x := &intel.Object{StixID: id, Type: "indicator", SpecVersion: "2.1", Modified: "2026-12-01T00:00:00.000Z", OrgID: o.ID, TLP: level,
			Name: "偽通販サイト", ValidFrom: t0, Body: []byte(body), AddedAt: t0, Indicates: true,
			Observables: []observe.Observable{{Type: observe.URL, Value: "https://fake-shop.example.com/"}}}
		if _, err := e.db.AddIntel(e.ctx, []*intel.Object{x}, audit.Entry{Actor: audit.System, Action: "intel.import", ObjectType: "intel_source", ObjectID: "1"}); err != nil {
			t.Fatal(err)
		}
		return x.ID
	}
	draft := func(id int64) error {
		_, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "fraud", FraudType: "shopping", Target: e.w.page.URL + "/shop", Source: correlate.Key{Type: correlate.Intel, ID: id}})
		return err
	}
	if err := draft(obj("pref-27", tlp.Green, 1)); err != nil {
		t.Errorf("a GREEN object of Osaka's, which every account sees: %v", err)
	}
	if err := draft(obj("pref-27", tlp.Amber, 2)); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("an AMBER object of Osaka's: %v; want not found", err)
	}
	if err := draft(obj("pref-13", tlp.AmberStrict, 3)); koban.ErrorKey(err) != "takedown.error.source_tlp" {
		t.Errorf("an AMBER+STRICT object of Tokyo's: %v; want source_tlp", err)
	}
	if err := draft(obj("pref-13", tlp.Red, 4)); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a RED object shared with no one: %v; want not found", err)
	}
}

// A bank account freeze from draft to done: the account typed as people
// write it and kept in observe's form, no abuse contact looked up and no
// page to preserve, the letter in Japanese to a .jp bank with the ticket
// in the subject, the account in words and the reason, no X-ARF, nothing
// of the report or its reporter; no look at anything afterwards; the answer
// recorded by the officer with a note, every step audited.
func TestMeasureLifecycle(t *testing.T) {
	e := newEnv(t)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	o, _ := e.tree.ByCode("pref-13")
	rep := &intake.Report{TokenHash: "measure", Kind: intake.KindReport, Category: "FR", OrgID: o.ID, Status: intake.StatusNew, Language: "ja",
		Source: "web", TLP: string(tlp.Amber), CreatedAt: t0, UpdatedAt: t0,
		Description: "投資話を信じて みずほ銀行 新宿支店 普通 1234567 に300万円を振り込みました。",
		Contact:     intake.Contact{Name: "佐藤 一郎", Email: "ichiro.sato@example.jp", Phone: "090-3333-4444"}}
	if err := e.db.CreateReports(e.ctx, []*intake.Report{rep}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
		t.Fatal(err)
	}
	src := correlate.Key{Type: correlate.Report, ID: rep.ID}

	// Every problem at once, each on its field.
	_, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "account_freeze", Target: "みずほ銀行 1234567", Source: src})
	pe, ok := err.(*koban.ProblemsError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	got := map[string]string{}
	for _, p := range pe.Problems {
		got[p.Field] = p.Key
	}
	if got["target"] != "takedown.error.target_account_freeze" || got["reason"] != "takedown.error.reason" {
		t.Errorf("problems = %v", got)
	}
	if _, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phone_measures", Target: "12345", Reason: "fraud_call"}); koban.ErrorKey(err) != "takedown.error.target_phone_measures" {
		t.Errorf("a number that is none: %v", err)
	}
	if _, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "account_freeze", Target: "0001-123-1-1234567", Reason: "fraud_call"}); koban.ErrorKey(err) != "takedown.error.reason" {
		t.Errorf("a phone reason for an account: %v", err)
	}

	const note = "令和8年12月1日から5日にかけて、投資詐欺の被害金計300万円が振り込まれています。"
	r, err := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "account_freeze", Target: "みずほ銀行 新宿支店 普通 1234567", Reason: "fraud_transfer",
		Note: note, Source: src, FraudType: "investment"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Target != "name:みずほ銀行/新宿支店/1/1234567" || r.RecipientEmail != "" || r.FraudType != "" || r.Kind != takedown.AccountFreeze {
		t.Errorf("draft = %+v", r)
	}
	if n, err := e.jobs.RunOnce(e.ctx); n != 0 || err != nil {
		t.Errorf("a freeze has no page to preserve, yet %d jobs ran (%v)", n, err)
	}
	if err := e.svc.Send(e.ctx, inv, r.ID); koban.ErrorKey(err) != "takedown.error.recipient" {
		t.Errorf("sent without a recipient: %v", err)
	}
	if err := e.svc.SetRecipient(e.ctx, inv, r.ID, "fraud-desk@mizuho-bank.example.jp"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Send(e.ctx, inv, r.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.jobs.RunOnce(e.ctx); n != 1 || len(e.mail.mails) != 1 {
		t.Fatalf("%d jobs ran, %d mails", n, len(e.mail.mails))
	}
	m := e.mail.mails[0]
	if m.to != "fraud-desk@mizuho-bank.example.jp" || !strings.Contains(m.subject, "["+r.Ticket+"]") || !strings.Contains(m.subject, "口座凍結のお願い") || len(m.attach) != 0 {
		t.Errorf("mail to %s, subject %q, %d attachments", m.to, m.subject, len(m.attach))
	}
	for _, want := range []string{"ご担当者様", "警視庁の担当者です。", "下記の預金口座は、詐欺の被害者が被害金を振り込まされた振込先であり", "取引の停止等の措置",
		"■ 対象の口座\n金融機関：みずほ銀行\n支店：新宿支店\n預金種目：普通\n口座番号：1234567", "■ 依頼の理由\n詐欺の被害金の振込先", note,
		"法令に基づく命令ではありません", "cyber@mpd.police.example.jp", "[" + r.Ticket + "]"} {
		if !strings.Contains(m.body, want) {
			t.Errorf("the letter lacks %q:\n%s", want, m.body)
		}
	}
	for _, private := range []string{"佐藤", "ichiro", "3333-4444", "投資話を信じて", "300万円を振り込みました", rep.Receipt, "X-ARF"} {
		if strings.Contains(m.subject+m.body, private) {
			t.Errorf("the letter holds %q", private)
		}
	}
	// Nothing is looked at afterwards: no check runs, a week on.
	e.clock.Advance(8 * 24 * time.Hour)
	if n, _ := e.jobs.RunOnce(e.ctx); n != 0 {
		t.Errorf("%d jobs ran after sending a freeze", n)
	}

	if err := e.svc.Acknowledge(e.ctx, inv, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Resolve(e.ctx, inv, r.ID, true, "  "); koban.ErrorKey(err) != "takedown.error.outcome_note" {
		t.Errorf("done without a note: %v", err)
	}
	const outcome = "12月9日、同行の不正利用対策室（担当：田中氏）から電話で凍結済みとの回答。"
	if err := e.svc.Resolve(e.ctx, inv, r.ID, true, outcome); err != nil {
		t.Fatal(err)
	}
	done, err := e.svc.Get(e.ctx, inv, r.ID)
	if err != nil || done.State != takedown.Done || done.OutcomeNote != outcome || !done.ResolvedAt.Equal(e.clock.Now()) ||
		!done.SentAt.Equal(t0) || !done.AcknowledgedAt.Equal(e.clock.Now()) || len(done.Checks) != 0 {
		t.Errorf("done = %+v, %v", done, err)
	}
	if err := e.svc.Resolve(e.ctx, inv, r.ID, false, "もう一度"); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("resolved twice: %v", err)
	}
	if err := e.svc.Withdraw(e.ctx, inv, r.ID); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("withdrawn once done: %v", err)
	}
	rows, _ := e.db.AuditOf(e.ctx, takedown.ObjectType, fmt.Sprint(r.ID))
	var actions []string
	for _, row := range rows {
		actions = append(actions, row.Action)
	}
	if strings.Join(actions, " ") != "takedown.draft takedown.recipient takedown.send takedown.acknowledge takedown.resolve" {
		t.Errorf("audited: %v", actions)
	}
	st, err := e.svc.Stats(e.ctx, inv)
	if err != nil || st.All.Sent != 0 || len(st.Measures) != 1 || st.Measures[0].Kind != takedown.AccountFreeze || st.Measures[0].Done != 1 ||
		st.Measures[0].Median != 8*24*time.Hour {
		t.Errorf("stats = %+v, %v", st, err)
	}
	// A takedown's decision does not apply: Resolve is for measures.
	url, _ := e.svc.Draft(e.ctx, inv, takedown.Input{Kind: "phishing", Target: e.w.page.URL})
	if err := e.svc.Resolve(e.ctx, inv, url.ID, true, "x"); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("a takedown resolved by hand: %v", err)
	}
}

// Measures to one recipient leave together, one mail per family: two
// account freezes to a bank in one mail (both tickets, both accounts), a
// takedown to the same address in a mail of its own with its X-ARF
// report, a phone measure to a carrier abroad in English; a refusal is
// recorded like a freeze.
func TestMeasureBatch(t *testing.T) {
	e := newEnvBatch(t, 10*time.Minute)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	send := func(in takedown.Input, to string) *takedown.Request {
		t.Helper()
		r, err := e.svc.Draft(e.ctx, inv, in)
		if err != nil {
			t.Fatal(err)
		}
		if in.Kind == "phishing" {
			e.jobs.RunOnce(e.ctx) // preservation
		}
		if err := e.svc.SetRecipient(e.ctx, inv, r.ID, to); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Send(e.ctx, inv, r.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.Get(e.ctx, inv, r.ID)
		return got
	}
	const bank, carrier = "fraud@bank.example.jp", "abuse@carrier.example"
	e.clock.Advance(time.Minute)
	a := send(takedown.Input{Kind: "account_freeze", Target: "0001-123-1-1234567", Reason: "fraud_transfer"}, bank)
	b := send(takedown.Input{Kind: "account_freeze", Target: "name:楽天銀行/第一営業支店/1/7654321", Reason: "account_sale"}, bank)
	u := send(takedown.Input{Kind: "phishing", Target: e.w.page.URL + "/bank-login"}, bank)
	p := send(takedown.Input{Kind: "phone_measures", Target: "090-1234-5678", Reason: "fraud_sms"}, carrier)
	e.clock.Advance(9 * time.Minute)
	e.jobs.RunOnce(e.ctx)
	if len(e.mail.mails) != 3 {
		t.Fatalf("%d mails; want the bank's freezes, the bank's takedown, the carrier's", len(e.mail.mails))
	}
	var freezes, takedowns, phone []queued
	for _, m := range e.mail.mails {
		switch {
		case m.to == carrier:
			phone = append(phone, m)
		case len(m.attach) > 0:
			takedowns = append(takedowns, m)
		default:
			freezes = append(freezes, m)
		}
	}
	if len(freezes) != 1 || len(takedowns) != 1 || len(phone) != 1 {
		t.Fatalf("freezes %d, takedowns %d, phone %d", len(freezes), len(takedowns), len(phone))
	}
	f := freezes[0]
	if f.to != bank || !strings.Contains(f.subject, "["+a.Ticket+"]["+b.Ticket+"]") || !strings.Contains(f.subject, "口座凍結のお願い（2件）") ||
		!strings.Contains(f.body, "金融機関：銀行コード0001\n支店：支店コード123") || !strings.Contains(f.body, "金融機関：楽天銀行\n支店：第一営業支店") ||
		!strings.Contains(f.body, "次の2件の預金口座") {
		t.Errorf("the bank's freezes: %q\n%s", f.subject, f.body)
	}
	if tk := takedowns[0]; tk.to != bank || !strings.Contains(tk.subject, u.Ticket) || strings.Contains(tk.subject, a.Ticket) || len(tk.attach) != 1 {
		t.Errorf("the bank's takedown: %q, %d attachments", tk.subject, len(tk.attach))
	}
	ph := phone[0]
	if !strings.Contains(ph.subject, "Request for measures against a phone number") || !strings.Contains(ph.subject, "["+p.Ticket+"]") ||
		!strings.Contains(ph.body, "Phone number:\n090-1234-5678 (international form +819012345678)") || !strings.Contains(ph.body, "Tokyo Metropolitan Police Department") {
		t.Errorf("the carrier's letter: %q\n%s", ph.subject, ph.body)
	}
	if p.Target != "+819012345678" {
		t.Errorf("the number is kept as %q", p.Target)
	}
	if err := e.svc.Resolve(e.ctx, inv, p.ID, false, "契約者確認の結果、措置できないとの回答（12月10日メール）。"); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Get(e.ctx, inv, p.ID); got.State != takedown.Refused || got.ResolvedAt.IsZero() {
		t.Errorf("refused = %+v", got)
	}
	st, _ := e.svc.Stats(e.ctx, inv)
	if st.All.Sent != 1 || len(st.Measures) != 2 || st.Measures[0].Sent != 2 || st.Measures[0].Open != 2 || st.Measures[1].Refused != 1 {
		t.Errorf("stats: all %+v, measures %+v", st.All, st.Measures)
	}
}
