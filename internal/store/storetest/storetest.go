// Package storetest is the conformance suite every koban database backend
// must pass. A backend's test supplies a Harness and calls Run; the suite
// exercises store.DB only through its exported methods, plus raw SQL through
// the harness where it must step outside koban (to show that the database
// itself refuses to alter the audit log, and that the chain detects a log
// that was altered anyway).
package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/koban-project/koban/internal/access"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
)

// Harness is what a backend gives the suite.
type Harness struct {
	// Open returns a fresh, migrated and empty database that tells the time
	// by clock. It must close the database when the test ends.
	Open func(t *testing.T, clock koban.Clock) *store.DB
	// Exec runs one raw SQL statement on db's database as any client of the
	// database could, outside koban's Go code but under every constraint and
	// trigger of the schema, and returns the database's answer.
	Exec func(t *testing.T, db *store.DB, sql string) error
	// Tamper runs one raw SQL statement with the audit log's append-only
	// protection lifted, as someone with full control of the database files
	// could, and puts the protection back afterwards. It fails the test when
	// the statement fails.
	Tamper func(t *testing.T, db *store.DB, sql string)
}

// Run runs the whole suite. Every subtest opens its own database, and the
// subtests run in parallel, so Open, Exec and Tamper must be safe to call
// from several goroutines.
func Run(t *testing.T, h Harness) {
	if h.Open == nil || h.Exec == nil || h.Tamper == nil {
		t.Fatal("storetest: the harness needs Open, Exec and Tamper")
	}
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *fixture)
	}{
		{"Ready", testReady},
		{"SeedOrgsIdempotent", testSeedOrgs},
		{"CreateOrg", testCreateOrg},
		{"SetRequireTOTP", testSetRequireTOTP},
		{"ReportRoundTrip", testReportRoundTrip},
		{"ContactSealed", testContactSealed},
		{"ReceiptsUnique", testReceiptsUnique},
		{"BatchAtomic", testBatchAtomic},
		{"BatchLengthMismatch", testBatchLengthMismatch},
		{"QueueVisibility", testQueueVisibility},
		{"QueueFilters", testQueueFilters},
		{"QueueSorts", testQueueSorts},
		{"QueuePaging", testQueuePaging},
		{"QueueItemFields", testQueueItemFields},
		{"UpdateReport", testUpdateReport},
		{"UpdateReportRollback", testUpdateReportRollback},
		{"AddToReport", testAddToReport},
		{"FileSums", testFileSums},
		{"NotFound", testNotFound},
		{"AddToMissingReportWithContent", testAddToMissingReportWithContent},
		{"Users", testUsers},
		{"DuplicateEmail", testDuplicateEmail},
		{"SetUserDisabled", testSetUserDisabled},
		{"AdminResets", testAdminResets},
		{"Passkeys", testPasskeys},
		{"LoginFailedLocking", testLoginFailed},
		{"TOTPStepReplay", testTOTPStep},
		{"Sessions", testSessions},
		{"DeleteExpiredSessions", testDeleteExpiredSessions},
		{"Tokens", testTokens},
		{"CreateTokenWithoutDetail", testCreateTokenWithoutDetail},
		{"AuditStandalone", testAuditStandalone},
		{"AuditOnce", testAuditOnce},
		{"AuditVerifyIntact", testAuditVerifyIntact},
		{"AuditTamperAlter", testAuditTamperAlter},
		{"AuditTamperAlterAndRehash", testAuditTamperRehash},
		{"AuditTamperDelete", testAuditTamperDelete},
		{"AuditHead", testAuditHead},
		{"AuditTamperCutTail", testAuditTamperCutTail},
		{"AuditTamperRebuild", testAuditTamperRebuild},
		{"AuditAppendOnly", testAuditAppendOnly},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentCreateMixed", testConcurrentCreateMixed},
		{"SearchJapanese", testSearchJapanese},
		{"SearchNormalisation", testSearchNormalisation},
		{"SearchNoContactDetails", testSearchNoContactDetails},
		{"SearchVisibility", testSearchVisibility},
		{"SearchOrderAndPaging", testSearchOrderAndPaging},
		{"SearchHitFields", testSearchHitFields},
		{"SearchReporterMessages", testSearchReporterMessages},
		{"SearchBatchAndGroups", testSearchBatchAndGroups},
		{"IndexClusters", testIndexClusters},
		{"IndexNewClusterAfterMerge", testIndexNewClusterAfterMerge},
		{"IndexBenignAndCommon", testIndexBenignAndCommon},
		{"IndexContainment", testIndexContainment},
		{"IndexReads", testIndexReads},
		{"IndexTransferAndAdd", testIndexTransferAndAdd},
		{"IndexRebuild", testIndexRebuild},
		{"IndexAccessRequest", testIndexAccessRequest},
		{"IndexClusterList", testIndexClusterList},
		{"Intel", testIntel},
		{"IntelVersionsInOneBatch", testIntelVersionsInOneBatch},
		{"TAXIICollection", testTAXIICollection},
		{"IntelSources", testIntelSources},
		{"IntelList", testIntelList},
		{"Jobs", testJobs},
		{"Patrol", testPatrol},
		{"Reading", testReading},
		{"PatrolTagRetention", testPatrolTagRetention},
		{"PatrolUsage", testPatrolUsage},
		{"Foreign", testForeign},
		{"Advisories", testAdvisories},
		{"Samples", testSamples},
		{"CaseRoundTrip", testCaseRoundTrip},
		{"CaseNumbersConcurrent", testCaseNumbersConcurrent},
		{"CaseNotFound", testCaseNotFound},
		{"CaseUpdate", testCaseUpdate},
		{"CaseLinkUnlink", testCaseLinkUnlink},
		{"CaseListScope", testCaseListScope},
		{"CaseTasks", testCaseTasks},
		{"CaseNotes", testCaseNotes},
		{"Referrals", testReferrals},
		{"Parties", testParties},
		{"SupportRequests", testSupportRequests},
		{"AccessAnswers", testAccessAnswers},
		{"Changes", testChanges},
		{"EvidenceRoundTrip", testEvidenceRoundTrip},
		{"EvidenceCustody", testEvidenceCustody},
		{"EvidenceAppendOnly", testEvidenceAppendOnly},
		{"StoredFiles", testStoredFiles},
		{"ReportObservables", testReportObservables},
		{"SearchAllKinds", testSearchAllKinds},
		{"SearchAllScope", testSearchAllScope},
		{"SearchAllKeyset", testSearchAllKeyset},
		{"SearchAllCount", testSearchAllCount},
		{"SavedSearches", testSavedSearches},
		{"CaseListCount", testCaseListCount},
		{"TakedownCase", testTakedownCase},
		{"TakedownMeasure", testTakedownMeasure},
		{"ReportTally", testReportTally},
		{"DashboardCounts", testDashboardCounts},
		{"RetentionReports", testRetentionReports},
		{"RetentionCases", testRetentionCases},
		{"RetentionAuditPrune", testRetentionAuditPrune},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newFixture(t, h))
		})
	}
}

// t0 is the suite's "now": microsecond precision, as the store keeps times.
var t0 = time.Date(2026, 3, 2, 9, 30, 15, 123456000, time.UTC)

// fixture is one fresh database with the default organisation tree.
type fixture struct {
	t     *testing.T
	h     Harness
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	ctx   context.Context
	seq   int
}

func newFixture(t *testing.T, h Harness) *fixture {
	t.Helper()
	clock := koban.NewFixedClock(t0)
	db := h.Open(t, clock)
	f := &fixture{t: t, h: h, db: db, clock: clock, ctx: t.Context()}
	created, err := db.SeedOrgs(f.ctx, org.DefaultTree())
	if err != nil {
		t.Fatalf("SeedOrgs: %v", err)
	}
	if !created {
		t.Fatal("SeedOrgs on a fresh database created nothing: Open must return an empty database")
	}
	f.reloadTree()
	return f
}

func (f *fixture) reloadTree() {
	f.t.Helper()
	orgs, err := f.db.Orgs(f.ctx)
	if err != nil {
		f.t.Fatalf("Orgs: %v", err)
	}
	f.tree, err = org.NewTree(orgs)
	if err != nil {
		f.t.Fatalf("stored organisations do not make a valid tree: %v", err)
	}
}

// scope is the access scope of a viewer whose organisations see orgs (no
// grants), for the store's list queries.
func (f *fixture) scope(orgs []int64) access.Scope {
	if orgs == nil {
		orgs = []int64{}
	}
	if len(orgs) == len(f.tree.All()) {
		// As access.ScopeOf does for the root of the tree: no filter.
		return access.Scope{All: true, ObjectType: "report", Right: access.View, At: f.clock.Now()}
	}
	return access.Scope{Orgs: orgs, GranteeOrgs: orgs, ObjectType: "report", Right: access.View, At: f.clock.Now()}
}

// only is the scope of a viewer of exactly these organisations' records
// (nil: every record), for the national index's reads.
func (f *fixture) only(orgs []int64) access.Scope {
	if orgs == nil {
		return access.Scope{All: true, ObjectType: "report", Right: access.View, At: f.clock.Now()}
	}
	return access.Scope{Orgs: orgs, GranteeOrgs: orgs, ObjectType: "report", Right: access.View, At: f.clock.Now()}
}

func (f *fixture) orgID(code string) int64 {
	f.t.Helper()
	o, ok := f.tree.ByCode(code)
	if !ok {
		f.t.Fatalf("no organisation %q", code)
	}
	return o.ID
}

// newReport returns a minimal new report owned by orgCode, created at now.
func (f *fixture) newReport(orgCode string) *intake.Report {
	f.t.Helper()
	f.seq++
	_, hash := auth.NewStatusToken()
	now := f.clock.Now()
	o, _ := f.tree.ByCode(orgCode)
	return &intake.Report{
		TokenHash: hash, Kind: intake.KindReport, Description: fmt.Sprintf("report %d", f.seq),
		Prefecture: o.Prefecture, OrgID: f.orgID(orgCode), Status: intake.StatusNew, Language: "ja", Source: "web",
		CreatedAt: now, UpdatedAt: now, TLP: "amber",
	}
}

func createEntry() audit.Entry {
	return audit.Entry{Actor: audit.Public("192.0.2.10"), Action: "report.create", ObjectType: "report"}
}

// create stores reports, one transaction for all of them.
func (f *fixture) create(rs ...*intake.Report) {
	f.t.Helper()
	entries := make([]audit.Entry, len(rs))
	for i := range rs {
		entries[i] = createEntry()
	}
	if err := f.db.CreateReports(f.ctx, rs, entries); err != nil {
		f.t.Fatalf("CreateReports: %v", err)
	}
	for _, r := range rs {
		if r.ID == 0 || r.Receipt == "" {
			f.t.Fatalf("CreateReports did not set ID and Receipt: %d %q", r.ID, r.Receipt)
		}
	}
}

func (f *fixture) load(id int64) *intake.Report {
	f.t.Helper()
	r, err := f.db.Report(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Report(%d): %v", id, err)
	}
	return r
}

// user stores an account (its password hash is never checked by the store).
func (f *fixture) user(email, orgCode string, role auth.Role) *auth.User {
	f.t.Helper()
	u := &auth.User{Email: email, Name: "Name of " + email, OrgID: f.orgID(orgCode), Role: role,
		PasswordHash: "$argon2id$not-checked-here", CreatedAt: f.clock.Now()}
	if err := f.db.CreateUser(f.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		f.t.Fatalf("CreateUser %s: %v", email, err)
	}
	if u.ID == 0 {
		f.t.Fatal("CreateUser did not set ID")
	}
	return u
}

// auditOf returns the audit rows about one object.
func (f *fixture) auditOf(typ string, id int64) []audit.Row {
	f.t.Helper()
	rows, err := f.db.AuditOf(f.ctx, typ, strconv.FormatInt(id, 10))
	if err != nil {
		f.t.Fatalf("AuditOf(%s, %d): %v", typ, id, err)
	}
	return rows
}

// actions lists the actions of rows.
func actions(rows []audit.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Action
	}
	return out
}

// verified checks the chain is intact and returns how many rows it has.
func (f *fixture) verified() int64 {
	f.t.Helper()
	res, err := f.db.VerifyAudit(f.ctx)
	if err != nil {
		f.t.Fatalf("VerifyAudit: %v", err)
	}
	if !res.OK() {
		f.t.Fatalf("audit chain broken at row %d: %s", res.BadID, res.Problem)
	}
	return res.Rows
}

// wantCode fails unless err carries the koban code want.
func wantCode(t *testing.T, what string, err error, want koban.Code) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want code %s", what, want)
		return
	}
	if got := koban.ErrorCode(err); got != want {
		t.Errorf("%s: error %v has code %s, want %s", what, err, got, want)
	}
}

// wantNotFound fails unless err is a koban NotFound error.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	wantCode(t, what, err, koban.NotFound)
}

// wantFieldError fails unless err is an *koban.Error for field with key.
func wantFieldError(t *testing.T, what string, err error, code koban.Code, field, key string) {
	t.Helper()
	var ke *koban.Error
	if !errors.As(err, &ke) {
		t.Errorf("%s: error %v is not a *koban.Error", what, err)
		return
	}
	if ke.Code != code || ke.Field != field || ke.Key != key {
		t.Errorf("%s: got code %s field %q key %q, want %s %q %q", what, ke.Code, ke.Field, ke.Key, code, field, key)
	}
}

// sortedObservables returns o ordered by type then value, as the store returns them.
func sortedObservables(in []observe.Observable) []observe.Observable {
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b observe.Observable) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value))
	})
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// diff compares want and got field by field (times with Equal, and they must
// come back in UTC) and returns the differences.
func diff(want, got any) []string {
	var out []string
	diffValue("", reflect.ValueOf(want), reflect.ValueOf(got), &out)
	return out
}

func diffValue(path string, want, got reflect.Value, out *[]string) {
	if want.Type() == timeType {
		w, g := want.Interface().(time.Time), got.Interface().(time.Time)
		switch {
		case !w.Equal(g):
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, g, w))
		case !g.IsZero() && g.Location() != time.UTC:
			*out = append(*out, fmt.Sprintf("%s: got %v in %v, want UTC", path, g, g.Location()))
		}
		return
	}
	switch want.Kind() {
	case reflect.Pointer:
		if want.IsNil() || got.IsNil() {
			if want.IsNil() != got.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
			}
			return
		}
		diffValue(path, want.Elem(), got.Elem(), out)
	case reflect.Struct:
		for i := 0; i < want.NumField(); i++ {
			diffValue(path+"."+want.Type().Field(i).Name, want.Field(i), got.Field(i), out)
		}
	case reflect.Slice:
		if want.Len() != got.Len() {
			*out = append(*out, fmt.Sprintf("%s: got %d elements %v, want %d %v", path, got.Len(), got, want.Len(), want))
			return
		}
		for i := 0; i < want.Len(); i++ {
			diffValue(fmt.Sprintf("%s[%d]", path, i), want.Index(i), got.Index(i), out)
		}
	default:
		if !reflect.DeepEqual(want.Interface(), got.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: got %#v, want %#v", path, got.Interface(), want.Interface()))
		}
	}
}

func testReady(t *testing.T, f *fixture) {
	if err := f.db.Ready(f.ctx); err != nil {
		t.Fatalf("Ready on a fresh database: %v", err)
	}
}
