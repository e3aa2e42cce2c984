package intel_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/misp"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/tlp"
)

func wording(t testing.TB) intel.Wording {
	t.Helper()
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	return intel.Wording{T: func(key string, pairs ...string) string { return cats.T("ja", key, pairs...) }, Loc: tokyo,
		Benign: func(o observe.Observable) bool { return o.Value == "amazon.co.jp" }}
}

// every observable type koban extracts, as a report holds them.
var allObservables = []observe.Observable{
	{Type: observe.Phone, Value: "+819044445555"},
	{Type: observe.BankAccount, Value: "0001-001-1-1234567"},
	{Type: observe.BankAccount, Value: "name:みずほ銀行/新宿支店/1/7654321"},
	{Type: observe.URL, Value: "https://sagawa-delivery.xyz/track"},
	{Type: observe.Domain, Value: "sagawa-delivery.xyz"},
	{Type: observe.Domain, Value: "amazon.co.jp"},
	{Type: observe.Email, Value: "support@sagawa-delivery.xyz"},
	{Type: observe.IPv4, Value: "198.51.100.7"},
	{Type: observe.IPv6, Value: "2001:db8::1"},
	{Type: observe.CIDR, Value: "203.0.113.0/24"},
	{Type: observe.MD5, Value: "cead3f77f6cda6ec00f57d76c9a6879f"},
	{Type: observe.SHA256, Value: "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
	{Type: observe.BTC, Value: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
	{Type: observe.TRX, Value: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"},
	{Type: observe.ASN, Value: "AS64500"},
	{Type: observe.CVE, Value: "CVE-2024-3400"},
	{Type: observe.X, Value: "sagawa_help"},
	{Type: observe.Line, Value: "@sagawa"},
}

func sharedReport(receipt string, level tlp.Level, obs ...observe.Observable) intel.SharedReport {
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	return intel.SharedReport{Receipt: receipt, Kind: "report", Category: "FR", Prefecture: "13", AmountJPY: 1500000,
		OccurredAt: at.Add(-48 * time.Hour), CreatedAt: at, UpdatedAt: at.Add(time.Hour), TLP: level, Observables: obs}
}

// encode collects what an encoder writes, through a real bundle.
func encode(t *testing.T, f func(emit func(*stix.Object) error) error) []*stix.Object {
	t.Helper()
	var buf bytes.Buffer
	enc := stix.NewEncoder(&buf, "")
	if err := f(enc.Encode); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	dec := stix.NewDecoder(&buf)
	var out []*stix.Object
	for {
		o, err := dec.Next()
		if err != nil {
			break
		}
		out = append(out, o)
	}
	if len(out) != enc.Count() {
		t.Fatalf("wrote %d objects, read back %d", enc.Count(), len(out))
	}
	return out
}

// shared are the objects every export carries unmarked: published once,
// the same for every partner.
var shared = map[string]bool{stix.KobanIdentity: true, stix.KobanExtension: true, stix.TLP2Extension: true}

// checkBundle holds an export to its rules: every object valid STIX 2.1
// by koban's validator, every id once, every object but the shared ones
// and the marking definitions marked with exactly one TLP 2.0 marking that
// is in the bundle, every reference inside the bundle (but a sighted
// partner indicator, and OASIS, which published the TLP 2.0 extension).
func checkBundle(t *testing.T, objs []*stix.Object, outside ...string) map[string]*stix.Object {
	t.Helper()
	byID := map[string]*stix.Object{}
	for _, o := range objs {
		if byID[o.ID()] != nil {
			t.Errorf("%s twice", o.ID())
		}
		byID[o.ID()] = o
		if ps := stix.Validate(o); len(ps) > 0 {
			t.Errorf("%s: %v", o.ID(), ps)
		}
	}
	for _, o := range objs {
		marks := o.ObjectMarkingRefs()
		switch {
		case o.Type() == "marking-definition" || shared[o.ID()]:
			if len(marks) != 0 {
				t.Errorf("%s is marked %v", o.ID(), marks)
			}
		case len(marks) != 1 || stix.TLPOf(o) == stix.TLPUnknown || byID[marks[0]] == nil:
			t.Errorf("%s: markings %v", o.ID(), marks)
		}
		var refs []string
		for _, name := range []string{"object_refs", "where_sighted_refs", "observed_data_refs"} {
			refs = append(refs, o.Strings(name)...)
		}
		for _, name := range []string{"source_ref", "target_ref", "created_by_ref", "sighting_of_ref"} {
			if s, ok := o.String(name); ok {
				refs = append(refs, s)
			}
		}
		for _, ref := range refs {
			if byID[ref] == nil && !slices.Contains(outside, ref) && !(o.ID() == stix.TLP2Extension && ref == o.CreatedByRef()) {
				t.Errorf("%s refers to %s, not in the bundle", o.ID(), ref)
			}
		}
	}
	return byID
}

func ofType(objs []*stix.Object, typ string) []*stix.Object {
	var out []*stix.Object
	for _, o := range objs {
		if o.Type() == typ {
			out = append(out, o)
		}
	}
	return out
}

func TestEncodeReport(t *testing.T) {
	w := wording(t)
	r := sharedReport("R7K2-9QXM-3TVA", tlp.Green, allObservables...)
	partner := "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	r.Sightings = []intel.Sighted{{StixID: partner, TLP: tlp.AmberStrict, At: r.CreatedAt.Add(time.Minute)}}
	objs := encode(t, func(emit func(*stix.Object) error) error { return intel.EncodeReport(r, w, emit) })
	byID := checkBundle(t, objs, partner)

	reps := ofType(objs, "report")
	if len(reps) != 1 {
		t.Fatalf("%d reports", len(reps))
	}
	rep := reps[0]
	if rep.Name() != r.Receipt || stix.TLPOf(rep) != stix.TLPGreen || !slices.Equal(rep.Strings("report_types"), []string{"threat-report"}) {
		t.Errorf("report %s", mustJSON(rep))
	}
	if p, _ := rep.String("published"); p != "2026-12-01T03:00:00.000Z" {
		t.Errorf("published %s", p)
	}
	for _, want := range []string{"種別: 通報\n", "分類: 詐欺（FR）", "都道府県: 東京都", "発生日: 2026-11-29", "受付日: 2026-12-01", "被害額: 1,500,000円"} {
		if !strings.Contains(rep.Description(), want) {
			t.Errorf("description %q lacks %q", rep.Description(), want)
		}
	}
	// Every observable is an SCO (a CVE a vulnerability), each indicator
	// is based on the observed-data of the report; amazon.co.jp, on a
	// warning list, is no indicator.
	if n := len(ofType(objs, "vulnerability")); n != 1 {
		t.Errorf("%d vulnerabilities", n)
	}
	ods := ofType(objs, "observed-data")
	if len(ods) != 1 || len(ods[0].ObjectRefs()) != len(allObservables)-1 {
		t.Fatalf("observed-data %v", ods)
	}
	inds := ofType(objs, "indicator")
	patterns := map[string]bool{}
	for _, ind := range inds {
		patterns[ind.Pattern()] = true
	}
	for _, want := range []string{"[x-koban-phone-number:value = '+819044445555']", "[x-koban-bank-account:value = 'name:みずほ銀行/新宿支店/1/7654321']",
		"[x-koban-cryptocurrency-wallet:value = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa']", "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
		"[ipv4-addr:value = '203.0.113.0/24']"} {
		if !patterns[want] {
			t.Errorf("no indicator %s among %v", want, patterns)
		}
	}
	if patterns["[domain-name:value = 'amazon.co.jp']"] {
		t.Error("a value on a warning list is an indicator")
	}
	rels := ofType(objs, "relationship")
	if len(rels) != len(inds) {
		t.Errorf("%d relationships for %d indicators", len(rels), len(inds))
	}
	for _, rel := range rels {
		if rel.RelationshipType() != "based-on" || byID[rel.SourceRef()].Type() != "indicator" || rel.TargetRef() != ods[0].ID() {
			t.Errorf("relationship %s", mustJSON(rel))
		}
	}
	// The sighting of the partner's indicator is marked as strictly as the
	// stricter of the report and the indicator.
	sgs := ofType(objs, "sighting")
	if len(sgs) != 1 || sgs[0].SightingOfRef() != partner || stix.TLPOf(sgs[0]) != stix.TLPAmberStrict ||
		!slices.Equal(sgs[0].WhereSightedRefs(), []string{stix.KobanIdentity}) {
		t.Errorf("sightings %v", sgs)
	}
	// The report refers to everything of its own.
	for _, o := range objs {
		if o.Type() != "report" && o.Type() != "marking-definition" && !shared[o.ID()] && !slices.Contains(rep.ObjectRefs(), o.ID()) {
			t.Errorf("the report does not refer to %s", o.ID())
		}
	}
	// Extension objects name koban's definition, which is in the bundle.
	for _, typ := range []string{stix.BankAccountType, stix.PhoneNumberType, stix.CryptoWalletType} {
		for _, o := range ofType(objs, typ) {
			if _, ok := o.Extensions()[stix.KobanExtension]; !ok {
				t.Errorf("%s without koban's extension", o.ID())
			}
		}
	}

	// What koban reads back from the objects (not the indicators) is every
	// value of the report.
	back := map[observe.Observable]bool{}
	for _, o := range objs {
		if obs, indicates := intel.ObservablesOf(o); !indicates {
			for _, x := range obs {
				back[x] = true
			}
		}
	}
	for _, o := range allObservables {
		if !back[o] {
			t.Errorf("%v does not come back", o)
		}
	}
	if len(back) != len(allObservables) {
		t.Errorf("%d values come back, %d went out", len(back), len(allObservables))
	}

	// The same record exported again: the same objects, byte for byte.
	again := encode(t, func(emit func(*stix.Object) error) error { return intel.EncodeReport(r, w, emit) })
	if len(again) != len(objs) {
		t.Fatalf("%d objects, then %d", len(objs), len(again))
	}
	for i := range objs {
		if mustJSON(objs[i]) != mustJSON(again[i]) {
			t.Errorf("export changed:\n%s\n%s", mustJSON(objs[i]), mustJSON(again[i]))
		}
	}
	// Another report's objects have other ids, but its SCOs the same.
	other := encode(t, func(emit func(*stix.Object) error) error {
		return intel.EncodeReport(sharedReport("Q3WN-8D4R-XK2P", tlp.Green, allObservables...), w, emit)
	})
	for _, o := range other {
		_, same := byID[o.ID()]
		if same != (o.Type() == "marking-definition" || shared[o.ID()] || stix.CategoryOf(o.Type()) == stix.SCO) {
			t.Errorf("%s in both exports: %v", o.ID(), same)
		}
	}
}

// A report with no value still makes a valid report object, referring to
// koban, which received it.
func TestEncodeReportWithoutValues(t *testing.T) {
	objs := encode(t, func(emit func(*stix.Object) error) error {
		return intel.EncodeReport(sharedReport("R7K2-9QXM-3TVA", tlp.Red), wording(t), emit)
	})
	checkBundle(t, objs)
	reps := ofType(objs, "report")
	if len(reps) != 1 || !slices.Equal(reps[0].ObjectRefs(), []string{stix.KobanIdentity}) || stix.TLPOf(reps[0]) != stix.TLPRed {
		t.Errorf("%v", reps)
	}
}

func TestEncodeCase(t *testing.T) {
	phone := observe.Observable{Type: observe.Phone, Value: "+819044445555"}
	green := sharedReport("R7K2-9QXM-3TVA", tlp.Green, phone, observe.Observable{Type: observe.Domain, Value: "sagawa-delivery.xyz"})
	red := sharedReport("Q3WN-8D4R-XK2P", tlp.Red, phone)
	c := intel.SharedCase{Number: "2026-13-00042", Title: "宅配業者を装うSMS詐欺", Category: "FR", Severity: "high", Status: "investigating",
		CreatedAt: green.CreatedAt.Add(time.Hour), UpdatedAt: green.CreatedAt.Add(2 * time.Hour), TLP: tlp.Red, Reports: []intel.SharedReport{green, red}}
	objs := encode(t, func(emit func(*stix.Object) error) error { return intel.EncodeCase(c, wording(t), emit) })
	byID := checkBundle(t, objs)
	incs, grs := ofType(objs, "incident"), ofType(objs, "grouping")
	if len(incs) != 1 || incs[0].Name() != "2026-13-00042 宅配業者を装うSMS詐欺" || stix.TLPOf(incs[0]) != stix.TLPRed {
		t.Fatalf("incidents %v", incs)
	}
	if len(grs) != 1 {
		t.Fatal("no grouping")
	}
	if ctx, _ := grs[0].String("context"); ctx != "suspicious-activity" || len(grs[0].ObjectRefs()) != 3 || grs[0].ObjectRefs()[0] != incs[0].ID() {
		t.Errorf("grouping %s", mustJSON(grs[0]))
	}
	levels := map[string]stix.TLP{}
	for _, id := range grs[0].ObjectRefs()[1:] {
		levels[byID[id].Name()] = stix.TLPOf(byID[id])
	}
	if levels[green.Receipt] != stix.TLPGreen || levels[red.Receipt] != stix.TLPRed {
		t.Errorf("report levels %v", levels)
	}
	// The phone number both reports hold is one SCO, marked as the red
	// report; the domain only the green report holds stays green.
	for _, o := range objs {
		switch o.Value() {
		case phone.Value:
			if stix.TLPOf(o) != stix.TLPRed {
				t.Errorf("shared phone marked %v", stix.TLPOf(o))
			}
		case "sagawa-delivery.xyz":
			if stix.TLPOf(o) != stix.TLPGreen {
				t.Errorf("domain marked %v", stix.TLPOf(o))
			}
		}
	}
	if n := len(ofType(objs, stix.PhoneNumberType)); n != 1 {
		t.Errorf("%d phone SCOs", n)
	}
	// A report's objects have the ids they have in the report's own export.
	alone := encode(t, func(emit func(*stix.Object) error) error { return intel.EncodeReport(green, wording(t), emit) })
	for _, o := range alone {
		if o.Type() == "report" && byID[o.ID()] == nil {
			t.Errorf("the report %s has another id in its case", o.ID())
		}
	}
}

func mustJSON(o *stix.Object) string {
	b, _ := o.MarshalJSON()
	return string(b)
}

func TestReportEvent(t *testing.T) {
	w := wording(t)
	r := sharedReport("R7K2-9QXM-3TVA", tlp.Green, allObservables...)
	r.Status = "in_progress"
	orgc := misp.Org{Name: "警視庁", UUID: intel.RecordUUID("org:pref-13")}
	ev, err := intel.ReportEvent(r, w, orgc)
	if err != nil {
		t.Fatal(err)
	}
	if ps := misp.Validate(ev); len(ps) > 0 {
		t.Errorf("invalid event: %v", ps)
	}
	if ev.UUID != intel.RecordUUID("report:R7K2-9QXM-3TVA") || ev.Info != "通報 R7K2-9QXM-3TVA（詐欺）" || ev.Analysis != 1 ||
		ev.Distribution != misp.YourOrganisation || misp.TLP(ev.Tags) != "green" || ev.Orgc != orgc || ev.Date.Format("2006-01-02") != "2026-11-29" {
		t.Errorf("event %+v", ev)
	}
	tags := []string{}
	for _, tg := range ev.Tags {
		tags = append(tags, tg.Name)
	}
	if !slices.Contains(tags, `rsit:fraud="masquerade"`) || !slices.Contains(tags, `koban:category="FR"`) {
		t.Errorf("tags %v", tags)
	}
	// Every observable MISP has a type for is an attribute koban reads back
	// as the same observable at the report's level; the benign one is not
	// for detection.
	back := map[observe.Observable]string{}
	for _, en := range ev.Entries() {
		for _, o := range en.Observables {
			back[o] = en.TLP
		}
		if en.Attribute.Value == "amazon.co.jp" && en.Attribute.ToIDs {
			t.Error("a value on a warning list is for detection")
		}
		if !strings.Contains(en.Attribute.Comment, r.Receipt) {
			t.Errorf("attribute %s does not name its report: %q", en.Attribute.Value, en.Attribute.Comment)
		}
	}
	for _, o := range []observe.Observable{allObservables[0], allObservables[1], allObservables[3], allObservables[12], allObservables[14], allObservables[15]} {
		if back[o] != "green" {
			t.Errorf("%v read back at %q", o, back[o])
		}
	}
	// The same record again: the same event and attribute UUIDs.
	again, _ := intel.ReportEvent(r, w, orgc)
	a, _ := misp.Marshal(ev)
	b, _ := misp.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Errorf("export changed:\n%s\n%s", a, b)
	}
}

func TestCaseEvent(t *testing.T) {
	phone := observe.Observable{Type: observe.Phone, Value: "+819044445555"}
	domain := observe.Observable{Type: observe.Domain, Value: "sagawa-delivery.xyz"}
	green := sharedReport("R7K2-9QXM-3TVA", tlp.Green, phone, domain)
	red := sharedReport("Q3WN-8D4R-XK2P", tlp.Red, phone)
	c := intel.SharedCase{Number: "2026-13-00042", Title: "宅配業者を装うSMS詐欺", Category: "FR", Severity: "high", Status: "investigating",
		CreatedAt: green.CreatedAt, UpdatedAt: green.CreatedAt, TLP: tlp.Red, Reports: []intel.SharedReport{green, red}}
	ev, err := intel.CaseEvent(c, wording(t), misp.Org{Name: "警視庁"})
	if err != nil {
		t.Fatal(err)
	}
	if ps := misp.Validate(ev); len(ps) > 0 {
		t.Errorf("invalid event: %v", ps)
	}
	if ev.Info != "事件 2026-13-00042 宅配業者を装うSMS詐欺" || ev.ThreatLevel != 1 || misp.TLP(ev.Tags) != "red" || len(ev.Attributes) != 2 {
		t.Fatalf("event %+v", ev)
	}
	levels := map[observe.Observable]string{}
	for _, en := range ev.Entries() {
		levels[en.Observables[0]] = en.TLP
		if en.Observables[0] == phone && en.Attribute.Comment != "通報 R7K2-9QXM-3TVA, Q3WN-8D4R-XK2P から" {
			t.Errorf("phone comment %q", en.Attribute.Comment)
		}
	}
	// The phone both reports hold goes at the red report's level, the
	// domain at the green one's.
	if levels[phone] != "red" || levels[domain] != "green" {
		t.Errorf("levels %v", levels)
	}
}
