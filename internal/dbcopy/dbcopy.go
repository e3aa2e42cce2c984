// Package dbcopy copies a whole koban from its SQLite database into an empty
// PostgreSQL database (koban migrate-db), then proves the copy.
//
// The source is opened read-only and read in one snapshot. The target's
// schema comes from store.Open (koban's own PostgreSQL migrations), and both
// must be at the same schema version. Tables are copied in dependency order,
// rows in key order, ids kept, in batches that each commit on their own
// (COPY in a transaction). SQLite's INTEGER 0/1 becomes BOOLEAN where the
// target column is BOOLEAN. The audit log is copied row for row: the
// append-only triggers allow INSERT. Identity sequences are moved past the
// copied ids.
//
// Resuming: a second run with the same arguments carries on. For each table
// it reads the greatest key the target holds (for occurrences, the whole
// primary key record_type, record_id, observable_id, compared on both
// sides), checks that the target's rows are exactly the source's rows up to
// that key, and copies only the rows after it. Rows are therefore copied
// exactly once whatever the point of interruption, and a target that holds
// anything else (another koban's data, or source rows that changed since the
// copy began) is refused before anything is written. Self-references to a
// later row (orgs.parent_id, reports.duplicate_of) are inserted as NULL and
// set once their table is complete; the check above reads them that way.
//
// Verifying: every table is read again on both sides in key order; row
// counts and a SHA-256 digest of the rows' canonical text (see rows.go) must
// be equal, and the target's audit chain must verify with the same head as
// the source's. Evidence files are copied (--files-to) or checked in place.
package dbcopy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the source: koban's SQLite file

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/store"
)

// DefaultBatch is how many rows each committed batch carries.
const DefaultBatch = 1000

// Options say what to copy where.
type Options struct {
	From       string // "sqlite:PATH": the koban.db file, or the data folder holding it
	To         string // "postgres://…"
	FilesTo    string // copy evidence into FilesTo/files/aa/bb/<sha256>; "" checks it in the source folder
	Batch      int    // rows per committed batch; 0 means DefaultBatch
	VerifyOnly bool   // copy nothing, only compare source and target
	Out        io.Writer
	Log        *slog.Logger  // the store's messages (migrations applied)
	Progress   time.Duration // how often a long table reports progress; 0 means 2s

	// StopAfter ends the copy with ErrStopped once this many batches have
	// been committed, as an interruption would (0: no limit). Tests use it.
	StopAfter int
}

func (o *Options) printf(format string, a ...any) { fmt.Fprintf(o.Out, format, a...) }

// ErrStopped is returned when the copy stopped after Options.StopAfter batches.
var ErrStopped = errors.New("copy stopped after the requested number of batches")

// TargetDiffersError says the target holds rows that are not the source's.
type TargetDiffersError struct {
	Table string
	Row   string // which row, by key
}

func (e *TargetDiffersError) Error() string {
	return fmt.Sprintf("the target database already holds data that is not (part of) a copy of this source: table %s, %s. "+
		"migrate-db copies into an empty database or continues its own copy of the same, unchanged source; "+
		"if koban ran on either database since the copy began, start again with an empty database", e.Table, e.Row)
}

// TableResult compares one table on both sides.
type TableResult struct {
	Name                       string
	SourceRows, TargetRows     int64
	SourceDigest, TargetDigest string // SHA-256 of the rows' canonical text, hex
	FirstDiff                  string // the first row that differs, "" when none
}

// OK reports whether the table is the same on both sides.
func (t TableResult) OK() bool {
	return t.FirstDiff == "" && t.SourceRows == t.TargetRows && t.SourceDigest == t.TargetDigest
}

// AuditResult holds both audit chain verifications.
type AuditResult struct{ Source, Target audit.Result }

// OK reports whether both chains are intact and end on the same head.
func (a AuditResult) OK() bool {
	return a.Source.OK() && a.Target.OK() && a.Source.Rows == a.Target.Rows && a.Source.Head == a.Target.Head
}

// Result is what a run did and found.
type Result struct {
	SchemaVersion int64
	Tables        []TableResult
	Files         FileResult
	Audit         AuditResult
	Copied        int64         // rows copied by this run
	CopyTime      time.Duration // time spent copying rows
	Verified      bool          // the verification ran
}

// OK reports whether the verification found source and target the same and
// every evidence file intact.
func (r *Result) OK() bool {
	if !r.Verified || !r.Audit.OK() || !r.Files.OK() {
		return false
	}
	for _, t := range r.Tables {
		if !t.OK() {
			return false
		}
	}
	return true
}

// RowsPerSecond is the copy throughput of this run.
func (r *Result) RowsPerSecond() float64 {
	if r.CopyTime <= 0 {
		return 0
	}
	return float64(r.Copied) / r.CopyTime.Seconds()
}

// SourcePath turns "sqlite:PATH" into the database file and the data folder
// (where files/ lives): PATH is the koban.db file or the folder holding it.
func SourcePath(from string) (dbFile, dataDir string, err error) {
	p, ok := strings.CutPrefix(from, "sqlite:")
	if !ok || p == "" {
		return "", "", fmt.Errorf("source %q: give sqlite:PATH, PATH being koban.db or the data folder holding it", from)
	}
	p = filepath.Clean(p)
	fi, err := os.Stat(p)
	if err != nil {
		return "", "", fmt.Errorf("source: %w", err)
	}
	if fi.IsDir() {
		p = filepath.Join(p, "koban.db")
		if fi, err = os.Stat(p); err != nil {
			return "", "", fmt.Errorf("source: %w", err)
		}
	}
	if !fi.Mode().IsRegular() {
		return "", "", fmt.Errorf("source %s is not a file", p)
	}
	return p, filepath.Dir(p), nil
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Redact hides the password in a database URL.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	if v := p.Query(); v.Has("password") {
		v.Set("password", "xxxxx")
		p.RawQuery = v.Encode()
	}
	return p.Redacted()
}

// openSource opens the SQLite file read-only.
func openSource(path string) (*sql.DB, error) {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+esc+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("open source %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// lockKey is the PostgreSQL advisory lock a migrate-db run holds on its
// target, so that two runs never copy into one database at once.
const lockKey = 7458913

// Run copies (unless VerifyOnly), then verifies. An error means the copy
// could not be done or was interrupted (the committed batches stay; run
// again to continue); a Result that is not OK means the verification found
// a difference.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Progress <= 0 {
		o.Progress = 2 * time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	dbFile, srcDir, err := SourcePath(o.From)
	if err != nil {
		return nil, err
	}
	if !IsPostgresURL(o.To) {
		return nil, fmt.Errorf("target %q: give postgres://…", Redact(o.To))
	}

	src, err := openSource(dbFile)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	// One read transaction: every read of the source sees one snapshot.
	stx, err := src.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("open source %s: %w", dbFile, err)
	}
	defer stx.Rollback()
	srcVer, err := schemaVersion(ctx, func(ctx context.Context, s string) (v int64, err error) {
		return v, stx.QueryRowContext(ctx, s).Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("source %s is not a koban database: %w", dbFile, err)
	}
	o.printf("source: %s (SQLite, schema version %d)\n", dbFile, srcVer)

	conn, err := pgx.Connect(ctx, o.To)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// A run that just ended may still be leaving the server: wait a moment
	// for its lock before deciding another run is busy.
	var locked bool
	for try := 0; ; try++ {
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, lockKey).Scan(&locked); err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		if locked || try == 20 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !locked {
		return nil, errors.New("target: another migrate-db is running against this database")
	}
	// Unlock explicitly, so the lock is gone when Run returns, not when the
	// server gets round to ending the closed connection.
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey)
	// Before koban's migrations touch it: a database holding other tables
	// is not a koban database (a wrong URL), and is left alone.
	if err := onlyKobanTables(ctx, conn); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, store.Options{DatabaseURL: o.To, Log: o.Log})
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer db.Close()
	tgtVer, err := schemaVersion(ctx, func(ctx context.Context, s string) (v int64, err error) {
		return v, conn.QueryRow(ctx, s).Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	o.printf("target: %s (PostgreSQL, schema version %d)\n", Redact(o.To), tgtVer)
	switch {
	case srcVer < tgtVer:
		return nil, fmt.Errorf("source schema version %d is older than the target's %d: start koban once on the SQLite data (it migrates on start), stop it, then copy", srcVer, tgtVer)
	case srcVer > tgtVer:
		return nil, fmt.Errorf("source schema version %d is newer than this koban knows (%d): use the koban that wrote it", srcVer, tgtVer)
	}

	tables, err := discover(ctx, stx, conn)
	if err != nil {
		return nil, err
	}
	refs, err := referencedFiles(ctx, stx)
	if err != nil {
		return nil, err
	}
	res := &Result{SchemaVersion: srcVer}
	c := &copier{src: stx, dst: conn, o: &o}

	if !o.VerifyOnly {
		// Check every table before writing anything: a foreign target is
		// refused untouched.
		starts := make([]resume, len(tables))
		resumed := false
		for i, t := range tables {
			if starts[i], err = c.check(ctx, t); err != nil {
				return nil, err
			}
			resumed = resumed || starts[i].have > 0
		}
		if resumed {
			o.printf("the target already holds rows of this copy (checked equal to the source): continuing after them\n")
		}
		o.printf("copying in batches of %d rows:\n", o.Batch)
		t0 := time.Now()
		for i, t := range tables {
			total, _, err := c.count(ctx, t)
			if err == nil {
				err = c.copyTable(ctx, t, starts[i], total)
			}
			res.Copied, res.CopyTime = c.copied, time.Since(t0)
			if err != nil {
				if errors.Is(err, ErrStopped) || ctx.Err() != nil {
					o.printf("stopped: %d rows copied by this run are committed; run the same command again to continue\n", c.copied)
				}
				return res, err
			}
		}
		o.printf("copied %d rows in %v (%.0f rows/s)\n", res.Copied, res.CopyTime.Round(time.Millisecond), res.RowsPerSecond())
	}

	switch {
	case o.FilesTo != "" && !o.VerifyOnly:
		res.Files, err = copyFiles(ctx, refs, srcDir, o.FilesTo, &o)
	case o.FilesTo != "":
		res.Files, err = checkFiles(ctx, refs, o.FilesTo, true)
	default:
		res.Files, err = checkFiles(ctx, refs, srcDir, false)
	}
	if err != nil {
		return res, err
	}
	printFiles(&o, res.Files, srcDir)

	if err := verify(ctx, c, db, tables, res); err != nil {
		return res, err
	}
	printVerification(&o, res)
	return res, nil
}

// verify reads every table again on both sides and checks the audit chains.
func verify(ctx context.Context, c *copier, db *store.DB, tables []*table, res *Result) error {
	for _, t := range tables {
		srcRows, err := c.src.QueryContext(ctx, t.sourceQuery(""))
		if err != nil {
			return fmt.Errorf("verify %s: %w", t.name, err)
		}
		sc := newSQLCursor(srcRows, len(t.cols))
		dstRows, err := c.dst.Query(ctx, t.targetQuery())
		if err != nil {
			sc.Close()
			return fmt.Errorf("verify %s: %w", t.name, err)
		}
		cmp, err := compareRows(t, sc, pgCursor{dstRows}, false)
		sc.Close()
		dstRows.Close()
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		res.Tables = append(res.Tables, TableResult{Name: t.name, SourceRows: cmp.src.rows, TargetRows: cmp.dst.rows,
			SourceDigest: cmp.src.digest, TargetDigest: cmp.dst.digest, FirstDiff: cmp.firstDiff})
	}
	var err error
	if res.Audit.Source, err = verifySourceAudit(ctx, c.src); err != nil {
		return err
	}
	if res.Audit.Target, err = db.VerifyAudit(ctx); err != nil {
		return fmt.Errorf("verify target audit chain: %w", err)
	}
	res.Verified = true
	return nil
}

// verifySourceAudit walks the source's audit chain as store.VerifyAudit
// walks the target's.
func verifySourceAudit(ctx context.Context, src *sql.Tx) (audit.Result, error) {
	v := audit.NewVerifier()
	// A log retention pruned verifies from its newest checkpoint.
	var cp audit.Checkpoint
	var lastAt int64
	err := src.QueryRowContext(ctx, `SELECT last_id, last_hash, last_at FROM audit_checkpoints ORDER BY last_id DESC LIMIT 1`).Scan(&cp.LastID, &cp.LastHash, &lastAt)
	switch {
	case err == nil:
		cp.LastAt = time.UnixMicro(lastAt).UTC()
		v = audit.NewVerifierAfter(cp)
	case !errors.Is(err, sql.ErrNoRows):
		return audit.Result{}, fmt.Errorf("verify source audit chain: %w", err)
	}
	rows, err := src.QueryContext(ctx, `SELECT id, at, actor_id, actor, org_id, action, object_type, object_id, detail, ip, prev_hash, hash FROM audit_log ORDER BY id`)
	if err != nil {
		return audit.Result{}, fmt.Errorf("verify source audit chain: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r audit.Row
		var at int64
		if err := rows.Scan(&r.ID, &at, &r.ActorID, &r.Actor, &r.OrgID, &r.Action, &r.ObjectType, &r.ObjectID, &r.Detail, &r.IP, &r.PrevHash, &r.Hash); err != nil {
			return audit.Result{}, fmt.Errorf("verify source audit chain: %w", err)
		}
		if at != 0 {
			r.At = time.UnixMicro(at).UTC()
		}
		if !v.Check(r) {
			break
		}
	}
	return v.Result(), rows.Err()
}

func printFiles(o *Options, f FileResult, srcDir string) {
	switch {
	case f.CheckedAt == "":
		o.printf("evidence: %d files referenced: %d copied to %s (files/, samples/), %d already there",
			f.Referenced, f.Copied, f.Dir, f.Present)
		if f.Replaced > 0 {
			o.printf(" (%d had the wrong content there and were copied again)", f.Replaced)
		}
		o.printf("; every copy's SHA-256 checked\n")
	case f.CheckedAt == srcDir:
		o.printf("evidence: %d files referenced, %d present in %s (files/, samples/)\n", f.Referenced, f.Present, f.Dir)
		o.printf("  the files were not copied: every PostgreSQL koban server must see these folders as its KOBAN_DATA_DIR/files\n" +
			"  and KOBAN_DATA_DIR/samples (share or copy them there), or run again with --files-to DIR to copy them into DIR\n")
	default:
		o.printf("evidence: %d files referenced, %d present in %s (files/, samples/) with the right SHA-256\n", f.Referenced, f.Present, f.Dir)
	}
	show := func(what string, sums []string) {
		if len(sums) == 0 {
			return
		}
		o.printf("  %d %s:", len(sums), what)
		for i, s := range sums {
			if i == 5 {
				o.printf(" …")
				break
			}
			o.printf(" %s", s)
		}
		o.printf("\n")
	}
	show("missing from the source", f.Missing)
	show("whose content does not match their SHA-256 (or size)", f.Corrupt)
}

func printVerification(o *Options, r *Result) {
	mark := func(ok bool) string {
		if ok {
			return "OK"
		}
		return "MISMATCH"
	}
	o.printf("verification:\n  %-19s %10s %10s  %-12s\n", "table", "source", "target", "digest")
	for _, t := range r.Tables {
		d := t.SourceDigest[:12]
		if t.SourceDigest != t.TargetDigest {
			d += " ≠ " + t.TargetDigest[:12]
		}
		o.printf("  %-19s %10d %10d  %-12s  %s", t.Name, t.SourceRows, t.TargetRows, d, mark(t.OK()))
		if t.FirstDiff != "" {
			o.printf(" (%s)", t.FirstDiff)
		}
		o.printf("\n")
	}
	chain := func(a audit.Result) string {
		if a.OK() {
			return fmt.Sprintf("intact, %d rows, head %s", a.Rows, a.Head)
		}
		return fmt.Sprintf("BROKEN at row %d: %s", a.BadID, a.Problem)
	}
	o.printf("  audit chain: source %s\n", chain(r.Audit.Source))
	o.printf("               target %s  %s\n", chain(r.Audit.Target), mark(r.Audit.OK()))
	o.printf("  evidence files: %d of %d intact  %s\n", r.Files.Referenced-len(r.Files.Missing)-len(r.Files.Corrupt), r.Files.Referenced, mark(r.Files.OK()))
	if r.OK() {
		o.printf("result: OK, the PostgreSQL database is a faithful copy\n")
		return
	}
	if !r.Audit.Source.OK() {
		o.printf("result: MISMATCH (the source's own audit chain is broken: run koban audit verify on it)\n")
		return
	}
	o.printf("result: MISMATCH\n")
}
