// Package tlp is the Traffic Light Protocol 2.0 as koban applies it: every
// record carries one level, and the level decides how far beyond its owner
// the record may travel — inside koban (pages, API) and out of it (TAXII,
// STIX and MISP exports).
//
// The levels, from the most open:
//
//	clear         anyone; no limit
//	green         the community: any organisation with an account in koban
//	amber         the recipient organisation and the organisations under it
//	amber+strict  the recipient organisation only, not those under it
//	red           named people only: the accounts the record is shared with
//
// For a record owned inside the police tree, "the recipient organisation"
// is its owner's line (the owner and those above it, who see its records
// anyway) and the organisations it was shared with by a grant. The access
// package turns these rules into the decision; this package only names the
// levels and orders them.
package tlp

import (
	"slices"
	"strings"
)

// Level is one TLP 2.0 level, in its stored form.
type Level string

// The levels.
const (
	Clear       Level = "clear"
	Green       Level = "green"
	Amber       Level = "amber"
	AmberStrict Level = "amber+strict"
	Red         Level = "red"
)

// levels lists every level from the most open to the strictest.
var levels = []Level{Clear, Green, Amber, AmberStrict, Red}

// Levels returns every level, from the most open to the strictest.
func Levels() []Level { return slices.Clone(levels) }

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return slices.Contains(levels, l) }

// rank orders the levels: the higher, the stricter. Unknown levels rank as
// red, so that a record with a marking koban cannot read never leaves.
func (l Level) rank() int {
	if i := slices.Index(levels, l); i >= 0 {
		return i
	}
	return len(levels) - 1
}

// StricterThan reports whether l allows fewer recipients than m.
func (l Level) StricterThan(m Level) bool { return l.rank() > m.rank() }

// AtMost reports whether l is m or more open than m: a record at l may go
// where m may go.
func (l Level) AtMost(m Level) bool { return l.rank() <= m.rank() }

// Strictest returns the strictest of the levels given; def when none is.
func Strictest(def Level, ls ...Level) Level {
	out := Level("")
	for _, l := range ls {
		if l == "" {
			continue
		}
		if out == "" || l.StricterThan(out) {
			out = l
		}
	}
	if out == "" {
		return def
	}
	return out
}

// Parse reads a level as people and other tools write it: "TLP:AMBER",
// "amber", "tlp:amber+strict", and TLP 1.0's "white" (which is clear).
// ok is false for anything else.
func Parse(s string) (Level, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "tlp:")
	s = strings.TrimSpace(s)
	if s == "white" {
		return Clear, true
	}
	l := Level(s)
	return l, l.Valid()
}

// Label returns the level as TLP writes it: "TLP:AMBER+STRICT".
func (l Level) Label() string { return "TLP:" + strings.ToUpper(string(l)) }

// MessageKey is the catalog key of the level's one-line explanation.
func (l Level) MessageKey() string { return "tlp.explain." + strings.ReplaceAll(string(l), "+", "_") }

// Reach says how far a record at a level goes beyond the organisations
// that hold it by ownership or grant.
type Reach struct {
	// Everyone: any caller, even one without an account (clear).
	Everyone bool
	// Community: every account of every organisation (green).
	Community bool
	// Owners: the owner's line may read it (all but red).
	Owners bool
	// GrantsDown: a grant to an organisation reaches the organisations
	// under it too (amber), not only itself and those above (amber+strict).
	GrantsDown bool
	// OrgGrants: grants to organisations count; red counts only grants to
	// named accounts.
	OrgGrants bool
}

// ReachOf returns the reach of a level; an unknown level reaches like red.
func ReachOf(l Level) Reach {
	switch l {
	case Clear:
		return Reach{Everyone: true, Community: true, Owners: true, GrantsDown: true, OrgGrants: true}
	case Green:
		return Reach{Community: true, Owners: true, GrantsDown: true, OrgGrants: true}
	case Amber:
		return Reach{Owners: true, GrantsDown: true, OrgGrants: true}
	case AmberStrict:
		return Reach{Owners: true, OrgGrants: true}
	}
	return Reach{}
}
