package pattern

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// t0 is the time the test observations start.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// obsAt is an observation seen from t0+from to t0+to seconds, of the SCOs
// given as JSON (a list; keyed by id, or by index).
func obsAt(t *testing.T, from, to float64, scos string) Observation {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal([]byte(scos), &list); err != nil {
		t.Fatalf("bad test SCOs %s: %v", scos, err)
	}
	sec := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	return NewObservation(sec(from), sec(to), 1, list...)
}

// one is a single observation of a single SCO at t0.
func one(t *testing.T, sco string) []Observation {
	return []Observation{obsAt(t, 0, 0, "["+sco+"]")}
}

func TestMatchComparisons(t *testing.T) {
	file := `{"type":"file","id":"file--1","name":"report.exe","size":371712,"ratio":0.75,"signed":false,
		"hashes":{"MD5":"cead3f77f6cda6ec00f57d76c9a69faa","SHA-256":"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
		"magic_number_hex":"ffd8ffe0","created":"2014-01-13T07:03:17.5Z","names":["a.txt","b.exe"],
		"extensions":{"windows-pebinary-ext":{"sections":[{"entropy":6.5},{"entropy":7.25}]}}}`
	artifact := `{"type":"artifact","payload_bin":"1MOyoQIABAA=","mime_type":"application/vnd.tcpdump.pcap"}`
	for _, tc := range []struct {
		pattern string
		sco     string
		want    bool
	}{
		{`[file:name = 'report.exe']`, file, true},
		{`[file:name = 'Report.exe']`, file, false},
		{`[file:name != 'other.exe']`, file, true},
		{`[file:name != 'report.exe']`, file, false},
		{`[file:name NOT = 'report.exe']`, file, false},
		{`[file:name NOT != 'report.exe']`, file, true},
		{`[file:missing != 'x']`, file, false},
		{`[file:missing NOT = 'x']`, file, false},
		{`[process:name != 'x']`, file, false},
		{`[file:size = 371712]`, file, true},
		{`[file:size = 371712.0]`, file, true},
		{`[file:size = '371712']`, file, false},
		{`[file:size > 371711]`, file, true},
		{`[file:size >= 371712]`, file, true},
		{`[file:size < 371712]`, file, false},
		{`[file:size <= 371712]`, file, true},
		{`[file:size NOT < 371712]`, file, true},
		{`[file:ratio > 0.5]`, file, true},
		{`[file:ratio < -1]`, file, false},
		{`[file:signed = false]`, file, true},
		{`[file:signed = true]`, file, false},
		{`[file:signed != true]`, file, true},
		{`[file:name > 'a']`, file, true},
		{`[file:name < 'b']`, file, false},
		{`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a69faa']`, file, true},
		{`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`, file, true},
		{`[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']`, file, false},
		{`[file:magic_number_hex = h'ffd8ffe0']`, file, true},
		{`[file:magic_number_hex = h'ffd8']`, file, false},
		{`[file:magic_number_hex > h'ffd8']`, file, true},
		{`[file:magic_number_hex = b'/9j/4A==']`, file, true},
		{`[artifact:payload_bin = b'1MOyoQIABAA=']`, artifact, true},
		{`[artifact:payload_bin = h'd4c3b2a102000400']`, artifact, true},
		{`[artifact:payload_bin = h'd4c3b2a1']`, artifact, false},
		{`[artifact:payload_bin MATCHES '^\\xd4\\xc3\\xb2\\xa1']`, artifact, true},
		{`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`, artifact, true},
		{`[artifact:payload_bin MATCHES '^\\xc3']`, artifact, false},
		{`[artifact:payload_bin = 'Ôx']`, `{"type":"artifact","payload_bin":"1Hg="}`, true},
		{`[artifact:payload_bin = 'Öx']`, `{"type":"artifact","payload_bin":"1Hg="}`, false},
		{`[artifact:payload_bin = 'hi']`, `{"type":"artifact","payload_bin":"aGk="}`, true},
		{`[artifact:payload_bin = '日']`, `{"type":"artifact","payload_bin":"aGk="}`, false},
		{`[file:created = t'2014-01-13T07:03:17.5Z']`, file, true},
		{`[file:created = t'2014-01-13T07:03:17Z']`, file, false},
		{`[file:created > t'2014-01-13T07:03:17Z']`, file, true},
		{`[file:created < t'2014-01-13T07:03:17.500000001Z']`, file, true},
		{`[file:created = '2014-01-13T07:03:17.5Z']`, file, true},
		{`[file:name IN ('a', 'report.exe')]`, file, true},
		{`[file:name IN ('a', 'b')]`, file, false},
		{`[file:name IN ()]`, file, false},
		{`[file:name NOT IN ('a', 'b')]`, file, true},
		{`[file:name NOT IN ('a', 'report.exe')]`, file, false},
		{`[file:size IN (1, 371712)]`, file, true},
		{`[file:size IN ('371712')]`, file, false},
		{`[file:name LIKE 'report.%']`, file, true},
		{`[file:name LIKE 'rep_rt.exe']`, file, true},
		{`[file:name LIKE 'rep_.exe']`, file, false},
		{`[file:name LIKE 'report.ex']`, file, false},
		{`[file:name LIKE '%.EXE']`, file, false},
		{`[file:name LIKE '.*']`, file, false},
		{`[file:name NOT LIKE '%.dll']`, file, true},
		{`[file:size LIKE '371%']`, file, false},
		{`[file:size NOT LIKE '371%']`, file, false},
		{`[file:size NOT = 'abc']`, file, false},
		{`[file:size != 'abc']`, file, false},
		{`[file:size NOT IN ('abc', 1)]`, file, true},
		{`[file:size NOT IN ('abc')]`, file, false},
		{`[file:name MATCHES '^rep.+\\.exe$']`, file, true},
		{`[file:name MATCHES 'port']`, file, true},
		{`[file:name MATCHES '^port']`, file, false},
		{`[file:name NOT MATCHES '\\.dll$']`, file, true},
		{`[file:size MATCHES '3']`, file, false},
		{`[file:names[*] = 'b.exe']`, file, true},
		{`[file:names[0] = 'b.exe']`, file, false},
		{`[file:names[1] = 'b.exe']`, file, true},
		{`[file:names[2] = 'b.exe']`, file, false},
		{`[file:names[-1] = 'b.exe']`, file, false},
		{`[file:names[*] != 'a.txt']`, file, true},
		{`[file:names[*] NOT IN ('a.txt', 'b.exe')]`, file, false},
		{`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`, file, true},
		{`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.5]`, file, false},
		{`[file:extensions.'windows-pebinary-ext'.sections[0].entropy > 7.0]`, file, false},
		{`[EXISTS file:hashes.MD5]`, file, true},
		{`[EXISTS file:hashes.'SHA-1']`, file, false},
		{`[NOT EXISTS file:hashes.'SHA-1']`, file, true},
		{`[NOT EXISTS file:name]`, file, false},
		{`[NOT EXISTS process:name]`, file, false},
		{`[file:name = 'report.exe' AND file:size = 371712]`, file, true},
		{`[file:name = 'report.exe' AND file:size = 1]`, file, false},
		{`[file:name = 'x' OR file:size = 371712]`, file, true},
		{`[(file:name = 'x' OR file:size = 371712) AND file:signed = false]`, file, true},
		{`[file:name = 'x' OR process:name = 'y']`, file, false},
	} {
		p, err := Parse(tc.pattern)
		if err != nil {
			t.Errorf("%s: %v", tc.pattern, err)
			continue
		}
		got, err := Match(p, one(t, tc.sco))
		if err != nil {
			t.Errorf("%s: %v", tc.pattern, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}

func TestMatchCIDR(t *testing.T) {
	for _, tc := range []struct {
		pattern, value string
		want           bool
	}{
		{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, "198.51.100.7", true},
		{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, "198.51.101.7", false},
		{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, "198.51.100.0/25", true},
		{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, "198.51.0.0/16", false},
		{`[ipv4-addr:value ISSUBSET '198.51.100.9/24']`, "198.51.100.7", true},
		{`[ipv4-addr:value NOT ISSUBSET '198.51.100.0/24']`, "10.0.0.1", true},
		{`[ipv4-addr:value ISSUBSET '198.51.100.7']`, "198.51.100.7", true},
		{`[ipv4-addr:value ISSUPERSET '198.51.100.7']`, "198.51.100.0/24", true},
		{`[ipv4-addr:value ISSUPERSET '198.51.100.0/23']`, "198.51.100.0/24", false},
		{`[ipv4-addr:value ISSUPERSET '198.51.100.0/25']`, "198.51.100.0/24", true},
		{`[ipv4-addr:value ISSUBSET '::/0']`, "198.51.100.7", false},
		{`[ipv4-addr:value ISSUBSET 'not a network']`, "198.51.100.7", false},
		{`[ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`, "2001:db8:dead:beef::1", true},
		{`[ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`, "2001:db8:dead:bee0::1", false},
		{`[ipv6-addr:value ISSUPERSET '2001:db8::1']`, "2001:db8::/32", true},
	} {
		typ := "ipv4-addr"
		if strings.Contains(tc.value, ":") {
			typ = "ipv6-addr"
		}
		got, err := Match(MustParse(tc.pattern), one(t, `{"type":"`+typ+`","value":"`+tc.value+`"}`))
		if err != nil || got != tc.want {
			t.Errorf("%s on %s = %v, %v; want %v", tc.pattern, tc.value, got, err, tc.want)
		}
	}
}

func TestMatchReferences(t *testing.T) {
	// STIX 2.1: SCOs keyed by id, _ref properties naming ids.
	mail := obsAt(t, 0, 0, `[
		{"type":"email-message","id":"email-message--1","from_ref":"email-addr--1","to_refs":["email-addr--2","email-addr--3"],"subject":"Conference Info",
		 "body_multipart":[{"body_raw_ref":"file--1"}]},
		{"type":"email-addr","id":"email-addr--1","value":"jdoe@example.com"},
		{"type":"email-addr","id":"email-addr--2","value":"a@example.org"},
		{"type":"email-addr","id":"email-addr--3","value":"b@example.org"},
		{"type":"file","id":"file--1","name":"Final Report 2024.exe"}]`)
	// STIX 2.0: objects keyed by index.
	traffic := obsAt(t, 0, 0, `[
		{"type":"network-traffic","src_ref":"1","dst_ref":"2","dst_port":443},
		{"type":"ipv4-addr","value":"10.0.0.1"},
		{"type":"ipv4-addr","value":"203.0.113.33"}]`)
	for _, tc := range []struct {
		pattern string
		obs     Observation
		want    bool
	}{
		{`[email-message:from_ref.value = 'jdoe@example.com']`, mail, true},
		{`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`, mail, true},
		{`[email-message:from_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`, mail, true},
		{`[email-message:from_ref.value = 'jdoe@example.com' AND email-message:subject = 'Other']`, mail, false},
		{`[email-message:to_refs[*].value = 'b@example.org']`, mail, true},
		{`[email-message:to_refs[0].value = 'b@example.org']`, mail, false},
		{`[email-message:sender_ref.value = 'jdoe@example.com']`, mail, false},
		{`[email-addr:value = 'b@example.org']`, mail, true},
		{`[email-message:from_ref = 'email-addr--1']`, mail, true},
		{`[network-traffic:dst_ref.value = '203.0.113.33' AND network-traffic:dst_port = 443]`, traffic, true},
		{`[network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24']`, traffic, true},
		{`[network-traffic:src_ref.value ISSUBSET '203.0.113.0/24']`, traffic, false},
		{`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`, traffic, false},
		// OR inside brackets may be satisfied by different objects of one observation.
		{`[network-traffic:dst_port = 443 OR email-addr:value = 'x']`, traffic, true},
	} {
		got, err := Match(MustParse(tc.pattern), []Observation{tc.obs})
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", tc.pattern, got, err, tc.want)
		}
	}
}

func TestMatchObservationOperators(t *testing.T) {
	a := func(from, to float64) Observation {
		return obsAt(t, from, to, `[{"type":"file","name":"a"}]`)
	}
	b := func(from, to float64) Observation {
		return obsAt(t, from, to, `[{"type":"file","name":"b"}]`)
	}
	ab := func(from, to float64) Observation {
		return obsAt(t, from, to, `[{"type":"file","name":"a"},{"type":"file","name":"b"}]`)
	}
	const (
		A = `[file:name = 'a']`
		B = `[file:name = 'b']`
	)
	for _, tc := range []struct {
		name    string
		pattern string
		obs     []Observation
		want    bool
	}{
		{"and both", A + ` AND ` + B, []Observation{a(0, 0), b(10, 10)}, true},
		{"and one", A + ` AND ` + B, []Observation{a(0, 0), a(10, 10)}, false},
		{"and needs two observations", A + ` AND ` + B, []Observation{ab(0, 0)}, false},
		{"and two observations of both", A + ` AND ` + B, []Observation{ab(0, 0), ab(5, 5)}, true},
		{"and same expression twice", A + ` AND ` + A, []Observation{a(0, 0)}, false},
		{"and same expression twice seen twice", A + ` AND ` + A, []Observation{a(0, 0), a(1, 1)}, true},
		{"or left", A + ` OR ` + B, []Observation{a(0, 0)}, true},
		{"or right", A + ` OR ` + B, []Observation{b(0, 0)}, true},
		{"or none", A + ` OR ` + B, []Observation{obsAt(t, 0, 0, `[{"type":"file","name":"c"}]`)}, false},
		{"followedby in order", A + ` FOLLOWEDBY ` + B, []Observation{b(20, 20), a(0, 0)}, true},
		{"followedby reversed", A + ` FOLLOWEDBY ` + B, []Observation{b(0, 0), a(20, 20)}, false},
		{"followedby same time", A + ` FOLLOWEDBY ` + B, []Observation{a(5, 5), b(5, 5)}, true},
		{"followedby overlapping", A + ` FOLLOWEDBY ` + B, []Observation{a(0, 10), b(5, 20)}, false},
		{"followedby one of many", A + ` FOLLOWEDBY ` + B, []Observation{b(0, 0), a(10, 10), b(30, 30)}, true},
		{"within inside", `(` + A + ` AND ` + B + `) WITHIN 300 SECONDS`, []Observation{a(0, 0), b(300, 300)}, true},
		{"within outside", `(` + A + ` AND ` + B + `) WITHIN 300 SECONDS`, []Observation{a(0, 0), b(300.5, 300.5)}, false},
		{"within float", `(` + A + ` AND ` + B + `) WITHIN 300.5 SECONDS`, []Observation{a(0, 0), b(300.5, 300.5)}, true},
		{"within counts last_observed", `(` + A + ` AND ` + B + `) WITHIN 300 SECONDS`, []Observation{a(0, 200), b(100, 400)}, false},
		{"within picks the close pair", `(` + A + ` FOLLOWEDBY ` + B + `) WITHIN 60 SECONDS`, []Observation{a(0, 0), a(1000, 1000), b(1030, 1030)}, true},
		{"within single", A + ` WITHIN 1 SECONDS`, []Observation{a(0, 5)}, false},
		{"within single short", A + ` WITHIN 10 SECONDS`, []Observation{a(0, 5)}, true},
		{"repeats enough", A + ` REPEATS 3 TIMES`, []Observation{a(0, 0), a(1, 1), b(2, 2), a(3, 3)}, true},
		{"repeats too few", A + ` REPEATS 3 TIMES`, []Observation{a(0, 0), a(1, 1), b(2, 2)}, false},
		{"repeats distinct observations", A + ` REPEATS 2 TIMES`, []Observation{ab(0, 0)}, false},
		{"repeats within", A + ` REPEATS 3 TIMES WITHIN 10 SECONDS`, []Observation{a(0, 0), a(100, 100), a(105, 105), a(108, 108)}, true},
		{"repeats within too spread", A + ` REPEATS 3 TIMES WITHIN 10 SECONDS`, []Observation{a(0, 0), a(100, 100), a(105, 105), a(118, 118)}, false},
		{"repeats of and", `(` + A + ` AND ` + B + `) REPEATS 2 TIMES`, []Observation{a(0, 0), b(1, 1), a(2, 2), b(3, 3)}, true},
		{"repeats of and short", `(` + A + ` AND ` + B + `) REPEATS 2 TIMES`, []Observation{a(0, 0), b(1, 1), a(2, 2)}, false},
		{"start stop inside", A + ` START t'2024-05-01T12:00:00Z' STOP t'2024-05-01T13:00:00Z'`, []Observation{a(0, 3599)}, true},
		{"start stop stop excluded", A + ` START t'2024-05-01T12:00:00Z' STOP t'2024-05-01T13:00:00Z'`, []Observation{a(0, 3600)}, false},
		{"start stop before", A + ` START t'2024-05-01T12:00:01Z' STOP t'2024-05-01T13:00:00Z'`, []Observation{a(0, 10)}, false},
		{"start stop one of two", A + ` START t'2024-05-01T12:10:00Z' STOP t'2024-05-01T13:00:00Z'`, []Observation{a(0, 0), a(700, 700)}, true},
		{"grouped qualifiers", `(` + A + ` WITHIN 5 SECONDS) WITHIN 10 SECONDS`, []Observation{a(0, 3)}, true},
		{"spec example 12", `[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 2 TIMES WITHIN 1800 SECONDS`,
			[]Observation{
				obsAt(t, 0, 0, `[{"type":"network-traffic","id":"network-traffic--1","dst_ref":"domain-name--1"},{"type":"domain-name","id":"domain-name--1","value":"example.com"}]`),
				obsAt(t, 1700, 1700, `[{"type":"network-traffic","id":"network-traffic--2","dst_ref":"domain-name--1"},{"type":"domain-name","id":"domain-name--1","value":"example.com"}]`),
			}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Match(MustParse(tc.pattern), tc.obs)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s over %v = %v, want %v", tc.pattern, tc.obs, got, tc.want)
			}
		})
	}
}

func TestMatchTooComplex(t *testing.T) {
	obs := make([]Observation, 200)
	for i := range obs {
		obs[i] = obsAt(t, float64(i)*100, float64(i)*100, `[{"type":"file","name":"a"}]`)
	}
	// Every choice of 20 of 200 observations spans far more than a second: the search runs out of steps.
	_, err := Match(MustParse(`[file:name = 'a'] REPEATS 20 TIMES WITHIN 1 SECONDS`), obs)
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeTooComplex {
		t.Fatalf("Match = %v, want %s", err, CodeTooComplex)
	}
	// A pattern that is satisfied early does not need the whole search.
	ok, err := Match(MustParse(`[file:name = 'a'] REPEATS 20 TIMES`), obs)
	if err != nil || !ok {
		t.Errorf("REPEATS 20 over 200 = %v, %v", ok, err)
	}
}

func TestObservationFromObservedData(t *testing.T) {
	var od map[string]any
	if err := json.Unmarshal([]byte(`{"type":"observed-data","first_observed":"2024-05-01T12:00:00Z","last_observed":"2024-05-01T12:05:00.5Z",
		"number_observed":3,"object_refs":["ipv4-addr--1"]}`), &od); err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{"ipv4-addr--1": {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"}}
	o, err := ObservationFromObservedData(od, byID)
	if err != nil {
		t.Fatal(err)
	}
	if o.NumberObserved != 3 || !o.FirstObserved.Equal(t0) || o.LastObserved.Sub(o.FirstObserved) != 300500*time.Millisecond {
		t.Errorf("read %v", o)
	}
	if ok, _ := Match(MustParse(`[ipv4-addr:value = '198.51.100.7']`), []Observation{o}); !ok {
		t.Error("the referenced SCO did not match")
	}
	for _, bad := range []string{
		`{"first_observed":"2024-05-01","last_observed":"2024-05-01T12:05:00Z","number_observed":1,"object_refs":["ipv4-addr--1"]}`,
		`{"first_observed":"2024-05-01T13:00:00Z","last_observed":"2024-05-01T12:05:00Z","number_observed":1,"object_refs":["ipv4-addr--1"]}`,
		`{"first_observed":"2024-05-01T12:00:00Z","last_observed":"2024-05-01T12:05:00Z","number_observed":0,"object_refs":["ipv4-addr--1"]}`,
		`{"first_observed":"2024-05-01T12:00:00Z","last_observed":"2024-05-01T12:05:00Z","number_observed":1,"object_refs":["ipv4-addr--2"]}`,
		`{"first_observed":"2024-05-01T12:00:00Z","last_observed":"2024-05-01T12:05:00Z","number_observed":1}`,
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(bad), &m); err != nil {
			t.Fatal(err)
		}
		_, err := ObservationFromObservedData(m, byID)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != CodeObservation {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestMatchJSONNumbers(t *testing.T) {
	d := json.NewDecoder(strings.NewReader(`{"type":"file","size":9007199254740993}`))
	d.UseNumber()
	var sco map[string]any
	if err := d.Decode(&sco); err != nil {
		t.Fatal(err)
	}
	obs := []Observation{NewObservation(t0, t0, 1, sco)}
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`[file:size = 9007199254740993]`, true},
		{`[file:size = 9007199254740992]`, false},
		{`[file:size > 9007199254740992]`, true},
	} {
		if got, err := Match(MustParse(tc.pattern), obs); err != nil || got != tc.want {
			t.Errorf("%s = %v, %v", tc.pattern, got, err)
		}
	}
}
