package cvss

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dataDir holds the field's own test data (see /work/shared/data/INDEX.md).
const dataDir = "../../../../shared/data/vuln"

// published is one score as a feed published it, with the sub-scores NVD adds.
type published struct {
	file           string
	version        string
	vector         string
	base           float64
	severity       string
	exploitability float64 // -1 when the feed gives none (CVE 5)
	impact         float64
}

type nvdCVSSData struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

type nvdMetric struct {
	Source              string      `json:"source"`
	Type                string      `json:"type"`
	CVSSData            nvdCVSSData `json:"cvssData"`
	BaseSeverity        string      `json:"baseSeverity"` // v2 keeps it here
	ExploitabilityScore *float64    `json:"exploitabilityScore"`
	ImpactScore         *float64    `json:"impactScore"`
}

type nvdPage struct {
	Vulnerabilities []struct {
		CVE struct {
			ID      string                 `json:"id"`
			Metrics map[string][]nvdMetric `json:"metrics"`
		} `json:"cve"`
	} `json:"vulnerabilities"`
}

type cve5Record struct {
	Containers struct {
		CNA struct {
			Metrics []map[string]json.RawMessage `json:"metrics"`
		} `json:"cna"`
		ADP []struct {
			Metrics []map[string]json.RawMessage `json:"metrics"`
		} `json:"adp"`
	} `json:"containers"`
}

// loadPublished reads every CVSS metric in the NVD API responses and CVE 5
// records of the shared test data.
func loadPublished(t testing.TB) []published {
	t.Helper()
	if _, err := os.Stat(dataDir); err != nil {
		t.Skipf("shared test data not present: %v", err)
	}
	var out []published
	var nvdFiles []string
	gz, _ := filepath.Glob(filepath.Join(dataDir, "nvd-go/nvd-api/testdata/responses/cves-*.json.gz"))
	nvdFiles = append(nvdFiles, gz...)
	plain, _ := filepath.Glob(filepath.Join(dataDir, "osv.dev/vulnfeeds/test_data/nvdcve-2.0/*.json"))
	nvdFiles = append(nvdFiles, plain...)
	for _, f := range nvdFiles {
		var page nvdPage
		if err := json.Unmarshal(readData(t, f), &page); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range page.Vulnerabilities {
			for key, ms := range v.CVE.Metrics {
				if !strings.HasPrefix(key, "cvssMetric") {
					continue // ssvcV203 and other non-CVSS assessments
				}
				for _, m := range ms {
					p := published{
						file: filepath.Base(f), version: m.CVSSData.Version, vector: m.CVSSData.VectorString,
						base: m.CVSSData.BaseScore, severity: m.CVSSData.BaseSeverity, exploitability: -1, impact: -1,
					}
					if key == "cvssMetricV2" {
						p.severity = m.BaseSeverity
					}
					if m.ExploitabilityScore != nil {
						p.exploitability = *m.ExploitabilityScore
					}
					if m.ImpactScore != nil {
						p.impact = *m.ImpactScore
					}
					out = append(out, p)
				}
			}
		}
	}
	cve5, _ := filepath.Glob(filepath.Join(dataDir, "osv.dev/vulnfeeds/test_data/cve5/*.json"))
	for _, f := range cve5 {
		var rec cve5Record
		if err := json.Unmarshal(readData(t, f), &rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		lists := [][]map[string]json.RawMessage{rec.Containers.CNA.Metrics}
		for _, a := range rec.Containers.ADP {
			lists = append(lists, a.Metrics)
		}
		for _, list := range lists {
			for _, m := range list {
				for key, raw := range m {
					if !strings.HasPrefix(key, "cvssV") {
						continue
					}
					var d nvdCVSSData
					if err := json.Unmarshal(raw, &d); err != nil {
						t.Fatalf("%s: %v", f, err)
					}
					out = append(out, published{file: filepath.Base(f), version: d.Version, vector: d.VectorString,
						base: d.BaseScore, severity: d.BaseSeverity, exploitability: -1, impact: -1})
				}
			}
		}
	}
	return out
}

func readData(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// round1Pub is how NVD publishes sub-scores: to one decimal.
func round1Pub(x float64) float64 { return round1(x) }

// TestPublishedScores holds every vector in the shared NVD and CVE 5 data to
// its published base score, severity and, where NVD gives them, the
// exploitability and impact sub-scores.
func TestPublishedScores(t *testing.T) {
	counts := map[string]int{}
	for _, p := range loadPublished(t) {
		name := p.file + " " + p.vector
		switch p.version {
		case Version30, Version31:
			v, err := ParseV3(p.vector)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if v.Version() != p.version {
				t.Errorf("%s: version %s, stated %s", name, v.Version(), p.version)
			}
			if got := v.BaseScore(); got != p.base {
				t.Errorf("%s: base %v, published %v", name, got, p.base)
			}
			if got := Severity(v.BaseScore()); got != p.severity {
				t.Errorf("%s: severity %v, published %v", name, got, p.severity)
			}
			if p.exploitability >= 0 {
				if got := round1Pub(v.ExploitabilitySubScore()); got != p.exploitability {
					t.Errorf("%s: exploitability %v, published %v", name, got, p.exploitability)
				}
				if got := round1Pub(v.ImpactSubScore()); got != p.impact {
					t.Errorf("%s: impact %v, published %v", name, got, p.impact)
				}
			}
			// With no temporal metric the temporal score is the base score. The
			// environmental score equals it only for an unchanged scope: v3.1's
			// Modified Impact for a changed scope uses a different formula
			// (MISS×0.9731 − 0.02)^13, so e.g. AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H
			// has base 9.9 and environmental 10.0, as the specification computes.
			if v.TemporalScore() != v.BaseScore() {
				t.Errorf("%s: temporal %v differs from base %v with no temporal metric", name, v.TemporalScore(), v.BaseScore())
			}
			if v.idx(v3S) == 0 && v.EnvironmentalScore() != v.BaseScore() {
				t.Errorf("%s: environmental %v differs from base %v with no environmental metric", name, v.EnvironmentalScore(), v.BaseScore())
			}
		case Version2:
			v, err := ParseV2(p.vector)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if got := v.BaseScore(); got != p.base {
				t.Errorf("%s: base %v, published %v", name, got, p.base)
			}
			if p.severity != "" && SeverityV2(v.BaseScore()) != p.severity {
				t.Errorf("%s: severity %v, published %v", name, SeverityV2(v.BaseScore()), p.severity)
			}
			if p.exploitability >= 0 {
				if got := round1Pub(v.ExploitabilitySubScore()); got != p.exploitability {
					t.Errorf("%s: exploitability %v, published %v", name, got, p.exploitability)
				}
				if got := round1Pub(v.ImpactSubScore()); got != p.impact {
					t.Errorf("%s: impact %v, published %v", name, got, p.impact)
				}
			}
		case Version40:
			v, err := ParseV4(p.vector)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if v.String() != p.vector {
				t.Errorf("%s: String gives %s", name, v.String())
			}
			if got := v.Score(); got != p.base {
				t.Errorf("%s: score %v, published %v", name, got, p.base)
			}
			if got := Severity(v.Score()); got != p.severity {
				t.Errorf("%s: severity %v, published %v", name, got, p.severity)
			}
		default:
			t.Errorf("%s: unexpected version %q", name, p.version)
			continue
		}
		counts[p.version]++
		if p.exploitability >= 0 {
			counts[p.version+" with sub-scores"]++
		}
	}
	t.Logf("published metrics checked: %v", counts)
	if counts[Version31] == 0 || counts[Version2] == 0 {
		t.Errorf("too few metrics found: %v", counts)
	}
}

// TestBestOnNVD ranks the metrics of every CVE in the shared NVD responses and
// holds Best to its rule: the newest version present, and a Primary metric
// when that version has one.
func TestBestOnNVD(t *testing.T) {
	if _, err := os.Stat(dataDir); err != nil {
		t.Skipf("shared test data not present: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dataDir, "nvd-go/nvd-api/testdata/responses/cves-*.json.gz"))
	plain, _ := filepath.Glob(filepath.Join(dataDir, "osv.dev/vulnfeeds/test_data/nvdcve-2.0/*.json"))
	files = append(files, plain...)
	keys := map[string]string{"cvssMetricV40": Version40, "cvssMetricV31": Version31, "cvssMetricV30": Version30, "cvssMetricV2": Version2}
	ranked := 0
	for _, f := range files {
		var page nvdPage
		if err := json.Unmarshal(readData(t, f), &page); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range page.Vulnerabilities {
			var ms []Metric
			newest := ""
			for key, list := range v.CVE.Metrics {
				version, ok := keys[key]
				if !ok {
					continue
				}
				for _, m := range list {
					ms = append(ms, Metric{Version: version, Vector: m.CVSSData.VectorString, BaseScore: m.CVSSData.BaseScore,
						Severity: m.CVSSData.BaseSeverity, Source: m.Source, Type: m.Type})
					if versionRank(version) > versionRank(newest) {
						newest = version
					}
				}
			}
			if len(ms) == 0 {
				continue
			}
			best := Best(ms)
			if best.Version != newest {
				t.Errorf("%s: Best chose %s, newest is %s", v.CVE.ID, best.Version, newest)
			}
			for _, m := range ms {
				if m.Version == newest && m.Type == "Primary" && best.Type != "Primary" {
					t.Errorf("%s: Best chose a %s score from %s over a Primary one", v.CVE.ID, best.Type, best.Source)
				}
			}
			if best.Source == "" {
				t.Errorf("%s: Best lost the source", v.CVE.ID)
			}
			ranked++
		}
	}
	t.Logf("CVEs ranked: %d", ranked)
}
