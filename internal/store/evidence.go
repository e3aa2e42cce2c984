package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/observe"
)

// Case evidence and its chain of custody. Both tables are append-only (the
// database refuses UPDATE and DELETE: see migration 00011), so there is no
// method here that changes an item or an entry; where an item is kept and
// who holds it are read from its latest custody entries.

const evidenceCols = `e.id, e.case_id, e.kind, e.name, e.description, e.sha256, e.size, e.serial, e.collected_by, e.received_from,
	e.collected_at, COALESCE(e.added_by, 0), e.created_at,
	COALESCE((SELECT c.location FROM evidence_custody c WHERE c.evidence_id = e.id AND c.location <> '' ORDER BY c.id DESC LIMIT 1), ''),
	COALESCE((SELECT c.action || ' ' || c.party FROM evidence_custody c WHERE c.evidence_id = e.id
		AND c.action IN ('collected', 'received', 'handed_over', 'returned') ORDER BY c.id DESC LIMIT 1), '')`

func scanEvidence(s scanner) (cases.Evidence, error) {
	var ev cases.Evidence
	var kind, last string
	var collected, created int64
	err := s.Scan(&ev.ID, &ev.CaseID, &kind, &ev.Name, &ev.Description, &ev.SHA256, &ev.Size, &ev.Serial, &ev.CollectedBy, &ev.ReceivedFrom,
		&collected, &ev.AddedBy, &created, &ev.Location, &last)
	if err != nil {
		return ev, err
	}
	ev.Kind, ev.CollectedAt, ev.CreatedAt = cases.EvidenceKind(kind), tm(collected), tm(created)
	// The last transfer: handed over or returned to someone, the item is
	// with them; collected or received, the police hold it.
	action, party, _ := strings.Cut(last, " ")
	switch cases.CustodyAction(action) {
	case cases.CustodyHandedOver:
		ev.Holder = party
	case cases.CustodyReturned:
		ev.Holder, ev.Returned = party, true
	}
	return ev, nil
}

// AddEvidence stores an evidence item of a case with its first custody
// entry, its timeline entry and its audit entry (whose object becomes the
// new item), in one transaction; it sets ev.ID, first.ID and
// first.EvidenceID. A missing case is NotFound.
func (db *DB) AddEvidence(ctx context.Context, ev *cases.Evidence, first *cases.Custody, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.touchCase(ctx, tx, ev.CaseID, ts(ev.CreatedAt)); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO case_evidence (case_id, kind, name, description, sha256, size, serial, collected_by,
			received_from, collected_at, added_by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			ev.CaseID, string(ev.Kind), ev.Name, ev.Description, ev.SHA256, ev.Size, ev.Serial, ev.CollectedBy, ev.ReceivedFrom,
			ts(ev.CollectedAt), nullID(ev.AddedBy), ts(ev.CreatedAt)).Scan(&ev.ID)
		if err != nil {
			return fmt.Errorf("add evidence: %w", err)
		}
		first.EvidenceID = ev.ID
		if err := db.insertCustody(ctx, tx, ev.CaseID, first); err != nil {
			return err
		}
		if err := db.insertCaseEvent(ctx, tx, &cases.Event{CaseID: ev.CaseID, At: ev.CreatedAt, ActorID: ev.AddedBy,
			Kind: cases.EventEvidenceAdded, RefID: ev.ID}); err != nil {
			return err
		}
		e.ObjectType, e.ObjectID = cases.EvidenceObjectType, strconv.FormatInt(ev.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// insertCustody appends one custody entry to an item of the case; an item
// that is not the case's is NotFound. It sets c.ID.
func (db *DB) insertCustody(ctx context.Context, tx *txn, caseID int64, c *cases.Custody) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO evidence_custody (evidence_id, at, actor_id, action, party, location, note, sha256)
		SELECT e.id, ?, ?, ?, ?, ?, ?, ? FROM case_evidence e WHERE e.id = ? AND e.case_id = ? RETURNING id`,
		ts(c.At), nullID(c.ActorID), string(c.Action), c.Party, c.Location, c.Note, c.SHA256, c.EvidenceID, caseID).Scan(&c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("error.not_found")
	}
	if err != nil {
		return fmt.Errorf("custody entry: %w", err)
	}
	return nil
}

// AddCustody appends entries to the custody logs of items of a case, with
// a timeline entry (none when ev.Kind is empty; the case's updated_at moves
// with it) and an audit entry (none when e.Action is empty), in one
// transaction. It sets the entries' IDs. An item that is not the case's is
// NotFound, and nothing is stored.
func (db *DB) AddCustody(ctx context.Context, caseID int64, entries []cases.Custody, ev cases.Event, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		for i := range entries {
			if err := db.insertCustody(ctx, tx, caseID, &entries[i]); err != nil {
				return err
			}
		}
		if ev.Kind != "" {
			ev.CaseID = caseID
			if err := db.touchCase(ctx, tx, caseID, ts(ev.At)); err != nil {
				return err
			}
			if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
				return err
			}
		}
		if e.Action == "" {
			return nil
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// EvidenceItem returns one evidence item of a case; an item of another
// case is NotFound, as a missing one.
func (db *DB) EvidenceItem(ctx context.Context, caseID, id int64) (*cases.Evidence, error) {
	ev, err := scanEvidence(db.read.QueryRowContext(ctx, `SELECT `+evidenceCols+` FROM case_evidence e WHERE e.id = ? AND e.case_id = ?`, id, caseID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("load evidence %d: %w", id, err)
	}
	return &ev, nil
}

// EvidenceList returns a case's evidence in the order it was added.
func (db *DB) EvidenceList(ctx context.Context, caseID int64) ([]cases.Evidence, error) {
	out, err := collect(ctx, db.read, scanEvidence, `SELECT `+evidenceCols+` FROM case_evidence e WHERE e.case_id = ? ORDER BY e.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("evidence of case %d: %w", caseID, err)
	}
	return out, nil
}

// Custody returns an item's custody log, oldest first.
func (db *DB) Custody(ctx context.Context, evidenceID int64) ([]cases.Custody, error) {
	out, err := collect(ctx, db.read, func(s scanner) (cases.Custody, error) {
		var c cases.Custody
		var action string
		var at int64
		err := s.Scan(&c.ID, &c.EvidenceID, &at, &c.ActorID, &action, &c.Party, &c.Location, &c.Note, &c.SHA256)
		c.At, c.Action = tm(at), cases.CustodyAction(action)
		return c, err
	}, `SELECT id, evidence_id, at, COALESCE(actor_id, 0), action, party, location, note, sha256 FROM evidence_custody
		WHERE evidence_id = ? ORDER BY id`, evidenceID)
	if err != nil {
		return nil, fmt.Errorf("custody of evidence %d: %w", evidenceID, err)
	}
	return out, nil
}

// StoredFiles yields every file a report or a case names, one row per
// holder, by SHA-256 in byte order, then reports before cases; a failure is
// yielded as the last error. The query runs until the loop ends, in one
// snapshot.
func (db *DB) StoredFiles(ctx context.Context) iter.Seq2[cases.StoredFile, error] {
	return func(yield func(cases.StoredFile, error) bool) {
		rows, err := db.read.QueryContext(ctx, `SELECT s, size, report_id, receipt, case_id, number, evidence_id FROM (
			SELECT f.sha256 AS s, f.size, f.report_id, r.receipt, 0 AS case_id, '' AS number, 0 AS evidence_id
			FROM report_files f JOIN reports r ON r.id = f.report_id
			UNION ALL
			SELECT e.sha256, e.size, 0, '', e.case_id, c.number, e.id
			FROM case_evidence e JOIN cases c ON c.id = e.case_id WHERE e.sha256 <> ''
		) files ORDER BY s COLLATE `+db.d.bytewise+`, case_id, report_id, evidence_id`)
		if err != nil {
			yield(cases.StoredFile{}, fmt.Errorf("stored files: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var f cases.StoredFile
			if err := rows.Scan(&f.SHA256, &f.Size, &f.ReportID, &f.Receipt, &f.CaseID, &f.CaseNumber, &f.EvidenceID); err != nil {
				yield(cases.StoredFile{}, fmt.Errorf("stored files: %w", err))
				return
			}
			if !yield(f, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(cases.StoredFile{}, fmt.Errorf("stored files: %w", err))
		}
	}
}

// ReportObservables returns the observables each report holds (read from
// the national index), in type and value order.
func (db *DB) ReportObservables(ctx context.Context, reportIDs []int64) (map[int64][]observe.Observable, error) {
	out := map[int64][]observe.Observable{}
	ids := uniqueIDs(reportIDs)
	for len(ids) > 0 {
		n := min(len(ids), 500)
		batch := ids[:n]
		ids = ids[n:]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := db.read.QueryContext(ctx, `SELECT oc.record_id, o.type, o.value FROM occurrences oc JOIN observables o ON o.id = oc.observable_id
			WHERE oc.record_type = 'report' AND oc.record_id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(batch)), ",")+`)
			ORDER BY oc.record_id, o.type, o.value`, args...)
		if err != nil {
			return nil, fmt.Errorf("report observables: %w", err)
		}
		for rows.Next() {
			var id int64
			var o observe.Observable
			var typ string
			if err := rows.Scan(&id, &typ, &o.Value); err != nil {
				rows.Close()
				return nil, fmt.Errorf("report observables: %w", err)
			}
			o.Type = observe.Type(typ)
			out[id] = append(out[id], o)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("report observables: %w", err)
		}
	}
	return out, nil
}

var _ cases.EvidenceStore = (*DB)(nil)
