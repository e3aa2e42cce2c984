package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readCVE5File(t *testing.T, path string) (Vuln, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ReadCVE5(f)
}

func TestCVE5OSVFiles(t *testing.T) {
	root := dataPath(t, "osv.dev", "vulnfeeds", "test_data")
	files, _ := filepath.Glob(filepath.Join(root, "cve5", "*.json"))
	listed, _ := filepath.Glob(filepath.Join(root, "cvelistV5", "cves", "*", "*", "*.json"))
	files = append(files, listed...)
	if len(files) != 24 {
		t.Fatalf("files = %d, want 24", len(files))
	}
	for _, path := range files {
		v, err := readCVE5File(t, path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if want := strings.TrimSuffix(filepath.Base(path), ".json"); v.ID != want || v.Source != SourceCVE5 || v.Published.IsZero() {
			t.Errorf("%s: id %s, source %s, published %v", path, v.ID, v.Source, v.Published)
		}
		if v.Status == "PUBLISHED" && (len(v.Affected) == 0 || len(v.Descriptions) == 0) {
			t.Errorf("%s: no affected products or descriptions", path)
		}
	}

	log4j, err := readCVE5File(t, filepath.Join(root, "cvelistV5", "cves", "2021", "44xxx", "CVE-2021-44228.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !log4j.Published.Equal(time.Date(2021, 12, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("published = %v", log4j.Published)
	}
	a := log4j.Affected[0]
	if a.Vendor != "Apache Software Foundation" || a.Product != "Apache Log4j2" ||
		a.Versions[0] != (AffectedVersion{Version: "2.0-beta9", Status: "affected", LessThan: "log4j-core*", VersionType: "custom"}) {
		t.Errorf("affected = %+v", a)
	}
	if log4j.CWEs[0] != "CWE-502" {
		t.Errorf("cwes = %v", log4j.CWEs)
	}

	xz, err := readCVE5File(t, filepath.Join(root, "cve5", "CVE-2024-3094.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(xz.Metrics) != 1 || xz.Metrics[0].Type != "cna" || xz.Metrics[0].Source != "redhat" || xz.Metrics[0].BaseScore != 10 {
		t.Errorf("xz metrics = %+v", xz.Metrics)
	}
	// Log4Shell's CVSS comes only from CISA's ADP container.
	if len(log4j.Metrics) != 1 || log4j.Metrics[0].Type != "adp" || log4j.Metrics[0].Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" {
		t.Errorf("log4j metrics = %+v", log4j.Metrics)
	}
}

func TestCVE5ServicesFixtures(t *testing.T) {
	dir := dataPath(t, "cve-services", "test-http", "src", "test", "cve_tests", "cve_record_fixtures")
	tests := map[string]string{ // file → state, or "" when it is no record
		"CVE-2021-0005_published.json": "PUBLISHED",
		"CVE-2021-0004_published.json": "PUBLISHED",
		"CVE-2000-0008_published.json": "PUBLISHED",
		"CVE-2009-0009_rejected.json":  "REJECTED",
		"rejectBody.json":              "",
	}
	for name, state := range tests {
		t.Run(name, func(t *testing.T) {
			v, err := readCVE5File(t, filepath.Join(dir, name))
			if state == "" {
				if err == nil {
					t.Fatalf("want an error, got %+v", v)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != state || len(v.Descriptions) == 0 {
				t.Errorf("record = %+v", v)
			}
		})
	}
	example := dataPath(t, "cve-services", "schemas", "cve", "published-cve-example.json")
	// The schema's example is a template ("dataType": "string"), not a record.
	if _, err := readCVE5File(t, example); err == nil {
		t.Error("published-cve-example.json: want an error for its placeholder dataType")
	}
}

func FuzzCVE5(f *testing.F) {
	f.Add([]byte(`{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-1","state":"PUBLISHED","datePublished":"2021-12-10T00:00:00.000Z"},"containers":{"cna":{"metrics":[{"cvssV3_1":{"version":"3.1","vectorString":"CVSS:3.1/AV:N","baseScore":10}}],"affected":[{"vendor":"v","versions":[{"version":"1","status":"affected"}]}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ReadCVE5(strings.NewReader(string(data)))
		if err == nil && v.ID == "" {
			t.Fatal("accepted a record without an id")
		}
	})
}
