package dbcopy

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// The canonical text form of a row, which the per-table digest hashes on
// both sides:
//
//	row   = value *( ";" value ) "\n"     (values in the target's column order)
//	value = "n"                           NULL
//	      / "i" decimal                   integer
//	      / "b0" / "b1"                   boolean (SQLite's 0/1 as well)
//	      / "f" shortest-decimal          floating point (64 bits, exact)
//	      / "s" length ":" bytes          text, length in bytes
//
// A table's digest is the SHA-256 of its rows in key order.

// cursor walks the rows of a query, values in the table's column order.
type cursor interface {
	Next() bool
	Values() ([]any, error)
	Err() error
	Close()
}

// sqlCursor reads SQLite rows. Values reuses its slice: copy what you keep.
type sqlCursor struct {
	rows *sql.Rows
	vals []any
	ptrs []any
}

func newSQLCursor(rows *sql.Rows, n int) *sqlCursor {
	c := &sqlCursor{rows: rows, vals: make([]any, n), ptrs: make([]any, n)}
	for i := range c.vals {
		c.ptrs[i] = &c.vals[i]
	}
	return c
}

func (c *sqlCursor) Next() bool { return c.rows.Next() }
func (c *sqlCursor) Values() ([]any, error) {
	if err := c.rows.Scan(c.ptrs...); err != nil {
		return nil, err
	}
	return c.vals, nil
}
func (c *sqlCursor) Err() error { return c.rows.Err() }
func (c *sqlCursor) Close()     { c.rows.Close() }

// pgCursor reads PostgreSQL rows.
type pgCursor struct{ rows pgx.Rows }

func (c pgCursor) Next() bool             { return c.rows.Next() }
func (c pgCursor) Values() ([]any, error) { return c.rows.Values() }
func (c pgCursor) Err() error             { return c.rows.Err() }
func (c pgCursor) Close()                 { c.rows.Close() }

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int:
		return int64(x), true
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	if i, ok := asInt(v); ok {
		return float64(i), true
	}
	return 0, false
}

func asText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// appendToken appends the canonical form of v, a value of a column of kind k.
// A value of an unexpected type is written with its Go type, so it can only
// ever compare unequal.
func appendToken(b []byte, k kind, v any) []byte {
	if v == nil {
		return append(b, 'n')
	}
	switch k {
	case kindInt:
		if i, ok := asInt(v); ok {
			return strconv.AppendInt(append(b, 'i'), i, 10)
		}
	case kindBool:
		if x, ok := v.(bool); ok {
			if x {
				return append(b, "b1"...)
			}
			return append(b, "b0"...)
		}
		if i, ok := asInt(v); ok && (i == 0 || i == 1) {
			return strconv.AppendInt(append(b, 'b'), i, 10)
		}
	case kindText:
		if s, ok := asText(v); ok {
			b = strconv.AppendInt(append(b, 's'), int64(len(s)), 10)
			return append(append(b, ':'), s...)
		}
	case kindFloat:
		if f, ok := asFloat(v); ok {
			return strconv.AppendFloat(append(b, 'f'), f, 'g', -1, 64)
		}
	}
	return fmt.Appendf(b, "?%T:%v", v, v)
}

// canonical returns a row's canonical form and the offsets where each
// value's form ends. With forward set, a self-reference to a later row
// reads as NULL (as the copy first inserts it): a partly copied table is
// compared that way.
func (t *table) canonical(b []byte, ends []int, vals []any, forward bool) ([]byte, []int) {
	ends = ends[:0]
	for i, c := range t.cols {
		if i > 0 {
			b = append(b, ';')
		}
		v := vals[i]
		if forward && i == t.refIdx && t.forwardRef(vals) {
			v = nil
		}
		b = appendToken(b, c.kind, v)
		ends = append(ends, len(b))
	}
	return append(b, '\n'), ends
}

// forwardRef reports whether the row's self-reference points at a later row.
func (t *table) forwardRef(vals []any) bool {
	if t.refIdx < 0 || vals[t.refIdx] == nil {
		return false
	}
	ref, ok1 := asInt(vals[t.refIdx])
	id, ok2 := asInt(vals[t.keyIdx[0]])
	return ok1 && ok2 && ref > id
}

// toTarget converts a source row into the values PostgreSQL receives.
func (t *table) toTarget(vals []any) ([]any, error) {
	out := make([]any, len(vals))
	for i, c := range t.cols {
		v := vals[i]
		if v == nil {
			continue
		}
		switch c.kind {
		case kindInt:
			n, ok := asInt(v)
			if !ok {
				return nil, fmt.Errorf("%s %s: column %s holds %T, not an integer", t.name, t.describeKey(vals), c.name, v)
			}
			out[i] = n
		case kindBool:
			n, ok := asInt(v)
			if !ok || (n != 0 && n != 1) {
				return nil, fmt.Errorf("%s %s: column %s holds %v, not 0 or 1", t.name, t.describeKey(vals), c.name, v)
			}
			out[i] = n == 1
		case kindFloat:
			f, ok := asFloat(v)
			if !ok {
				return nil, fmt.Errorf("%s %s: column %s holds %T, not a number", t.name, t.describeKey(vals), c.name, v)
			}
			out[i] = f
		case kindText:
			s, ok := asText(v)
			if !ok {
				return nil, fmt.Errorf("%s %s: column %s holds %T, not text", t.name, t.describeKey(vals), c.name, v)
			}
			if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
				return nil, fmt.Errorf("%s %s: column %s holds text PostgreSQL cannot store (invalid UTF-8 or a NUL byte)", t.name, t.describeKey(vals), c.name)
			}
			out[i] = s
		}
	}
	if t.forwardRef(out) {
		out[t.refIdx] = nil
	}
	return out, nil
}

// describeKey names a row by its key without showing text keys (session
// hashes, observable values): those are shown by a short hash.
func (t *table) describeKey(vals []any) string {
	parts := make([]string, len(t.key))
	for i, k := range t.key {
		v := vals[t.keyIdx[i]]
		if n, ok := asInt(v); ok {
			parts[i] = k + "=" + strconv.FormatInt(n, 10)
			continue
		}
		s, _ := asText(v)
		h := sha256.Sum256([]byte(s))
		parts[i] = k + "#" + hex.EncodeToString(h[:4])
	}
	return strings.Join(parts, ",")
}

// compareKeys orders two keys as both databases do: integers by value,
// text by bytes.
func compareKeys(t *table, a, b []any) int {
	for _, i := range t.keyIdx {
		if x, ok := asInt(a[i]); ok {
			y, _ := asInt(b[i])
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
			continue
		}
		x, _ := asText(a[i])
		y, _ := asText(b[i])
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// comparison is the outcome of reading a table on both sides.
type comparison struct {
	src, dst       side
	firstDiff      string
	srcErr, dstErr error
}

type side struct {
	rows   int64
	digest string
}

type sideState struct {
	h    hash.Hash
	buf  []byte
	ends []int
	vals []any
	keys []any
	done bool
	rows int64
}

// compareRows walks two cursors over the same table in key order, hashing
// each side's canonical rows and noting the first row that differs.
func compareRows(t *table, src, dst cursor, forward bool) (comparison, error) {
	var res comparison
	s := &sideState{h: sha256.New()}
	d := &sideState{h: sha256.New()}
	advance := func(c cursor, st *sideState) error {
		if st.done {
			return nil
		}
		if !c.Next() {
			st.done = true
			return c.Err()
		}
		v, err := c.Values()
		if err != nil {
			return err
		}
		st.vals = v
		st.buf, st.ends = t.canonical(st.buf[:0], st.ends, v, forward)
		st.h.Write(st.buf)
		st.rows++
		return nil
	}
	for {
		if err := advance(src, s); err != nil {
			return res, fmt.Errorf("%s: read source: %w", t.name, err)
		}
		if err := advance(dst, d); err != nil {
			return res, fmt.Errorf("%s: read target: %w", t.name, err)
		}
		if s.done && d.done {
			break
		}
		if res.firstDiff != "" {
			continue
		}
		switch {
		case d.done:
			res.firstDiff = t.describeKey(s.vals) + " is missing from the target"
		case s.done:
			res.firstDiff = t.describeKey(d.vals) + " is in the target only"
		case bytes.Equal(s.buf, d.buf):
		default:
			switch c := compareKeys(t, s.vals, d.vals); {
			case c < 0:
				res.firstDiff = t.describeKey(s.vals) + " is missing from the target"
			case c > 0:
				res.firstDiff = t.describeKey(d.vals) + " is in the target only"
			default:
				res.firstDiff = t.describeKey(s.vals) + ": column " + t.cols[firstDiffCol(s, d)].name + " differs"
			}
		}
	}
	res.src = side{rows: s.rows, digest: hex.EncodeToString(s.h.Sum(nil))}
	res.dst = side{rows: d.rows, digest: hex.EncodeToString(d.h.Sum(nil))}
	return res, nil
}

func firstDiffCol(s, d *sideState) int {
	start := 0
	for i := range s.ends {
		// Up to the first difference both rows are byte for byte the same,
		// so a value starts at the same offset on both sides.
		if i >= len(d.ends) || s.ends[i] != d.ends[i] || !bytes.Equal(s.buf[start:s.ends[i]], d.buf[start:d.ends[i]]) {
			return i
		}
		start = s.ends[i] + 1
	}
	return len(s.ends) - 1
}
