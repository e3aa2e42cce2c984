package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/intake"
)

// chain writes n reports, so the log holds rows 1 (the seeding) to n+1, and
// returns them.
func (f *fixture) chain(n int) []*intake.Report {
	f.t.Helper()
	var rs []*intake.Report
	for i := 0; i < n; i++ {
		r := f.newReport("pref-13")
		f.create(r)
		f.clock.Advance(time.Second)
		rs = append(rs, r)
	}
	if got := f.verified(); got != int64(n+1) {
		f.t.Fatalf("%d audit rows, want %d", got, n+1)
	}
	return rs
}

// verifyFails checks VerifyAudit names row bad.
func (f *fixture) verifyFails(bad int64) {
	f.t.Helper()
	res, err := f.db.VerifyAudit(f.ctx)
	if err != nil {
		f.t.Fatalf("VerifyAudit: %v", err)
	}
	if res.OK() || res.BadID != bad || res.Problem == "" {
		f.t.Errorf("VerifyAudit = %+v, want row %d reported with a problem", res, bad)
	}
}

func testAuditOnce(t *testing.T, f *fixture) {
	officer := audit.Actor{UserID: 5, OrgID: 7, Label: "officer@pref13.example.jp", IP: "192.0.2.5"}
	view := func(a audit.Actor, object string) audit.Entry {
		return audit.Entry{Actor: a, Action: "report.view_personal", ObjectType: "report", ObjectID: object}
	}
	once := func(e audit.Entry, since time.Time, want bool) {
		t.Helper()
		wrote, err := f.db.AuditOnce(f.ctx, e, since)
		if err != nil || wrote != want {
			t.Errorf("AuditOnce(%s by %d on %s since %s) = %v, %v; want %v", e.Action, e.Actor.UserID, e.ObjectID, since.Format(time.RFC3339), wrote, err, want)
		}
	}
	day := t0.Add(-time.Hour)
	once(view(officer, "42"), day, true)
	f.clock.Advance(time.Minute)
	once(view(officer, "42"), day, false)                                                                              // the same view again
	once(view(audit.Actor{UserID: 6, OrgID: 7, Label: "other@pref13.example.jp"}, "42"), day, true)                    // another officer
	once(view(officer, "43"), day, true)                                                                               // another report
	once(audit.Entry{Actor: officer, Action: "report.file_download", ObjectType: "report", ObjectID: "42"}, day, true) // another action
	once(view(officer, "42"), f.clock.Now(), true)                                                                     // a new day
	// Many at once: one row.
	var wg sync.WaitGroup
	wrote := make(chan bool, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := f.db.AuditOnce(f.ctx, view(officer, "44"), day)
			if err != nil {
				t.Errorf("AuditOnce at once: %v", err)
			}
			wrote <- w
		}()
	}
	wg.Wait()
	close(wrote)
	n := 0
	for w := range wrote {
		if w {
			n++
		}
	}
	rows, err := f.db.AuditOf(f.ctx, "report", "44")
	if err != nil || n != 1 || len(rows) != 1 {
		t.Errorf("eight at once: %d wrote, %d rows, %v; want one", n, len(rows), err)
	}
	if res, err := f.db.VerifyAudit(f.ctx); err != nil || !res.OK() {
		t.Errorf("chain after AuditOnce: %+v, %v", res, err)
	}
}

func testAuditStandalone(t *testing.T, f *fixture) {
	before, err := f.db.VerifyAudit(f.ctx)
	if err != nil || !before.OK() || before.Rows != 1 {
		t.Fatalf("VerifyAudit after seeding: %+v, %v", before, err)
	}
	f.clock.Advance(90*time.Minute + 7*time.Microsecond)
	e := audit.Entry{
		Actor:  audit.Actor{UserID: 5, OrgID: 7, Label: "officer@pref13.example.jp", IP: "2001:db8::5"},
		Action: "report.view_personal", ObjectType: "report", ObjectID: "42",
		Detail: map[string]any{"b": 2, "a": "一"},
	}
	if err := f.db.Audit(f.ctx, e); err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if err := f.db.Audit(f.ctx, audit.Entry{Actor: audit.System, Action: "report.file_download", ObjectType: "report", ObjectID: "42"}); err != nil {
		t.Fatalf("Audit: %v", err)
	}
	rows, err := f.db.AuditOf(f.ctx, "report", "42")
	if err != nil || len(rows) != 2 {
		t.Fatalf("AuditOf = %+v, %v", rows, err)
	}
	want, err := audit.NewRow(2, f.clock.Now(), before.Head, e)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(want, rows[0]); d != nil {
		t.Errorf("stored audit row differs from audit.NewRow: %v", d)
	}
	if rows[0].Detail != `{"a":"一","b":2}` {
		t.Errorf("detail %q", rows[0].Detail)
	}
	if rows[1].ID != 3 || rows[1].PrevHash != rows[0].Hash || rows[1].Detail != "" || rows[1].Hash != rows[1].ComputeHash() {
		t.Errorf("second row %+v does not follow the first", rows[1])
	}
	if rows, err := f.db.AuditOf(f.ctx, "report", "43"); err != nil || len(rows) != 0 {
		t.Errorf("AuditOf another object = %+v, %v", rows, err)
	}
}

func testAuditVerifyIntact(t *testing.T, f *fixture) {
	rs := f.chain(5)
	res, err := f.db.VerifyAudit(f.ctx)
	if err != nil || !res.OK() || res.Rows != 6 {
		t.Fatalf("VerifyAudit = %+v, %v", res, err)
	}
	last := f.auditOf("report", rs[len(rs)-1].ID)
	if res.Head != last[0].Hash {
		t.Errorf("Head %s, want the last row's hash %s", res.Head, last[0].Hash)
	}
}

func testAuditTamperAlter(t *testing.T, f *fixture) {
	f.chain(5)
	f.h.Tamper(t, f.db, `UPDATE audit_log SET action = 'report.forged' WHERE id = 3`)
	f.verifyFails(3)
}

func testAuditTamperRehash(t *testing.T, f *fixture) {
	rs := f.chain(5)
	// The forger also recomputes the altered row's own hash: the next row,
	// whose previous hash no longer matches, gives it away.
	row := f.auditOf("report", rs[1].ID)[0]
	if row.ID != 3 {
		t.Fatalf("row of the second report is %d, want 3", row.ID)
	}
	row.Detail = `{"receipt":"FAKE"}`
	f.h.Tamper(t, f.db, fmt.Sprintf(`UPDATE audit_log SET detail = '%s', hash = '%s' WHERE id = 3`, row.Detail, row.ComputeHash()))
	f.verifyFails(4)
}

func testAuditTamperDelete(t *testing.T, f *fixture) {
	f.chain(5)
	f.h.Tamper(t, f.db, `DELETE FROM audit_log WHERE id = 3`)
	f.verifyFails(4)
}

// head is the chain's head as AuditHead gives it, as an anchor.
func (f *fixture) head() audit.Anchor {
	f.t.Helper()
	id, hash, err := f.db.AuditHead(f.ctx)
	if err != nil {
		f.t.Fatalf("AuditHead: %v", err)
	}
	return audit.Anchor{ID: id, Hash: hash, At: f.clock.Now()}
}

// anchorFails checks VerifyAudit with anchors keeps the chain whole but
// names the anchor at row id as failing with a problem containing want.
func (f *fixture) anchorFails(anchors []audit.Anchor, id int64, want string) {
	f.t.Helper()
	res, err := f.db.VerifyAudit(f.ctx, anchors...)
	if err != nil {
		f.t.Fatalf("VerifyAudit: %v", err)
	}
	if res.BadID != 0 || res.OK() || res.Anchor == nil || res.Anchor.Anchor.ID != id || !strings.Contains(res.Anchor.Problem, want) {
		f.t.Errorf("VerifyAudit = %+v (anchor failure %+v), want the anchor at row %d failing with %q", res, res.Anchor, id, want)
	}
}

func testAuditHead(t *testing.T, f *fixture) {
	rs := f.chain(3)
	h := f.head()
	last := f.auditOf("report", rs[2].ID)[0]
	if h.ID != 4 || h.Hash != last.Hash {
		t.Errorf("AuditHead = %d %s, want row 4 %s", h.ID, h.Hash, last.Hash)
	}
	first := audit.Anchor{ID: 2, Hash: f.auditOf("report", rs[0].ID)[0].Hash}
	res, err := f.db.VerifyAudit(f.ctx, first, h, h)
	if err != nil || !res.OK() || res.Anchors != 3 || res.HeadID != 4 || res.Head != h.Hash {
		t.Errorf("VerifyAudit with the head and an earlier anchor = %+v, %v", res, err)
	}
}

// testAuditTamperCutTail: rows deleted from the end leave a chain that
// links up; only an anchor taken before shows they are gone.
func testAuditTamperCutTail(t *testing.T, f *fixture) {
	rs := f.chain(5)
	row4 := f.auditOf("report", rs[2].ID)[0]
	early := audit.Anchor{ID: row4.ID, Hash: row4.Hash}
	anchor := f.head()
	if anchor.ID != 6 || early.ID != 4 {
		t.Fatalf("anchors at rows %d and %d, want 4 and 6", early.ID, anchor.ID)
	}
	f.h.Tamper(t, f.db, `DELETE FROM audit_log WHERE id >= 5`)
	if n := f.verified(); n != 4 {
		t.Fatalf("after the cut the chain should still verify with 4 rows, got %d", n)
	}
	f.anchorFails([]audit.Anchor{early, anchor}, 6, "row 6 is missing and the log ends at row 4")
	res, err := f.db.VerifyAudit(f.ctx, early)
	if err != nil || !res.OK() || res.Anchors != 1 {
		t.Errorf("the anchor before the cut should still hold: %+v, %v", res, err)
	}
}

// testAuditTamperRebuild: a row rewritten and every later hash recomputed
// with koban's own hashing leaves a chain that links up; an anchor taken
// before shows the hash at its row changed.
func testAuditTamperRebuild(t *testing.T, f *fixture) {
	rs := f.chain(5)
	before := f.auditOf("report", rs[0].ID)[0] // row 2, before the forgery
	anchor := f.head()
	var rows []audit.Row
	for _, r := range rs {
		rows = append(rows, f.auditOf("report", r.ID)[0])
	}
	// rows[1] is row 3: forge it, then relink and rehash rows 3 to 6.
	rows[1].Detail = `{"receipt":"FAKE"}`
	var detail, prev, hash strings.Builder
	for i := 1; i < len(rows); i++ {
		rows[i].PrevHash = rows[i-1].Hash
		rows[i].Hash = rows[i].ComputeHash()
		fmt.Fprintf(&detail, " WHEN %d THEN '%s'", rows[i].ID, rows[i].Detail)
		fmt.Fprintf(&prev, " WHEN %d THEN '%s'", rows[i].ID, rows[i].PrevHash)
		fmt.Fprintf(&hash, " WHEN %d THEN '%s'", rows[i].ID, rows[i].Hash)
	}
	f.h.Tamper(t, f.db, fmt.Sprintf(`UPDATE audit_log SET detail = CASE id%s END, prev_hash = CASE id%s END, hash = CASE id%s END WHERE id >= 3`,
		detail.String(), prev.String(), hash.String()))
	if n := f.verified(); n != 6 {
		t.Fatalf("the rebuilt chain should verify with 6 rows, got %d", n)
	}
	if got := f.auditOf("report", rs[1].ID)[0]; got.Detail != `{"receipt":"FAKE"}` {
		t.Fatalf("the forgery did not land: %+v", got)
	}
	f.anchorFails([]audit.Anchor{anchor}, 6, "row 6 now has hash "+rows[4].Hash+", not "+anchor.Hash)
	res, err := f.db.VerifyAudit(f.ctx, audit.Anchor{ID: before.ID, Hash: before.Hash})
	if err != nil || !res.OK() || res.Anchors != 1 {
		t.Errorf("an anchor before the forged row should still hold: %+v, %v", res, err)
	}
}

func testAuditAppendOnly(t *testing.T, f *fixture) {
	f.chain(3)
	if err := f.h.Exec(t, f.db, `UPDATE orgs SET name_en = name_en WHERE id = -1`); err != nil {
		t.Fatalf("Exec of a harmless statement: %v", err)
	}
	for _, q := range []string{
		`UPDATE audit_log SET action = 'report.forged' WHERE id = 2`,
		`UPDATE audit_log SET ip = ip`,
		`DELETE FROM audit_log WHERE id = 2`,
		`DELETE FROM audit_log WHERE id = 4`,
		`DELETE FROM audit_log`,
	} {
		if err := f.h.Exec(t, f.db, q); err == nil {
			t.Errorf("the database accepted %q", q)
		}
	}
	if n := f.verified(); n != 4 {
		t.Errorf("%d audit rows after refused changes, want 4", n)
	}
	// Tamper puts the protection back when it is done.
	f.h.Tamper(t, f.db, `UPDATE audit_log SET ip = ip WHERE id = 1`)
	if err := f.h.Exec(t, f.db, `DELETE FROM audit_log WHERE id = 4`); err == nil {
		t.Error("the audit log is no longer append-only after Tamper")
	}
	if n := f.verified(); n != 4 {
		t.Errorf("%d audit rows, want 4", n)
	}
}

func testConcurrentCreate(t *testing.T, f *fixture) {
	const workers, each = 8, 5
	var wg sync.WaitGroup
	ids := make(chan int64, workers*each)
	start := make(chan struct{})
	for w := 0; w < workers; w++ {
		// Reports are built before the goroutines start: the fixture is not
		// safe for concurrent use, the store must be.
		var rs []*intake.Report
		for i := 0; i < each; i++ {
			r := f.newReport("pref-13")
			r.Description = fmt.Sprintf("worker %d report %d", w, i)
			rs = append(rs, r)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, r := range rs {
				if err := f.db.CreateReports(f.ctx, []*intake.Report{r}, []audit.Entry{createEntry()}); err != nil {
					t.Errorf("CreateReports: %v", err)
					return
				}
				got, err := f.db.Report(f.ctx, r.ID)
				if err != nil || got.Description != r.Description {
					t.Errorf("reading back report %d: %v", r.ID, err)
				}
				ids <- r.ID
			}
		}()
	}
	close(start)
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %d given twice", id)
		}
		seen[id] = true
	}
	if len(seen) != workers*each {
		t.Errorf("%d reports stored, want %d", len(seen), workers*each)
	}
	if n := f.verified(); n != 1+workers*each {
		t.Errorf("%d audit rows, want %d", n, 1+workers*each)
	}
	for id := range seen {
		if rows := f.auditOf("report", id); len(rows) != 1 {
			t.Errorf("report %d has %d audit rows", id, len(rows))
		}
	}
}

// testConcurrentCreateMixed: batches that fail while others are being
// stored at the same moment fail alone and leave nothing behind.
func testConcurrentCreateMixed(t *testing.T, f *fixture) {
	const workers, rounds = 8, 4
	type call struct {
		rs   []*intake.Report
		good bool
	}
	var plans [][]call
	for w := 0; w < workers; w++ {
		var plan []call
		for i := 0; i < rounds; i++ {
			good := []*intake.Report{f.newReport("pref-13"), f.newReport("pref-27")}
			bad := []*intake.Report{f.newReport("pref-13"), f.newReport("pref-13")}
			bad[1].OrgID = 999_999
			plan = append(plan, call{good, true}, call{bad, false})
		}
		plans = append(plans, plan)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, plan := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, c := range plan {
				entries := make([]audit.Entry, len(c.rs))
				for i := range entries {
					entries[i] = createEntry()
				}
				err := f.db.CreateReports(f.ctx, c.rs, entries)
				if c.good && err != nil {
					t.Errorf("good batch refused: %v", err)
				}
				if !c.good && err == nil {
					t.Error("bad batch accepted")
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, plan := range plans {
		for _, c := range plan {
			for _, r := range c.rs {
				_, err := f.db.ReportByTokenHash(f.ctx, r.TokenHash)
				if c.good && err != nil {
					t.Errorf("report of a good batch missing: %v", err)
				}
				if !c.good && err == nil {
					t.Error("report of a failed batch stored")
				}
			}
		}
	}
	if n := f.verified(); n != 1+workers*rounds*2 {
		t.Errorf("%d audit rows, want %d", n, 1+workers*rounds*2)
	}
}
