package misp

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzEvent feeds any bytes to the reader. It must not panic; what it
// reads must validate and map without panicking, and an event written
// out must read back to the same attributes.
func FuzzEvent(f *testing.F) {
	for _, tc := range eventFiles {
		f.Add(readData(f, tc.file))
	}
	stix, _ := filepath.Glob(filepath.Join(sharedData(f), "misp-stix", "tests", "*.json"))
	for _, p := range stix {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(generated(2, 3)))
	f.Add([]byte(`[{"info":"x","Attribute":[{"type":"domain|ip","category":"Network activity","value":"a.example|192.0.2.1","to_ids":"1","first_seen":"2020-01-01T00:00:00Z"}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := Parse(data)
		if err != nil {
			var p *Problem
			if errors.As(err, &p) && p.Error() == "" {
				t.Fatal("empty message")
			}
		}
		for _, e := range events {
			Validate(e)
			e.Entries()
			b, err := Marshal(e)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			back, err := ParseEvent(b)
			if err != nil {
				// An event with no field of an event ({"Event": {}}) writes as
				// one; anything else must read back.
				if !strings.Contains(err.Error(), "not a MISP event") {
					t.Fatalf("re-import of %s: %v", b, err)
				}
				continue
			}
			if got, want := attrKeys(back), attrKeys(e); !slices.Equal(got, want) {
				t.Fatalf("round trip changed attributes:\n%v\n%v", got, want)
			}
		}
	})
}

// FuzzCSV reads any bytes as feeds of several definitions; it must not
// panic, must end, and every record must have its value column filled.
func FuzzCSV(f *testing.F) {
	for _, p := range []string{"testdata/urlhaus-like.csv", "testdata/ip-list.txt"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(readData(f, "PyMISP/tests/csv_testfiles/valid_fieldnames.csv"))
	f.Add(readData(f, "PyMISP/tests/csv_testfiles/invalid_fieldnames.csv"))
	f.Add([]byte("type,value\nip-dst|port,\"192.0.2.1|80\"\n\"unterminated\n"))
	feeds := []Feed{
		{Value: 3, Type: "url", FirstSeen: 2, CommentCol: 6, Tags: 7},
		{Value: 1, Type: "ip-src"},
		{Header: true, Value: 2, TypeColumn: 1, FirstSeen: 3, Delimiter: ';'},
		{Value: 1, Type: "domain|ip", Delimiter: '\t', Comment: NoComment},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fd := range feeds {
			r := NewCSVReader(bytes.NewReader(data), fd)
			for n := 0; ; n++ {
				if n > len(data)+2 {
					t.Fatal("the reader does not end")
				}
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					var p *Problem
					if !errors.As(err, &p) || p.Line <= 0 && p.Code != CodeCSVConfig {
						t.Fatalf("line-less error %v", err)
					}
					continue
				}
				if rec.Value == "" || rec.Line <= 0 || !KnownType(rec.Type) {
					t.Fatalf("record %+v", rec)
				}
				Observables(rec.Type, rec.Value)
			}
		}
	})
}

// BenchmarkImportEvent measures parse + validate + map of a restSearch
// response, in attributes per second.
func BenchmarkImportEvent(b *testing.B) {
	const events, attrs = 200, 50
	data := []byte(generated(events, attrs))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data))
		n := 0
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if ps := Validate(e); ps != nil {
				b.Fatal(ps)
			}
			for _, en := range e.Entries() {
				n += len(en.Observables)
			}
		}
		if n != events*attrs {
			b.Fatalf("%d observables", n)
		}
	}
	b.ReportMetric(float64(events*attrs)*float64(b.N)/b.Elapsed().Seconds(), "attributes/s")
}

// BenchmarkImportRealEvent does the same for PyMISP's largest test event (objects, galaxies, tags).
func BenchmarkImportRealEvent(b *testing.B) {
	data := readData(b, "PyMISP/tests/mispevent_testfiles/existing_event.json")
	b.SetBytes(int64(len(data)))
	attrs := 0
	for b.Loop() {
		e, err := ParseEvent(data)
		if err != nil {
			b.Fatal(err)
		}
		Validate(e)
		attrs = len(e.Entries())
	}
	b.ReportMetric(float64(attrs)*float64(b.N)/b.Elapsed().Seconds(), "attributes/s")
}
