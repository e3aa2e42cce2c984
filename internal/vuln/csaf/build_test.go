package csaf

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/tlp"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(9 * time.Hour)
}

// advisory is a small English advisory: one product, one vulnerability
// without a CVSS rating.
func advisory() Advisory {
	return Advisory{
		ID:        "KOBAN-2026-0001",
		Title:     "Path traversal in the evidence viewer",
		Lang:      "en",
		Publisher: Publisher{Name: "Police CSIRT", Namespace: "https://csirt.police.example"},
		TLP:       tlp.Green,
		Status:    "final",
		Version:   "1",
		Initial:   day("2026-03-01"),
		Current:   day("2026-03-01"),
		Summary:   "The evidence viewer serves files outside its folder.",
		Products:  []Product{{ID: "KOBAN-P-1", Name: "Evidence Viewer", Vendor: "Example Corp", Version: "4.2.0"}},
		Vulns: []Vuln{{
			LocalID:     "KOBAN-V-17",
			Title:       "Path traversal",
			Description: "A crafted path reads any file the service can read.",
			Affected:    []string{"KOBAN-P-1"},
		}},
	}
}

// advisories are varied inputs: with and without CVSS, v2, v3.0 and v3.1
// vectors (with temporal and environmental metrics), KEV, EPSS, several
// products in branches and full product names, CPE and purl, ja and en,
// every TLP level, a revision history.
func advisories() map[string]Advisory {
	out := map[string]Advisory{"minimal en": advisory()}

	a := advisory()
	a.Vulns[0].CVE = "CVE-2026-1234"
	a.Vulns[0].CVSS = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
	a.Vulns[0].CWE = CWE{ID: "CWE-22", Name: "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"}
	a.Vulns[0].Remediation = &AdvisoryRemediation{Category: "vendor_fix", Details: "Update to 4.2.1.", Date: day("2026-03-02"), URL: "https://example.com/fix"}
	out["v3.1 with remediation"] = a

	a = advisory()
	a.Lang = "ja"
	a.Title = "証拠閲覧ソフトのパストラバーサル"
	a.Summary = "証拠閲覧ソフトがフォルダ外のファイルを返す。"
	a.TLP = tlp.AmberStrict
	a.Vulns[0].Description = "細工したパスでサービスが読める任意のファイルを読める。"
	a.Vulns[0].CVSS = "AV:N/AC:L/Au:N/C:P/I:P/A:P"
	out["v2 ja amber+strict"] = a

	a = advisory()
	a.TLP = tlp.Red
	a.Status = "interim"
	a.Version = "3.0.0"
	a.Initial = day("2026-01-10")
	a.Current = day("2026-03-05")
	a.History = []AdvisoryRevision{
		{Number: "1.0.0", Date: day("2026-01-10"), Summary: "Initial version."},
		{Number: "2.0.0", Date: day("2026-02-01"), Summary: "Fixed version known."},
		{Number: "3.0.0", Date: day("2026-03-05"), Summary: "KEV listing."},
	}
	a.URL = "https://csirt.police.example/advisories/KOBAN-2026-0001.json"
	a.References = []Reference{{Category: "external", Summary: "Vendor notice", URL: "https://example.com/notice"}}
	a.Products = []Product{
		{ID: "P1", Name: "Evidence Viewer", Vendor: "Example Corp", Version: "4.2.0", CPE: "cpe:2.3:a:example:evidence_viewer:4.2.0:*:*:*:*:*:*:*"},
		{ID: "P2", Name: "Evidence Viewer", Vendor: "Example Corp", Version: "4.2.1", CPE: "cpe:/a:example:evidence_viewer:4.2.1"},
		{ID: "P3", Name: "Evidence Viewer", Vendor: "Example Corp", Version: "3.9"},
		{ID: "P4", Name: "log4j-core", Vendor: "Apache", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{ID: "P5", Name: "Patrol crawler (in-house)"},
	}
	a.Vulns = []Vuln{
		{
			CVE: "CVE-2026-1234", Title: "Path traversal", Description: "A crafted path reads any file.",
			CVSS: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:F/RL:O/RC:C/CR:H/MAV:A",
			KEV:  true, KEVDue: day("2026-03-26"),
			EPSS:     &EPSS{Probability: 0.97, Percentile: 0.999, Date: day("2026-03-04")},
			Affected: []string{"P1"}, Fixed: []string{"P2"}, NotAffected: []string{"P3"},
			Remediation: &AdvisoryRemediation{Category: "vendor_fix", Details: "Update to 4.2.1."},
		},
		{
			CVE: "CVE-2021-44228", Title: "Log4Shell", Description: "JNDI lookups run remote code.",
			CVSS:     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
			CWE:      CWE{ID: "CWE-502", Name: "Deserialization of Untrusted Data"},
			KEV:      true,
			Affected: []string{"P4"},
		},
		{
			LocalID: "KOBAN-V-3", Title: "Crawler under review", Description: "The crawler may follow redirects to file URLs.",
			CVSS:               "AV:N/AC:M/Au:N/C:P/I:N/A:N/E:POC/RL:ND/RC:C/CDP:L/TD:M/CR:H/IR:ND/AR:ND",
			UnderInvestigation: []string{"P5"},
			Remediation:        &AdvisoryRemediation{Category: "workaround", Details: "Block file URLs at the proxy."},
		},
	}
	out["several products and vulnerabilities"] = a

	for _, l := range tlp.Levels() {
		a := advisory()
		a.TLP = l
		out["tlp "+string(l)] = a
	}

	a = advisory()
	a.Status = "draft"
	a.Version = "0.1.0"
	a.Lang = "ja"
	a.Title = "調査中"
	a.Summary = "調査中の事案。"
	a.Vulns[0].Description = "調査中。"
	a.Vulns[0].Affected = nil
	a.Vulns[0].UnderInvestigation = []string{"KOBAN-P-1"}
	out["draft ja"] = a
	return out
}

// Every document Build makes passes the CSAF schema (formats asserted, the
// CVSS schemas loaded from the shared folder) and every implemented
// mandatory test, and reads back as it was written.
func TestBuildValid(t *testing.T) {
	for name, a := range advisories() {
		t.Run(name, func(t *testing.T) {
			d, err := Build(a)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := schemaValidate(t, data); err != nil {
				t.Fatalf("schema: %v\n%s", err, data)
			}
			if ps := Validate(data); len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			if d.Document.Category != CategorySecurityAdvisory {
				t.Errorf("category %q", d.Document.Category)
			}
		})
	}
}

func TestBuildTLP(t *testing.T) {
	for _, c := range []struct {
		level  tlp.Level
		label  string
		inText string
		lang   string
	}{
		{tlp.Clear, "WHITE", "TLP:CLEAR", "en"},
		{tlp.Green, "GREEN", "TLP:GREEN", "en"},
		{tlp.Amber, "AMBER", "TLP:AMBER", "en"},
		{tlp.AmberStrict, "AMBER", "only inside their own organisation", "en"},
		{tlp.AmberStrict, "AMBER", "自組織の内部でのみ", "ja"},
		{tlp.Red, "RED", "TLP:RED", "en"},
	} {
		a := advisory()
		a.TLP, a.Lang = c.level, c.lang
		d, err := Build(a)
		if err != nil {
			t.Fatal(err)
		}
		dist := d.Document.Distribution
		if dist.TLP.Label != c.label || !strings.Contains(dist.Text, c.inText) {
			t.Errorf("%s (%s): label %s, text %q", c.level, c.lang, dist.TLP.Label, dist.Text)
		}
	}
}

// Build's output carries what the advisory says: scores computed from the
// vector, the KEV threat with its due date, the aggregate severity.
func TestBuildContent(t *testing.T) {
	d, err := Build(advisories()["several products and vulnerabilities"])
	if err != nil {
		t.Fatal(err)
	}
	v := d.Vulnerabilities[0]
	c := v.Scores[0].CVSSV3
	if c.Version != "3.0" || c.BaseScore != 7.5 || c.BaseSeverity != "HIGH" || c.AttackVector != "NETWORK" ||
		c.ExploitCodeMaturity != "FUNCTIONAL" || c.TemporalScore == nil || c.ModifiedAttackVector != "ADJACENT_NETWORK" ||
		c.EnvironmentalScore == nil || c.IntegrityRequirement != "NOT_DEFINED" {
		t.Errorf("cvss_v3 %+v", c)
	}
	if len(v.Threats) != 1 || v.Threats[0].Category != "exploit_status" || !strings.Contains(v.Threats[0].Details, "2026-03-26") {
		t.Errorf("threats %+v", v.Threats)
	}
	if d.Document.AggregateSeverity == nil || d.Document.AggregateSeverity.Text != "CRITICAL" {
		t.Errorf("aggregate severity %+v", d.Document.AggregateSeverity)
	}
	if v2 := d.Vulnerabilities[2].Scores[0].CVSSV2; v2.BaseScore != 4.3 || v2.Exploitability != "PROOF_OF_CONCEPT" || v2.CollateralDamagePotential != "LOW" {
		t.Errorf("cvss_v2 %+v", v2)
	}
	if tree := d.ProductTree; len(tree.Branches) != 2 || len(tree.Branches[0].Branches[0].Branches) != 3 || len(tree.FullProductNames) != 1 {
		t.Errorf("product tree %+v", tree)
	}
}

func TestBuildRefuses(t *testing.T) {
	for name, change := range map[string]func(a *Advisory){
		"no id":              func(a *Advisory) { a.ID = "" },
		"language":           func(a *Advisory) { a.Lang = "de" },
		"status":             func(a *Advisory) { a.Status = "done" },
		"version":            func(a *Advisory) { a.Version = "v1" },
		"tlp":                func(a *Advisory) { a.TLP = "white" },
		"namespace":          func(a *Advisory) { a.Publisher.Namespace = "csirt" },
		"no products":        func(a *Advisory) { a.Products = nil },
		"bad cvss":           func(a *Advisory) { a.Vulns[0].CVSS = "CVSS:3.1/AV:N" },
		"bad cve":            func(a *Advisory) { a.Vulns[0].CVE = "CVE-26-1" },
		"bad cpe":            func(a *Advisory) { a.Products[0].CPE = "cpe:2.3:x" },
		"bad purl":           func(a *Advisory) { a.Products[0].PURL = "pkg:/name" },
		"unknown product":    func(a *Advisory) { a.Vulns[0].Affected = []string{"KOBAN-P-9"} },
		"contradiction":      func(a *Advisory) { a.Vulns[0].Fixed = []string{"KOBAN-P-1"} },
		"history mismatch":   func(a *Advisory) { a.History = []AdvisoryRevision{{Number: "2", Date: a.Current, Summary: "x"}} },
		"no status":          func(a *Advisory) { a.Vulns[0].Affected = nil },
		"no description":     func(a *Advisory) { a.Vulns[0].Description = " " },
		"remediation kind":   func(a *Advisory) { a.Vulns[0].Remediation = &AdvisoryRemediation{Category: "patch", Details: "x"} },
		"current before":     func(a *Advisory) { a.Current = a.Initial.Add(-time.Hour) },
		"released draft ver": func(a *Advisory) { a.Version = "0.9.0" },
	} {
		t.Run(name, func(t *testing.T) {
			a := advisory()
			change(&a)
			if _, err := Build(a); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err %v, want ErrInvalid", err)
			}
		})
	}
}
