package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Statements over many rows at once (the index's values and occurrences,
// intel versions, clusters' members) are written once for both databases,
// their rows given through the helpers here. SQLite gets a VALUES list (or
// an IN list) of as many rows as there are, in chunks under its limit on
// bound values. PostgreSQL gets one array per column, unnested: the
// statement's text is the same whatever the number of rows, so that pgx
// prepares it once per connection and the server plans it once, where a
// VALUES list of each length was a statement of its own — parsed, planned
// and kept in the server's and the driver's caches (and the rebind cache)
// once per length, with a parameter per value.

// Column types, as PostgreSQL's arrays name them.
const (
	colInt  = "bigint"
	colText = "text"
	colBool = "boolean"
	colReal = "double precision"
)

// perStatement is how many rows of n columns one statement carries: under
// SQLite's 32,766 bound values (and at most max), all of them on
// PostgreSQL.
func (d *dialect) perStatement(n, max int) int {
	if d.numbered {
		return 1 << 30
	}
	return min(max, 32000/n)
}

// insertRows returns the source of an INSERT of rows whose columns have
// types (args row by row), and its arguments.
func (d *dialect) insertRows(types []string, args []any) (string, []any, error) {
	if !d.numbered {
		return "VALUES " + values(len(args)/len(types), len(types)), args, nil
	}
	arrays, err := columns(types, args)
	if err != nil {
		return "", nil, err
	}
	return "SELECT * FROM " + unnest(types), arrays, nil
}

// fromRows returns rows (as insertRows) for an UPDATE's FROM, named v with
// columns column1, column2, …
func (d *dialect) fromRows(types []string, args []any) (string, []any, error) {
	if !d.numbered {
		return "(VALUES " + values(len(args)/len(types), len(types)) + ") v", args, nil
	}
	arrays, err := columns(types, args)
	if err != nil {
		return "", nil, err
	}
	names := make([]string, len(types))
	for i := range names {
		names[i] = "column" + strconv.Itoa(i+1)
	}
	return unnest(types) + " AS v(" + strings.Join(names, ", ") + ")", arrays, nil
}

// in returns "IN (?, …)" for vals of type typ, or on PostgreSQL
// "= ANY(?)" with one array, and its arguments.
func (d *dialect) in(typ string, vals []any) (string, []any, error) {
	if !d.numbered {
		return "IN (" + placeholders(len(vals)) + ")", vals, nil
	}
	array, err := columns([]string{typ}, vals)
	if err != nil {
		return "", nil, err
	}
	return "= ANY(?::" + typ + "[])", array, nil
}

func unnest(types []string) string {
	var b strings.Builder
	b.WriteString("unnest(")
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?::" + t + "[]")
	}
	b.WriteString(")")
	return b.String()
}

// columns turns rows of values (row by row) into one slice per column, of
// the Go type pgx writes as an array of the column's type.
func columns(types []string, args []any) ([]any, error) {
	n := len(types)
	rows := len(args) / n
	out := make([]any, n)
	for j, t := range types {
		switch t {
		case colInt:
			col := make([]int64, rows)
			var nulls []bool
			for i := range rows {
				switch v := args[i*n+j].(type) {
				case int64:
					col[i] = v
				case int:
					col[i] = int64(v)
				case nil:
					if nulls == nil {
						nulls = make([]bool, rows)
					}
					nulls[i] = true
				default:
					return nil, fmt.Errorf("column %d: %T is not an integer", j+1, v)
				}
			}
			out[j] = col
			if nulls != nil {
				ptrs := make([]*int64, rows)
				for i := range col {
					if !nulls[i] {
						ptrs[i] = &col[i]
					}
				}
				out[j] = ptrs
			}
		case colText:
			col := make([]string, rows)
			for i := range rows {
				v, ok := args[i*n+j].(string)
				if !ok {
					return nil, fmt.Errorf("column %d: %T is not text", j+1, args[i*n+j])
				}
				col[i] = v
			}
			out[j] = col
		case colReal:
			col := make([]float64, rows)
			for i := range rows {
				v, ok := args[i*n+j].(float64)
				if !ok {
					return nil, fmt.Errorf("column %d: %T is not a float", j+1, args[i*n+j])
				}
				col[i] = v
			}
			out[j] = col
		case colBool:
			col := make([]bool, rows)
			for i := range rows {
				v, ok := args[i*n+j].(bool)
				if !ok {
					return nil, fmt.Errorf("column %d: %T is not a boolean", j+1, args[i*n+j])
				}
				col[i] = v
			}
			out[j] = col
		default:
			return nil, fmt.Errorf("column %d: no arrays of %s", j+1, t)
		}
	}
	return out, nil
}

// insertEach runs head + rows + tail (an INSERT's source between) for rows
// of args (row by row, columns of types), in as many statements as the
// dialect needs.
func (t *txn) insertEach(ctx context.Context, head string, types []string, args []any, tail string) error {
	return t.eachRows(ctx, types, args, t.d.insertRows, func(src string) string { return head + src + tail })
}

// updateFrom runs head + rows + tail, the rows (as insertEach) named v in an
// UPDATE's FROM, with columns column1, column2, …
func (t *txn) updateFrom(ctx context.Context, head string, types []string, args []any, tail string) error {
	return t.eachRows(ctx, types, args, t.d.fromRows, func(src string) string { return head + src + tail })
}

func (t *txn) eachRows(ctx context.Context, types []string, args []any, rows func([]string, []any) (string, []any, error), stmt func(string) string) error {
	width := len(types)
	per := t.d.perStatement(width, 500) * width
	for start := 0; start < len(args); start += per {
		src, part, err := rows(types, args[start:min(start+per, len(args))])
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, stmt(src), part...); err != nil {
			return err
		}
	}
	return nil
}
