package storetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/tlp"
)

// intelObject is one version of a STIX object for the suite.
func (f *fixture) intelObject(orgCode, stixID, modified string, level tlp.Level, indicates bool, obs ...observe.Observable) *intel.Object {
	typ := stixID[:len(stixID)-len("--00000000-0000-4000-8000-000000000000")]
	body, _ := json.Marshal(map[string]any{"type": typ, "id": stixID, "spec_version": "2.1", "modified": modified, "x_kept": "yes"})
	return &intel.Object{StixID: stixID, Type: typ, SpecVersion: "2.1", Modified: modified, OrgID: f.orgID(orgCode),
		TLP: level, Name: "name of " + stixID[:12], Confidence: 70, ValidFrom: f.clock.Now(), Body: body,
		AddedAt: f.clock.Now(), Observables: obs, Indicates: indicates}
}

func (f *fixture) addIntel(objs ...*intel.Object) intel.Stored {
	f.t.Helper()
	f.clock.Advance(time.Minute)
	st, err := f.db.AddIntel(f.ctx, objs, audit.Entry{Actor: audit.System, Action: "intel.import", ObjectType: "intel_source", ObjectID: "1"})
	if err != nil {
		f.t.Fatalf("AddIntel: %v", err)
	}
	return st
}

func testIntel(t *testing.T, f *fixture) {
	const ind = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	const sco = "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5"
	evil, ph := domain("evil.example"), phone("+819012340000")
	a := f.indexed("pref-13", evil)

	v1 := f.intelObject("pref-27", ind, "2026-12-01T00:00:00.000Z", tlp.Green, true, evil)
	d := f.intelObject("pref-27", sco, "", tlp.Amber, false, evil)
	if st := f.addIntel(v1, d); st.Added != 2 || st.Duplicates != 0 || st.Sightings != 1 {
		t.Fatalf("first import = %+v, want 2 added and the report sighted", st)
	}
	if v1.ID == 0 || d.ID == 0 {
		t.Fatal("AddIntel left the ids unset")
	}
	// The same versions again are duplicates, and change nothing.
	again := []*intel.Object{f.intelObject("pref-27", ind, "2026-12-01T00:00:00.000Z", tlp.Green, true, evil),
		f.intelObject("pref-27", sco, "", tlp.Amber, false, evil)}
	if st := f.addIntel(again...); st.Added != 0 || st.Duplicates != 2 {
		t.Fatalf("second import = %+v, want 2 duplicates", st)
	}
	// A newer version adds a value; the index counts the indicator once.
	v2 := f.intelObject("pref-27", ind, "2026-12-02T00:00:00.000Z", tlp.Green, true, evil, ph)
	if st := f.addIntel(v2); st.Added != 1 {
		t.Fatalf("new version = %+v, want 1 added", st)
	}
	vers, err := f.db.IntelVersions(f.ctx, ind)
	if err != nil || len(vers) != 2 || vers[1].Modified != v2.Modified || vers[0].Modified != "2026-12-01T00:00:00.000Z" || string(vers[1].Body) != string(v2.Body) {
		t.Fatalf("IntelVersions = %v, %v; want both versions, body kept", vers, err)
	}
	if l, err := f.db.IntelLatest(f.ctx, ind); err != nil || l.ID != v2.ID {
		t.Errorf("IntelLatest = %+v, %v; want the newest version", l, err)
	}
	// An older version arriving after a newer one does not become latest.
	v0 := f.intelObject("pref-27", ind, "2026-11-30T00:00:00.000Z", tlp.Green, true, evil)
	f.addIntel(v0)
	if l, err := f.db.IntelLatest(f.ctx, ind); err != nil || l.ID != v2.ID {
		t.Errorf("after an older version, IntelLatest = %+v, %v; want the newest version", l, err)
	}
	if v := f.value(evil); v.Records != 3 {
		t.Errorf("records holding evil.example = %d, want 3 (report, indicator once, domain object)", v.Records)
	}
	key := correlate.Key{Type: correlate.Intel, ID: v1.ID}
	vals, err := f.db.ValuesOf(f.ctx, key)
	if err != nil || len(vals) != 2 {
		t.Errorf("ValuesOf(indicator) = %v, %v; want both versions' values under the first version", vals, err)
	}
	// A report arriving later with the new value sights the indicator too.
	b := f.indexed("pref-01", ph)
	s, err := f.db.Sightings(f.ctx, v1.ID, 10)
	if err != nil || len(s) != 2 || s[0].ID != b.ID || s[1].ID != a.ID || s[0].OrgID != f.orgID("pref-01") {
		t.Errorf("Sightings = %+v, %v; want report b then a", s, err)
	}
	// The domain object is not an indicator: it sights nothing.
	if s, _ := f.db.Sightings(f.ctx, d.ID, 10); len(s) != 0 {
		t.Errorf("a plain observable made sightings: %+v", s)
	}
	// Reading: labels, the record, and the marking in the index.
	rec, err := f.db.Record(f.ctx, key)
	if err != nil || rec.TLP != "green" || rec.OrgID != f.orgID("pref-27") || rec.Label == "" || rec.Category != "indicator" {
		t.Errorf("Record(indicator) = %+v, %v", rec, err)
	}
	labels, err := f.db.Labels(f.ctx, []correlate.Key{key, reportKey(a)})
	if err != nil || labels[key] != v1.Name || labels[reportKey(a)] != a.Receipt {
		t.Errorf("Labels = %v, %v", labels, err)
	}
	// Another prefecture's officer sees the green indicator and the report
	// of their own, never the amber object; with no account behind the
	// scope (a count), only what the organisations hold.
	v := f.value(evil)
	osaka := f.only([]int64{f.orgID("pref-01")})
	osaka.UserID = 99
	occ, total, err := f.db.Occurrences(f.ctx, v.ID, osaka, 10, 0)
	if err != nil || total != 1 || len(occ) != 1 || occ[0].Type != correlate.Intel || occ[0].TLP != "green" {
		t.Errorf("Occurrences(pref-01 officer) = %+v, %d, %v; want the green indicator only", occ, total, err)
	}
	owner := f.only([]int64{f.orgID("pref-27")})
	if _, total, _ := f.db.Occurrences(f.ctx, v.ID, owner, 10, 0); total != 2 {
		t.Errorf("the owner sees %d of the value's records, want 2 (indicator and object)", total)
	}
	// Red: not even the owner's line, only an account named by a grant.
	const red = "indicator--0b5a2c33-6a55-4a1e-9b8f-3a2f1c0d9e11"
	r := f.intelObject("pref-27", red, "2026-12-03T00:00:00.000Z", tlp.Red, true, evil)
	f.addIntel(r)
	npa := f.user("intel@npa.example.jp", "npa", auth.RoleAnalyst)
	all := access.Scope{All: true, ObjectType: "intel", Right: access.View, UserID: npa.ID, At: f.clock.Now()}
	if _, total, _ := f.db.Occurrences(f.ctx, v.ID, all, 10, 0); total != 3 {
		t.Errorf("the NPA sees %d records of the value, want 3: not the red indicator", total)
	}
	g := access.GrantRow{ObjectType: "intel", ObjectID: r.ID, UserID: npa.ID, Rights: []access.Right{access.View}, CreatedAt: f.clock.Now()}
	if err := f.db.CreateGrant(f.ctx, &g, audit.Entry{Actor: audit.System, Action: "intel.share"}); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := f.db.Occurrences(f.ctx, v.ID, all, 10, 0); total != 4 {
		t.Errorf("the account named sees %d records of the value, want 4", total)
	}
}

// testIntelVersionsInOneBatch: two versions of an object koban did not
// hold, arriving in one batch, are one record of the index, and a version
// arriving later joins that record too.
func testIntelVersionsInOneBatch(t *testing.T, f *fixture) {
	const ind = "indicator--5b1d0f7e-3c2a-4e8b-9a6d-7f0e1c2b3a4d"
	a, b, c := domain("one.batch.jp"), domain("two.batch.jp"), domain("three.batch.jp")
	v1 := f.intelObject("pref-27", ind, "2026-12-01T00:00:00.000Z", tlp.Green, true, a)
	v2 := f.intelObject("pref-27", ind, "2026-12-02T00:00:00.000Z", tlp.Green, true, a, b)
	if st := f.addIntel(v1, v2); st.Added != 2 {
		t.Fatalf("two versions in one batch = %+v, want both added", st)
	}
	v3 := f.intelObject("pref-27", ind, "2026-12-03T00:00:00.000Z", tlp.Green, true, a, c)
	if st := f.addIntel(v3); st.Added != 1 {
		t.Fatalf("a third version = %+v, want it added", st)
	}
	vals, err := f.db.ValuesOf(f.ctx, correlate.Key{Type: correlate.Intel, ID: v1.ID})
	if err != nil || len(vals) != 3 {
		t.Errorf("ValuesOf(first version) = %v, %v; want the three versions' values under one record", vals, err)
	}
	for _, o := range []observe.Observable{a, b, c} {
		if v := f.value(o); v.Records != 1 {
			t.Errorf("records holding %s = %d, want 1: the object is one record whatever its versions", o.Value, v.Records)
		}
	}
	if l, err := f.db.IntelLatest(f.ctx, ind); err != nil || l.ID != v3.ID {
		t.Errorf("IntelLatest = %+v, %v; want the third version", l, err)
	}
}

func testTAXIICollection(t *testing.T, f *fixture) {
	keeper, reader := f.orgID("pref-27"), f.orgID("pref-01")
	c := &intel.Collection{UUID: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", Title: "phishing", OrgID: keeper, MaxTLP: tlp.Amber, CreatedAt: f.clock.Now()}
	if err := f.db.CreateCollection(f.ctx, c, []intel.Member{{OrgID: reader, Read: true}}, audit.Entry{Actor: audit.System, Action: "taxii.collection_create"}); err != nil {
		t.Fatal(err)
	}
	cs, err := f.db.Collections(f.ctx, reader, []int64{reader})
	if err != nil || len(cs) != 1 || !cs[0].CanRead || cs[0].CanWrite || cs[0].MaxTLP != tlp.Amber {
		t.Fatalf("Collections(reader) = %+v, %v", cs, err)
	}
	if cs, _ := f.db.Collections(f.ctx, f.orgID("pref-40"), []int64{f.orgID("pref-40")}); len(cs) != 0 {
		t.Errorf("an organisation with no right lists %+v", cs)
	}
	if cs, _ := f.db.Collections(f.ctx, f.orgID("npa"), []int64{f.orgID("npa"), keeper}); len(cs) != 1 || !cs[0].CanWrite {
		t.Errorf("the keeper's line lists %+v, want read and write", cs)
	}
	const ind = "indicator--6d1c5b8e-2f6f-4b4b-9d51-2d4f5e6a7b8c"
	add := func(objs ...*intel.Object) {
		t.Helper()
		f.clock.Advance(time.Second)
		st := &intel.TAXIIStatus{ID: fmt.Sprintf("status-%d", f.clock.Now().Unix()), UserID: f.user(fmt.Sprintf("w%d@example.jp", f.clock.Now().Unix()), "pref-27", auth.RoleAnalyst).ID,
			CreatedAt: f.clock.Now(), Total: len(objs), Success: len(objs), Details: []byte(`{}`)}
		if _, err := f.db.AddToCollection(f.ctx, c.ID, objs, st, audit.Entry{Actor: audit.System, Action: "taxii.add"}); err != nil {
			t.Fatal(err)
		}
		got, err := f.db.TAXIIStatusByID(f.ctx, st.ID)
		if err != nil || got.Total != len(objs) || got.CollectionID != c.ID {
			t.Fatalf("TAXIIStatusByID = %+v, %v", got, err)
		}
	}
	add(f.intelObject("pref-27", ind, "2026-12-01T00:00:00.000Z", tlp.Green, true, domain("a.example")))
	add(f.intelObject("pref-27", ind, "2026-12-02T00:00:00Z", tlp.Green, true, domain("a.example")),
		f.intelObject("pref-27", "domain-name--11111111-1111-5111-8111-111111111111", "", tlp.Amber, false, domain("a.example")),
		f.intelObject("pref-27", "indicator--22222222-2222-4222-8222-222222222222", "2026-12-02T00:00:00Z", tlp.Red, true, domain("b.example")),
		f.intelObject("pref-27", "indicator--33333333-3333-4333-8333-333333333333", "2026-12-02T00:00:00Z", tlp.AmberStrict, true, domain("c.example")))
	owner := f.only([]int64{keeper})
	owner.ObjectType, owner.UserID = "intel", 1
	ids := func(q intel.CollectionQuery) []string {
		t.Helper()
		q.MaxTLP = cmp.Or(q.MaxTLP, c.MaxTLP)
		if q.Reader.ObjectType == "" {
			q.Reader = owner
		}
		var out []string
		for {
			q.Limit = 1
			recs, more, err := f.db.CollectionObjects(f.ctx, c.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				out = append(out, strings.SplitN(r.StixID, "--", 2)[0]+"@"+r.Modified)
				q.AfterAdded, q.AfterID = r.Added, r.ID
			}
			if !more {
				return out
			}
		}
	}
	if got := fmt.Sprint(ids(intel.CollectionQuery{})); got != "[indicator@2026-12-02T00:00:00Z domain-name@]" {
		t.Errorf("last versions, paged one by one = %s", got)
	}
	if got := fmt.Sprint(ids(intel.CollectionQuery{All: true, Types: []string{"indicator"}})); got != "[indicator@2026-12-01T00:00:00.000Z indicator@2026-12-02T00:00:00Z]" {
		t.Errorf("all indicator versions = %s (red never, amber ceiling)", got)
	}
	if got := fmt.Sprint(ids(intel.CollectionQuery{First: true, IDs: []string{ind}})); got != "[indicator@2026-12-01T00:00:00.000Z]" {
		t.Errorf("first version = %s", got)
	}
	at, _ := time.Parse(time.RFC3339, "2026-12-01T00:00:00Z")
	if got := fmt.Sprint(ids(intel.CollectionQuery{At: []time.Time{at}})); got != "[indicator@2026-12-01T00:00:00.000Z]" {
		t.Errorf("version at a time = %s (its text had milliseconds)", got)
	}
	if got := ids(intel.CollectionQuery{MaxTLP: tlp.Green}); len(got) != 1 {
		t.Errorf("green ceiling = %v, want the indicator only", got)
	}
	r := f.only([]int64{reader})
	r.ObjectType, r.UserID = "intel", 2
	if got := ids(intel.CollectionQuery{Reader: r}); len(got) != 2 {
		t.Errorf("a reader of another prefecture sees %v, want what the collection shares: the green indicator and the amber domain", got)
	}
	// Under an amber+strict ceiling the keeper's line reads the strict
	// indicator; a member elsewhere still does not.
	if got := ids(intel.CollectionQuery{MaxTLP: tlp.AmberStrict}); len(got) != 3 {
		t.Errorf("the keeper under an amber+strict ceiling sees %v, want 3", got)
	}
	if got := ids(intel.CollectionQuery{MaxTLP: tlp.AmberStrict, Reader: r}); len(got) != 2 {
		t.Errorf("a member elsewhere under an amber+strict ceiling sees %v, want 2: amber+strict stays in the keeper's line", got)
	}
	if n, err := f.db.RemoveFromCollection(f.ctx, c.ID, ind, nil, audit.Entry{Actor: audit.System, Action: "taxii.delete"}); err != nil || n != 2 {
		t.Errorf("RemoveFromCollection = %d, %v; want both versions", n, err)
	}
	if got := ids(intel.CollectionQuery{All: true}); len(got) != 1 {
		t.Errorf("after removing, the collection holds %v", got)
	}
}

func testIntelSources(t *testing.T, f *fixture) {
	now := f.clock.Now()
	mk := func(name string, next time.Time, enabled bool) *intel.Source {
		s := &intel.Source{Name: name, Kind: intel.SourceTAXII, OrgID: f.orgID("pref-13"), URL: "https://taxii.example/api1/",
			Collection: "c1", Secret: "s3cret", DefaultTLP: tlp.Green, Confidence: 60, Every: time.Hour, NextRunAt: next,
			Enabled: enabled, CreatedAt: now, UpdatedAt: now}
		if err := f.db.CreateSource(f.ctx, s, audit.Entry{Actor: audit.System, Action: "intel.source_create"}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := mk("jc3", now.Add(-time.Minute), true)
	mk("later", now.Add(time.Hour), true)
	mk("off", now.Add(-time.Hour), false)
	dup := &intel.Source{Name: "jc3", Kind: intel.SourceCSV, OrgID: f.orgID("pref-13"), CreatedAt: now, UpdatedAt: now}
	if err := f.db.CreateSource(f.ctx, dup, audit.Entry{Actor: audit.System, Action: "intel.source_create"}); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("a second source named jc3: %v, want Conflict", err)
	}
	got, err := f.db.Source(f.ctx, a.ID)
	if err != nil || got.Secret != "s3cret" || got.Every != time.Hour || got.DefaultTLP != tlp.Green || !got.Enabled || string(got.Settings) != "{}" {
		t.Fatalf("Source = %+v, %v", got, err)
	}
	// One claim per due source: the second finds nothing due.
	s, err := f.db.ClaimDueSource(f.ctx, []string{intel.SourceTAXII}, now)
	if err != nil || s == nil || s.ID != a.ID || !s.NextRunAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("ClaimDueSource = %+v, %v; want jc3, next in an hour", s, err)
	}
	if s, err := f.db.ClaimDueSource(f.ctx, []string{intel.SourceTAXII}, now); err != nil || s != nil {
		t.Errorf("second claim = %+v, %v; want none due", s, err)
	}
	p := &intel.Poll{SourceID: a.ID, StartedAt: now, RunBy: "host-a"}
	if err := f.db.StartPoll(f.ctx, p); err != nil {
		t.Fatal(err)
	}
	p.FinishedAt, p.Seen, p.Added, p.Rejected = now.Add(time.Second), 10, 7, 1
	if err := f.db.FinishPoll(f.ctx, p, "2026-12-06T00:00:00.123456Z", audit.Entry{Actor: audit.System, Action: "intel.poll"}); err != nil {
		t.Fatal(err)
	}
	polls, err := f.db.Polls(f.ctx, a.ID, 5)
	if err != nil || len(polls) != 1 || polls[0].Added != 7 || polls[0].RunBy != "host-a" {
		t.Errorf("Polls = %+v, %v", polls, err)
	}
	if got, _ := f.db.Source(f.ctx, a.ID); got.Cursor != "2026-12-06T00:00:00.123456Z" {
		t.Errorf("cursor after the poll = %q", got.Cursor)
	}
	if l, _ := f.db.Sources(f.ctx, []int64{f.orgID("pref-27")}); len(l) != 0 {
		t.Errorf("another prefecture lists %d sources", len(l))
	}
	if l, _ := f.db.Sources(f.ctx, nil); len(l) != 3 || l[0].Name != "jc3" {
		t.Errorf("every source = %d", len(l))
	}
}
