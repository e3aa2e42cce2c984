package correlate_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

// TestGraphStartsWhereOfficersWrite: the graph starts from a receipt number
// in any spelling its check accepts, from "type:value", and from a bare
// value whose type is recognised; a receipt of a report the officer may not
// see is refused exactly like one nobody was given.
func TestGraphStartsWhereOfficersWrite(t *testing.T) {
	w := newWorld(t)
	url := observe.Observable{Type: observe.URL, Value: "https://sagawa-check.example.com/login"}
	domain := observe.Observable{Type: observe.Domain, Value: "sagawa-check.example.com"}
	tokyo := w.report("pref-13", phone(1), url, domain)
	osaka := w.report("pref-27", phone(2))
	officer := w.officer("pref-13", auth.RoleInvestigator)
	ctx := t.Context()
	report := "report:" + strconv.FormatInt(tokyo.ID, 10)

	r := tokyo.Receipt // XXXX-XXXX-X
	fullWidth := strings.Map(func(c rune) rune {
		switch {
		case c >= 'A' && c <= 'Z':
			return c - 'A' + 'Ａ'
		case c >= '0' && c <= '9':
			return c - '0' + '０'
		case c == '-':
			return '－'
		}
		return c
	}, r)
	for _, tc := range []struct{ name, root, want string }{
		{"reference", report, report},
		{"receipt", r, report},
		{"receipt in lower case without hyphens", strings.ToLower(strings.ReplaceAll(r, "-", "")), report},
		{"receipt in full-width letters", fullWidth, report},
		{"receipt with spaces around", "  " + r + " ", report},
		{"typed value", "phone:090-1234-0001", "phone:+819012340001"},
		{"bare phone number", "090-1234-0001", "phone:+819012340001"},
		{"bare URL, not its domain", "hxxps://sagawa-check[.]example.com/login", "url:" + url.Value},
		{"bare domain", "sagawa-check.example.com", "domain:" + domain.Value},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := w.svc.Graph(ctx, officer, tc.root, 1, 0, 0)
			if err != nil || g.Root != tc.want {
				t.Fatalf("graph from %q: root %v, %v; want %s", tc.root, g, err, tc.want)
			}
		})
	}

	// Osaka's receipt and a well-formed receipt nobody holds answer alike.
	unused := unusedReceipt(t, w, tokyo.Receipt, osaka.Receipt)
	for _, root := range []string{osaka.Receipt, unused} {
		_, err := w.svc.Graph(ctx, officer, root, 1, 0, 0)
		if koban.ErrorCode(err) != koban.NotFound || koban.ErrorKey(err) != "error.not_found" {
			t.Errorf("graph from receipt %s: %v, want the not-found answer", root, err)
		}
	}
	// Two values, a receipt with a wrong check character and plain words
	// are not a place to start from.
	bad := r[:len(r)-1] + string(otherCheck(r[len(r)-1]))
	for _, root := range []string{"090-1234-0001 と 090-1234-0002", bad, "振り込め詐欺"} {
		if _, err := w.svc.Graph(ctx, officer, root, 1, 0, 0); koban.ErrorCode(err) != koban.Invalid {
			t.Errorf("graph from %q: %v, want a field error", root, err)
		}
	}
}

// unusedReceipt returns a valid receipt number that no report holds.
func unusedReceipt(t *testing.T, w *world, taken ...string) string {
	t.Helper()
	for i := 0; i < 100; i++ {
		r := intake.NewReceipt()
		free := true
		for _, x := range taken {
			free = free && x != r
		}
		if _, err := w.db.ReportIDByReceipt(context.Background(), r); free && koban.ErrorCode(err) == koban.NotFound {
			return r
		}
	}
	t.Fatal("no unused receipt found")
	return ""
}

func otherCheck(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}

// TestGraphEdgesCarryTheirStep: each link says at which step of the walk it
// was followed, so the page can show the steps as drawn; records carry
// their category.
func TestGraphEdgesCarryTheirStep(t *testing.T) {
	w := newWorld(t)
	root := w.reportAs("pref-13", func(r *intake.Report) { r.Category = "PH" }, phone(1))
	w.report("pref-13", phone(1), phone(2))
	w.report("pref-27", phone(2)) // hidden from Tokyo: a count, reached at step 4
	g, err := w.svc.Graph(t.Context(), w.officer("pref-13", auth.RoleInvestigator), fmt.Sprintf("report:%d", root.ID), 4, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	depth := map[string]int{}
	for _, n := range g.Nodes {
		depth[n.ID] = n.Depth
		if n.ID == g.Root && (n.Label != root.Receipt || n.Category != "PH") {
			t.Errorf("root node %+v: want its receipt %s and category PH", n, root.Receipt)
		}
	}
	got := map[int]int{}
	for _, e := range g.Edges {
		got[e.Depth]++
		if want := max(depth[e.From], depth[e.To]); e.Depth != want {
			t.Errorf("edge %s → %s at step %d, but its deeper end is at %d", e.From, e.To, e.Depth, want)
		}
	}
	if len(got) != 4 || got[1] != 1 || got[2] != 1 || got[3] != 1 || got[4] != 1 {
		t.Errorf("links by step %v, want one at each step: the report's phone 1, the other report, its phone 2, Osaka's count", got)
	}
}

// reportAs stores a report of org code holding obs, changed by edit first.
func (w *world) reportAs(code string, edit func(*intake.Report), obs ...observe.Observable) *intake.Report {
	w.t.Helper()
	w.n++
	o, _ := w.tree.ByCode(code)
	now := w.clock.Now()
	r := &intake.Report{TokenHash: fmt.Sprintf("t%d", w.n), Kind: intake.KindTip, Description: "x", OrgID: o.ID,
		Status: intake.StatusNew, Language: "ja", Source: "web", CreatedAt: now, UpdatedAt: now, Observables: obs}
	edit(r)
	if err := w.db.CreateReports(context.Background(), []*intake.Report{r}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
		w.t.Fatal(err)
	}
	return r
}
