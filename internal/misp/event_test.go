package misp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/locale"
)

func TestTypeTableCoversDescribeTypes(t *testing.T) {
	var dt struct {
		Result struct {
			Types    []string            `json:"types"`
			Cats     []string            `json:"categories"`
			Mappings map[string][]string `json:"category_type_mappings"`
		} `json:"result"`
	}
	if err := json.Unmarshal(readData(t, "PyMISP/pymisp/data/describeTypes.json"), &dt); err != nil {
		t.Fatal(err)
	}
	if len(dt.Result.Types) < 190 || len(dt.Result.Cats) != 16 {
		t.Fatalf("describeTypes.json read wrong: %d types, %d categories", len(dt.Result.Types), len(dt.Result.Cats))
	}
	for _, ty := range dt.Result.Types {
		if !KnownType(ty) {
			t.Errorf("type %q is missing", ty)
		}
	}
	for _, c := range dt.Result.Cats {
		if !KnownCategory(c) {
			t.Errorf("category %q is missing", c)
		}
	}
	pairs := 0
	for c, ts := range dt.Result.Mappings {
		for _, ty := range ts {
			pairs++
			if !Allowed(c, ty) {
				t.Errorf("category %q does not allow %q", c, ty)
			}
		}
	}
	if pairs < 450 {
		t.Fatalf("only %d category→type pairs read", pairs)
	}
	if Allowed("Financial fraud", "ip-dst") || Allowed("Network activity", "btc") {
		t.Error("the table allows pairs MISP refuses")
	}
	if KnownType("as") || KnownType("") {
		t.Error("types are matched loosely")
	}
	if !Composite("ip-dst|port") || Composite("ip-dst") {
		t.Error("Composite")
	}
	if got := CategoriesOf("btc"); !slices.Equal(got, []string{"Financial fraud"}) {
		t.Errorf("CategoriesOf(btc) = %v", got)
	}
}

// eventFiles are the files of the shared data that hold MISP events, with
// the problem codes Validate must report for each (they are upstream's:
// PyMISP's drafts have no UUID and objects named "a", and one Japanese
// test repeats an attribute's UUID ten times).
var eventFiles = []struct {
	file     string
	events   int
	problems []Code
}{
	{"PyMISP/tests/57c4445b-c548-4654-af0b-4be3950d210f.json", 1, nil},
	{"PyMISP/tests/misp_event.json", 1, nil},
	{"PyMISP/tests/new_misp_event.json", 1, nil},
	{"PyMISP/tests/search_index_result.json", 1, nil},
	{"PyMISP/tests/mispevent_testfiles/attribute.json", 1, []Code{CodeMissing}},
	{"PyMISP/tests/mispevent_testfiles/attribute_del.json", 1, []Code{CodeMissing}},
	{"PyMISP/tests/mispevent_testfiles/def_param.json", 1, []Code{CodeMissing, CodeUUIDInvalid}},
	{"PyMISP/tests/mispevent_testfiles/event.json", 1, []Code{CodeMissing}},
	{"PyMISP/tests/mispevent_testfiles/event_obj_attr_tag.json", 1, []Code{CodeMissing, CodeUUIDInvalid}},
	{"PyMISP/tests/mispevent_testfiles/event_obj_def_param.json", 1, []Code{CodeMissing, CodeUUIDInvalid}},
	{"PyMISP/tests/mispevent_testfiles/event_obj_tag.json", 1, []Code{CodeMissing, CodeUUIDInvalid}},
	{"PyMISP/tests/mispevent_testfiles/event_tags.json", 1, []Code{CodeMissing}},
	{"PyMISP/tests/mispevent_testfiles/existing_event.json", 1, nil},
	{"PyMISP/tests/mispevent_testfiles/existing_event_edited.json", 1, nil},
	{"PyMISP/tests/mispevent_testfiles/malware.json", 1, []Code{CodeMissing}},
	{"PyMISP/tests/mispevent_testfiles/malware_exist.json", 1, nil},
	{"PyMISP/tests/mispevent_testfiles/misp_custom_obj.json", 1, []Code{CodeMissing, CodeUUIDInvalid}},
	{"PyMISP/tests/mispevent_testfiles/proposals.json", 1, []Code{CodeMissing}},
	{"PyMISP/tests/mispevent_testfiles/shadow.json", 1, nil},
	{"PyMISP/tests/reportlab_testfiles/HTML_event.json", 1, nil},
	{"PyMISP/tests/reportlab_testfiles/galaxy_1.json", 1, nil},
	{"PyMISP/tests/reportlab_testfiles/japanese_test.json", 1, nil},
	{"PyMISP/tests/reportlab_testfiles/japanese_test_heavy.json", 1, []Code{CodeUUIDDuplicate}},
	{"PyMISP/tests/reportlab_testfiles/mainly_objects_1.json", 1, nil},
	{"PyMISP/tests/reportlab_testfiles/sighting_1.json", 1, nil},
	{"misp-stix/tests/test_events_collection_1.json", 2, nil},
	{"misp-stix/tests/test_events_collection_2.json", 2, nil},
}

func codes(ps []Problem) []Code {
	seen := map[Code]bool{}
	var cs []Code
	for _, p := range ps {
		if !seen[p.Code] {
			seen[p.Code] = true
			cs = append(cs, p.Code)
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] })
	return cs
}

func TestRealEventsImport(t *testing.T) {
	for _, tc := range eventFiles {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			events, err := Parse(readData(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != tc.events {
				t.Fatalf("%d events, want %d", len(events), tc.events)
			}
			want := slices.Clone(tc.problems)
			sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
			var got []Problem
			for _, e := range events {
				got = append(got, Validate(e)...)
				for _, en := range e.Entries() {
					if en.Problem != nil {
						t.Errorf("%s: %v", en.Path, en.Problem)
					}
				}
			}
			if !slices.Equal(codes(got), want) {
				t.Errorf("problems %v, want codes %v", got, want)
			}
		})
	}
	// The wholly checked events every dataset has a file of.
	for _, tc := range eventFiles {
		if len(tc.problems) != 0 {
			continue
		}
		events, _ := Parse(readData(t, tc.file))
		for _, e := range events {
			if e.UUID == "" || e.Info == "" || e.Date.IsZero() {
				t.Errorf("%s: uuid %q, info %q, date %v", tc.file, e.UUID, e.Info, e.Date)
			}
		}
	}
}

func TestJapaneseEvent(t *testing.T) {
	e, err := ParseEvent(readData(t, "PyMISP/tests/reportlab_testfiles/japanese_test.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Info, "条イ音態ぞゃご法説イシ技") || e.UUID != "5c7cdc3b-2f40-4dca-8200-276c0a00020f" {
		t.Errorf("info %q uuid %q", e.Info, e.UUID)
	}
	if e.Date != time.Date(2019, 3, 4, 0, 0, 0, 0, time.UTC) || e.Timestamp != time.Unix(1551686770, 0).UTC() {
		t.Errorf("date %v timestamp %v", e.Date, e.Timestamp)
	}
	if e.ThreatLevel != 2 || e.Analysis != 1 || e.Distribution != ThisCommunity || e.Published {
		t.Errorf("threat %d analysis %d distribution %d published %v", e.ThreatLevel, e.Analysis, e.Distribution, e.Published)
	}
	if len(e.Attributes) != 1 || e.Attributes[0].Type != "text" || e.Attributes[0].Distribution != InheritEvent ||
		!strings.Contains(e.Attributes[0].Comment, "条イ音態") {
		t.Errorf("attributes %+v", e.Attributes)
	}
	if len(e.Galaxies) != 2 || len(e.Galaxies[0].Clusters) == 0 || e.Galaxies[0].Clusters[0].TagName == "" {
		t.Errorf("galaxies %+v", e.Galaxies)
	}
	if len(e.Tags) != 2 || e.Orgc.Name == "" {
		t.Errorf("tags %+v orgc %+v", e.Tags, e.Orgc)
	}
}

func TestSightingsAndObjects(t *testing.T) {
	e, err := ParseEvent(readData(t, "PyMISP/tests/reportlab_testfiles/sighting_1.json"))
	if err != nil {
		t.Fatal(err)
	}
	types := map[int]int{}
	for _, a := range e.Attributes {
		for _, s := range a.Sightings {
			types[s.Type]++
			if s.DateSighting.IsZero() || !ValidUUID(s.AttributeUUID) || s.Organisation.Name == "" {
				t.Errorf("sighting %+v", s)
			}
		}
	}
	if types[FalsePositive] == 0 || types[Expiration] == 0 {
		t.Errorf("sighting types read: %v", types)
	}
	e, err = ParseEvent(readData(t, "PyMISP/tests/mispevent_testfiles/existing_event.json"))
	if err != nil {
		t.Fatal(err)
	}
	refs, rels := 0, 0
	for _, o := range e.Objects {
		refs += len(o.References)
		for _, a := range o.Attributes {
			if a.ObjectRelation != "" {
				rels++
			}
		}
		if o.Name == "" || o.TemplateUUID == "" || o.MetaCategory == "" {
			t.Errorf("object %q template %q meta %q", o.Name, o.TemplateUUID, o.MetaCategory)
		}
	}
	if len(e.Objects) != 49 || refs == 0 || rels == 0 {
		t.Errorf("%d objects, %d references, %d object relations", len(e.Objects), refs, rels)
	}
	if TLP(e.Tags) != "clear" {
		t.Errorf("TLP %q", TLP(e.Tags))
	}
}

func TestShapes(t *testing.T) {
	const ev = `{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","info":"x","date":"2020-08-13",
		"timestamp":%s,"distribution":%s,"published":%s,
		"Attribute":[{"type":"ip-dst","category":"Network activity","value":"192.0.2.1","to_ids":%s,"distribution":%s}]}`
	strs := fmt.Sprintf(ev, `"1597300000"`, `"3"`, `"1"`, `"1"`, `"2"`)
	nums := fmt.Sprintf(ev, `1597300000`, `3`, `true`, `1`, `2`)
	for _, tc := range []struct {
		name, in string
		n        int
	}{
		{"wrapped", `{"Event":` + strs + `}`, 1},
		{"bare", strs, 1},
		{"numbers", nums, 1},
		{"response", `{"response":[{"Event":` + strs + `},` + nums + `]}`, 2},
		{"array", "\ufeff [" + strs + `,{"Event":` + nums + `}]`, 2},
		{"empty array", `[]`, 0},
		{"empty response", `{"response": []}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != tc.n {
				t.Fatalf("%d events", len(es))
			}
			for _, e := range es {
				if ps := Validate(e); ps != nil {
					t.Errorf("problems %v", ps)
				}
				a := e.Attributes[0]
				if e.Timestamp.Unix() != 1597300000 || e.Distribution != AllCommunities || !e.Published ||
					!a.ToIDs || a.Distribution != ConnectedCommunities {
					t.Errorf("read %+v / %+v", e, a)
				}
			}
		})
	}
}

func TestMissingOptionalParts(t *testing.T) {
	e, err := ParseEvent([]byte(`{"Event":{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","info":"x","date":"2020-01-02",
		"Attribute":[{"type":"url","category":"Network activity","value":"http://example.com/a"}],"Object":null,"Tag":null}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ps := Validate(e); ps != nil {
		t.Errorf("problems %v", ps)
	}
	if e.Distribution != YourOrganisation || e.ThreatLevel != 4 || !e.Timestamp.IsZero() || e.Attributes[0].Distribution != InheritEvent {
		t.Errorf("defaults: %+v", e)
	}
}

func TestReadErrorsSayWhere(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		code     Code
		path     string
	}{
		{"empty", "", CodeEmpty, ""},
		{"spaces", " \n\t ", CodeEmpty, ""},
		{"number", "42", CodeNotEvent, "byte 0"},
		{"string", `"Event"`, CodeNotEvent, "byte 0"},
		{"empty object", `{}`, CodeNotEvent, ""},
		{"stix bundle", `{"type":"bundle","id":"bundle--1","objects":[]}`, CodeNotEvent, ""},
		{"response object", `{"response":{"Attribute":[]}}`, CodeNotEvent, "response"},
		{"truncated", "{\"Event\":{\"info\":\"x\",\n\"Attribute\":[", CodeJSONSyntax, "line 2, column 14"},
		{"bad token", "{\"info\": \"x\",\n  \"date\": 2020-01-01}", CodeJSONSyntax, "line 2, column 15"},
		{"bad token after a byte-order mark", "\ufeff{\"info\" \"x\"}", CodeJSONSyntax, "line 1, column 12"},
		{"list as value", `{"info":["x"]}`, CodeJSONShape, ""},
		{"attributes as object", `{"info":"x","Attribute":{"type":"ip-dst"}}`, CodeJSONShape, "Attribute"},
		// Go 1.27's encoding/json names the element ("Attribute.0.Tag"); 1.26 did not.
		{"tag as string", `[{"info":"x"},{"info":"y","Attribute":[{"Tag":"tlp:red"}]}]`, CodeJSONShape, "[1].Attribute.0.Tag|[1].Attribute.Tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("error %v is not a Problem", err)
			}
			if p.Code != tc.code || !slices.Contains(strings.Split(tc.path, "|"), p.Path) {
				t.Errorf("got %s at %q (%v), want %s at %q", p.Code, p.Path, p, tc.code, tc.path)
			}
			if !strings.HasPrefix(p.Error(), "misp: ") {
				t.Errorf("message %q", p.Error())
			}
		})
	}
}

// The misp-rfc's four example blocks that are not JSON upstream must fail
// with a syntax error, even wrapped as an object; the others, wrapped, are
// JSON (a fragment of an event, which may well not be an event).
func TestRFCBlocks(t *testing.T) {
	var index struct {
		Blocks []struct {
			File    string `json:"file"`
			Wrapped string `json:"wrapped_json"`
			Parses  bool   `json:"parses_as_json"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(readData(t, "misp-rfc/extracted/misp-core-format/_blocks.json"), &index); err != nil {
		t.Fatal(err)
	}
	broken := 0
	for _, b := range index.Blocks {
		if b.Parses {
			continue
		}
		var err error
		if b.Wrapped != "" {
			_, err = Parse(readData(t, filepath.Join("misp-rfc", b.Wrapped)))
		} else {
			broken++
			_, err = Parse([]byte("{" + string(readData(t, filepath.Join("misp-rfc", b.File))) + "}"))
		}
		var p *Problem
		isSyntax := errors.As(err, &p) && p.Code == CodeJSONSyntax
		if b.Wrapped == "" && (!isSyntax || !strings.HasPrefix(p.Path, "line ")) {
			t.Errorf("%s: %v, want a syntax error with its line", b.File, err)
		}
		if b.Wrapped != "" && isSyntax {
			t.Errorf("%s: %v", b.Wrapped, err)
		}
	}
	if broken != 4 {
		t.Errorf("%d broken blocks, want 4", broken)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// generated writes a {"response": [...]} of n events of m attributes each.
func generated(n, m int) string {
	var b strings.Builder
	b.WriteString(`{"response":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Event":{"uuid":"%08x-0000-4000-8000-000000000000","info":"event %d","date":"2024-01-02","timestamp":"1704153600","distribution":"1","threat_level_id":"2","analysis":"1","published":true,"Tag":[{"name":"tlp:green"}],"Attribute":[`, i, i)
		for j := range m {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"uuid":"%08x-%04x-4000-8000-000000000001","type":"ip-dst|port","category":"Network activity","value":"198.51.%d.%d|443","to_ids":"1","timestamp":"1704153600","distribution":"5","comment":"c2"}`, i, j, j%256, i%256)
		}
		b.WriteString(`]}}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

func TestReaderStreams(t *testing.T) {
	in := generated(3000, 5)
	cr := &countingReader{r: strings.NewReader(in)}
	r := NewReader(cr)
	e, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if e.Info != "event 0" || cr.n > 256<<10 {
		t.Fatalf("first event %q after reading %d of %d bytes", e.Info, cr.n, len(in))
	}
	n := 1
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.Info != fmt.Sprintf("event %d", n) || len(e.Attributes) != 5 {
			t.Fatalf("event %d: %q with %d attributes", n, e.Info, len(e.Attributes))
		}
		n++
	}
	if n != 3000 || cr.n != len(in) {
		t.Errorf("%d events, %d of %d bytes", n, cr.n, len(in))
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}
}

func TestValidateProblems(t *testing.T) {
	const head = `{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","info":"x","date":"2020-01-02"`
	for _, tc := range []struct {
		name, in string
		code     Code
		path     string
	}{
		{"event uuid", `{"uuid":"nope","info":"x","date":"2020-01-02"}`, CodeUUIDInvalid, "Event.uuid"},
		{"event info", `{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","info":" ","date":"2020-01-02"}`, CodeMissing, "Event.info"},
		{"event date", `{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","info":"x","date":"13/08/2020"}`, CodeDateInvalid, "Event.date"},
		{"event distribution", head + `,"distribution":"5"}`, CodeDistribution, "Event.distribution"},
		{"threat level", head + `,"threat_level_id":"0"}`, CodeThreatLevel, "Event.threat_level_id"},
		{"analysis", head + `,"analysis":"x"}`, CodeAnalysis, "Event.analysis"},
		{"published", head + `,"published":"yes"}`, CodeBoolInvalid, "Event.published"},
		{"timestamp", head + `,"timestamp":"2020-01-02"}`, CodeTimestampInvalid, "Event.timestamp"},
		{"negative timestamp", head + `,"timestamp":-5}`, CodeTimestampInvalid, "Event.timestamp"},
		{"type unknown", head + `,"Attribute":[{"type":"ip","category":"Network activity","value":"1"}]}`, CodeTypeUnknown, "Event.Attribute[0].type"},
		{"category unknown", head + `,"Attribute":[{"type":"ip-dst","category":"Network","value":"192.0.2.1"}]}`, CodeCategoryUnknown, "Event.Attribute[0].category"},
		{"category type", head + `,"Attribute":[{"type":"btc","category":"Network activity","value":"x"}]}`, CodeCategoryType, "Event.Attribute[0].category"},
		{"category missing", head + `,"Attribute":[{"type":"btc","value":"x"}]}`, CodeMissing, "Event.Attribute[0].category"},
		{"value missing", head + `,"Attribute":[{"type":"text","category":"Other"}]}`, CodeMissing, "Event.Attribute[0].value"},
		{"composite one part", head + `,"Attribute":[{"type":"ip-dst|port","category":"Network activity","value":"192.0.2.1"}]}`, CodeCompositeParts, "Event.Attribute[0].value"},
		{"composite three parts", head + `,"Attribute":[{"type":"domain|ip","category":"Network activity","value":"a.example|192.0.2.1|x"}]}`, CodeCompositeParts, "Event.Attribute[0].value"},
		{"composite empty part", head + `,"Attribute":[{"type":"filename|md5","category":"Payload delivery","value":"a.exe|"}]}`, CodeCompositeParts, "Event.Attribute[0].value"},
		{"to_ids", head + `,"Attribute":[{"type":"text","category":"Other","value":"v","to_ids":"2"}]}`, CodeBoolInvalid, "Event.Attribute[0].to_ids"},
		{"attribute distribution", head + `,"Attribute":[{"type":"text","category":"Other","value":"v","distribution":6}]}`, CodeDistribution, "Event.Attribute[0].distribution"},
		{"attribute uuid", head + `,"Attribute":[{"uuid":"5758ebf5c89848e69fe95665c0a83866","type":"text","category":"Other","value":"v"}]}`, CodeUUIDInvalid, "Event.Attribute[0].uuid"},
		{"first seen", head + `,"Attribute":[{"type":"text","category":"Other","value":"v","first_seen":"yesterday"}]}`, CodeTimestampInvalid, "Event.Attribute[0].first_seen"},
		{"seen order", head + `,"Attribute":[{"type":"text","category":"Other","value":"v","first_seen":"2020-01-02T00:00:00Z","last_seen":"2020-01-01T00:00:00+09:00"}]}`, CodeSeenOrder, "Event.Attribute[0].last_seen"},
		{"data base64", head + `,"Attribute":[{"type":"attachment","category":"Support Tool","value":"a.txt","data":"!!!"}]}`, CodeDataInvalid, "Event.Attribute[0].data"},
		{"sighting type", head + `,"Attribute":[{"type":"text","category":"Other","value":"v","Sighting":[{"type":"3"}]}]}`, CodeSightingType, "Event.Attribute[0].Sighting[0].type"},
		{"object attribute", head + `,"Object":[{"name":"file","Attribute":[{"type":"md5","category":"Financial fraud","value":"x"}]}]}`, CodeCategoryType, "Event.Object[0].Attribute[0].category"},
		{"object name", head + `,"Object":[{"Attribute":[]}]}`, CodeMissing, "Event.Object[0].name"},
		{"reference", head + `,"Object":[{"name":"file","ObjectReference":[{"referenced_uuid":"x","relationship_type":"drops"}]}]}`, CodeUUIDInvalid, "Event.Object[0].ObjectReference[0].referenced_uuid"},
		{"duplicate", head + `,"Attribute":[{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83867","type":"text","category":"Other","value":"v"}],"Object":[{"name":"x","uuid":"5758EBF5-C898-48E6-9FE9-5665C0A83867"}]}`, CodeUUIDDuplicate, "Event.Object[0].uuid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseEvent([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			ps := Validate(e)
			if len(ps) != 1 || ps[0].Code != tc.code || ps[0].Path != tc.path {
				t.Fatalf("got %v, want one %s at %s", ps, tc.code, tc.path)
			}
			if msg := ps[0].Error(); !strings.Contains(msg, tc.path) || strings.Contains(msg, "{") {
				t.Errorf("message %q", msg)
			}
		})
	}
}

func TestCatalogHasEveryCode(t *testing.T) {
	c, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for code := range english {
		p := Problem{Code: code, Path: "Event.uuid", Line: 3, Value: "v", Want: "w"}
		for _, lang := range locale.Languages {
			if !c.Has(lang, p.Key()) {
				t.Errorf("%s has no %s", lang, p.Key())
				continue
			}
			if got := c.T(lang, p.Key(), p.Args()...); strings.Contains(got, "{") {
				t.Errorf("%s %s: placeholder left in %q", lang, code, got)
			}
		}
	}
	for _, k := range c.Keys("en") {
		if code, ok := strings.CutPrefix(k, "misp.problem."); ok {
			if _, known := english[Code(code)]; !known {
				t.Errorf("catalog key %s names no code", k)
			}
		}
	}
}
