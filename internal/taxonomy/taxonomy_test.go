package taxonomy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// briefOrder is the order of the triage table in the brief.
var briefOrder = []Code{UA, MW, AV, DL, PH, FR, HR, CS, IL, SC, SU, CI, SP, OT}

func TestAllCodes(t *testing.T) {
	all := All()
	if len(all) != len(briefOrder) {
		t.Fatalf("All() has %d categories, want %d", len(all), len(briefOrder))
	}
	seen := map[Code]bool{}
	for i, c := range all {
		if c.Code != briefOrder[i] {
			t.Errorf("All()[%d] = %s, want %s", i, c.Code, briefOrder[i])
		}
		if seen[c.Code] {
			t.Errorf("code %s appears twice", c.Code)
		}
		seen[c.Code] = true
		if c.RSIT == "" || c.XARF == "" || c.Law == "" {
			t.Errorf("%s: RSIT, XARF and Law must all be set: %+v", c.Code, c)
		}
	}
}

func TestAllReturnsCopy(t *testing.T) {
	a := All()
	a[0].Code = "XX"
	if All()[0].Code != UA {
		t.Fatal("changing the result of All() changed the taxonomy")
	}
}

func TestLookupAndValid(t *testing.T) {
	for _, c := range briefOrder {
		got, ok := Lookup(string(c))
		if !ok || got.Code != c {
			t.Errorf("Lookup(%q) = %+v, %v", c, got, ok)
		}
		if !Valid(string(c)) {
			t.Errorf("Valid(%q) = false", c)
		}
	}
	for _, s := range []string{"", "ua", "Ua", " UA", "UA ", "XX", "unknown", "U"} {
		if _, ok := Lookup(s); ok {
			t.Errorf("Lookup(%q) found a category", s)
		}
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
}

func TestLawBuckets(t *testing.T) {
	want := map[Code]LawBucket{
		UA: LawUnauthorizedAccess,
		MW: LawComputerCrime,
		AV: LawComputerCrime,
		DL: LawOther, // see the comment on DL in taxonomy.go
	}
	for _, c := range All() {
		w, ok := want[c.Code]
		if !ok {
			w = LawOther
		}
		if c.Law != w {
			t.Errorf("%s: Law = %q, want %q", c.Code, c.Law, w)
		}
	}
}

func TestLifeSafety(t *testing.T) {
	for _, c := range All() {
		if c.LifeSafety != (c.Code == SU) {
			t.Errorf("%s: LifeSafety = %v", c.Code, c.LifeSafety)
		}
	}
}

// rsit lists the classes and types of ENISA's Reference Security Incident
// Taxonomy.
var rsit = map[string][]string{
	"abusive-content":              {"spam", "harmful-speech", "violence"},
	"malicious-code":               {"infected-system", "c2-server", "malware-distribution", "malware-configuration"},
	"information-gathering":        {"scanner", "sniffing", "social-engineering"},
	"intrusion-attempts":           {"ids-alert", "brute-force", "exploit"},
	"intrusions":                   {"privileged-account-compromise", "unprivileged-account-compromise", "application-compromise", "system-compromise", "burglary"},
	"availability":                 {"dos", "ddos", "misconfiguration", "sabotage", "outage"},
	"information-content-security": {"unauthorised-information-access", "unauthorised-information-modification", "data-loss", "data-leak"},
	"fraud":                        {"unauthorised-use-of-resources", "copyright", "masquerade", "phishing"},
	"vulnerable":                   {"weak-crypto", "ddos-amplifier", "potentially-unwanted-accessible", "information-disclosure", "vulnerable-system"},
	"other":                        {"other", "undetermined"},
	"test":                         {"test"},
}

func TestRSIT(t *testing.T) {
	for _, c := range All() {
		class, typ, ok := strings.Cut(c.RSIT, "/")
		if !ok || !slices.Contains(rsit[class], typ) {
			t.Errorf("%s: RSIT %q is not an RSIT class/type", c.Code, c.RSIT)
		}
	}
}

const xarfDir = "../../../shared/data/xarf/xarf-spec-v4"

// xarfSchemaPairs reads the category → types table of the X-ARF v4 master
// schema, which rejects any pair not listed.
func xarfSchemaPairs(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(xarfDir, "schemas/v4/xarf-v4-master.json"))
	if err != nil {
		t.Fatalf("X-ARF v4 master schema: %v", err)
	}
	type prop struct {
		Const string   `json:"const"`
		Enum  []string `json:"enum"`
	}
	var master struct {
		AllOf []struct {
			AnyOf []struct {
				Properties struct {
					Category prop `json:"category"`
					Type     prop `json:"type"`
				} `json:"properties"`
			} `json:"anyOf"`
		} `json:"allOf"`
	}
	if err := json.Unmarshal(b, &master); err != nil {
		t.Fatalf("X-ARF v4 master schema: %v", err)
	}
	pairs := map[string][]string{}
	for _, a := range master.AllOf {
		for _, alt := range a.AnyOf {
			p := alt.Properties
			if p.Category.Const != "" && len(p.Type.Enum) > 0 {
				pairs[p.Category.Const] = append(pairs[p.Category.Const], p.Type.Enum...)
			}
		}
	}
	if len(pairs) == 0 {
		t.Fatal("X-ARF v4 master schema: no category/type table found")
	}
	return pairs
}

// xarfCoreCategories reads the category enum of the X-ARF v4 core schema.
func xarfCoreCategories(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(xarfDir, "schemas/v4/xarf-core.json"))
	if err != nil {
		t.Fatalf("X-ARF v4 core schema: %v", err)
	}
	var core struct {
		Properties struct {
			Category struct {
				Enum []string `json:"enum"`
			} `json:"category"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &core); err != nil {
		t.Fatalf("X-ARF v4 core schema: %v", err)
	}
	if len(core.Properties.Category.Enum) == 0 {
		t.Fatal("X-ARF v4 core schema: no category enum found")
	}
	return core.Properties.Category.Enum
}

// xarfSpecPairs reads the "Valid Types" line of each category section of the
// X-ARF v4 specification.
func xarfSpecPairs(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(xarfDir, "docs/specification.md"))
	if err != nil {
		t.Fatalf("X-ARF v4 specification: %v", err)
	}
	heading := regexp.MustCompile(`^###\s+\d+\.\s+(\w+)\s+Category\s*$`)
	tick := regexp.MustCompile("`([a-z_]+)`")
	pairs := map[string][]string{}
	category := ""
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if m := heading.FindStringSubmatch(line); m != nil {
			category = strings.ToLower(m[1])
			continue
		}
		if category != "" && strings.HasPrefix(line, "**Valid Types:**") {
			for _, m := range tick.FindAllStringSubmatch(line, -1) {
				pairs[category] = append(pairs[category], m[1])
			}
			category = ""
		}
	}
	if len(pairs) == 0 {
		t.Fatal("X-ARF v4 specification: no Valid Types lines found")
	}
	return pairs
}

func TestXARF(t *testing.T) {
	core := xarfCoreCategories(t)
	schema := xarfSchemaPairs(t)
	spec := xarfSpecPairs(t)
	for _, c := range All() {
		if !slices.Contains(core, c.XARF) {
			t.Errorf("%s: X-ARF category %q is not in the core schema %v", c.Code, c.XARF, core)
		}
		if _, ok := spec[c.XARF]; !ok {
			t.Errorf("%s: X-ARF category %q is not in the specification", c.Code, c.XARF)
		}
		if c.XARFType == "" {
			continue
		}
		if !slices.Contains(schema[c.XARF], c.XARFType) {
			t.Errorf("%s: X-ARF %s/%s is not in the master schema", c.Code, c.XARF, c.XARFType)
		}
		if !slices.Contains(spec[c.XARF], c.XARFType) {
			t.Errorf("%s: X-ARF %s/%s is not in the specification", c.Code, c.XARF, c.XARFType)
		}
	}
}

const catalogDir = "../locale/catalog"

// loadCatalog reads one taxonomy catalog, checking on the way that it is a
// flat object of strings with sorted, unique keys.
func loadCatalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	name := filepath.Join(catalogDir, lang, "taxonomy.json")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not a JSON object", name)
	}
	m := map[string]string{}
	prev := ""
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		key := tok.(string)
		var val string
		if err := dec.Decode(&val); err != nil {
			t.Fatalf("%s: %q: value is not a string: %v", name, key, err)
		}
		if _, dup := m[key]; dup {
			t.Errorf("%s: key %q defined twice", name, key)
		}
		if key < prev {
			t.Errorf("%s: key %q is out of order (after %q)", name, key, prev)
		}
		prev = key
		m[key] = val
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		t.Fatalf("%s: object not closed", name)
	}
	if _, err := dec.Token(); err == nil {
		t.Fatalf("%s: data after the object", name)
	}
	return m
}

// requiredKeys lists every key the taxonomy's pages use.
func requiredKeys() []string {
	keys := []string{
		"category.unknown.name", "category.unknown.help",
		"advice.urgent.title", "advice.urgent.body", "advice.urgent.consult",
		"advice.freeze.title", "advice.freeze.body",
		"advice.general.title", "advice.general.steps",
	}
	for _, c := range All() {
		keys = append(keys, c.Code.NameKey(), c.Code.HelpKey(), c.Code.AdviceTitleKey(), c.Code.AdviceStepsKey())
	}
	for _, b := range []LawBucket{LawUnauthorizedAccess, LawComputerCrime, LawOther} {
		keys = append(keys, b.Key())
	}
	return keys
}

func isJapanese(r rune) bool {
	return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han)
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

func TestCatalogs(t *testing.T) {
	ja := loadCatalog(t, "ja")
	en := loadCatalog(t, "en")

	for k := range ja {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is in ja but not in en", k)
		}
	}
	for k := range en {
		if _, ok := ja[k]; !ok {
			t.Errorf("key %q is in en but not in ja", k)
		}
	}
	for _, k := range requiredKeys() {
		if _, ok := ja[k]; !ok {
			t.Errorf("ja: missing key %q", k)
		}
		if _, ok := en[k]; !ok {
			t.Errorf("en: missing key %q", k)
		}
	}

	for lang, m := range map[string]map[string]string{"ja": ja, "en": en} {
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", lang, k)
				continue
			}
			if v != strings.TrimSpace(v) {
				t.Errorf("%s: %q has leading or trailing space", lang, k)
			}
			hasJa := strings.IndexFunc(v, isJapanese) >= 0
			if lang == "ja" && !hasJa {
				t.Errorf("ja: %q has no Japanese text: %q", k, v)
			}
			if lang == "en" && hasJa {
				t.Errorf("en: %q contains Japanese text: %q", k, v)
			}
			if strings.HasSuffix(k, ".steps") {
				lines := strings.Split(v, "\n")
				if len(lines) < 3 || len(lines) > 5 {
					t.Errorf("%s: %q has %d steps, want 3 to 5", lang, k, len(lines))
				}
				for i, l := range lines {
					if strings.TrimSpace(l) == "" {
						t.Errorf("%s: %q step %d is empty", lang, k, i+1)
					}
				}
			} else if strings.Contains(v, "\n") {
				t.Errorf("%s: %q has a line break but is not a list of steps", lang, k)
			}
		}
	}

	// A placeholder the page fills in must appear in both languages.
	for k, v := range ja {
		jp := placeholder.FindAllString(v, -1)
		ep := placeholder.FindAllString(en[k], -1)
		slices.Sort(jp)
		slices.Sort(ep)
		if !slices.Equal(jp, ep) {
			t.Errorf("%q: placeholders differ: ja %v, en %v", k, jp, ep)
		}
	}
	if !strings.Contains(ja["advice.freeze.body"], "{deadline}") {
		t.Error(`advice.freeze.body has no {deadline}`)
	}
}
