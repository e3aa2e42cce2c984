package stix

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// PatternCheck, when set, checks an indicator's pattern; Validate reports
// its error as a pattern.syntax problem. It is a hook so that the pattern
// package (which imports this one) can be wired in by the application.
var PatternCheck func(patternType, pattern string) error

// validation gathers the problems of one object.
type validation struct {
	o        *Object
	problems []Problem
	path     []byte // where walk is, built as it goes down
}

// here, given to add as the path, stands for where walk is.
const here = "\x00"

func (v *validation) add(path, code string, args ...string) {
	if path == here {
		path = string(v.path)
	}
	v.problems = append(v.problems, Problem{Index: -1, ID: v.o.ID(), Path: path, Code: code, Args: args})
}

// Validate checks an object against the MUST rules of STIX 2.1 and returns
// every problem found (none when it is valid). Problems have Index -1; a
// caller that knows the object's place sets it.
func Validate(o *Object) []Problem {
	v := &validation{o: o}
	v.run()
	return v.problems
}

// ValidateAt is Validate for the object at index of a stream.
func ValidateAt(o *Object, index int) []Problem {
	ps := Validate(o)
	for i := range ps {
		ps[i].Index = index
	}
	return ps
}

// timestampProps are the properties the spec types as timestamps.
var timestampProps = map[string]bool{
	"created": true, "modified": true, "valid_from": true, "valid_until": true, "first_seen": true, "last_seen": true,
	"first_observed": true, "last_observed": true, "published": true, "start_time": true, "stop_time": true,
	"submitted": true, "analysis_started": true, "analysis_ended": true, "start": true, "end": true,
	"ctime": true, "mtime": true, "atime": true, "date": true, "created_time": true, "modified_time": true,
	"account_created": true, "account_expires": true, "credential_last_changed": true, "account_first_login": true,
	"account_last_login": true, "validity_not_before": true, "validity_not_after": true, "time_date_stamp": true,
	"private_key_usage_period_not_before": true, "private_key_usage_period_not_after": true,
}

func (v *validation) run() {
	o := v.o
	typ, typOK := o.String("type")
	switch {
	case !o.Has("type"):
		v.add("type", CodeRequired, "name", "type")
	case !typOK:
		v.add("type", CodePropType, "want", "a string")
	case !validTypeName(typ):
		v.add("type", CodeTypeName, "value", typ)
	}
	cat := o.Category()
	v.checkID(typ, cat)

	// Required properties.
	var required []string
	switch cat {
	case SDO, SRO:
		required = sdoCommon[1:]
	case Meta:
		required = []string{"spec_version", "created"}
	case Unknown:
		if o.Has("created") {
			required = sdoCommon[1:]
		}
	}
	for _, names := range [][]string{required, types[typ].required} {
		for _, name := range names {
			if name != "id" && !o.Has(name) {
				v.add(name, CodeRequired, "name", name)
			}
		}
	}
	if sv, ok := o.Get("spec_version"); ok && string(sv) != `"2.1"` {
		v.add("spec_version", CodeSpecVersion, "value", string(sv))
	}

	for _, p := range o.props {
		if !validPropertyName(p.name) {
			v.add(p.name, CodePropName, "name", p.name)
		}
		v.path = append(v.path[:0], p.name...)
		v.walk(p.name, p.raw, typ, 0)
	}
	v.common()
	v.byType(typ)
}

// checkID checks the id and that it names the object's type; SDOs, SROs
// and the meta objects must have version 4 UUIDs, SCOs may have any.
func (v *validation) checkID(typ string, cat Category) {
	raw, ok := v.o.Get("id")
	if !ok {
		v.add("id", CodeRequired, "name", "id")
		return
	}
	id, ok := unquote(raw)
	if !ok {
		v.add("id", CodePropType, "want", "a string")
		return
	}
	i := strings.LastIndex(id, "--")
	if i <= 0 {
		v.add("id", CodeIDSyntax, "value", id)
		return
	}
	if validTypeName(typ) && id[:i] != typ {
		v.add("id", CodeIDPrefix, "value", id, "type", typ)
	}
	_, version, ok := parseID(id)
	if !ok || len(id)-i-2 != 36 {
		v.add("id", CodeIDUUID, "value", id)
		return
	}
	if cat != SCO && version != 4 {
		v.add("id", CodeIDVersion, "value", id, "version", strconv.Itoa(version))
	}
}

// walk checks a property wherever it is: references, timestamps, hashes,
// binary and hex values, nulls and empty lists. v.path is where raw is.
// Properties at the top level (depth 0) have their reference targets
// checked by type.
func (v *validation) walk(name string, raw json.RawMessage, typ string, depth int) {
	if depth > maxDepth {
		return
	}
	switch {
	case string(raw) == "null":
		v.add(here, CodeNull)
		return
	case raw[0] == '[' && len(bytes.TrimSpace(raw[1:len(raw)-1])) == 0:
		v.add(here, CodeEmptyList)
		return
	}
	if depth > 0 {
		typ = ""
	}
	switch {
	case strings.HasSuffix(name, "_ref"):
		v.ref(name, raw, typ)
		return
	case strings.HasSuffix(name, "_refs"):
		if !v.items(raw, func(it []byte) { v.ref(name, it, typ) }) {
			v.add(here, CodePropType, "want", "a list of identifiers")
		}
		return
	case strings.HasSuffix(name, "_bin"):
		s, ok := unquote(raw)
		if _, err := base64.StdEncoding.DecodeString(s); !ok || err != nil {
			if name == "payload_bin" {
				v.add(here, CodePayloadBin)
			} else {
				v.add(here, CodeBinary, "name", name)
			}
		}
		return
	case strings.HasSuffix(name, "_hex"):
		s, ok := unquote(raw)
		if !ok || !isHexString(s) {
			v.add(here, CodeHex, "value", short(string(raw)))
		}
		return
	case name == "hashes":
		v.hashes(raw)
		return
	case timestampProps[name] && raw[0] == '"':
		s, _ := unquote(raw)
		if _, err := ParseTimestamp(s); err != nil {
			v.add(here, CodeTimestamp, "value", s)
		}
		return
	case timestampProps[name] && (raw[0] == '{' || raw[0] == '['):
		// A custom property may reuse a name ("start" as an object): it
		// is walked like any other value.
	case timestampProps[name]:
		v.add(here, CodeTimestamp, "value", string(raw))
		return
	}
	if depth == 0 && (typ == "observed-data" && name == "objects") {
		return // the deprecated container uses local keys for references
	}
	switch raw[0] {
	case '{':
		props, err := parseObject(raw)
		if err != nil {
			return
		}
		for _, p := range props {
			n := len(v.path)
			v.path = append(append(v.path, '.'), p.name...)
			v.walk(p.name, p.raw, typ, depth+1)
			v.path = v.path[:n]
		}
	case '[':
		v.items(raw, func(it []byte) { v.walk(name, it, typ, depth+1) })
	}
}

// items calls f for each element of an array with v.path pointing at it.
func (v *validation) items(raw []byte, f func(item []byte)) bool {
	n := len(v.path)
	ok := eachItem(raw, func(i int, it []byte) {
		v.path = append(strconv.AppendInt(append(v.path, '['), int64(i), 10), ']')
		f(it)
		v.path = v.path[:n]
	})
	return ok
}

func (v *validation) ref(name string, raw json.RawMessage, typ string) {
	s, ok := unquote(raw)
	if !ok || !IsID(s) {
		v.add(here, CodeRefInvalid, "value", short(string(raw)))
		return
	}
	if ok, want := refAllowed(typ, name, TypeOfID(s)); !ok {
		v.add(here, CodeRefType, "value", s, "want", describeTargets(want))
	}
}

func describeTargets(want []string) string {
	out := make([]string, len(want))
	for i, w := range want {
		switch w {
		case "*sdo":
			w = "SDO"
		case "*sco":
			w = "SCO"
		}
		out[i] = w
	}
	return strings.Join(out, " | ")
}

// short cuts a value for a message.
func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

func isHexString(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for _, c := range []byte(s) {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// splitArray returns the elements of a JSON array (already checked).
func splitArray(raw json.RawMessage) ([]json.RawMessage, bool) {
	var out []json.RawMessage
	ok := eachItem(raw, func(_ int, it []byte) { out = append(out, it) })
	return out, ok
}

// The hashing-algorithm-ov names and what their values look like.
var hashFormats = map[string]struct {
	n    int // hex digits; 0 for the fuzzy hashes
	want string
}{
	"MD5":      {32, "32 hexadecimal digits"},
	"SHA-1":    {40, "40 hexadecimal digits"},
	"SHA-256":  {64, "64 hexadecimal digits"},
	"SHA-512":  {128, "128 hexadecimal digits"},
	"SHA3-256": {64, "64 hexadecimal digits"},
	"SHA3-512": {128, "128 hexadecimal digits"},
	"SSDEEP":   {0, "an ssdeep digest: blocksize:hash:hash, at most 128 characters"},
	"TLSH":     {0, "70 hexadecimal digits, or T1 and 70"},
}

// hashKey folds an algorithm name for comparison ("sha256" and "SHA_256"
// are SHA-256 misspelt).
func hashKey(s string) string {
	return strings.NewReplacer("-", "", "_", "").Replace(strings.ToUpper(s))
}

func (v *validation) hashes(raw json.RawMessage) {
	props, err := parseObject(raw)
	if err != nil {
		v.add(here, CodePropType, "want", "a dictionary of hashes")
		return
	}
	if len(props) == 0 {
		v.add(here, CodeRequired, "name", "hashes")
		return
	}
	for _, p := range props {
		n := len(v.path)
		v.path = append(append(v.path, '.'), p.name...)
		v.hash(p.name, p.raw)
		v.path = v.path[:n]
	}
}

func (v *validation) hash(name string, raw []byte) {
	val, ok := unquote(raw)
	if !ok {
		v.add(here, CodePropType, "want", "a string")
		return
	}
	f, known := hashFormats[name]
	if !known {
		if !validHashName(name) {
			v.add(here, CodeHashName, "name", name)
			return
		}
		for algo := range hashFormats {
			if hashKey(algo) == hashKey(name) {
				v.add(here, CodeHashAlgorithm, "name", name, "want", algo)
			}
		}
		return
	}
	var good bool
	switch name {
	case "SSDEEP":
		good = validSSDEEP(val)
	case "TLSH":
		t := strings.TrimPrefix(val, "T1")
		good = len(t) == 70 && isHexString(t)
	default:
		good = len(val) == f.n && isHexString(val)
	}
	if !good {
		v.add(here, CodeHashLength, "value", short(val), "algorithm", name, "want", f.want)
	}
}

func validHashName(s string) bool {
	if len(s) < 3 || len(s) > 250 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validSSDEEP accepts "blocksize:hash:hash" of base64 characters (the
// schema: letters, digits, / + : . and at most 128 characters).
func validSSDEEP(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return false
	}
	if _, err := strconv.Atoi(parts[0]); err != nil {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '/' || c == '+' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}
