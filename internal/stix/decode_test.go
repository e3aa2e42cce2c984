package stix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

func indicatorJSON(i int) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","name":"indicator %d","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2016-04-06T20:03:48Z","indicator_types":["malicious-activity"],"object_marking_refs":["%s"]}`,
		i, i, i>>16&255, i>>8&255, i&255, TLP2Amber)
}

func readAll(d *Decoder) (objs []*Object, errs []error, fatal error) {
	for {
		o, err := d.Next()
		var oe *ObjectError
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &oe):
			errs = append(errs, err)
		case err != nil:
			return objs, errs, err
		default:
			objs = append(objs, o)
		}
	}
}

func TestStixDecoderShapes(t *testing.T) {
	a, b := indicatorJSON(1), indicatorJSON(2)
	for _, tc := range []struct {
		name, in string
		n        int
		bundle   string
	}{
		{"bundle", `{"type":"bundle","id":"bundle--` + uuidA + `","objects":[` + a + `,` + b + `]}`, 2, "bundle--" + uuidA},
		{"objects first", `{"objects":[` + a + `,` + b + `],"id":"bundle--` + uuidA + `","type":"bundle"}`, 2, "bundle--" + uuidA},
		{"array", "\n[ " + a + " ,\n " + b + " ]\n", 2, ""},
		{"single object", a, 1, ""},
		{"observed-data is not a bundle", bases["observed"], 1, ""},
		{"empty bundle", `{"type":"bundle","id":"bundle--` + uuidA + `"}`, 0, "bundle--" + uuidA},
		{"byte order mark", "\xEF\xBB\xBF[" + a + "]", 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(strings.NewReader(tc.in))
			objs, errs, fatal := readAll(d)
			if fatal != nil || len(errs) != 0 || len(objs) != tc.n {
				t.Fatalf("%d objects, errors %v, fatal %v", len(objs), errs, fatal)
			}
			if d.BundleID() != tc.bundle {
				t.Errorf("bundle id %q", d.BundleID())
			}
			for _, o := range objs {
				if len(Validate(o)) != 0 {
					t.Errorf("%v", Validate(o))
				}
			}
		})
	}
}

func TestStixDecoderBrokenObjectInTheMiddle(t *testing.T) {
	broken := `{"type":"indicator","name":"x" "pattern":1}`
	in := `{"type":"bundle","id":"bundle--` + uuidA + `","objects":[` + indicatorJSON(0) + `,` + broken + `,` + `"not an object"` + `,` + indicatorJSON(3) + `]}`
	d := NewDecoder(strings.NewReader(in))
	objs, errs, fatal := readAll(d)
	if fatal != nil || len(objs) != 2 || len(errs) != 2 {
		t.Fatalf("objects %d, errors %v, fatal %v", len(objs), errs, fatal)
	}
	var oe *ObjectError
	errors.As(errs[0], &oe)
	var se *SyntaxError
	if oe.Index != 1 || oe.Offset != int64(strings.Index(in, broken)) || !errors.As(oe, &se) || se.Offset != int64(strings.Index(in, `"pattern":1`)) {
		t.Errorf("error %v (index %d, offset %d)", oe, oe.Index, oe.Offset)
	}
	errors.As(errs[1], &oe)
	if oe.Index != 2 {
		t.Errorf("second error at %d", oe.Index)
	}
	if objs[1].Name() != "indicator 3" {
		t.Errorf("after the broken ones: %s", objs[1].Name())
	}
}

func TestStixDecoderFatal(t *testing.T) {
	for _, in := range []string{``, `   `, `42`, `[` + indicatorJSON(0), `[` + indicatorJSON(0) + ` ` + indicatorJSON(1) + `]`, `[{"a":"b"}] x`,
		`{"objects":[],"type":"report"}`, `{"type":"bundle","id":1 2}`, `{"type":"bundle","objects":[{"a":1}`} {
		d := NewDecoder(strings.NewReader(in))
		_, _, fatal := readAll(d)
		if fatal == nil {
			t.Errorf("%q: no error", in)
		}
		if _, err := d.Next(); err != fatal {
			t.Errorf("%q: error not sticky: %v", in, err)
		}
	}
}

func TestStixDecoderMaxObjectBytes(t *testing.T) {
	d := NewDecoder(strings.NewReader(`[` + indicatorJSON(0) + `,{"type":"x","pad":"` + strings.Repeat("a", 1<<20) + `"}]`))
	d.MaxObjectBytes = 64 << 10
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("got %v", err)
	}
}

// bundleReader generates a bundle of n indicators as it is read, so the
// test itself holds no more of it than the decoder.
type bundleReader struct {
	n, i int
	buf  []byte
	done bool
}

func (r *bundleReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		switch {
		case r.done:
			return 0, io.EOF
		case r.i == 0:
			r.buf = append(r.buf, `{"type":"bundle","id":"bundle--`+uuidA+`","objects":[`...)
		case r.i > r.n:
			r.buf, r.done = append(r.buf, "]}"...), true
		default:
			if r.i > 1 {
				r.buf = append(r.buf, ",\n"...)
			}
			if r.i == r.n/2 {
				r.buf = append(r.buf, `{"type":"indicator","id":}`...)
			} else {
				r.buf = append(r.buf, indicatorJSON(r.i)...)
			}
		}
		r.i++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// A ~200 MB bundle goes through with a heap that stays a few megabytes: the
// decoder never holds more than one object and its buffer.
func TestStixDecoderLargeBundleBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large bundle")
	}
	const n = 500_000 // about 200 MB of JSON
	d := NewDecoder(&bundleReader{n: n})
	var peak uint64
	var ms runtime.MemStats
	count, bad := 0, 0
	for {
		o, err := d.Next()
		if err == io.EOF {
			break
		}
		var oe *ObjectError
		if errors.As(err, &oe) {
			bad++
			if oe.Index != n/2-1 {
				t.Errorf("broken object at %d, want %d", oe.Index, n/2-1)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if o.Type() != "indicator" {
			t.Fatalf("object %d: %s", count, o.Type())
		}
		count++
		if count%50_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if count != n-1 || bad != 1 {
		t.Errorf("%d objects and %d broken, want %d and 1", count, bad, n-1)
	}
	if peak > 32<<20 {
		t.Errorf("heap in use reached %d MB while decoding", peak>>20)
	}
}

func TestStixEncoderRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	e := NewEncoder(&buf, "")
	for i := range 3 {
		o, err := ParseObject([]byte(indicatorJSON(i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Encode(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(&buf)
	objs, errs, fatal := readAll(d)
	if len(objs) != 3 || errs != nil || fatal != nil || d.BundleID() != e.ID() || TypeOfID(e.ID()) != "bundle" {
		t.Fatalf("%d objects, %v %v, id %s vs %s", len(objs), errs, fatal, d.BundleID(), e.ID())
	}
	if got := string(objs[2].AppendJSON(nil)); got != indicatorJSON(2) {
		t.Errorf("object changed:\n%s\n%s", got, indicatorJSON(2))
	}
	var empty bytes.Buffer
	e = NewEncoder(&empty, "bundle--"+uuidA)
	e.Close()
	if empty.String() != `{"type":"bundle","id":"bundle--`+uuidA+`"}`+"\n" {
		t.Errorf("empty bundle: %s", empty.String())
	}
}

// BenchmarkDecodeIndicators decodes and validates a generated bundle of
// indicators.
func BenchmarkDecodeIndicators(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"type":"bundle","id":"bundle--` + uuidA + `","objects":[`)
	const n = 10_000
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(indicatorJSON(i))
	}
	buf.WriteString("]}")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		d := NewDecoder(bytes.NewReader(data))
		for {
			o, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if ps := Validate(o); len(ps) != 0 {
				b.Fatal(ps)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "objects/s")
}
