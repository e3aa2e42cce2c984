package store

import (
	"fmt"
	"testing"
)

// TestRowsOf: a statement's rows are a VALUES list on SQLite and one typed
// array per column on PostgreSQL (NULLs kept), with the same text whatever
// their number; a value of the wrong type is an error, not a wrong row.
func TestRowsOf(t *testing.T) {
	types := []string{colInt, colText, colBool, colInt}
	args := []any{int64(1), "a", true, nil, 2, "b", false, int64(7)}
	src, got, err := sqliteDialect.insertRows(types, args)
	if err != nil || src != "VALUES (?,?,?,?),(?,?,?,?)" || len(got) != 8 {
		t.Errorf("SQLite: %q %v %v", src, got, err)
	}
	src, got, err = postgresDialect.insertRows(types, args)
	if err != nil || src != "SELECT * FROM unnest(?::bigint[], ?::text[], ?::boolean[], ?::bigint[])" || len(got) != 4 {
		t.Fatalf("PostgreSQL: %q %v %v", src, got, err)
	}
	nullable, ok := got[3].([]*int64)
	if fmt.Sprint(got[0], got[1], got[2]) != "[1 2] [a b] [true false]" || !ok || nullable[0] != nil || *nullable[1] != 7 {
		t.Errorf("PostgreSQL columns: %v", got)
	}
	if src, _, _ := postgresDialect.insertRows(types, args[:4]); src != "SELECT * FROM unnest(?::bigint[], ?::text[], ?::boolean[], ?::bigint[])" {
		t.Errorf("one row's text differs: %q", src)
	}
	if src, _, err := postgresDialect.fromRows(types[:2], args[:2]); err != nil || src != "unnest(?::bigint[], ?::text[]) AS v(column1, column2)" {
		t.Errorf("PostgreSQL FROM: %q %v", src, err)
	}
	if src, _, err := sqliteDialect.fromRows(types[:2], args[:2]); err != nil || src != "(VALUES (?,?)) v" {
		t.Errorf("SQLite FROM: %q %v", src, err)
	}
	if in, got, err := postgresDialect.in(colText, []any{"x", "y"}); err != nil || in != "= ANY(?::text[])" || fmt.Sprint(got) != "[[x y]]" {
		t.Errorf("PostgreSQL IN: %q %v %v", in, got, err)
	}
	if in, got, err := sqliteDialect.in(colText, []any{"x", "y"}); err != nil || in != "IN (?,?)" || len(got) != 2 {
		t.Errorf("SQLite IN: %q %v %v", in, got, err)
	}
	if _, _, err := postgresDialect.insertRows(types, []any{"1", "a", true, nil}); err == nil {
		t.Error("text in an integer column went through")
	}
}
