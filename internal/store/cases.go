package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
)

// Cases: every change writes its timeline entry (case_events) and its audit
// row in its own transaction, and moves the case's updated_at, by which
// lists are ordered. Reports are linked through case_reports and never
// copied: the national index is not touched.

const caseCols = `id, number, title, summary, category, law, severity, status, close_reason, org_id, COALESCE(lead_id, 0),
	COALESCE(created_by, 0), created_at, updated_at, hold, hold_reason, COALESCE(hold_by, 0), hold_at`

func scanCase(s scanner) (*cases.Case, error) {
	var c cases.Case
	var law, severity, status string
	var created, updated, holdAt int64
	err := s.Scan(&c.ID, &c.Number, &c.Title, &c.Summary, &c.Category, &law, &severity, &status, &c.CloseReason, &c.OrgID,
		&c.LeadID, &c.CreatedBy, &created, &updated, &c.Hold, &c.HoldReason, &c.HoldBy, &holdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("load case: %w", err)
	}
	c.Law, c.Severity, c.Status = taxonomy.LawBucket(law), cases.Severity(severity), cases.Status(status)
	c.CreatedAt, c.UpdatedAt, c.HoldAt = tm(created), tm(updated), tm(holdAt)
	return &c, nil
}

// CreateCase stores a new case with its members, the reports it is opened
// from, its first tasks, their timeline entries and the audit entry, in one
// transaction. The case number is the next of prefix ("2026-13" gives
// "2026-13-00001", then "-00002" …). It sets c.ID, c.Number and the tasks'
// IDs. A report that does not exist is a field error on "reports".
func (db *DB) CreateCase(ctx context.Context, c *cases.Case, prefix string, reports []int64, tasks []cases.Task, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		var seq int64
		err := tx.QueryRowContext(ctx, `INSERT INTO case_numbers (prefix, last) VALUES (?, 1)
			ON CONFLICT (prefix) DO UPDATE SET last = case_numbers.last + 1 RETURNING last`, prefix).Scan(&seq)
		if err != nil {
			return fmt.Errorf("draw case number: %w", err)
		}
		c.Number = fmt.Sprintf("%s-%05d", prefix, seq)
		err = tx.QueryRowContext(ctx, `INSERT INTO cases (number, title, summary, category, law, severity, status, close_reason,
			org_id, lead_id, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			c.Number, c.Title, c.Summary, c.Category, string(c.Law), string(c.Severity), string(c.Status), c.CloseReason,
			c.OrgID, nullID(c.LeadID), nullID(c.CreatedBy), ts(c.CreatedAt), ts(c.UpdatedAt)).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("create case: %w", err)
		}
		if err := db.indexCase(ctx, tx, c); err != nil {
			return err
		}
		c.Members = uniqueIDs(c.Members)
		if err := db.addMembers(ctx, tx, c.ID, c.Members, c); err != nil {
			return err
		}
		if err := db.insertCaseEvent(ctx, tx, &cases.Event{CaseID: c.ID, At: c.CreatedAt, ActorID: c.CreatedBy, Kind: cases.EventOpened}); err != nil {
			return err
		}
		for _, rid := range uniqueIDs(reports) {
			if err := db.linkReport(ctx, tx, c.ID, rid, c.CreatedBy, c.CreatedAt); err != nil {
				return err
			}
		}
		for i := range tasks {
			tasks[i].CaseID = c.ID
			if err := db.insertTask(ctx, tx, &tasks[i]); err != nil {
				return err
			}
		}
		e.ObjectType, e.ObjectID = cases.ObjectType, strconv.FormatInt(c.ID, 10)
		if e.Detail == nil {
			e.Detail = map[string]any{}
		}
		e.Detail["number"] = c.Number
		return db.appendAudit(ctx, tx, e)
	})
}

func (db *DB) addMembers(ctx context.Context, tx *txn, caseID int64, ids []int64, c *cases.Case) error {
	for _, uid := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_members (case_id, user_id, added_at) VALUES (?,?,?)`, caseID, uid, ts(c.UpdatedAt)); err != nil {
			return fmt.Errorf("add case member: %w", err)
		}
	}
	return nil
}

// uniqueIDs returns ids without zeros and repeats, in their first order.
func uniqueIDs(ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Case returns a case with its members.
func (db *DB) Case(ctx context.Context, id int64) (*cases.Case, error) {
	c, err := scanCase(db.read.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	c.Members, err = db.members(ctx, db.read, id)
	return c, err
}

func (db *DB) members(ctx context.Context, q querier, caseID int64) ([]int64, error) {
	ids, err := collect(ctx, q, scanID, `SELECT user_id FROM case_members WHERE case_id = ? ORDER BY added_at, user_id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("case members: %w", err)
	}
	return ids, nil
}

// Cases: see case_list.go.

// UpdateCase loads the case (locked until commit), lets fn change it and
// name the timeline entry (none when its Kind is empty) and the audit
// entry, and stores all three in one transaction. Members are stored as fn
// leaves them.
func (db *DB) UpdateCase(ctx context.Context, id int64, fn func(*cases.Case) (cases.Event, audit.Entry, error)) error {
	return db.inTx(ctx, func(tx *txn) error {
		c, err := db.lockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		before := slices.Clone(c.Members)
		ev, e, err := fn(c)
		if err != nil {
			return err
		}
		if err := db.saveCase(ctx, tx, c, before); err != nil {
			return err
		}
		if ev.Kind != "" {
			ev.CaseID = id
			if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, caseEntry(e, id))
	})
}

// lockCase loads a case with its members inside tx, holding its row until
// commit.
func (db *DB) lockCase(ctx context.Context, tx *txn, id int64) (*cases.Case, error) {
	c, err := scanCase(tx.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = ?`+db.d.forUpdate, id))
	if err != nil {
		return nil, err
	}
	if c.Members, err = db.members(ctx, tx, id); err != nil {
		return nil, err
	}
	return c, nil
}

// saveCase stores a case loaded by lockCase as it now is; before are its
// members as loaded.
func (db *DB) saveCase(ctx context.Context, tx *txn, c *cases.Case, before []int64) error {
	id := c.ID
	_, err := tx.ExecContext(ctx, `UPDATE cases SET title = ?, summary = ?, category = ?, law = ?, severity = ?, status = ?,
		close_reason = ?, org_id = ?, lead_id = ?, updated_at = ?, hold = ?, hold_reason = ?, hold_by = ?, hold_at = ? WHERE id = ?`,
		c.Title, c.Summary, c.Category, string(c.Law), string(c.Severity), string(c.Status), c.CloseReason, c.OrgID,
		nullID(c.LeadID), ts(c.UpdatedAt), c.Hold, c.HoldReason, nullID(c.HoldBy), ts(c.HoldAt), id)
	if err != nil {
		return fmt.Errorf("update case %d: %w", id, err)
	}
	if err := db.indexCase(ctx, tx, c); err != nil {
		return err
	}
	after := uniqueIDs(c.Members)
	for _, uid := range before {
		if !slices.Contains(after, uid) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM case_members WHERE case_id = ? AND user_id = ?`, id, uid); err != nil {
				return fmt.Errorf("remove case member: %w", err)
			}
		}
	}
	var added []int64
	for _, uid := range after {
		if !slices.Contains(before, uid) {
			added = append(added, uid)
		}
	}
	return db.addMembers(ctx, tx, id, added, c)
}

// caseEntry names the case as the audit entry's object.
func caseEntry(e audit.Entry, id int64) audit.Entry {
	e.ObjectType, e.ObjectID = cases.ObjectType, strconv.FormatInt(id, 10)
	return e
}

// insertCaseEvent appends one entry to a case's timeline inside tx; it sets
// ev.ID. Capabilities that add to cases (referrals, evidence) write their
// entries through it, in the transaction of their change.
func (db *DB) insertCaseEvent(ctx context.Context, tx *txn, ev *cases.Event) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO case_events (case_id, at, actor_id, kind, ref_id, from_value, to_value, reason, text)
		VALUES (?,?,?,?,?,?,?,?,?) RETURNING id`, ev.CaseID, ts(ev.At), nullID(ev.ActorID), string(ev.Kind), ev.RefID,
		ev.From, ev.To, ev.Reason, ev.Text).Scan(&ev.ID)
	if err != nil {
		return fmt.Errorf("case timeline: %w", err)
	}
	// Every change to a case writes a timeline entry: open pages hear of it.
	return db.notifyChange(ctx, tx, Change{Kind: ChangeCase, CaseID: ev.CaseID})
}

// touchCase moves a case's updated_at forward to at; a missing case is
// NotFound. On PostgreSQL it also holds the case's row until commit, so
// that changes to one case queue behind each other.
func (db *DB) touchCase(ctx context.Context, tx *txn, id int64, at int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = `+db.d.greatest+`(updated_at, ?) WHERE id = ?`, at, id)
	if err != nil {
		return fmt.Errorf("touch case %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return notFound("error.not_found")
	}
	return nil
}

// LinkReport links a report to a case, with its timeline and audit entries.
// A missing case or report is NotFound; a report already linked is a
// Conflict on the field "report".
func (db *DB) LinkReport(ctx context.Context, caseID, reportID, by int64, at time.Time, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.touchCase(ctx, tx, caseID, ts(at)); err != nil {
			return err
		}
		if err := db.linkReport(ctx, tx, caseID, reportID, by, at); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, caseEntry(e, caseID))
	})
}

func (db *DB) linkReport(ctx context.Context, tx *txn, caseID, reportID, by int64, at time.Time) error {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM reports WHERE id = ?`, reportID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return &koban.Error{Code: koban.NotFound, Key: "error.not_found", Field: "report"}
	} else if err != nil {
		return fmt.Errorf("find report %d: %w", reportID, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO case_reports (case_id, report_id, linked_by, linked_at) VALUES (?,?,?,?)
		ON CONFLICT (case_id, report_id) DO NOTHING`, caseID, reportID, nullID(by), ts(at))
	if err != nil {
		return fmt.Errorf("link report: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &koban.Error{Code: koban.Conflict, Key: "case.error.report_linked", Field: "report"}
	}
	return db.insertCaseEvent(ctx, tx, &cases.Event{CaseID: caseID, At: at, ActorID: by, Kind: cases.EventReportLinked, RefID: reportID})
}

// UnlinkReport removes a report from a case (the report itself stays as it
// is), with its timeline and audit entries. A case that does not hold the
// report is NotFound.
func (db *DB) UnlinkReport(ctx context.Context, caseID, reportID, by int64, at time.Time, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.touchCase(ctx, tx, caseID, ts(at)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM case_reports WHERE case_id = ? AND report_id = ?`, caseID, reportID)
		if err != nil {
			return fmt.Errorf("unlink report: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &koban.Error{Code: koban.NotFound, Key: "error.not_found", Field: "report"}
		}
		if err := db.insertCaseEvent(ctx, tx, &cases.Event{CaseID: caseID, At: at, ActorID: by, Kind: cases.EventReportUnlinked, RefID: reportID}); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, caseEntry(e, caseID))
	})
}

// LinkedReports returns the reports linked to a case, in the order they
// were linked.
func (db *DB) LinkedReports(ctx context.Context, caseID int64) ([]cases.LinkedReport, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT r.id, r.receipt, r.org_id, r.tlp, r.category, r.status, substr(r.description, 1, 120),
		r.created_at, COALESCE(cr.linked_by, 0), cr.linked_at
		FROM case_reports cr JOIN reports r ON r.id = cr.report_id WHERE cr.case_id = ? ORDER BY cr.linked_at, r.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("linked reports: %w", err)
	}
	defer rows.Close()
	var out []cases.LinkedReport
	for rows.Next() {
		var l cases.LinkedReport
		var created, linked int64
		var level string
		if err := rows.Scan(&l.ReportID, &l.Receipt, &l.OrgID, &level, &l.Category, &l.Status, &l.Summary, &created, &l.LinkedBy, &linked); err != nil {
			return nil, err
		}
		l.CreatedAt, l.LinkedAt, l.TLP = tm(created), tm(linked), tlp.Level(level)
		out = append(out, l)
	}
	return out, rows.Err()
}

// CasesOfReport returns the ids of the cases a report is linked to.
func (db *DB) CasesOfReport(ctx context.Context, reportID int64) ([]int64, error) {
	ids, err := collect(ctx, db.read, scanID, `SELECT case_id FROM case_reports WHERE report_id = ? ORDER BY case_id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("cases of report: %w", err)
	}
	return ids, nil
}

// ReportOwner returns the organisation that owns a report.
func (db *DB) ReportOwner(ctx context.Context, reportID int64) (int64, error) {
	var org int64
	err := db.read.QueryRowContext(ctx, `SELECT org_id FROM reports WHERE id = ?`, reportID).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("error.not_found")
	}
	if err != nil {
		return 0, fmt.Errorf("report owner: %w", err)
	}
	return org, nil
}

const taskCols = `t.id, t.case_id, t.title, t.template_key, COALESCE(t.assignee_id, 0), t.due_at, t.status, COALESCE(t.created_by, 0),
	t.created_at, COALESCE(t.done_by, 0), t.done_at`

func scanTask(s scanner, extra ...any) (cases.Task, error) {
	var t cases.Task
	var status string
	var due, created, done int64
	err := s.Scan(append([]any{&t.ID, &t.CaseID, &t.Title, &t.TemplateKey, &t.AssigneeID, &due, &status, &t.CreatedBy, &created,
		&t.DoneBy, &done}, extra...)...)
	t.Status, t.Due, t.CreatedAt, t.DoneAt = cases.TaskStatus(status), tm(due), tm(created), tm(done)
	return t, err
}

func (db *DB) insertTask(ctx context.Context, tx *txn, t *cases.Task) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO case_tasks (case_id, title, template_key, assignee_id, due_at, status, created_by, created_at,
		done_by, done_at) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id`, t.CaseID, t.Title, t.TemplateKey, nullID(t.AssigneeID), ts(t.Due),
		string(t.Status), nullID(t.CreatedBy), ts(t.CreatedAt), nullID(t.DoneBy), ts(t.DoneAt)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("add task: %w", err)
	}
	return db.insertCaseEvent(ctx, tx, &cases.Event{CaseID: t.CaseID, At: t.CreatedAt, ActorID: t.CreatedBy, Kind: cases.EventTaskAdded, RefID: t.ID})
}

// AddTask adds a task to a case, with its timeline and audit entries; it
// sets t.ID. A missing case is NotFound.
func (db *DB) AddTask(ctx context.Context, t *cases.Task, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.touchCase(ctx, tx, t.CaseID, ts(t.CreatedAt)); err != nil {
			return err
		}
		if err := db.insertTask(ctx, tx, t); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, caseEntry(e, t.CaseID))
	})
}

// UpdateTask loads one task of a case (locked until commit), lets fn change
// it and name the timeline entry (none when its Kind is empty) and the
// audit entry, and stores them in one transaction. A task that is not the
// case's is NotFound.
func (db *DB) UpdateTask(ctx context.Context, caseID, taskID int64, fn func(*cases.Task) (cases.Event, audit.Entry, error)) error {
	return db.inTx(ctx, func(tx *txn) error {
		t, err := scanTask(tx.QueryRowContext(ctx, `SELECT `+taskCols+` FROM case_tasks t WHERE t.id = ? AND t.case_id = ?`+db.d.forUpdate, taskID, caseID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		}
		if err != nil {
			return fmt.Errorf("load task %d: %w", taskID, err)
		}
		ev, e, err := fn(&t)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE case_tasks SET title = ?, assignee_id = ?, due_at = ?, status = ?, done_by = ?, done_at = ?
			WHERE id = ?`, t.Title, nullID(t.AssigneeID), ts(t.Due), string(t.Status), nullID(t.DoneBy), ts(t.DoneAt), taskID)
		if err != nil {
			return fmt.Errorf("update task %d: %w", taskID, err)
		}
		if ev.Kind != "" {
			ev.CaseID, ev.RefID = caseID, taskID
			if err := db.touchCase(ctx, tx, caseID, ts(ev.At)); err != nil {
				return err
			}
			if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, caseEntry(e, caseID))
	})
}

// Tasks returns a case's tasks in the order they were added.
func (db *DB) Tasks(ctx context.Context, caseID int64) ([]cases.Task, error) {
	ts, err := collect(ctx, db.read, func(s scanner) (cases.Task, error) { return scanTask(s) }, `SELECT `+taskCols+` FROM case_tasks t WHERE t.case_id = ? ORDER BY t.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	return ts, nil
}

// TaskList lists tasks across the cases in f.Scope: open before done, then
// by due day (those without one last), then in the order they were added;
// and how many match in all.
func (db *DB) TaskList(ctx context.Context, f cases.TaskFilter) ([]cases.TaskRow, int, error) {
	cond, args := scopeWhere(f.Scope, "c.org_id", "c.id")
	where := []string{cond}
	if f.AssigneeID != 0 {
		where, args = append(where, `t.assignee_id = ?`), append(args, f.AssigneeID)
	}
	if f.Status != "" {
		where, args = append(where, `t.status = ?`), append(args, string(f.Status))
	}
	w := strings.Join(where, " AND ")
	from := ` FROM case_tasks t JOIN cases c ON c.id = t.case_id WHERE `
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*)`+from+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count tasks: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+taskCols+`, c.number, c.title, c.org_id`+from+w+`
		ORDER BY CASE WHEN t.status = 'open' THEN 0 ELSE 1 END, CASE WHEN t.due_at = 0 THEN 1 ELSE 0 END, t.due_at, t.id
		LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	var out []cases.TaskRow
	for rows.Next() {
		var r cases.TaskRow
		t, err := scanTask(rows, &r.CaseNumber, &r.CaseTitle, &r.CaseOrgID)
		if err != nil {
			return nil, 0, err
		}
		r.Task = t
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// AddNote adds a note to a case, with its timeline and audit entries; it
// sets n.ID. A missing case is NotFound.
func (db *DB) AddNote(ctx context.Context, n *cases.Note, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.touchCase(ctx, tx, n.CaseID, ts(n.CreatedAt)); err != nil {
			return err
		}
		if err := db.insertNote(ctx, tx, n); err != nil {
			return err
		}
		if err := db.insertCaseEvent(ctx, tx, &cases.Event{CaseID: n.CaseID, At: n.CreatedAt, ActorID: n.AuthorID, Kind: cases.EventNote, RefID: n.ID}); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, caseEntry(e, n.CaseID))
	})
}

// insertNote stores a note and its search row inside tx; it sets n.ID.
// Every note goes through it (an officer's, a support answer's), so that
// search finds them all.
func (db *DB) insertNote(ctx context.Context, tx *txn, n *cases.Note) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO case_notes (case_id, author_id, body, created_at) VALUES (?,?,?,?) RETURNING id`,
		n.CaseID, n.AuthorID, n.Body, ts(n.CreatedAt)).Scan(&n.ID)
	if err != nil {
		return fmt.Errorf("add note: %w", err)
	}
	return db.indexNote(ctx, tx, n)
}

// Notes returns a case's notes, oldest first.
func (db *DB) Notes(ctx context.Context, caseID int64) ([]cases.Note, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, case_id, author_id, body, created_at FROM case_notes WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}
	defer rows.Close()
	var out []cases.Note
	for rows.Next() {
		var n cases.Note
		var at int64
		if err := rows.Scan(&n.ID, &n.CaseID, &n.AuthorID, &n.Body, &at); err != nil {
			return nil, err
		}
		n.CreatedAt = tm(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Timeline returns a case's timeline, oldest first; entries about a report
// carry its owner and receipt.
func (db *DB) Timeline(ctx context.Context, caseID int64) ([]cases.Event, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT e.id, e.case_id, e.at, COALESCE(e.actor_id, 0), e.kind, e.ref_id, e.from_value, e.to_value,
		e.reason, e.text, COALESCE(r.org_id, 0), COALESCE(r.receipt, '')
		FROM case_events e LEFT JOIN reports r ON r.id = e.ref_id AND e.kind IN ('report_linked', 'report_unlinked')
		WHERE e.case_id = ? ORDER BY e.at, e.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	defer rows.Close()
	var out []cases.Event
	for rows.Next() {
		var ev cases.Event
		var kind string
		var at int64
		if err := rows.Scan(&ev.ID, &ev.CaseID, &at, &ev.ActorID, &kind, &ev.RefID, &ev.From, &ev.To, &ev.Reason, &ev.Text,
			&ev.RefOrgID, &ev.RefLabel); err != nil {
			return nil, err
		}
		ev.At, ev.Kind = tm(at), cases.EventKind(kind)
		out = append(out, ev)
	}
	return out, rows.Err()
}
