package retention

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Period
		err  string
	}{
		{"10y", Period{Years: 10}, ""},
		{"18m", Period{Months: 18}, ""},
		{"90d", Period{Days: 90}, ""},
		{"1y6m", Period{Years: 1, Months: 6}, ""},
		{" 2Y ", Period{Years: 2}, ""},
		{"forever", Forever, ""},
		{"0", Forever, ""},
		{"", Period{}, "empty"},
		{"10", Period{}, "not a period"},
		{"y", Period{}, "not a period"},
		{"6m1y", Period{}, "in that order"},
		{"3w", Period{}, "units are y, m and d"},
		{"0d", Period{}, "no time at all"},
		{"300y", Period{}, "longer than 200 years"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePeriod(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParsePeriod(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParsePeriod(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if again, _ := ParsePeriod(got.String()); again != got {
				t.Errorf("%v does not round trip through %q", got, got.String())
			}
		})
	}
}

func TestPeriodLonger(t *testing.T) {
	for _, tc := range []struct {
		a, b Period
		want bool
	}{
		{Period{Years: 1}, Period{Days: 365}, true},
		{Period{Months: 12}, Period{Years: 1}, true}, // 12 × 31 > 366: errs on keeping
		{Forever, Period{Years: 100}, true},
		{Period{Years: 100}, Forever, false},
		{Forever, Forever, false},
		{Period{Days: 30}, Period{Months: 1}, false},
	} {
		if got := tc.a.Longer(tc.b); got != tc.want {
			t.Errorf("%v.Longer(%v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := Load("")
	if err != nil || p.Version() != Default().Version() {
		t.Fatalf("Load(\"\") = %+v, %v", p, err)
	}
	p, err = Load(write("ok.json", `{"label": "R8", "reports": {"tip": "3y"}, "report_categories": {"FR": "forever"}, "audit": 0, "cases": "20y"}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Reports["tip"] != (Period{Years: 3}) || p.Reports["report"] != Default().Reports["report"] || !p.Audit.IsForever() ||
		p.Cases != (Period{Years: 20}) || p.Evidence != Default().Evidence || !strings.HasPrefix(p.Version(), "R8@") {
		t.Errorf("policy = %+v (version %s)", p, p.Version())
	}
	if per, rule := p.ReportPeriod("tip", "FR"); !per.IsForever() || rule != "report.category.FR" {
		t.Errorf("a fraud tip: %v under %s", per, rule)
	}
	if per, rule := p.ReportPeriod("tip", "PH"); per != (Period{Years: 3}) || rule != "report.tip" {
		t.Errorf("a phishing tip: %v under %s", per, rule)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"reports": {"rumour": "1y"}, "report_categories": {"ZZ": "1y"}}`, `"rumour" is not a kind of report`},
		{`{"reports": {"rumour": "1y"}, "report_categories": {"ZZ": "1y"}}`, `"ZZ" is not a category`},
		{`{"cases": "10 years"}`, "not a period"},
		{`{"case": "10y"}`, "unknown field"},
		{`{"cases": 10}`, "a period is a string"},
		{`not json`, "invalid character"},
	} {
		_, err := Load(write("bad.json", tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "KOBAN_RETENTION_POLICY") {
			t.Errorf("Load(%s) = %v, want an error with %q", tc.body, err, tc.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file loaded")
	}
}

// The planner: what is due and what is kept past its period, and why.
func TestPlan(t *testing.T) {
	now := time.Date(2040, 4, 1, 0, 0, 0, 0, time.UTC)
	p := Policy{Reports: map[string]Period{"report": {Years: 5}, "tip": {Years: 1}, "consultation": Forever},
		Categories: map[string]Period{"FR": {Years: 7}}, Cases: Period{Years: 10}, Evidence: Period{Years: 15}}
	ago := func(y int) time.Time { return now.AddDate(-y, 0, -1) }
	cases := []CaseFacts{
		{ID: 1, Status: "closed", Updated: ago(11)},               // due
		{ID: 2, Status: "closed", Updated: ago(11), Evidence: 2},  // evidence keeps it 15 years
		{ID: 3, Status: "closed", Updated: ago(16), Evidence: 1},  // due under the evidence rule
		{ID: 4, Status: "closed", Updated: ago(20), Hold: true},   // held
		{ID: 5, Status: "suspended", Updated: ago(20)},            // not closed
		{ID: 6, Status: "closed", Updated: ago(20), Linked: true}, // a referral names it
		{ID: 7, Status: "closed", Updated: ago(1)},                // recent
		{ID: 8, Status: "closed", Updated: ago(20), Newest: true}, // the table's highest id
	}
	reports := []ReportFacts{
		{ID: 10, Kind: "tip", Status: "closed", Updated: ago(2)},                                     // due
		{ID: 11, Kind: "tip", Category: "FR", Status: "closed", Updated: ago(2)},                     // fraud: 7 years
		{ID: 12, Kind: "report", Category: "FR", Status: "closed", Updated: ago(8)},                  // due under FR
		{ID: 13, Kind: "consultation", Status: "closed", Updated: ago(30)},                           // forever
		{ID: 14, Kind: "tip", Status: "new", Updated: ago(2)},                                        // untriaged
		{ID: 15, Kind: "tip", Status: "closed", Updated: ago(2), FreezeDeadline: now.Add(time.Hour)}, // freeze window
		{ID: 16, Kind: "tip", Status: "closed", Updated: ago(2), Cases: []int64{1}},                  // its case goes too
		{ID: 17, Kind: "tip", Status: "closed", Updated: ago(2), Cases: []int64{1, 4}},               // one of its cases is held
		{ID: 18, Kind: "tip", Status: "closed", Updated: ago(2), Cases: []int64{7}},                  // its case stays
		{ID: 19, Kind: "tip", Status: "closed", Updated: now.AddDate(-1, 0, 1)},
		{ID: 20, Kind: "tip", Status: "closed", Updated: ago(2), Linked: true},
		{ID: 21, Kind: "tip", Status: "closed", Updated: ago(2), Newest: true}, // a day short
	}
	due, kept := p.Plan(now, cases, reports)
	var got []string
	for _, it := range due {
		got = append(got, it.Type+" "+itoa(it.ID)+" "+it.Rule)
	}
	want := []string{"case 1 case", "case 3 case.evidence", "report 10 report.tip", "report 12 report.category.FR", "report 16 report.tip"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("due:\n  %s\nwant\n  %s", strings.Join(got, "; "), strings.Join(want, "; "))
	}
	got = nil
	for _, k := range kept {
		got = append(got, k.Type+" "+itoa(k.ID)+" "+k.Reason)
	}
	want = []string{"case 4 legal_hold", "case 5 not_closed", "case 6 linked_records", "case 8 newest_id", "report 14 not_closed", "report 15 freeze_window",
		"report 17 legal_hold", "report 18 linked_case", "report 20 linked_records", "report 21 newest_id"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("kept:\n  %s\nwant\n  %s", strings.Join(got, "; "), strings.Join(want, "; "))
	}
	if rb, cb, rok, cok := p.Horizon(now); !rok || !cok || !rb.After(ago(1)) || !cb.After(ago(10)) || cb.After(now.AddDate(-9, 0, 0)) {
		t.Errorf("Horizon = %v %v %v %v", rb, cb, rok, cok)
	}
	if _, _, rok, cok := (Policy{}).Horizon(now); rok || cok {
		t.Error("a policy keeping everything for ever has a horizon")
	}
	if _, ok := p.AuditCutoff(now); ok {
		t.Error("audit rows kept for ever have a cut-off")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
