package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
)

// CreateReports stores reports, their files, observables and audit entries
// in one transaction. Calls that arrive while another commit is on its way
// to disk are grouped into the next transaction (group commit): each report
// is durable (synchronous=FULL) when this returns, without paying one disk
// flush per report.
func (db *DB) CreateReports(ctx context.Context, rs []*intake.Report, entries []audit.Entry) error {
	if len(rs) != len(entries) {
		return fmt.Errorf("create reports: %d reports, %d audit entries", len(rs), len(entries))
	}
	// The search texts are built here, on the caller's goroutine, so that
	// the committer only writes them.
	texts := make([]string, len(rs))
	for i, r := range rs {
		texts[i] = searchTextOf(r)
	}
	req := commitReq{reports: rs, entries: entries, search: texts, done: make(chan error, 1)}
	db.closeMu.RLock()
	if db.closed {
		db.closeMu.RUnlock()
		return errors.New("create reports: database closed")
	}
	select {
	case db.commits <- req:
	case <-ctx.Done():
		db.closeMu.RUnlock()
		return ctx.Err()
	}
	db.closeMu.RUnlock()
	// Once queued, the request is committed or refused whatever the caller's
	// context does, so its outcome is always known.
	return <-req.done
}

type commitReq struct {
	reports []*intake.Report
	entries []audit.Entry
	search  []string // each report's search text
	done    chan error
}

// maxGroup bounds how many reports one grouped transaction carries.
const maxGroup = 1000

// committer runs the grouped transactions until the database closes.
func (db *DB) committer() {
	defer close(db.committerDone)
	for {
		var first commitReq
		select {
		case first = <-db.commits:
		case <-db.closing:
			// Whoever queued before the close still gets an answer.
			for {
				select {
				case r := <-db.commits:
					db.commitGroup([]commitReq{r})
				default:
					return
				}
			}
		}
		group, n := []commitReq{first}, len(first.reports)
	more:
		for n < maxGroup {
			select {
			case r := <-db.commits:
				group, n = append(group, r), n+len(r.reports)
			default:
				break more
			}
		}
		db.commitGroup(group)
	}
}

// commitGroup stores each request under its own savepoint, so that one bad
// request fails alone, and commits them all at once.
func (db *DB) commitGroup(group []commitReq) {
	ctx := context.Background()
	errs := make([]error, len(group))
	var stored []NewReport
	err := db.inTx(ctx, func(tx *txn) error {
		stored = stored[:0]
		// Fast path: the whole group in a few multi-row statements. If any
		// of it fails, undo it and store request by request, so that one bad
		// request fails alone.
		ok, err := db.trySavepoint(ctx, tx, func() error {
			var rs []*intake.Report
			var es []audit.Entry
			var texts []string
			for _, req := range group {
				rs, es, texts = append(rs, req.reports...), append(es, req.entries...), append(texts, req.search...)
			}
			return db.insertMany(ctx, tx, rs, es, texts)
		})
		if err != nil {
			return err
		}
		if !ok {
			db.fallbacks.Add(1)
		}
		for i, req := range group {
			if !ok {
				var rerr error
				if _, err := db.trySavepoint(ctx, tx, func() error {
					rerr = db.insertBatch(ctx, tx, req.reports, req.entries, req.search)
					return rerr
				}); err != nil {
					return err
				}
				errs[i] = rerr
			}
			if errs[i] == nil {
				for _, r := range req.reports {
					stored = append(stored, NewReport{ReportID: r.ID, OrgID: r.OrgID})
				}
			}
		}
		return db.notifyInTx(ctx, tx, stored)
	})
	if err == nil && db.d.name != "postgres" {
		for _, n := range stored {
			db.announce(n)
		}
	}
	for i, req := range group {
		if err != nil {
			req.done <- err
		} else {
			req.done <- errs[i]
		}
	}
}

// GroupFallbacks counts the grouped commits whose fast path failed, so that
// their reports were stored one request at a time (one bad request in the
// group, or a bug: either way worth watching).
func (db *DB) GroupFallbacks() int64 { return db.fallbacks.Load() }

// trySavepoint runs fn under a savepoint and rolls back to it (restoring the
// transaction's view of the audit chain) when fn fails. It reports whether
// fn succeeded; the error is only for a failure of the savepoint itself.
func (db *DB) trySavepoint(ctx context.Context, tx *txn, fn func() error) (bool, error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT report_batch`); err != nil {
		return false, err
	}
	held, id, hash := tx.auditHeld, tx.auditID, tx.auditHash
	failed := fn() != nil
	if failed {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT report_batch`); err != nil {
			return false, err
		}
		tx.auditHeld, tx.auditID, tx.auditHash = held, id, hash
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT report_batch`); err != nil {
		return false, err
	}
	return !failed, nil
}

const reportInsertCols = `receipt, token_hash, kind, category, reported_category, description,
	occurred_at, prefecture, org_id, amount_jpy, money_sent_at, freeze_deadline, urgent, status, close_reason,
	duplicate_of, assignee_id, contact_name, contact_email, contact_phone, consent, language, source, submitted_by,
	external_id, created_at, updated_at, tlp`

func (db *DB) reportValues(r *intake.Report) ([]any, error) {
	name, err := db.sealContact("contact_name", r.Contact.Name)
	if err != nil {
		return nil, err
	}
	email, err := db.sealContact("contact_email", r.Contact.Email)
	if err != nil {
		return nil, err
	}
	phone, err := db.sealContact("contact_phone", r.Contact.Phone)
	if err != nil {
		return nil, err
	}
	return []any{r.Receipt, r.TokenHash, string(r.Kind), r.Category, r.ReportedCategory, r.Description,
		ts(r.OccurredAt), r.Prefecture, r.OrgID, r.Money.AmountJPY, ts(r.Money.SentAt), ts(r.FreezeDeadline), r.Urgent,
		string(r.Status), r.CloseReason, nullID(r.DuplicateOf), nullID(r.AssigneeID), name, email,
		phone, r.Consent, r.Language, r.Source, nullID(r.SubmittedBy), r.ExternalID, ts(r.CreatedAt), ts(r.UpdatedAt), cmp.Or(r.TLP, correlate.DefaultTLP)}, nil
}

// values returns "(?,?,…),(?,?,…)…" for rows of n columns.
func values(rows, n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

// insertMany stores reports with a handful of multi-row statements: the
// reports, their observables, their search index rows (texts[i] for rs[i])
// and their audit rows, each in chunks that stay under both databases'
// limits on bound values.
func (db *DB) insertMany(ctx context.Context, tx *txn, rs []*intake.Report, entries []audit.Entry, texts []string) error {
	const chunk = 400 // 27 values a report: under SQLite's 32,766
	for start := 0; start < len(rs); start += chunk {
		part := rs[start:min(start+chunk, len(rs))]
		byReceipt := make(map[string]*intake.Report, len(part))
		args := make([]any, 0, 27*len(part))
		for _, r := range part {
			r.Receipt = intake.NewReceipt()
			if byReceipt[r.Receipt] != nil {
				return errors.New("receipt drawn twice in one batch")
			}
			byReceipt[r.Receipt] = r
			vals, err := db.reportValues(r)
			if err != nil {
				return err
			}
			args = append(args, vals...)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO reports (`+reportInsertCols+`) VALUES `+values(len(part), 28)+
			` ON CONFLICT (receipt) DO NOTHING RETURNING id, receipt`, args...)
		if err != nil {
			return fmt.Errorf("insert reports: %w", err)
		}
		n := 0
		for rows.Next() {
			var id int64
			var receipt string
			if err := rows.Scan(&id, &receipt); err != nil {
				rows.Close()
				return err
			}
			byReceipt[receipt].ID = id
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n != len(part) {
			return errors.New("receipt collision: retry one by one")
		}
	}
	for _, r := range rs {
		if err := db.insertFiles(ctx, tx, r.ID, r.Files); err != nil {
			return err
		}
	}
	if err := db.indexRecords(ctx, tx, recordsOf(rs, true)); err != nil {
		return err
	}
	if err := db.insertSearch(ctx, tx, rs, texts); err != nil {
		return err
	}
	for i := range entries {
		entries[i].ObjectID = strconv.FormatInt(rs[i].ID, 10)
		if entries[i].Detail == nil {
			entries[i].Detail = map[string]any{}
		}
		entries[i].Detail["receipt"] = rs[i].Receipt
	}
	return db.appendAudits(ctx, tx, entries)
}

func (db *DB) insertBatch(ctx context.Context, tx *txn, rs []*intake.Report, entries []audit.Entry, texts []string) error {
	for i, r := range rs {
		if err := db.insertReport(ctx, tx, r, texts[i]); err != nil {
			return err
		}
		e := entries[i]
		e.ObjectID = strconv.FormatInt(r.ID, 10)
		if e.Detail == nil {
			e.Detail = map[string]any{}
		}
		e.Detail["receipt"] = r.Receipt
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// insertReport stores one report with its files, observables and search
// index row (text).
func (db *DB) insertReport(ctx context.Context, tx *txn, r *intake.Report, text string) error {
	// A receipt collision (40 random bits) is rare enough that the insert
	// itself is the check: ON CONFLICT returns no row, and a new number is drawn.
	for attempt := 0; ; attempt++ {
		r.Receipt = intake.NewReceipt()
		vals, err := db.reportValues(r)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO reports (`+reportInsertCols+`) VALUES `+values(1, 28)+
			` ON CONFLICT (receipt) DO NOTHING RETURNING id`, vals...).Scan(&r.ID)
		if err == nil {
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("insert report: %w", err)
		}
		if attempt >= 10 {
			return errors.New("insert report: no free receipt number after 10 tries")
		}
	}
	if err := db.insertFiles(ctx, tx, r.ID, r.Files); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_search (`+db.d.searchKey+`, text) VALUES (?, ?)`, r.ID, text); err != nil {
		return fmt.Errorf("index report: %w", err)
	}
	return db.indexRecords(ctx, tx, recordsOf([]*intake.Report{r}, true))
}

// recordsOf describes reports to the national index; fresh when they are
// being stored in this transaction.
func recordsOf(rs []*intake.Report, fresh bool) []correlate.Record {
	out := make([]correlate.Record, len(rs))
	for i, r := range rs {
		out[i] = correlate.Record{Key: correlate.Key{Type: correlate.Report, ID: r.ID}, OrgID: r.OrgID,
			TLP: cmp.Or(r.TLP, correlate.DefaultTLP), At: r.CreatedAt, Observables: r.Observables, Fresh: fresh}
	}
	return out
}

func (db *DB) insertFiles(ctx context.Context, tx *txn, reportID int64, files []intake.File) error {
	for i := range files {
		f := &files[i]
		f.ReportID = reportID
		err := tx.QueryRowContext(ctx, `INSERT INTO report_files (report_id, sha256, name, content_type, size, added_by, created_at)
			VALUES (?,?,?,?,?,?,?) RETURNING id`, reportID, f.SHA256, f.Name, f.ContentType, f.Size, f.AddedBy, ts(f.CreatedAt)).Scan(&f.ID)
		if err != nil {
			return fmt.Errorf("insert file: %w", err)
		}
	}
	return nil
}

const reportCols = `id, receipt, token_hash, kind, category, reported_category, description, occurred_at, prefecture, org_id,
	amount_jpy, money_sent_at, freeze_deadline, urgent, status, close_reason, COALESCE(duplicate_of, 0), COALESCE(assignee_id, 0),
	contact_name, contact_email, contact_phone, consent, language, source, COALESCE(submitted_by, 0), external_id, created_at, updated_at, tlp`

type scanner interface{ Scan(...any) error }

func (db *DB) scanReport(s scanner) (*intake.Report, error) {
	var r intake.Report
	var kind, status string
	var occurred, sent, deadline, created, updated int64
	err := s.Scan(&r.ID, &r.Receipt, &r.TokenHash, &kind, &r.Category, &r.ReportedCategory, &r.Description, &occurred,
		&r.Prefecture, &r.OrgID, &r.Money.AmountJPY, &sent, &deadline, &r.Urgent, &status, &r.CloseReason, &r.DuplicateOf,
		&r.AssigneeID, &r.Contact.Name, &r.Contact.Email, &r.Contact.Phone, &r.Consent, &r.Language, &r.Source,
		&r.SubmittedBy, &r.ExternalID, &created, &updated, &r.TLP)
	if err != nil {
		return nil, err
	}
	r.Kind, r.Status = intake.Kind(kind), intake.Status(status)
	r.OccurredAt, r.Money.SentAt, r.FreezeDeadline, r.CreatedAt, r.UpdatedAt = tm(occurred), tm(sent), tm(deadline), tm(created), tm(updated)
	if err := db.openContact(&r.Contact); err != nil {
		return nil, fmt.Errorf("report %d: %w", r.ID, err)
	}
	return &r, nil
}

// ReportByTokenHash returns the report whose status token hashes to h.
func (db *DB) ReportByTokenHash(ctx context.Context, h string) (*intake.Report, error) {
	return db.loadReport(ctx, db.read, `token_hash = ?`, h)
}

// Report returns a report with its files, messages and observables.
func (db *DB) Report(ctx context.Context, id int64) (*intake.Report, error) {
	return db.loadReport(ctx, db.read, `id = ?`, id)
}

// ReportIDByReceipt returns the id of the report with that receipt number.
func (db *DB) ReportIDByReceipt(ctx context.Context, receipt string) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT id FROM reports WHERE receipt = ?`, receipt).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("error.not_found")
	}
	return id, err
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (db *DB) loadReport(ctx context.Context, q querier, where string, arg any) (*intake.Report, error) {
	r, err := db.scanReport(q.QueryRowContext(ctx, `SELECT `+reportCols+` FROM reports WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("load report: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, sha256, name, content_type, size, added_by, created_at FROM report_files WHERE report_id = ? ORDER BY id`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("load files: %w", err)
	}
	for rows.Next() {
		f := intake.File{ReportID: r.ID}
		var at int64
		if err := rows.Scan(&f.ID, &f.SHA256, &f.Name, &f.ContentType, &f.Size, &f.AddedBy, &at); err != nil {
			rows.Close()
			return nil, err
		}
		f.CreatedAt = tm(at)
		r.Files = append(r.Files, f)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT id, author, COALESCE(user_id, 0), body, created_at FROM report_messages WHERE report_id = ? ORDER BY id`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	for rows.Next() {
		m := intake.Message{ReportID: r.ID}
		var at int64
		if err := rows.Scan(&m.ID, &m.Author, &m.UserID, &m.Body, &at); err != nil {
			rows.Close()
			return nil, err
		}
		m.CreatedAt = tm(at)
		r.Messages = append(r.Messages, m)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT o.type, o.value FROM occurrences oc JOIN observables o ON o.id = oc.observable_id
		WHERE oc.record_type = 'report' AND oc.record_id = ? ORDER BY o.type, o.value`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("load observables: %w", err)
	}
	r.Observables, err = scanObservables(rows)
	return r, err
}

// Queue lists reports for triage, urgent ones first unless another sort is asked.
func (db *DB) Queue(ctx context.Context, f intake.QueueFilter) ([]intake.QueueItem, int, error) {
	if f.Scope.None {
		return nil, 0, nil
	}
	var where []string
	var args []any
	if !f.Scope.All {
		cond, a := scopeWhere(f.Scope, "org_id", "id")
		where, args = append(where, cond), append(args, a...)
	}
	if f.Kind != "" {
		where, args = append(where, `kind = ?`), append(args, string(f.Kind))
	}
	switch f.Category {
	case "":
	case "-":
		where = append(where, `category = ''`)
	default:
		where, args = append(where, `category = ?`), append(args, f.Category)
	}
	if f.Urgent {
		where, args = append(where, `urgent = ?`), append(args, true)
	}
	if f.Freeze {
		where, args = append(where, `freeze_deadline > ?`), append(args, ts(db.clock.Now()))
	}
	if f.Status != "" {
		where, args = append(where, `status = ?`), append(args, string(f.Status))
	}
	if f.AssigneeID != 0 {
		where, args = append(where, `assignee_id = ?`), append(args, f.AssigneeID)
	}
	if !f.From.IsZero() {
		where, args = append(where, `created_at >= ?`), append(args, ts(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, `created_at < ?`), append(args, ts(f.To))
	}
	cond := "1 = 1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count queue: %w", err)
	}
	order := `urgent DESC, CASE WHEN freeze_deadline > ? THEN 0 ELSE 1 END, created_at DESC, id DESC`
	orderArgs := []any{ts(db.clock.Now())}
	switch f.Sort {
	case "newest":
		order, orderArgs = `created_at DESC, id DESC`, nil
	case "oldest":
		order, orderArgs = `created_at ASC, id ASC`, nil
	}
	q := `SELECT id, receipt, kind, category, prefecture, org_id, urgent, freeze_deadline, status, COALESCE(assignee_id, 0),
		substr(description, 1, 120), created_at FROM reports WHERE ` + cond + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	all := append(append(append([]any{}, args...), orderArgs...), f.Limit, f.Offset)
	rows, err := db.read.QueryContext(ctx, q, all...)
	if err != nil {
		return nil, 0, fmt.Errorf("queue: %w", err)
	}
	defer rows.Close()
	var items []intake.QueueItem
	for rows.Next() {
		var it intake.QueueItem
		var kind, status string
		var deadline, created int64
		if err := rows.Scan(&it.ID, &it.Receipt, &kind, &it.Category, &it.Prefecture, &it.OrgID, &it.Urgent, &deadline,
			&status, &it.AssigneeID, &it.Summary, &created); err != nil {
			return nil, 0, err
		}
		it.Kind, it.Status, it.FreezeDeadline, it.CreatedAt = intake.Kind(kind), intake.Status(status), tm(deadline), tm(created)
		items = append(items, it)
	}
	return items, total, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// UpdateReport applies fn to the stored report and saves the triage fields
// and the audit entry in one transaction.
func (db *DB) UpdateReport(ctx context.Context, id int64, fn func(*intake.Report) (audit.Entry, error)) error {
	return db.inTx(ctx, func(tx *txn) error {
		r, err := db.scanReport(tx.QueryRowContext(ctx, `SELECT `+reportCols+` FROM reports WHERE id = ?`+db.d.forUpdate, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		}
		if err != nil {
			return fmt.Errorf("load report %d: %w", id, err)
		}
		owner := r.OrgID
		e, err := fn(r)
		if err != nil {
			return err
		}
		if r.OrgID != owner {
			// The index applies access by owner: it follows a transfer.
			for _, q := range []string{
				`UPDATE occurrences SET org_id = ? WHERE record_type = 'report' AND record_id = ?`,
				`UPDATE cluster_members SET org_id = ? WHERE record_type = 'report' AND record_id = ?`,
			} {
				if _, err := tx.ExecContext(ctx, q, r.OrgID, id); err != nil {
					return fmt.Errorf("transfer report %d in the index: %w", id, err)
				}
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE reports SET category = ?, org_id = ?, urgent = ?, status = ?, close_reason = ?,
			duplicate_of = ?, assignee_id = ?, updated_at = ? WHERE id = ?`,
			r.Category, r.OrgID, r.Urgent, string(r.Status), r.CloseReason, nullID(r.DuplicateOf), nullID(r.AssigneeID), ts(r.UpdatedAt), id)
		if err != nil {
			return fmt.Errorf("update report %d: %w", id, err)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// AddToReport stores messages and files on a report. The reporter's
// messages become part of the report's search text.
func (db *DB) AddToReport(ctx context.Context, id int64, add intake.Addition, e audit.Entry) error {
	msgs, status := add.Messages, add.Status
	return db.inTx(ctx, func(tx *txn) error {
		var org, created int64
		if err := tx.QueryRowContext(ctx, `SELECT org_id, created_at FROM reports WHERE id = ?`, id).Scan(&org, &created); errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		} else if err != nil {
			return fmt.Errorf("find report %d: %w", id, err)
		}
		for i := range msgs {
			m := &msgs[i]
			err := tx.QueryRowContext(ctx, `INSERT INTO report_messages (report_id, author, user_id, body, created_at) VALUES (?,?,?,?,?) RETURNING id`,
				id, m.Author, nullID(m.UserID), m.Body, ts(m.CreatedAt)).Scan(&m.ID)
			if err != nil {
				return fmt.Errorf("insert message: %w", err)
			}
		}
		if err := db.insertFiles(ctx, tx, id, add.Files); err != nil {
			return err
		}
		rec := &intake.Report{ID: id, OrgID: org, CreatedAt: tm(created), Observables: add.Observables}
		if err := db.indexRecords(ctx, tx, recordsOf([]*intake.Report{rec}, false)); err != nil {
			return err
		}
		set, args := `updated_at = ?`, []any{ts(db.clock.Now())}
		if status != "" {
			set, args = set+`, status = ?`, append(args, string(status))
		}
		res, err := tx.ExecContext(ctx, `UPDATE reports SET `+set+` WHERE id = ?`, append(args, id)...)
		if err != nil {
			return fmt.Errorf("touch report: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("error.not_found")
		}
		if slices.ContainsFunc(msgs, func(m intake.Message) bool { return m.Author == "reporter" }) {
			if err := db.reindexReport(ctx, tx, id); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// ReportIDsAfter returns up to n report ids greater than after, in order.
func (db *DB) ReportIDsAfter(ctx context.Context, after int64, n int) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM reports WHERE id > ? ORDER BY id LIMIT `+strconv.Itoa(n), after)
	if err != nil {
		return nil, fmt.Errorf("report ids: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// FileSums yields the SHA-256 of every evidence file a report, a case, a
// patrol capture or a takedown request names, each once, in ascending byte order (the order of blob.Store.Walk);
// a failure is yielded as the last error. The query runs until the loop
// ends, in one snapshot of the tables.
func (db *DB) FileSums(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		rows, err := db.read.QueryContext(ctx, `SELECT s FROM (SELECT sha256 AS s FROM report_files
			UNION SELECT sha256 FROM case_evidence WHERE sha256 <> ''
			UNION SELECT sha256 FROM patrol_captures
			UNION SELECT screenshot_sha256 FROM patrol_captures WHERE screenshot_sha256 <> ''
			UNION SELECT evidence_sha256 FROM takedown_requests WHERE evidence_sha256 <> '') files ORDER BY s COLLATE `+db.d.bytewise)
		if err != nil {
			yield("", fmt.Errorf("evidence sums: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var sum string
			if err := rows.Scan(&sum); err != nil {
				yield("", fmt.Errorf("evidence sums: %w", err))
				return
			}
			if !yield(sum, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield("", fmt.Errorf("evidence sums: %w", err))
		}
	}
}

// CountReports counts the stored reports.
func (db *DB) CountReports(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count reports: %w", err)
	}
	return n, nil
}
