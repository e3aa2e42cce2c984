// Package org holds the organisation tree (NPA, its bureaus, the regional
// police bureaus, the prefectural HQs, their stations, and outside partners),
// the default tree a fresh install starts with, and the visibility rule that
// follows from it: an organisation sees its own records and those of its
// descendants, and nothing else.
package org

import (
	"errors"
	"fmt"
	"slices"
)

// Kind is the kind of an organisation.
type Kind string

// The organisation kinds.
const (
	KindNational   Kind = "national"   // 警察庁 NPA
	KindBureau     Kind = "bureau"     // サイバー警察局 Cyber Affairs Bureau
	KindUnit       Kind = "unit"       // サイバー特別捜査部 (until 2024 特別捜査隊) National Cyber Unit
	KindRegional   Kind = "regional"   // 管区警察局 regional police bureau
	KindPrefecture Kind = "prefecture" // 都道府県警察本部 (Tokyo MPD = 警視庁)
	KindStation    Kind = "station"    // 警察署, added by admins
	KindPartner    Kind = "partner"    // outside the tree (JC3, companies, foreign agencies)
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindNational, KindBureau, KindUnit, KindRegional, KindPrefecture, KindStation, KindPartner:
		return true
	}
	return false
}

// Org is one organisation.
type Org struct {
	ID          int64
	Code        string // stable, lower-case ASCII, e.g. "npa", "npa-cab", "ncu", "rpb-kanto", "pref-13", "pref-13-shinjuku"
	ParentID    int64  // 0 for a root (NPA, and every partner)
	Kind        Kind
	NameJA      string
	NameEN      string
	Prefecture  string // JIS X 0401 two-digit code ("01".."47") for prefectural HQs and their stations; "" otherwise
	RequireTOTP bool   // second factor required for everyone in this org
}

// ValidCode reports whether s is a well-formed organisation code: 1 to 64
// characters of a-z, 0-9 and '-', not starting or ending with '-'.
func ValidCode(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ErrInvalidTree is wrapped by every error NewTree returns.
var ErrInvalidTree = errors.New("org: invalid organisation tree")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidTree, fmt.Sprintf(format, args...))
}

// Tree is an immutable in-memory view of all organisations.
type Tree struct {
	all      []Org           // sorted by ID
	byID     map[int64]int   // ID -> index in all
	byCode   map[string]int  // code -> index in all
	byPref   map[string]int  // JIS code -> index of the prefectural HQ
	children map[int64][]int // parent ID -> indexes of children, sorted by ID
}

// NewTree builds a Tree, rejecting a non-positive or duplicate ID, an invalid
// or duplicate code, an unknown kind, an unknown parent, a cycle, a partner
// with a parent, an unknown prefecture code, a prefectural HQ without one,
// and two HQs for the same prefecture.
func NewTree(orgs []Org) (*Tree, error) {
	all := slices.Clone(orgs)
	slices.SortFunc(all, func(a, b Org) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	t := &Tree{
		all:      all,
		byID:     make(map[int64]int, len(all)),
		byCode:   make(map[string]int, len(all)),
		byPref:   make(map[string]int, 47),
		children: make(map[int64][]int),
	}
	for i, o := range all {
		if o.ID <= 0 {
			return nil, invalid("organisation %q has non-positive id %d", o.Code, o.ID)
		}
		if _, dup := t.byID[o.ID]; dup {
			return nil, invalid("duplicate id %d", o.ID)
		}
		t.byID[o.ID] = i
		if !ValidCode(o.Code) {
			return nil, invalid("organisation %d has invalid code %q", o.ID, o.Code)
		}
		if _, dup := t.byCode[o.Code]; dup {
			return nil, invalid("duplicate code %q", o.Code)
		}
		t.byCode[o.Code] = i
		if !o.Kind.Valid() {
			return nil, invalid("organisation %q has unknown kind %q", o.Code, o.Kind)
		}
		if o.Kind == KindPartner && o.ParentID != 0 {
			return nil, invalid("partner %q must be a root", o.Code)
		}
		if o.Prefecture != "" {
			if _, ok := PrefectureByCode(o.Prefecture); !ok {
				return nil, invalid("organisation %q has unknown prefecture %q", o.Code, o.Prefecture)
			}
		}
		if o.Kind == KindPrefecture {
			if o.Prefecture == "" {
				return nil, invalid("prefectural HQ %q has no prefecture", o.Code)
			}
			if j, dup := t.byPref[o.Prefecture]; dup {
				return nil, invalid("prefecture %s has two HQs, %q and %q", o.Prefecture, all[j].Code, o.Code)
			}
			t.byPref[o.Prefecture] = i
		}
	}
	// all is sorted by ID, so each children list comes out sorted too.
	for i, o := range all {
		if o.ParentID == 0 {
			continue
		}
		if _, ok := t.byID[o.ParentID]; !ok {
			return nil, invalid("organisation %q has unknown parent %d", o.Code, o.ParentID)
		}
		t.children[o.ParentID] = append(t.children[o.ParentID], i)
	}
	// Every organisation has a known parent or none, so an organisation that
	// cannot be reached from a root is on, or hangs below, a cycle.
	reached := 0
	for _, o := range all {
		if o.ParentID == 0 {
			reached += len(t.subtree(o.ID))
		}
	}
	if reached != len(all) {
		for _, o := range all {
			if !t.rooted(o) {
				return nil, invalid("organisation %q is on or below a parent cycle", o.Code)
			}
		}
	}
	return t, nil
}

// rooted reports whether following parents from o ends at a root. It is only
// used to name the culprit once a cycle is known to exist.
func (t *Tree) rooted(o Org) bool {
	for steps := 0; steps <= len(t.all); steps++ {
		if o.ParentID == 0 {
			return true
		}
		o = t.all[t.byID[o.ParentID]]
	}
	return false
}

// subtree returns the indexes of id and all its descendants, in no set order.
func (t *Tree) subtree(id int64) []int {
	i, ok := t.byID[id]
	if !ok {
		return nil
	}
	out := []int{i}
	for k := 0; k < len(out); k++ {
		out = append(out, t.children[t.all[out[k]].ID]...)
	}
	return out
}

// ByID returns the organisation with the given ID.
func (t *Tree) ByID(id int64) (Org, bool) {
	i, ok := t.byID[id]
	if !ok {
		return Org{}, false
	}
	return t.all[i], true
}

// ByCode returns the organisation with the given code.
func (t *Tree) ByCode(code string) (Org, bool) {
	i, ok := t.byCode[code]
	if !ok {
		return Org{}, false
	}
	return t.all[i], true
}

// ForPrefecture returns the prefectural HQ for a JIS X 0401 code such as "13".
func (t *Tree) ForPrefecture(jis string) (Org, bool) {
	i, ok := t.byPref[jis]
	if !ok {
		return Org{}, false
	}
	return t.all[i], true
}

// Children returns the direct children of id, sorted by ID.
func (t *Tree) Children(id int64) []Org {
	idx := t.children[id]
	out := make([]Org, len(idx))
	for k, i := range idx {
		out[k] = t.all[i]
	}
	return out
}

// Ancestors returns the ancestors of id, parent first, up to the root.
func (t *Tree) Ancestors(id int64) []Org {
	o, ok := t.ByID(id)
	if !ok {
		return nil
	}
	var out []Org
	for o.ParentID != 0 {
		o = t.all[t.byID[o.ParentID]]
		out = append(out, o)
	}
	return out
}

// Sees reports whether an officer of org viewer may see a record owned by org
// owner: true when viewer == owner or viewer is an ancestor of owner. Nothing
// else (siblings, children, partners) sees it.
func (t *Tree) Sees(viewer, owner int64) bool {
	o, ok := t.ByID(owner)
	if !ok {
		return false
	}
	if _, ok := t.byID[viewer]; !ok {
		return false
	}
	for {
		if o.ID == viewer {
			return true
		}
		if o.ParentID == 0 {
			return false
		}
		o = t.all[t.byID[o.ParentID]]
	}
}

// Visible returns viewer and all its descendants' IDs (the owners whose
// records viewer sees), sorted; nil for an unknown viewer.
func (t *Tree) Visible(viewer int64) []int64 {
	idx := t.subtree(viewer)
	if idx == nil {
		return nil
	}
	out := make([]int64, len(idx))
	for k, i := range idx {
		out[k] = t.all[i].ID
	}
	slices.Sort(out)
	return out
}

// All returns every organisation, sorted by ID.
func (t *Tree) All() []Org { return slices.Clone(t.all) }

// InOrder returns every organisation in tree order: each root (by ID),
// then each of its children (by ID) followed by the organisations below it,
// so that a station added later is listed under its parent.
func (t *Tree) InOrder() []Org {
	out := make([]Org, 0, len(t.all))
	var visit func(i int)
	visit = func(i int) {
		out = append(out, t.all[i])
		for _, c := range t.children[t.all[i].ID] {
			visit(c)
		}
	}
	for i, o := range t.all {
		if o.ParentID == 0 {
			visit(i)
		}
	}
	return out
}

// Depth returns how many organisations are above id: 0 for a root, and for
// an organisation the tree does not know.
func (t *Tree) Depth(id int64) int { return len(t.Ancestors(id)) }
