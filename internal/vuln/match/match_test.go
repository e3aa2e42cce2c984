package match

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"

	"github.com/koban-project/koban/internal/vuln/cpe"
)

func single(m CPEMatch) Configuration {
	return Configuration{Nodes: []Node{{Operator: "OR", CPEMatch: []CPEMatch{m}}}}
}

func TestUnparseableIsUnknown(t *testing.T) {
	tests := []struct {
		name  string
		asset string
		m     CPEMatch
	}{
		{"asset version", "cpe:2.3:a:example:lib:release_five:*:*:*:*:*:*:*",
			CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:example:lib:*:*:*:*:*:*:*:*", VersionEndExcluding: "2.0"}},
		{"bound", "cpe:2.3:a:example:lib:1.0:*:*:*:*:*:*:*",
			CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:example:lib:*:*:*:*:*:*:*:*", VersionEndExcluding: "2.0 beta"}},
		{"openssl suffix", "cpe:2.3:a:openssl:openssl:1.1.1-pre9:*:*:*:*:*:*:*",
			CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", VersionEndExcluding: "1.1.1k"}},
		{"two cisco trains", `cpe:2.3:o:cisco:ios:15.2\(4\)t3:*:*:*:*:*:*:*`,
			CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*", VersionEndExcluding: "15.2(4)m4"}},
		{"exact, unreadable", "cpe:2.3:a:example:lib:v-next:*:*:*:*:*:*:*",
			CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:example:lib:2.0:*:*:*:*:*:*:*"}},
		{"bad criterion", "cpe:2.3:a:example:lib:1.0:*:*:*:*:*:*:*",
			CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Match(cpe.MustParse(tt.asset), single(tt.m))
			if r.Matched != Unknown {
				t.Errorf("got %s (%s), want unknown", r.Matched, r.Reason)
			}
		})
	}
}

func TestMatchShapes(t *testing.T) {
	jdk := cpe.MustParse("cpe:2.3:a:oracle:jdk:1.8.0:update_301:*:*:*:*:*:*")
	r := Match(jdk, single(CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:oracle:jdk:*:*:*:*:*:*:*:*", VersionEndIncluding: "8u301"}))
	if r.Matched != Yes || r.How != VersionRange {
		t.Errorf("jdk 1.8.0 update_301 <= 8u301: %s %s (%s)", r.Matched, r.How, r.Reason)
	}
	// A release with any update covers each of its updates, not the next release.
	for _, tt := range []struct {
		asset string
		want  Matched
	}{
		{"cpe:2.3:a:oracle:jdk:8u301:*:*:*:*:*:*:*", Yes},
		{"cpe:2.3:a:oracle:jdk:1.8.0_202:*:*:*:*:*:*:*", Yes},
		{"cpe:2.3:a:oracle:jdk:11.0.2:*:*:*:*:*:*:*", No},
	} {
		r := Match(cpe.MustParse(tt.asset), single(CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:oracle:jdk:1.8.0:*:*:*:*:*:*:*"}))
		if r.Matched != tt.want {
			t.Errorf("%s against jdk 1.8.0, any update: %s (%s)", tt.asset, r.Matched, r.Reason)
		}
	}
	// A distribution's package of an upstream product: the revision is the
	// package's, the upstream release is what NVD's bounds are about.
	deb := cpe.MustParse("cpe:2.3:a:apache:http_server:2.4.51-1ubuntu4:*:*:*:*:*:*:*")
	for _, m := range []CPEMatch{
		{Vulnerable: true, Criteria: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", VersionStartIncluding: "2.4.51", VersionEndExcluding: "2.4.52"},
		{Vulnerable: true, Criteria: "cpe:2.3:a:apache:http_server:2.4.51:*:*:*:*:*:*:*"},
	} {
		if r := Match(deb, single(m)); r.Matched != Yes {
			t.Errorf("2.4.51-1ubuntu4 against %s: %s (%s)", m.describe(), r.Matched, r.Reason)
		}
	}
	if r := Match(deb, single(CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", VersionEndExcluding: "2.4.51"})); r.Matched != No {
		t.Errorf("2.4.51-1ubuntu4 against < 2.4.51: %s (%s)", r.Matched, r.Reason)
	}
	// A platform-only configuration never matches the platform itself.
	win := cpe.MustParse("cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*")
	r = Match(win, single(CPEMatch{Vulnerable: false, Criteria: "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}))
	if r.Matched != No {
		t.Errorf("non-vulnerable criterion alone: %s (%s)", r.Matched, r.Reason)
	}
	// Wildcard version in the criterion.
	ie := cpe.MustParse("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:*:*:*:*:*:*:*")
	r = Match(ie, single(CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:microsoft:internet_explorer:8.*:*:*:*:*:*:*:*"}))
	if r.Matched != Yes || r.How != Exact {
		t.Errorf("8.* against 8.0.6001: %s %s (%s)", r.Matched, r.How, r.Reason)
	}
	// Asset version not known: a low Yes on condition.
	r = Match(cpe.MustParse("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"),
		single(CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", VersionEndExcluding: "2.4.52"}))
	if r.Matched != Yes || r.How != VendorProduct || r.Confidence != Low || len(r.Conditions) != 1 {
		t.Errorf("asset version ANY: %+v", r)
	}
}

// TestNVDResponses decodes real NVD API 2.0 pages and matches an asset
// built from each vulnerable criterion against its own configuration: each
// must say yes or unknown, never no, and nothing may panic.
func TestNVDResponses(t *testing.T) {
	type page struct {
		Vulnerabilities []struct {
			CVE struct {
				ID             string          `json:"id"`
				Configurations []Configuration `json:"configurations"`
			} `json:"cve"`
		} `json:"vulnerabilities"`
	}
	dir := "../../../../shared/data/vuln/nvd-go/nvd-api/testdata/responses/"
	var confs, criteria int
	for _, name := range []string{"cves-1999.json.gz", "cves-2023.json.gz", "cves-CVE-2023-0001.json.gz"} {
		f, err := os.Open(dir + name)
		if err != nil {
			t.Skipf("NVD responses not found: %v", err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		var p page
		if err := json.NewDecoder(zr).Decode(&p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.Close()
		for _, v := range p.Vulnerabilities {
			for _, c := range v.CVE.Configurations {
				confs++
				for _, n := range c.Nodes {
					for _, m := range n.CPEMatch {
						if !m.Vulnerable || n.Negate || c.Negate {
							continue
						}
						asset, err := cpe.ParseFS(m.Criteria)
						if err != nil {
							t.Errorf("%s: %v", v.CVE.ID, err)
							continue
						}
						criteria++
						if asset.Get(cpe.Version).Kind == cpe.Any {
							asset.Attr[cpe.Version] = cpe.Literal(firstBound(m))
						}
						r := Match(asset, c)
						if r.Matched == No {
							t.Errorf("%s: %s against its own configuration: no (%s)", v.CVE.ID, m.describe(), r.Reason)
						}
					}
				}
			}
		}
	}
	t.Logf("%d configurations, %d vulnerable criteria matched against their own", confs, criteria)
}

// firstBound picks a version inside the criterion's range, or "" (ANY).
func firstBound(m CPEMatch) string {
	switch {
	case m.VersionStartIncluding != "":
		return m.VersionStartIncluding
	case m.VersionEndIncluding != "":
		return m.VersionEndIncluding
	}
	return ""
}

func TestResultJSON(t *testing.T) {
	r := Match(cpe.MustParse("cpe:2.3:a:example:app:2.0:*:*:*:*:*:*:*"), Configuration{Operator: "AND", Nodes: []Node{
		{Operator: "OR", CPEMatch: []CPEMatch{{Vulnerable: true, Criteria: "cpe:2.3:a:example:app:*:*:*:*:*:*:*:*", VersionEndExcluding: "3.0"}}},
		{Operator: "OR", CPEMatch: []CPEMatch{{Criteria: "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}}},
	}})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"matched":"yes","how":"version-range","confidence":"low","reason":"version 2.0 is \u003c 3.0 (numeric ordering)",` +
		`"conditions":["runs on cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"],"criteria":"cpe:2.3:a:example:app:*:*:*:*:*:*:*:*"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestConfigurationShapes(t *testing.T) {
	firmware := cpe.MustParse("cpe:2.3:o:contec:solarview_compact_firmware:6.00:*:*:*:*:*:*:*")
	device := cpe.MustParse("cpe:2.3:h:contec:solarview_compact:-:*:*:*:*:*:*:*")
	other := cpe.MustParse("cpe:2.3:h:contec:solarview_eco:-:*:*:*:*:*:*:*")
	// CVE-2022-40881 as NVD writes it: the firmware, running on the device.
	conf := Configuration{Operator: "AND", Nodes: []Node{
		{Operator: "OR", CPEMatch: []CPEMatch{{Vulnerable: true, Criteria: "cpe:2.3:o:contec:solarview_compact_firmware:6.00:*:*:*:*:*:*:*"}}},
		{Operator: "OR", CPEMatch: []CPEMatch{{Criteria: "cpe:2.3:h:contec:solarview_compact:-:*:*:*:*:*:*:*"}}},
	}}
	tests := []struct {
		name      string
		platforms []cpe.Name
		conf      Configuration
		want      Matched
		how       How
		conf2     Confidence
	}{
		{"device known", []cpe.Name{device}, conf, Yes, Exact, High},
		{"another device", []cpe.Name{other}, conf, No, None, Low},
		{"device unknown", nil, conf, Yes, Exact, Low},
		{"AND inside one node, device known", []cpe.Name{device}, Configuration{Nodes: []Node{{Operator: "AND", CPEMatch: append(conf.Nodes[0].CPEMatch, conf.Nodes[1].CPEMatch...)}}}, Yes, Exact, High},
		{"AND inside one node, other device", []cpe.Name{other}, Configuration{Nodes: []Node{{Operator: "AND", CPEMatch: append(conf.Nodes[0].CPEMatch, conf.Nodes[1].CPEMatch...)}}}, No, None, Low},
		{"whole configuration negated", []cpe.Name{device}, Configuration{Operator: "AND", Negate: true, Nodes: conf.Nodes}, No, None, Low},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MatchOn(firmware, tt.platforms, tt.conf)
			if r.Matched != tt.want || (r.Matched == Yes && (r.How != tt.how || r.Confidence != tt.conf2)) {
				t.Errorf("got %s %s %s %v (%s), want %s %s %s", r.Matched, r.How, r.Confidence, r.Conditions, r.Reason, tt.want, tt.how, tt.conf2)
			}
		})
	}
}
