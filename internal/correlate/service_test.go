package correlate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
)

// world is a real SQLite koban with the default tree and a few reports.
type world struct {
	t     *testing.T
	db    *store.DB
	tree  *org.Tree
	clock *koban.FixedClock
	svc   *correlate.Service
	n     int
}

var jst = time.FixedZone("JST", 9*3600)

func newWorld(t *testing.T) *world {
	t.Helper()
	clock := koban.NewFixedClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	db, err := store.Open(t.Context(), store.Options{DataDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(t.Context(), org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, _ := db.Orgs(t.Context())
	tree, err := org.NewTree(orgs)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, db: db, tree: tree, clock: clock}
	w.svc = correlate.NewService(db, func() *org.Tree { return tree }, db.Policy, clock, jst)
	return w
}

func (w *world) officer(code string, role auth.Role) auth.Principal {
	o, _ := w.tree.ByCode(code)
	return auth.Principal{UserID: 1, Email: "officer@" + code, OrgID: o.ID, Role: role}
}

// report stores a report of org code holding obs, at the clock's time.
func (w *world) report(code string, obs ...observe.Observable) *intake.Report {
	w.t.Helper()
	w.n++
	o, _ := w.tree.ByCode(code)
	now := w.clock.Now()
	r := &intake.Report{TokenHash: fmt.Sprintf("t%d", w.n), Kind: intake.KindTip, Description: "x", OrgID: o.ID,
		Status: intake.StatusNew, Language: "ja", Source: "web", CreatedAt: now, UpdatedAt: now, Observables: obs}
	if err := w.db.CreateReports(context.Background(), []*intake.Report{r}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
		w.t.Fatal(err)
	}
	return r
}

func phone(n int) observe.Observable {
	return observe.Observable{Type: observe.Phone, Value: fmt.Sprintf("+81901234%04d", n)}
}

func TestLookupSplitsByAccessAndMonth(t *testing.T) {
	w := newWorld(t)
	p := phone(1)
	w.report("pref-13", p) // 2026-03-01 09:00 JST
	w.clock.Advance(40 * 24 * time.Hour)
	w.report("pref-27", p)
	w.report("pref-27", p)
	w.report("npa-cab", p)
	view, err := w.svc.Lookup(t.Context(), w.officer("pref-13", auth.RoleInvestigator), observe.Phone, "090-1234-0001", correlate.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if view.Records != 4 || view.Prefectures != 2 || view.VisibleTotal != 1 || view.Hidden.Records != 3 || view.Hidden.Prefectures != 1 {
		t.Errorf("view: %d records, %d prefectures, %d visible, hidden %+v", view.Records, view.Prefectures, view.VisibleTotal, view.Hidden)
	}
	if len(view.Hidden.Owners) != 2 || view.Hidden.Owners[0].Records != 2 || view.Hidden.Owners[0].Prefecture != "27" {
		t.Errorf("hidden owners %+v: want Osaka (2) first, then the national queue", view.Hidden.Owners)
	}
	if len(view.Timeline) != 2 || view.Timeline[0].Month.Month() != time.March || view.Timeline[0].Visible != 1 ||
		view.Timeline[1].Month.Month() != time.April || view.Timeline[1].Hidden != 3 {
		t.Errorf("timeline %+v", view.Timeline)
	}
	// The NPA sees all four; a partner may not look at all.
	view, err = w.svc.Lookup(t.Context(), w.officer("npa", auth.RoleAnalyst), observe.Phone, "+819012340001", correlate.Page{Limit: 2})
	if err != nil || view.VisibleTotal != 4 || len(view.Visible) != 2 || view.Hidden.Records != 0 {
		t.Errorf("NPA view: %v %+v", err, view)
	}
	if _, err := w.svc.Lookup(t.Context(), w.officer("npa", auth.RolePartner), observe.Phone, "+819012340001", correlate.Page{}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("partner lookup: %v", err)
	}
	for _, raw := range []string{"+819012349999", "not a phone"} {
		if _, err := w.svc.Lookup(t.Context(), w.officer("npa", auth.RoleAnalyst), observe.Phone, raw, correlate.Page{}); koban.ErrorCode(err) != koban.NotFound {
			t.Errorf("lookup of %q: %v, want not found", raw, err)
		}
	}
}

func TestGraphWalksLimitsAndHides(t *testing.T) {
	w := newWorld(t)
	benign := observe.Observable{Type: observe.IPv4, Value: "10.0.0.1"}
	w.db.SetPolicy(correlate.Policy{Lists: lists{benign: true}})
	root := w.report("pref-13", phone(1), phone(2), benign)
	for i := range 60 {
		w.report("pref-13", phone(1), phone(100+i)) // 60 more holders of phone 1
	}
	w.report("pref-27", phone(2)) // hidden from Tokyo
	w.report("pref-27", benign)   // reached only through a benign value
	tokyo := w.officer("pref-13", auth.RoleInvestigator)
	ctx := t.Context()

	g, err := w.svc.Graph(ctx, tokyo, fmt.Sprintf("report:%d", root.ID), 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 4 || len(g.Edges) != 3 || g.Truncated {
		t.Errorf("one hop: %d nodes, %d edges: want the report and its three values", len(g.Nodes), len(g.Edges))
	}
	g, err = w.svc.Graph(ctx, tokyo, fmt.Sprintf("report:%d", root.ID), 2, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds, ids := map[string]int{}, map[string]correlate.Node{}
	for _, n := range g.Nodes {
		kinds[n.Kind]++
		ids[n.ID] = n
	}
	// Phone 1: 50 of its 60 other holders on this page (More says how many
	// are left), phone 2: Osaka's report as a hidden count, the benign
	// address: not walked.
	if kinds["record"] != 51 || kinds["hidden"] != 1 || ids["phone:+819012340001"].More != 11 {
		t.Errorf("two hops: kinds %v, phone 1 more %d", kinds, ids["phone:+819012340001"].More)
	}
	if h := ids["hidden:phone:+819012340002"]; h.Records != 1 || h.Label != "" {
		t.Errorf("hidden node %+v: want a count of 1 and no label", h)
	}
	seen := map[correlate.Edge]bool{}
	for _, e := range g.Edges {
		if seen[e] {
			t.Errorf("edge %v twice", e)
		}
		seen[e] = true
		if ids[e.From].ID == "" || ids[e.To].ID == "" {
			t.Errorf("edge %v names a node that is not in the graph", e)
		}
	}
	g, err = w.svc.Graph(ctx, tokyo, fmt.Sprintf("report:%d", root.ID), 3, 20, 0)
	if err != nil || len(g.Nodes) != 20 || !g.Truncated {
		t.Errorf("limit 20: %v, %d nodes, truncated %v", err, len(g.Nodes), g.Truncated)
	}
	// Paging through a value's holders.
	g1, _ := w.svc.Graph(ctx, tokyo, "phone:+819012340001", 1, 0, 0)
	g2, _ := w.svc.Graph(ctx, tokyo, "phone:+819012340001", 1, 0, 50)
	if len(g1.Nodes) != 51 || len(g2.Nodes) != 12 {
		t.Errorf("pages of phone 1's holders: %d then %d nodes, want 51 then 12", len(g1.Nodes), len(g2.Nodes))
	}
	// Osaka's report is not a place to start from for Tokyo.
	osakaOnly := w.report("pref-27", phone(999))
	if _, err := w.svc.Graph(ctx, tokyo, fmt.Sprintf("report:%d", osakaOnly.ID), 2, 0, 0); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("graph from a report Tokyo may not see: %v", err)
	}
	if _, err := w.svc.Graph(ctx, tokyo, "nonsense", 2, 0, 0); koban.ErrorCode(err) != koban.Invalid {
		t.Errorf("graph from nonsense: %v", err)
	}
}

func TestLinksOfOrdersAndCounts(t *testing.T) {
	w := newWorld(t)
	a := w.report("pref-13", phone(1), phone(2))
	w.clock.Advance(time.Hour)
	one := w.report("pref-13", phone(1))
	w.clock.Advance(time.Hour)
	two := w.report("pref-13", phone(1), phone(2))
	w.report("pref-01", phone(2))
	l, err := w.svc.LinksOf(t.Context(), w.officer("pref-13", auth.RoleIntake), correlate.Key{Type: correlate.Report, ID: a.ID}, correlate.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Related) != 2 || l.Related[0].ID != two.ID || l.Related[0].Shared != 2 || l.Related[0].Label != two.Receipt ||
		l.Related[1].ID != one.ID || l.RelatedTotal != 2 {
		t.Errorf("related %+v: want the report sharing two values first, labelled", l.Related)
	}
	if l.Hidden.Records != 1 || l.Hidden.Prefectures != 1 || l.Cluster.Size != 4 {
		t.Errorf("hidden %+v, cluster %+v", l.Hidden, l.Cluster)
	}
	// The second of pages of one: the other record, labelled, the total kept.
	l, err = w.svc.LinksOf(t.Context(), w.officer("pref-13", auth.RoleIntake), correlate.Key{Type: correlate.Report, ID: a.ID}, correlate.Page{Limit: 1, Offset: 1})
	if err != nil || len(l.Related) != 1 || l.Related[0].ID != one.ID || l.Related[0].Label != one.Receipt || l.RelatedTotal != 2 {
		t.Errorf("page 2 of 1: %+v (%d in all), %v; want report one, of 2", l.Related, l.RelatedTotal, err)
	}
}

type lists map[observe.Observable]bool

func (l lists) Match(o observe.Observable) []string {
	if l[o] {
		return []string{"test"}
	}
	return nil
}
