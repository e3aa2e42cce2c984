package storetest

import (
	"fmt"
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
