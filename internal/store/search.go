package store

// The search index (report_search) holds one row per report: its search
// text as intake.SearchText builds it. It is written in the transaction that
// stores the report and rewritten when the reporter adds a message. A search
// is one LIKE '%term%' per term over that text, joined to the reports the
// caller may see, newest first, counted in the same pass:
//
//   - SQLite: report_search is an FTS5 table with the trigram tokenizer, and
//     FTS5 answers LIKE from its index when the pattern holds at least three
//     characters: EXPLAIN QUERY PLAN shows "SCAN s VIRTUAL TABLE INDEX 0:L0"
//     and then "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)". FTS5 only
//     narrows the candidates (with detail=none it keeps no positions); SQLite
//     checks the LIKE itself on each, so the answer is exact. Shorter terms
//     are only checked (instr), never looked up: FTS5 would read every row.
//     When the index would yield more rows than the caller's own reports, or
//     no term is long enough, the search starts from those reports instead
//     (choosePlan).
//   - PostgreSQL: a plain table with a pg_trgm GIN index, which serves the
//     same LIKE for terms of three characters or more (shorter ones are only
//     checked, with strpos: pg_trgm would read the whole index); the planner
//     chooses between it and the organisation index.
//
// CROSS JOIN fixes SQLite's join order; PostgreSQL's planner reorders a
// CROSS JOIN freely.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/koban-project/koban/internal/access"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/observe"
)

// searchTextOf builds a new report's search text. Observables go in sorted
// and without repeats, as searchTexts reads them back from the database.
func searchTextOf(r *intake.Report) string {
	return intake.SearchText(r.Description, observableValues(r.Observables), nil)
}

func observableValues(obs []observe.Observable) []string {
	sorted := slices.Clone(obs)
	slices.SortFunc(sorted, func(a, b observe.Observable) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value))
	})
	sorted = slices.CompactFunc(sorted, func(a, b observe.Observable) bool { return a.Type == b.Type && a.Value == b.Value })
	vals := make([]string, len(sorted))
	for i, o := range sorted {
		vals[i] = o.Value
	}
	return vals
}

// searchTexts computes the search text of each stored report in ids.
func (db *DB) searchTexts(ctx context.Context, q querier, ids []int64) (map[int64]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in := `(` + placeholders(len(ids)) + `)`
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	desc := make(map[int64]string, len(ids))
	obs := map[int64][]observe.Observable{}
	msgs := map[int64][]string{}
	rows, err := q.QueryContext(ctx, `SELECT id, description FROM reports WHERE id IN `+in, args...)
	if err != nil {
		return nil, fmt.Errorf("search text: %w", err)
	}
	for rows.Next() {
		var id int64
		var d string
		if err := rows.Scan(&id, &d); err != nil {
			rows.Close()
			return nil, err
		}
		desc[id] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT oc.record_id, o.type, o.value FROM occurrences oc JOIN observables o ON o.id = oc.observable_id
		WHERE oc.record_type = 'report' AND oc.record_id IN `+in, args...)
	if err != nil {
		return nil, fmt.Errorf("search text: %w", err)
	}
	for rows.Next() {
		var id int64
		var o observe.Observable
		var t string
		if err := rows.Scan(&id, &t, &o.Value); err != nil {
			rows.Close()
			return nil, err
		}
		o.Type = observe.Type(t)
		obs[id] = append(obs[id], o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT report_id, body FROM report_messages WHERE author = 'reporter' AND report_id IN `+in+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("search text: %w", err)
	}
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return nil, err
		}
		msgs[id] = append(msgs[id], body)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(desc))
	for id, d := range desc {
		out[id] = intake.SearchText(d, observableValues(obs[id]), msgs[id])
	}
	return out, nil
}

// insertSearch writes the index rows of new reports, texts[i] for rs[i],
// many rows per statement.
func (db *DB) insertSearch(ctx context.Context, tx *txn, rs []*intake.Report, texts []string) error {
	const chunk = 4000 // two values a row
	for start := 0; start < len(rs); start += chunk {
		end := min(start+chunk, len(rs))
		args := make([]any, 0, 2*(end-start))
		for i := start; i < end; i++ {
			args = append(args, rs[i].ID, texts[i])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_search (`+db.d.searchKey+`, text) VALUES `+values(end-start, 2), args...); err != nil {
			return fmt.Errorf("index reports: %w", err)
		}
	}
	return nil
}

// reindexReport rewrites one report's index row from what is stored.
func (db *DB) reindexReport(ctx context.Context, tx *txn, id int64) error {
	texts, err := db.searchTexts(ctx, tx, []int64{id})
	if err != nil {
		return err
	}
	text, ok := texts[id]
	if !ok {
		return notFound("error.not_found")
	}
	res, err := tx.ExecContext(ctx, `UPDATE report_search SET text = ? WHERE `+db.d.searchKey+` = ?`, text, id)
	if err != nil {
		return fmt.Errorf("reindex report %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	// No row yet: a report from before the index whose backfill is pending.
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_search (`+db.d.searchKey+`, text) VALUES (?, ?)`+db.d.searchSkipDup, id, text); err != nil {
		return fmt.Errorf("reindex report %d: %w", id, err)
	}
	return nil
}

// searchBackfillJob names the jobs row that migration 00003 leaves when the
// database held reports before the search index existed.
const searchBackfillJob = "search.backfill"

// backfillSearch indexes the reports stored before the search index existed,
// a batch per transaction, once, after the migration that created the index.
// An interrupted backfill carries on at the next start.
func (db *DB) backfillSearch(ctx context.Context) error {
	if pending, err := db.migrationAsked(ctx, searchBackfillJob); err != nil || !pending {
		return err
	}
	db.log.Info("indexing stored reports for search")
	const batch = 1000
	var after int64
	total := 0
	for {
		var ids []int64
		err := db.inTx(ctx, func(tx *txn) error {
			rows, err := tx.QueryContext(ctx, `SELECT r.id FROM reports r WHERE r.id > ? AND NOT EXISTS
				(SELECT 1 FROM report_search s WHERE s.`+db.d.searchKey+` = r.id) ORDER BY r.id LIMIT ?`, after, batch)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil || len(ids) == 0 {
				return err
			}
			texts, err := db.searchTexts(ctx, tx, ids)
			if err != nil {
				return err
			}
			args := make([]any, 0, 2*len(ids))
			for _, id := range ids {
				args = append(args, id, texts[id])
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO report_search (`+db.d.searchKey+`, text) VALUES `+values(len(ids), 2)+db.d.searchSkipDup, args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("search backfill: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		total += len(ids)
		after = ids[len(ids)-1]
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM jobs WHERE name = ?`, searchBackfillJob); err != nil {
		return fmt.Errorf("search backfill: %w", err)
	}
	db.log.Info("indexed stored reports for search", "reports", total)
	return nil
}

// searchPlan is where a search starts.
type searchPlan int

const (
	// fromIndex reads the trigram index, then each candidate's report by id.
	fromIndex searchPlan = iota
	// fromReports reads the caller's reports, then each one's text by id.
	fromReports
)

// choosePlan decides where a search starts on SQLite. The trigram index
// narrows the candidates only for terms of three characters or more, and it
// is worth it only when it yields fewer candidates than half the caller's
// own reports (a candidate costs about twice what checking one of the
// caller's reports does): a term found in a quarter of all reports is
// cheaper to look for in the 2 % a prefecture sees. SQLite's planner knows
// nothing of how common a term is, so this decides, with a probe that reads
// at most that many candidates. A caller who sees most of the country
// starts from the index. PostgreSQL's planner makes the choice itself from
// its statistics (and makes it worse when pushed: it takes an unindexed
// LIKE for a rare one and scans the whole text table).
func (db *DB) choosePlan(ctx context.Context, scope access.Scope, terms []string) (searchPlan, error) {
	if db.d.name != "sqlite" || scope.All {
		return fromIndex, nil
	}
	orgIDs := scope.Orgs
	var orgs int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&orgs); err != nil {
		return 0, fmt.Errorf("search plan: %w", err)
	}
	if 2*len(orgIDs) >= orgs {
		return fromIndex, nil
	}
	var probe []string
	var args []any
	for _, t := range terms {
		if indexable(t) {
			probe = append(probe, `text LIKE ?`)
			args = append(args, "%"+t+"%")
		}
	}
	if len(probe) == 0 {
		return fromReports, nil
	}
	cond, condArgs := scopeWhere(scope, "org_id", "id")
	var visible int
	if err := db.read.QueryRowContext(ctx, db.d.rebind(`SELECT COUNT(*) FROM reports WHERE `+cond), condArgs...).Scan(&visible); err != nil {
		return 0, fmt.Errorf("search plan: %w", err)
	}
	budget := visible / 2
	var candidates int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM report_search WHERE `+strings.Join(probe, ` AND `)+` LIMIT ?) c`,
		append(args, budget+1)...).Scan(&candidates)
	if err != nil {
		return 0, fmt.Errorf("search plan: %w", err)
	}
	if candidates <= budget {
		return fromIndex, nil
	}
	return fromReports, nil
}

// indexable tells whether the trigram index can look a term up.
func indexable(term string) bool { return utf8.RuneCountInString(term) >= 3 }

// searchFrom is the FROM and WHERE of a search, with its arguments. A term
// the index is not to look up is found with instr (SQLite) or strpos
// (PostgreSQL), the same test as LIKE '%term%' on this text but one neither
// database hands to an index: SQLite would pass a LIKE to FTS5, which runs
// the pattern through its index once per row, and PostgreSQL may read the
// whole trigram index for a term too short to have a trigram.
func (db *DB) searchFrom(plan searchPlan, scope access.Scope, terms []string) (string, []any, error) {
	from := ` FROM report_search s CROSS JOIN reports r WHERE r.id = s.` + db.d.searchKey
	if plan == fromReports {
		from = ` FROM reports r CROSS JOIN report_search s WHERE s.` + db.d.searchKey + ` = r.id`
	}
	var args []any
	if !scope.All {
		cond, a := scopeWhere(scope, "r.org_id", "r.id")
		from += ` AND ` + cond
		args = append(args, a...)
	}
	for _, t := range terms {
		if t == "" || strings.ContainsAny(t, `%_\`) {
			return "", nil, errors.New("search: a term is empty or holds a LIKE wildcard")
		}
		if plan == fromIndex && indexable(t) {
			from += ` AND s.text LIKE ?`
			args = append(args, "%"+t+"%")
		} else {
			from += ` AND ` + db.d.strpos + `(s.text, ?) > 0`
			args = append(args, t)
		}
	}
	return from, args, nil
}

// SearchReports returns the reports in scope whose search text holds
// every term, newest first, each with what its reporter wrote (the
// description and their messages, as written), and how many match in all. Terms come from intake.SearchTerms: normalised, and
// free of the LIKE wildcards and the escape character.
func (db *DB) SearchReports(ctx context.Context, scope access.Scope, terms []string, limit, offset int) ([]intake.SearchHit, int, error) {
	if scope.None || len(terms) == 0 {
		return nil, 0, nil
	}
	plan, err := db.choosePlan(ctx, scope, terms)
	if err != nil {
		return nil, 0, err
	}
	return db.search(ctx, plan, scope, terms, limit, offset)
}

func (db *DB) search(ctx context.Context, plan searchPlan, scope access.Scope, terms []string, limit, offset int) ([]intake.SearchHit, int, error) {
	from, args, err := db.searchFrom(plan, scope, terms)
	if err != nil {
		return nil, 0, err
	}
	// One pass finds the matches, counts them (the window) and keeps the
	// page; the page's reports and texts are then read by id. Every match is
	// counted anyway, so reading reports in created_at order gains nothing:
	// created_at + 0 keeps PostgreSQL from walking the whole table backwards
	// along reports_created to avoid a sort of a few thousand rows.
	rows, err := db.read.QueryContext(ctx, `SELECT m.total, r.id, r.receipt, r.kind, r.category, r.prefecture, r.org_id, r.urgent,
		r.freeze_deadline, r.status, COALESCE(r.assignee_id, 0), substr(r.description, 1, 120), r.created_at, r.description
		FROM (SELECT r.id AS id, r.created_at AS created_at, COUNT(*) OVER () AS total`+from+`
			ORDER BY r.created_at + 0 DESC, r.id DESC LIMIT ? OFFSET ?) m
		CROSS JOIN reports r WHERE r.id = m.id
		ORDER BY m.created_at DESC, m.id DESC`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var hits []intake.SearchHit
	total := 0
	for rows.Next() {
		var h intake.SearchHit
		var kind, status string
		var deadline, created int64
		if err := rows.Scan(&total, &h.ID, &h.Receipt, &kind, &h.Category, &h.Prefecture, &h.OrgID, &h.Urgent, &deadline,
			&status, &h.AssigneeID, &h.Summary, &created, &h.Text); err != nil {
			return nil, 0, err
		}
		h.Kind, h.Status, h.FreezeDeadline, h.CreatedAt = intake.Kind(kind), intake.Status(status), tm(deadline), tm(created)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	rows.Close()
	if err := db.addReporterMessages(ctx, hits); err != nil {
		return nil, 0, err
	}
	if len(hits) == 0 && offset > 0 {
		// Past the last page: the window counted nothing, so count.
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count search: %w", err)
		}
	}
	return hits, total, nil
}

// addReporterMessages appends to each hit's text the messages its reporter
// added, one per line, oldest first, as the search text holds them.
func (db *DB) addReporterMessages(ctx context.Context, hits []intake.SearchHit) error {
	if len(hits) == 0 {
		return nil
	}
	at := make(map[int64]int, len(hits))
	args := make([]any, len(hits))
	for i, h := range hits {
		at[h.ID], args[i] = i, h.ID
	}
	rows, err := db.read.QueryContext(ctx, `SELECT report_id, body FROM report_messages
		WHERE author = 'reporter' AND report_id IN (`+placeholders(len(hits))+`) ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("search: reporter messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return err
		}
		hits[at[id]].Text += "\n" + body
	}
	return rows.Err()
}
