package storetest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/retention"
)

// deletion is a retention deletion of one record at the fixture's now.
func (f *fixture) deletion(typ string, id int64) retention.Deletion {
	return retention.Deletion{Type: typ, ID: id, Rule: typ + ".test", Version: "test@0", At: f.clock.Now()}
}

// deleted deletes one record through retention and fails unless it went
// (or, with want false, stayed).
func (f *fixture) deleted(typ string, id int64, want bool) []string {
	f.t.Helper()
	ok, files, err := f.db.DeleteRecord(f.ctx, f.deletion(typ, id))
	if err != nil {
		f.t.Fatalf("DeleteRecord(%s %d): %v", typ, id, err)
	}
	if ok != want {
		f.t.Fatalf("DeleteRecord(%s %d) deleted = %v, want %v", typ, id, ok, want)
	}
	return files
}

// tombstoneOf returns the tombstone of one record, failing without one.
func (f *fixture) tombstoneOf(typ string, id int64) retention.Deletion {
	f.t.Helper()
	ts, err := f.db.Tombstones(f.ctx, typ)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, tb := range ts {
		if tb.ID == id {
			return retention.Deletion{Type: tb.Type, ID: tb.ID, Rule: tb.Rule, Version: tb.Version + " " + tb.RowHash, At: tb.At}
		}
	}
	f.t.Fatalf("no tombstone for %s %d", typ, id)
	return retention.Deletion{}
}

// Deleting reports: an open report, one a case links and one a takedown
// request was made from stay; a closed
// one goes with its files' rows, its tombstone holding the hash of its row
// and its retention.delete audit row; the national index stays
// consistent: the value two reports held counts one, their cluster
// dissolves, and the value goes with the last report holding it.
func testRetentionReports(t *testing.T, f *fixture) {
	closed := func(obs ...string) *intake.Report {
		f.clock.Advance(time.Minute)
		r := f.newReport("pref-13")
		r.Status = intake.StatusClosed
		for _, o := range obs {
			r.Observables = append(r.Observables, phone(o))
		}
		r.Files = []intake.File{{SHA256: strings.Repeat("c", 64), Name: "a.png", ContentType: "image/png", Size: 3, AddedBy: "reporter", CreatedAt: f.clock.Now()}}
		f.create(r)
		return r
	}
	a, b := closed("09012345678"), closed("09012345678", "09099998888")
	c := f.sameCluster(a, b)
	open := f.indexed("pref-13", phone("09055556666"))
	linked := closed()
	f.newCase("pref-13", "2026-13", linked.ID)
	taken := closed()
	f.newTakedown("pref-13", 0, correlate.Key{Type: correlate.Report, ID: taken.ID})
	f.deleted(retention.TypeReport, open.ID, false)
	f.deleted(retention.TypeReport, linked.ID, false)
	f.deleted(retention.TypeReport, taken.ID, false)
	if _, rs, err := f.db.RetentionFacts(f.ctx, f.clock.Now().Add(time.Hour), time.Time{}); err != nil || len(rs) != 5 || !rs[4].Linked || rs[3].Linked ||
		!slices.Equal(rs[3].Cases, []int64{1}) || rs[2].Status != "new" {
		t.Errorf("RetentionFacts = %+v, %v", rs, err)
	}

	want, err := f.db.RowHash(f.ctx, "reports", a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := f.db.RowHash(f.ctx, "reports", a.ID); again != want || len(want) != 64 {
		t.Fatalf("RowHash is not stable: %s, %s", want, again)
	}
	files := f.deleted(retention.TypeReport, a.ID, true)
	if !slices.Equal(files, []string{strings.Repeat("c", 64)}) {
		t.Errorf("files freed = %v", files)
	}
	_, err = f.db.Report(f.ctx, a.ID)
	wantNotFound(t, "the deleted report", err)
	if tb := f.tombstoneOf(retention.TypeReport, a.ID); tb.Version != "test@0 "+want || tb.Rule != "report.test" || !tb.At.Equal(f.clock.Now()) {
		t.Errorf("tombstone = %+v, want the row hash %s", tb, want)
	}
	rows := f.auditOf("report", a.ID)
	if last := rows[len(rows)-1]; last.Action != "retention.delete" || !strings.Contains(last.Detail, `"row_hash":"`+want+`"`) {
		t.Errorf("audit of the deleted report: %+v", last)
	}
	if v := f.value(phone("09012345678")); v.Records != 1 {
		t.Errorf("the shared value counts %d records, want 1", v.Records)
	}
	if got := f.clusterOf(b); got != 0 {
		t.Errorf("the report left alone is in cluster %d (was %d), want none", got, c)
	}
	if named, err := f.db.FileNamed(f.ctx, strings.Repeat("c", 64)); err != nil || !named {
		t.Errorf("the file other reports name: named %v, %v", named, err)
	}
	f.deleted(retention.TypeReport, b.ID, true)
	for _, v := range []string{"09012345678", "09099998888"} {
		_, err := f.db.Value(f.ctx, phone(v))
		wantNotFound(t, "a value no report holds any more", err)
	}
	if v := f.value(phone("09055556666")); v.Records != 1 {
		t.Errorf("the value the open report holds counts %d, want 1", v.Records)
	}
	var reports, occurrences, values int
	if err := f.db.Stats(f.ctx, &reports, &occurrences, &values); err != nil || reports != 3 || occurrences != 1 || values != 1 {
		t.Errorf("Stats = %d reports, %d occurrences, %d values, %v; want 3, 1, 1", reports, occurrences, values, err)
	}
	// Deleting it again is nothing to do, and the chain holds.
	f.deleted(retention.TypeReport, a.ID, false)
	// The report with the highest id stays, so that SQLite never gives its
	// id to the next report; once a later one is stored, it may go.
	last := closed()
	if _, rs, err := f.db.RetentionFacts(f.ctx, f.clock.Now().Add(time.Hour), time.Time{}); err != nil || !rs[len(rs)-1].Newest || rs[0].Newest {
		t.Errorf("RetentionFacts does not mark the newest report: %+v, %v", rs, err)
	}
	f.deleted(retention.TypeReport, last.ID, false)
	later := closed()
	f.deleted(retention.TypeReport, last.ID, true)
	if later.ID <= last.ID {
		t.Errorf("ids went back: %d after %d", later.ID, last.ID)
	}
	f.verified()
}

// Deleting cases: a case that is open or on legal hold stays; a closed one
// goes with its evidence (each item under a tombstone of its own, its
// custody log with it) and timeline, and its reports are unlinked, not
// deleted. The append-only rules still hold for every other item. Setting
// and lifting the hold is a timeline entry and an audit row.
func testRetentionCases(t *testing.T, f *fixture) {
	u := f.user("sup@pref13.example.jp", "pref-13", auth.RoleSupervisor)
	r := f.newReport("pref-13")
	f.create(r)
	closeCase := func(c *cases.Case, hold bool) {
		t.Helper()
		err := f.db.UpdateCase(f.ctx, c.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
			c.Status, c.CloseReason = cases.StatusClosed, "arrested"
			ev := cases.Event{At: f.clock.Now(), Kind: cases.EventStatus, To: "closed"}
			if hold {
				c.Hold, c.HoldReason, c.HoldBy, c.HoldAt = true, "公判中", u.ID, f.clock.Now()
				ev = cases.Event{At: f.clock.Now(), ActorID: u.ID, Kind: cases.EventHold, Reason: "公判中"}
			}
			return ev, audit.Entry{Actor: audit.System, Action: "case.status"}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	open, held, gone, other := f.newCase("pref-13", "2026-13"), f.newCase("pref-13", "2026-13"), f.newCase("pref-13", "2026-13", r.ID), f.newCase("pref-13", "2026-13")
	closeCase(held, true)
	closeCase(gone, false)
	sum := strings.Repeat("e", 64)
	ev, _ := f.addEvidence(gone, u, cases.Evidence{Kind: cases.EvidenceFile, Name: "log.txt", SHA256: sum, Size: 3, CollectedAt: t0}, cases.Custody{})
	phone, _ := f.addEvidence(gone, u, cases.Evidence{Kind: cases.EvidencePhysical, Name: "スマートフォン", CollectedAt: t0}, cases.Custody{})
	keep, _ := f.addEvidence(other, u, cases.Evidence{Kind: cases.EvidenceFile, Name: "keep.txt", SHA256: sum, Size: 3, CollectedAt: t0}, cases.Custody{})

	if c, err := f.db.Case(f.ctx, held.ID); err != nil || !c.Hold || c.HoldReason != "公判中" || c.HoldBy != u.ID || c.HoldAt.IsZero() {
		t.Errorf("the held case: %+v, %v", c, err)
	}
	if k := kinds(f.timeline(held.ID)); k[len(k)-1] != "hold" {
		t.Errorf("timeline of the held case: %v", k)
	}
	f.deleted(retention.TypeCase, open.ID, false)
	f.deleted(retention.TypeCase, held.ID, false)
	// other has the highest id of cases and of evidence: it stays whatever.
	closeCase(other, false)
	f.deleted(retention.TypeCase, other.ID, false)
	hash, err := f.db.RowHash(f.ctx, "case_evidence", ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	files := f.deleted(retention.TypeCase, gone.ID, true)
	if !slices.Equal(files, []string{sum}) {
		t.Errorf("files freed = %v", files)
	}
	_, err = f.db.Case(f.ctx, gone.ID)
	wantNotFound(t, "the deleted case", err)
	if tb := f.tombstoneOf(retention.TypeEvidence, ev.ID); tb.Version != "test@0 "+hash {
		t.Errorf("evidence tombstone %+v, want hash %s", tb, hash)
	}
	f.tombstoneOf(retention.TypeEvidence, phone.ID)
	if cs, err := f.db.Custody(f.ctx, ev.ID); err != nil || len(cs) != 0 {
		t.Errorf("custody of the deleted item: %+v, %v", cs, err)
	}
	if _, err := f.db.Report(f.ctx, r.ID); err != nil {
		t.Errorf("the case's report went with it: %v", err)
	}
	if named, _ := f.db.FileNamed(f.ctx, sum); !named {
		t.Error("the file another case holds is not named")
	}
	for _, q := range []string{`DELETE FROM case_evidence WHERE id = ` + strconv.FormatInt(keep.ID, 10),
		`DELETE FROM evidence_custody WHERE evidence_id = ` + strconv.FormatInt(keep.ID, 10),
		`DELETE FROM audit_log WHERE id = 1`} {
		if err := f.h.Exec(t, f.db, q); err == nil {
			t.Errorf("the database accepted %q", q)
		}
	}
	f.verified()
}

// Pruning the audit log: the rows up to a checkpoint go and the chain
// verifies from it; an anchor on a pruned row is covered, one on the
// checkpoint's row is checked against its hash, later ones as before; a
// row after the checkpoint still cannot be deleted, and tampering with the
// first row left is found.
func testRetentionAuditPrune(t *testing.T, f *fixture) {
	f.chain(6)
	var anchors []audit.Anchor
	for _, id := range []int64{2, 4, 6} {
		rows, err := f.db.AuditOf(f.ctx, "report", strconv.FormatInt(id-1, 10))
		if err != nil || len(rows) != 1 || rows[0].ID != id {
			t.Fatalf("audit of report %d: %+v, %v", id-1, rows, err)
		}
		anchors = append(anchors, audit.Anchor{ID: id, Hash: rows[0].Hash})
	}
	last, n, err := f.db.AuditPrunable(f.ctx, f.clock.Now().Add(time.Hour))
	if err != nil || last != 6 || n != 6 {
		t.Errorf("AuditPrunable past the head = %d, %d, %v; want 6, 6 (the head stays)", last, n, err)
	}
	f.clock.Advance(time.Hour)
	cp, err := f.db.PruneAudit(f.ctx, 4, f.clock.Now(), audit.Entry{Actor: audit.System, Action: "retention.audit_pruned", ObjectType: "audit_log", ObjectID: "4"})
	if err != nil {
		t.Fatal(err)
	}
	if cp.LastID != 4 || cp.Pruned != 4 || cp.LastHash != anchors[1].Hash {
		t.Errorf("checkpoint %+v", cp)
	}
	res, err := f.db.VerifyAudit(f.ctx, anchors...)
	if err != nil || !res.OK() || res.Rows != 4 || res.Checkpoint == nil || res.Checkpoint.LastID != 4 || res.Covered != 1 || res.Anchors != 2 {
		t.Errorf("VerifyAudit after pruning = %+v, %v", res, err)
	}
	if rows := f.auditOf("audit_log", 4); len(rows) != 1 || !strings.Contains(rows[0].Detail, `"pruned":4`) {
		t.Errorf("the pruning's audit row: %+v", rows)
	}
	f.anchorFails([]audit.Anchor{{ID: 4, Hash: strings.Repeat("0", 64)}}, 4, "was pruned with hash")
	if err := f.h.Exec(t, f.db, `DELETE FROM audit_log WHERE id = 5`); err == nil {
		t.Error("the database let a row after the checkpoint go")
	}
	// Pruning again as far or less (a second server, a run by hand)
	// changes nothing.
	head := f.head()
	if again, err := f.db.PruneAudit(f.ctx, 3, f.clock.Now(), audit.Entry{Actor: audit.System, Action: "retention.audit_pruned"}); err != nil || again != cp {
		t.Errorf("pruning up to a pruned row: %+v, %v; want the checkpoint %+v", again, err, cp)
	}
	if h := f.head(); h.ID != head.ID || h.Hash != head.Hash {
		t.Error("pruning again wrote to the audit log")
	}
	f.h.Tamper(t, f.db, `UPDATE audit_log SET prev_hash = '`+strings.Repeat("1", 64)+`' WHERE id = 5`)
	f.verifyFails(5)
}
