package stix

import "strings"

// Category is the kind of STIX object a type names.
type Category int

// The categories of STIX 2.1 objects.
const (
	Unknown Category = iota // a custom type this package does not know
	SDO                     // STIX Domain Object
	SRO                     // STIX Relationship Object
	SCO                     // STIX Cyber-observable Object
	Meta                    // marking-definition, language-content, extension-definition
)

func (c Category) String() string {
	return [...]string{"unknown", "SDO", "SRO", "SCO", "meta"}[c]
}

// typeSpec is what the spec says of one type: its category, the
// properties it must have, and (for SCOs) the properties its deterministic
// id is computed from.
type typeSpec struct {
	cat      Category
	required []string
	contrib  []string
}

var sdoCommon = []string{"type", "spec_version", "id", "created", "modified"}

var types = map[string]typeSpec{
	"attack-pattern":   {cat: SDO, required: []string{"name"}},
	"campaign":         {cat: SDO, required: []string{"name"}},
	"course-of-action": {cat: SDO, required: []string{"name"}},
	"grouping":         {cat: SDO, required: []string{"context", "object_refs"}},
	"identity":         {cat: SDO, required: []string{"name"}},
	"incident":         {cat: SDO, required: []string{"name"}},
	"indicator":        {cat: SDO, required: []string{"pattern", "pattern_type", "valid_from"}},
	"infrastructure":   {cat: SDO, required: []string{"name"}},
	"intrusion-set":    {cat: SDO, required: []string{"name"}},
	"location":         {cat: SDO},
	"malware":          {cat: SDO, required: []string{"is_family"}},
	"malware-analysis": {cat: SDO, required: []string{"product"}},
	"note":             {cat: SDO, required: []string{"content", "object_refs"}},
	"observed-data":    {cat: SDO, required: []string{"first_observed", "last_observed", "number_observed"}},
	"opinion":          {cat: SDO, required: []string{"opinion", "object_refs"}},
	"report":           {cat: SDO, required: []string{"name", "published", "object_refs"}},
	"threat-actor":     {cat: SDO, required: []string{"name"}},
	"tool":             {cat: SDO, required: []string{"name"}},
	"vulnerability":    {cat: SDO, required: []string{"name"}},

	"relationship": {cat: SRO, required: []string{"relationship_type", "source_ref", "target_ref"}},
	"sighting":     {cat: SRO, required: []string{"sighting_of_ref"}},

	"marking-definition":   {cat: Meta},
	"language-content":     {cat: Meta, required: []string{"modified", "object_ref", "contents"}},
	"extension-definition": {cat: Meta, required: []string{"modified", "created_by_ref", "name", "schema", "version", "extension_types"}},

	"artifact":             {cat: SCO, contrib: []string{"hashes", "payload_bin"}},
	"autonomous-system":    {cat: SCO, required: []string{"number"}, contrib: []string{"number"}},
	"directory":            {cat: SCO, required: []string{"path"}, contrib: []string{"path"}},
	"domain-name":          {cat: SCO, required: []string{"value"}, contrib: []string{"value"}},
	"email-addr":           {cat: SCO, required: []string{"value"}, contrib: []string{"value"}},
	"email-message":        {cat: SCO, required: []string{"is_multipart"}, contrib: []string{"from_ref", "subject", "body"}},
	"file":                 {cat: SCO, contrib: []string{"hashes", "name", "extensions", "parent_directory_ref"}},
	"ipv4-addr":            {cat: SCO, required: []string{"value"}, contrib: []string{"value"}},
	"ipv6-addr":            {cat: SCO, required: []string{"value"}, contrib: []string{"value"}},
	"mac-addr":             {cat: SCO, required: []string{"value"}, contrib: []string{"value"}},
	"mutex":                {cat: SCO, required: []string{"name"}, contrib: []string{"name"}},
	"network-traffic":      {cat: SCO, required: []string{"protocols"}, contrib: []string{"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"}},
	"process":              {cat: SCO},
	"software":             {cat: SCO, required: []string{"name"}, contrib: []string{"name", "cpe", "swid", "vendor", "version"}},
	"url":                  {cat: SCO, required: []string{"value"}, contrib: []string{"value"}},
	"user-account":         {cat: SCO, contrib: []string{"account_type", "user_id", "account_login"}},
	"windows-registry-key": {cat: SCO, contrib: []string{"key", "values"}},
	"x509-certificate":     {cat: SCO, contrib: []string{"hashes", "serial_number"}},

	BankAccountType: {cat: SCO, required: []string{"value"}, contrib: []string{"value"}},
	PhoneNumberType: {cat: SCO, required: []string{"value"}, contrib: []string{"value"}},
	// An address names its currency by its form, so value alone is its id.
	CryptoWalletType: {cat: SCO, required: []string{"value", "currency"}, contrib: []string{"value"}},
}

// CategoryOf is the category of a type name; Unknown for custom types.
func CategoryOf(typ string) Category { return types[typ].cat }

// Types lists every type this package knows: the STIX 2.1 types and
// koban's extension types.
func Types() []string {
	out := make([]string, 0, len(types))
	for t := range types {
		out = append(out, t)
	}
	return out
}

// validTypeName reports whether s may name a type: 3 to 250 characters of
// a–z, 0–9 and hyphens, beginning with a letter, not ending with a hyphen
// and without "--" (which separates the type from the UUID in an id).
func validTypeName(s string) bool {
	if len(s) < 3 || len(s) > 250 || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '-') {
			return false
		}
	}
	return true
}

// validPropertyName reports whether s may name a property: "id", or 3 to
// 250 characters of a–z, 0–9 and underscores beginning with a letter.
func validPropertyName(s string) bool {
	if s == "id" {
		return true
	}
	if len(s) < 3 || len(s) > 250 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_') {
			return false
		}
	}
	return true
}

// refTargets says which types a reference property may point to, by
// "type.property" or, for properties that mean the same everywhere, by
// property alone. "*sdo" and "*sco" stand for any SDO or SCO (or a custom
// type this package does not know).
var refTargets = map[string][]string{
	"created_by_ref":      {"identity"},
	"object_marking_refs": {"marking-definition"},
	"marking_ref":         {"marking-definition"},
	"creator_user_ref":    {"user-account"},

	"relationship.source_ref":       {"*sdo", "*sco"},
	"relationship.target_ref":       {"*sdo", "*sco"},
	"sighting.sighting_of_ref":      {"*sdo"},
	"sighting.where_sighted_refs":   {"identity", "location"},
	"sighting.observed_data_refs":   {"observed-data"},
	"observed-data.object_refs":     {"*sco", "relationship"},
	"malware.operating_system_refs": {"software"},
	"malware.sample_refs":           {"file", "artifact"},

	"malware-analysis.host_vm_ref":             {"software"},
	"malware-analysis.operating_system_ref":    {"software"},
	"malware-analysis.installed_software_refs": {"software"},
	"malware-analysis.analysis_sco_refs":       {"*sco"},
	"malware-analysis.sample_ref":              {"file", "artifact", "network-traffic"},

	"directory.contains_refs":             {"file", "directory"},
	"domain-name.resolves_to_refs":        {"ipv4-addr", "ipv6-addr", "domain-name"},
	"email-addr.belongs_to_ref":           {"user-account"},
	"email-message.from_ref":              {"email-addr"},
	"email-message.sender_ref":            {"email-addr"},
	"email-message.to_refs":               {"email-addr"},
	"email-message.cc_refs":               {"email-addr"},
	"email-message.bcc_refs":              {"email-addr"},
	"email-message.raw_email_ref":         {"artifact"},
	"file.parent_directory_ref":           {"directory"},
	"file.contains_refs":                  {"*sco"},
	"file.content_ref":                    {"artifact"},
	"ipv4-addr.resolves_to_refs":          {"mac-addr"},
	"ipv4-addr.belongs_to_refs":           {"autonomous-system"},
	"ipv6-addr.resolves_to_refs":          {"mac-addr"},
	"ipv6-addr.belongs_to_refs":           {"autonomous-system"},
	"network-traffic.src_ref":             {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"},
	"network-traffic.dst_ref":             {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"},
	"network-traffic.src_payload_ref":     {"artifact"},
	"network-traffic.dst_payload_ref":     {"artifact"},
	"network-traffic.encapsulates_refs":   {"network-traffic"},
	"network-traffic.encapsulated_by_ref": {"network-traffic"},
	"process.opened_connection_refs":      {"network-traffic"},
	"process.image_ref":                   {"file"},
	"process.parent_ref":                  {"process"},
	"process.child_refs":                  {"process"},
}

// refAllowed reports whether an id of type target may stand in property
// name of an object of type typ, and describes the allowed targets.
func refAllowed(typ, name, target string) (bool, []string) {
	want, ok := refTargets[typ+"."+name]
	if !ok {
		want, ok = refTargets[name]
	}
	if !ok {
		return true, nil
	}
	cat := CategoryOf(target)
	for _, w := range want {
		switch {
		case w == target:
			return true, want
		case w == "*sdo" && (cat == SDO || cat == Unknown):
			return true, want
		case w == "*sco" && (cat == SCO || cat == Unknown):
			return true, want
		}
	}
	return false, want
}
