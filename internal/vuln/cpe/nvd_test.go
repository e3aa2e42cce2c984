package cpe

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"
)

// TestNVDDictionary reads 10,000 names of NVD's CPE dictionary (an API 2.0
// page): every one must parse, bind back to the same string, and survive
// the URI binding.
func TestNVDDictionary(t *testing.T) {
	f, err := os.Open("../../../../shared/data/vuln/nvd-go/nvd-api/testdata/responses/cpes-2023.json.gz")
	if err != nil {
		t.Skipf("NVD dictionary page not found: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Products []struct {
			CPE struct {
				Name string `json:"cpeName"`
			} `json:"cpe"`
		} `json:"products"`
	}
	if err := json.NewDecoder(zr).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if len(page.Products) != 10000 {
		t.Fatalf("read %d names, want 10000", len(page.Products))
	}
	for _, p := range page.Products {
		s := p.CPE.Name
		n, err := ParseFS(s)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if got := n.FS(); got != s {
			t.Errorf("%s binds back as %s", s, got)
		}
		u, err := ParseURI(n.URI())
		if err != nil || Compare(u, n) != Equal {
			t.Errorf("%s: URI %s reads back as %s, %v", s, n.URI(), u.FS(), err)
		}
	}
}
