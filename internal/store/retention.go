package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/retention"
	"github.com/koban-project/koban/internal/search"
)

// RetentionFacts implements retention.Store. Every case is listed with its
// hold (the planner needs the holds of cases linked to old reports too),
// but only old ones with the rest of their facts.
func (db *DB) RetentionFacts(ctx context.Context, reportsBefore, casesBefore time.Time) ([]retention.CaseFacts, []retention.ReportFacts, error) {
	var cs []retention.CaseFacts
	if !casesBefore.IsZero() {
		rows, err := db.read.QueryContext(ctx, `SELECT c.id, c.status, c.updated_at, c.hold,
			(SELECT COUNT(*) FROM case_evidence e WHERE e.case_id = c.id),
			CASE WHEN EXISTS (SELECT 1 FROM case_referrals x WHERE x.case_id = c.id)
				OR EXISTS (SELECT 1 FROM case_parties x WHERE x.case_id = c.id)
				OR EXISTS (SELECT 1 FROM support_requests x WHERE x.case_id = c.id)
				OR EXISTS (SELECT 1 FROM foreign_requests x WHERE x.case_id = c.id)
				OR EXISTS (SELECT 1 FROM sample_cases x WHERE x.case_id = c.id)
				OR EXISTS (SELECT 1 FROM takedown_requests x WHERE x.case_id = c.id) THEN 1 ELSE 0 END,
			CASE WHEN `+caseNewest+` THEN 1 ELSE 0 END
			FROM cases c WHERE c.updated_at < ? OR c.hold = ? ORDER BY c.id`, ts(casesBefore), true)
		if err != nil {
			return nil, nil, fmt.Errorf("retention facts: cases: %w", err)
		}
		for rows.Next() {
			var c retention.CaseFacts
			var at int64
			var linked, newest int
			if err := rows.Scan(&c.ID, &c.Status, &at, &c.Hold, &c.Evidence, &linked, &newest); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("retention facts: cases: %w", err)
			}
			c.Updated, c.Linked, c.Newest = tm(at), linked != 0, newest != 0
			if c.Hold && !c.Updated.Before(casesBefore) {
				// Newer than any period: listed for its hold alone, with a
				// status that keeps it.
				c.Status = "held"
			}
			cs = append(cs, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	var rs []retention.ReportFacts
	if !reportsBefore.IsZero() {
		rows, err := db.read.QueryContext(ctx, `SELECT r.id, r.kind, r.category, r.status, r.updated_at, r.freeze_deadline, COALESCE(cr.case_id, 0),
			CASE WHEN EXISTS (`+reportNamed+`) THEN 1 ELSE 0 END, CASE WHEN `+reportNewest+` THEN 1 ELSE 0 END
			FROM reports r LEFT JOIN case_reports cr ON cr.report_id = r.id
			WHERE r.updated_at < ? ORDER BY r.id, cr.case_id`, ts(reportsBefore))
		if err != nil {
			return nil, nil, fmt.Errorf("retention facts: reports: %w", err)
		}
		for rows.Next() {
			var r retention.ReportFacts
			var at, freeze, caseID int64
			var named, newest int
			if err := rows.Scan(&r.ID, &r.Kind, &r.Category, &r.Status, &at, &freeze, &caseID, &named, &newest); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("retention facts: reports: %w", err)
			}
			if n := len(rs); n > 0 && rs[n-1].ID == r.ID {
				rs[n-1].Cases = append(rs[n-1].Cases, caseID)
				continue
			}
			r.Updated, r.FreezeDeadline, r.Linked, r.Newest = tm(at), tm(freeze), named != 0, newest != 0
			if caseID != 0 {
				r.Cases = []int64{caseID}
			}
			rs = append(rs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return cs, rs, nil
}

// reportNamed finds what names report r outside its own rows and keeps it:
// a takedown request made from it.
const reportNamed = `SELECT 1 FROM takedown_requests x WHERE x.source_type = 'report' AND x.source_id = r.id`

// The row with a table's highest id stays: SQLite gives a new row the
// successor of the highest id held, so deleting it would hand its id (and
// the audit rows and tombstone that name it) to the next record. These
// tell whether report r or case c (or one of its evidence items) is it.
const (
	reportNewest = `r.id = (SELECT MAX(id) FROM reports)`
	caseNewest   = `(c.id = (SELECT MAX(id) FROM cases) OR EXISTS (SELECT 1 FROM case_evidence e WHERE e.case_id = c.id AND e.id = (SELECT MAX(id) FROM case_evidence)))`
)

// ExpirableCaptures implements retention.Store through expireCaptures, the
// patrol retention rules (an item's own period, its tags', else def; legal
// hold, a finding and being the item's latest keep a capture).
func (db *DB) ExpirableCaptures(ctx context.Context, now time.Time, def retention.Period, limit int) ([]int64, error) {
	days := int64(now.Sub(now.AddDate(-def.Years, -def.Months, -def.Days)) / (24 * time.Hour))
	ids, err := collect(ctx, db.read, scanID, db.d.expireCaptures(), days, false, ts(now), microsPerDay, limit)
	if err != nil {
		return nil, fmt.Errorf("expirable captures: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// canonicalRow reads one row of table and returns the SHA-256 of its
// canonical form: a JSON object of every column by name (keys sorted),
// integers as numbers, text as strings, NULL as null, booleans as 0 and 1
// (SQLite keeps them so), so that the same row hashes alike on both
// databases. ok is false when there is no such row.
func canonicalRow(ctx context.Context, tx *txn, table, where string, args ...any) (hash string, ok bool, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table+` WHERE `+where, args...)
	if err != nil {
		return "", false, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", false, err
	}
	if !rows.Next() {
		return "", false, rows.Err()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return "", false, fmt.Errorf("read %s: %w", table, err)
	}
	m := make(map[string]any, len(cols))
	for i, c := range cols {
		switch v := vals[i].(type) {
		case []byte:
			m[c] = string(v)
		case bool:
			if v {
				m[c] = 1
			} else {
				m[c] = 0
			}
		case int32:
			m[c] = int64(v)
		default:
			m[c] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", false, fmt.Errorf("canonical %s: %w", table, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), true, nil
}

// tombstone writes the record's tombstone and its retention.delete audit
// row, the row's hash in both.
func (db *DB) tombstone(ctx context.Context, tx *txn, typ string, id int64, hash string, d retention.Deletion) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO retention_tombstones (record_type, record_id, row_hash, rule, policy_version, deleted_at)
		VALUES (?, ?, ?, ?, ?, ?)`, typ, id, hash, d.Rule, d.Version, ts(d.At)); err != nil {
		return fmt.Errorf("tombstone %s %d: %w", typ, id, err)
	}
	return db.appendAudit(ctx, tx, audit.Entry{Actor: audit.System, Action: "retention.delete", ObjectType: typ, ObjectID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"row_hash": hash, "rule": d.Rule, "policy_version": d.Version}})
}

// DeleteRecord implements retention.Store.
func (db *DB) DeleteRecord(ctx context.Context, d retention.Deletion) (bool, []string, error) {
	var files []string
	deleted := false
	err := db.inTx(ctx, func(tx *txn) error {
		files, deleted = nil, false
		var err error
		switch d.Type {
		case retention.TypeReport:
			deleted, files, err = db.deleteReport(ctx, tx, d)
		case retention.TypeCase:
			deleted, files, err = db.deleteCase(ctx, tx, d)
		case retention.TypeCapture:
			deleted, files, err = db.deleteCapture(ctx, tx, d)
		default:
			err = fmt.Errorf("retention: no deletion for %q", d.Type)
		}
		return err
	})
	if err != nil {
		return false, nil, err
	}
	return deleted, files, nil
}

// execAll runs each statement with the one argument id.
func execAll(ctx context.Context, tx *txn, id int64, stmts ...string) error {
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// deleteReport deletes a closed report no case links to (nor a takedown
// request names), with its files'
// rows, messages, search row, suggestions and grants, and takes it out of
// the national index: each value's count goes down by one, a value no
// record holds any more goes (unless an access request or a sighting names
// it), and the report leaves its cluster, whose size goes down (a cluster
// left with one record goes; clusters are not split: what linked the rest
// through this report keeps them together until the clusters are rebuilt).
func (db *DB) deleteReport(ctx context.Context, tx *txn, d retention.Deletion) (bool, []string, error) {
	var status string
	var linked int
	err := tx.QueryRowContext(ctx, `SELECT r.status, (SELECT COUNT(*) FROM case_reports WHERE report_id = r.id)
		+ CASE WHEN EXISTS (`+reportNamed+`) OR `+reportNewest+` THEN 1 ELSE 0 END FROM reports r WHERE r.id = ?`+db.d.forUpdate, d.ID).Scan(&status, &linked)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (status != "closed" || linked > 0) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("delete report %d: %w", d.ID, err)
	}
	hash, _, err := canonicalRow(ctx, tx, "reports", "id = ?", d.ID)
	if err != nil {
		return false, nil, err
	}
	if err := db.tombstone(ctx, tx, retention.TypeReport, d.ID, hash, d); err != nil {
		return false, nil, err
	}
	files, err := collect(ctx, tx, scanString, `SELECT DISTINCT sha256 FROM report_files WHERE report_id = ?`, d.ID)
	if err != nil {
		return false, nil, fmt.Errorf("delete report %d: %w", d.ID, err)
	}
	var cluster int64
	if err := tx.QueryRowContext(ctx, `SELECT cluster_id FROM cluster_members WHERE record_type = 'report' AND record_id = ?`, d.ID).Scan(&cluster); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, nil, fmt.Errorf("delete report %d: %w", d.ID, err)
	}
	values, err := collect(ctx, tx, scanID, `SELECT observable_id FROM occurrences WHERE record_type = 'report' AND record_id = ?`, d.ID)
	if err != nil {
		return false, nil, fmt.Errorf("delete report %d: %w", d.ID, err)
	}
	if err := execAll(ctx, tx, d.ID,
		`UPDATE observables SET records = records - 1 WHERE id IN (SELECT observable_id FROM occurrences WHERE record_type = 'report' AND record_id = ?)`,
		`DELETE FROM occurrences WHERE record_type = 'report' AND record_id = ?`,
		`DELETE FROM cluster_members WHERE record_type = 'report' AND record_id = ?`,
		`DELETE FROM intel_sightings WHERE record_type = 'report' AND record_id = ?`,
		`DELETE FROM saved_search_matches WHERE record_type = 'report' AND record_id = ?`,
		`DELETE FROM triage_suggestions WHERE record_type = 'report' AND record_id = ?`,
		`DELETE FROM grants WHERE object_type = 'report' AND object_id = ?`,
		`DELETE FROM report_files WHERE report_id = ?`,
		`DELETE FROM report_messages WHERE report_id = ?`,
		`DELETE FROM report_search WHERE `+db.kindSQL(search.Report).key+` = ?`,
		`UPDATE reports SET duplicate_of = NULL WHERE duplicate_of = ?`,
		`UPDATE patrol_findings SET report_id = NULL WHERE report_id = ?`,
		`DELETE FROM reports WHERE id = ?`,
	); err != nil {
		return false, nil, fmt.Errorf("delete report %d: %w", d.ID, err)
	}
	for _, v := range values {
		if _, err := tx.ExecContext(ctx, `DELETE FROM observables WHERE id = ? AND records <= 0
			AND NOT EXISTS (SELECT 1 FROM occurrences WHERE observable_id = observables.id)
			AND NOT EXISTS (SELECT 1 FROM access_requests WHERE observable_id = observables.id)
			AND NOT EXISTS (SELECT 1 FROM intel_sightings WHERE observable_id = observables.id)`, v); err != nil {
			return false, nil, fmt.Errorf("delete report %d: value %d: %w", d.ID, v, err)
		}
	}
	if cluster != 0 {
		var left int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cluster_members WHERE cluster_id = ?`, cluster).Scan(&left); err != nil {
			return false, nil, fmt.Errorf("delete report %d: cluster: %w", d.ID, err)
		}
		if left < 2 {
			// One record alone is no cluster.
			if err := execAll(ctx, tx, cluster, `UPDATE observables SET cluster_id = 0 WHERE cluster_id = ?`, `DELETE FROM cluster_members WHERE cluster_id = ?`,
				dropGrowth, `DELETE FROM clusters WHERE id = ?`); err != nil {
				return false, nil, fmt.Errorf("delete report %d: cluster: %w", d.ID, err)
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE clusters SET size = ?, updated_at = ? WHERE id = ?`, left, ts(d.At), cluster); err != nil {
			return false, nil, fmt.Errorf("delete report %d: cluster: %w", d.ID, err)
		}
	}
	return true, files, nil
}

// deleteCase deletes a closed case that is not on hold and that no other
// body's records name, with everything under it: members, report links
// (the reports themselves are records of their own), tasks, notes, the
// timeline, search rows, grants, and each evidence item with its custody
// log, each item under a tombstone of its own.
func (db *DB) deleteCase(ctx context.Context, tx *txn, d retention.Deletion) (bool, []string, error) {
	var status string
	var hold bool
	var newest int
	err := tx.QueryRowContext(ctx, `SELECT c.status, c.hold, CASE WHEN `+caseNewest+` THEN 1 ELSE 0 END FROM cases c WHERE c.id = ?`+db.d.forUpdate, d.ID).
		Scan(&status, &hold, &newest)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (status != "closed" || hold || newest != 0) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("delete case %d: %w", d.ID, err)
	}
	hash, _, err := canonicalRow(ctx, tx, "cases", "id = ?", d.ID)
	if err != nil {
		return false, nil, err
	}
	if err := db.tombstone(ctx, tx, retention.TypeCase, d.ID, hash, d); err != nil {
		return false, nil, err
	}
	items, err := collect(ctx, tx, scanID, `SELECT id FROM case_evidence WHERE case_id = ? ORDER BY id`, d.ID)
	if err != nil {
		return false, nil, fmt.Errorf("delete case %d: %w", d.ID, err)
	}
	var files []string
	for _, it := range items {
		h, _, err := canonicalRow(ctx, tx, "case_evidence", "id = ?", it)
		if err != nil {
			return false, nil, err
		}
		ev := d
		ev.Rule = d.Rule
		if err := db.tombstone(ctx, tx, retention.TypeEvidence, it, h, ev); err != nil {
			return false, nil, err
		}
		var sum string
		if err := tx.QueryRowContext(ctx, `SELECT sha256 FROM case_evidence WHERE id = ?`, it).Scan(&sum); err != nil {
			return false, nil, fmt.Errorf("delete evidence %d: %w", it, err)
		}
		if sum != "" {
			files = append(files, sum)
		}
		if err := execAll(ctx, tx, it, `DELETE FROM evidence_custody WHERE evidence_id = ?`, `DELETE FROM case_evidence WHERE id = ?`); err != nil {
			return false, nil, fmt.Errorf("delete evidence %d: %w", it, err)
		}
	}
	note := db.kindSQL(search.Note)
	if err := execAll(ctx, tx, d.ID,
		`DELETE FROM `+note.table+` WHERE `+note.key+` IN (SELECT id FROM case_notes WHERE case_id = ?)`,
		`DELETE FROM saved_search_matches WHERE record_type = 'note' AND record_id IN (SELECT id FROM case_notes WHERE case_id = ?)`,
		`DELETE FROM saved_search_matches WHERE record_type = 'case' AND record_id = ?`,
		`DELETE FROM case_search WHERE `+db.kindSQL(search.Case).key+` = ?`,
		`DELETE FROM grants WHERE object_type = 'case' AND object_id = ?`,
		`DELETE FROM case_notes WHERE case_id = ?`,
		`DELETE FROM case_tasks WHERE case_id = ?`,
		`DELETE FROM case_events WHERE case_id = ?`,
		`DELETE FROM case_members WHERE case_id = ?`,
		`DELETE FROM case_reports WHERE case_id = ?`,
		`DELETE FROM cases WHERE id = ?`,
	); err != nil {
		return false, nil, fmt.Errorf("delete case %d: %w", d.ID, err)
	}
	return true, files, nil
}

// deleteCapture deletes one patrol capture that the patrol rules still let
// go.
func (db *DB) deleteCapture(ctx context.Context, tx *txn, d retention.Deletion) (bool, []string, error) {
	var body, shot string
	var item int64
	var hold bool
	err := tx.QueryRowContext(ctx, `SELECT c.sha256, c.screenshot_sha256, c.item_id, i.hold FROM patrol_captures c JOIN patrol_items i ON i.id = c.item_id
		WHERE c.id = ?`, d.ID).Scan(&body, &shot, &item, &hold)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("delete capture %d: %w", d.ID, err)
	}
	var named, latest int64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM patrol_findings WHERE capture_id = ?), (SELECT MAX(id) FROM patrol_captures WHERE item_id = ?)`,
		d.ID, item).Scan(&named, &latest); err != nil {
		return false, nil, fmt.Errorf("delete capture %d: %w", d.ID, err)
	}
	// The latest capture of its item stays, and with it the table's
	// highest id (see reportNewest).
	if hold || named > 0 || latest == d.ID {
		return false, nil, nil
	}
	hash, _, err := canonicalRow(ctx, tx, "patrol_captures", "id = ?", d.ID)
	if err != nil {
		return false, nil, err
	}
	if err := db.tombstone(ctx, tx, retention.TypeCapture, d.ID, hash, d); err != nil {
		return false, nil, err
	}
	if err := execAll(ctx, tx, d.ID, `DELETE FROM patrol_captures WHERE id = ?`); err != nil {
		return false, nil, fmt.Errorf("delete capture %d: %w", d.ID, err)
	}
	files := []string{body}
	if shot != "" {
		files = append(files, shot)
	}
	return true, files, nil
}

// FileNamed implements retention.Store: the tables FileSums reads.
func (db *DB) FileNamed(ctx context.Context, sum string) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM report_files WHERE sha256 = ?) + (SELECT COUNT(*) FROM case_evidence WHERE sha256 = ?)
		+ (SELECT COUNT(*) FROM patrol_captures WHERE sha256 = ?) + (SELECT COUNT(*) FROM patrol_captures WHERE screenshot_sha256 = ?)
		+ (SELECT COUNT(*) FROM takedown_requests WHERE evidence_sha256 = ?)`, sum, sum, sum, sum, sum).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("file named: %w", err)
	}
	return n > 0, nil
}

// Tombstone is one record retention deleted.
type Tombstone struct {
	Type, Rule, Version, RowHash string
	ID                           int64
	At                           time.Time
}

// Tombstones lists the tombstones of a record type, oldest first.
func (db *DB) Tombstones(ctx context.Context, typ string) ([]Tombstone, error) {
	return collect(ctx, db.read, func(s scanner) (Tombstone, error) {
		var t Tombstone
		var at int64
		err := s.Scan(&t.Type, &t.ID, &t.RowHash, &t.Rule, &t.Version, &at)
		t.At = tm(at)
		return t, err
	}, `SELECT record_type, record_id, row_hash, rule, policy_version, deleted_at FROM retention_tombstones WHERE record_type = ? ORDER BY id`, typ)
}

// RowHash is the canonical hash retention would write for one row of
// table (tests compare it with the tombstone after the row went).
func (db *DB) RowHash(ctx context.Context, table string, id int64) (string, error) {
	var h string
	err := db.inTx(ctx, func(tx *txn) error {
		var ok bool
		var err error
		h, ok, err = canonicalRow(ctx, tx, table, "id = ?", id)
		if err == nil && !ok {
			return notFound("error.not_found")
		}
		return err
	})
	return h, err
}

// AuditPrunable implements retention.Store.
func (db *DB) AuditPrunable(ctx context.Context, cutoff time.Time) (int64, int64, error) {
	var last, n int64
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0), COUNT(*) FROM audit_log WHERE at < ?
		AND id < (SELECT MAX(id) FROM audit_log)`, ts(cutoff)).Scan(&last, &n)
	if err != nil {
		return 0, 0, fmt.Errorf("audit prunable: %w", err)
	}
	if last == 0 {
		return 0, 0, nil
	}
	// The prefix ends at the first row written at or after the cut-off
	// (rows are written in time order, but a prefix it must be).
	var firstKept int64
	err = db.read.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), 0) FROM audit_log WHERE at >= ?`, ts(cutoff)).Scan(&firstKept)
	if err != nil {
		return 0, 0, fmt.Errorf("audit prunable: %w", err)
	}
	if firstKept != 0 && firstKept <= last {
		last = firstKept - 1
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE id <= ?`, last).Scan(&n); err != nil {
			return 0, 0, fmt.Errorf("audit prunable: %w", err)
		}
	}
	if n == 0 {
		return 0, 0, nil
	}
	return last, n, nil
}

// PruneAudit implements retention.Store: when a checkpoint already covers
// lastID it returns that one and changes nothing; otherwise, under the
// chain's lock, the
// checkpoint (the last pruned row's id, hash and time) is written, the rows
// up to it are deleted (the database lets an audit row go only once a
// checkpoint covers it) and retention.audit_pruned is appended, all in one
// transaction.
func (db *DB) PruneAudit(ctx context.Context, lastID int64, at time.Time, e audit.Entry) (audit.Checkpoint, error) {
	var cp audit.Checkpoint
	err := db.inTx(ctx, func(tx *txn) error {
		if err := db.holdChain(ctx, tx); err != nil {
			return err
		}
		// Another server (or koban retention run by hand) pruned as far
		// already: nothing to do.
		if prev, ok, err := latestCheckpoint(ctx, tx); err != nil {
			return err
		} else if ok && prev.LastID >= lastID {
			cp = prev
			return nil
		}
		var rowAt int64
		if err := tx.QueryRowContext(ctx, `SELECT hash, at FROM audit_log WHERE id = ?`, lastID).Scan(&cp.LastHash, &rowAt); err != nil {
			return fmt.Errorf("prune audit: row %d: %w", lastID, err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE id <= ?`, lastID).Scan(&cp.Pruned); err != nil {
			return fmt.Errorf("prune audit: %w", err)
		}
		cp.LastID, cp.LastAt, cp.At = lastID, tm(rowAt), at.UTC().Truncate(time.Microsecond)
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (last_id, last_hash, last_at, pruned, created_at) VALUES (?, ?, ?, ?, ?)`,
			cp.LastID, cp.LastHash, rowAt, cp.Pruned, ts(cp.At)); err != nil {
			return fmt.Errorf("prune audit: checkpoint: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE id <= ?`, lastID); err != nil {
			return fmt.Errorf("prune audit: %w", err)
		}
		e.Detail = mergeDetail(e.Detail, map[string]any{"last_id": cp.LastID, "last_hash": cp.LastHash, "pruned": cp.Pruned})
		return db.appendAudit(ctx, tx, e)
	})
	return cp, err
}

// LatestCheckpoint returns the newest audit checkpoint; ok is false when
// the log was never pruned.
func (db *DB) LatestCheckpoint(ctx context.Context) (audit.Checkpoint, bool, error) {
	return latestCheckpoint(ctx, db.read)
}

func latestCheckpoint(ctx context.Context, q querier) (audit.Checkpoint, bool, error) {
	var cp audit.Checkpoint
	var lastAt, at int64
	err := q.QueryRowContext(ctx, `SELECT last_id, last_hash, last_at, pruned, created_at FROM audit_checkpoints ORDER BY last_id DESC LIMIT 1`).
		Scan(&cp.LastID, &cp.LastHash, &lastAt, &cp.Pruned, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return cp, false, nil
	}
	if err != nil {
		return cp, false, fmt.Errorf("audit checkpoint: %w", err)
	}
	cp.LastAt, cp.At = tm(lastAt), tm(at)
	return cp, true, nil
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// RetentionRuns implements retention.Store: the tombstones grouped by the
// run that wrote them (a run writes every tombstone with its plan's time),
// newest first.
func (db *DB) RetentionRuns(ctx context.Context, limit int) ([]retention.Run, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT deleted_at, policy_version, record_type, COUNT(*) FROM retention_tombstones
		WHERE deleted_at IN (SELECT DISTINCT deleted_at FROM retention_tombstones ORDER BY deleted_at DESC LIMIT ?)
		GROUP BY deleted_at, policy_version, record_type ORDER BY deleted_at DESC, policy_version, record_type`, limit)
	if err != nil {
		return nil, fmt.Errorf("retention runs: %w", err)
	}
	defer rows.Close()
	var out []retention.Run
	for rows.Next() {
		var at int64
		var version, typ string
		var n int
		if err := rows.Scan(&at, &version, &typ, &n); err != nil {
			return nil, fmt.Errorf("retention runs: %w", err)
		}
		if k := len(out); k == 0 || !out[k-1].At.Equal(tm(at)) || out[k-1].Version != version {
			out = append(out, retention.Run{At: tm(at), Version: version, Deleted: map[string]int{}})
		}
		out[len(out)-1].Deleted[typ] += n
	}
	return out, rows.Err()
}

// AuditCheckpoints implements retention.Store, newest first.
func (db *DB) AuditCheckpoints(ctx context.Context, limit int) ([]audit.Checkpoint, error) {
	return collect(ctx, db.read, func(s scanner) (audit.Checkpoint, error) {
		var cp audit.Checkpoint
		var lastAt, at int64
		err := s.Scan(&cp.LastID, &cp.LastHash, &lastAt, &cp.Pruned, &at)
		cp.LastAt, cp.At = tm(lastAt), tm(at)
		return cp, err
	}, `SELECT last_id, last_hash, last_at, pruned, created_at FROM audit_checkpoints ORDER BY last_id DESC LIMIT ?`, limit)
}
