package feed

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vulnData is ../shared/data/vuln seen from the module root.
const vulnData = "../../../../shared/data/vuln"

// dataPath returns a file or folder in the shared vulnerability data; the
// data is part of the test, so its absence fails rather than skips.
func dataPath(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{vulnData}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the shared vulnerability data is missing: %v", err)
	}
	return p
}

func decodeAllNVD(t *testing.T, path string) (Page, []Vuln) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := NewNVDDecoder(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []Vuln
	for {
		v, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	return d.Page(), out
}

func TestNVDResponses(t *testing.T) {
	dir := dataPath(t, "nvd-go", "nvd-api", "testdata", "responses")
	tests := []struct {
		file      string
		count     int
		start     int
		total     int
		firstID   string
		timestamp string
	}{
		{"cves-1999.json.gz", 200, 0, 220273, "CVE-1999-0095", "2023-07-13T23:33:19.843Z"},
		{"cves-2023.json.gz", 200, 200000, 220499, "CVE-2022-44006", "2023-07-18T06:46:32.267Z"},
		{"cves-CVE-2023-0001.json.gz", 1, 0, 1, "CVE-2023-0001", "2023-07-28T05:46:22.353Z"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			page, vulns := decodeAllNVD(t, filepath.Join(dir, tt.file))
			if len(vulns) != tt.count {
				t.Errorf("records = %d, want %d", len(vulns), tt.count)
			}
			if page.StartIndex != tt.start || page.TotalResults != tt.total || page.ResultsPerPage != tt.count {
				t.Errorf("page = %+v", page)
			}
			if got := page.Timestamp.Format(time.RFC3339Nano); got != tt.timestamp {
				t.Errorf("timestamp = %s, want %s", got, tt.timestamp)
			}
			if vulns[0].ID != tt.firstID {
				t.Errorf("first id = %s, want %s", vulns[0].ID, tt.firstID)
			}
			for _, v := range vulns {
				if v.Source != SourceNVD || v.Published.IsZero() || v.LastModified.IsZero() || v.Descriptions["en"] == "" {
					t.Errorf("%s: incomplete record %+v", v.ID, v)
				}
			}
		})
	}
}

func TestNVDNotCVEPages(t *testing.T) {
	dir := dataPath(t, "nvd-go", "nvd-api", "testdata", "responses")
	for _, name := range []string{"not-gzipped.txt", "cpes-2023.json.gz", "cpematch-CVE-2022-32223.json.gz", "cvehistory-CVE-2019-1010218.json.gz", "sources-20.json.gz"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d, err := NewNVDDecoder(f)
			if err == nil {
				_, err = d.Next()
			}
			if err == nil || errors.Is(err, io.EOF) {
				t.Fatalf("err = %v, want a clear error", err)
			}
			t.Log(err)
		})
	}
}

func TestNVDOSVFiles(t *testing.T) {
	dir := dataPath(t, "osv.dev", "vulnfeeds", "test_data", "nvdcve-2.0")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 23 {
		t.Fatalf("files = %d, want 23", len(files))
	}
	for _, path := range files {
		_, vulns := decodeAllNVD(t, path)
		want := strings.TrimSuffix(filepath.Base(path), ".json")
		if len(vulns) != 1 || vulns[0].ID != want {
			t.Errorf("%s: got %d records", path, len(vulns))
		}
	}
	_, vulns := decodeAllNVD(t, filepath.Join(dir, "CVE-2024-3094.json"))
	xz := vulns[0]
	if got := xz.Published.Format(time.RFC3339Nano); got != "2024-03-29T17:15:21.15Z" {
		t.Errorf("published = %s", got)
	}
	if len(xz.Configurations) == 0 || xz.Configurations[0].Nodes[0].CPEMatch[0].Criteria != "cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*" {
		t.Errorf("configurations = %+v", xz.Configurations)
	}
	if m := xz.Configurations[0].Nodes[0].CPEMatch[0]; !m.Vulnerable || m.MatchCriteriaID != "73F1DAD7-F362-4C5B-B980-2E5313C369DA" {
		t.Errorf("cpeMatch = %+v", m)
	}
	if len(xz.CWEs) != 1 || xz.CWEs[0] != "CWE-506" {
		t.Errorf("cwes = %v", xz.CWEs)
	}
	if xz.References[0].URL != "https://access.redhat.com/security/cve/CVE-2024-3094" {
		t.Errorf("references = %v", xz.References[0])
	}
}

func TestNVDGzipAndErrors(t *testing.T) {
	page := `{"resultsPerPage":1,"startIndex":0,"totalResults":1,"format":"NVD_CVE","version":"2.0","timestamp":"2023-07-28T05:46:22.353",
	"vulnerabilities":[{"cve":{"id":"CVE-2021-44228","published":"2021-12-10T10:15:09.143","lastModified":"2023-11-07T03:39:36.747",
	"descriptions":[{"lang":"en","value":"Apache Log4j2 JNDI"}],
	"metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H","baseScore":10.0,"baseSeverity":"CRITICAL"}}],
	 "cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:M/Au:N/C:C/I:C/A:C","baseScore":9.3},"baseSeverity":"HIGH"}]},
	"configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*","versionStartIncluding":"2.0.1","versionEndExcluding":"2.3.1","matchCriteriaId":"03FA5E81-F7B3-4E1D-9FD5-DB4F1C0A2A53"}]}]}]}}]}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(page))
	zw.Close()
	for name, input := range map[string][]byte{"plain": []byte(page), "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			d, err := NewNVDDecoder(bytes.NewReader(input))
			if err != nil {
				t.Fatal(err)
			}
			v, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Published.Format(time.RFC3339Nano); got != "2021-12-10T10:15:09.143Z" {
				t.Errorf("published = %s", got)
			}
			m := v.Configurations[0].Nodes[0].CPEMatch[0]
			if m.Criteria != "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*" || m.VersionStartIncluding != "2.0.1" || m.VersionEndExcluding != "2.3.1" {
				t.Errorf("cpeMatch = %+v", m)
			}
			if len(v.Metrics) != 2 || v.Metrics[0].BaseScore != 10 || v.Metrics[0].Type != "Primary" || v.Metrics[1].Severity != "HIGH" {
				t.Errorf("metrics = %+v", v.Metrics)
			}
			if _, err := d.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("second Next = %v, want EOF", err)
			}
		})
	}
	bad := map[string]string{
		"empty":      "",
		"text":       "hello",
		"array":      "[]",
		"truncated":  `{"vulnerabilities":[{"cve":{"id":"CVE-1"`,
		"no id":      `{"vulnerabilities":[{"cve":{}}]}`,
		"bad time":   `{"vulnerabilities":[{"cve":{"id":"CVE-1","published":"yesterday"}}]}`,
		"bad gzip":   "\x1f\x8b\x08garbage",
		"cpe format": `{"format":"NVD_CPE","products":[]}`,
	}
	for name, input := range bad {
		t.Run(name, func(t *testing.T) {
			d, err := NewNVDDecoder(strings.NewReader(input))
			if err == nil {
				_, err = d.Next()
			}
			if err == nil || errors.Is(err, io.EOF) {
				t.Fatalf("err = %v, want an error", err)
			}
		})
	}
}

func FuzzNVD(f *testing.F) {
	f.Add([]byte(`{"resultsPerPage":1,"vulnerabilities":[{"cve":{"id":"CVE-1","published":"2021-12-10T10:15:09.143"}}]}`))
	f.Add([]byte(`{"vulnerabilities":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewNVDDecoder(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i := 0; i < 1000; i++ {
			if _, err := d.Next(); err != nil {
				return
			}
		}
	})
}

func TestNVDRecordBound(t *testing.T) {
	huge := `{"vulnerabilities":[{"cve":{"id":"CVE-1","descriptions":[{"lang":"en","value":"` +
		strings.Repeat("a", maxNVDRecordBytes+64<<10) + `"}]}}]}`
	d, err := NewNVDDecoder(strings.NewReader(huge))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want the record bound", err)
	}
}

func TestNVDErrorIsSticky(t *testing.T) {
	d, err := NewNVDDecoder(strings.NewReader(`{"vulnerabilities":[{"cve":{}},{"cve":{"id":"CVE-2"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, first := d.Next()
	_, second := d.Next()
	if first == nil || second != first {
		t.Fatalf("first %v, second %v: want the same error twice", first, second)
	}
}

func TestNVDAndConfiguration(t *testing.T) {
	_, vulns := decodeAllNVD(t, dataPath(t, "nvd-go", "nvd-api", "testdata", "responses", "cves-CVE-2023-0001.json.gz"))
	v := vulns[0]
	if got := v.LastModified.Format(time.RFC3339Nano); got != "2023-02-18T20:41:02.46Z" {
		t.Errorf("lastModified = %s", got)
	}
	if len(v.CWEs) != 1 || v.CWEs[0] != "CWE-319" {
		t.Errorf("cwes = %v (the same CWE from two sources is kept once)", v.CWEs)
	}
	cfg := v.Configurations[0]
	if cfg.Operator != "AND" || len(cfg.Nodes) != 2 {
		t.Fatalf("configuration = %+v", cfg)
	}
	want := CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:paloaltonetworks:cortex_xdr_agent:*:*:*:*:critical_environment:*:*:*",
		VersionStartIncluding: "7.5", VersionEndExcluding: "7.5.101", MatchCriteriaID: "EC5B0E84-B9A5-4FE3-B2E5-A64AEF57BCF3"}
	if got := cfg.Nodes[0].CPEMatch[0]; got != want {
		t.Errorf("cpeMatch = %+v", got)
	}
	if platform := cfg.Nodes[1].CPEMatch[0]; platform.Vulnerable || platform.Criteria != "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*" {
		t.Errorf("platform = %+v", platform)
	}
	if m := v.Metrics[0]; m.Source != "nvd@nist.gov" || m.Type != "Primary" || m.BaseScore != 6.7 || m.Vector != "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H" {
		t.Errorf("metric = %+v", m)
	}
	if m := v.Metrics[1]; m.Source != "psirt@paloaltonetworks.com" || m.Type != "Secondary" {
		t.Errorf("secondary metric = %+v", m)
	}
}
