package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func seedExamples(f *testing.F) {
	for _, p := range exampleFiles(f) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	b, err := os.ReadFile(filepath.Join(dataDir(f), "stix", "cti-python-stix2", "sco-examples-bundle.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"objects":[{"type":"x"},1,{"a":]],"type":"bundle"}`))
}

// FuzzDecode: any input decodes without panicking, every object read
// writes back to JSON that parses to the same object, and every error
// either lets the decoder go on or stops it for good.
func FuzzDecode(f *testing.F) {
	seedExamples(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bytes.NewReader(data))
		for range 10_000 {
			o, err := d.Next()
			if err == io.EOF {
				return
			}
			var oe *ObjectError
			if errors.As(err, &oe) {
				continue
			}
			if err != nil {
				if _, again := d.Next(); again != err {
					t.Fatalf("error not sticky: %v then %v", err, again)
				}
				return
			}
			b := o.AppendJSON(nil)
			if !json.Valid(b) {
				t.Fatalf("wrote invalid JSON %q", b)
			}
			o2, err := ParseObject(b)
			if err != nil || !bytes.Equal(o2.AppendJSON(nil), b) {
				t.Fatalf("round trip: %v", err)
			}
			Validate(o)
		}
	})
}

// FuzzValidate: validating any object never panics, and every problem has
// a known code and a message without an unfilled placeholder.
func FuzzValidate(f *testing.F) {
	for _, p := range exampleFiles(f) {
		for _, o := range decodeAll(f, p) {
			f.Add(o.AppendJSON(nil))
		}
	}
	for _, s := range bases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseObject(data)
		if err != nil {
			return
		}
		for _, p := range Validate(o) {
			if Template(p.Code) == "" {
				t.Fatalf("unknown code %q", p.Code)
			}
			if len(p.Args)%2 != 0 {
				t.Fatalf("odd args %v", p.Args)
			}
		}
		if o.Category() == SCO {
			DeterministicID(o)
		}
		TLPOf(o)
		MarkingLevel(o)
	})
}
