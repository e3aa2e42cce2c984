package feed

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestKEVJSONAndCSVIdentical(t *testing.T) {
	dir := dataPath(t, "kev-data")
	jf, err := os.Open(filepath.Join(dir, "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer jf.Close()
	cat, fromJSON, err := ReadKEVJSON(jf)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := os.Open(filepath.Join(dir, "known_exploited_vulnerabilities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	fromCSV, err := ReadKEVCSV(cf)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromJSON) != 1404 || len(fromCSV) != 1404 || cat.Count != 1404 {
		t.Fatalf("entries: json %d, csv %d, catalog count %d; want 1404", len(fromJSON), len(fromCSV), cat.Count)
	}
	if cat.CatalogVersion != "2025.08.25" || cat.DateReleased.Year() != 2025 {
		t.Errorf("catalog = %+v", cat)
	}
	for i := range fromJSON {
		if !reflect.DeepEqual(fromJSON[i], fromCSV[i]) {
			t.Errorf("entry %d differs:\njson %+v\ncsv  %+v", i, fromJSON[i], fromCSV[i])
		}
	}
	first := fromJSON[0]
	if first.CVEID != "CVE-2025-48384" || first.DueDate.Format("2006-01-02") != "2025-09-15" ||
		!reflect.DeepEqual(first.CWEs, []string{"CWE-59", "CWE-436"}) {
		t.Errorf("first = %+v", first)
	}
}

func TestKEVCSVErrors(t *testing.T) {
	header := strings.Join(kevColumns, ",") + "\n"
	good := "CVE-2025-1,V,P,N,2025-08-25,D,A,2025-09-15,Unknown,,CWE-79\n"
	bad := map[string]string{
		"no header":      "",
		"missing column": "cveID,product\nCVE-1,P\n",
		"short row":      header + good + "CVE-2025-2,V\n",
		"bad date":       header + "CVE-2025-1,V,P,N,25/08/2025,D,A,2025-09-15,Unknown,,\n",
		"no id":          header + ",V,P,N,2025-08-25,D,A,2025-09-15,Unknown,,\n",
		"bad quote":      header + `CVE-2025-1,"V,P` + "\n",
	}
	for name, input := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadKEVCSV(strings.NewReader(input)); err == nil {
				t.Fatal("want an error")
			} else {
				t.Log(err)
			}
		})
	}
	entries, err := ReadKEVCSV(strings.NewReader(header + good))
	if err != nil || len(entries) != 1 || entries[0].CWEs[0] != "CWE-79" {
		t.Fatalf("good = %+v, %v", entries, err)
	}
}

func FuzzKEVCSV(f *testing.F) {
	f.Add(strings.Join(kevColumns, ",") + "\nCVE-2025-1,V,P,N,2025-08-25,D,A,2025-09-15,Unknown,,CWE-79\n")
	f.Fuzz(func(t *testing.T, input string) {
		entries, err := ReadKEVCSV(strings.NewReader(input))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.CVEID == "" || e.DateAdded.IsZero() {
				t.Fatalf("accepted an incomplete entry %+v", e)
			}
		}
	})
}
