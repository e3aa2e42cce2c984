package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// dataDir is ../shared/data from the module root.
func dataDir(t testing.TB) string {
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
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("test data: %v", err)
	}
	return d
}

func exampleFiles(t testing.TB) []string {
	root := filepath.Join(dataDir(t), "stix", "cti-stix2-json-schemas", "examples")
	var files []string
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 8 {
		t.Fatalf("want 8 example files, found %d", len(files))
	}
	return files
}

// decodeAll reads every object of a file, failing on any error.
func decodeAll(t testing.TB, path string) []*Object {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := NewDecoder(f)
	var out []*Object
	for {
		o, err := d.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, o)
	}
}

// rawObjects is what encoding/json reads from a file, object by object.
func rawObjects(t testing.TB, path string) []any {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	switch x := v.(type) {
	case []any:
		return x
	case map[string]any:
		if objs, ok := x["objects"].([]any); ok && x["type"] == "bundle" {
			return objs
		}
		return []any{x}
	}
	t.Fatalf("%s: neither array nor object", path)
	return nil
}

// roundTrip checks that an object written back decodes to the same JSON
// value as the original (strings, timestamps included, compared as text).
func roundTrip(t *testing.T, o *Object, want any) {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: written JSON does not parse: %v", o.ID(), err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: round trip differs:\n got %s", o.ID(), b)
	}
}

func TestStixExamplesParseRoundTripValidate(t *testing.T) {
	n := 0
	for _, f := range exampleFiles(t) {
		objs := decodeAll(t, f)
		raws := rawObjects(t, f)
		if len(objs) != len(raws) {
			t.Fatalf("%s: %d objects decoded, %d in the file", f, len(objs), len(raws))
		}
		for i, o := range objs {
			roundTrip(t, o, raws[i])
			for _, p := range ValidateAt(o, i) {
				t.Errorf("%s: %v", filepath.Base(f), p)
			}
			n++
		}
	}
	if n != 260 {
		t.Errorf("%d objects, want 260", n)
	}
}

func TestStixSCOExamples(t *testing.T) {
	path := filepath.Join(dataDir(t), "stix", "cti-python-stix2", "sco-examples-bundle.json")
	objs := decodeAll(t, path)
	raws := rawObjects(t, path)
	if len(objs) != 82 || len(raws) != 82 {
		t.Fatalf("%d objects, want 82", len(objs))
	}
	bad := 0
	for i, o := range objs {
		roundTrip(t, o, raws[i])
		ps := ValidateAt(o, i)
		if o.Type() == "artifact" {
			bad++
			if len(ps) != 1 || ps[0].Code != CodePayloadBin || ps[0].Path != "payload_bin" {
				t.Errorf("artifact %s: want one sco.payload_bin problem, got %v", o.ID(), ps)
			}
			continue
		}
		for _, p := range ps {
			t.Errorf("%v", p)
		}
	}
	if bad != 3 {
		t.Errorf("%d artifacts, want 3", bad)
	}
}

func TestStixDeterministicIDVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(dataDir(t), "stix", "cti-python-stix2", "deterministic_id_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Object     json.RawMessage `json:"object"`
			ExpectedID string          `json:"expected_id"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) != 3 {
		t.Fatalf("%d vectors, want 3", len(file.Vectors))
	}
	for _, v := range file.Vectors {
		o, err := ParseObject(v.Object)
		if err != nil {
			t.Fatal(err)
		}
		id, err := DeterministicID(o)
		if err != nil {
			t.Fatal(err)
		}
		if id != v.ExpectedID {
			t.Errorf("%s: id %s, want %s", o.Type(), id, v.ExpectedID)
		}
		// NewSCO from the same properties gives the same id.
		props := map[string]any{}
		for _, name := range o.Names() {
			if name != "type" && name != "id" && name != "spec_version" {
				raw, _ := o.Get(name)
				props[name] = raw
			}
		}
		n, err := NewSCO(o.Type(), props)
		if err != nil {
			t.Fatal(err)
		}
		if n.ID() != v.ExpectedID {
			t.Errorf("NewSCO %s: id %s, want %s", o.Type(), n.ID(), v.ExpectedID)
		}
	}
}

func TestStixDeterministicIDUsesOneHash(t *testing.T) {
	a, _ := NewSCO("file", map[string]any{"hashes": map[string]string{"SHA-256": strings.Repeat("a", 64)}})
	// MD5 is chosen before SHA-256, so adding one changes the id …
	b, _ := NewSCO("file", map[string]any{"hashes": map[string]string{"SHA-256": strings.Repeat("a", 64), "MD5": strings.Repeat("b", 32)}})
	// … and adding a SHA-512 beside the SHA-256 does not.
	c, _ := NewSCO("file", map[string]any{"hashes": map[string]string{"SHA-256": strings.Repeat("a", 64), "SHA-512": strings.Repeat("c", 128)}})
	if a.ID() == b.ID() || a.ID() != c.ID() {
		t.Errorf("ids: %s %s %s", a.ID(), b.ID(), c.ID())
	}
	// A process has no contributing properties: random ids.
	p1, _ := NewSCO("process", map[string]any{"pid": 1})
	p2, _ := NewSCO("process", map[string]any{"pid": 1})
	if p1.ID() == p2.ID() {
		t.Error("process ids should be random")
	}
	if _, v, _ := parseID(p1.ID()); v != 4 {
		t.Errorf("process id version %d", v)
	}
}

func TestStixTimestampPrecisionKept(t *testing.T) {
	o, err := ParseObject([]byte(`{"type":"campaign","spec_version":"2.1","id":"campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.123456Z","name":"x","x_custom":{"a":[1,2.50,"\u00e9"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(o)
	for _, want := range []string{`"created":"2016-04-06T20:03:48.000Z"`, `"modified":"2016-04-06T20:03:48.123456Z"`, `"x_custom":{"a":[1,2.50,"\u00e9"]}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lost %s", b, want)
		}
	}
	c, _ := o.Created()
	m, _ := o.Modified()
	if c.Fraction() != 3 || m.Fraction() != 6 || m.Nanosecond() != 123456000 {
		t.Errorf("fractions %d %d %d", c.Fraction(), m.Fraction(), m.Nanosecond())
	}
}

func TestStixTimestamps(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2016-04-06T20:03:48.000Z", true},
		{"2016-04-06T20:03:48Z", true},
		{"2016-02-29T00:00:00Z", true},
		{"2016-12-31T23:59:60Z", true},
		{"2015-02-29T00:00:00Z", false},
		{"2016-02-30T00:00:00Z", false},
		{"2016-13-01T00:00:00Z", false},
		{"2016-04-31T00:00:00Z", false},
		{"2016-04-06T24:00:00Z", false},
		{"2016-04-06T20:03:48+09:00", false},
		{"2016-04-06T20:03:48.Z", false},
		{"2016-04-06 20:03:48Z", false},
		{"2016-04-06T20:03:48.1a2Z", false},
		{"", false},
	} {
		_, err := ParseTimestamp(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseTimestamp(%q): err %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestStixAccessors(t *testing.T) {
	path := filepath.Join(dataDir(t), "stix", "cti-stix2-json-schemas", "examples", "indicator-for-c2-ip-address.json")
	o := decodeAll(t, path)[0]
	if o.Type() != "indicator" || o.Pattern() != "[ipv4-addr:value = '10.0.0.0']" || o.PatternType() != "stix" ||
		o.Name() != "IP Address for known C2 channel" || !reflect.DeepEqual(o.IndicatorTypes(), []string{"malicious-activity"}) {
		t.Errorf("accessors: %q %q %q %v", o.Type(), o.Pattern(), o.Name(), o.IndicatorTypes())
	}
	vf, ok := o.ValidFrom()
	if !ok || vf.String() != "2014-05-08T09:00:00.000000Z" || o.Category() != SDO {
		t.Errorf("valid_from %v %v", vf, ok)
	}
	if err := o.Set("confidence", 80); err != nil {
		t.Fatal(err)
	}
	if c, ok := o.Confidence(); !ok || c != 80 {
		t.Errorf("confidence %d %v", c, ok)
	}
	if err := o.Set("x_bad", json.RawMessage(`{"a":`)); err == nil {
		t.Error("Set took broken JSON")
	}
	o.Delete("confidence")
	if o.Has("confidence") {
		t.Error("Delete left the property")
	}
}

func TestStixNewSDO(t *testing.T) {
	o, err := NewSDO("indicator", timeOf("2026-03-01T10:00:00.123456Z"), map[string]any{
		"pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix", "valid_from": NewTimestamp(timeOf("2026-03-01T10:00:00Z")),
		"object_marking_refs": []string{TLPAmber.MarkingID()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ps := Validate(o); len(ps) != 0 {
		t.Errorf("new indicator invalid: %v", ps)
	}
	if c, _ := o.Created(); c.String() != "2026-03-01T10:00:00.123Z" {
		t.Errorf("created %s", c)
	}
	if TLPOf(o) != TLPAmber {
		t.Errorf("TLP %v", TLPOf(o))
	}
	if _, err := NewSDO("ipv4-addr", timeOf("2026-03-01T10:00:00Z"), nil); err == nil {
		t.Error("NewSDO made an SCO")
	}
	r, err := NewRelationship("indicates", o.ID(), "malware--"+strings.Repeat("0", 8)+"-0000-4000-8000-000000000000", timeOf("2026-03-01T10:00:00Z"))
	if err != nil || len(Validate(r)) != 0 {
		t.Errorf("relationship: %v %v", err, Validate(r))
	}
}

func timeOf(s string) time.Time {
	ts, err := ParseTimestamp(s)
	if err != nil {
		panic(err)
	}
	return ts.Time
}

func TestStixObjectErrorsDoNotPanic(t *testing.T) {
	for _, in := range []string{``, `{`, `[`, `{"a":}`, `{"a":1,"a":2}`, `"x"`, `{"type":"x"}x`, "{\"a\":\"\xff\"}"} {
		_, err := ParseObject([]byte(in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseObject(%q): %v, want a syntax error", in, err)
		}
	}
}

func TestStixManyProperties(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"type":"x-many","id":"x-many--` + uuidA + `"`)
	for i := range 5000 {
		fmt.Fprintf(&b, `,"p_%d":%d`, i, i)
	}
	o, err := ParseObject([]byte(b.String() + "}"))
	if err != nil || len(o.Names()) != 5002 {
		t.Fatalf("%v", err)
	}
	if _, err := ParseObject([]byte(b.String() + `,"p_17":1}`)); err == nil || !strings.Contains(err.Error(), `"p_17" given twice`) {
		t.Errorf("duplicate among many: %v", err)
	}
}
