package match

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// compiledRegex is a Regex rule ready to run over normalised text.
type compiledRegex struct {
	rule int
	re   *regexp.Regexp
	// triggers are strings at least one of which every match holds; the
	// expression runs only near them. When prefix, every match starts
	// with one of them.
	triggers []string
	prefix   bool
	// reach is the most bytes a match can take that a window must hold:
	// the expression's longest match, or Span when that is longer or has
	// no bound.
	reach int
	// first, when there are no triggers, holds the bytes a match can
	// start with (for a character beyond ASCII, its first byte); the
	// expression runs only from them on. Neither: it runs over the whole
	// page.
	first *[256]bool
	// anchored is re anchored at the start of what it is given, when
	// every match starts at a trigger (prefix) or a first byte: then it
	// is tried at those places only.
	anchored *regexp.Regexp
}

// compileRegex parses a rule's pattern, folds it into the form of
// normalised text and finds its triggers.
func compileRegex(i int, r *Rule, span int) (*compiledRegex, error) {
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
	printed := printRegexp(tree)
	re, err := regexp.Compile(printed)
	if err != nil { // the folded tree always prints as valid syntax
		return nil, bad(-1, err)
	}
	c := &compiledRegex{rule: i, re: re, reach: span}
	if n := maxBytes(tree); n >= 0 && n < span {
		c.reach = n
	}
	// How the expression is run, from the cheapest: tried only where a
	// match can start (at its triggers when every match starts with one,
	// or at the bytes matches start with), or run in windows around the
	// triggers every match holds, or from the bytes matches start with,
	// or over the whole page. \b and \B need the character before where
	// they are tried, which an expression given a place to start at
	// does not see.
	boundary := hasWordBoundary(tree)
	if t := prefixes(tree); minBytes(t) >= 2 {
		c.triggers, c.prefix = t, true
	} else {
		if set, nullable, ok := firstRunes(tree); ok && !nullable {
			c.first = firstBytes(set)
		}
		if c.first == nil || boundary {
			if t := required(tree); minBytes(t) >= 2 {
				c.triggers, c.first = t, nil
			}
		}
	}
	if (c.prefix || c.first != nil) && !boundary {
		c.anchored = regexp.MustCompile(`\A(?:` + printed + `)`)
	}
	return c, nil
}

// hasWordBoundary reports whether re holds \b or \B.
func hasWordBoundary(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	return slices.ContainsFunc(re.Sub, hasWordBoundary)
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

// prefixes returns strings one of which every match of re (a folded
// expression) starts with, or nil when it cannot tell.
func prefixes(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return required(re) // nil unless ASCII, which is then lower case
		}
		return []string{string(re.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return prefixes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return prefixes(re.Sub[0])
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			switch sub.Op {
			case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
				continue // takes no text
			}
			return prefixes(sub)
		}
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			p := prefixes(sub)
			if p == nil {
				return nil
			}
			all = append(all, p...)
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

// maxBytes returns the most bytes of UTF-8 a match of re can take, or -1
// when there is no bound (or it passes a mebibyte).
func maxBytes(re *syntax.Regexp) int {
	const huge = 1 << 20
	n := 0
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return 4 * len(re.Rune) // another case may be longer
		}
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		return n
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return 0
		}
		return utf8.RuneLen(min(re.Rune[len(re.Rune)-1], unicode.MaxRune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	case syntax.OpCapture, syntax.OpQuest:
		return maxBytes(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		if maxBytes(re.Sub[0]) == 0 {
			return 0
		}
		return -1
	case syntax.OpRepeat:
		m := maxBytes(re.Sub[0])
		if m == 0 {
			return 0
		}
		if m < 0 || re.Max < 0 || m*re.Max > huge {
			return -1
		}
		return m * re.Max
	case syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range re.Sub {
			m := maxBytes(sub)
			if m < 0 {
				return -1
			}
			if re.Op == syntax.OpConcat {
				n += m
			} else {
				n = max(n, m)
			}
		}
		if n > huge {
			return -1
		}
		return n
	}
	return 0 // empty-width
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

// firstRunes returns the runes a match of re (a folded expression) can
// begin with, as ranges; whether re can match empty text, in which case
// the match may begin with what follows it; and false when any rune can
// begin it.
func firstRunes(re *syntax.Regexp) (set []rune, nullable, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil, true, true
		}
		r := re.Rune[0]
		set = []rune{r, r}
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				set = append(set, f, f)
			}
		}
		return set, false, true
	case syntax.OpCharClass:
		return re.Rune, false, true
	case syntax.OpNoMatch:
		return nil, false, true
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return nil, true, true
	case syntax.OpCapture, syntax.OpPlus:
		return firstRunes(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		set, _, ok = firstRunes(re.Sub[0])
		return set, true, ok
	case syntax.OpRepeat:
		set, nullable, ok = firstRunes(re.Sub[0])
		return set, nullable || re.Min == 0, ok
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			s, n, ok := firstRunes(sub)
			if !ok {
				return nil, false, false
			}
			set = append(set, s...)
			if !n {
				return set, false, true
			}
		}
		return set, true, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, n, ok := firstRunes(sub)
			if !ok {
				return nil, false, false
			}
			set = append(set, s...)
			nullable = nullable || n
		}
		return set, nullable, true
	}
	return nil, false, false // any character
}

// firstBytes turns rune ranges into the first bytes of their UTF-8 forms.
// It returns nil when they take in most of the bytes text begins
// characters with (any kana or kanji, say): then they filter nothing.
func firstBytes(ranges []rune) *[256]bool {
	var t [256]bool
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		for r := lo; r <= min(hi, 0x7F); r++ {
			t[r] = true
		}
		if hi < 0x80 {
			continue
		}
		// The lead bytes of runes from max(lo, 0x80) to hi.
		a, b := leadByte(max(lo, 0x80)), leadByte(min(hi, unicode.MaxRune))
		for c := a; c <= b; c++ {
			t[c] = true
		}
	}
	// Japanese text begins most of its characters with E3 (kana and
	// punctuation) and E4–E9 (kanji).
	if t[0xE3] || t[0xE4] && t[0xE5] && t[0xE6] {
		return nil
	}
	return &t
}

// leadByte is the first byte of r's UTF-8 form.
func leadByte(r rune) int {
	var b [4]byte
	utf8.EncodeRune(b[:], r)
	return int(b[0])
}

// printRegexp writes a folded expression as Go regular-expression syntax.
// (syntax.Regexp.String does it too, but works out the smallest flags for
// each character class rune by rune, which takes milliseconds for the
// large ranges of a negated class.)
func printRegexp(re *syntax.Regexp) string {
	var b strings.Builder
	writeRegexp(&b, re)
	return b.String()
}

func writeRegexp(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(`[^\x00-\x{10FFFF}]`)
	case syntax.OpEmptyMatch:
		b.WriteString(`(?:)`)
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			b.WriteString(`(?i:`)
		} else {
			b.WriteString(`(?:`)
		}
		for _, r := range re.Rune {
			writeRune(b, r)
		}
		b.WriteString(`)`)
	case syntax.OpCharClass:
		rs := re.Rune
		b.WriteByte('[')
		if len(rs) > 0 && rs[0] == 0 && rs[len(rs)-1] == unicode.MaxRune && len(rs) > 2 {
			b.WriteByte('^')
			rs = complement(rs)
		} else if len(rs) == 0 {
			b.WriteString(`^\x00-\x{10FFFF}`)
		}
		for i := 0; i+1 < len(rs); i += 2 {
			writeRune(b, rs[i])
			if rs[i+1] != rs[i] {
				b.WriteByte('-')
				writeRune(b, rs[i+1])
			}
		}
		b.WriteByte(']')
	case syntax.OpAnyCharNotNL:
		b.WriteString(`(?-s:.)`)
	case syntax.OpAnyChar:
		b.WriteString(`(?s:.)`)
	case syntax.OpWordBoundary:
		b.WriteString(`\b`)
	case syntax.OpNoWordBoundary:
		b.WriteString(`\B`)
	case syntax.OpCapture:
		if re.Name != "" {
			b.WriteString(`(?P<` + re.Name + `>`)
		} else {
			b.WriteByte('(')
		}
		writeRegexp(b, re.Sub[0])
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		b.WriteString(`(?:`)
		writeRegexp(b, re.Sub[0])
		b.WriteByte(')')
		switch re.Op {
		case syntax.OpStar:
			b.WriteByte('*')
		case syntax.OpPlus:
			b.WriteByte('+')
		case syntax.OpQuest:
			b.WriteByte('?')
		default:
			b.WriteString("{" + strconv.Itoa(re.Min))
			if re.Max != re.Min {
				b.WriteByte(',')
				if re.Max >= 0 {
					b.WriteString(strconv.Itoa(re.Max))
				}
			}
			b.WriteByte('}')
		}
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteByte('?')
		}
	case syntax.OpConcat:
		b.WriteString(`(?:`)
		for _, sub := range re.Sub {
			writeRegexp(b, sub)
		}
		b.WriteByte(')')
	case syntax.OpAlternate:
		b.WriteString(`(?:`)
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			writeRegexp(b, sub)
		}
		b.WriteByte(')')
	default: // anchors, refused before folding
		panic("match: cannot print " + re.Op.String())
	}
}

// writeRune writes r so that it stands for itself, in a literal or a
// class.
func writeRune(b *strings.Builder, r rune) {
	if unicode.IsPrint(r) && r != ' ' {
		if r < utf8.RuneSelf && strings.ContainsRune(`\.+*?()|[]{}^$-`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		return
	}
	fmt.Fprintf(b, `\x{%X}`, r)
}
