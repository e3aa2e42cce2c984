package cpe

import "strings"

// Relation is the NISTIR 7696 relation of a source to a target, for one
// attribute or for a whole name.
type Relation uint8

// The relations. Undefined is NISTIR 7696's answer when the target holds
// a wildcard; at name level it also covers attributes that disagree in
// direction (one SUPERSET, another SUBSET), which the report leaves out.
const (
	Disjoint Relation = iota
	Subset
	Superset
	Equal
	Undefined
)

// String returns the relation's name as NISTIR 7696 writes it.
func (r Relation) String() string {
	names := [...]string{"DISJOINT", "SUBSET", "SUPERSET", "EQUAL", "UNDEFINED"}
	if int(r) >= len(names) {
		return "INVALID"
	}
	return names[r]
}

// CompareValues relates a source attribute value to a target one
// (NISTIR 7696 §6.2): strings are compared case-insensitively, wildcards
// count only in the source.
func CompareValues(source, target Value) Relation {
	if target.Kind == Str && target.HasWildcards() {
		return Undefined
	}
	if source.Kind == target.Kind && (source.Kind != Str || strings.EqualFold(source.S, target.S)) {
		return Equal
	}
	switch {
	case source.Kind == Any:
		return Superset
	case target.Kind == Any:
		return Subset
	case source.Kind == NA || target.Kind == NA:
		return Disjoint
	}
	return compareStrings(strings.ToLower(source.S), strings.ToLower(target.S))
}

// compareStrings matches a source holding wildcards at its ends against a
// literal target: "*" is any run, each "?" is one character (or none,
// at the end of the target, as the report's algorithm allows).
func compareStrings(source, target string) Relation {
	start, end := 0, len(source)
	begins, ends := 0, 0
	if source[0] == '*' {
		start, begins = 1, -1
	} else {
		for start < end && source[start] == '?' {
			start++
			begins++
		}
	}
	if end > start && source[end-1] == '*' && !quoted(source, end-1) {
		end--
		ends = -1
	} else {
		for end > start && source[end-1] == '?' && !quoted(source, end-1) {
			end--
			ends++
		}
	}
	body := source[start:end]
	index := -1
	leftover := len(target)
	for leftover > 0 {
		next := strings.Index(target[index+1:], body)
		if next < 0 {
			break
		}
		index += 1 + next
		escapes := countEscapes(target[:index])
		if index > 0 && begins != -1 && begins < index-escapes {
			break
		}
		// Characters of the target after the match, quoting not counted.
		rest := target[index+len(body):]
		leftover = len(rest) - countEscapes(rest)
		if leftover > 0 && ends != -1 && leftover > ends {
			continue
		}
		return Superset
	}
	return Disjoint
}

// countEscapes counts the quoting backslashes in s.
func countEscapes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			n++
			i++
		}
	}
	return n
}

// Compare relates two names (NISTIR 7696 §6.3): DISJOINT if any attribute
// is, EQUAL if all are, SUPERSET (SUBSET) if every attribute is SUPERSET
// (SUBSET) or EQUAL, Undefined otherwise.
func Compare(source, target Name) Relation {
	var sup, sub, undef bool
	for i := range source.Attr {
		switch CompareValues(source.Attr[i], target.Attr[i]) {
		case Disjoint:
			return Disjoint
		case Superset:
			sup = true
		case Subset:
			sub = true
		case Undefined:
			undef = true
		}
	}
	switch {
	case undef || sup && sub:
		return Undefined
	case sup:
		return Superset
	case sub:
		return Subset
	}
	return Equal
}

// Match reports whether source names target or a superset of it: the
// NISTIR 7696 question "does this (possibly wildcard) name cover that one".
func Match(source, target Name) bool {
	r := Compare(source, target)
	return r == Superset || r == Equal
}
