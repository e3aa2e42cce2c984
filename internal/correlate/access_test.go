package correlate_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/observe"
)

func obs(t observe.Type, v string) observe.Observable { return observe.Observable{Type: t, Value: v} }

// threePrefectures stores one report in each of Tokyo, Osaka and Hokkaido.
// All three share a phone number (one cluster); each holds addresses,
// ranges and an e-mail address of its own, and Tokyo's tip put the whole
// IPv4 space in the index as a range. The result maps each viewer to the
// values the records they may see hold, and to their own report.
type threePrefectures struct {
	shared, all, tokyo28, tokyo13, osaka24, osaka27, hokkaido1 observe.Observable
	holds                                                      map[string][]observe.Observable // viewer → values of records they see
	own                                                        map[string]*intake.Report
}

func storeThreePrefectures(w *world) *threePrefectures {
	f := &threePrefectures{
		shared:    phone(1),
		all:       obs(observe.CIDR, "0.0.0.0/0"),
		tokyo28:   obs(observe.CIDR, "203.0.113.0/28"),
		tokyo13:   obs(observe.IPv4, "203.0.113.13"),
		osaka24:   obs(observe.CIDR, "203.0.113.0/24"),
		osaka27:   obs(observe.IPv4, "203.0.113.27"),
		hokkaido1: obs(observe.IPv4, "203.0.113.1"),
	}
	tokyo := []observe.Observable{f.shared, f.all, f.tokyo28, f.tokyo13, obs(observe.Email, "boss@tokyo-gang.jp")}
	osaka := []observe.Observable{f.shared, f.osaka24, f.osaka27, obs(observe.Email, "boss@osaka-gang.jp")}
	hokkaido := []observe.Observable{f.shared, f.hokkaido1, obs(observe.Email, "boss@sapporo-gang.jp")}
	f.own = map[string]*intake.Report{
		"pref-13": w.report("pref-13", tokyo...),
		"pref-27": w.report("pref-27", osaka...),
		"pref-01": w.report("pref-01", hokkaido...),
	}
	f.own["npa"] = f.own["pref-13"]
	f.holds = map[string][]observe.Observable{
		"pref-13": tokyo, "pref-27": osaka, "pref-01": hokkaido,
		"npa": slices.Concat(tokyo, osaka, hokkaido),
	}
	return f
}

var viewers = []string{"pref-13", "pref-27", "pref-01", "npa"}

// TestRelatedValuesFollowAccess: a value related by containment (an
// address inside a range, a range holding an address) is listed only when
// a record the viewer may see holds it; the others are a count. Before,
// looking up 0.0.0.0/0 listed every stored address in the country.
func TestRelatedValuesFollowAccess(t *testing.T) {
	w := newWorld(t)
	f := storeThreePrefectures(w)
	none := []observe.Observable{}
	for _, c := range []struct {
		viewer string
		look   observe.Observable
		want   []observe.Observable // in the index's order: addresses by address, ranges by value
		hidden int
	}{
		{"pref-13", f.all, []observe.Observable{f.tokyo13}, 2},
		{"pref-27", f.all, []observe.Observable{f.osaka27}, 2},
		{"pref-01", f.all, []observe.Observable{f.hokkaido1}, 2},
		{"npa", f.all, []observe.Observable{f.hokkaido1, f.tokyo13, f.osaka27}, 0},
		{"pref-13", f.osaka24, []observe.Observable{f.tokyo13}, 2},
		{"pref-27", f.tokyo28, none, 2},
		{"pref-01", f.tokyo28, []observe.Observable{f.hokkaido1}, 1},
		{"pref-13", f.hokkaido1, []observe.Observable{f.tokyo28}, 1},
		{"pref-27", f.hokkaido1, []observe.Observable{f.osaka24}, 1},
		{"pref-01", f.hokkaido1, none, 2},
		{"npa", f.hokkaido1, []observe.Observable{f.osaka24, f.tokyo28}, 0},
		{"pref-01", f.osaka27, none, 1},
		{"npa", f.osaka27, []observe.Observable{f.osaka24}, 0},
	} {
		t.Run(fmt.Sprintf("%s looks up %s", c.viewer, c.look.Value), func(t *testing.T) {
			v, err := w.svc.Lookup(t.Context(), w.officer(c.viewer, auth.RoleInvestigator), c.look.Type, c.look.Value, correlate.Page{})
			if err != nil {
				t.Fatal(err)
			}
			got := []observe.Observable{}
			for _, r := range v.Related {
				got = append(got, r.Observable)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("related %v, want %v", got, c.want)
			}
			if v.RelatedHidden != c.hidden {
				t.Errorf("%d related values only in records the viewer cannot see, want %d", v.RelatedHidden, c.hidden)
			}
		})
	}
}

// TestListedValuesFollowAccess: every other place the index lists values
// — a cluster's top values, the graph's value nodes, a record's links —
// lists only values that records the viewer may see hold (or the value
// the viewer asked about).
func TestListedValuesFollowAccess(t *testing.T) {
	w := newWorld(t)
	f := storeThreePrefectures(w)
	ctx := t.Context()
	for _, viewer := range viewers {
		t.Run(viewer, func(t *testing.T) {
			p := w.officer(viewer, auth.RoleInvestigator)
			may := func(where string, o observe.Observable) {
				t.Helper()
				if !slices.Contains(f.holds[viewer], o) {
					t.Errorf("%s lists %s:%s, which only records %s may not see hold", where, o.Type, o.Value, viewer)
				}
			}
			own := correlate.Key{Type: correlate.Report, ID: f.own[viewer].ID}
			l, err := w.svc.LinksOf(ctx, p, own, correlate.Page{})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range l.Values {
				may("the report's links", v.Observable)
			}
			if l.Cluster.ID == 0 || l.Cluster.Size != 3 {
				t.Fatalf("cluster %+v: want the three reports", l.Cluster)
			}
			c, err := w.svc.Cluster(ctx, p, l.Cluster.ID, correlate.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(c.TopValues, func(v correlate.ValueCount) bool { return v.Observable == f.shared }) {
				t.Errorf("cluster top values %v lack the shared number", c.TopValues)
			}
			for _, v := range c.TopValues {
				may("the cluster's top values", v.Observable)
			}
			for _, root := range []string{"phone:" + f.shared.Value, fmt.Sprintf("report:%d", own.ID), "cidr:" + f.all.Value} {
				g, err := w.svc.Graph(ctx, p, root, correlate.MaxHops, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range g.Nodes {
					if n.Kind == correlate.NodeObservable && n.ID != g.Root {
						may("the graph from "+root, obs(observe.Type(n.Type), n.Label))
					}
					if n.Kind == correlate.NodeHidden && n.Label != "" {
						t.Errorf("hidden node %s is labelled %q", n.ID, n.Label)
					}
				}
			}
		})
	}
}

// TestGrantsOpenTheIndex: the national index answers through the same
// access decision as the report pages. A grant on Osaka's report (an
// access request answered) lists it in full for Tokyo — on the value's
// page, among the related records, in the cluster, as a graph start — and
// takes it out of the hidden counts; when the grant ends it is a count
// again.
func TestGrantsOpenTheIndex(t *testing.T) {
	w := newWorld(t)
	f := storeThreePrefectures(w)
	tokyo := w.officer("pref-13", auth.RoleInvestigator)
	osaka := f.own["pref-27"]
	key := correlate.Key{Type: correlate.Report, ID: osaka.ID}
	state := func() (listed, hidden, related, relatedHidden, members int, opens bool) {
		t.Helper()
		v, err := w.svc.Lookup(t.Context(), tokyo, f.shared.Type, f.shared.Value, correlate.Page{})
		if err != nil {
			t.Fatal(err)
		}
		links, err := w.svc.LinksOf(t.Context(), tokyo, correlate.Key{Type: correlate.Report, ID: f.own["pref-13"].ID}, correlate.Page{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := w.svc.Cluster(t.Context(), tokyo, links.Cluster.ID, correlate.Page{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.LinksOf(t.Context(), tokyo, key, correlate.Page{})
		return v.VisibleTotal, v.Hidden.Records, links.RelatedTotal, links.Hidden.Records, c.MembersTotal, err == nil
	}
	check := func(when string, wantListed, wantHidden int, wantOpens bool) {
		t.Helper()
		listed, hidden, related, relatedHidden, members, opens := state()
		if listed != wantListed || hidden != wantHidden || related != wantListed-1 || relatedHidden != wantHidden || members != wantListed || opens != wantOpens {
			t.Errorf("%s: value lists %d hides %d; related %d hidden %d; cluster members %d; Osaka's record opens %v — want %d listed, %d hidden, opens %v",
				when, listed, hidden, related, relatedHidden, members, opens, wantListed, wantHidden, wantOpens)
		}
	}
	check("before the grant", 1, 2, false)
	g := &access.GrantRow{ObjectType: "report", ObjectID: osaka.ID, OrgID: osaka.OrgID, Rights: []access.Right{access.View},
		ExpiresAt: w.clock.Now().Add(48 * time.Hour), Reason: "照会への回答", CreatedAt: w.clock.Now()}
	// Granted to Tokyo's organisation (not Osaka's: Osaka owns it already).
	o, _ := w.tree.ByCode("pref-13")
	g.OrgID = o.ID
	if err := w.db.CreateGrant(t.Context(), g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
		t.Fatal(err)
	}
	check("with the grant", 2, 1, true)
	w.clock.Advance(49 * time.Hour)
	check("after the grant expired", 1, 2, false)
}
