package match

import (
	"cmp"
	"errors"
	"fmt"
	mathbits "math/bits"
	"slices"
	"sync"
	"time"
)

// Limits bound what one regular-expression rule may cost on one page.
// Go's regular expressions (RE2) run in time linear in the text, but they
// cannot be interrupted, so a rule runs over windows of the page and its
// time is checked after each window. See the package documentation for
// what this guarantees.
type Limits struct {
	// Window is the most normalised bytes one evaluation of a regular
	// expression is given.
	Window int
	// Span is the longest match, in normalised bytes, that is sure to be
	// found whole: windows overlap by Span, and a rule run only near its
	// triggers, or from the bytes its matches start with, sees as far as
	// its longest match can reach, or Span when that is longer.
	Span int
	// Budget is the time one rule may take on one page, by the wall
	// clock. A rule still running when it is spent stops after the
	// window it is in. On a machine too busy to run the scan, rules may
	// stop early: Result.Stopped says which, and the page can be scanned
	// again.
	Budget time.Duration
}

// DefaultLimits are the limits Compile uses.
var DefaultLimits = Limits{Window: 64 << 10, Span: 512, Budget: 250 * time.Millisecond}

// Matcher finds the hits of a set of rules in pages. It is safe for use by
// several goroutines at once.
type Matcher struct {
	rules  []Rule
	limits Limits

	ac *automaton // phrases and regular expressions' triggers
	// targets[p] are what pattern p of ac stands for.
	targets [][]target
	regexes []*compiledRegex
	// latin[p] says whether pattern p starts and ends with a Latin letter
	// or digit, where a phrase hits only at the edges of a word.
	latin [][2]bool
	// firsts are the regexes that run from the bytes their matches can
	// start with, up to 64 a group, so that one pass over the page finds
	// those bytes for all of them.
	firsts []firstGroup
}

// firstGroup is up to 64 regexes with first bytes: bit k of mask[b] says
// whether a match of regexes[k] can start with byte b.
type firstGroup struct {
	mask    [256]uint64
	regexes []int
}

// target is what an automaton pattern stands for: a phrase rule's text,
// or a trigger of a regex (an index into regexes).
type target struct {
	rule  int
	regex int // -1 for a phrase
}

// Compile checks rules and builds a Matcher with DefaultLimits. Every
// problem is reported, each as a *RuleError naming the rule, joined.
func Compile(rules []Rule) (*Matcher, error) {
	return CompileWith(rules, DefaultLimits)
}

// CompileWith is Compile with other limits.
func CompileWith(rules []Rule, limits Limits) (*Matcher, error) {
	if limits.Span < 16 || limits.Window < 4*limits.Span || limits.Budget <= 0 {
		return nil, fmt.Errorf("match: limits need a span of at least 16 bytes, a window of at least four spans and a budget above zero (have %+v)", limits)
	}
	m := &Matcher{rules: slices.Clone(rules), limits: limits}
	var errs []error
	seen := make(map[string]bool, len(rules))
	index := map[string]int{} // pattern → its place in patterns
	var patterns []string
	addPattern := func(p string, t target) {
		k, ok := index[p]
		if !ok {
			k = len(patterns)
			index[p] = k
			patterns = append(patterns, p)
			m.targets = append(m.targets, nil)
		}
		m.targets[k] = append(m.targets[k], t)
	}
	for i := range m.rules {
		r := &m.rules[i]
		problems := r.check(i, seen)
		errs = append(errs, problems...)
		if len(problems) > 0 {
			continue
		}
		switch r.Kind {
		case Phrase:
			p := Normalize(r.Pattern)
			if p == "" {
				errs = append(errs, &RuleError{Index: i, ID: r.ID, Field: "pattern", Pos: -1, Err: ErrEmptyPattern})
				continue
			}
			addPattern(p, target{rule: i, regex: -1})
		case Regex:
			c, err := compileRegex(i, r, limits.Span)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, t := range c.triggers {
				addPattern(t, target{rule: i, regex: len(m.regexes)})
			}
			m.regexes = append(m.regexes, c)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, c := range m.regexes {
		if c.triggers != nil || c.first == nil {
			continue
		}
		if len(m.firsts) == 0 || len(m.firsts[len(m.firsts)-1].regexes) == 64 {
			m.firsts = append(m.firsts, firstGroup{})
		}
		g := &m.firsts[len(m.firsts)-1]
		for b, ok := range c.first {
			if ok {
				g.mask[b] |= 1 << len(g.regexes)
			}
		}
		g.regexes = append(g.regexes, i)
	}
	m.ac = newAutomaton(patterns)
	m.latin = make([][2]bool, len(patterns))
	for k, p := range patterns {
		m.latin[k] = [2]bool{wordByte(p[0]), wordByte(p[len(p)-1])}
	}
	return m, nil
}

// Rules returns the matcher's rules.
func (m *Matcher) Rules() []Rule { return slices.Clone(m.rules) }

// Hit is one place where a rule matched.
type Hit struct {
	// Rule is the rule that matched; it belongs to the Matcher and must
	// not be changed.
	Rule *Rule
	// Start and End are the byte offsets of the match in the original
	// text: text[Start:End] is what to highlight.
	Start, End int
	// Norm is the matched text, normalised.
	Norm string
}

// Stop says that a regex rule ran out of its time on a page.
type Stop struct {
	Rule *Rule
	// At is the byte offset in the original text up to which the rule
	// was run; hits before it were found.
	At int
}

// Result is what Scan found on a page.
type Result struct {
	// Hits are in order of Start, then End, then the rules' order.
	Hits []Hit
	// Stopped are the regex rules whose budget ran out.
	Stopped []Stop
}

// Match returns the hits of m's rules in text.
func (m *Matcher) Match(text string) []Hit { return m.Scan(text).Hits }

// scanState is the memory one Scan works in, reused.
type scanState struct {
	n       normalizer
	hits    []normHit
	windows [][]window
}

// normHit is a hit in the normalised text.
type normHit struct {
	rule       int
	start, end int
}

// window is a stretch of normalised text a regular expression is to run
// over.
type window struct{ start, end int }

var scanStates = sync.Pool{New: func() any { return new(scanState) }}

// Scan returns the hits of m's rules in text and the regex rules that ran
// out of time.
func (m *Matcher) Scan(text string) Result {
	st := scanStates.Get().(*scanState)
	defer scanStates.Put(st)
	st.n.run(text, true)
	norm := st.n.out
	st.hits = st.hits[:0]
	if cap(st.windows) < len(m.regexes) {
		st.windows = make([][]window, len(m.regexes))
	}
	st.windows = st.windows[:len(m.regexes)]
	for i := range st.windows {
		st.windows[i] = st.windows[i][:0]
	}

	m.ac.scan(norm, func(p int32, end int) {
		start := end - m.ac.lens[p]
		for _, t := range m.targets[p] {
			if t.regex >= 0 {
				// A match holding the trigger, at most reach bytes long,
				// lies within reach of it; one starting with it, after it.
				c := m.regexes[t.regex]
				if c.anchored != nil { // a place for a match to start
					st.windows[t.regex] = append(st.windows[t.regex], window{start, min(len(norm), start+c.reach)})
					continue
				}
				w := window{max(0, end-c.reach), min(len(norm), start+c.reach)}
				if c.prefix {
					w.start = start
				}
				ws := st.windows[t.regex]
				if k := len(ws) - 1; k >= 0 && w.start <= ws[k].end {
					ws[k].start = min(ws[k].start, w.start)
					ws[k].end = max(ws[k].end, w.end)
				} else {
					st.windows[t.regex] = append(ws, w)
				}
				continue
			}
			// A phrase that starts or ends with a Latin letter or digit
			// hits only at the edges of a word: UD is not in "cloud".
			if m.latin[p][0] && start > 0 && wordByte(norm[start-1]) ||
				m.latin[p][1] && end < len(norm) && wordByte(norm[end]) {
				continue
			}
			st.hits = append(st.hits, normHit{t.rule, start, end})
		}
	})

	for _, g := range m.firsts {
		m.firstWindows(&g, norm, st.windows)
	}

	var res Result
	for i, c := range m.regexes {
		regions := st.windows[i]
		var at int
		var stopped bool
		switch {
		case c.anchored != nil:
			at, stopped = m.runAnchored(c, norm, regions, &st.hits)
		case c.triggers != nil:
			regions = mergeWindows(regions)
			at, stopped = m.runRegex(c, norm, regions, &st.hits)
		case c.first != nil: // firstWindows has made them, in order
			at, stopped = m.runRegex(c, norm, regions, &st.hits)
		default:
			regions = append(regions[:0], window{0, len(norm)})
			at, stopped = m.runRegex(c, norm, regions, &st.hits)
		}
		st.windows[i] = regions
		if stopped {
			a, _ := sourceSpan(st.n.pieces, len(text), at, at)
			res.Stopped = append(res.Stopped, Stop{Rule: &m.rules[c.rule], At: a})
		}
	}

	slices.SortFunc(st.hits, func(a, b normHit) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end), cmp.Compare(a.rule, b.rule))
	})
	st.hits = slices.Compact(st.hits)
	res.Hits = make([]Hit, len(st.hits))
	for k, h := range st.hits {
		a, b := sourceSpan(st.n.pieces, len(text), h.start, h.end)
		res.Hits[k] = Hit{Rule: &m.rules[h.rule], Start: a, End: b, Norm: string(norm[h.start:h.end])}
	}
	return res
}

// mergeWindows sorts windows and merges those that overlap.
func mergeWindows(ws []window) []window {
	slices.SortFunc(ws, func(a, b window) int { return cmp.Compare(a.start, b.start) })
	out := ws[:0]
	for _, w := range ws {
		if k := len(out) - 1; k >= 0 && w.start <= out[k].end {
			out[k].end = max(out[k].end, w.end)
			continue
		}
		out = append(out, w)
	}
	return out
}

// firstWindows makes the windows of the regexes of g: each begins at a
// byte a match can start with and reaches the regex's reach on, merged
// where they overlap.
func (m *Matcher) firstWindows(g *firstGroup, norm []byte, windows [][]window) {
	for i, b := range norm {
		bits := g.mask[b]
		for bits != 0 {
			k := g.regexes[mathbits.TrailingZeros64(bits)]
			bits &= bits - 1
			end := min(len(norm), i+m.regexes[k].reach)
			ws := windows[k]
			if m.regexes[k].anchored != nil { // a place for a match to start
				windows[k] = append(ws, window{i, end})
			} else if n := len(ws) - 1; n >= 0 && i <= ws[n].end {
				ws[n].end = end
			} else {
				windows[k] = append(ws, window{i, end})
			}
		}
	}
}

// runAnchored runs c at each place a match can start (the start of each
// window), in order, skipping those inside the last match: what
// FindAllIndex over the whole text returns, since every match starts at
// such a place. The budget is checked every 64 places.
func (m *Matcher) runAnchored(c *compiledRegex, norm []byte, places []window, hits *[]normHit) (int, bool) {
	began := time.Now()
	if !slices.IsSortedFunc(places, func(a, b window) int { return cmp.Compare(a.start, b.start) }) {
		slices.SortFunc(places, func(a, b window) int { return cmp.Compare(a.start, b.start) })
	}
	last := 0 // the end of the last match
	for k, w := range places {
		if k&63 == 63 && time.Since(began) > m.limits.Budget {
			return max(last, w.start), true
		}
		if w.start < last {
			continue
		}
		if loc := c.anchored.FindIndex(norm[w.start:cutAfter(norm, w.end)]); loc != nil {
			last = w.start + loc[1]
			*hits = append(*hits, normHit{c.rule, w.start, last})
		}
	}
	return 0, false
}

// runRegex runs c over the regions of norm, each cut into windows of at
// most Window bytes that overlap by Span, and appends its hits. When the
// rule's budget is spent it stops after the window it is in and returns
// the normalised offset it got to and true.
func (m *Matcher) runRegex(c *compiledRegex, norm []byte, regions []window, hits *[]normHit) (int, bool) {
	began := time.Now()
	for k, r := range regions {
		start := cutBefore(norm, r.start)
		last := start // the end of the last match taken
		for {
			end := cutAfter(norm, min(r.end, start+m.limits.Window))
			// The next window starts Span before this one's end; a match
			// starting there or later is left to it.
			// (A window that is not the last is at least Window long,
			// four spans, so next is after start.)
			next := end
			if end < r.end {
				if next = cutBefore(norm, end-m.limits.Span); next <= start {
					next = end - m.limits.Span
					for !runeStart(norm[next]) {
						next--
					}
				}
			}
			for _, loc := range c.re.FindAllIndex(norm[start:end], -1) {
				if s := start + loc[0]; s < next && s >= last {
					last = start + loc[1]
					*hits = append(*hits, normHit{c.rule, s, last})
				}
			}
			more := end < r.end || k < len(regions)-1
			if more && time.Since(began) > m.limits.Budget {
				return max(next, last), true
			}
			if end >= r.end {
				break
			}
			// Matching the whole text goes on from the end of the last
			// match: so does the next window, when that is further.
			start = max(next, last)
		}
	}
	return 0, false
}

// cutBefore moves a window's start back to where the regular expression
// sees what it would see in the whole text: a character boundary with no
// ASCII word character just before it (so \b and \B keep their meaning),
// at most 64 bytes back.
func cutBefore(norm []byte, i int) int {
	for k := 0; i > 0 && k < 64 && (!runeStart(norm[i]) || wordByte(norm[i-1])); k++ {
		i--
	}
	for i > 0 && i < len(norm) && !runeStart(norm[i]) {
		i--
	}
	return i
}

// cutAfter moves a window's end forward in the same way.
func cutAfter(norm []byte, i int) int {
	for k := 0; i < len(norm) && k < 64 && (!runeStart(norm[i]) || wordByte(norm[i])); k++ {
		i++
	}
	for i < len(norm) && !runeStart(norm[i]) {
		i++
	}
	return i
}

func runeStart(b byte) bool { return b&0xC0 != 0x80 }

// wordByte reports whether b is an ASCII letter, digit or underscore: what
// \b in Go's regular expressions counts as a word character.
func wordByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_'
}
