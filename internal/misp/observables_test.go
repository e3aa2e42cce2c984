package misp

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

func obs(pairs ...string) []observe.Observable {
	var out []observe.Observable
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, observe.Observable{Type: observe.Type(pairs[i]), Value: pairs[i+1]})
	}
	return out
}

func TestObservables(t *testing.T) {
	for _, tc := range []struct {
		typ, value string
		want       []observe.Observable
		unreadable bool
	}{
		{"ip-dst", "192.0.2.1", obs("ipv4", "192.0.2.1"), false},
		{"ip-src", "2001:DB8:0:0::1", obs("ipv6", "2001:db8::1"), false},
		{"ip-dst", "203.0.113.5/24", obs("cidr", "203.0.113.0/24"), false},
		{"ip-dst", "not an address", nil, true},
		{"ip-dst|port", "198.51.100.7|443", obs("ipv4", "198.51.100.7"), false},
		{"ip-src|port", "2001:db8::2|8080", obs("ipv6", "2001:db8::2"), false},
		{"domain", "Example.COM", obs("domain", "example.com"), false},
		{"hostname", "www.example.co.jp", obs("domain", "www.example.co.jp"), false},
		{"hostname|port", "c2.example.net|8443", obs("domain", "c2.example.net"), false},
		{"domain|ip", "evil.example.org|192.0.2.44", obs("domain", "evil.example.org", "ipv4", "192.0.2.44"), false},
		{"domain|ip", "evil.example.org|nope", obs("domain", "evil.example.org"), true},
		{"onion-address", "decrypttozxybarc.onion", obs("domain", "decrypttozxybarc.onion"), false},
		{"url", "HTTP://Example.com:80/login?x=1#frag", obs("url", "http://example.com/login?x=1"), false},
		{"url", "decrypttozxybarc.onion", obs("domain", "decrypttozxybarc.onion"), false},
		{"uri", "/index.php", nil, false},
		{"link", "https://www.virustotal.com/gui/file/x", nil, false},
		{"email-src", "Scam@Example.COM", obs("email", "Scam@example.com"), false},
		{"whois-registrant-email", "owner@example.net", obs("email", "owner@example.net"), false},
		{"phone-number", "090-1234-5678", obs("phone", "+819012345678"), false},
		{"phone-number", "12", nil, false},
		{"md5", "D41D8CD98F00B204E9800998ECF8427E", obs("md5", "d41d8cd98f00b204e9800998ecf8427e"), false},
		{"sha256", "abc", nil, true},
		{"filename|sha1", "a.exe|da39a3ee5e6b4b0d3255bfef95601890afd80709", obs("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"), false},
		{"malware-sample", "x.zip|d41d8cd98f00b204e9800998ecf8427e", obs("md5", "d41d8cd98f00b204e9800998ecf8427e"), false},
		{"filename|md5", "only-a-name", nil, false},
		{"malware-sample", "bar.exe", nil, false},
		{"btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", obs("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"), false},
		{"vulnerability", "cve-2021-44228", obs("cve", "CVE-2021-44228"), false},
		{"vulnerability", "GHSA-jfh8-c2jp-5v3q", nil, false},
		{"AS", "AS174", obs("asn", "AS174"), false},
		{"AS", "174", obs("asn", "AS174"), false},
		{"bank-account-nr", "0001-001-1-1234567", obs("bank_account", "0001-001-1-1234567"), false},
		{"bank-account-nr", "GB33BUKB20201555555555", nil, false},
		{"iban", "GB33BUKB20201555555555", nil, false},
		{"target-email", "victim@example.com", nil, false},
		{"twitter-id", "@Scammer_JP", obs("x", "scammer_jp"), false},
		{"text", "192.0.2.1", nil, false},
	} {
		t.Run(tc.typ+" "+tc.value, func(t *testing.T) {
			got, err := Observables(tc.typ, tc.value)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			var p *Problem
			if tc.unreadable != (err != nil) || err != nil && (!errors.As(err, &p) || p.Code != CodeValueUnreadable || p.Want == "") {
				t.Errorf("error %v, unreadable %v", err, tc.unreadable)
			}
			if Mapped(tc.typ) != (observableParts[tc.typ] != nil) {
				t.Error("Mapped disagrees with the table")
			}
		})
	}
}

func TestEveryMappedTypeIsMISPs(t *testing.T) {
	for typ, parts := range observableParts {
		if !KnownType(typ) {
			t.Errorf("%q is not a MISP type", typ)
		}
		for _, p := range parts {
			if p.which != 0 && !Composite(typ) && typ != "malware-sample" {
				t.Errorf("%q is not composite but a part is asked of it", typ)
			}
			for _, k := range p.kinds {
				if !k.Valid() {
					t.Errorf("%q maps to unknown koban type %q", typ, k)
				}
			}
		}
	}
}

func TestTLP(t *testing.T) {
	tags := func(names ...string) []Tag {
		var ts []Tag
		for _, n := range names {
			ts = append(ts, Tag{Name: n})
		}
		return ts
	}
	for _, tc := range []struct {
		tags []Tag
		want string
	}{
		{nil, ""},
		{tags("osint:source-type=\"blog-post\""), ""},
		{tags("tlp:white"), "clear"},
		{tags("TLP:CLEAR"), "clear"},
		{tags(" tlp:green "), "green"},
		{tags("tlp:Amber"), "amber"},
		{tags("tlp:amber+strict"), "amber+strict"},
		{tags("tlp:red"), "red"},
		{tags("tlp:green", "tlp:red", "tlp:amber"), "red"},
		{tags("tlp:amber", "tlp:amber+strict"), "amber+strict"},
		{tags("tlp:ex:chr", "tlp:unclear", "tlp:green"), "green"},
		{tags("tlpred", "pap:red"), ""},
	} {
		if got := TLP(tc.tags); got != tc.want {
			t.Errorf("TLP(%v) = %q, want %q", tc.tags, got, tc.want)
		}
	}
	if TLPTag("amber+strict") != "tlp:amber+strict" || TLPTag("white") != "" || TLPTag("") != "" {
		t.Error("TLPTag")
	}
}

func TestEntriesTLPOverrides(t *testing.T) {
	e, err := ParseEvent([]byte(`{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","info":"x","date":"2020-01-02",
		"Tag":[{"name":"tlp:green"}],
		"Attribute":[
			{"type":"domain","category":"Network activity","value":"a.example.com"},
			{"type":"domain","category":"Network activity","value":"b.example.com","Tag":[{"name":"tlp:red"}]},
			{"type":"domain","category":"Network activity","value":"c.example.com","Tag":[{"name":"tlp:clear"}]},
			{"type":"text","category":"Other","value":"note","deleted":true}],
		"Object":[
			{"name":"domain-ip","Tag":[{"name":"tlp:amber"}],"Attribute":[
				{"type":"ip-dst","category":"Network activity","value":"192.0.2.1","object_relation":"ip"},
				{"type":"ip-dst","category":"Network activity","value":"bogus","object_relation":"ip","Tag":[{"name":"tlp:amber+strict"}]}]},
			{"name":"file","Attribute":[{"type":"sha1","category":"Payload delivery","value":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path, tlp string
		n         int
		problem   bool
	}{
		{"Event.Attribute[0]", "green", 1, false},
		{"Event.Attribute[1]", "red", 1, false},
		{"Event.Attribute[2]", "clear", 1, false},
		{"Event.Attribute[3]", "green", 0, false},
		{"Event.Object[0].Attribute[0]", "amber", 1, false},
		{"Event.Object[0].Attribute[1]", "amber+strict", 0, true},
		{"Event.Object[1].Attribute[0]", "green", 1, false},
	}
	got := e.Entries()
	if len(got) != len(want) {
		t.Fatalf("%d entries", len(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Path != w.path || g.TLP != w.tlp || len(g.Observables) != w.n || (g.Problem != nil) != w.problem {
			t.Errorf("entry %d: %s tlp %q %v problem %v; want %+v", i, g.Path, g.TLP, g.Observables, g.Problem, w)
		}
		if (g.Object != nil) != strings.Contains(w.path, "Object") {
			t.Errorf("entry %d: object %v", i, g.Object)
		}
	}
	if got[5].Problem.Path != "Event.Object[0].Attribute[1].value" || !got[3].Attribute.Deleted {
		t.Errorf("problem at %q; deleted %v", got[5].Problem.Path, got[3].Attribute.Deleted)
	}
}

func TestExportTable(t *testing.T) {
	for _, k := range observe.Types() {
		ex, ok := ExportOf(k)
		if !ok {
			t.Errorf("no export for %s", k)
			continue
		}
		if !KnownType(ex.Type) || !Allowed(ex.Category, ex.Type) {
			t.Errorf("%s → %s / %s is not in the table", k, ex.Type, ex.Category)
		}
		if (ex.Type == "text") != (ex.Comment != "") {
			t.Errorf("%s: a text export must say what it is", k)
		}
	}
}

// A koban draft written as MISP and read back gives the same observables.
func TestNewEventRoundTrip(t *testing.T) {
	d := Draft{
		UUID: "6A0C9E1E-3B7B-4C1E-9D8B-2F1C2E3D4A5B",
		Info: "特殊詐欺（架空請求）に使われた連絡先",
		Date: time.Date(2024, 5, 1, 15, 0, 0, 0, time.FixedZone("JST", 9*3600)),
		TLP:  "amber",
		Tags: []string{`koban:category="FR"`},
		Orgc: Org{Name: "NPA", UUID: "11111111-2222-4333-8444-555555555555"},
		Items: []Item{
			{Type: observe.Phone, Value: "０９０－１２３４－５６７８", Comment: "架電番号"},
			{Type: observe.Phone, Value: "+81 90 1234 5678"}, // the same number: one attribute
			{Type: observe.URL, Value: "hxxps://login-example[.]com/verify"},
			{Type: observe.BankAccount, Value: "0001-001-1-1234567", TLP: "red"},
			{Type: observe.BTC, Value: "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", Category: "Financial fraud"},
			{Type: observe.ETH, Value: "0x52908400098527886E0F7030069857D2E4169EE7"},
			{Type: observe.CIDR, Value: "203.0.113.7/24"},
			{Type: observe.Email, Value: "scam@example.com", Tags: []string{"phishing"}},
			{Type: observe.CVE, Value: "CVE-2021-44228"},
			{Type: observe.ASN, Value: "AS2497"},
		},
	}
	e, err := NewEvent(d)
	if err != nil {
		t.Fatal(err)
	}
	if ps := Validate(e); ps != nil {
		t.Fatalf("the written event is invalid: %v", ps)
	}
	if e.UUID != "6a0c9e1e-3b7b-4c1e-9d8b-2f1c2e3d4a5b" || e.Date.Format(time.DateOnly) != "2024-05-01" || len(e.Attributes) != 9 {
		t.Fatalf("uuid %s date %v %d attributes", e.UUID, e.Date, len(e.Attributes))
	}
	again, _ := NewEvent(d)
	for i := range e.Attributes {
		if e.Attributes[i].UUID != again.Attributes[i].UUID || !ValidUUID(e.Attributes[i].UUID) || e.Attributes[i].UUID[14] != '5' {
			t.Errorf("attribute UUIDs are not stable version 5: %s %s", e.Attributes[i].UUID, again.Attributes[i].UUID)
		}
	}
	b, err := Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"distribution":"0"`, `"threat_level_id":"4"`, `"timestamp":"1714543200"`, `"to_ids":true`, `"published":false`, `"date":"2024-05-01"`, `{"Event":{`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("%s missing from %s", s, b)
		}
	}
	back, err := ParseEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	if TLP(back.Tags) != "amber" {
		t.Errorf("event TLP %q", TLP(back.Tags))
	}
	var got []observe.Observable
	tlps := map[string]string{}
	for _, en := range back.Entries() {
		got = append(got, en.Observables...)
		tlps[en.Attribute.Type] = en.TLP
	}
	want := obs("phone", "+819012345678", "url", "https://login-example.com/verify", "bank_account", "0001-001-1-1234567",
		"btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "cidr", "203.0.113.0/24", "email", "scam@example.com",
		"cve", "CVE-2021-44228", "asn", "AS2497")
	if !slices.Equal(got, want) {
		t.Errorf("read back %v\nwant %v", got, want)
	}
	if tlps["bank-account-nr"] != "red" || tlps["url"] != "amber" {
		t.Errorf("TLPs %v", tlps)
	}
	eth := back.Attributes[4]
	if eth.Type != "text" || !strings.HasPrefix(eth.Comment, "Ethereum address") {
		t.Errorf("eth written as %+v", eth)
	}
	if back.Attributes[0].Comment != "架電番号" || back.Attributes[0].Category != "Person" {
		t.Errorf("phone written as %+v", back.Attributes[0])
	}
}

func TestNewEventRefusesBadDrafts(t *testing.T) {
	_, err := NewEvent(Draft{
		UUID: "x", TLP: "white", Distribution: 7, ThreatLevel: 9, Analysis: -1,
		Items: []Item{
			{Type: "nope", Value: "x"},
			{Type: observe.IPv4, Value: "999.1.1.1"},
			{Type: observe.BTC, Value: "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", Category: "Network activity"},
			{Type: observe.Domain, Value: "example.com", TLP: "purple"},
		},
	})
	want := map[string]Code{
		"Info": CodeMissing, "Date": CodeMissing, "UUID": CodeUUIDInvalid, "TLP": CodeTLPInvalid,
		"Distribution": CodeDistribution, "ThreatLevel": CodeThreatLevel, "Analysis": CodeAnalysis,
		"Items[0].Type": CodeTypeUnknown, "Items[1].Value": CodeValueUnreadable,
		"Items[2].Category": CodeCategoryType, "Items[3].TLP": CodeTLPInvalid,
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("error %v", err)
	}
	got := map[string]Code{}
	for _, e := range joined.Unwrap() {
		var p *Problem
		if !errors.As(e, &p) {
			t.Fatalf("%v is not a Problem", e)
		}
		got[p.Path] = p.Code
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}

// attrKey is what must survive a round trip of an imported event.
type attrKey struct {
	path, typ, category, value string
	ids                        bool
	tags                       string
}

func attrKeys(e *Event) []attrKey {
	var ks []attrKey
	add := func(path string, a *Attribute) {
		var tags []string
		for _, t := range a.Tags {
			tags = append(tags, t.Name)
		}
		ks = append(ks, attrKey{path, a.Type, a.Category, a.Value, a.ToIDs, strings.Join(tags, "\x00")})
	}
	for _, en := range e.Entries() {
		add(en.Path, en.Attribute)
	}
	return ks
}

func TestImportedEventsRoundTrip(t *testing.T) {
	total := 0
	for _, tc := range eventFiles {
		events, err := Parse(readData(t, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			b, err := Marshal(e)
			if err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			back, err := ParseEvent(b)
			if err != nil {
				t.Fatalf("%s: re-import: %v", tc.file, err)
			}
			want, got := attrKeys(e), attrKeys(back)
			total += len(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: attributes differ after a round trip:\n%v\n%v", tc.file, got, want)
			}
			if TLP(back.Tags) != TLP(e.Tags) || back.UUID != e.UUID || back.Info != e.Info || !back.Date.Equal(e.Date) ||
				!back.Timestamp.Equal(e.Timestamp) || len(back.Objects) != len(e.Objects) || len(back.Galaxies) != len(e.Galaxies) {
				t.Errorf("%s: the event changed", tc.file)
			}
			if !slices.Equal(codes(Validate(back)), codes(Validate(e))) {
				t.Errorf("%s: problems %v became %v", tc.file, Validate(e), Validate(back))
			}
		}
	}
	if total < 100 {
		t.Errorf("only %d attributes went round", total)
	}
}
