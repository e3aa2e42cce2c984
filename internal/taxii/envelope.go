package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// EnvelopeError is a body that is not a TAXII envelope: broken JSON, or
// JSON of another shape. Offset is the byte where reading stopped.
type EnvelopeError struct {
	Offset int64
	Reason string
	// Syntax is true when the body is not JSON at all (a 400 rather than
	// a 422 from the server).
	Syntax bool
}

func (e *EnvelopeError) Error() string {
	return fmt.Sprintf("taxii: not an envelope (at byte %d): %s", e.Offset, e.Reason)
}

// Code is the catalog key of the error's sentence (arguments: offset, reason).
func (e *EnvelopeError) Code() string {
	return e.code()
}

// Args are the values of the catalog sentence's placeholders.
func (e *EnvelopeError) Args() map[string]string {
	return map[string]string{"offset": fmt.Sprint(e.Offset)}
}

func (e *EnvelopeError) code() string {
	if e.Syntax {
		return "taxii.bad_json"
	}
	return "taxii.not_envelope"
}

// maxEnvelopeDepth bounds nesting inside one object, so that a hostile body
// cannot make the decoder recurse without end.
const maxEnvelopeDepth = 200

// ReadEnvelope reads a TAXII envelope ({"more":…,"next":…,"objects":[…]})
// from r as a stream: each element of "objects" is handed to fn in order,
// as raw JSON, without the whole envelope in memory. An error from fn stops
// the reading and is returned as it is. Properties other than more, next
// and objects are skipped.
func ReadEnvelope(r io.Reader, fn func(raw json.RawMessage) error) (more bool, next string, err error) {
	dec := json.NewDecoder(r)
	fail := func(reason string, syntax bool) error {
		return &EnvelopeError{Offset: dec.InputOffset(), Reason: reason, Syntax: syntax}
	}
	wrap := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fail(syntaxReason(err), true)
		}
		var ue *json.UnmarshalTypeError
		if errors.As(err, &ue) {
			return fail(fmt.Sprintf("%q is a %s, want a %s", ue.Field, ue.Value, ue.Type), false)
		}
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return false, "", wrap(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return false, "", fail("want a JSON object with an objects list", false)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, "", wrap(err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return false, "", fail(fmt.Sprintf("%q appears twice", key), false)
		}
		seen[key] = true
		switch key {
		case "more":
			if err := dec.Decode(&more); err != nil {
				return false, "", wrap(err)
			}
		case "next":
			if err := dec.Decode(&next); err != nil {
				return false, "", wrap(err)
			}
		case "objects":
			if err := readObjects(dec, fn, fail, wrap); err != nil {
				return false, "", err
			}
		default:
			var skip json.RawMessage
			if err := decodeBounded(dec, &skip); err != nil {
				return false, "", wrap(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return false, "", wrap(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return false, "", fail("more data after the envelope", err != nil)
	}
	return more, next, nil
}

func readObjects(dec *json.Decoder, fn func(json.RawMessage) error, fail func(string, bool) error, wrap func(error) error) error {
	tok, err := dec.Token()
	if err != nil {
		return wrap(err)
	}
	if tok == nil {
		return nil // "objects": null, seen from some servers on an empty page
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fail("objects is not a list", false)
	}
	for dec.More() {
		var raw json.RawMessage
		if err := decodeBounded(dec, &raw); err != nil {
			return wrap(err)
		}
		if err := fn(raw); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing bracket
	return wrap(err)
}

// decodeBounded decodes the next value and refuses one nested deeper than
// maxEnvelopeDepth (encoding/json limits depth itself at 10,000; this is
// stricter, for values that are then handed on).
func decodeBounded(dec *json.Decoder, raw *json.RawMessage) error {
	if err := dec.Decode(raw); err != nil {
		return err
	}
	depth, maxDepth := 0, 0
	inString, escaped := false, false
	for _, c := range *raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			maxDepth = max(maxDepth, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	if maxDepth > maxEnvelopeDepth {
		return &EnvelopeError{Offset: dec.InputOffset(), Reason: fmt.Sprintf("nested more than %d deep", maxEnvelopeDepth)}
	}
	return nil
}

func syntaxReason(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON ends early"
	}
	return err.Error()
}

// Object is what TAXII reads of a STIX object: its identity and version.
// Raw is the object exactly as it came.
type Object struct {
	ID          string
	Type        string
	SpecVersion string
	// Version is modified, else created, as written in the object; "" for
	// an object with neither (the server then uses its date_added).
	Version string
	Raw     json.RawMessage
}

// ObjectError is an object of an envelope that cannot be stored.
type ObjectError struct {
	Code   string            // catalog key: taxii.object.<problem>
	Detail string            // the English sentence
	Args   map[string]string // the catalog sentence's placeholders
}

func (e *ObjectError) Error() string { return "taxii: " + e.Detail }

var stixID = regexp.MustCompile(`^([a-z0-9][a-z0-9-]{1,248}[a-z0-9])--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ParseObject checks that raw is a STIX 2.1 object with an id, a type that
// the id starts with, a spec_version, and readable modified/created
// timestamps, and returns what TAXII needs of it. The error is an
// *ObjectError.
func ParseObject(raw json.RawMessage) (Object, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Object{}, &ObjectError{Code: "taxii.object.not_object", Detail: "the object is not a JSON object"}
	}
	var head struct {
		ID          any `json:"id"`
		Type        any `json:"type"`
		SpecVersion any `json:"spec_version"`
		Modified    any `json:"modified"`
		Created     any `json:"created"`
	}
	if err := json.Unmarshal(trimmed, &head); err != nil {
		return Object{}, &ObjectError{Code: "taxii.object.not_object", Detail: "the object is not valid JSON"}
	}
	str := func(v any) (string, bool) { s, ok := v.(string); return s, ok }
	o := Object{Raw: raw}
	var ok bool
	if o.Type, ok = str(head.Type); !ok || o.Type == "" {
		return o, &ObjectError{Code: "taxii.object.no_type", Detail: "the object has no type"}
	}
	if !stixType.MatchString(o.Type) {
		return o, &ObjectError{"taxii.object.bad_type", fmt.Sprintf("the type %q is not a STIX type name", o.Type), map[string]string{"type": o.Type}}
	}
	if o.ID, ok = str(head.ID); !ok || o.ID == "" {
		return o, &ObjectError{Code: "taxii.object.no_id", Detail: "the object has no id"}
	}
	m := stixID.FindStringSubmatch(o.ID)
	if m == nil {
		return o, &ObjectError{"taxii.object.bad_id", fmt.Sprintf("the id %q is not <type>--<UUID>", o.ID), map[string]string{"id": o.ID}}
	}
	if m[1] != o.Type {
		return o, &ObjectError{"taxii.object.id_type", fmt.Sprintf("the id %q does not start with the type %q", o.ID, o.Type), map[string]string{"id": o.ID, "type": o.Type}}
	}
	if o.SpecVersion, ok = str(head.SpecVersion); !ok || o.SpecVersion == "" {
		return o, &ObjectError{Code: "taxii.object.no_spec_version", Detail: "the object has no spec_version (STIX 2.1 objects must)"}
	}
	if o.SpecVersion != "2.1" {
		return o, &ObjectError{"taxii.object.spec_version", fmt.Sprintf("spec_version %q: only STIX 2.1 is taken", o.SpecVersion), map[string]string{"spec_version": o.SpecVersion}}
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"modified", head.Modified}, {"created", head.Created}} {
		if f.v == nil {
			continue
		}
		s, ok := str(f.v)
		if _, err := ParseTimestamp(s); !ok || err != nil {
			return o, &ObjectError{"taxii.object.bad_timestamp", fmt.Sprintf("%s %v is not an RFC 3339 timestamp", f.name, f.v), map[string]string{"field": f.name}}
		}
		if o.Version == "" {
			o.Version = s
		}
	}
	return o, nil
}
