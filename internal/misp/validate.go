package misp

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Validate checks an event against the MISP core format and returns every
// problem it finds (nil when there is none), each with the path of the
// field at fault ("Event.Object[2].Attribute[0].category"):
//
//   - the event has a UUID, an info and a date (YYYY-MM-DD);
//   - every UUID (event, attribute, object, reference, sighting, report)
//     is 8-4-4-4-12 hex digits, and no two attributes or objects share one;
//   - every attribute has a type MISP defines, a category MISP defines that
//     allows that type, and a value; a composite value ("ip-dst|port") has
//     its two parts; attached data is base64;
//   - numbers and flags that could not be read: distribution (0–4 for the
//     event, 0–5 below it), threat level (1–4), analysis (0–2), sighting
//     type (0–2), to_ids and the other flags (true/false/1/0), timestamps
//     (seconds since 1970) and first/last seen (ISO 8601), and last seen
//     not before first seen.
//
// Validate does not judge values against koban's observable types: that
// is Entries' work.
func Validate(e *Event) []Problem {
	v := validator{seen: make(map[string]string)}
	const p = "Event"
	v.bad(p, e.bad)
	if e.UUID == "" {
		v.add(Problem{Code: CodeMissing, Path: p + ".uuid"})
	} else {
		v.uuid(p+".uuid", e.UUID)
	}
	if strings.TrimSpace(e.Info) == "" {
		v.add(Problem{Code: CodeMissing, Path: p + ".info"})
	}
	if e.Date.IsZero() && !hasBad(e.bad, "date") {
		v.add(Problem{Code: CodeMissing, Path: p + ".date"})
	}
	if e.ExtendsUUID != "" {
		v.uuid(p+".extends_uuid", e.ExtendsUUID)
	}
	v.sightings(p, e.Sightings)
	for i := range e.Attributes {
		v.attribute(fmt.Sprintf("%s.Attribute[%d]", p, i), &e.Attributes[i])
	}
	for i := range e.Objects {
		o := &e.Objects[i]
		op := fmt.Sprintf("%s.Object[%d]", p, i)
		v.bad(op, o.bad)
		if strings.TrimSpace(o.Name) == "" {
			v.add(Problem{Code: CodeMissing, Path: op + ".name"})
		}
		v.identity(op, o.UUID)
		if o.TemplateUUID != "" {
			v.uuid(op+".template_uuid", o.TemplateUUID)
		}
		v.order(op, o.FirstSeen, o.LastSeen)
		for j := range o.Attributes {
			v.attribute(fmt.Sprintf("%s.Attribute[%d]", op, j), &o.Attributes[j])
		}
		for j, r := range o.References {
			rp := fmt.Sprintf("%s.ObjectReference[%d]", op, j)
			v.bad(rp, r.bad)
			if r.UUID != "" {
				v.uuid(rp+".uuid", r.UUID)
			}
			if r.ReferencedUUID == "" {
				v.add(Problem{Code: CodeMissing, Path: rp + ".referenced_uuid"})
			} else {
				v.uuid(rp+".referenced_uuid", r.ReferencedUUID)
			}
		}
	}
	for i, r := range e.Reports {
		rp := fmt.Sprintf("%s.EventReport[%d]", p, i)
		v.bad(rp, r.bad)
		if r.UUID != "" {
			v.uuid(rp+".uuid", r.UUID)
		}
	}
	return v.problems
}

type validator struct {
	problems []Problem
	seen     map[string]string // UUID → path of its first holder
}

func (v *validator) add(p Problem) { v.problems = append(v.problems, p) }

// bad reports the values of one JSON object that could not be read.
func (v *validator) bad(path string, fs []badField) {
	for _, f := range fs {
		p := Problem{Code: f.code, Path: path + "." + f.field, Value: short(f.raw)}
		switch f.code {
		case CodeDistribution:
			p.Want = "0–5"
			if path == "Event" {
				p.Want = "0–4"
			}
		case CodeThreatLevel:
			p.Want = "1–4"
		case CodeAnalysis, CodeSightingType:
			p.Want = "0–2"
		}
		v.add(p)
	}
}

func hasBad(fs []badField, field string) bool {
	for _, f := range fs {
		if f.field == field {
			return true
		}
	}
	return false
}

func (v *validator) uuid(path, s string) {
	if !ValidUUID(s) {
		v.add(Problem{Code: CodeUUIDInvalid, Path: path, Value: short(s)})
	}
}

// identity checks the UUID of an attribute or object: well formed and not
// used twice in the event. A missing one is not reported: MISP gives one
// on import, and PyMISP's drafts have none.
func (v *validator) identity(path, id string) {
	if id == "" {
		return
	}
	if !ValidUUID(id) {
		v.add(Problem{Code: CodeUUIDInvalid, Path: path + ".uuid", Value: short(id)})
		return
	}
	key := strings.ToLower(id)
	if first, dup := v.seen[key]; dup {
		v.add(Problem{Code: CodeUUIDDuplicate, Path: path + ".uuid", Value: id, Want: first})
		return
	}
	v.seen[key] = path
}

func (v *validator) order(path string, first, last time.Time) {
	if !first.IsZero() && !last.IsZero() && last.Before(first) {
		v.add(Problem{Code: CodeSeenOrder, Path: path + ".last_seen",
			Value: last.Format(time.RFC3339Nano), Want: first.Format(time.RFC3339Nano)})
	}
}

func (v *validator) sightings(path string, ss []Sighting) {
	for i, s := range ss {
		sp := fmt.Sprintf("%s.Sighting[%d]", path, i)
		v.bad(sp, s.bad)
		if s.UUID != "" {
			v.uuid(sp+".uuid", s.UUID)
		}
	}
}

func (v *validator) attribute(path string, a *Attribute) {
	v.bad(path, a.bad)
	v.identity(path, a.UUID)
	v.order(path, a.FirstSeen, a.LastSeen)
	v.sightings(path, a.Sightings)
	switch {
	case a.Type == "":
		v.add(Problem{Code: CodeMissing, Path: path + ".type"})
	case !KnownType(a.Type):
		v.add(Problem{Code: CodeTypeUnknown, Path: path + ".type", Value: short(a.Type)})
	}
	switch {
	case a.Category == "":
		v.add(Problem{Code: CodeMissing, Path: path + ".category"})
	case !KnownCategory(a.Category):
		v.add(Problem{Code: CodeCategoryUnknown, Path: path + ".category", Value: short(a.Category)})
	case KnownType(a.Type) && !Allowed(a.Category, a.Type):
		v.add(Problem{Code: CodeCategoryType, Path: path + ".category", Value: a.Category,
			Want: strings.Join(typeCategories[a.Type], ", ")})
	}
	if a.Value == "" {
		v.add(Problem{Code: CodeMissing, Path: path + ".value"})
	} else if Composite(a.Type) {
		if _, _, ok := splitComposite(a.Type, a.Value); !ok {
			v.add(Problem{Code: CodeCompositeParts, Path: path + ".value", Value: short(a.Value), Want: "2 parts"})
		}
	}
	if a.Data != "" {
		if _, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(a.Data), "")); err != nil {
			v.add(Problem{Code: CodeDataInvalid, Path: path + ".data", Value: err.Error()})
		}
	}
}

// splitComposite splits a composite value into its two parts. A
// registry value (regkey|value) may itself hold '|', so it is split at the
// first one; the other composite types must have exactly one. Neither part
// may be empty, except a registry value's data.
func splitComposite(typ, value string) (string, string, bool) {
	first, second, ok := strings.Cut(value, "|")
	if !ok || first == "" {
		return "", "", false
	}
	if typ == "regkey|value" {
		return first, second, true
	}
	if second == "" || strings.Contains(second, "|") {
		return "", "", false
	}
	return first, second, true
}

// ValidUUID reports whether s is a UUID written as 8-4-4-4-12 hex digits (either case).
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
