package csaf

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Each example advisory of the specification passes the schema and every
// implemented mandatory test, and reads and writes back unchanged: every
// property of the schema has a field, so the whole document is the subset
// compared.
func TestExamples(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemaValidate(t, data); err != nil {
				t.Fatalf("schema: %v", err)
			}
			for _, p := range Validate(data) {
				t.Errorf("problem: %s", p)
			}
			d, err := Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("round trip differs: %s", firstDifference("", want, got))
			}
		})
	}
}

// firstDifference names the first JSON Pointer where two decoded JSON
// values differ.
func firstDifference(path string, a, b any) string {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			return path + ": not an object"
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok {
				return path + "/" + k + ": lost"
			}
			if !reflect.DeepEqual(v, w) {
				return firstDifference(path+"/"+k, v, w)
			}
		}
		for k := range bm {
			if _, ok := a[k]; !ok {
				return path + "/" + k + ": added"
			}
		}
	case []any:
		bs, ok := b.([]any)
		if !ok || len(bs) != len(a) {
			return path + ": array length differs"
		}
		for i := range a {
			if !reflect.DeepEqual(a[i], bs[i]) {
				return firstDifference(path+"/"+strconv.Itoa(i), a[i], bs[i])
			}
		}
	}
	return path + ": differs"
}
