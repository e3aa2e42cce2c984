package match

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/vuln/cpe"
)

const casesFile = "../../../../shared/data/vuln-cases/cpe-range-cases.tsv"

// policy holds koban's answer to each case the file leaves open, as
// docs/vuln-matching.md states it.
var policy = map[string]struct {
	matched    Matched
	how        How
	confidence Confidence
	conditions bool
}{
	"14": {Yes, Exact, Low, true},          // update rc1 vs ANY: Yes on condition "update is rc1"
	"16": {Yes, VendorProduct, Low, false}, // version NA in NVD: the product, version unchecked
	"22": {Yes, VersionRange, Low, true},   // target_sw wordpress vs ANY: condition
	"25": {Yes, VersionRange, Low, true},   // platform unknown: "runs on windows"
	"26": {Yes, VersionRange, High, false}, // NOT windows, asset on linux: evaluated, holds
	"28": {Unknown, None, Low, false},      // no configurations: unknown
}

type tsvCase struct {
	id, criteria, si, se, ei, ee, observed, expected, comparator, note string
}

func readCases(t *testing.T) []tsvCase {
	t.Helper()
	f, err := os.Open(casesFile)
	if err != nil {
		t.Skipf("cases not found: %v", err)
	}
	defer f.Close()
	var out []tsvCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		for len(c) < 10 {
			c = append(c, "")
		}
		out = append(out, tsvCase{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]})
	}
	return out
}

// assetFor builds the observed asset from the criterion's part, vendor and
// product (lower-cased, to exercise case folding) and the observed version.
// An observed version is a known release, so its other attributes are NA,
// except the one the case says is unknown, which is ANY.
func assetFor(t *testing.T, criteria, observed string) cpe.Name {
	t.Helper()
	crit := cpe.MustParse(criteria)
	var n cpe.Name
	for a := cpe.Update; a <= cpe.Other; a++ {
		n.Attr[a] = cpe.Value{Kind: cpe.NA}
	}
	for _, a := range []cpe.Attr{cpe.Part, cpe.Vendor, cpe.Product} {
		v := crit.Get(a)
		v.S = strings.ToLower(v.S)
		n.Attr[a] = v
	}
	v, note, _ := strings.Cut(observed, " (")
	n.Attr[cpe.Version] = cpe.Literal(v)
	if attr, _, ok := strings.Cut(note, " unknown"); ok {
		for a := cpe.Update; a <= cpe.Other; a++ {
			if a.String() == attr {
				n.Attr[a] = cpe.Value{}
			}
		}
	}
	return n
}

func TestRangeCases(t *testing.T) {
	cases := readCases(t)
	if len(cases) != 28 {
		t.Fatalf("read %d cases, want 28", len(cases))
	}
	app := CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:example:app:*:*:*:*:*:*:*:*", VersionEndExcluding: "3.0"}
	windows := CPEMatch{Criteria: "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}
	app2 := cpe.MustParse("cpe:2.3:a:example:app:2.0:-:-:-:-:-:-:-")
	linux := []cpe.Name{cpe.MustParse("cpe:2.3:o:linux:linux_kernel:5.10:*:*:*:*:*:*:*")}
	onWindows := []cpe.Name{cpe.MustParse("cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*")}
	runningOn := Configuration{Operator: "AND", Nodes: []Node{
		{Operator: "OR", CPEMatch: []CPEMatch{app}},
		{Operator: "OR", CPEMatch: []CPEMatch{windows}},
	}}
	notOn := Configuration{Operator: "AND", Nodes: []Node{
		{Operator: "OR", CPEMatch: []CPEMatch{app}},
		{Operator: "OR", Negate: true, CPEMatch: []CPEMatch{windows}},
	}}

	var decided, policies int
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			var r Result
			switch tc.id {
			case "24":
				r = MatchOn(app2, linux, runningOn)
			case "25":
				r = Match(app2, runningOn)
			case "26":
				r = MatchOn(app2, linux, notOn)
				// The other outcomes of the negation, same decision.
				if w := MatchOn(app2, onWindows, notOn); w.Matched != No {
					t.Errorf("NOT windows on windows: %s (%s)", w.Matched, w.Reason)
				}
				if u := Match(app2, notOn); u.Matched != Unknown {
					t.Errorf("NOT windows, platform unknown: %s (%s)", u.Matched, u.Reason)
				}
			case "28":
				r = MatchAll(app2, nil, nil)
			default:
				m := CPEMatch{Vulnerable: true, Criteria: tc.criteria,
					VersionStartIncluding: tc.si, VersionStartExcluding: tc.se,
					VersionEndIncluding: tc.ei, VersionEndExcluding: tc.ee}
				r = Match(assetFor(t, tc.criteria, tc.observed), Configuration{Nodes: []Node{{Operator: "OR", CPEMatch: []CPEMatch{m}}}})
			}
			t.Logf("%s %s %s %v: %s", r.Matched, r.How, r.Confidence, r.Conditions, r.Reason)
			switch tc.expected {
			case "match":
				decided++
				if r.Matched != Yes {
					t.Errorf("%s: got %s, want a match (%s)", tc.note, r.Matched, r.Reason)
				}
			case "no":
				decided++
				if r.Matched != No {
					t.Errorf("%s: got %s, want no (%s)", tc.note, r.Matched, r.Reason)
				}
			case "policy":
				policies++
				p, ok := policy[tc.id]
				if !ok {
					t.Fatalf("policy case %s has no documented decision", tc.id)
				}
				if r.Matched != p.matched || r.How != p.how || r.Confidence != p.confidence || (len(r.Conditions) > 0) != p.conditions {
					t.Errorf("%s: got %s/%s/%s conditions %v, koban decided %s/%s/%s conditions=%v",
						tc.note, r.Matched, r.How, r.Confidence, r.Conditions, p.matched, p.how, p.confidence, p.conditions)
				}
			default:
				t.Fatalf("unknown expectation %q", tc.expected)
			}
		})
	}
	if decided != 22 || policies != 6 {
		t.Errorf("checked %d decided and %d policy cases, want 22 and 6", decided, policies)
	}
}
