package csaf

import (
	"encoding/json"
	"slices"
	"testing"
)

// base is a document Build made with branches, full product names, three
// vulnerabilities, CVSS v2 and v3, a remediation and a semantic-version
// history; each mutation below breaks one rule of it.
func base(t *testing.T) Document {
	t.Helper()
	d, err := Build(advisories()["several products and vulnerabilities"])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// vexBase is base as a VEX document: impact statements for the products
// not affected and an action statement for every product affected.
func vexBase(t *testing.T) Document {
	d := base(t)
	d.Document.Category = CategoryVEX
	d.Vulnerabilities[0].Flags = []Flag{{Label: "vulnerable_code_not_present", ProductIDs: []string{"P3"}}}
	d.Vulnerabilities[1].Remediations = []Remediation{{Category: "vendor_fix", Details: "Update to 2.17.1.", ProductIDs: []string{"P4"}}}
	return d
}

// validate marshals d and returns the test numbers of its problems, sorted
// and without repeats.
func tests(t *testing.T, d Document) []string {
	t.Helper()
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range Validate(data) {
		if p.Path == "" && p.Test != "json" {
			t.Errorf("%s has no path", p)
		}
		out = append(out, p.Test)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestValidateBases(t *testing.T) {
	if got := tests(t, base(t)); len(got) != 0 {
		t.Fatalf("base: %v", got)
	}
	if got := tests(t, vexBase(t)); len(got) != 0 {
		t.Fatalf("VEX base: %v", got)
	}
}

// Each mutation breaks one rule and gets that test's number and no other.
// Where the specification's tests overlap by design (a released document
// with a pre-release version breaks 6.1.16, 6.1.17 and 6.1.20 at once), the
// case lists every number.
func TestValidateMutations(t *testing.T) {
	v3 := func(d *Document) *CVSSV3 { return d.Vulnerabilities[0].Scores[0].CVSSV3 }
	history := func(d *Document) *[]Revision { return &d.Document.Tracking.RevisionHistory }
	for _, c := range []struct {
		name   string
		vex    bool
		change func(d *Document)
		want   []string
	}{
		{"6.1.1 undefined product", false, func(d *Document) {
			s := d.Vulnerabilities[0].ProductStatus
			s.KnownAffected = append(s.KnownAffected, "P9")
		}, []string{"6.1.1"}},
		{"6.1.1 undefined product in a score", false, func(d *Document) {
			d.Vulnerabilities[1].Scores[0].Products = []string{"P4", "P9"}
		}, []string{"6.1.1"}},
		{"6.1.2 product defined twice", false, func(d *Document) {
			d.ProductTree.FullProductNames = append(d.ProductTree.FullProductNames, FullProductName{Name: "again", ProductID: "P1"})
		}, []string{"6.1.2"}},
		{"6.1.3 product made of itself", false, func(d *Document) {
			d.ProductTree.Relationships = []Relationship{{Category: "installed_on", FullProductName: FullProductName{Name: "loop", ProductID: "P6"}, ProductReference: "P6", RelatesToProductReference: "P5"}}
		}, []string{"6.1.3"}},
		{"6.1.3 circle through two relationships", false, func(d *Document) {
			d.ProductTree.Relationships = []Relationship{
				{Category: "installed_on", FullProductName: FullProductName{Name: "a", ProductID: "P6"}, ProductReference: "P7", RelatesToProductReference: "P5"},
				{Category: "installed_on", FullProductName: FullProductName{Name: "b", ProductID: "P7"}, ProductReference: "P6", RelatesToProductReference: "P5"},
			}
		}, []string{"6.1.3"}},
		{"6.1.4 undefined group", false, func(d *Document) {
			d.Vulnerabilities[0].Remediations[0].GroupIDs = []string{"G9"}
		}, []string{"6.1.4"}},
		{"6.1.5 group defined twice", false, func(d *Document) {
			d.ProductTree.ProductGroups = []ProductGroup{{GroupID: "G1", ProductIDs: []string{"P1", "P2"}}, {GroupID: "G1", ProductIDs: []string{"P3", "P4"}}}
		}, []string{"6.1.5"}},
		{"6.1.6 affected and fixed", false, func(d *Document) {
			s := d.Vulnerabilities[0].ProductStatus
			s.Fixed = append(s.Fixed, "P1")
		}, []string{"6.1.6"}},
		{"6.1.6 not affected and under investigation", false, func(d *Document) {
			d.Vulnerabilities[0].ProductStatus.UnderInvestigation = []string{"P3"}
		}, []string{"6.1.6"}},
		{"6.1.7 two v3.0 ratings of a product", false, func(d *Document) {
			v := &d.Vulnerabilities[0]
			v.Scores = append(v.Scores, v.Scores[0])
		}, []string{"6.1.7"}},
		{"6.1.8 unknown severity", false, func(d *Document) { v3(d).BaseSeverity = "SEVERE" }, []string{"6.1.8"}},
		{"6.1.8 version and vector disagree", false, func(d *Document) { v3(d).Version = "3.1" }, []string{"6.1.8"}},
		{"6.1.8 vector misses a metric", false, func(d *Document) {
			v3(d).VectorString = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N"
		}, []string{"6.1.8"}},
		{"6.1.8 v2 property value", false, func(d *Document) {
			d.Vulnerabilities[2].Scores[0].CVSSV2.AccessVector = "INTERNET"
		}, []string{"6.1.8"}},
		{"6.1.9 base score", false, func(d *Document) { v3(d).BaseScore = 9.9 }, []string{"6.1.9"}},
		{"6.1.9 base severity", false, func(d *Document) { v3(d).BaseSeverity = "LOW" }, []string{"6.1.9"}},
		{"6.1.9 temporal score", false, func(d *Document) { s := 1.0; v3(d).TemporalScore = &s; v3(d).TemporalSeverity = "LOW" }, []string{"6.1.9"}},
		{"6.1.9 v2 base score", false, func(d *Document) { d.Vulnerabilities[2].Scores[0].CVSSV2.BaseScore = 10 }, []string{"6.1.9"}},
		{"6.1.10 base metric", false, func(d *Document) { v3(d).AttackVector = "LOCAL" }, []string{"6.1.10"}},
		{"6.1.10 metric left out of the vector", false, func(d *Document) { v3(d).ModifiedScope = "CHANGED" }, []string{"6.1.10"}},
		{"6.1.10 v2 metric", false, func(d *Document) { d.Vulnerabilities[2].Scores[0].CVSSV2.Authentication = "SINGLE" }, []string{"6.1.10"}},
		{"6.1.11 CWE ID", false, func(d *Document) { d.Vulnerabilities[1].CWE.ID = "CWE-0502" }, []string{"6.1.11"}},
		{"6.1.11 CWE name", false, func(d *Document) { d.Vulnerabilities[1].CWE.Name = "" }, []string{"6.1.11"}},
		{"6.1.12 unknown language", false, func(d *Document) { d.Document.Lang = "en-EN" }, []string{"6.1.12"}},
		{"6.1.12 ill-formed source language", false, func(d *Document) { d.Document.SourceLang = "japanese" }, []string{"6.1.12"}},
		{"6.1.13 purl encoding", false, func(d *Document) {
			d.ProductTree.Branches[1].Branches[0].Branches[0].Product.ProductIdentificationHelper.PURL = "pkg:maven/org.apache/log4j%zz@2"
		}, []string{"6.1.13"}},
		{"6.1.13 purl without a name", false, func(d *Document) {
			d.ProductTree.Branches[1].Branches[0].Branches[0].Product.ProductIdentificationHelper.PURL = "pkg:maven"
		}, []string{"6.1.13"}},
		{"6.1.14 history out of order", false, func(d *Document) { (*history(d))[1].Date = "2026-01-05T09:00:00Z" }, []string{"6.1.14"}},
		{"6.1.15 translator without source language", false, func(d *Document) { d.Document.Publisher.Category = "translator" }, []string{"6.1.15"}},
		{"6.1.16 version is not the latest revision", false, func(d *Document) { d.Document.Tracking.Version = "2.0.0" }, []string{"6.1.16"}},
		{"6.1.17 6.1.20 released pre-release", false, func(d *Document) { d.Document.Tracking.Version = "3.0.0-rc.1" }, []string{"6.1.16", "6.1.17", "6.1.20"}},
		{"6.1.18 released with a 0.y.z revision", false, func(d *Document) {
			*history(d) = append(*history(d), Revision{Date: "2026-01-01T09:00:00Z", Number: "0.9.0", Summary: "Draft."})
		}, []string{"6.1.18"}},
		{"6.1.19 pre-release revision", false, func(d *Document) {
			*history(d) = append(*history(d), Revision{Date: "2026-01-01T09:00:00Z", Number: "1.0.0-rc.1", Summary: "Candidate."})
		}, []string{"6.1.19"}},
		{"6.1.21 missing revision", false, func(d *Document) { *history(d) = slices.Delete(*history(d), 1, 2) }, []string{"6.1.21"}},
		{"6.1.21 history not starting at 0 or 1", false, func(d *Document) { *history(d) = (*history(d))[1:] }, []string{"6.1.21"}},
		{"6.1.22 revision twice", false, func(d *Document) {
			*history(d) = append(*history(d), (*history(d))[2])
		}, []string{"6.1.22"}},
		{"6.1.23 CVE twice", false, func(d *Document) { d.Vulnerabilities[1].CVE = d.Vulnerabilities[0].CVE }, []string{"6.1.23"}},
		{"6.1.24 involvement twice", false, func(d *Document) {
			inv := Involvement{Party: "vendor", Status: "contact_attempted", Date: "2026-01-02T00:00:00Z"}
			d.Vulnerabilities[0].Involvements = []Involvement{inv, {Party: "vendor", Status: "completed"}, inv}
		}, []string{"6.1.24"}},
		{"6.1.25 hash algorithm twice", false, func(d *Document) {
			h := d.ProductTree.Branches[1].Branches[0].Branches[0].Product.ProductIdentificationHelper
			h.Hashes = []FileHashes{{Filename: "log4j-core-2.14.1.jar", FileHashes: []FileHash{
				{Algorithm: "sha256", Value: "ade7402a70667a727635d5c4c29495f4ff96f061f12539763f6f123973b465b0"},
				{Algorithm: "sha256", Value: "bde7402a70667a727635d5c4c29495f4ff96f061f12539763f6f123973b465b0"},
			}}}
		}, []string{"6.1.25"}},
		{"6.1.26 a profile's name", false, func(d *Document) { d.Document.Category = "Security-Advisory" }, []string{"6.1.26"}},
		{"6.1.26 reserved prefix", false, func(d *Document) { d.Document.Category = "csaf_police_notice" }, []string{"6.1.26"}},
		{"6.1.27.1 informational without notes", false, func(d *Document) {
			d.Document.Category, d.Vulnerabilities, d.Document.Notes = CategoryInformational, nil, nil
		}, []string{"6.1.27.1"}},
		{"6.1.27.2 informational without references", false, func(d *Document) {
			d.Document.Category, d.Vulnerabilities, d.Document.References = CategoryInformational, nil, nil
		}, []string{"6.1.27.2"}},
		{"6.1.27.3 informational with vulnerabilities", false, func(d *Document) { d.Document.Category = CategoryInformational }, []string{"6.1.27.3"}},
		{"6.1.27.4 no product tree", false, func(d *Document) {
			d.ProductTree = nil
			d.Vulnerabilities = []Vulnerability{{Notes: d.Vulnerabilities[0].Notes, ProductStatus: &ProductStatus{}}}
		}, []string{"6.1.27.4"}},
		{"6.1.27.5 vulnerability without notes", false, func(d *Document) { d.Vulnerabilities[0].Notes = nil }, []string{"6.1.27.5"}},
		{"6.1.27.6 vulnerability without product status", false, func(d *Document) { d.Vulnerabilities[2].ProductStatus = nil }, []string{"6.1.27.6"}},
		{"6.1.27.7 VEX status", true, func(d *Document) {
			d.Vulnerabilities[2].ProductStatus = &ProductStatus{Recommended: []string{"P5"}}
		}, []string{"6.1.27.7"}},
		{"6.1.27.8 VEX vulnerability without an ID", true, func(d *Document) { d.Vulnerabilities[2].IDs = nil }, []string{"6.1.27.8"}},
		{"6.1.27.9 VEX without impact statement", true, func(d *Document) { d.Vulnerabilities[0].Flags = nil }, []string{"6.1.27.9"}},
		{"6.1.27.10 VEX without action statement", true, func(d *Document) { d.Vulnerabilities[1].Remediations = nil }, []string{"6.1.27.10"}},
		{"6.1.27.11 advisory without vulnerabilities", false, func(d *Document) { d.Vulnerabilities = nil }, []string{"6.1.27.11"}},
		{"6.1.28 translation into the same language", false, func(d *Document) { d.Document.SourceLang = "EN" }, []string{"6.1.28"}},
		{"6.1.29 remediation without products", false, func(d *Document) { d.Vulnerabilities[0].Remediations[0].ProductIDs = nil }, []string{"6.1.29"}},
		{"6.1.30 integer and semantic versions", false, func(d *Document) {
			*history(d) = append(*history(d), Revision{Date: "2026-01-10T09:00:00Z", Number: "1", Summary: "Old numbering."})
		}, []string{"6.1.30"}},
		{"6.1.31 version range in product_version", false, func(d *Document) {
			d.ProductTree.Branches[0].Branches[0].Branches[2].Name = "prior to 4.0"
		}, []string{"6.1.31"}},
		{"6.1.31 version operator", false, func(d *Document) {
			d.ProductTree.Branches[0].Branches[0].Branches[2].Name = "<4.0"
		}, []string{"6.1.31"}},
		{"6.1.32 flag without products", false, func(d *Document) {
			d.Vulnerabilities[0].Flags = []Flag{{Label: "component_not_present"}}
		}, []string{"6.1.32"}},
		{"6.1.33 two justifications for a product", true, func(d *Document) {
			d.ProductTree.ProductGroups = []ProductGroup{{GroupID: "G1", ProductIDs: []string{"P2", "P3"}}}
			d.Vulnerabilities[0].Flags = append(d.Vulnerabilities[0].Flags, Flag{Label: "component_not_present", GroupIDs: []string{"G1"}})
		}, []string{"6.1.33"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := base(t)
			if c.vex {
				d = vexBase(t)
			}
			c.change(&d)
			if got := tests(t, d); !slices.Equal(got, c.want) {
				t.Fatalf("problems %v, want %v", got, c.want)
			}
		})
	}
}

func TestValidateNotJSON(t *testing.T) {
	for _, in := range []string{"", "null", " 1", "{", `{"document": 1}`, `{} {}`, `{}]`, "[]"} {
		ps := Validate([]byte(in))
		if len(ps) != 1 || ps[0].Test != "json" {
			t.Errorf("%q: %v", in, ps)
		}
	}
}

// Problems point at the value at fault.
func TestValidatePath(t *testing.T) {
	d := base(t)
	d.Vulnerabilities[0].Scores[0].CVSSV3.BaseScore = 1
	data, _ := json.Marshal(d)
	ps := Validate(data)
	if len(ps) != 1 || ps[0].Path != "/vulnerabilities/0/scores/0/cvss_v3/baseScore" {
		t.Fatalf("%v", ps)
	}
}

func TestPURL(t *testing.T) {
	for _, c := range []struct {
		purl string
		ok   bool
	}{
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", true},
		{"pkg:npm/%40angular/animation@12.3.1", true},
		{"pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie", true},
		{"pkg:golang/google.golang.org/genproto#googleapis/api/annotations", true},
		{"pkg:rpm/redhat/openssl@1.0.2k?arch=x86_64&epoch=1", true},
		{"pkg://generic/name", true},
		{"pkg:generic", false},
		{"pkg:/name", false},
		{"pkg:1abc/name", false},
		{"pkg:npm/", false},
		{"pkg:npm/name@1%", false},
		{"pkg:deb/curl?arch=", false},
		{"pkg:deb/curl?arch=a&arch=b", false},
		{"pkg:deb/curl?1a=b", false},
		{"maven/name", false},
	} {
		if err := checkPURL(c.purl); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.purl, err)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	ordered := []string{"0", "0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1+build.5", "2", "2.1.0"}
	for i := range ordered {
		for j := range ordered {
			a, okA := parseVersion(ordered[i])
			b, okB := parseVersion(ordered[j])
			if !okA || !okB {
				t.Fatalf("%s or %s unread", ordered[i], ordered[j])
			}
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := compareVersions(a, b); got != want {
				t.Errorf("compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	for _, bad := range []string{"", "01", "1.0", "v1", "1.0.0-01", "99999999999999999999"} {
		if _, ok := parseVersion(bad); ok {
			t.Errorf("%q read", bad)
		}
	}
}
