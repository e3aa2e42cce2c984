package misp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Code names a kind of problem. Codes are stable: the catalogs hold a
// sentence for each under "misp.problem.<code>" (ja and en), with the
// placeholders {path}, {line}, {value} and {want}.
type Code string

// The problem codes.
const (
	// Reading.
	CodeJSONSyntax Code = "json_syntax" // not JSON (Path says where: "byte N" or "line L, column C")
	CodeJSONShape  Code = "json_shape"  // JSON, but a field holds the wrong kind of value (Path names it)
	CodeNotEvent   Code = "not_event"   // the input is not a MISP event, a list of events or {"response": [...]}
	CodeEmpty      Code = "empty"       // the input holds nothing

	// Validation of an event.
	CodeMissing          Code = "missing"               // a required field is absent or empty
	CodeUUIDInvalid      Code = "uuid_invalid"          // not a UUID (8-4-4-4-12 hex digits)
	CodeUUIDDuplicate    Code = "uuid_duplicate"        // two attributes or objects of one event share a UUID
	CodeDateInvalid      Code = "date_invalid"          // an event date not written YYYY-MM-DD
	CodeTimestampInvalid Code = "timestamp_invalid"     // not seconds since 1970 (or, for first/last seen, not an ISO 8601 time)
	CodeSeenOrder        Code = "seen_order"            // last_seen before first_seen
	CodeBoolInvalid      Code = "bool_invalid"          // a flag (to_ids, published, deleted…) that is not true/false/1/0
	CodeDistribution     Code = "distribution_invalid"  // distribution outside 0–4 (events) or 0–5 (attributes, objects)
	CodeThreatLevel      Code = "threat_level_invalid"  // threat_level_id outside 1–4
	CodeAnalysis         Code = "analysis_invalid"      // analysis outside 0–2
	CodeSightingType     Code = "sighting_type_invalid" // sighting type outside 0–2
	CodeTypeUnknown      Code = "type_unknown"          // an attribute type MISP does not define
	CodeCategoryUnknown  Code = "category_unknown"      // an attribute category MISP does not define
	CodeCategoryType     Code = "category_type"         // the category does not allow the type (Want lists those that do)
	CodeCompositeParts   Code = "composite_parts"       // a composite value ("a|b") without its two parts
	CodeDataInvalid      Code = "data_invalid"          // an attachment's data that is not base64
	CodeValueUnreadable  Code = "value_unreadable"      // koban cannot read the value as the observable its type names (Want names it)
	CodeTLPInvalid       Code = "tlp_invalid"           // a TLP level koban does not know (writing)
	CodeCSVSyntax        Code = "csv_syntax"            // a CSV line koban cannot split (a stray quote)
	CodeCSVColumns       Code = "csv_columns"           // a CSV line with fewer columns than the feed names (Want: how many)
	CodeCSVConfig        Code = "csv_config"            // a feed definition that cannot work (Path names the setting)
)

// Problem is one thing wrong with an input, said where. It is an error;
// Error gives an English sentence, and Args the placeholders for the
// catalog sentence "misp.problem.<Code>".
type Problem struct {
	Code  Code
	Path  string // where: "Event.Attribute[3].category", "byte 120", "line 4, column 7"; "" for the whole input
	Line  int    // the line of a CSV feed (1-based), 0 elsewhere
	Value string // the value at fault, shortened to 80 characters
	Want  string // what was expected, when that helps ("2 parts", "0–4", the allowed categories)
}

// english holds the English sentence for each code, as the en catalog has it
// (without the place, which Error puts in front).
var english = map[Code]string{
	CodeJSONSyntax:       "not valid JSON: {value}",
	CodeJSONShape:        "a field holds the wrong kind of value: {value}",
	CodeNotEvent:         "not a MISP event, a list of events or a response holding events",
	CodeEmpty:            "the input is empty",
	CodeMissing:          "a required field is missing",
	CodeUUIDInvalid:      "\"{value}\" is not a UUID",
	CodeUUIDDuplicate:    "the UUID {value} is used twice",
	CodeDateInvalid:      "\"{value}\" is not a date written YYYY-MM-DD",
	CodeTimestampInvalid: "\"{value}\" is not a time",
	CodeSeenOrder:        "last seen {value} is before first seen {want}",
	CodeBoolInvalid:      "\"{value}\" is not true or false",
	CodeDistribution:     "distribution \"{value}\" is not one of {want}",
	CodeThreatLevel:      "threat level \"{value}\" is not one of {want}",
	CodeAnalysis:         "analysis \"{value}\" is not one of {want}",
	CodeSightingType:     "sighting type \"{value}\" is not one of {want}",
	CodeTypeUnknown:      "\"{value}\" is not a MISP attribute type",
	CodeCategoryUnknown:  "\"{value}\" is not a MISP category",
	CodeCategoryType:     "category \"{value}\" does not allow this type; it may be one of: {want}",
	CodeCompositeParts:   "\"{value}\" does not have {want} joined by '|'",
	CodeDataInvalid:      "the attached data is not base64: {value}",
	CodeValueUnreadable:  "\"{value}\" cannot be read as {want}",
	CodeTLPInvalid:       "\"{value}\" is not a TLP level; it may be one of: {want}",
	CodeCSVSyntax:        "the line cannot be split into columns: {value}",
	CodeCSVColumns:       "the line has {value} columns, the feed needs {want}",
	CodeCSVConfig:        "the feed definition cannot work: {value}",
}

// Error says what is wrong and where, in English.
func (p Problem) Error() string {
	msg, ok := english[p.Code]
	if !ok {
		msg = string(p.Code) + ": {value}"
	}
	text := strings.NewReplacer("{value}", p.Value, "{want}", p.Want).Replace(msg)
	var where []string
	if p.Line > 0 {
		where = append(where, fmt.Sprintf("line %d", p.Line))
	}
	if p.Path != "" {
		where = append(where, p.Path)
	}
	if len(where) == 0 {
		return "misp: " + text
	}
	return "misp: " + strings.Join(where, ", ") + ": " + text
}

// Key is the catalog key of the problem's sentence.
func (p Problem) Key() string { return "misp.problem." + string(p.Code) }

// Args are the catalog placeholders as name, value pairs, ready for locale.Catalog.T.
func (p Problem) Args() []string {
	return []string{"path", p.Path, "line", fmt.Sprint(p.Line), "value", p.Value, "want", p.Want}
}

// short cuts a value to 80 characters for a message, marking the cut.
func short(s string) string {
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	r := []rune(s)
	return string(r[:79]) + "…"
}
