package store

// Search across reports, cases and case notes (internal/search). Each kind
// has its search table beside report_search — case_search (a case's number,
// title and summary) and note_search (a note's body) — with the same
// normalised text, the same trigram index, written in the transaction of
// the change. A search is one query per kind, newest first by
// (created_at, id), a page at a time after a cursor (keyset, never OFFSET),
// and a count that stops at a cap.
//
// Where a query starts decides its cost, and on SQLite koban decides it
// (searchPlanFor), since the planner knows nothing of how common a term is:
//
//   - fromIndex: the trigram index yields the candidates, each is joined to
//     its record, checked and the survivors sorted. Cheap when the terms
//     are rare: the work is the number of candidates.
//   - fromReports: the records are walked newest first along a created_at
//     index (per owning organisation when the officer's scope is a list of
//     organisations: one stream each, merged, plus one for records granted
//     to them), each record's text looked up by id and checked with instr,
//     until the page is full. Cheap when the terms are common: a word in a
//     tenth of the records fills a page of 50 after about 500. This is
//     what makes a common word nationally fast; the old search counted
//     every match of it through the index (1–3 s at 1 M reports).
//
// A probe counts the index's candidates up to probeBudget; past it, the
// walk is cheaper. Terms shorter than three characters cannot use the
// index and are always walked. PostgreSQL's planner chooses on its own
// (pg_trgm for LIKE on terms of three or more, strpos for shorter ones).
//
// Counts read at most cap+1 matching rows of a kind, in whichever order the
// plan finds them, grouped by category and status (the facets); the total
// is a lower bound when the cap is reached.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/search"
)

// probeBudget is how many index candidates a search sorts before walking
// the records newest first is the cheaper start.
const probeBudget = 5000

// maxStreams is how many organisations a walk follows one stream each for;
// a scope of more is walked as one stream with an IN list.
const maxStreams = 64

// kindSQL is how one kind of record is searched.
type kindSQL struct {
	from     string // the record's table(s): alias t (a note's case is c)
	table    string // its search table
	key      string // the search table's column holding the record id, per dialect
	owner    string // the owning organisation
	scopeID  string // the id grants name (a note: its case)
	status   string
	category string
	cols     string // id, created_at, org_id, label, title, status, category, case_id, kind, prefecture, urgent
	shown    string // what a snippet is cut from: the text as written
}

func (db *DB) kindSQL(k search.Kind) kindSQL {
	pg := db.d.name == "postgres"
	key := func(col string) string {
		if pg {
			return col
		}
		return "rowid"
	}
	switch k {
	case search.Case:
		return kindSQL{from: `cases t`, table: "case_search", key: key("case_id"), owner: "t.org_id", scopeID: "t.id",
			status: "t.status", category: "t.category",
			cols: `t.id, t.created_at, t.org_id, t.number, t.title, t.status, t.category, 0, '', '', ` + db.d.falseLit(), shown: `t.summary`}
	case search.Note:
		return kindSQL{from: `case_notes t CROSS JOIN cases c`, table: "note_search", key: key("note_id"), owner: "c.org_id", scopeID: "c.id",
			status: "c.status", category: "c.category",
			cols: `t.id, t.created_at, c.org_id, c.number, c.title, c.status, c.category, t.case_id, '', '', ` + db.d.falseLit(), shown: `t.body`}
	default:
		return kindSQL{from: `reports t`, table: "report_search", key: db.d.searchKey, owner: "t.org_id", scopeID: "t.id",
			status: "t.status", category: "t.category",
			cols: `t.id, t.created_at, t.org_id, t.receipt, '', t.status, t.category, 0, t.kind, t.prefecture, t.urgent`, shown: `t.description`}
	}
}

// join ties the record to its search row (and a note to its case).
func (ks kindSQL) join() string {
	j := `s.` + ks.key + ` = t.id`
	if strings.HasPrefix(ks.from, "case_notes") {
		j = `c.id = t.case_id AND ` + j
	}
	return j
}

// falseLit is a boolean false in a select list.
func (d *dialect) falseLit() string {
	if d.name == "postgres" {
		return "false"
	}
	return "0"
}

// conds is a WHERE clause under construction.
type conds struct {
	parts []string
	args  []any
}

func (c *conds) add(cond string, args ...any) {
	c.parts = append(c.parts, cond)
	c.args = append(c.args, args...)
}

func (c conds) where() string {
	if len(c.parts) == 0 {
		return "1 = 1"
	}
	return strings.Join(c.parts, " AND ")
}

func inList(col string, ids []int64) (string, []any) {
	if len(ids) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return col + " IN (" + placeholders(len(ids)) + ")", args
}

// common is what every row of a search must meet, whatever the stream:
// the filters, the keyset and the terms (as the plan checks them).
func (db *DB) common(ks kindSQL, f search.Filter, plan searchPlan, keyset bool) (conds, error) {
	var c conds
	if f.Status != "" {
		c.add(ks.status+` = ?`, f.Status)
	}
	if f.Category != "" {
		c.add(ks.category+` = ?`, f.Category)
	}
	if !f.From.IsZero() {
		c.add(`t.created_at >= ?`, ts(f.From))
	}
	if !f.To.IsZero() {
		c.add(`t.created_at < ?`, ts(f.To))
	}
	if keyset && f.After != nil {
		at := ts(f.After.At)
		switch orEqual, same := search.KeysetAfter(f.Kind, *f.After); {
		case same:
			c.add(`(t.created_at < ? OR (t.created_at = ? AND t.id < ?))`, at, at, f.After.ID)
		case orEqual:
			c.add(`t.created_at <= ?`, at)
		default:
			c.add(`t.created_at < ?`, at)
		}
	}
	for _, t := range f.Terms {
		if t == "" || strings.ContainsAny(t, `%_\`) {
			return c, fmt.Errorf("search: a term is empty or holds a LIKE wildcard")
		}
		if plan == fromIndex && indexable(t) {
			c.add(`s.text LIKE ?`, "%"+t+"%")
		} else {
			c.add(db.d.strpos+`(s.text, ?) > 0`, t)
		}
	}
	return c, nil
}

// streams are the parts of the officer's scope (narrowed to f.Owners) that
// a walk follows one at a time, each newest first along an index: one per
// owning organisation, and one for the records granted beyond them. The
// index plan and PostgreSQL take the scope as one condition.
func (db *DB) streams(ks kindSQL, f search.Filter, plan searchPlan) []conds {
	sc := f.Scope
	owners := f.Owners
	var orgs []int64 // nil: every owner
	switch {
	case sc.All && owners == nil:
	case sc.All:
		orgs = owners
	default:
		orgs = intersect(sc.Orgs, owners)
	}
	var out []conds
	if plan == fromIndex || db.d.name == "postgres" {
		var c conds
		if !sc.All {
			cond, args := scopeWhere(sc, ks.owner, ks.scopeID)
			c.add(cond, args...)
		}
		if owners != nil {
			cond, args := inList(ks.owner, owners)
			c.add(cond, args...)
		}
		return append(out, c)
	}
	switch {
	case orgs == nil:
		out = append(out, conds{})
	case len(orgs) <= maxStreams:
		for _, o := range orgs {
			var c conds
			c.add(ks.owner+` = ?`, o)
			out = append(out, c)
		}
	default:
		var c conds
		cond, args := inList(ks.owner, orgs)
		c.add(cond, args...)
		out = append(out, c)
	}
	if !sc.All {
		// Granted records beyond the scope's owners (those owned within
		// it are in the streams above already).
		var c conds
		cond, args := scopeWhere(access.Scope{ObjectType: sc.ObjectType, Right: sc.Right, GranteeOrgs: sc.GranteeOrgs,
			UserID: sc.UserID, At: sc.At}, ks.owner, ks.scopeID)
		c.add(cond, args...)
		if len(sc.Orgs) > 0 {
			cond, args := inList(ks.owner, sc.Orgs)
			c.add(`NOT `+cond, args...)
		}
		if owners != nil {
			cond, args := inList(ks.owner, owners)
			c.add(cond, args...)
		}
		out = append(out, c)
	}
	return out
}

// intersect keeps the ids of a that are in b (all of a when b is nil).
func intersect(a, b []int64) []int64 {
	if b == nil {
		return a
	}
	in := make(map[int64]bool, len(b))
	for _, id := range b {
		in[id] = true
	}
	out := []int64{}
	for _, id := range a {
		if in[id] {
			out = append(out, id)
		}
	}
	return out
}

// searchPlanFor decides where a search of one kind starts (see the top of
// this file). The probe reads at most probeBudget+1 of the index's
// candidates.
func (db *DB) searchPlanFor(ctx context.Context, ks kindSQL, terms []string) (searchPlan, error) {
	if db.d.name != "sqlite" {
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
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+ks.table+` WHERE `+strings.Join(probe, ` AND `)+` LIMIT ?) p`,
		append(args, probeBudget+1)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("search plan: %w", err)
	}
	if n <= probeBudget {
		return fromIndex, nil
	}
	return fromReports, nil
}

// selectFrom is the FROM and join of a search of one kind in a plan: the
// index first, or the records first (CROSS JOIN fixes SQLite's order).
func (ks kindSQL) selectFrom(plan searchPlan) string {
	if plan == fromIndex {
		return ` FROM ` + ks.table + ` s CROSS JOIN ` + ks.from + ` WHERE ` + ks.join()
	}
	return ` FROM ` + ks.from + ` CROSS JOIN ` + ks.table + ` s WHERE ` + ks.join()
}

// SearchRecords returns at most f.Limit records of f.Kind in f.Scope that
// match f, newest first, after f.After; each hit's Text is what the
// snippet is cut from.
func (db *DB) SearchRecords(ctx context.Context, f search.Filter) ([]search.Hit, error) {
	if f.Scope.None || len(f.Terms) == 0 || f.Limit <= 0 {
		return nil, nil
	}
	ks := db.kindSQL(f.Kind)
	plan, err := db.searchPlanFor(ctx, ks, f.Terms)
	if err != nil {
		return nil, err
	}
	com, err := db.common(ks, f, plan, true)
	if err != nil {
		return nil, err
	}
	order := ` ORDER BY t.created_at DESC, t.id DESC LIMIT ?`
	if plan == fromIndex {
		// The index's candidates are sorted whatever the order: + 0
		// keeps SQLite from walking the created_at index instead.
		order = ` ORDER BY t.created_at + 0 DESC, t.id DESC LIMIT ?`
	}
	var parts []string
	var args []any
	for _, st := range db.streams(ks, f, plan) {
		w := append(append([]string{}, st.parts...), com.parts...)
		parts = append(parts, `SELECT * FROM (SELECT `+ks.cols+`, `+ks.shown+ks.selectFrom(plan)+` AND `+conds{parts: w}.where()+order+`) q`)
		args = append(append(append(args, st.args...), com.args...), f.Limit)
	}
	query := parts[0]
	if len(parts) > 1 {
		query = strings.Join(parts, ` UNION ALL `) + ` ORDER BY 2 DESC, 1 DESC LIMIT ?`
		args = append(args, f.Limit)
	}
	hits, err := collect(ctx, db.read, func(s scanner) (search.Hit, error) { return scanHit(s, f.Kind, true) }, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search %ss: %w", f.Kind, err)
	}
	if f.Kind == search.Report {
		if err := db.addMessagesToHits(ctx, hits); err != nil {
			return nil, err
		}
	}
	return hits, nil
}

// scanHit reads a hit; shown says the last column is the text as written
// (a case's is made of its number, title and summary), not the search text.
func scanHit(s scanner, k search.Kind, shown bool) (search.Hit, error) {
	h := search.Hit{Kind: k}
	var at int64
	var text string
	if err := s.Scan(&h.ID, &at, &h.OrgID, &h.Label, &h.Title, &h.Status, &h.Category, &h.CaseID, &h.ReportKind, &h.Prefecture,
		&h.Urgent, &text); err != nil {
		return h, err
	}
	h.At = tm(at)
	h.Text = text
	if shown && k == search.Case {
		h.Text = h.Label + "\n" + h.Title + "\n" + text
	}
	return h, nil
}

// addMessagesToHits appends to each report hit's text the messages its
// reporter added, as the search text holds them.
func (db *DB) addMessagesToHits(ctx context.Context, hits []search.Hit) error {
	if len(hits) == 0 {
		return nil
	}
	tmp := make([]intake.SearchHit, len(hits))
	for i, h := range hits {
		tmp[i].ID = h.ID
	}
	if err := db.addReporterMessages(ctx, tmp); err != nil {
		return err
	}
	for i := range hits {
		hits[i].Text += tmp[i].Text
	}
	return nil
}

// CountRecords counts the records of f.Kind in f.Scope matching f, reading
// at most limit+1 of them, by category and status.
func (db *DB) CountRecords(ctx context.Context, f search.Filter, limit int) (search.Count, error) {
	c := search.Count{ByCategory: map[string]int{}, ByStatus: map[string]int{}}
	if f.Scope.None || len(f.Terms) == 0 {
		return c, nil
	}
	ks := db.kindSQL(f.Kind)
	plan, err := db.searchPlanFor(ctx, ks, f.Terms)
	if err != nil {
		return c, err
	}
	com, err := db.common(ks, f, plan, false)
	if err != nil {
		return c, err
	}
	var parts []string
	var args []any
	for _, st := range db.streams(ks, f, plan) {
		w := append(append([]string{}, st.parts...), com.parts...)
		parts = append(parts, `SELECT * FROM (SELECT `+ks.category+` AS category, `+ks.status+` AS status`+ks.selectFrom(plan)+` AND `+
			conds{parts: w}.where()+` LIMIT ?) q`)
		args = append(append(append(args, st.args...), com.args...), limit+1)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT category, status, COUNT(*) FROM (SELECT * FROM (`+strings.Join(parts, ` UNION ALL `)+
		`) u LIMIT ?) m GROUP BY category, status`, append(args, limit+1)...)
	if err != nil {
		return c, fmt.Errorf("count %ss: %w", f.Kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var cat, status string
		var n int
		if err := rows.Scan(&cat, &status, &n); err != nil {
			return c, err
		}
		c.N += n
		c.ByCategory[cat] += n
		c.ByStatus[status] += n
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("count %ss: %w", f.Kind, err)
	}
	if c.N > limit {
		// One row past the cap says there are more; it is not counted,
		// so the facets add up to the total shown.
		c.N, c.Capped = limit, true
	}
	return c, nil
}

// NewRecords returns the records of kind created in [from, to), oldest
// first, after the cursor (its kind is ignored), at most limit, each with
// its normalised search text as Text: what saved searches are matched on.
func (db *DB) NewRecords(ctx context.Context, kind search.Kind, from, to time.Time, after *search.Cursor, limit int) ([]search.Hit, error) {
	ks := db.kindSQL(kind)
	var c conds
	c.add(`t.created_at >= ?`, ts(from))
	c.add(`t.created_at < ?`, ts(to))
	if after != nil {
		at := ts(after.At)
		c.add(`(t.created_at > ? OR (t.created_at = ? AND t.id > ?))`, at, at, after.ID)
	}
	hits, err := collect(ctx, db.read, func(s scanner) (search.Hit, error) { return scanHit(s, kind, false) },
		`SELECT `+ks.cols+`, s.text FROM `+ks.from+` CROSS JOIN `+ks.table+` s WHERE `+ks.join()+` AND `+c.where()+
			` ORDER BY t.created_at, t.id LIMIT ?`, append(c.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("new %ss: %w", kind, err)
	}
	return hits, nil
}

// caseSearchText is a case's search text: its number, title and summary.
func caseSearchText(c *cases.Case) string {
	return intake.SearchText(c.Number+"\n"+c.Title+"\n"+c.Summary, nil, nil)
}

// indexCase writes a case's search row inside tx, replacing the one it had.
func (db *DB) indexCase(ctx context.Context, tx *txn, c *cases.Case) error {
	return db.writeSearchRow(ctx, tx, db.kindSQL(search.Case), c.ID, caseSearchText(c))
}

// indexNote writes a note's search row inside tx.
func (db *DB) indexNote(ctx context.Context, tx *txn, n *cases.Note) error {
	return db.writeSearchRow(ctx, tx, db.kindSQL(search.Note), n.ID, intake.SearchText(n.Body, nil, nil))
}

func (db *DB) writeSearchRow(ctx context.Context, tx *txn, ks kindSQL, id int64, text string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+ks.table+` WHERE `+ks.key+` = ?`, id); err != nil {
		return fmt.Errorf("index %s %d: %w", ks.table, id, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+ks.table+` (`+ks.key+`, text) VALUES (?, ?)`, id, text); err != nil {
		return fmt.Errorf("index %s %d: %w", ks.table, id, err)
	}
	return nil
}

// caseBackfillJob names the jobs row that migration 00013 leaves when the
// database held cases before their search rows existed.
const caseBackfillJob = "search.backfill.cases"

// backfillCaseSearch writes the search rows of the cases and notes stored
// before migration 00013, once, in one transaction: cases were new then,
// and few.
func (db *DB) backfillCaseSearch(ctx context.Context) error {
	if pending, err := db.migrationAsked(ctx, caseBackfillJob); err != nil || !pending {
		return err
	}
	err := db.inTx(ctx, func(tx *txn) error {
		cs, err := collect(ctx, tx, scanCase, `SELECT `+caseCols+` FROM cases ORDER BY id`)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := db.indexCase(ctx, tx, c); err != nil {
				return err
			}
		}
		ns, err := collect(ctx, tx, func(s scanner) (cases.Note, error) {
			var n cases.Note
			return n, s.Scan(&n.ID, &n.Body)
		}, `SELECT id, body FROM case_notes ORDER BY id`)
		if err != nil {
			return err
		}
		for i := range ns {
			if err := db.indexNote(ctx, tx, &ns[i]); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM jobs WHERE name = ?`, caseBackfillJob)
		return err
	})
	if err != nil {
		return fmt.Errorf("case search backfill: %w", err)
	}
	return nil
}
