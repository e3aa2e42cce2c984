package stix

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// TLP is a Traffic Light Protocol 2.0 level. The zero value is "no TLP
// marking known"; the levels are ordered from the least to the most
// restricted, so a greater TLP is stricter.
type TLP int

// The TLP 2.0 levels, least restricted first.
const (
	TLPUnknown TLP = iota
	TLPClear
	TLPGreen
	TLPAmber
	TLPAmberStrict
	TLPRed
)

var tlpNames = [...]string{"", "clear", "green", "amber", "amber+strict", "red"}

// String is the level as TLP 2.0 writes it in lower case ("amber+strict");
// "" for TLPUnknown.
func (t TLP) String() string {
	if t < 0 || int(t) >= len(tlpNames) {
		return ""
	}
	return tlpNames[t]
}

// Label is the level as shown to people: "TLP:AMBER+STRICT".
func (t TLP) Label() string {
	if t == TLPUnknown {
		return ""
	}
	return "TLP:" + strings.ToUpper(t.String())
}

// ParseTLP reads a level: "clear", "TLP:CLEAR", "tlp:amber+strict" (any
// case); TLP 1.0's "white" is read as clear.
func ParseTLP(s string) (TLP, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.TrimPrefix(v, "tlp:")
	if v == "white" {
		return TLPClear, nil
	}
	for i, n := range tlpNames {
		if i > 0 && v == n {
			return TLP(i), nil
		}
	}
	return TLPUnknown, fmt.Errorf("stix: %q is not a TLP level (clear, green, amber, amber+strict, red)", s)
}

// Stricter reports whether t restricts sharing more than u.
func (t TLP) Stricter(u TLP) bool { return t > u }

// Max is the stricter of t and u.
func (t TLP) Max(u TLP) TLP {
	if u > t {
		return u
	}
	return t
}

// TLP2Extension is the id of the OASIS extension definition by which the
// TLP 2.0 marking definitions declare their level.
const TLP2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// The fixed ids of the TLP 2.0 marking definitions the OASIS CTI TC
// published (cti-stix-common-objects, extension-definition-specifications/
// tlp-2.0).
const (
	TLP2Clear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLP2Green       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	TLP2Amber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLP2AmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLP2Red         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

// The fixed ids of the TLP 1.0 marking definitions of the STIX 2.1 spec
// (section 7.2.1.4).
const (
	TLP1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	TLP1Green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	TLP1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	TLP1Red   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
)

var tlp2IDs = [...]string{"", TLP2Clear, TLP2Green, TLP2Amber, TLP2AmberStrict, TLP2Red}

// tlpByID maps every TLP marking id, 2.0 and 1.0, to its level. TLP 1.0
// white is clear; 1.0 amber is read as 2.0 amber (1.0 had no +STRICT).
var tlpByID = map[string]TLP{
	TLP2Clear: TLPClear, TLP2Green: TLPGreen, TLP2Amber: TLPAmber, TLP2AmberStrict: TLPAmberStrict, TLP2Red: TLPRed,
	TLP1White: TLPClear, TLP1Green: TLPGreen, TLP1Amber: TLPAmber, TLP1Red: TLPRed,
}

// TLPOfMarking is the level a marking definition id stands for; ok is
// false when the id is not one of the TLP 2.0 or 1.0 markings.
func TLPOfMarking(id string) (TLP, bool) {
	t, ok := tlpByID[id]
	return t, ok
}

// MarkingID is the id of the TLP 2.0 marking definition of t ("" for
// TLPUnknown).
func (t TLP) MarkingID() string {
	if t <= TLPUnknown || t > TLPRed {
		return ""
	}
	return tlp2IDs[t]
}

// Marking is the TLP 2.0 marking-definition object of t, exactly as OASIS
// published it, to put in a bundle beside the objects it marks.
func (t TLP) Marking() *Object {
	if t.MarkingID() == "" {
		return nil
	}
	return mustParse(`{"type":"marking-definition","spec_version":"2.1","id":"` + t.MarkingID() +
		`","created":"2022-10-01T00:00:00.000Z","name":"` + t.Label() + `","extensions":{"` + TLP2Extension +
		`":{"extension_type":"property-extension","tlp_2_0":"` + t.String() + `"}}}`)
}

// TLP2ExtensionDefinition is the OASIS extension-definition object of TLP
// 2.0, for bundles whose receivers want every extension defined inside.
func TLP2ExtensionDefinition() *Object {
	return mustParse(`{"id":"` + TLP2Extension + `","type":"extension-definition","spec_version":"2.1","name":"TLP 2.0",` +
		`"description":"This defines TLP 2.0 as a STIX extension","created":"2022-10-01T00:00:00.000Z","modified":"2022-10-01T00:00:00.000Z",` +
		`"created_by_ref":"identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",` +
		`"schema":"https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0",` +
		`"version":"1.0.0","extension_types":["property-extension"]}`)
}

// TLPOf is an object's TLP: the strictest of the TLP markings among its
// object_marking_refs, TLPUnknown when none is a TLP marking. A marking
// definition object itself carries its level in its TLP 2.0 extension or
// TLP 1.0 definition; that is not its TLP (see MarkingLevel).
func TLPOf(o *Object) TLP {
	t := TLPUnknown
	for _, ref := range o.ObjectMarkingRefs() {
		if l, ok := tlpByID[ref]; ok {
			t = t.Max(l)
		}
	}
	return t
}

// MarkingLevel is the TLP level a marking-definition object defines, read
// from its content (the TLP 2.0 extension, or TLP 1.0's definition), so
// that a marking with an unfamiliar id is still understood; ok is false
// when it defines no TLP level.
func MarkingLevel(o *Object) (TLP, bool) {
	if o.Type() != "marking-definition" {
		return TLPUnknown, false
	}
	if raw, ok := o.Extensions()[TLP2Extension]; ok {
		var ext struct {
			Level string `json:"tlp_2_0"`
		}
		if json.Unmarshal(raw, &ext) == nil {
			if t, err := ParseTLP(ext.Level); err == nil && ext.Level != "white" {
				return t, true
			}
		}
	}
	if o.str("definition_type") == "tlp" {
		var def struct {
			TLP string `json:"tlp"`
		}
		if raw, ok := o.Get("definition"); ok && json.Unmarshal(raw, &def) == nil {
			if t, err := ParseTLP(def.TLP); err == nil && def.TLP != "amber+strict" && def.TLP != "clear" {
				return t, true
			}
		}
	}
	return TLPUnknown, false
}

// Statement is the text of a statement marking definition; ok is false
// for other markings.
func Statement(o *Object) (string, bool) {
	if o.Type() != "marking-definition" || o.str("definition_type") != "statement" {
		return "", false
	}
	var def struct {
		Statement *string `json:"statement"`
	}
	raw, _ := o.Get("definition")
	if json.Unmarshal(raw, &def) != nil || def.Statement == nil {
		return "", false
	}
	return *def.Statement, true
}

// NewStatementMarking builds a statement marking definition (a copyright or
// terms-of-use text).
func NewStatementMarking(statement string, createdBy string, at time.Time) (*Object, error) {
	props := map[string]any{"definition_type": "statement", "definition": map[string]string{"statement": statement}}
	if createdBy != "" {
		props["created_by_ref"] = createdBy
	}
	return NewSDO("marking-definition", at, props)
}
