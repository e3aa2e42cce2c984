package xarf

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sharedXARF returns the X-ARF v4 specification folder in ../shared/data,
// seen from the module root.
func sharedXARF(t testing.TB) string {
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
	spec := filepath.Join(dir, "..", "shared", "data", "xarf", "xarf-spec-v4")
	if _, err := os.Stat(spec); err != nil {
		t.Fatalf("the shared X-ARF data is missing: %v", err)
	}
	return spec
}

var (
	masterOnce sync.Once
	master     *jsonschema.Schema
	masterErr  error
)

// masterSchema compiles xarf-v4-master.json with every schema it refers
// to, each registered under its own $id, with formats (email, uuid,
// date-time, hostname, uri) asserted rather than only noted.
func masterSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	spec := sharedXARF(t)
	masterOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		files, _ := filepath.Glob(filepath.Join(spec, "schemas", "v4", "*.json"))
		types, _ := filepath.Glob(filepath.Join(spec, "schemas", "v4", "types", "*.json"))
		for _, f := range append(files, types...) {
			data, err := os.ReadFile(f)
			if err != nil {
				masterErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				masterErr = err
				return
			}
			id, _ := doc.(map[string]any)["$id"].(string)
			if id == "" {
				masterErr = os.ErrInvalid
				return
			}
			if err := c.AddResource(id, doc); err != nil {
				masterErr = err
				return
			}
		}
		master, masterErr = c.Compile("https://xarf.org/schemas/v4/xarf-v4-master.json")
	})
	if masterErr != nil {
		t.Fatal(masterErr)
	}
	return master
}

func validate(t testing.TB, data []byte) error {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return masterSchema(t).Validate(doc)
}

// All 32 samples of the specification validate: this proves the validator
// set-up (every schema found, formats asserted) before koban's own output
// is held to it.
func TestSamplesValidate(t *testing.T) {
	samples, _ := filepath.Glob(filepath.Join(sharedXARF(t), "samples", "v4", "*.json"))
	if len(samples) != 32 {
		t.Fatalf("%d samples, want 32", len(samples))
	}
	for _, f := range samples {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, data); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The validator is not a rubber stamp: broken samples fail.
func TestValidatorRefuses(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedXARF(t), "samples", "v4", "content-phishing.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(m map[string]any){
		"no url":         func(m map[string]any) { delete(m, "url") },
		"bad email":      func(m map[string]any) { m["reporter"].(map[string]any)["contact"] = "not-an-address" },
		"bad uuid":       func(m map[string]any) { m["report_id"] = "1234" },
		"bad time":       func(m map[string]any) { m["timestamp"] = "yesterday" },
		"unknown type":   func(m map[string]any) { m["type"] = "defamation" },
		"reporter extra": func(m map[string]any) { m["reporter"].(map[string]any)["phone"] = "110" },
		"evidence no payload": func(m map[string]any) {
			delete(m["evidence"].([]any)[0].(map[string]any), "payload")
		},
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			json.Unmarshal(data, &m)
			change(m)
			out, _ := json.Marshal(m)
			if err := validate(t, out); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	_ = sort.Strings
}
