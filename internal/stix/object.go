package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Object is one STIX object of any type: SDO, SRO, SCO, marking
// definition, language content or extension definition. It keeps every
// property as it was written (in order, custom and unknown ones included),
// so reading then writing an object gives the same JSON; the accessors
// decode the properties koban uses.
type Object struct {
	props []prop
	typ   string
	id    string
}

// ParseObject reads one object from its JSON text.
func ParseObject(b []byte) (*Object, error) {
	o := &Object{}
	if err := o.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return o, nil
}

// UnmarshalJSON reads an object; the text is copied.
func (o *Object) UnmarshalJSON(b []byte) error {
	return o.parseOwned(bytes.Clone(b))
}

// parseOwned reads an object from b, which the object keeps.
func (o *Object) parseOwned(b []byte) error {
	props, err := parseObject(b)
	if err != nil {
		return err
	}
	o.props = props
	o.typ, _ = o.String("type")
	o.id, _ = o.String("id")
	return nil
}

// MarshalJSON writes the object's properties in their order.
func (o *Object) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil), nil }

// AppendJSON appends the object's JSON text to dst.
func (o *Object) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for i, p := range o.props {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, p.name)
		dst = append(dst, ':')
		dst = append(dst, p.raw...)
	}
	return append(dst, '}')
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	plain := true
	for _, c := range []byte(s) {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	b, _ := json.Marshal(s)
	return append(dst, b...)
}

// Type is the object's type ("indicator", "ipv4-addr", …).
func (o *Object) Type() string { return o.typ }

// ID is the object's identifier ("indicator--<UUID>").
func (o *Object) ID() string { return o.id }

// Category is the kind of object its type names: a known type's category,
// or for a custom type the one its extension definition declares (new-sdo,
// new-sro, new-sco), else SCO when it has no created property and SDO when
// it has.
func (o *Object) Category() Category {
	if c := CategoryOf(o.typ); c != Unknown {
		return c
	}
	for _, raw := range o.Extensions() {
		var ext struct {
			Type string `json:"extension_type"`
		}
		if json.Unmarshal(raw, &ext) == nil {
			switch ext.Type {
			case "new-sdo":
				return SDO
			case "new-sro":
				return SRO
			case "new-sco":
				return SCO
			}
		}
	}
	if o.Has("created") {
		return SDO
	}
	return SCO
}

// Names lists the object's property names in order.
func (o *Object) Names() []string {
	out := make([]string, len(o.props))
	for i, p := range o.props {
		out[i] = p.name
	}
	return out
}

// Has reports whether the object has property name.
func (o *Object) Has(name string) bool {
	_, ok := o.Get(name)
	return ok
}

// Get returns the JSON value of property name as written.
func (o *Object) Get(name string) (json.RawMessage, bool) {
	for i := range o.props {
		if o.props[i].name == name {
			return o.props[i].raw, true
		}
	}
	return nil, false
}

// Set gives property name the JSON encoding of v (a json.RawMessage is
// taken as it is, once checked), replacing the value it had or adding it
// at the end.
func (o *Object) Set(name string, v any) error {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		if err := checkValue(x); err != nil {
			return fmt.Errorf("stix: set %s: %w", name, err)
		}
		raw = bytes.TrimSpace(bytes.Clone(x))
	case string:
		raw = appendString(nil, x)
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("stix: set %s: %w", name, err)
		}
		raw = bytes.TrimSpace(buf.Bytes())
	}
	switch name {
	case "type":
		o.typ, _ = unquote(raw)
	case "id":
		o.id, _ = unquote(raw)
	}
	for i := range o.props {
		if o.props[i].name == name {
			o.props[i].raw = raw
			return nil
		}
	}
	o.props = append(o.props, prop{name: name, raw: raw})
	return nil
}

// Delete removes property name.
func (o *Object) Delete(name string) {
	for i := range o.props {
		if o.props[i].name == name {
			o.props = append(o.props[:i], o.props[i+1:]...)
			break
		}
	}
	switch name {
	case "type":
		o.typ = ""
	case "id":
		o.id = ""
	}
}

// String returns a string property; ok is false when it is missing or not
// a string.
func (o *Object) String(name string) (string, bool) {
	raw, ok := o.Get(name)
	if !ok {
		return "", false
	}
	return unquote(raw)
}

// str is String without the flag.
func (o *Object) str(name string) string {
	s, _ := o.String(name)
	return s
}

// Strings returns a list-of-strings property (nil when missing or not one).
func (o *Object) Strings(name string) []string {
	raw, ok := o.Get(name)
	if !ok {
		return nil
	}
	var out []string
	if json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return out
}

// Int returns an integer property.
func (o *Object) Int(name string) (int64, bool) {
	raw, ok := o.Get(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// Bool returns a boolean property; ok is false when missing or not a
// boolean.
func (o *Object) Bool(name string) (v, ok bool) {
	raw, found := o.Get(name)
	if !found {
		return false, false
	}
	switch string(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// Time returns a timestamp property; ok is false when it is missing or
// not a valid timestamp.
func (o *Object) Time(name string) (Timestamp, bool) {
	s, ok := o.String(name)
	if !ok {
		return Timestamp{}, false
	}
	t, err := ParseTimestamp(s)
	return t, err == nil
}

// Dict returns a dictionary property's entries as written.
func (o *Object) Dict(name string) map[string]json.RawMessage {
	raw, ok := o.Get(name)
	if !ok {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// The common properties.

// SpecVersion is spec_version ("2.1").
func (o *Object) SpecVersion() string { return o.str("spec_version") }

// Created is the created timestamp.
func (o *Object) Created() (Timestamp, bool) { return o.Time("created") }

// Modified is the modified timestamp.
func (o *Object) Modified() (Timestamp, bool) { return o.Time("modified") }

// CreatedByRef is the id of the identity that made the object.
func (o *Object) CreatedByRef() string { return o.str("created_by_ref") }

// Revoked reports whether the object is revoked.
func (o *Object) Revoked() bool { v, _ := o.Bool("revoked"); return v }

// Defanged reports whether an SCO's values are defanged.
func (o *Object) Defanged() bool { v, _ := o.Bool("defanged"); return v }

// Labels are the object's labels.
func (o *Object) Labels() []string { return o.Strings("labels") }

// Confidence is the confidence (0–100); ok is false when not given.
func (o *Object) Confidence() (int, bool) {
	n, ok := o.Int("confidence")
	return int(n), ok
}

// Lang is the language of the object's text properties.
func (o *Object) Lang() string { return o.str("lang") }

// ExternalReference points to non-STIX information.
type ExternalReference struct {
	SourceName  string            `json:"source_name"`
	Description string            `json:"description,omitempty"`
	URL         string            `json:"url,omitempty"`
	Hashes      map[string]string `json:"hashes,omitempty"`
	ExternalID  string            `json:"external_id,omitempty"`
}

// ExternalReferences are the object's external references.
func (o *Object) ExternalReferences() []ExternalReference {
	raw, ok := o.Get("external_references")
	if !ok {
		return nil
	}
	var out []ExternalReference
	if json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return out
}

// ObjectMarkingRefs are the ids of the marking definitions that apply to
// the whole object.
func (o *Object) ObjectMarkingRefs() []string { return o.Strings("object_marking_refs") }

// GranularMarking applies a marking (or a language) to some properties.
type GranularMarking struct {
	Lang       string   `json:"lang,omitempty"`
	MarkingRef string   `json:"marking_ref,omitempty"`
	Selectors  []string `json:"selectors"`
}

// GranularMarkings are the object's granular markings.
func (o *Object) GranularMarkings() []GranularMarking {
	raw, ok := o.Get("granular_markings")
	if !ok {
		return nil
	}
	var out []GranularMarking
	if json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return out
}

// Extensions are the object's extensions by name, as written.
func (o *Object) Extensions() map[string]json.RawMessage { return o.Dict("extensions") }

// Name is the name property.
func (o *Object) Name() string { return o.str("name") }

// Description is the description property.
func (o *Object) Description() string { return o.str("description") }

// Indicators.

// Pattern is an indicator's pattern.
func (o *Object) Pattern() string { return o.str("pattern") }

// PatternType is an indicator's pattern_type ("stix", "yara", …).
func (o *Object) PatternType() string { return o.str("pattern_type") }

// ValidFrom is an indicator's valid_from.
func (o *Object) ValidFrom() (Timestamp, bool) { return o.Time("valid_from") }

// ValidUntil is an indicator's valid_until.
func (o *Object) ValidUntil() (Timestamp, bool) { return o.Time("valid_until") }

// IndicatorTypes are an indicator's indicator_types.
func (o *Object) IndicatorTypes() []string { return o.Strings("indicator_types") }

// Relationships and sightings.

// RelationshipType is a relationship's relationship_type.
func (o *Object) RelationshipType() string { return o.str("relationship_type") }

// SourceRef is a relationship's source_ref.
func (o *Object) SourceRef() string { return o.str("source_ref") }

// TargetRef is a relationship's target_ref.
func (o *Object) TargetRef() string { return o.str("target_ref") }

// SightingOfRef is what a sighting saw.
func (o *Object) SightingOfRef() string { return o.str("sighting_of_ref") }

// WhereSightedRefs are the identities and locations that saw it.
func (o *Object) WhereSightedRefs() []string { return o.Strings("where_sighted_refs") }

// ObservedDataRefs are a sighting's observed-data ids.
func (o *Object) ObservedDataRefs() []string { return o.Strings("observed_data_refs") }

// Count is a sighting's count.
func (o *Object) Count() (int64, bool) { return o.Int("count") }

// FirstSeen is first_seen (sightings, campaigns, malware …).
func (o *Object) FirstSeen() (Timestamp, bool) { return o.Time("first_seen") }

// LastSeen is last_seen.
func (o *Object) LastSeen() (Timestamp, bool) { return o.Time("last_seen") }

// Containers.

// ObjectRefs are the object_refs of a report, grouping, note, opinion or
// observed-data.
func (o *Object) ObjectRefs() []string { return o.Strings("object_refs") }

// FirstObserved is observed-data's first_observed.
func (o *Object) FirstObserved() (Timestamp, bool) { return o.Time("first_observed") }

// LastObserved is observed-data's last_observed.
func (o *Object) LastObserved() (Timestamp, bool) { return o.Time("last_observed") }

// NumberObserved is observed-data's number_observed.
func (o *Object) NumberObserved() (int64, bool) { return o.Int("number_observed") }

// ObservedObjects is observed-data's deprecated objects dictionary.
func (o *Object) ObservedObjects() map[string]json.RawMessage { return o.Dict("objects") }

// SCOs.

// Value is an SCO's value (an address, a domain name, a URL …).
func (o *Object) Value() string { return o.str("value") }

// Hashes are an SCO's hashes by algorithm name.
func (o *Object) Hashes() map[string]string {
	raw, ok := o.Get("hashes")
	if !ok {
		return nil
	}
	var m map[string]string
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}
