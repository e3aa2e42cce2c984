package stix

import (
	"fmt"
	"strings"
)

// Problem is one way an object breaks a MUST of the STIX 2.1 spec. Code is
// stable (the catalogs hold a Japanese and an English sentence for each,
// "stix.problem.<code>", with Args filling their {placeholders}); Path
// names the property ("valid_until", "external_references[0].source_name",
// "" for the object as a whole).
type Problem struct {
	Index int    // the object's place in its file or stream, from 0; -1 when alone
	ID    string // the object's id, when it has one
	Path  string
	Code  string
	Args  []string // name, value, name, value …
}

// The problem codes.
const (
	CodeJSON              = "json.invalid"
	CodeTypeName          = "type.name"
	CodeIDSyntax          = "id.syntax"
	CodeIDPrefix          = "id.prefix"
	CodeIDUUID            = "id.uuid"
	CodeIDVersion         = "id.version"
	CodeSpecVersion       = "spec_version"
	CodeRequired          = "property.required"
	CodeOneOf             = "property.one_of"
	CodeExclusive         = "property.exclusive"
	CodeTogether          = "property.together"
	CodePropType          = "property.type"
	CodeNull              = "property.null"
	CodeEmptyList         = "property.empty_list"
	CodePropName          = "property.name"
	CodeRange             = "property.range"
	CodeEnum              = "property.enum"
	CodeTimestamp         = "timestamp.invalid"
	CodePrecision         = "timestamp.precision"
	CodeModifiedBefore    = "modified.before_created"
	CodeTimeOrder         = "time.order"
	CodeValidUntil        = "valid_until.before_valid_from"
	CodeHashName          = "hash.name"
	CodeHashAlgorithm     = "hash.algorithm"
	CodeHashLength        = "hash.length"
	CodeConfidence        = "confidence.range"
	CodeLang              = "lang.invalid"
	CodeRefInvalid        = "ref.invalid"
	CodeRefType           = "ref.type"
	CodeExternalRefEmpty  = "external_reference.empty"
	CodeExternalRefCAPEC  = "external_reference.capec"
	CodeExternalRefCVE    = "external_reference.cve"
	CodeMarkingDefinition = "marking.definition"
	CodeMarkingTLP        = "marking.tlp"
	CodeMarkingSelector   = "marking.selector"
	CodeMarkingRefOrLang  = "marking.ref_or_lang"
	CodeExtensionName     = "extension.name"
	CodePayloadBin        = "sco.payload_bin"
	CodeBinary            = "binary.invalid"
	CodeHex               = "hex.invalid"
	CodeArtifactPayload   = "artifact.payload_xor_url"
	CodeArtifactURLHashes = "artifact.url_hashes"
	CodeSCOValue          = "sco.value"
	CodeSCOEmpty          = "sco.empty"
	CodeEmailMultipart    = "email.multipart"
	CodePattern           = "pattern.syntax"
	CodeKobanBankAccount  = "koban.bank_account"
	CodeKobanDigits       = "koban.digits"
	CodeKobanMismatch     = "koban.mismatch"
	CodeKobanPhone        = "koban.phone"
	CodeKobanWallet       = "koban.wallet"
)

// messages are the English sentences of the codes; the "en" catalog holds
// the same ones (a test keeps them equal).
var messages = map[string]string{
	CodeJSON:              "the object is not valid JSON (byte {offset}: {detail})",
	CodeTypeName:          "{value} is not a valid type name (3–250 characters of a–z, 0–9 and hyphens)",
	CodeIDSyntax:          "{value} is not an identifier of the form type--UUID",
	CodeIDPrefix:          "the identifier {value} does not begin with the object's type {type}",
	CodeIDUUID:            "the UUID of {value} is not an RFC 4122 UUID",
	CodeIDVersion:         "the identifier {value} must have a version 4 UUID (it has version {version})",
	CodeSpecVersion:       "spec_version must be \"2.1\", not {value}",
	CodeRequired:          "the required property {name} is missing",
	CodeOneOf:             "one of {names} is required",
	CodeExclusive:         "{names} must not be given together",
	CodeTogether:          "{names} must be given together",
	CodePropType:          "the value must be {want}",
	CodeNull:              "null is not allowed as a value",
	CodeEmptyList:         "an empty list is not allowed",
	CodePropName:          "{name} is not a valid property name (3–250 characters of a–z, 0–9 and underscores, starting with a letter)",
	CodeRange:             "{value} is out of range ({min} to {max})",
	CodeEnum:              "{value} is not one of the allowed values: {allowed}",
	CodeTimestamp:         "{value} is not a valid timestamp (RFC 3339 in UTC, YYYY-MM-DDTHH:MM:SS[.s]Z, on a date that exists)",
	CodePrecision:         "{value} must be precise to the millisecond (at least three digits after the seconds)",
	CodeModifiedBefore:    "modified ({modified}) is before created ({created})",
	CodeTimeOrder:         "{later} ({later_value}) is before {earlier} ({earlier_value})",
	CodeValidUntil:        "valid_until ({valid_until}) is not after valid_from ({valid_from})",
	CodeHashName:          "{name} is not a valid hash name (3–250 characters of letters, digits, - and _)",
	CodeHashAlgorithm:     "the hash algorithm {name} must be written {want}",
	CodeHashLength:        "{value} is not a valid {algorithm} hash ({want})",
	CodeConfidence:        "confidence must be an integer from 0 to 100, not {value}",
	CodeLang:              "{value} is not a language tag (RFC 5646)",
	CodeRefInvalid:        "{value} is not an identifier of the form type--UUID",
	CodeRefType:           "{value} must refer to an object of type {want}",
	CodeExternalRefEmpty:  "an external reference needs a description, url or external_id besides its source_name",
	CodeExternalRefCAPEC:  "a capec reference needs an external_id of the form CAPEC-<number>, not {value}",
	CodeExternalRefCVE:    "a cve reference needs an external_id of the form CVE-YYYY-NNNN, not {value}",
	CodeMarkingDefinition: "a marking definition needs definition_type and definition, or an extension that defines it",
	CodeMarkingTLP:        "{id} is a TLP marking definition whose content differs from the published one ({level})",
	CodeMarkingSelector:   "the selector {value} does not point to a property of this object",
	CodeMarkingRefOrLang:  "a granular marking needs either marking_ref or lang (one, not both)",
	CodeExtensionName:     "{name} is neither the identifier of an extension definition nor a predefined extension",
	CodePayloadBin:        "payload_bin is not valid base64",
	CodeBinary:            "{name} is not valid base64",
	CodeHex:               "{value} is not hexadecimal (an even number of digits 0–9, a–f)",
	CodeArtifactPayload:   "an artifact needs exactly one of payload_bin and url",
	CodeArtifactURLHashes: "an artifact given by url needs hashes",
	CodeSCOValue:          "{value} is not a valid {type} value",
	CodeSCOEmpty:          "a {type} needs at least one property besides its type and id",
	CodeEmailMultipart:    "body_multipart may only be given when is_multipart is true, and body only when it is false",
	CodePattern:           "the {pattern_type} pattern does not parse: {detail}",
	CodeKobanBankAccount:  "{value} is not a bank account in koban's canonical form (BBBB-SSS-T-NNNNNNN, name:… or yucho:…)",
	CodeKobanDigits:       "{value} must be exactly {n} digits",
	CodeKobanMismatch:     "{name} is {value}, which the account's value {canonical} does not say",
	CodeKobanPhone:        "{value} is not a phone number in E.164 form (+ and the country code, as koban writes it)",
	CodeKobanWallet:       "{value} is not a {currency} address in koban's canonical form",
}

// Codes lists every problem code.
func Codes() []string {
	out := make([]string, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	return out
}

// Template is the English sentence of a code, with {placeholders}.
func Template(code string) string { return messages[code] }

// Arg returns the value of argument name.
func (p Problem) Arg(name string) string {
	for i := 0; i+1 < len(p.Args); i += 2 {
		if p.Args[i] == name {
			return p.Args[i+1]
		}
	}
	return ""
}

// Message is the problem in English, without where it is.
func (p Problem) Message() string {
	s := messages[p.Code]
	if s == "" {
		s = p.Code
	}
	for i := 0; i+1 < len(p.Args); i += 2 {
		s = strings.ReplaceAll(s, "{"+p.Args[i]+"}", p.Args[i+1])
	}
	return s
}

// Where says which object and property: "object 3 (indicator--…):
// valid_until" (objects counted from 1).
func (p Problem) Where() string {
	var b strings.Builder
	if p.Index >= 0 {
		fmt.Fprintf(&b, "object %d", p.Index+1)
		if p.ID != "" {
			fmt.Fprintf(&b, " (%s)", p.ID)
		}
	} else if p.ID != "" {
		b.WriteString(p.ID)
	}
	if p.Path != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(p.Path)
	}
	return b.String()
}

// Error is where and what, in English.
func (p Problem) Error() string {
	if w := p.Where(); w != "" {
		return w + ": " + p.Message()
	}
	return p.Message()
}
