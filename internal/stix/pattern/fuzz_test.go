package pattern

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

// badSeeds are malformed patterns of the kinds TestBadPatterns checks.
var badSeeds = []string{
	"", "[", "[file:", "[file:size = ]", "[file:name = 'a", `[file:name = 'a\n']`, "[x-a:d = t'2021-02-30T00:00:00Z']",
	"[artifact:payload_bin = b'====']", "[a-b:a = 1] WITHIN 0 SECONDS", "([a-b:a = 1] REPEATS 2 TIMES REPEATS 3 TIMES)",
	"[file:name = 'a' AND url:value = 'b']", "[file:name MATCHES '(?<=a)b']", "[file:a = 1] /* open",
}

func FuzzParse(f *testing.F) {
	for _, s := range specExamples(f) {
		f.Add(s)
	}
	for _, s := range badSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) returned %T, not *Error", src, err)
			}
			if pe.Offset < 0 || pe.Offset > len(src) || (pe.Column != 0 && pe.Column != columnOf(src, pe.Offset)) {
				t.Fatalf("Parse(%q): offset %d column %d", src, pe.Offset, pe.Column)
			}
			_ = pe.Error()
			return
		}
		canon := p.String()
		q, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) succeeded but its String %q does not parse: %v", src, canon, err)
		}
		if again := q.String(); again != canon {
			t.Fatalf("String not stable for %q:\n %s\n %s", src, canon, again)
		}
	})
}

func FuzzMatch(f *testing.F) {
	scos := []string{
		`[{"type":"file","id":"file--1","name":"foo.dll","size":371712,"hashes":{"MD5":"cead3f77f6cda6ec00f57d76c9a69faa"},"parent_directory_ref":"directory--1","magic_number_hex":"ffd8"},{"type":"directory","id":"directory--1","path":"C:\\Windows\\System32"}]`,
		`[{"type":"network-traffic","dst_ref":"1"},{"type":"ipv4-addr","value":"203.0.113.33"}]`,
		`[{"type":"email-message","from_ref":"1","subject":"Conference Info"},{"type":"email-addr","value":"jdoe@example.com"}]`,
		`[{"type":"artifact","payload_bin":"1MOyoQIABAA=","mime_type":"application/vnd.tcpdump.pcap"}]`,
	}
	for i, s := range specExamples(f) {
		f.Add(s, scos[i%len(scos)])
	}
	f.Fuzz(func(t *testing.T, src, objects string) {
		p, err := Parse(src)
		if err != nil {
			return
		}
		var list []map[string]any
		if json.Unmarshal([]byte(objects), &list) != nil {
			list = nil
		}
		t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
		var obs []Observation
		for i := range 4 {
			at := t0.Add(time.Duration(i*i) * time.Minute)
			obs = append(obs, NewObservation(at, at.Add(time.Second), 1, list...))
		}
		if _, err := Match(p, obs); err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Code != CodeRegexDialect && pe.Code != CodeTooComplex {
				t.Fatalf("Match(%q): %v", src, err)
			}
		}
		_ = p.Terms()
		_ = p.Indexable()
		for _, o := range p.Observables() {
			if n, err := observe.Normalize(o.Type, o.Value); err != nil || n != o.Value {
				t.Fatalf("%q: observable %v is not canonical (%q, %v)", src, o, n, err)
			}
			MatchObservable(p, o)
			MatchObservableAt(p, o, t0)
		}
	})
}
