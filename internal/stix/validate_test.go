package stix

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/locale"
)

const (
	uuidA = "0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"
	uuidB = "1c7b5b88-8ff7-4a4d-aa9d-feb398cd0062"
)

// valid objects the table breaks one rule at a time.
var bases = map[string]string{
	"indicator": `{"type":"indicator","spec_version":"2.1","id":"indicator--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
		"pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2016-04-06T20:03:48Z"}`,
	"relationship": `{"type":"relationship","spec_version":"2.1","id":"relationship--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
		"relationship_type":"indicates","source_ref":"indicator--` + uuidA + `","target_ref":"malware--` + uuidB + `"}`,
	"sighting": `{"type":"sighting","spec_version":"2.1","id":"sighting--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
		"sighting_of_ref":"indicator--` + uuidA + `","where_sighted_refs":["identity--` + uuidB + `"],"count":2}`,
	"file":        `{"type":"file","spec_version":"2.1","id":"file--` + uuidA + `","name":"a.exe","hashes":{"MD5":"` + strings.Repeat("a", 32) + `"}}`,
	"artifact":    `{"type":"artifact","id":"artifact--` + uuidA + `","payload_bin":"aGVsbG8="}`,
	"ipv4-addr":   `{"type":"ipv4-addr","id":"ipv4-addr--` + uuidA + `","value":"198.51.100.3"}`,
	"report":      `{"type":"report","spec_version":"2.1","id":"report--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","name":"r","published":"2016-04-06T20:03:48Z","object_refs":["indicator--` + uuidA + `"]}`,
	"observed":    `{"type":"observed-data","spec_version":"2.1","id":"observed-data--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","first_observed":"2016-04-06T20:03:48Z","last_observed":"2016-04-06T20:03:48Z","number_observed":1,"object_refs":["ipv4-addr--` + uuidA + `"]}`,
	"marking":     `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","definition_type":"statement","definition":{"statement":"Copyright koban"}}`,
	"extdef":      `{"type":"extension-definition","spec_version":"2.1","id":"extension-definition--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","created_by_ref":"identity--` + uuidB + `","name":"e","schema":"https://example.org/s","version":"1.0.0","extension_types":["new-sdo"]}`,
	"location":    `{"type":"location","spec_version":"2.1","id":"location--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","country":"jp"}`,
	"opinion":     `{"type":"opinion","spec_version":"2.1","id":"opinion--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","opinion":"agree","object_refs":["report--` + uuidA + `"]}`,
	"email":       `{"type":"email-message","id":"email-message--` + uuidA + `","is_multipart":false,"body":"hi"}`,
	"traffic":     `{"type":"network-traffic","id":"network-traffic--` + uuidA + `","protocols":["tcp"],"src_ref":"ipv4-addr--` + uuidA + `"}`,
	"malware":     `{"type":"malware","spec_version":"2.1","id":"malware--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","is_family":true,"name":"m"}`,
	"bank":        `{"type":"x-koban-bank-account","spec_version":"2.1","id":"x-koban-bank-account--` + uuidA + `","value":"0001-001-1-1234567","bank_code":"0001","branch_code":"001","account_type":"ordinary","account_number":"1234567"}`,
	"phone":       `{"type":"x-koban-phone-number","spec_version":"2.1","id":"x-koban-phone-number--` + uuidA + `","value":"+819012345678"}`,
	"tlp":         TLPAmber.Marking().jsonString(),
	"identity":    `{"type":"identity","spec_version":"2.1","id":"identity--` + uuidA + `","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","name":"i"}`,
	"registrykey": `{"type":"windows-registry-key","id":"windows-registry-key--` + uuidA + `","key":"HKEY_LOCAL_MACHINE\\Foo","values":[{"name":"a","data":"b","data_type":"REG_SZ"}]}`,
}

func (o *Object) jsonString() string { b, _ := json.Marshal(o); return string(b) }

// mutate applies edits to a base object: a value sets the property (JSON
// text), "-" removes it.
func mutate(t *testing.T, base string, edits map[string]string) *Object {
	t.Helper()
	o, err := ParseObject([]byte(bases[base]))
	if err != nil {
		t.Fatalf("base %s: %v", base, err)
	}
	for k, v := range edits {
		if v == "-" {
			o.Delete(k)
			continue
		}
		if err := o.Set(k, json.RawMessage(v)); err != nil {
			t.Fatalf("%s=%s: %v", k, v, err)
		}
	}
	return o
}

func TestStixBasesValid(t *testing.T) {
	for name := range bases {
		o := mutate(t, name, nil)
		if ps := Validate(o); len(ps) != 0 {
			t.Errorf("%s: %v", name, ps)
		}
	}
}

func TestStixBrokenObjects(t *testing.T) {
	for _, tc := range []struct {
		name, base string
		edits      map[string]string
		code, path string
	}{
		{"type name", "indicator", map[string]string{"type": `"In_dicator"`}, CodeTypeName, "type"},
		{"id prefix", "indicator", map[string]string{"id": `"malware--` + uuidA + `"`}, CodeIDPrefix, "id"},
		{"id uuid", "indicator", map[string]string{"id": `"indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd006"`}, CodeIDUUID, "id"},
		{"id syntax", "indicator", map[string]string{"id": `"indicator"`}, CodeIDSyntax, "id"},
		{"id version for an SDO", "indicator", map[string]string{"id": `"indicator--0c7b5b88-8ff7-5a4d-aa9d-feb398cd0061"`}, CodeIDVersion, "id"},
		{"spec_version", "indicator", map[string]string{"spec_version": `"2.0"`}, CodeSpecVersion, "spec_version"},
		{"required", "indicator", map[string]string{"pattern": "-"}, CodeRequired, "pattern"},
		{"required common", "report", map[string]string{"created": "-"}, CodeRequired, "created"},
		{"timestamp month 13", "indicator", map[string]string{"valid_from": `"2016-13-06T20:03:48Z"`}, CodeTimestamp, "valid_from"},
		{"timestamp Feb 30", "indicator", map[string]string{"valid_from": `"2016-02-30T20:03:48Z"`}, CodeTimestamp, "valid_from"},
		{"timestamp zone", "report", map[string]string{"published": `"2016-04-06T20:03:48+09:00"`}, CodeTimestamp, "published"},
		{"precision", "indicator", map[string]string{"created": `"2016-04-06T20:03:48Z"`}, CodePrecision, "created"},
		{"modified before created", "indicator", map[string]string{"modified": `"2016-04-05T20:03:48.000Z"`}, CodeModifiedBefore, "modified"},
		{"valid_until", "indicator", map[string]string{"valid_until": `"2016-04-06T20:03:48Z"`}, CodeValidUntil, "valid_until"},
		{"last_seen before first_seen", "sighting", map[string]string{"first_seen": `"2016-04-06T20:03:48Z"`, "last_seen": `"2016-04-05T20:03:48Z"`}, CodeTimeOrder, "last_seen"},
		{"hash length", "file", map[string]string{"hashes": `{"MD5":"abc"}`}, CodeHashLength, "hashes.MD5"},
		{"hash not hex", "file", map[string]string{"hashes": `{"SHA-256":"` + strings.Repeat("g", 64) + `"}`}, CodeHashLength, "hashes.SHA-256"},
		{"hash algorithm spelling", "file", map[string]string{"hashes": `{"sha256":"` + strings.Repeat("a", 64) + `"}`}, CodeHashAlgorithm, "hashes.sha256"},
		{"hash name", "file", map[string]string{"hashes": `{"a b":"x"}`}, CodeHashName, "hashes.a b"},
		{"ssdeep", "file", map[string]string{"hashes": `{"SSDEEP":"not ssdeep"}`}, CodeHashLength, "hashes.SSDEEP"},
		{"confidence", "indicator", map[string]string{"confidence": `101`}, CodeConfidence, "confidence"},
		{"lang", "indicator", map[string]string{"lang": `"en us"`}, CodeLang, "lang"},
		{"ref syntax", "indicator", map[string]string{"created_by_ref": `"identity-1"`}, CodeRefInvalid, "created_by_ref"},
		{"created_by_ref type", "indicator", map[string]string{"created_by_ref": `"malware--` + uuidA + `"`}, CodeRefType, "created_by_ref"},
		{"marking ref type", "indicator", map[string]string{"object_marking_refs": `["identity--` + uuidA + `"]`}, CodeRefType, "object_marking_refs[0]"},
		{"where_sighted type", "sighting", map[string]string{"where_sighted_refs": `["malware--` + uuidA + `"]`}, CodeRefType, "where_sighted_refs[0]"},
		{"sighting of an SCO", "sighting", map[string]string{"sighting_of_ref": `"ipv4-addr--` + uuidA + `"`}, CodeRefType, "sighting_of_ref"},
		{"relationship to a relationship", "relationship", map[string]string{"target_ref": `"relationship--` + uuidA + `"`}, CodeRefType, "target_ref"},
		{"relationship source missing", "relationship", map[string]string{"source_ref": "-"}, CodeRequired, "source_ref"},
		{"sighting count", "sighting", map[string]string{"count": `1000000000`}, CodeRange, "count"},
		{"number_observed", "observed", map[string]string{"number_observed": `0`}, CodeRange, "number_observed"},
		{"observed objects and refs", "observed", map[string]string{"objects": `{"0":{"type":"ipv4-addr","value":"10.0.0.1"}}`}, CodeExclusive, ""},
		{"external reference source_name", "indicator", map[string]string{"external_references": `[{"url":"https://example.org"}]`}, CodeRequired, "external_references[0].source_name"},
		{"external reference empty", "indicator", map[string]string{"external_references": `[{"source_name":"x"}]`}, CodeExternalRefEmpty, "external_references[0]"},
		{"capec", "indicator", map[string]string{"external_references": `[{"source_name":"capec","external_id":"163"}]`}, CodeExternalRefCAPEC, "external_references[0].external_id"},
		{"cve", "indicator", map[string]string{"external_references": `[{"source_name":"cve","external_id":"CVE-12-1"}]`}, CodeExternalRefCVE, "external_references[0].external_id"},
		{"granular selector", "indicator", map[string]string{"granular_markings": `[{"marking_ref":"` + TLP2Red + `","selectors":["description"]}]`}, CodeMarkingSelector, "granular_markings[0].selectors[0]"},
		{"granular ref and lang", "indicator", map[string]string{"granular_markings": `[{"marking_ref":"` + TLP2Red + `","lang":"ja","selectors":["pattern"]}]`}, CodeMarkingRefOrLang, "granular_markings[0]"},
		{"marking without definition", "marking", map[string]string{"definition_type": "-", "definition": "-"}, CodeMarkingDefinition, ""},
		{"statement missing", "marking", map[string]string{"definition": `{"text":"x"}`}, CodeRequired, "definition.statement"},
		{"TLP marking altered", "tlp", map[string]string{"extensions": `{"` + TLP2Extension + `":{"extension_type":"property-extension","tlp_2_0":"green"}}`}, CodeMarkingTLP, ""},
		{"extension name", "file", map[string]string{"extensions": `{"my extension":{}}`}, CodeExtensionName, "extensions.my extension"},
		{"extension type", "indicator", map[string]string{"extensions": `{"extension-definition--` + uuidA + `":{"extension_type":"new-thing"}}`}, CodeEnum, "extensions.extension-definition--" + uuidA + ".extension_type"},
		{"extension definition types", "extdef", map[string]string{"extension_types": `["toplevel-property-extension"]`}, CodeRequired, "extension_properties"},
		{"payload_bin", "artifact", map[string]string{"payload_bin": `"not base64!"`}, CodePayloadBin, "payload_bin"},
		{"artifact both", "artifact", map[string]string{"url": `"https://example.org/a"`, "hashes": `{"MD5":"` + strings.Repeat("a", 32) + `"}`}, CodeArtifactPayload, ""},
		{"artifact url without hashes", "artifact", map[string]string{"payload_bin": "-", "url": `"https://example.org/a"`}, CodeArtifactURLHashes, "hashes"},
		{"artifact encryption", "artifact", map[string]string{"encryption_algorithm": `"rot13"`}, CodeEnum, "encryption_algorithm"},
		{"hex", "file", map[string]string{"magic_number_hex": `"5G"`}, CodeHex, "magic_number_hex"},
		{"file needs hashes or name", "file", map[string]string{"hashes": "-", "name": "-", "size": "1"}, CodeOneOf, ""},
		{"traffic needs an end", "traffic", map[string]string{"src_ref": "-"}, CodeOneOf, ""},
		{"traffic port", "traffic", map[string]string{"dst_port": "70000"}, CodeRange, "dst_port"},
		{"traffic src type", "traffic", map[string]string{"src_ref": `"file--` + uuidA + `"`}, CodeRefType, "src_ref"},
		{"ipv4 value", "ipv4-addr", map[string]string{"value": `"300.1.1.1"`}, CodeSCOValue, "value"},
		{"email multipart", "email", map[string]string{"is_multipart": "true"}, CodeEmailMultipart, ""},
		{"registry data type", "registrykey", map[string]string{"values": `[{"name":"a","data_type":"REG_TEXT"}]`}, CodeEnum, "values[0].data_type"},
		{"empty SCO", "registrykey", map[string]string{"key": "-", "values": "-"}, CodeSCOEmpty, ""},
		{"opinion enum", "opinion", map[string]string{"opinion": `"maybe"`}, CodeEnum, "opinion"},
		{"location needs a place", "location", map[string]string{"country": "-"}, CodeOneOf, ""},
		{"latitude alone", "location", map[string]string{"latitude": "35.6"}, CodeTogether, ""},
		{"latitude range", "location", map[string]string{"latitude": "95", "longitude": "139"}, CodeRange, "latitude"},
		{"malware family needs a name", "malware", map[string]string{"name": "-"}, CodeRequired, "name"},
		{"property name", "indicator", map[string]string{"x-Custom": `"v"`}, CodePropName, "x-Custom"},
		{"null", "indicator", map[string]string{"description": `null`}, CodeNull, "description"},
		{"empty list", "indicator", map[string]string{"labels": `[]`}, CodeEmptyList, "labels"},
		{"property type", "indicator", map[string]string{"revoked": `"yes"`}, CodePropType, "revoked"},
		{"bank account value", "bank", map[string]string{"value": `"1-2-3"`}, CodeKobanBankAccount, "value"},
		{"bank code digits", "bank", map[string]string{"bank_code": `"01"`}, CodeKobanDigits, "bank_code"},
		{"bank parts differ", "bank", map[string]string{"account_number": `"7654321"`}, CodeKobanMismatch, "account_number"},
		{"bank account type", "bank", map[string]string{"account_type": `"checking"`}, CodeEnum, "account_type"},
		{"phone", "phone", map[string]string{"value": `"090-1234-5678"`}, CodeKobanPhone, "value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := Validate(mutate(t, tc.base, tc.edits))
			if len(ps) != 1 || ps[0].Code != tc.code || ps[0].Path != tc.path {
				t.Fatalf("want exactly %s at %q, got %v", tc.code, tc.path, ps)
			}
			if strings.Contains(ps[0].Message(), "{") {
				t.Errorf("message has an unfilled placeholder: %s", ps[0].Message())
			}
		})
	}
}

func TestStixPatternCheckHook(t *testing.T) {
	defer func(f func(string, string) error) { PatternCheck = f }(PatternCheck)
	var got string
	PatternCheck = func(pt, p string) error {
		got = pt + " " + p
		return errors.New("unexpected ']' at 5")
	}
	ps := Validate(mutate(t, "indicator", nil))
	if len(ps) != 1 || ps[0].Code != CodePattern || ps[0].Arg("detail") != "unexpected ']' at 5" || got != "stix [ipv4-addr:value = '10.0.0.1']" {
		t.Errorf("got %v (%q)", ps, got)
	}
}

func TestStixProblemText(t *testing.T) {
	o := mutate(t, "indicator", map[string]string{"valid_until": `"2016-04-01T00:00:00Z"`})
	ps := ValidateAt(o, 2)
	if len(ps) != 1 {
		t.Fatalf("%v", ps)
	}
	want := "object 3 (indicator--" + uuidA + "): valid_until: valid_until (2016-04-01T00:00:00Z) is not after valid_from (2016-04-06T20:03:48Z)"
	if ps[0].Error() != want {
		t.Errorf("got  %s\nwant %s", ps[0].Error(), want)
	}
}

// Every code has a sentence in both catalogs; the English one is the
// package's own, and the Japanese one fills the same placeholders.
func TestStixCatalogHasEveryCode(t *testing.T) {
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, code := range Codes() {
		key := "stix.problem." + code
		for _, lang := range locale.Languages {
			if !cats.Has(lang, key) {
				t.Errorf("%s: no %s", lang, key)
			}
		}
		if en := cats.T("en", key); en != Template(code) {
			t.Errorf("%s: en catalog %q, package %q", code, en, Template(code))
		}
		want := placeholder.FindAllString(Template(code), -1)
		got := placeholder.FindAllString(cats.T("ja", key), -1)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(slices.Compact(want), slices.Compact(got)) {
			t.Errorf("%s: ja placeholders %v, en %v", code, got, want)
		}
	}
}
