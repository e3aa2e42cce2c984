package dbcopy

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// kind is how a column's values are carried: PostgreSQL's type decides, as
// SQLite keeps booleans as INTEGER 0/1.
type kind int

const (
	kindInt kind = iota + 1
	kindText
	kindBool
	kindFloat
)

type column struct {
	name     string
	kind     kind
	identity bool // GENERATED … AS IDENTITY in PostgreSQL: its sequence is reset after the copy
}

// table is one table to copy, in the order tables are copied.
type table struct {
	name string
	// key orders the rows: the primary key. Rows are copied in key order
	// and a copy resumes after the greatest key already in the target.
	key []string
	// selfRef names a column that refers to this table's own id (orgs'
	// parent, reports' duplicate_of). A row may point at a later row, so a
	// reference to a greater id is inserted as NULL and set once the whole
	// table is in (see fixSelfRefs).
	selfRef string

	cols   []column // in the target's column order
	keyIdx []int
	refIdx int    // index of selfRef in cols, -1 without one
	from   string // the source's query for this table (sourceViews), "" to read the table itself
}

type planEntry struct {
	name, selfRef string
	key           []string
}

// plan lists koban's tables in dependency order: every table comes after the
// tables it refers to.
var plan = []planEntry{
	// The database's identity: the copy is the same database, so the data
	// folder's marker (koban.id) still names it.
	{"instance", "", []string{"id"}},
	{"orgs", "parent_id", []string{"id"}},
	{"users", "", []string{"id"}},
	{"sessions", "", []string{"id_hash"}},
	{"api_tokens", "", []string{"id"}},
	// Single sign-on: accounts linked to the identity provider, sign-ins on their way.
	{"oidc_links", "", []string{"issuer", "subject"}},
	{"oidc_flows", "", []string{"id_hash"}},
	// Passkeys and the challenges of ceremonies under way (on sessions).
	{"passkeys", "", []string{"id"}},
	{"passkey_challenges", "", []string{"session_hash"}},
	{"reports", "duplicate_of", []string{"id"}},
	{"report_files", "", []string{"id"}},
	{"report_messages", "", []string{"id"}},
	// The national observable index and its clusters.
	{"observables", "", []string{"id"}},
	{"occurrences", "", []string{"record_type", "record_id", "observable_id"}},
	{"clusters", "", []string{"id"}},
	{"cluster_members", "", []string{"record_type", "record_id"}},
	{"cluster_growth", "", []string{"cluster_id", "hour"}},
	{"warninglists", "", []string{"id"}},
	{"access_requests", "", []string{"id"}},
	// Sharing beyond the organisation tree (cases, access requests).
	{"grants", "", []string{"id"}},
	// Cases: the numbers drawn, the cases, their members, the reports linked
	// to them (never copied), tasks, notes and the timeline.
	{"case_numbers", "", []string{"prefix"}},
	{"cases", "", []string{"id"}},
	{"case_members", "", []string{"case_id", "user_id"}},
	{"case_reports", "", []string{"case_id", "report_id"}},
	{"case_tasks", "", []string{"id"}},
	{"case_notes", "", []string{"id"}},
	{"case_events", "", []string{"id"}},
	// Case evidence and its chain of custody (append-only: the triggers
	// refuse UPDATE and DELETE, and allow the copy's INSERTs).
	{"case_evidence", "", []string{"id"}},
	{"evidence_custody", "", []string{"id"}},
	// Between organisations: referrals, parties and support requests (each
	// naming its grant; an answer names its note), and the answers to access
	// requests with the grants they gave.
	{"case_referrals", "", []string{"id"}},
	{"case_parties", "", []string{"id"}},
	{"support_requests", "", []string{"id"}},
	{"access_answers", "", []string{"request_id"}},
	{"access_request_grants", "", []string{"request_id", "grant_id"}},
	// The search index: derived from the reports, but copied as it is
	// (read through sourceViews), so that the target answers searches at
	// once and the digest shows it is the source's.
	{"report_search", "", []string{"report_id"}},
	{"case_search", "", []string{"case_id"}},
	{"note_search", "", []string{"note_id"}},
	// Saved searches and the matches recorded for their owners.
	{"saved_searches", "", []string{"id"}},
	{"saved_search_matches", "", []string{"search_id", "record_type", "record_id"}},
	// Intel: sources and their polls, the objects (every version), their
	// sightings, and koban's TAXII collections.
	{"intel_sources", "", []string{"id"}},
	{"intel_polls", "", []string{"id"}},
	{"intel_objects", "", []string{"id"}},
	{"intel_sightings", "", []string{"object_id", "record_type", "record_id"}},
	{"taxii_collections", "", []string{"id"}},
	{"taxii_collection_access", "", []string{"collection_id", "org_id"}},
	{"taxii_collection_objects", "", []string{"collection_id", "object_id"}},
	{"taxii_status", "", []string{"id"}},
	// Cyber patrol: watch items, the hosts' politeness, the captures
	// (append-only; the copy's INSERTs pass).
	{"patrol_items", "", []string{"id"}},
	{"patrol_hosts", "", []string{"host"}},
	{"patrol_captures", "", []string{"id"}},
	{"patrol_findings", "", []string{"id"}},
	// How long an organisation keeps its items' captures by tag, and the
	// last measurement of what the captures take (the quota's alarm).
	{"patrol_tag_retention", "", []string{"org_id", "tag"}},
	{"patrol_usage", "", []string{"id"}},
	// Takedown requests and each look at their target.
	{"takedown_requests", "", []string{"id"}},
	{"takedown_checks", "", []string{"id"}},
	// International requests, each on a case.
	{"foreign_requests", "", []string{"id"}},
	// Advisories to the public and every version published.
	{"advisories", "", []string{"id"}},
	{"advisory_versions", "", []string{"advisory_id", "version"}},
	// The reading list: feeds followed and their items.
	{"reading_feeds", "", []string{"id"}},
	{"reading_items", "", []string{"id"}},
	// Malware samples: each file once with its analysis, each
	// organisation's record of it, the cases holding them. (The files
	// themselves lie in the data folder's samples/.)
	{"sample_files", "", []string{"id"}},
	{"samples", "", []string{"id"}},
	{"sample_cases", "", []string{"sample_id", "case_id"}},
	// Vulnerability information: the sources, the dictionary (records,
	// their products, KEV, EPSS), the inventory, its findings and alerts.
	{"vuln_sources", "", []string{"id"}},
	{"vulns", "", []string{"id"}},
	{"vuln_products", "", []string{"product", "vuln_id"}},
	{"vuln_kev", "", []string{"cve_id"}},
	{"vuln_epss", "", []string{"cve_id"}},
	{"assets", "", []string{"id"}},
	{"vuln_findings", "", []string{"id"}},
	{"vuln_alerts", "", []string{"id"}},
	// AI assistance: the triage model's versions and the suggestions made.
	{"triage_models", "", []string{"version"}},
	{"triage_suggestions", "", []string{"id"}},
	// Retention: the tombstones of deleted records and the audit log's
	// checkpoints (the copy's chain verifies from the newest, as the
	// source's does).
	{"retention_tombstones", "", []string{"id"}},
	{"audit_checkpoints", "", []string{"id"}},
	{"audit_log", "", []string{"id"}},
	// State shared by several servers on PostgreSQL (rate-limit buckets, job
	// schedules): a SQLite koban keeps little or nothing here; copied all
	// the same, so that the target is the whole of the source.
	{"rate_limits", "", []string{"key"}},
	{"jobs", "", []string{"name"}},
	// The job queue (the mail outbox, watch items, re-checks) and each
	// attempt: queued work goes on in the target.
	{"job_queue", "", []string{"id"}},
	{"job_attempts", "", []string{"id"}},
}

// sourceView reads a table that SQLite keeps in another shape than
// PostgreSQL: query gives the target's columns, cols their declared types.
type sourceView struct {
	query string
	cols  map[string]string
}

// sourceViews are the tables read through a query on the source. SQLite's
// search index is an FTS5 table (with shadow tables of its own, which are
// not copied) whose rowid is the report id.
var sourceViews = map[string]sourceView{
	"report_search": {query: `SELECT rowid AS report_id, text FROM report_search`,
		cols: map[string]string{"report_id": "INTEGER", "text": "TEXT"}},
	"case_search": {query: `SELECT rowid AS case_id, text FROM case_search`,
		cols: map[string]string{"case_id": "INTEGER", "text": "TEXT"}},
	"note_search": {query: `SELECT rowid AS note_id, text FROM note_search`,
		cols: map[string]string{"note_id": "INTEGER", "text": "TEXT"}},
}

// gooseTable is the migration tool's own table: not copied, compared.
const gooseTable = "goose_db_version"

var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// q quotes an identifier (the names here are plain; quoting keeps them so).
func q(name string) string { return `"` + name + `"` }

// schemaVersion is the highest applied goose migration.
func schemaVersion(ctx context.Context, query func(ctx context.Context, sql string) (int64, error)) (int64, error) {
	v, err := query(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+gooseTable+` WHERE is_applied`)
	if err != nil {
		return 0, fmt.Errorf("read schema version (%s): %w", gooseTable, err)
	}
	return v, nil
}

// onlyKobanTables refuses a target whose schema holds tables koban does not.
func onlyKobanTables(ctx context.Context, dst *pgx.Conn) error {
	rows, err := dst.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return fmt.Errorf("target: list tables: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("target: list tables: %w", err)
	}
	var foreign []string
	for _, n := range names {
		if n != gooseTable && !slices.ContainsFunc(plan, func(p planEntry) bool { return p.name == n }) {
			foreign = append(foreign, n)
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("the target database holds tables that are not koban's (%s): give an empty database", strings.Join(foreign, ", "))
	}
	return nil
}

// discover reads the target's columns and checks that source and target
// hold exactly the tables and columns this command knows.
func discover(ctx context.Context, src *sql.Tx, dst *pgx.Conn) ([]*table, error) {
	tgtCols := map[string][]column{}
	rows, err := dst.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_identity
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("read target columns: %w", err)
	}
	for rows.Next() {
		var tbl, name, typ, ident string
		if err := rows.Scan(&tbl, &name, &typ, &ident); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read target columns: %w", err)
		}
		if tbl == gooseTable {
			continue
		}
		k, ok := map[string]kind{"bigint": kindInt, "integer": kindInt, "smallint": kindInt, "text": kindText,
			"character varying": kindText, "boolean": kindBool, "double precision": kindFloat}[typ]
		if !ok {
			rows.Close()
			return nil, fmt.Errorf("target column %s.%s has type %s, which migrate-db does not know how to copy", tbl, name, typ)
		}
		if !plainName.MatchString(tbl) || !plainName.MatchString(name) {
			rows.Close()
			return nil, fmt.Errorf("target column %q.%q: unexpected name", tbl, name)
		}
		tgtCols[tbl] = append(tgtCols[tbl], column{name: name, kind: k, identity: ident == "YES"})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read target columns: %w", err)
	}

	srcTables, err := sourceTables(ctx, src)
	if err != nil {
		return nil, err
	}
	known := make([]string, len(plan))
	for i, p := range plan {
		known[i] = p.name
	}
	slices.Sort(known)
	if got := sortedKeys(tgtCols); !slices.Equal(got, known) {
		return nil, fmt.Errorf("target tables %v are not the tables migrate-db copies %v: this koban's migrate-db is out of step with its schema", got, known)
	}
	if got := sortedKeys(srcTables); !slices.Equal(got, known) {
		return nil, fmt.Errorf("source tables %v are not koban's tables %v", got, known)
	}

	var out []*table
	for _, p := range plan {
		t := &table{name: p.name, key: p.key, selfRef: p.selfRef, cols: tgtCols[p.name], refIdx: -1, from: sourceViews[p.name].query}
		srcTypes := srcTables[p.name]
		if len(srcTypes) != len(t.cols) {
			return nil, fmt.Errorf("table %s: source has columns %v, target %v", t.name, sortedKeys(srcTypes), t.colNames())
		}
		for i, c := range t.cols {
			st, ok := srcTypes[c.name]
			if !ok {
				return nil, fmt.Errorf("table %s: column %s is missing in the source", t.name, c.name)
			}
			want := map[kind]string{kindInt: "INTEGER", kindBool: "INTEGER", kindText: "TEXT", kindFloat: "REAL"}[c.kind]
			if !strings.EqualFold(st, want) {
				return nil, fmt.Errorf("table %s: source column %s is %s, expected %s", t.name, c.name, st, want)
			}
			if c.name == t.selfRef {
				t.refIdx = i
			}
		}
		for _, k := range t.key {
			i := slices.IndexFunc(t.cols, func(c column) bool { return c.name == k })
			if i < 0 {
				return nil, fmt.Errorf("table %s: key column %s missing", t.name, k)
			}
			t.keyIdx = append(t.keyIdx, i)
		}
		if t.selfRef != "" && (t.refIdx < 0 || len(t.key) != 1 || t.cols[t.keyIdx[0]].kind != kindInt) {
			return nil, fmt.Errorf("table %s: self-reference %s needs an integer id", t.name, t.selfRef)
		}
		out = append(out, t)
	}
	return out, nil
}

// sourceTables returns each source table's column → declared type (for a
// table in sourceViews, the view's). Virtual tables count as tables; their
// shadow tables, SQLite's own and goose's do not.
func sourceTables(ctx context.Context, src *sql.Tx) (map[string]map[string]string, error) {
	rows, err := src.QueryContext(ctx, `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> ?`, gooseTable)
	if err != nil {
		return nil, fmt.Errorf("read source tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read source tables: %w", err)
	}
	out := map[string]map[string]string{}
	for _, n := range names {
		if v, ok := sourceViews[n]; ok {
			out[n] = v.cols
			continue
		}
		cols := map[string]string{}
		rows, err := src.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?)`, n)
		if err != nil {
			return nil, fmt.Errorf("read source columns of %s: %w", n, err)
		}
		for rows.Next() {
			var c, typ string
			if err := rows.Scan(&c, &typ); err != nil {
				rows.Close()
				return nil, err
			}
			cols[c] = typ
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read source columns of %s: %w", n, err)
		}
		out[n] = cols
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (t *table) colNames() []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name
	}
	return out
}

func (t *table) colList() string {
	parts := make([]string, len(t.cols))
	for i, c := range t.cols {
		parts[i] = q(c.name)
	}
	return strings.Join(parts, ", ")
}

// order is the ORDER BY list. Text keys sort by bytes on both sides:
// SQLite's BINARY collation and PostgreSQL's "C" agree on UTF-8.
func (t *table) order(postgres, desc bool) string {
	parts := make([]string, len(t.key))
	for i, k := range t.key {
		parts[i] = q(k)
		if postgres && t.cols[t.keyIdx[i]].kind == kindText {
			parts[i] += ` COLLATE "C"`
		}
		if desc {
			parts[i] += " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

// keyCond compares the key with parameters: "id" > ? or ("a", "b") <= (?, ?).
func (t *table) keyCond(op string) string {
	if len(t.key) == 1 {
		return q(t.key[0]) + " " + op + " ?"
	}
	cols := make([]string, len(t.key))
	for i, k := range t.key {
		cols[i] = q(k)
	}
	return "(" + strings.Join(cols, ", ") + ") " + op + " (" + strings.TrimSuffix(strings.Repeat("?, ", len(t.key)), ", ") + ")"
}

// source names the table to read in the source: the table, or its view.
func (t *table) source() string {
	if t.from != "" {
		return `(` + t.from + `) AS src`
	}
	return q(t.name)
}

// sourceQuery selects the source rows in key order, optionally only those
// whose key compares with after by op.
func (t *table) sourceQuery(op string) string {
	s := `SELECT ` + t.colList() + ` FROM ` + t.source()
	if op != "" {
		s += ` WHERE ` + t.keyCond(op)
	}
	return s + ` ORDER BY ` + t.order(false, false)
}

// targetQuery selects all target rows in key order.
func (t *table) targetQuery() string {
	return `SELECT ` + t.colList() + ` FROM ` + q(t.name) + ` ORDER BY ` + t.order(true, false)
}

// lastTargetKey returns the greatest key in the target, nil when empty.
func (t *table) lastTargetKey(ctx context.Context, dst *pgx.Conn) ([]any, error) {
	cols := make([]string, len(t.key))
	for i, k := range t.key {
		cols[i] = q(k)
	}
	rows, err := dst.Query(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+q(t.name)+` ORDER BY `+t.order(true, true)+` LIMIT 1`)
	if err != nil {
		return nil, fmt.Errorf("%s: last copied row: %w", t.name, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	v, err := rows.Values()
	if err != nil {
		return nil, fmt.Errorf("%s: last copied row: %w", t.name, err)
	}
	return v, nil
}
