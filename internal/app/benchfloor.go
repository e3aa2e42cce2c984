package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/koban-project/koban/internal/store/sqlite"
)

// FloorBenchOptions choose what `koban bench floor` writes.
type FloorBenchOptions struct {
	Indicators  int
	Batch       int    // indicators per transaction
	Keys        string // "random" (the default) or "ascending": see benchKeys
	Parts       string // which rows: see floorParts
	DatabaseURL string // empty: a fresh SQLite in a temporary folder
}

// FloorBenchResult is what the floor benchmark measured, and the rows it
// found in the tables afterwards.
type FloorBenchResult struct {
	Elapsed   time.Duration
	CPU       time.Duration // koban's, user and system (0 where /proc is not)
	ServerCPU time.Duration // the PostgreSQL backend's (0 on SQLite, or where it cannot be read)

	Objects, Observables, Occurrences int
}

// floorParts are the rows an indicator costs at the least, by name: a,
// its object's row; b, its value's upsert; c, its occurrence; abc, all
// three with the occurrences' index by value; abcidx, abc with koban's
// four other indexes on the objects; append, abc with no index but the
// primary keys, so no B-tree is written out of order.
var floorParts = []string{"a", "bc", "abc", "abcidx", "append"}

const floorUsage = "koban bench floor [-n INDICATORS] [-batch B] [-keys random|ascending] [-parts a|bc|abc|abcidx|append] [-database-url postgres://…]"

// runBenchFloor is `koban bench floor`.
func runBenchFloor(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("bench floor", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var o FloorBenchOptions
	fs.IntVar(&o.Indicators, "n", 200000, "indicators to write")
	fs.IntVar(&o.Batch, "batch", 2000, "indicators per transaction")
	fs.StringVar(&o.Keys, "keys", "random", "random: UUIDv4 ids and values in no order, as a feed's; ascending: both in order")
	fs.StringVar(&o.Parts, "parts", "abc", "rows per indicator: a (object), bc (value, occurrence), abc, abcidx (abc and koban's other object indexes), append (abc without unique indexes)")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "empty: a fresh SQLite; postgres://…: that (empty) PostgreSQL database, in a schema made and dropped here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(floorUsage)
	}
	r, err := BenchFloor(ctx, o)
	if err != nil {
		return err
	}
	db := "SQLite"
	if o.DatabaseURL != "" {
		db = "PostgreSQL"
	}
	n := float64(o.Indicators)
	fmt.Fprintf(env.Stdout, "floor, parts %s, %s keys, %s: %d indicators in %v: %.0f indicators/s, %.2f µs an indicator\n",
		o.Parts, o.Keys, db, o.Indicators, r.Elapsed.Round(time.Millisecond), n/r.Elapsed.Seconds(), float64(r.Elapsed.Microseconds())/n)
	fmt.Fprintf(env.Stdout, "  rows written: %d objects, %d values, %d occurrences; koban's CPU time %v\n",
		r.Objects, r.Observables, r.Occurrences, r.CPU.Round(10*time.Millisecond))
	if r.ServerCPU > 0 {
		fmt.Fprintf(env.Stdout, "  PostgreSQL backend's CPU time %v: %.2f µs an indicator\n",
			r.ServerCPU.Round(10*time.Millisecond), float64(r.ServerCPU.Microseconds())/n)
	}
	return nil
}

// BenchFloor writes only the rows an indicator cannot do without, by the
// fastest honest statements found, with nothing else of koban's: what is
// left is the floor under `koban bench intel` on this machine.
func BenchFloor(ctx context.Context, o FloorBenchOptions) (FloorBenchResult, error) {
	var res FloorBenchResult
	if o.Indicators < 1 {
		return res, fmt.Errorf("-n %d: want at least one indicator", o.Indicators)
	}
	if o.Batch < 1 {
		o.Batch = 2000
	}
	if o.Parts == "" {
		o.Parts = "abc"
	}
	parts, ok := newFloorShape(o.Parts)
	if !ok {
		return res, fmt.Errorf("-parts %q: want one of %s", o.Parts, strings.Join(floorParts, ", "))
	}
	keys, err := newBenchKeys(o.Keys)
	if err != nil {
		return res, err
	}
	inds := floorIndicators(o.Indicators, keys)

	var w floorWriter
	if o.DatabaseURL == "" {
		w, err = openFloorSQLite(ctx, parts)
	} else {
		w, err = openFloorPostgres(ctx, o.DatabaseURL, parts)
	}
	if err != nil {
		return res, err
	}
	defer w.close()

	server0, serverKnown := w.serverCPU()
	cpu0 := cpuTime()
	start := time.Now()
	for off := 0; off < len(inds); off += o.Batch {
		if err := w.write(ctx, inds[off:min(off+o.Batch, len(inds))]); err != nil {
			return res, err
		}
	}
	res.Elapsed = time.Since(start)
	res.CPU = cpuTime() - cpu0
	if server1, ok := w.serverCPU(); ok && serverKnown {
		res.ServerCPU = server1 - server0
	}
	res.Objects, res.Observables, res.Occurrences, err = w.count(ctx)
	return res, err
}

// floorIndicator is one indicator's rows.
type floorIndicator struct {
	id      int64 // the object's id, allocated by the writer
	stixID  string
	orgID   int64
	addedAt int64
	body    string
	value   string // a domain name
}

// floorIndicators makes n indicators with a body of about 360 bytes, as
// a feed's indicator of a domain name is.
func floorIndicators(n int, keys *benchKeys) []floorIndicator {
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	out := make([]floorIndicator, n)
	for i := range out {
		stixID := "indicator--" + keys.id(i)
		// Zero-padded, so that both kinds of keys make values of one length.
		value := fmt.Sprintf("host%010d.ingest-example.jp", keys.number(i, 32))
		at := base.Add(time.Duration(i) * time.Second)
		ts := at.Format("2006-01-02T15:04:05.000Z")
		out[i] = floorIndicator{
			id: int64(i + 1), stixID: stixID, orgID: int64(1 + i%5), addedAt: at.UnixMicro(), value: value,
			body: fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"%s","created":"%s","modified":"%s","pattern":"[domain-name:value = '%s']","pattern_type":"stix","valid_from":"%s","indicator_types":["malicious-activity"],"confidence":80}`,
				stixID, ts, ts, value, ts),
		}
	}
	return out
}

// floorShape is what the chosen parts write.
type floorShape struct {
	objects, values bool // values: the value's upsert and the occurrence
	unique          bool // the objects' STIX id and the values' (type, value) unique
	byValue         bool // the occurrences' index by value
	koban           bool // the objects' other four indexes, and their two columns
}

func newFloorShape(parts string) (floorShape, bool) {
	s := floorShape{objects: true, values: true, unique: true, byValue: true}
	switch parts {
	case "a":
		s.values, s.byValue = false, false
	case "bc":
		s.objects = false
	case "abc":
	case "abcidx":
		s.koban = true
	case "append":
		s.unique, s.byValue = false, false
	default:
		return s, false
	}
	return s, true
}

// floorWriter stores batches of indicators in one database.
type floorWriter interface {
	write(ctx context.Context, b []floorIndicator) error
	count(ctx context.Context) (objects, observables, occurrences int, err error)
	serverCPU() (time.Duration, bool) // false where there is none to read
	close()
}

// floorDialect holds the few words the two databases spell differently.
type floorDialect struct {
	id, integer     string
	table, keyed    string // after a table's parentheses, and after one with a composite primary key
	latest, current string // the objects' latest column, and the partial index's condition on it
}

var (
	floorSQLiteDialect = floorDialect{id: "INTEGER PRIMARY KEY", integer: "INTEGER", table: " STRICT", keyed: " STRICT, WITHOUT ROWID",
		latest: "INTEGER NOT NULL DEFAULT 1", current: "latest = 1"}
	floorPostgresDialect = floorDialect{id: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", integer: "BIGINT",
		latest: "BOOLEAN NOT NULL DEFAULT TRUE", current: "latest"}
)

// floorSchema is the three tables, cut down to the columns and indexes
// the shape writes; the names and kinds follow koban's migrations.
func floorSchema(d floorDialect, s floorShape) []string {
	unique, valueKey, extra := "", "", ""
	if s.unique {
		unique, valueKey = " UNIQUE", ", UNIQUE (type, value)"
	}
	if s.koban {
		extra = ", latest " + d.latest + ", record_id " + d.integer + " NOT NULL DEFAULT 0"
	}
	stmts := []string{
		fmt.Sprintf(`CREATE TABLE intel_objects (id %s, stix_id TEXT NOT NULL%s, type TEXT NOT NULL, org_id %s NOT NULL,
			added_at %[3]s NOT NULL, body TEXT NOT NULL%s)%s`, d.id, unique, d.integer, extra, d.table),
		fmt.Sprintf(`CREATE TABLE observables (id %s, type TEXT NOT NULL, value TEXT NOT NULL, records %s NOT NULL DEFAULT 0%s)%s`,
			d.id, d.integer, valueKey, d.table),
		fmt.Sprintf(`CREATE TABLE occurrences (record_type TEXT NOT NULL, record_id %[1]s NOT NULL, observable_id %[1]s NOT NULL,
			org_id %[1]s NOT NULL, tlp TEXT NOT NULL, at %[1]s NOT NULL, PRIMARY KEY (record_type, record_id, observable_id))%s`, d.integer, d.keyed),
	}
	if s.byValue {
		stmts = append(stmts, `CREATE INDEX occurrences_observable ON occurrences(observable_id, at, org_id)`)
	}
	if s.koban {
		stmts = append(stmts,
			`CREATE INDEX intel_objects_added ON intel_objects(added_at, id)`,
			`CREATE INDEX intel_objects_type ON intel_objects(type, added_at) WHERE `+d.current,
			`CREATE INDEX intel_objects_record ON intel_objects(record_id)`,
			`CREATE INDEX intel_objects_org ON intel_objects(org_id, added_at)`)
	}
	return stmts
}

// countFloorRows counts the rows the run left in the three tables.
func countFloorRows(query func(q string, n *int) error) (objects, observables, occurrences int, err error) {
	for _, c := range []struct {
		table string
		n     *int
	}{{"intel_objects", &objects}, {"observables", &observables}, {"occurrences", &occurrences}} {
		if err := query("SELECT count(*) FROM "+c.table, c.n); err != nil {
			return 0, 0, 0, fmt.Errorf("count %s: %w", c.table, err)
		}
	}
	return objects, observables, occurrences, nil
}

// floorSQLite writes through koban's own writer connection (its pragmas:
// WAL, synchronous FULL, the page cache, the checkpoint backstop).
type floorSQLite struct {
	db    *sql.DB
	dir   string
	shape floorShape
}

func openFloorSQLite(ctx context.Context, s floorShape) (*floorSQLite, error) {
	dir, err := os.MkdirTemp("", "koban-bench-floor-")
	if err != nil {
		return nil, err
	}
	write, read, err := sqlite.Open(filepath.Join(dir, "floor.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	read.Close()
	w := &floorSQLite{db: write, dir: dir, shape: s}
	for _, q := range floorSchema(floorSQLiteDialect, s) {
		if _, err := write.ExecContext(ctx, q); err != nil {
			w.close()
			return nil, fmt.Errorf("floor schema: %w", err)
		}
	}
	return w, nil
}

func (w *floorSQLite) close() {
	w.db.Close()
	os.RemoveAll(w.dir)
}

func (w *floorSQLite) serverCPU() (time.Duration, bool) { return 0, false }

func (w *floorSQLite) count(ctx context.Context) (int, int, int, error) {
	return countFloorRows(func(q string, n *int) error { return w.db.QueryRowContext(ctx, q).Scan(n) })
}

// floorRowsPerInsert is how many rows one INSERT carries on SQLite: the
// study behind this benchmark found 100 a little faster than one row a
// statement, and no faster beyond.
const floorRowsPerInsert = 100

// write stores a batch in one transaction, each table by INSERTs of up to
// floorRowsPerInsert rows.
func (w *floorSQLite) write(ctx context.Context, b []floorIndicator) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st := &floorStatements{ctx: ctx, tx: tx, prepared: map[string]*sql.Stmt{}}
	defer st.close()
	exec := func(s *sql.Stmt, args []any) error {
		_, err := s.ExecContext(ctx, args...)
		return err
	}
	if w.shape.objects {
		err := st.each(b, w.objectsInsert, func(args []any, x *floorIndicator) []any {
			args = append(args, x.id, x.stixID, "indicator", x.orgID, x.addedAt, x.body)
			if w.shape.koban {
				args = append(args, x.id)
			}
			return args
		}, exec)
		if err != nil {
			return fmt.Errorf("insert objects: %w", err)
		}
	}
	if w.shape.values {
		ids := make(map[string]int64, len(b))
		err := st.each(b, w.valuesUpsert, func(args []any, x *floorIndicator) []any { return append(args, x.value) },
			func(s *sql.Stmt, args []any) error {
				rows, err := s.QueryContext(ctx, args...)
				if err != nil {
					return err
				}
				return readValueIDs(rows, ids)
			})
		if err != nil {
			return fmt.Errorf("upsert values: %w", err)
		}
		occurrences := func(rows int) string {
			return `INSERT INTO occurrences (record_type, record_id, observable_id, org_id, tlp, at) VALUES ` + placeholders("('intel',?,?,?,'amber',?)", rows)
		}
		err = st.each(b, occurrences, func(args []any, x *floorIndicator) []any {
			return append(args, x.id, ids[x.value], x.orgID, x.addedAt)
		}, exec)
		if err != nil {
			return fmt.Errorf("insert occurrences: %w", err)
		}
	}
	return tx.Commit()
}

// floorStatements are one transaction's statements, each prepared once
// in it: database/sql cannot keep a statement across transactions on
// koban's pool of one connection without holding that connection.
type floorStatements struct {
	ctx      context.Context
	tx       *sql.Tx
	prepared map[string]*sql.Stmt
	args     []any
}

// each runs do once for every floorRowsPerInsert indicators of b, with
// the statement query makes for that many rows and row's arguments for
// each of them.
func (f *floorStatements) each(b []floorIndicator, query func(rows int) string,
	row func(args []any, x *floorIndicator) []any, do func(*sql.Stmt, []any) error) error {
	for off := 0; off < len(b); off += floorRowsPerInsert {
		c := b[off:min(off+floorRowsPerInsert, len(b))]
		q := query(len(c))
		st, ok := f.prepared[q]
		if !ok {
			var err error
			if st, err = f.tx.PrepareContext(f.ctx, q); err != nil {
				return err
			}
			f.prepared[q] = st
		}
		f.args = f.args[:0]
		for i := range c {
			f.args = row(f.args, &c[i])
		}
		if err := do(st, f.args); err != nil {
			return err
		}
	}
	return nil
}

func (f *floorStatements) close() {
	for _, st := range f.prepared {
		st.Close()
	}
}

func (w *floorSQLite) objectsInsert(rows int) string {
	if w.shape.koban {
		return `INSERT INTO intel_objects (id, stix_id, type, org_id, added_at, body, latest, record_id) VALUES ` + placeholders("(?,?,?,?,?,?,1,?)", rows)
	}
	return `INSERT INTO intel_objects (id, stix_id, type, org_id, added_at, body) VALUES ` + placeholders("(?,?,?,?,?,?)", rows)
}

// valuesUpsert counts a value already stored and inserts a new one; with
// no unique key to conflict on (append) it only inserts.
func (w *floorSQLite) valuesUpsert(rows int) string {
	q := `INSERT INTO observables (type, value, records) VALUES ` + placeholders("('domain',?,1)", rows)
	if w.shape.unique {
		q += ` ON CONFLICT (type, value) DO UPDATE SET records = records + 1`
	}
	return q + ` RETURNING id, value`
}

// valueRows is what both drivers' rows have in common: each closes its
// rows when Next has read the last.
type valueRows interface {
	Next() bool
	Scan(...any) error
	Err() error
}

// readValueIDs reads the (id, value) rows an upsert returned into ids.
func readValueIDs(rows valueRows, ids map[string]int64) error {
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		ids[v] = id
	}
	return rows.Err()
}

// placeholders is the VALUES list of rows copies of row.
func placeholders(row string, rows int) string {
	return strings.TrimSuffix(strings.Repeat(row+",", rows), ",")
}

// floorPostgres writes on one connection, as koban's import does (one
// stream of transactions), into a schema of its own made here and dropped
// at the end, so the database named may hold other things.
type floorPostgres struct {
	conn    *pgx.Conn
	schema  string
	backend string // the backend's process id, for its CPU time
	shape   floorShape
}

func openFloorPostgres(ctx context.Context, url string, s floorShape) (*floorPostgres, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", url, err)
	}
	tag := make([]byte, 4)
	rand.Read(tag)
	w := &floorPostgres{conn: conn, schema: "koban_floor_" + hex.EncodeToString(tag), shape: s}
	schema := pgx.Identifier{w.schema}.Sanitize()
	stmts := append([]string{`CREATE SCHEMA ` + schema, `SET search_path TO ` + schema}, floorSchema(floorPostgresDialect, s)...)
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			w.close()
			return nil, fmt.Errorf("floor schema: %w", err)
		}
	}
	// Start from a clean checkpoint, so that one run does not pay for the
	// last one's dirty pages. Only a superuser (or pg_checkpoint) may: on
	// a server where it is refused, the run goes on without.
	conn.Exec(ctx, `CHECKPOINT`)
	var pid int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err == nil {
		w.backend = strconv.Itoa(pid)
	}
	return w, nil
}

func (w *floorPostgres) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w.conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{w.schema}.Sanitize()+` CASCADE`)
	w.conn.Close(ctx)
}

// serverCPU reads the backend's CPU time from /proc, which holds it only
// when the server runs on this machine: a process of that id that is not
// named postgres is someone else's.
func (w *floorPostgres) serverCPU() (time.Duration, bool) {
	comm, err := os.ReadFile("/proc/" + w.backend + "/comm")
	if w.backend == "" || err != nil || strings.TrimSpace(string(comm)) != "postgres" {
		return 0, false
	}
	return processCPU(w.backend), true
}

func (w *floorPostgres) count(ctx context.Context) (int, int, int, error) {
	return countFloorRows(func(q string, n *int) error { return w.conn.QueryRow(ctx, q).Scan(n) })
}

// write stores a batch in one transaction: the objects' ids drawn from
// their sequence in one round trip, the objects and the occurrences by
// COPY, the values by one upsert of the whole batch (COPY cannot resolve
// a conflict), or by COPY too when there is no unique key to conflict on.
func (w *floorPostgres) write(ctx context.Context, b []floorIndicator) error {
	tx, err := w.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	ids, err := nextIDs(ctx, tx, "intel_objects", len(b))
	if err != nil {
		return err
	}
	for i := range b {
		b[i].id = ids[i]
	}
	if w.shape.objects {
		cols := []string{"id", "stix_id", "type", "org_id", "added_at", "body"}
		if w.shape.koban {
			cols = append(cols, "latest", "record_id")
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"intel_objects"}, cols, pgx.CopyFromSlice(len(b), func(i int) ([]any, error) {
			x := &b[i]
			if w.shape.koban {
				return []any{x.id, x.stixID, "indicator", x.orgID, x.addedAt, x.body, true, x.id}, nil
			}
			return []any{x.id, x.stixID, "indicator", x.orgID, x.addedAt, x.body}, nil
		}))
		if err != nil {
			return fmt.Errorf("copy objects: %w", err)
		}
	}
	if w.shape.values {
		values, err := w.storeValues(ctx, tx, b)
		if err != nil {
			return fmt.Errorf("store values: %w", err)
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"occurrences"}, []string{"record_type", "record_id", "observable_id", "org_id", "tlp", "at"},
			pgx.CopyFromSlice(len(b), func(i int) ([]any, error) {
				x := &b[i]
				return []any{"intel", x.id, values[x.value], x.orgID, "amber", x.addedAt}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy occurrences: %w", err)
		}
	}
	return tx.Commit(ctx)
}

// storeValues stores the batch's values and returns their ids.
func (w *floorPostgres) storeValues(ctx context.Context, tx pgx.Tx, b []floorIndicator) (map[string]int64, error) {
	ids := make(map[string]int64, len(b))
	if !w.shape.unique {
		seq, err := nextIDs(ctx, tx, "observables", len(b))
		if err != nil {
			return nil, err
		}
		for i, x := range b {
			ids[x.value] = seq[i]
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"observables"}, []string{"id", "type", "value", "records"},
			pgx.CopyFromSlice(len(b), func(i int) ([]any, error) { return []any{seq[i], "domain", b[i].value, int64(1)}, nil }))
		return ids, err
	}
	values := make([]string, len(b))
	for i, x := range b {
		values[i] = x.value
	}
	rows, err := tx.Query(ctx, `INSERT INTO observables (type, value, records)
		SELECT 'domain', v, 1 FROM unnest($1::text[]) AS u(v)
		ON CONFLICT (type, value) DO UPDATE SET records = observables.records + 1
		RETURNING id, value`, values)
	if err != nil {
		return nil, err
	}
	return ids, readValueIDs(rows, ids)
}

// nextIDs draws n ids from table's identity sequence in one round trip.
func nextIDs(ctx context.Context, tx pgx.Tx, table string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err == nil && len(ids) != n {
		err = errors.New("the sequence gave too few ids")
	}
	return ids, err
}
