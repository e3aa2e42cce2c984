package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/gowebpki/jcs"
)

// Namespace is the UUIDv5 namespace of deterministic SCO ids.
var Namespace = uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")

// parseID splits an identifier into its type and UUID and returns the
// UUID's version; ok is false when id is not "<type>--<UUID>" with an RFC
// 4122 UUID (hex digits of either case, the variant bits 10).
func parseID(id string) (typ string, version int, ok bool) {
	if len(id) < 36+2+1 || id[len(id)-38:len(id)-36] != "--" {
		return "", 0, false
	}
	typ, u := id[:len(id)-38], id[len(id)-36:]
	for i, c := range []byte(u) {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", 0, false
			}
		default:
			if !isHex(c) {
				return "", 0, false
			}
		}
	}
	switch u[19] {
	case '8', '9', 'a', 'b', 'A', 'B':
	default:
		return "", 0, false
	}
	v := int(u[14] - '0')
	if u[14] > '9' {
		v = 10 + int((u[14]|0x20)-'a')
	}
	return typ, v, v >= 1 && v <= 8
}

// IsID reports whether s is an identifier "<type>--<UUID>".
func IsID(s string) bool {
	typ, _, ok := parseID(s)
	return ok && validTypeName(typ)
}

// TypeOfID is the type part of an identifier ("" when s is not one).
func TypeOfID(s string) string {
	typ, _, ok := parseID(s)
	if !ok {
		return ""
	}
	return typ
}

// NewID makes a fresh identifier of type typ with a random (version 4)
// UUID, as SDOs, SROs and marking definitions must have.
func NewID(typ string) string { return typ + "--" + uuid.NewString() }

// hashOrder is the order in which one hash is chosen for a deterministic
// id when an object has several (the other hashes do not contribute).
var hashOrder = []string{"MD5", "SHA-1", "SHA-256", "SHA-512"}

// DeterministicID computes an SCO's identifier from its ID-contributing
// properties (per type, as the spec lists them): UUIDv5 in Namespace over
// the RFC 8785 (JCS) canonical JSON of those that are present, with one
// hash (MD5, SHA-1, SHA-256, SHA-512, else the first written) standing for
// hashes. A type without contributing properties (process, custom types),
// or an object with none of them, gets a random UUIDv4, as the spec says.
func DeterministicID(o *Object) (string, error) {
	spec := types[o.typ]
	var buf []byte
	n := 0
	for _, name := range spec.contrib {
		raw, ok := o.Get(name)
		if !ok {
			continue
		}
		if name == "hashes" {
			one, err := oneHash(raw)
			if err != nil {
				return "", err
			}
			raw = one
		}
		if n == 0 {
			buf = append(buf, '{')
		} else {
			buf = append(buf, ',')
		}
		buf = appendString(buf, name)
		buf = append(buf, ':')
		buf = append(buf, raw...)
		n++
	}
	if n == 0 {
		return NewID(o.typ), nil
	}
	buf = append(buf, '}')
	canon, err := jcs.Transform(buf)
	if err != nil {
		return "", fmt.Errorf("stix: canonical JSON of %s: %w", o.typ, err)
	}
	return o.typ + "--" + uuid.NewSHA1(Namespace, canon).String(), nil
}

// oneHash reduces a hashes dictionary to the one hash that contributes to
// a deterministic id.
func oneHash(raw json.RawMessage) (json.RawMessage, error) {
	props, err := parseObject(raw)
	if err != nil {
		return nil, fmt.Errorf("stix: hashes: %w", err)
	}
	if len(props) == 0 {
		return raw, nil
	}
	pick := props[0]
	for _, want := range hashOrder {
		if i := slices.IndexFunc(props, func(p prop) bool { return p.name == want }); i >= 0 {
			pick = props[i]
			break
		}
	}
	return append(append(appendString([]byte{'{'}, pick.name), ':'), append(pick.raw, '}')...), nil
}

// NewSDO builds a domain or relationship object (or a marking definition,
// language content or extension definition) to export: type, spec_version
// "2.1", a random id, created and modified at (millisecond precision), then
// props in name order. A property in props overrides the ones set here
// (give "id" to keep an object's identity across exports).
func NewSDO(typ string, at time.Time, props map[string]any) (*Object, error) {
	if !validTypeName(typ) {
		return nil, fmt.Errorf("stix: %q is not a type name", typ)
	}
	if CategoryOf(typ) == SCO {
		return nil, fmt.Errorf("stix: %s is a cyber-observable type: use NewSCO", typ)
	}
	o := &Object{}
	ts := NewTimestamp(at)
	o.Set("type", typ)
	o.Set("spec_version", "2.1")
	o.Set("id", NewID(typ))
	o.Set("created", ts)
	if typ != "marking-definition" {
		o.Set("modified", ts)
	}
	if err := o.setAll(props); err != nil {
		return nil, err
	}
	return o, nil
}

// NewRelationship builds a relationship of relType from source to target.
func NewRelationship(relType, source, target string, at time.Time) (*Object, error) {
	return NewSDO("relationship", at, map[string]any{"relationship_type": relType, "source_ref": source, "target_ref": target})
}

// NewSCO builds a cyber-observable object: type, spec_version "2.1", the
// deterministic id computed from props, then props in name order.
func NewSCO(typ string, props map[string]any) (*Object, error) {
	if !validTypeName(typ) {
		return nil, fmt.Errorf("stix: %q is not a type name", typ)
	}
	if c := CategoryOf(typ); c != SCO && c != Unknown {
		return nil, fmt.Errorf("stix: %s is not a cyber-observable type: use NewSDO", typ)
	}
	o := &Object{}
	o.Set("type", typ)
	o.Set("spec_version", "2.1")
	o.Set("id", "")
	if err := o.setAll(props); err != nil {
		return nil, err
	}
	id, err := DeterministicID(o)
	if err != nil {
		return nil, err
	}
	o.Set("id", id)
	return o, nil
}

func (o *Object) setAll(props map[string]any) error {
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if err := o.Set(k, props[k]); err != nil {
			return err
		}
	}
	return nil
}

// sameJSON reports whether two JSON texts are byte for byte equal once
// white space is removed (for comparing fixed objects).
func sameJSON(a, b []byte) bool {
	var x, y bytes.Buffer
	return json.Compact(&x, a) == nil && json.Compact(&y, b) == nil && bytes.Equal(x.Bytes(), y.Bytes())
}
