package xarf

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/koban"
)

// Every sample of the specification is read, and what Marshal writes of
// it reads back the same and still validates.
func TestParseSamples(t *testing.T) {
	samples, _ := filepath.Glob(filepath.Join(sharedXARF(t), "samples", "v4", "*.json"))
	for _, f := range samples {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(out)
			if err != nil {
				t.Fatalf("reading back: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(r, again) {
				t.Errorf("round trip changed the report")
			}
			if err := validate(t, out); err != nil {
				t.Errorf("written back, it no longer validates: %v", err)
			}
			// Nothing is lost: the rewritten report holds the same members.
			var a, b map[string]any
			json.Unmarshal(data, &a)
			json.Unmarshal(out, &b)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("members differ after the round trip")
			}
		})
	}
}

func TestParseReadsFields(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedXARF(t), "samples", "v4", "content-fraud.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Category != "content" || r.Type != "fraud" || r.URL != "https://crypto-scam-invest.example.com/guaranteed-returns" ||
		r.Reporter.Email != "fraud-reports@antifraud-coalition.example" || r.Source != "crypto-scam-invest.example.com" ||
		r.Timestamp.Format("2006-01-02T15:04:05Z07:00") != "2025-01-11T16:22:45Z" || len(r.Tags) != 3 {
		t.Errorf("%+v", r)
	}
	if string(r.Fields["fraud_type"]) != `"investment"` || string(r.Fields["victim_count"]) != "127" {
		t.Errorf("fields %s %s", r.Fields["fraud_type"], r.Fields["victim_count"])
	}
}

func TestParseProblems(t *testing.T) {
	good, err := Build(requests()["phishing"])
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		want   []string
	}{
		{"version 3", func(m map[string]any) { m["xarf_version"] = "3.0.0" }, []string{"xarf_version=version"}},
		{"missing core", func(m map[string]any) {
			for _, k := range []string{"report_id", "timestamp", "reporter", "source_identifier", "category", "type"} {
				delete(m, k)
			}
		}, []string{"report_id=required", "timestamp=required", "reporter=required", "source_identifier=required", "category=required", "type=required"}},
		{"bad values", func(m map[string]any) {
			m["report_id"], m["timestamp"], m["source_port"], m["confidence"] = "x", "2026-07-01", 70000, 2
		}, []string{"report_id=id", "timestamp=time", "source_port=port", "confidence=confidence"}},
		{"unknown type", func(m map[string]any) { m["type"] = "harassment" }, []string{"type=type_unknown"}},
		{"unknown category", func(m map[string]any) { m["category"] = "speech" }, []string{"category=category"}},
		{"content without url", func(m map[string]any) { delete(m, "url") }, []string{"url=required"}},
		{"reporter", func(m map[string]any) {
			m["reporter"] = map[string]any{"org": "x", "contact": "nope", "phone": "110"}
		}, []string{"reporter.contact=email", "reporter.domain=required", "reporter.phone=unknown_field"}},
		{"wrong kinds of value", func(m map[string]any) { m["sender"], m["tags"], m["evidence"] = "me", "a:b", 5 }, []string{
			"sender=type", "tags=type", "evidence=type"}},
		{"evidence", func(m map[string]any) {
			ev := m["evidence"].([]any)
			ev[0].(map[string]any)["hash"] = "sha256:" + strings.Repeat("0", 64)
			ev[1].(map[string]any)["payload"] = "not base64!"
			ev[1].(map[string]any)["size"] = 3
			ev = append(ev, map[string]any{"payload": "", "extra": true, "hash": "crc32:00"})
			m["evidence"] = ev
		}, []string{"evidence[1].payload=base64", "evidence[2].content_type=required",
			"evidence[2].extra=unknown_field", "evidence[2].hash=hash"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			tc.change(m)
			data, _ := json.Marshal(m)
			_, err := Parse(data)
			var pe *koban.ProblemsError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want problems", err)
			}
			var got []string
			for _, p := range pe.Problems {
				got = append(got, p.Field+"="+strings.TrimPrefix(p.Key, "xarf.problem."))
			}
			if !sameSet(got, tc.want) {
				t.Errorf("problems %v\nwant     %v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{``, `[]`, `null`, `"x"`, `{`, `{"a":1}{}`} {
		_, err := Parse([]byte(bad))
		var e *koban.Error
		if !errors.As(err, &e) || e.Code != koban.Malformed || e.Key != "xarf.problem.json" {
			t.Errorf("Parse(%q) = %v", bad, err)
		}
	}
}

// Evidence whose hash matches is marked verified; a made-up or missing
// hash leaves it unverified without refusing the report.
func TestParseVerifiesEvidence(t *testing.T) {
	good, _ := Build(requests()["phishing"])
	r, err := Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range r.Evidence {
		if !e.Verified {
			t.Errorf("evidence %d of koban's own report is not verified", i)
		}
	}
	var m map[string]any
	json.Unmarshal(good, &m)
	ev := m["evidence"].([]any)
	ev[0].(map[string]any)["hash"] = "sha256:" + strings.Repeat("0", 64)
	ev[1].(map[string]any)["size"] = 3
	data, _ := json.Marshal(m)
	if r, err = Parse(data); err != nil {
		t.Fatal(err)
	}
	if r.Evidence[0].Verified || r.Evidence[1].Verified {
		t.Error("a wrong hash or size was taken as verified")
	}
}

// _internal never survives a reading: a report received with it cannot
// pass it on.
func TestParseDropsInternal(t *testing.T) {
	good, _ := Build(requests()["fraud"])
	var m map[string]any
	json.Unmarshal(good, &m)
	m["_internal"] = map[string]any{"ticket": "ABUSE-1"}
	data, _ := json.Marshal(m)
	r, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := Marshal(r)
	if strings.Contains(string(out), "_internal") || strings.Contains(string(out), "ABUSE-1") {
		t.Errorf("_internal kept:\n%s", out)
	}
}

func FuzzParse(f *testing.F) {
	if samples, err := filepath.Glob(filepath.Join(sharedXARF(f), "samples", "v4", "*.json")); err == nil {
		for _, s := range samples {
			if data, err := os.ReadFile(s); err == nil {
				f.Add(data)
			}
		}
	}
	for _, r := range requests() {
		if data, err := Build(r); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"xarf_version":"4.0.0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			var e *koban.Error
			if !errors.As(err, &e) || !strings.HasPrefix(e.Key, "xarf.problem.") {
				t.Fatalf("an error without a problem key: %v", err)
			}
			return
		}
		out, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("what Marshal wrote does not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("round trip changed the report:\n%+v\n%+v", r, again)
		}
	})
}
