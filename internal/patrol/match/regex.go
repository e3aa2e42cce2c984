package match

import (
	"cmp"
	"errors"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// compiledRegex is a Regex rule ready to run over normalised text.
type compiledRegex struct {
	rule int
	re   *regexp.Regexp
	// triggers are strings at least one of which every match holds; the
	// expression runs only near them. None: it runs over the whole page.
	triggers []string
}

// compileRegex parses a rule's pattern, folds it into the form of
// normalised text and finds its triggers.
func compileRegex(i int, r *Rule) (*compiledRegex, error) {
	bad := func(pos int, err error) error {
		return &RuleError{Index: i, ID: r.ID, Field: "pattern", Pos: pos, Err: err}
	}
	tree, err := syntax.Parse(r.Pattern, syntax.Perl)
	if err != nil {
		pos := -1
		var se *syntax.Error
		if errors.As(err, &se) && se.Expr != "" && se.Expr != r.Pattern {
			pos = strings.Index(r.Pattern, se.Expr)
		}
		return nil, bad(pos, err)
	}
	if hasAnchor(tree) {
		return nil, bad(-1, ErrAnchor)
	}
	tree = foldRegexp(tree)
	if minLen(tree) == 0 {
		return nil, bad(-1, ErrEmptyMatch)
	}
	re, err := regexp.Compile(tree.String())
	if err != nil { // the folded tree should always print as valid syntax
		return nil, bad(-1, err)
	}
	c := &compiledRegex{rule: i, re: re}
	if t := required(tree); minBytes(t) >= 2 {
		c.triggers = t
	}
	return c, nil
}

// hasAnchor reports whether re holds ^, $, \A or \z.
func hasAnchor(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
		return true
	}
	return slices.ContainsFunc(re.Sub, hasAnchor)
}

// minLen returns the fewest runes a match of re can hold.
func minLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpNoMatch:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n += minLen(s)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if m := minLen(s); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0 // empty match, star, quest, boundaries
}

// foldRegexp makes re match normalised text as it would have matched the
// text before normalisation: its literals are normalised (ほ becomes ホ, Ａ
// becomes a, ｶﾞ becomes ガ), a dash matches both forms a dash takes (ー
// and -), a circle matches 0 too, and character classes gain the folded
// forms of what they hold ([ぁ-ん] holds ァ-ン too). Negated classes are
// folded on what they leave out. Whitespace in literals is left as it is:
// in normalised text there is none next to Japanese.
func foldRegexp(re *syntax.Regexp) *syntax.Regexp {
	switch re.Op {
	case syntax.OpLiteral:
		return foldLiteral(re)
	case syntax.OpCharClass:
		re.Rune = foldClass(re.Rune)
		return re
	}
	for i, s := range re.Sub {
		re.Sub[i] = foldRegexp(s)
	}
	return re
}

// foldLiteral is foldRegexp for a literal.
func foldLiteral(re *syntax.Regexp) *syntax.Regexp {
	var parts []*syntax.Regexp
	var lit []rune
	flush := func() {
		if len(lit) > 0 {
			parts = append(parts, &syntax.Regexp{Op: syntax.OpLiteral, Flags: re.Flags, Rune: lit})
			lit = nil
		}
	}
	either := func(a, b rune) {
		flush()
		parts = append(parts, &syntax.Regexp{Op: syntax.OpCharClass, Flags: re.Flags, Rune: []rune{a, a, b, b}})
	}
	for _, r := range norm.NFKC.String(string(re.Rune)) {
		switch {
		case ignorable(r):
		case r == '-' || isDash(r):
			either('-', 'ー')
		case r == '~' || isWave(r):
			lit = append(lit, '〜')
		case isZeroLike(r):
			either('0', r)
		default:
			lit = append(lit, foldRune(r))
		}
	}
	flush()
	switch len(parts) {
	case 0:
		return &syntax.Regexp{Op: syntax.OpEmptyMatch}
	case 1:
		return parts[0]
	}
	return &syntax.Regexp{Op: syntax.OpConcat, Sub: parts}
}

// foldRune folds one rune that NFKC leaves alone and that is neither a
// dash, a wave dash nor a circle: hiragana to katakana, cased letters to
// lower case.
func foldRune(r rune) rune {
	switch {
	case 0x3041 <= r && r <= 0x3096, r == 0x309D, r == 0x309E:
		return r + 0x60
	case r < 0x3000, 0xA640 <= r && r < 0xAC00, r >= 0x10000:
		return unicode.ToLower(r)
	}
	return r
}

// foldClass is foldRegexp for the ranges of a character class.
func foldClass(ranges []rune) []rune {
	negated := len(ranges) > 0 && ranges[0] == 0 && ranges[len(ranges)-1] == unicode.MaxRune
	if negated {
		ranges = complement(ranges)
	}
	out := slices.Clone(ranges)
	add := func(lo, hi rune) { out = append(out, lo, hi) }
	holds := func(lo, hi rune, rs ...rune) bool {
		return slices.ContainsFunc(rs, func(r rune) bool { return lo <= r && r <= hi })
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		shift := func(from, to, by rune) {
			if a, b := max(lo, from), min(hi, to); a <= b {
				add(a+by, b+by)
			}
		}
		shift(0x3041, 0x3096, 0x60) // hiragana
		shift(0x309D, 0x309E, 0x60) // ゝゞ
		shift('A', 'Z', 'a'-'A')
		shift(0xFF01, 0xFF5E, -0xFEE0)         // full-width ASCII
		shift(0xFF21, 0xFF3A, -0xFEE0+'a'-'A') // and its capitals, in lower case
		for r := max(lo, 0xFF61); r <= min(hi, 0xFF9F); r++ {
			for _, k := range norm.NFKC.String(string(r)) { // half-width katakana
				add(k, k)
			}
		}
		if hi < 0x3000 && hi-lo < 4096 { // other cased scripts
			for r := lo; r <= hi; r++ {
				if l := unicode.ToLower(r); l != r {
					add(l, l)
				}
			}
		}
		if holds(lo, hi, '-', 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2043, 0x2212, 0x2500, 0x2501, 'ー', 0xFE63, 0xFF0D, 0xFF70) {
			add('-', '-')
			add('ー', 'ー')
		}
		if holds(lo, hi, '~', '〜', 0x223C, 0x2053, 0x223F, 0xFF5E) {
			add('〜', '〜')
		}
		if holds(lo, hi, 0x3007, 0x25CB, 0x25EF) {
			add('0', '0')
		}
		if holds(lo, hi, 0x3000) {
			add(' ', ' ')
		}
	}
	out = mergeRanges(out)
	if negated {
		out = complement(out)
	}
	return out
}

// mergeRanges sorts rune ranges (lo, hi pairs) and merges those that
// overlap or touch.
func mergeRanges(rs []rune) []rune {
	type span struct{ lo, hi rune }
	spans := make([]span, 0, len(rs)/2)
	for i := 0; i+1 < len(rs); i += 2 {
		spans = append(spans, span{rs[i], rs[i+1]})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	out := rs[:0:0]
	for _, s := range spans {
		if n := len(out); n > 0 && s.lo <= out[n-1]+1 {
			out[n-1] = max(out[n-1], s.hi)
			continue
		}
		out = append(out, s.lo, s.hi)
	}
	return out
}

// complement returns the runes not in sorted, merged ranges rs.
func complement(rs []rune) []rune {
	var out []rune
	next := rune(0)
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] > next {
			out = append(out, next, rs[i]-1)
		}
		next = rs[i+1] + 1
	}
	if next <= unicode.MaxRune {
		out = append(out, next, unicode.MaxRune)
	}
	return out
}

// required returns strings at least one of which every match of re (a
// folded expression) holds, or nil when it cannot tell.
func required(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		if re.Flags&syntax.FoldCase != 0 {
			// Normalised text is in lower case; only ASCII is sure to
			// have no other form (σ and ς are both lower case).
			for _, r := range s {
				if r >= 0x80 {
					return nil
				}
			}
			s = strings.ToLower(s)
		}
		return []string{s}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		for _, s := range re.Sub {
			t := required(s)
			if t == nil {
				continue
			}
			if best == nil || minBytes(t) > minBytes(best) ||
				minBytes(t) == minBytes(best) && len(t) < len(best) {
				best = t
			}
		}
		return best
	case syntax.OpAlternate:
		var all []string
		for _, s := range re.Sub {
			t := required(s)
			if t == nil {
				return nil
			}
			all = append(all, t...)
		}
		slices.Sort(all)
		all = slices.Compact(all)
		if len(all) > 32 {
			return nil
		}
		return all
	}
	return nil
}

// minBytes returns the length of the shortest of ss, 0 for none.
func minBytes(ss []string) int {
	if len(ss) == 0 {
		return 0
	}
	n := len(ss[0])
	for _, s := range ss[1:] {
		n = min(n, len(s))
	}
	return n
}
