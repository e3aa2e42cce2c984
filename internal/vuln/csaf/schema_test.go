package csaf

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sharedCSAF returns the CSAF folder of ../shared/data, seen from the
// module root.
func sharedCSAF(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
	spec := filepath.Join(dir, "..", "shared", "data", "vuln", "csaf")
	if _, err := os.Stat(spec); err != nil {
		t.Fatalf("the shared CSAF data is missing: %v", err)
	}
	return spec
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// csafSchema compiles csaf_json_schema.json with FIRST's CVSS schemas from
// the shared folder, registered under the URLs the CSAF schema refers to
// (their own $id carries a "?20211103" the reference lacks), with formats
// (uri, date-time) asserted. Nothing is fetched.
func csafSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	dir := sharedCSAF(t)
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		c.UseLoader(noNetwork{})
		add := func(file, url string) error {
			data, err := os.ReadFile(filepath.Join(dir, "csaf_2.0", file))
			if err != nil {
				return err
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				return err
			}
			if m, ok := doc.(map[string]any); ok {
				m["$id"] = url
			}
			return c.AddResource(url, doc)
		}
		for _, v := range []string{"v2.0", "v3.0", "v3.1"} {
			if schemaErr = add("referenced_schema/first/cvss-"+v+".json", "https://www.first.org/cvss/cvss-"+v+".json"); schemaErr != nil {
				return
			}
		}
		const id = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
		if schemaErr = add("json_schema/csaf_json_schema.json", id); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile(id)
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schema
}

// noNetwork refuses every URL not added as a resource.
type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) { return nil, os.ErrNotExist }

// schemaValidate checks JSON against the CSAF schema.
func schemaValidate(t testing.TB, data []byte) error {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return csafSchema(t).Validate(doc)
}

// examples returns the 19 example advisories of the specification.
func examples(t testing.TB) []string {
	t.Helper()
	dir := filepath.Join(sharedCSAF(t), "csaf_2.0", "examples", "csaf")
	top, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	vex, _ := filepath.Glob(filepath.Join(dir, "csaf_vex", "*.json"))
	files := append(top, vex...)
	if len(files) != 19 {
		t.Fatalf("%d example advisories, want 19", len(files))
	}
	return files
}

// The schema set-up is not a rubber stamp: a broken document fails it.
func TestSchemaRefuses(t *testing.T) {
	data, err := os.ReadFile(examples(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := schemaValidate(t, data); err != nil {
		t.Fatalf("the example fails: %v", err)
	}
	for name, broken := range map[string][]byte{
		"bad date":   bytes.Replace(data, []byte(`"current_release_date": "`), []byte(`"current_release_date": "x`), 1),
		"no title":   bytes.Replace(data, []byte(`"title"`), []byte(`"titel"`), 1),
		"bad status": bytes.Replace(data, []byte(`"status": "final"`), []byte(`"status": "done"`), 1),
	} {
		if bytes.Equal(broken, data) {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if schemaValidate(t, broken) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
