package pattern

import (
	"regexp"
	"slices"
	"strings"
)

// check applies the specification's rules that the grammar does not
// express, in the order of the pattern, and compiles LIKE and MATCHES:
//
//   - an object type is a STIX type name (3–250 characters of a–z, 0–9 and
//     single hyphens, starting with a letter; the schemas' pattern);
//   - "All operands of AND in an Observation Expression MUST be satisfiable
//     with the same type of object" (STIX 2.1 §9.5, as clarified by
//     oasis-tcs/cti-stix2#235): a comparison can be satisfied by its type,
//     OR by the union of its operands' types, AND by their intersection,
//     which must not be empty;
//   - WITHIN and REPEATS take positive numbers, STOP is later than START;
//   - one observation expression takes each kind of qualifier once (a
//     second one needs parentheses), as the OASIS validator rules;
//   - a hash compared by = != or IN has the length and digits of its
//     algorithm (MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512), as the
//     OASIS validator rules;
//   - a MATCHES expression is a regular expression. One that uses PCRE
//     features RE2 lacks is not an error here (the pattern is valid STIX):
//     Match refuses it, and Unsupported says so.
func check(src string, p *Pattern) *Error {
	return checkExpr(src, p.Root)
}

func checkExpr(src string, e Expr) *Error {
	switch e := e.(type) {
	case *Bracket:
		if _, err := checkCond(src, e.Cond); err != nil {
			return err
		}
	case *Group:
		return checkExpr(src, e.Inner)
	case *Compound:
		if err := checkExpr(src, e.Left); err != nil {
			return err
		}
		return checkExpr(src, e.Right)
	case *Qualified:
		if err := checkExpr(src, e.Inner); err != nil {
			return err
		}
		return checkQualifier(src, e)
	}
	return nil
}

// checkQualifier checks one qualifier and that the chain it ends does not
// repeat its kind.
func checkQualifier(src string, e *Qualified) *Error {
	switch q := e.Qualifier.(type) {
	case *Within:
		if q.Seconds.number() <= 0 {
			return errorAt(src, e.Offset, CodeWithin)
		}
	case *Repeats:
		if q.Times <= 0 {
			return errorAt(src, e.Offset, CodeRepeats)
		}
	case *StartStop:
		if !q.Stop.Time.After(q.Start.Time) {
			err := errorAt(src, e.Offset, CodeStartStop)
			err.Detail = q.Start.String() + ", " + q.Stop.String()
			return err
		}
	}
	// The chain of qualifiers directly on one bracket: each kind once.
	if !chainEndsInBracket(e) {
		return nil
	}
	for x := e.Inner; ; {
		inner, ok := x.(*Qualified)
		if !ok {
			return nil
		}
		if inner.Qualifier.kind() == e.Qualifier.kind() {
			err := errorAt(src, e.Offset, CodeQualifier)
			err.Found = e.Qualifier.kind()
			return err
		}
		x = inner.Inner
	}
}

// chainEndsInBracket reports whether a chain of qualifiers stands directly
// on a bracket (not on a group).
func chainEndsInBracket(e *Qualified) bool {
	for {
		switch x := e.Inner.(type) {
		case *Bracket:
			return true
		case *Qualified:
			e = x
		default:
			return false
		}
	}
}

// checkCond checks a bracket's conditions and returns the object types
// that can satisfy it.
func checkCond(src string, c Condition) ([]string, *Error) {
	switch c := c.(type) {
	case *Logical:
		left, err := checkCond(src, c.Left)
		if err != nil {
			return nil, err
		}
		right, err := checkCond(src, c.Right)
		if err != nil {
			return nil, err
		}
		if c.Op == Or {
			out := slices.Clone(left)
			for _, t := range right {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
			return out, nil
		}
		var both []string
		for _, t := range left {
			if slices.Contains(right, t) {
				both = append(both, t)
			}
		}
		if len(both) == 0 {
			err := errorAt(src, c.Offset, CodeAndTypes)
			err.Found = "AND"
			err.Detail = strings.Join(left, ", ") + " / " + strings.Join(right, ", ")
			return nil, err
		}
		return both, nil
	case *Comparison:
		if err := checkComparison(src, c); err != nil {
			return nil, err
		}
		return []string{c.Path.Type}, nil
	}
	return nil, nil
}

// checkComparison checks one comparison's type name, hash values and
// regular expression.
func checkComparison(src string, c *Comparison) *Error {
	if !validTypeName(c.Path.Type) {
		err := errorAt(src, c.Offset, CodeTypeName)
		err.Found = c.Path.Type
		return err
	}
	if algo, n := hashAlgorithm(c.Path); n > 0 {
		var values []Value
		switch c.Op {
		case Eq, Ne:
			values = []Value{c.Value}
		case In:
			values = c.Set
		}
		for _, v := range values {
			if v.Kind == String && !isHex(v.Str, n) {
				err := errorAt(src, c.Offset, CodeHashValue)
				err.Found, err.Detail = v.Str, algo
				return err
			}
		}
	}
	switch c.Op {
	case Like:
		c.re = likeRegexp(c.Value.Str)
	case Matches:
		re, err := regexp.Compile(c.Value.Str)
		if err == nil {
			c.re = re
			return nil
		}
		if feature := pcreOnly(c.Value.Str); feature != "" {
			e := errorAt(src, c.Offset, CodeRegexDialect)
			e.Found, e.Detail = c.Value.Str, feature
			c.reErr = e
			return nil
		}
		e := errorAt(src, c.Offset, CodeRegex)
		e.Found = c.Value.Str
		e.Detail = strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		return e
	}
	return nil
}

// validTypeName reports whether t is a STIX type name.
func validTypeName(t string) bool {
	if len(t) < 3 || len(t) > 250 || t[0] < 'a' || t[0] > 'z' || strings.Contains(t, "--") {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// hashLengths are the hex lengths of the hash algorithms whose values
// check rejects, keyed by the name upper-cased without hyphens.
var hashLengths = map[string]struct {
	name string
	n    int
}{
	"MD5":     {"MD5", 32},
	"SHA1":    {"SHA-1", 40},
	"SHA256":  {"SHA-256", 64},
	"SHA512":  {"SHA-512", 128},
	"SHA3256": {"SHA3-256", 64},
	"SHA3512": {"SHA3-512", 128},
}

// hashAlgorithm returns the algorithm and hex length when the path ends in
// "hashes.<algorithm>" of a known algorithm.
func hashAlgorithm(p Path) (string, int) {
	n := len(p.Steps)
	if n < 2 || p.Steps[n-1].Kind != KeyStep || p.Steps[n-2].Kind != KeyStep || p.Steps[n-2].Key != "hashes" {
		return "", 0
	}
	h, ok := hashLengths[hashKey(p.Steps[n-1].Key)]
	if !ok {
		return "", 0
	}
	return h.name, h.n
}

// hashKey is a hash name upper-cased without hyphens: "sha-256" is "SHA256".
func hashKey(k string) string {
	return strings.ReplaceAll(strings.ToUpper(k), "-", "")
}

// isHex reports whether s is n hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// likeRegexp turns a LIKE pattern into an anchored regular expression: %
// is any run of characters, _ one character, everything else itself.
func likeRegexp(like string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	lit := 0
	for i, r := range like {
		if r != '%' && r != '_' {
			continue
		}
		b.WriteString(regexp.QuoteMeta(like[lit:i]))
		if r == '%' {
			b.WriteString(".*")
		} else {
			b.WriteString(".")
		}
		lit = i + 1
	}
	b.WriteString(regexp.QuoteMeta(like[lit:]))
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// pcreOnly names the PCRE feature in a regular expression that RE2 does
// not have, or "".
func pcreOnly(re string) string {
	checks := []struct{ sub, what string }{
		{"(?=", "a lookahead (?=…)"},
		{"(?!", "a negative lookahead (?!…)"},
		{"(?<=", "a lookbehind (?<=…)"},
		{"(?<!", "a negative lookbehind (?<!…)"},
		{"(?>", "an atomic group (?>…)"},
		{"(?R", "recursion (?R)"},
		{"(?(", "a conditional (?(…)…)"},
		{"(?|", "a branch reset (?|…)"},
		{"*+", "a possessive quantifier"},
		{"++", "a possessive quantifier"},
		{"?+", "a possessive quantifier"},
		{"}+", "a possessive quantifier"},
		{`\Z`, `\Z`},
		{`\G`, `\G`},
		{`\K`, `\K`},
	}
	for _, c := range checks {
		if strings.Contains(re, c.sub) {
			return c.what
		}
	}
	for i := 0; i+1 < len(re); i++ {
		if re[i] == '\\' {
			if n := re[i+1]; n >= '1' && n <= '9' || n == 'k' || n == 'g' {
				return "a back-reference \\" + string(n)
			}
			i++ // skip the escaped character
		}
	}
	return ""
}
