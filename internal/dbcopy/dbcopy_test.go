package dbcopy

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testTable() *table {
	return &table{name: "reports", key: []string{"id"}, selfRef: "duplicate_of", refIdx: 2, keyIdx: []int{0},
		cols: []column{{name: "id", kind: kindInt, identity: true}, {name: "urgent", kind: kindBool},
			{name: "duplicate_of", kind: kindInt}, {name: "description", kind: kindText}, {name: "tokens", kind: kindFloat}}}
}

func TestCanonicalSameOnBothSides(t *testing.T) {
	tb := testTable()
	// As SQLite gives them, and as pgx gives them.
	src := []any{int64(7), int64(1), nil, "説明; with separators\n", 2.5}
	dst := []any{int64(7), true, nil, "説明; with separators\n", float64(2.5)}
	a, _ := tb.canonical(nil, nil, src, false)
	b, _ := tb.canonical(nil, nil, dst, false)
	if string(a) != string(b) {
		t.Fatalf("%q ≠ %q", a, b)
	}
	if want := "i7;b1;n;s24:説明; with separators\n;f2.5\n"; string(a) != want {
		t.Errorf("canonical form %q, want %q", a, want)
	}
	// int32 (INTEGER columns through pgx) reads like int64.
	if x, y := appendToken(nil, kindInt, int32(-5)), appendToken(nil, kindInt, int64(-5)); string(x) != string(y) {
		t.Errorf("%s ≠ %s", x, y)
	}
	// Floats are exact: neighbours differ.
	if x, y := appendToken(nil, kindFloat, 0.1), appendToken(nil, kindFloat, math.Nextafter(0.1, 1)); string(x) == string(y) {
		t.Error("neighbouring floats read the same")
	}
	// Text is length-prefixed: moving a separator between values shows.
	two := &table{cols: []column{{name: "a", kind: kindText}, {name: "b", kind: kindText}}, refIdx: -1}
	x, _ := two.canonical(nil, nil, []any{"a;s1:b", ""}, false)
	y, _ := two.canonical(nil, nil, []any{"a", "b;s0:"}, false)
	if string(x) == string(y) {
		t.Error("text values can be made to collide")
	}
	// A 2 in a boolean column cannot pass for true.
	if x := appendToken(nil, kindBool, int64(2)); string(x) == "b1" || string(x) == "b0" {
		t.Errorf("2 reads as %s", x)
	}
}

func TestToTarget(t *testing.T) {
	tb := testTable()
	got, err := tb.toTarget([]any{int64(3), int64(0), int64(9), "x", int64(4)})
	if err != nil {
		t.Fatal(err)
	}
	if got[1] != false || got[2] != nil || got[4] != 4.0 {
		t.Errorf("converted to %#v: want false, NULL for the forward reference, 4.0", got)
	}
	got, _ = tb.toTarget([]any{int64(3), int64(1), int64(2), "x", 1.5})
	if got[1] != true || got[2] != int64(2) {
		t.Errorf("converted to %#v: a backward reference is kept", got)
	}
	for _, bad := range [][]any{
		{int64(3), int64(2), nil, "x", 0.0},      // not a boolean
		{int64(3), int64(0), nil, "a\x00b", 0.0}, // PostgreSQL text cannot hold NUL
		{int64(3), int64(0), nil, "\xff", 0.0},   // nor invalid UTF-8
		{int64(3), int64(0), nil, int64(5), 0.0}, // not text
	} {
		if _, err := tb.toTarget(bad); err == nil || !strings.Contains(err.Error(), "reports id=3") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

type sliceCursor struct {
	rows [][]any
	i    int
}

func (c *sliceCursor) Next() bool             { c.i++; return c.i <= len(c.rows) }
func (c *sliceCursor) Values() ([]any, error) { return c.rows[c.i-1], nil }
func (c *sliceCursor) Err() error             { return nil }
func (c *sliceCursor) Close()                 {}

func TestCompareRows(t *testing.T) {
	tb := &table{name: "report_observables", key: []string{"report_id", "type", "value"}, keyIdx: []int{0, 1, 2}, refIdx: -1,
		cols: []column{{name: "report_id", kind: kindInt}, {name: "type", kind: kindText}, {name: "value", kind: kindText}}}
	rows := [][]any{{int64(1), "phone", "+819012345678"}, {int64(1), "url", "https://x.example"}, {int64(2), "email", "a@x.example"}}
	for _, tc := range []struct {
		name string
		dst  [][]any
		want string
	}{
		{"same", rows, ""},
		{"missing", [][]any{rows[0], rows[2]}, "report_id=1,type#"},
		{"extra", append(append([][]any{}, rows...), []any{int64(3), "ip", "192.0.2.1"}), "report_id=3,type#"},
		{"changed", [][]any{rows[0], rows[1], {int64(2), "email", "b@x.example"}}, "report_id=2,type#"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmp, err := compareRows(tb, &sliceCursor{rows: rows}, &sliceCursor{rows: tc.dst}, false)
			if err != nil {
				t.Fatal(err)
			}
			if (cmp.firstDiff == "") != (tc.want == "") || !strings.HasPrefix(cmp.firstDiff, tc.want) {
				t.Fatalf("first difference %q, want %q…", cmp.firstDiff, tc.want)
			}
			if tc.want == "" && cmp.src != cmp.dst {
				t.Errorf("digests %v ≠ %v", cmp.src, cmp.dst)
			}
			if tc.want != "" && cmp.src.digest == cmp.dst.digest {
				t.Error("digests equal")
			}
			if strings.Contains(cmp.firstDiff, "@") || strings.Contains(cmp.firstDiff, "+81") {
				t.Errorf("the difference shows a value: %q", cmp.firstDiff)
			}
		})
	}
	cmp, _ := compareRows(tb, &sliceCursor{rows: rows}, &sliceCursor{rows: [][]any{rows[0], rows[1], {int64(2), "email", "a@x.example"}}}, false)
	if cmp.firstDiff != "" {
		t.Error(cmp.firstDiff)
	}
	one := testTable()
	cmp, _ = compareRows(one, &sliceCursor{rows: [][]any{{int64(1), int64(1), nil, "same", 1.0}}},
		&sliceCursor{rows: [][]any{{int64(1), true, nil, "other", 1.0}}}, false)
	if cmp.firstDiff != "id=1: column description differs" {
		t.Errorf("%q", cmp.firstDiff)
	}
}

func TestSourcePath(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "koban.db")
	os.WriteFile(db, nil, 0o600)
	for _, from := range []string{"sqlite:" + dir, "sqlite:" + db, "sqlite:" + dir + "/"} {
		f, d, err := SourcePath(from)
		if err != nil || f != db || d != dir {
			t.Errorf("%s: %s %s %v", from, f, d, err)
		}
	}
	for _, from := range []string{dir, "sqlite:", "sqlite:" + filepath.Join(dir, "none"), "sqlite:" + t.TempDir()} {
		if _, _, err := SourcePath(from); err == nil {
			t.Errorf("%s accepted", from)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://koban:s3cret@db:5432/koban?sslmode=disable": "postgres://koban:xxxxx@db:5432/koban?sslmode=disable",
		"postgres://db/koban?password=s3cret&sslmode=require":   "postgres://db/koban?password=xxxxx&sslmode=require",
		"postgres://koban@db/koban":                             "postgres://koban@db/koban",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
