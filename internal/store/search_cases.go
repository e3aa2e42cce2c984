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
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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
	base     string // the join within from ("" but for a note)
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
		return kindSQL{from: `case_notes t CROSS JOIN cases c`, base: `c.id = t.case_id`, table: "note_search", key: key("note_id"), owner: "c.org_id", scopeID: "c.id",
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
	if ks.base != "" {
		j = ks.base + ` AND ` + j
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
	nargs []int // how many of args each part takes
	// granted marks the stream of records granted beyond the scope's
	// owners: it starts from the grants, not from a walk.
	granted bool
}

func (c *conds) add(cond string, args ...any) {
	c.parts = append(c.parts, cond)
	c.args = append(c.args, args...)
	c.nargs = append(c.nargs, len(args))
}

// split parts the conditions on the record itself (t.) from the others
// (a note's case, c.), each with its arguments.
func (c conds) split() (own, other conds) {
	at := 0
	for i, p := range c.parts {
		a := c.args[at : at+c.nargs[i]]
		at += c.nargs[i]
		if strings.HasPrefix(p, "t.") || strings.HasPrefix(p, "(t.") {
			own.add(p, a...)
		} else {
			other.add(p, a...)
		}
	}
	return own, other
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
// the filters and the keyset (on the record), and the terms (on its search
// text, as the plan checks them: text names the column).
func (db *DB) common(ks kindSQL, f search.Filter, plan searchPlan, keyset bool, text string) (rows, terms conds, err error) {
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
			c.add(`(t.created_at, t.id) < (?, ?)`, at, f.After.ID) // a row value: an index range on both dialects
		case orEqual:
			c.add(`t.created_at <= ?`, at)
		default:
			c.add(`t.created_at < ?`, at)
		}
	}
	for _, t := range f.Terms {
		if t == "" || strings.ContainsAny(t, `%_\`) {
			return c, terms, fmt.Errorf("search: a term is empty or holds a LIKE wildcard")
		}
		if plan == fromIndex && indexable(t) {
			terms.add(text+` LIKE ?`, "%"+t+"%")
		} else {
			terms.add(db.d.strpos+`(`+text+`, ?) > 0`, t)
		}
	}
	return c, terms, nil
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
	if plan == fromIndex {
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
	case ks.base != "":
		// Notes are walked in one window whatever their owners (see
		// matchQuery): one stream, the owners checked on the case.
		var c conds
		cond, args := inList(ks.owner, orgs)
		c.add(cond, args...)
		out = append(out, c)
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
		c := conds{granted: true}
		cond, args := grantedWhere(sc, ks.scopeID)
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

// kindPlan is where one kind's search starts, with the index's candidates
// when the probe read them (SQLite).
type kindPlan struct {
	how searchPlan
	ids []int64 // fromIndex on SQLite: the candidates, checked by id
}

// searchPlanFor decides where a search of one kind starts (see the top of
// this file). The probe asks the trigram index, trigram by trigram, how
// many rows hold each (at most probeBudget+1 each: a few index pages), then
// reads the rows holding all the rare ones — those in at most probeBudget
// rows — or, when no trigram is rare, all of them together. FTS5 intersects
// doclists slowly when some are long (a value like secure-8e2e9a holds
// "sec" and "cur", in every other report), so leaving the common trigrams
// out makes a rare value's lookup cheap; the candidates are then checked
// against the terms by id. More than probeBudget candidates: walk.
func (db *DB) searchPlanFor(ctx context.Context, ks kindSQL, terms []string) (kindPlan, error) {
	grams := trigrams(terms)
	if db.d.name != "sqlite" {
		// PostgreSQL's planner chooses between pg_trgm and the
		// newest-first indexes, except for terms too short for a
		// trigram: those are walked a window at a time, as on SQLite
		// (unbounded, two short words rare together read every record).
		if len(grams) == 0 {
			return kindPlan{how: fromReports}, nil
		}
		return kindPlan{how: fromIndex}, nil
	}
	if len(grams) == 0 {
		return kindPlan{how: fromReports}, nil
	}
	count := `SELECT COUNT(*) FROM (SELECT 1 FROM ` + ks.table + ` WHERE ` + ks.table + ` MATCH ? LIMIT ?) p`
	var rare []string
	for _, g := range grams {
		var n int
		if err := db.read.QueryRowContext(ctx, count, g, probeBudget+1).Scan(&n); err != nil {
			return kindPlan{}, fmt.Errorf("search plan: %w", err)
		}
		if n == 0 {
			return kindPlan{how: fromIndex, ids: []int64{}}, nil // a trigram no row holds
		}
		if n <= probeBudget {
			rare = append(rare, g)
		}
	}
	if len(rare) == 0 {
		// Every trigram is common (a phone number's digits): the rows
		// holding a cover of the terms by trigrams that do not overlap
		// are the same candidates or a few more, at half the reading.
		rare = cover(terms)
	}
	ids, err := collect(ctx, db.read, scanID, `SELECT rowid FROM `+ks.table+` WHERE `+ks.table+` MATCH ? LIMIT ?`,
		strings.Join(rare, " AND "), probeBudget+1)
	if err != nil {
		return kindPlan{}, fmt.Errorf("search plan: %w", err)
	}
	if len(ids) > probeBudget {
		return kindPlan{how: fromReports}, nil
	}
	if ids == nil {
		ids = []int64{}
	}
	return kindPlan{how: fromIndex, ids: ids}, nil
}

// cover is, for each term of three characters or more, the trigrams at
// 0, 3, 6 … and the last one: every character of the term in one of them.
func cover(terms []string) []string {
	var grams []string
	for _, t := range terms {
		r := []rune(t)
		if len(r) < 3 {
			continue
		}
		for i := 0; ; i += 3 {
			i = min(i, len(r)-3)
			grams = append(grams, trigrams([]string{string(r[i : i+3])})...)
			if i == len(r)-3 {
				break
			}
		}
	}
	return slices.Compact(grams)
}

// trigrams are the FTS5 tokens of the terms of three characters or more:
// each trigram quoted, once. Each is one token, so a query of them needs no
// positions (the tables keep none).
func trigrams(terms []string) []string {
	var grams []string
	for _, t := range terms {
		r := []rune(t)
		for i := 0; i+3 <= len(r); i++ {
			g := `"` + strings.ReplaceAll(string(r[i:i+3]), `"`, `""`) + `"`
			if !slices.Contains(grams, g) {
				grams = append(grams, g)
			}
		}
	}
	return grams
}

// selectFrom is the FROM and join of a search of one kind in a plan: the
// index first, or the records first (CROSS JOIN fixes SQLite's order). A
// walk on SQLite reads each record's text from the FTS5 table's content
// table (its shadow table <name>_content, columns id and c0) by id: a
// plain B-tree lookup, several times cheaper per row than a lookup through
// the virtual table.
func (db *DB) selectFrom(ks kindSQL, plan searchPlan) string {
	if plan == fromIndex {
		return ` FROM ` + ks.table + ` s CROSS JOIN ` + ks.from + ` WHERE ` + ks.join()
	}
	table, id, _ := db.textTable(ks)
	j := strings.Replace(ks.join(), `s.`+ks.key, `s.`+id, 1)
	return ` FROM ` + ks.from + ` CROSS JOIN ` + table + ` s WHERE ` + j
}

// textTable is where a walk reads a record's text by id: on SQLite the
// FTS5 table's content table (<name>_content: id, c0), on PostgreSQL the
// search table itself (its primary key is the record's id).
func (db *DB) textTable(ks kindSQL) (table, id, text string) {
	if db.d.name == "sqlite" {
		return ks.table + "_content", "id", "c0"
	}
	return ks.table, ks.key, "text"
}

// match is one matching record as a search first finds it: enough to order,
// count and facet it; the page's records are then read in full by id.
type match struct {
	id       int64
	at       int64
	category string
	status   string
}

// matches runs the search of one kind in a plan and returns at most limit
// matching records in result order (after f.After when keyset is set).
// window, when not 0, bounds a walk: each stream reads at most that many
// records, newest first, and the matches among them are all it returns.
func (db *DB) matches(ctx context.Context, ks kindSQL, f search.Filter, kp kindPlan, keyset bool, limit, window int) ([]match, error) {
	query, args, err := db.matchQuery(ks, f, kp, keyset, limit, window)
	if err != nil {
		return nil, err
	}
	out, err := collect(ctx, db.read, func(s scanner) (match, error) {
		var m match
		return m, s.Scan(&m.id, &m.at, &m.category, &m.status)
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search %ss: %w", f.Kind, err)
	}
	return out, nil
}

// matchQuery is the SQL of matches, with its arguments.
func (db *DB) matchQuery(ks kindSQL, f search.Filter, kp kindPlan, keyset bool, limit, window int) (string, []any, error) {
	plan := kp.how
	if kp.ids != nil {
		return db.candidateQuery(ks, f, kp.ids, keyset, limit)
	}
	text := "s.text"
	if plan == fromReports {
		_, _, col := db.textTable(ks)
		text = "s." + col
	}
	rowc, termc, err := db.common(ks, f, plan, keyset, text)
	if err != nil {
		return "", nil, err
	}
	if plan != fromReports {
		window = 0
	}
	ttable, tid, _ := db.textTable(ks)
	order := ` ORDER BY t.created_at DESC, t.id DESC`
	if plan == fromIndex && db.d.name == "sqlite" {
		// The index's candidates are sorted whatever the order: + 0
		// keeps SQLite from walking the created_at index instead.
		// PostgreSQL's planner is left to choose between the trigram
		// index and a walk along reports_walk from its statistics.
		order = ` ORDER BY t.created_at + 0 DESC, t.id DESC`
	}
	cols := `t.id AS id, t.created_at AS created_at, ` + ks.category + ` AS category, ` + ks.status + ` AS status`
	var parts []string
	var args []any
	for _, st := range db.streams(ks, f, plan) {
		if st.granted {
			// Few records, found through the grants and sorted: + 0
			// keeps SQLite from walking every record newest first to
			// find them.
			w := append(append(append([]string{}, st.parts...), rowc.parts...), termc.parts...)
			parts = append(parts, `SELECT * FROM (SELECT `+cols+db.selectFrom(ks, plan)+` AND `+conds{parts: w}.where()+
				` ORDER BY t.created_at + 0 DESC, t.id DESC LIMIT ?) q`)
			args = append(append(append(append(args, st.args...), rowc.args...), termc.args...), limit)
			continue
		}
		if window > 0 && ks.base != "" {
			// A note's owner is its case's: the window is the newest
			// notes whoever owns them (their own index), then each
			// one's case and text by id, and the owners are checked
			// there. Walking one owner's notes would read every note
			// of the others to skip them.
			own, other := rowc.split()
			cw := append(append([]string{}, st.parts...), other.parts...)
			parts = append(parts, `SELECT * FROM (SELECT t.id, t.created_at, `+ks.category+`, `+ks.status+` FROM (SELECT t.id AS id,
				t.created_at AS created_at, t.case_id AS case_id FROM case_notes t WHERE `+own.where()+order+` LIMIT ?) t
				CROSS JOIN cases c CROSS JOIN `+ttable+` s WHERE c.id = t.case_id AND s.`+tid+` = t.id AND `+conds{parts: cw}.where()+
				` AND `+termc.where()+` ORDER BY t.created_at DESC, t.id DESC LIMIT ?) q`)
			args = append(append(append(append(append(args, own.args...), window), st.args...), other.args...), termc.args...)
			args = append(args, limit)
			continue
		}
		if window > 0 {
			// The stream's newest records first (their own index), then
			// each one's text by id.
			w := append(append([]string{}, st.parts...), rowc.parts...)
			if ks.base != "" {
				w = append([]string{ks.base}, w...)
			}
			parts = append(parts, `SELECT * FROM (SELECT t.id, t.created_at, t.category, t.status FROM (SELECT `+cols+` FROM `+ks.from+
				` WHERE `+conds{parts: w}.where()+order+` LIMIT ?) t CROSS JOIN `+ttable+` s WHERE s.`+tid+` = t.id AND `+
				termc.where()+` ORDER BY t.created_at DESC, t.id DESC LIMIT ?) q`)
			args = append(append(append(append(args, st.args...), rowc.args...), window), termc.args...)
			args = append(args, limit)
			continue
		}
		w := append(append(append([]string{}, st.parts...), rowc.parts...), termc.parts...)
		parts = append(parts, `SELECT * FROM (SELECT `+cols+db.selectFrom(ks, plan)+` AND `+conds{parts: w}.where()+order+` LIMIT ?) q`)
		args = append(append(append(append(args, st.args...), rowc.args...), termc.args...), limit)
	}
	if len(parts) == 0 {
		return `SELECT 0, 0, '', '' WHERE 1 = 0`, nil, nil
	}
	query := parts[0]
	if len(parts) > 1 {
		query = strings.Join(parts, ` UNION ALL `) + ` ORDER BY 2 DESC, 1 DESC LIMIT ?`
		args = append(args, limit)
	}
	return query, args, nil
}

// candidateQuery checks the index's candidates (ids) by id against the
// terms, the filters and the scope, and sorts the matches.
func (db *DB) candidateQuery(ks kindSQL, f search.Filter, ids []int64, keyset bool, limit int) (string, []any, error) {
	rowc, termc, err := db.common(ks, f, fromReports, keyset, "s.c0")
	if err != nil {
		return "", nil, err
	}
	in, inArgs := inList("t.id", ids)
	w := append([]string{in}, rowc.parts...)
	args := append(append([]any{}, inArgs...), rowc.args...)
	for _, st := range db.streams(ks, f, fromIndex) {
		w, args = append(w, st.parts...), append(args, st.args...)
	}
	w, args = append(w, termc.parts...), append(args, termc.args...)
	return `SELECT t.id, t.created_at, ` + ks.category + `, ` + ks.status + db.selectFrom(ks, fromReports) + ` AND ` + conds{parts: w}.where() +
		` ORDER BY t.created_at + 0 DESC, t.id DESC LIMIT ?`, append(args, limit), nil
}

// SearchRecords returns a page of the records of f.Kind in f.Scope that
// match f — at most f.Limit, newest first, after f.After — each with its
// Text, and counts them all (not only after the cursor), reading at most
// countCap+1 matches, by category and status.
//
// A walk reads at most searchWindow records of each stream per query, so
// that a term few records hold (a rare word of two characters, which the
// trigram index cannot look up) costs the same as a common one. When a
// stream holds more, the kind was searched only down to a record (the
// Count's SearchedTo): the page holds the matches up to it and the count is
// a lower bound; the next page starts after it.
func (db *DB) SearchRecords(ctx context.Context, f search.Filter, countCap int) ([]search.Hit, search.Count, error) {
	c := search.Count{ByCategory: map[string]int{}, ByStatus: map[string]int{}}
	if f.Scope.None || len(f.Terms) == 0 {
		return nil, c, nil
	}
	ks := db.kindSQL(f.Kind)
	plan, err := db.searchPlanFor(ctx, ks, f.Terms)
	if err != nil {
		return nil, c, err
	}
	windowed := plan.how == fromReports
	all, err := db.matches(ctx, ks, f, plan, false, countCap+1, searchWindow)
	if err != nil {
		return nil, c, err
	}
	var countTo *search.Cursor
	if windowed {
		if countTo, err = db.frontier(ctx, ks, f, false); err != nil {
			return nil, c, err
		}
	}
	if len(all) > countCap {
		// One row past the cap says there are more; it is not counted,
		// so the facets add up to the total shown.
		all, c.Capped = all[:countCap], true
	}
	if countTo != nil {
		c.Capped = true // the window stopped the count
	}
	c.N = len(all)
	for _, m := range all {
		c.ByCategory[m.category]++
		c.ByStatus[m.status]++
	}
	page, pageTo := all, countTo
	if f.After != nil {
		if page, err = db.matches(ctx, ks, f, plan, true, f.Limit, searchWindow); err != nil {
			return nil, c, err
		}
		if windowed {
			if pageTo, err = db.frontier(ctx, ks, f, true); err != nil {
				return nil, c, err
			}
		}
	}
	if pageTo != nil {
		// Only what lies up to the frontier was searched in every stream.
		n := 0
		for _, m := range page {
			if k := (search.Cursor{At: tm(m.at), Kind: f.Kind, ID: m.id}); !search.Less(*pageTo, k) {
				page[n] = m
				n++
			}
		}
		page = page[:n]
		c.SearchedTo = pageTo
	}
	page = page[:min(len(page), f.Limit)]
	hits, err := db.hitsByID(ctx, ks, f.Kind, page)
	return hits, c, err
}

// searchWindow is how many records of each stream a walk reads in one
// query.
var searchWindow = 10000 // a variable for tests

// frontier is how far a windowed walk searched: of the streams that hold
// more records than the window (matching the record filters and, with
// keyset, after the cursor), the newest last-read record, in result order;
// nil when every stream was read to its end. Every record up to it, in
// every stream, was read.
func (db *DB) frontier(ctx context.Context, ks kindSQL, f search.Filter, keyset bool) (*search.Cursor, error) {
	rowc, _, err := db.common(ks, search.Filter{Kind: f.Kind, Status: f.Status, Category: f.Category, From: f.From, To: f.To, After: f.After},
		fromReports, keyset, "")
	if err != nil {
		return nil, err
	}
	var front *search.Cursor
	streams := db.streams(ks, f, fromReports)
	if ks.base != "" {
		// A note's window is the newest notes whoever owns them.
		rowc, _ = rowc.split()
		streams = []conds{{}}
	}
	for _, st := range streams {
		if st.granted {
			continue // read whole: the records granted are few
		}
		w := append(append([]string{}, st.parts...), rowc.parts...)
		var at, id int64
		from := ks.from
		if ks.base != "" {
			from = "case_notes t"
		}
		err := db.read.QueryRowContext(ctx, `SELECT t.created_at, t.id FROM `+from+` WHERE `+conds{parts: w}.where()+
			` ORDER BY t.created_at DESC, t.id DESC LIMIT 1 OFFSET ?`, append(append(append([]any{}, st.args...), rowc.args...), searchWindow-1)...).
			Scan(&at, &id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("search %ss: %w", f.Kind, err)
		}
		if k := (search.Cursor{At: tm(at), Kind: f.Kind, ID: id}); front == nil || search.Less(k, *front) {
			front = &k
		}
	}
	return front, nil
}

// hitsByID reads the records of a page in full, in the page's order.
func (db *DB) hitsByID(ctx context.Context, ks kindSQL, k search.Kind, page []match) ([]search.Hit, error) {
	if len(page) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(page))
	for i, m := range page {
		ids[i] = m.id
	}
	in, args := inList("t.id", ids)
	from := ks.from + ` WHERE `
	if k == search.Note {
		from += `c.id = t.case_id AND `
	}
	got, err := collect(ctx, db.read, func(s scanner) (search.Hit, error) { return scanHit(s, k, true) },
		`SELECT `+ks.cols+`, `+ks.shown+` FROM `+from+in, args...)
	if err != nil {
		return nil, fmt.Errorf("search %ss: %w", k, err)
	}
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	hits := make([]search.Hit, len(ids))
	for _, h := range got {
		hits[at[h.ID]] = h
	}
	if k == search.Report {
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
		c.add(`(t.created_at, t.id) > (?, ?)`, at, after.ID)
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
	return db.writeSearchRow(ctx, tx, db.kindSQL(search.Note), n.ID, caseNoteText(n))
}

// caseNoteText is a note's search text: its body.
func caseNoteText(n *cases.Note) string { return intake.SearchText(n.Body, nil, nil) }

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
