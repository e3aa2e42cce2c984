package correlate_test

import (
	"context"
	"slices"
	"testing"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/observe"
)

// TestClusterListShowsOnlyWhatTheViewerMaySee: each line of the list has
// the cluster's size, its hidden members as a count and its prefectures,
// but money and values only from the members the viewer may see — a value
// held only by another prefecture's report, and that report's amount,
// never appear; benign values are left out of the main values.
func TestClusterListShowsOnlyWhatTheViewerMaySee(t *testing.T) {
	w := newWorld(t)
	benign := observe.Observable{Type: observe.Domain, Value: "example.com"}
	w.db.SetPolicy(correlate.Policy{Lists: lists{benign: true}})
	secret := observe.Observable{Type: observe.Email, Value: "osaka-only@example.jp"}
	money := func(n int64) func(*intake.Report) { return func(r *intake.Report) { r.Money.AmountJPY = n } }
	w.reportAs("pref-13", money(120000), phone(1), benign)
	w.reportAs("pref-13", money(30000), phone(1), phone(2), benign)
	w.reportAs("pref-27", money(5000000), phone(1), secret)
	w.reportAs("pref-27", money(1), phone(1), secret)
	w.report("pref-13", phone(7), phone(8)) // a cluster of one: not listed
	tokyo := w.officer("pref-13", auth.RoleInvestigator)

	l, err := w.svc.Clusters(t.Context(), tokyo, "size", correlate.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Clusters) != 1 {
		t.Fatalf("%d clusters listed, want 1", len(l.Clusters))
	}
	c := l.Clusters[0]
	if c.Size != 4 || c.Visible != 2 || c.Hidden != 2 {
		t.Errorf("size %d, visible %d, hidden %d; want 4, 2, 2", c.Size, c.Visible, c.Hidden)
	}
	if c.Damage != 150000 {
		t.Errorf("damage %d, want 150000: Tokyo's two reports alone", c.Damage)
	}
	if !slices.Equal(c.Prefectures, []string{"13", "27"}) {
		t.Errorf("prefectures %v, want both, as codes", c.Prefectures)
	}
	var values []string
	for _, v := range c.TopValues {
		values = append(values, v.Observable.Value)
		if v.Observable == secret {
			t.Errorf("main values show %s, held only by Osaka's reports", secret.Value)
		}
	}
	if !slices.Equal(values, []string{phone(1).Value, phone(2).Value}) {
		t.Errorf("main values %v, want phone 1 (both Tokyo reports) then phone 2, and not the benign domain", values)
	}
	if c.TopValues[0].N != 2 {
		t.Errorf("phone 1 held by %d members, want the 2 Tokyo may see", c.TopValues[0].N)
	}

	// Osaka sees the mirror image; the NPA sees all of it.
	l, _ = w.svc.Clusters(t.Context(), w.officer("pref-27", auth.RoleInvestigator), "size", correlate.Page{})
	if c := l.Clusters[0]; c.Damage != 5000001 || c.Visible != 2 || c.Hidden != 2 || len(c.TopValues) != 2 {
		t.Errorf("Osaka's line: %+v", c)
	}
	l, _ = w.svc.Clusters(t.Context(), w.officer("npa", auth.RoleAnalyst), "growth", correlate.Page{})
	if c := l.Clusters[0]; c.Damage != 5150001 || c.Visible != 4 || c.Hidden != 0 {
		t.Errorf("NPA's line: %+v", c)
	}

	// The listing is in the audit log, since it shows values.
	rows, err := w.db.AuditOf(context.Background(), "cluster", "")
	if err != nil || len(rows) != 3 || rows[0].Action != "cluster.list" {
		t.Errorf("audit of the listings: %d rows, %v", len(rows), err)
	}
}
