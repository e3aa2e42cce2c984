package store

import (
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/koban"
)

// TestExpireCapturesPlan: the retention sweep works out each item's
// retention once and reads its captures along patrol_captures_item, as far
// back as its cut-off, never the whole table; the usage measurement reads
// the (sha256, size) indexes rather than the captures.
func TestExpireCapturesPlan(t *testing.T) {
	db, err := Open(t.Context(), Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		q    string
		args []any
		want []string
	}{
		{sqliteDialect.expireCaptures(), []any{90, false, 0, 86400000000, 5000},
			[]string{"MATERIALIZE k", "SEARCH c USING COVERING INDEX patrol_captures_item (item_id=? AND fetched_at<?)", "patrol_findings_capture (capture_id=?)"}},
		{patrolUsage, nil, []string{"patrol_captures_sha256", "patrol_captures_screenshot"}},
	} {
		rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+c.q, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "; ")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("plan %s\n  lacks %s", got, w)
			}
		}
		if strings.Contains(got, "SCAN c") || strings.Contains(got, "SCAN patrol_captures") && !strings.Contains(got, "COVERING INDEX") {
			t.Errorf("plan %s\n  reads the whole of patrol_captures", got)
		}
	}
}
