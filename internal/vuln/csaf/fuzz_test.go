package csaf

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzValidate holds Validate to any input: no panic, and a problem always
// names its test. The seeds are small documents, so that coverage-guided
// fuzzing stays fast.
func FuzzValidate(f *testing.F) {
	d, err := Build(advisory())
	if err != nil {
		f.Fatal(err)
	}
	small, _ := json.Marshal(d)
	f.Add(small)
	for _, s := range []string{
		``,
		`{}`,
		`{"document":{"category":"csaf_vex","tracking":{"version":"1.0.0-rc.1","status":"final","revision_history":[{"number":"0.1.0","date":"x"},{"number":"1","date":"2022-01-01T00:00:00Z"}]}}}`,
		`{"product_tree":{"relationships":[{"full_product_name":{"product_id":"a"},"product_reference":"b","relates_to_product_reference":"a"},{"full_product_name":{"product_id":"b"},"product_reference":"a","relates_to_product_reference":"c"}]}}`,
		`{"vulnerabilities":[{"scores":[{"products":["a"],"cvss_v3":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F","baseScore":9.8,"baseSeverity":"CRITICAL","temporalScore":9.5,"attackVector":"LOCAL"}},{"products":["a"],"cvss_v2":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P","baseScore":7.5,"exploitability":"HIGH"}}],"product_status":{"fixed":["a"],"known_affected":["a"]},"cwe":{"id":"CWE-1","name":""}}]}`,
		`{"product_tree":{"full_product_names":[{"name":"n","product_id":"a","product_identification_helper":{"purl":"pkg:a/b@1?c=d&c=e#f"}}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range Validate(data) {
			if p.Test == "" || p.Message == "" {
				t.Fatalf("problem without a test or message: %+v", p)
			}
			if p.Test != "json" && !strings.HasPrefix(p.Path, "/") {
				t.Fatalf("problem without a JSON Pointer: %+v", p)
			}
		}
	})
}
