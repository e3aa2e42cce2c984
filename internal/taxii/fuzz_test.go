package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// responses returns the upstream client's canned bodies.
func responses(f *testing.F) map[string][]byte {
	dir, err := os.Getwd()
	if err != nil {
		f.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "..", "shared", "data", "taxii", "cti-taxii-client", "extracted", "responses_v21", "*.json"))
	if err != nil || len(files) < 10 {
		f.Fatalf("canned responses: %d, %v", len(files), err)
	}
	out := map[string][]byte{}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// FuzzEnvelope feeds the server's envelope reader and object checks: no
// panic, every object handed on is valid JSON, and an object that passes
// the checks has an id that starts with its type.
func FuzzEnvelope(f *testing.F) {
	for _, b := range responses(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"objects":[{"type":"x","id":"x--1"}],"more":true,"next":"a","objects":[]}`))
	f.Add([]byte(`{"objects":[[[[[[[[[[]]]]]]]]]]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n := 0
		_, _, err := ReadEnvelope(bytes.NewReader(body), func(raw json.RawMessage) error {
			n++
			if !json.Valid(raw) {
				t.Fatalf("object %d handed on is not JSON: %q", n, raw)
			}
			o, err := ParseObject(raw)
			if err == nil && !strings.HasPrefix(o.ID, o.Type+"--") {
				t.Fatalf("accepted %q of type %q", o.ID, o.Type)
			}
			var oe *ObjectError
			if err != nil && !errors.As(err, &oe) {
				t.Fatalf("ParseObject error %T", err)
			}
			return nil
		})
		var ee *EnvelopeError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("ReadEnvelope error %T: %v", err, err)
		}
		if err == nil && !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
	})
}

// FuzzParseQuery feeds the server's parameter parser with raw query
// strings: no panic, errors are *ParamError, and what it reads survives
// being written and read again.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"match[type]=indicator,malware&added_after=2010-09-08T07:06:05Z",
		"match[version]=2010-09-08T07:06:05Z,last&limit=25",
		"match[id]=indicator--252c7c11-daf2-42bd-843b-be65edca9f61&match[spec_version]=2.1",
		"next=abc&limit=0", "match[version]=first,all", "added_after=2016-11-04T03:04:051Z",
		"match[foo]=bar,baz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T", err)
			}
			return
		}
		again, err := ParseQuery(q.Values())
		if err != nil {
			t.Fatalf("%q: written %q, read again: %v", raw, q.Values().Encode(), err)
		}
		if again.Values().Encode() != q.Values().Encode() || !again.AddedAfter.Equal(q.AddedAfter) {
			t.Fatalf("%q: %q then %q", raw, q.Values().Encode(), again.Values().Encode())
		}
	})
}

// FuzzClientResponse feeds the client's resource decoding with bodies:
// no panic, errors are *ProtocolError, and a decoded status or collection
// has its required properties.
func FuzzClientResponse(f *testing.F) {
	for _, b := range responses(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(err error) {
			var pe *ProtocolError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("error %T: %v", err, err)
			}
		}
		var st Status
		err := decodeResource("u", "Status", body, &st, statusRequired...)
		check(err)
		var col Collection
		check(decodeResource("u", "Collection", body, &col, collectionRequired...))
		var d Discovery
		check(decodeResource("u", "Server Discovery", body, &d, "title"))
		var root APIRoot
		check(decodeResource("u", "API Root", body, &root, "title", "versions", "max_content_length"))
		var man struct {
			More    bool             `json:"more"`
			Objects []ManifestRecord `json:"objects"`
		}
		check(decodeResource("u", "Manifest", body, &man))
		for k := range d.Extra {
			if k == "title" || k == "api_roots" {
				t.Fatalf("known property %q in Extra", k)
			}
		}
	})
}
