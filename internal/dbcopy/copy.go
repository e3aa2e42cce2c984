package dbcopy

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// copier moves rows from the source snapshot into the target.
type copier struct {
	src     *sql.Tx
	dst     *pgx.Conn
	o       *Options
	batches int   // batches committed by this run
	copied  int64 // rows copied by this run
}

// resume is where a table's copy starts.
type resume struct {
	have int64 // rows already in the target
	last []any // their greatest key, nil when none
}

func (c *copier) count(ctx context.Context, t *table) (src, dst int64, err error) {
	if err := c.src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.source()).Scan(&src); err != nil {
		return 0, 0, fmt.Errorf("%s: count source rows: %w", t.name, err)
	}
	if err := c.dst.QueryRow(ctx, `SELECT COUNT(*) FROM `+q(t.name)).Scan(&dst); err != nil {
		return 0, 0, fmt.Errorf("%s: count target rows: %w", t.name, err)
	}
	return src, dst, nil
}

// check looks at what a table already holds in the target. An empty table
// starts from the beginning; otherwise its rows must be exactly the source's
// first rows in key order (what an interrupted copy leaves), else the
// target holds other data and nothing is copied.
func (c *copier) check(ctx context.Context, t *table) (resume, error) {
	last, err := t.lastTargetKey(ctx, c.dst)
	if err != nil || last == nil {
		return resume{}, err
	}
	srcRows, err := c.src.QueryContext(ctx, t.sourceQuery("<="), last...)
	if err != nil {
		return resume{}, fmt.Errorf("%s: read source: %w", t.name, err)
	}
	sc := newSQLCursor(srcRows, len(t.cols))
	defer sc.Close()
	dstRows, err := c.dst.Query(ctx, t.targetQuery())
	if err != nil {
		return resume{}, fmt.Errorf("%s: read target: %w", t.name, err)
	}
	dc := pgCursor{dstRows}
	defer dc.Close()
	cmp, err := compareRows(t, sc, dc, true)
	if err != nil {
		return resume{}, err
	}
	if cmp.firstDiff != "" {
		return resume{}, &TargetDiffersError{Table: t.name, Row: cmp.firstDiff}
	}
	return resume{have: cmp.dst.rows, last: last}, nil
}

// copyTable copies the rows after r.last, one committed batch at a time.
func (c *copier) copyTable(ctx context.Context, t *table, r resume, total int64) error {
	start := time.Now()
	var rows *sql.Rows
	var err error
	if r.last == nil {
		rows, err = c.src.QueryContext(ctx, t.sourceQuery(""))
	} else {
		rows, err = c.src.QueryContext(ctx, t.sourceQuery(">"), r.last...)
	}
	if err != nil {
		return fmt.Errorf("%s: read source: %w", t.name, err)
	}
	cur := newSQLCursor(rows, len(t.cols))
	defer cur.Close()
	done := r.have
	var shown time.Time
	batch := make([][]any, 0, c.o.Batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := c.insert(ctx, t, batch); err != nil {
			return err
		}
		done += int64(len(batch))
		c.copied += int64(len(batch))
		c.batches++
		batch = batch[:0]
		if time.Since(shown) >= c.o.Progress && done < total {
			c.o.printf("  %-19s copied %d/%d rows …\n", t.name, done, total)
			shown = time.Now()
		}
		if c.o.StopAfter > 0 && c.batches >= c.o.StopAfter {
			return ErrStopped
		}
		return nil
	}
	shown = time.Now()
	for cur.Next() {
		vals, err := cur.Values()
		if err != nil {
			return fmt.Errorf("%s: read source: %w", t.name, err)
		}
		row, err := t.toTarget(vals)
		if err != nil {
			return err
		}
		batch = append(batch, row)
		if len(batch) == c.o.Batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("%s: read source: %w", t.name, err)
	}
	if err := flush(); err != nil {
		return err
	}
	cur.Close()
	fixed, err := c.fixSelfRefs(ctx, t)
	if err != nil {
		return err
	}
	if err := c.resetIdentity(ctx, t); err != nil {
		return err
	}
	note := ""
	if r.have > 0 {
		note = fmt.Sprintf(" (already there: %d)", r.have)
	}
	if fixed > 0 {
		note += fmt.Sprintf(" (%d %s set after the rows they point to)", fixed, t.selfRef)
	}
	c.o.printf("  %-19s copied %d/%d rows in %v%s\n", t.name, done, total, time.Since(start).Round(time.Millisecond), note)
	return nil
}

// insert writes one batch with COPY in its own transaction, so that every
// committed batch survives an interruption.
func (c *copier) insert(ctx context.Context, t *table, batch [][]any) error {
	tx, err := c.dst.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", t.name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.colNames(), pgx.CopyFromRows(batch))
	if err != nil {
		return fmt.Errorf("%s: insert rows %s…%s: %w", t.name, t.describeKey(batch[0]), t.describeKey(batch[len(batch)-1]), err)
	}
	if n != int64(len(batch)) {
		return fmt.Errorf("%s: inserted %d of %d rows", t.name, n, len(batch))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("%s: commit: %w", t.name, err)
	}
	return nil
}

// fixSelfRefs sets the self-references that point at later rows, which
// the copy inserted as NULL. It runs after the whole table is in, and again
// on every run, so it is complete whenever the table is.
func (c *copier) fixSelfRefs(ctx context.Context, t *table) (int, error) {
	if t.selfRef == "" {
		return 0, nil
	}
	id, ref := q(t.key[0]), q(t.selfRef)
	rows, err := c.src.QueryContext(ctx, `SELECT `+id+`, `+ref+` FROM `+t.source()+` WHERE `+ref+` > `+id+` ORDER BY `+id)
	if err != nil {
		return 0, fmt.Errorf("%s: read %s: %w", t.name, t.selfRef, err)
	}
	type pair struct{ id, ref int64 }
	var pairs []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.id, &p.ref); err != nil {
			rows.Close()
			return 0, err
		}
		pairs = append(pairs, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(pairs) == 0 {
		return 0, err
	}
	tx, err := c.dst.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, p := range pairs {
		if _, err := tx.Exec(ctx, `UPDATE `+q(t.name)+` SET `+ref+` = $1 WHERE `+id+` = $2 AND `+ref+` IS DISTINCT FROM $1`, p.ref, p.id); err != nil {
			return 0, fmt.Errorf("%s: set %s of %d: %w", t.name, t.selfRef, p.id, err)
		}
	}
	return len(pairs), tx.Commit(ctx)
}

// resetIdentity moves each identity sequence past the greatest copied id,
// so that rows koban inserts next do not collide with copied ones.
func (c *copier) resetIdentity(ctx context.Context, t *table) error {
	for _, col := range t.cols {
		if !col.identity {
			continue
		}
		_, err := c.dst.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(`+q(col.name)+`) FROM `+q(t.name)+`), 0) + 1, false)`,
			q(t.name), col.name)
		if err != nil {
			return fmt.Errorf("%s: reset the %s sequence: %w", t.name, col.name, err)
		}
	}
	return nil
}
