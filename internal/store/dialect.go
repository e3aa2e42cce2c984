package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// dialect holds the few differences between SQLite and PostgreSQL that the
// SQL in this package meets. Queries are written once, with ? placeholders.
type dialect struct {
	name      string // "sqlite" or "postgres"
	numbered  bool   // placeholders are $1, $2 …
	forUpdate string // lock rows read for a read-modify-write
	// auditLock serialises writers of the audit chain across connections
	// and processes; SQLite's single writer needs none.
	auditLock string
	// searchKey is the report_search column that holds the report id: the
	// SQLite FTS5 table keys its rows by rowid.
	searchKey string
	// searchSkipDup ends an INSERT into report_search that leaves rows
	// already there alone (several PostgreSQL servers may fill in the index
	// at once; SQLite has one writer).
	searchSkipDup string
	// strpos names the function that finds a string in another (position,
	// 0 when absent).
	strpos string
	// least and greatest name the two-argument minimum and maximum.
	least, greatest string
	cache           sync.Map // query → rebound query
	// bytewise is the collation that orders text byte by byte, as Go does
	// (PostgreSQL's default follows the database's locale).
	bytewise string
	// byValue follows "occurrences oc" in a statement that reads the
	// occurrences of given values of one record type: without statistics
	// SQLite reads them by the primary key's record type, which is every
	// occurrence of that type in the country.
	byValue string
}

var (
	sqliteDialect = &dialect{name: "sqlite", searchKey: "rowid", strpos: "instr", least: "min", greatest: "max", bytewise: "BINARY",
		byValue: " INDEXED BY occurrences_observable"}
	postgresDialect = &dialect{name: "postgres", numbered: true, forUpdate: " FOR UPDATE",
		auditLock: `SELECT pg_advisory_xact_lock(7458912)`,
		searchKey: "report_id", searchSkipDup: ` ON CONFLICT (report_id) DO NOTHING`, strpos: "strpos", least: "LEAST", greatest: "GREATEST",
		bytewise: `"C"`}
)

// rebind turns ? placeholders into the dialect's form. The SQL here never
// has a ? inside a string literal, but quoted text is skipped all the same.
func (d *dialect) rebind(q string) string {
	if !d.numbered {
		return q
	}
	if v, ok := d.cache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	d.cache.Store(q, out)
	return out
}

// handle is a connection pool that speaks the dialect.
type handle struct {
	*sql.DB
	d *dialect
}

func (h handle) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return h.DB.ExecContext(ctx, h.d.rebind(q), args...)
}

func (h handle) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return h.DB.QueryContext(ctx, h.d.rebind(q), args...)
}

func (h handle) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return h.DB.QueryRowContext(ctx, h.d.rebind(q), args...)
}

func (h handle) begin(ctx context.Context) (*txn, error) {
	tx, err := h.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, d: h.d}, nil
}

// txn is a transaction that speaks the dialect.
type txn struct {
	*sql.Tx
	d *dialect
	// The audit chain's head as this transaction left it, once read.
	auditHeld bool
	auditID   int64
	auditHash string
	changes   []Change // announced once the transaction commits (announce_cases.go)
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.d.rebind(q), args...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.d.rebind(q), args...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.d.rebind(q), args...)
}
