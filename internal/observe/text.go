package observe

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// prepared is text as the scanners read it.
type prepared struct {
	text string
	// Offsets, in text, of the dots that came from a defanging marker such
	// as "[.]" (a sign that the writer meant a domain) and of those that
	// were a "。" (which may as well have ended a sentence), ascending.
	defangDots, kutenDots []int
}

// prepare normalises text the way every observable is read: NFKC first (so
// full-width digits, letters, "．", "＠" and "［．］" become ASCII), then the
// defanging markers are undone and an ideographic full stop between a label
// character and an ASCII letter or digit becomes a dot.
func prepare(text string) prepared {
	var b buffers
	return b.prepare(text)
}

// buffers is the memory prepare writes into. Extract keeps it from one
// text to the next (see scanner), so the prepared text of the last call
// may be a view of it.
type buffers struct {
	norm                  normaliser
	refanged              []byte
	defangDots, kutenDots []int
}

// prepare is the package-level prepare, writing into b.
func (b *buffers) prepare(text string) prepared {
	t := b.norm.normalise(text)
	p := prepared{defangDots: b.defangDots[:0], kutenDots: b.kutenDots[:0]}
	if within(t, b.norm.out) {
		// The normalised text is a copy of our own: undo the markers in
		// place rather than write the text once more.
		b.norm.out = refangAppend(b.norm.out, t, b.norm.kuten, &p)
	} else {
		b.refanged = refangAppend(b.refanged, t, b.norm.kuten, &p)
	}
	b.defangDots, b.kutenDots = p.defangDots, p.kutenDots
	return p
}

// isASCII reports whether s has only 7-bit bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// defangs lists the bracketed markers that stand for a character, matched
// without regard to case inside a matching pair of (), [] or {}.
var defangs = []struct {
	inner string
	repl  byte
	extra string // appended after repl
}{
	{".", '.', ""},
	{"dot", '.', ""},
	{"@", '@', ""},
	{"at", '@', ""},
	{":", ':', ""},
	{"/", '/', ""},
	{"://", ':', "//"},
}

// refang undoes the defanging markers in one left-to-right pass. Markers are
// reduced as soon as their closing bracket is seen, so nested forms such as
// "[[.]]" reduce fully and the result contains no marker (refang is
// idempotent). Text without a marker or a "。" to change is returned as it is.
func refang(text string) prepared {
	var p prepared
	refangAppend(nil, text, kutenOffsets(text), &p)
	return p
}

// refangAppend is refang writing into buf's memory and appending to p's
// dot offsets; kuten are the offsets of "。" in text. It sets p.text to
// text itself, when nothing changes, or to a view of the returned buffer,
// to be written into next time. buf may be text's own memory: the output
// never runs ahead of the input, so the text is read before it is
// overwritten.
func refangAppend(buf []byte, text string, kuten []int, p *prepared) []byte {
	out := buf[:0]
	changed := false // whether out holds the text up to last
	var ev events
	ev.init(text, kuten)
	last := 0 // text[last:] is not yet in out
	for {
		i := ev.next()
		if i < 0 {
			break
		}
		switch text[i] {
		case ']', ')', '}':
			if !hasMarker(text, out, last, i) {
				continue
			}
			if !changed {
				out, changed = slices.Grow(out, len(text)), true
			}
			out = append(out, text[last:i+1]...)
			last = i + 1
			out = p.reduceMarker(out)
		default:
			// "。" becomes a dot between a label character and an ASCII
			// letter or digit.
			if i+3 >= len(text) || !isASCIIAlnum(text[i+3]) {
				continue
			}
			var cls int
			if !changed {
				cls, _ = classBefore(text, i)
			} else {
				out = append(out, text[last:i]...)
				last = i
				r, _ := utf8.DecodeLastRune(out)
				cls = labelClass(r)
			}
			if cls == classNone {
				continue
			}
			if !changed {
				out, changed = slices.Grow(out, len(text)), true
			}
			out = append(out, text[last:i]...)
			p.kutenDots = append(p.kutenDots, len(out))
			out = append(out, '.')
			last = i + 3
		}
	}
	if !changed {
		p.text = text
		return out
	}
	out = append(out, text[last:]...)
	p.text = ownString(out)
	return out
}

// events finds, in order, the offsets refang must look at: closing brackets,
// each searched with the vectorised strings.IndexByte, and "。", whose
// offsets the normaliser noted.
type events struct {
	text  string
	pos   [4]int // next offset of ']', ')', '}', "。"; len(text) when none
	kuten []int  // the offsets of "。" after pos[3]
}

var eventNeedles = [4]string{"]", ")", "}", "。"}

func (e *events) init(text string, kuten []int) {
	e.text, e.kuten = text, kuten
	for k := range e.pos {
		e.pos[k] = e.find(k, 0)
	}
}

func (e *events) find(k, from int) int {
	if k == 3 {
		for len(e.kuten) > 0 && e.kuten[0] < from {
			e.kuten = e.kuten[1:]
		}
		if len(e.kuten) == 0 {
			return len(e.text)
		}
		return e.kuten[0]
	}
	j := strings.IndexByte(e.text[from:], eventNeedles[k][0])
	if j < 0 {
		return len(e.text)
	}
	return from + j
}

// kutenOffsets returns the offsets of "。" in t.
func kutenOffsets(t string) []int {
	var offs []int
	for i := 0; ; i += len("。") {
		j := strings.Index(t[i:], "。")
		if j < 0 {
			return offs
		}
		i += j
		offs = append(offs, i)
	}
}

// next returns the next event offset, or -1.
func (e *events) next() int {
	k := 0
	for j := 1; j < len(e.pos); j++ {
		if e.pos[j] < e.pos[k] {
			k = j
		}
	}
	i := e.pos[k]
	if i == len(e.text) {
		return -1
	}
	e.pos[k] = e.find(k, i+len(eventNeedles[k]))
	return i
}

// hasMarker reports whether a defanging marker ends at the closing bracket
// text[i], given that the output so far is out followed by text[last:i].
func hasMarker(text string, out []byte, last, i int) bool {
	// The longest marker is 5 bytes ("[://]"); look at the 5 bytes that end
	// at the bracket, taking them from text and, if that is too short, out.
	var buf [5]byte
	n := 0
	for k := i; k >= last && n < 5; k-- {
		buf[4-n] = text[k]
		n++
	}
	for k := len(out) - 1; k >= 0 && n < 5; k-- {
		buf[4-n] = out[k]
		n++
	}
	_, ok := markerAt(buf[5-n:])
	return ok
}

// markerAt reports which defanging marker the byte string b ends with.
func markerAt(b []byte) (int, bool) {
	n := len(b)
	if n < 3 {
		return 0, false
	}
	var open byte
	switch b[n-1] {
	case ']':
		open = '['
	case ')':
		open = '('
	case '}':
		open = '{'
	}
	for k, d := range defangs {
		m := len(d.inner) + 2
		if n >= m && b[n-m] == open && equalFoldASCII(b[n-m+1:n-1], d.inner) {
			return k, true
		}
	}
	return 0, false
}

// equalFoldASCII reports whether b equals the lower-case ASCII string s,
// ignoring the case of ASCII letters.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// reduceMarker replaces a defanging marker at the end of out, if there is
// one, keeping the dot offsets right.
func (p *prepared) reduceMarker(out []byte) []byte {
	k, ok := markerAt(out)
	if !ok {
		return out
	}
	d := defangs[k]
	out = out[:len(out)-len(d.inner)-2]
	p.defangDots = dropFrom(p.defangDots, len(out))
	p.kutenDots = dropFrom(p.kutenDots, len(out))
	if d.repl == '.' {
		p.defangDots = append(p.defangDots, len(out))
	}
	out = append(out, d.repl)
	out = append(out, d.extra...)
	return out
}

// dropFrom removes the trailing offsets at or past n.
func dropFrom(offs []int, n int) []int {
	for len(offs) > 0 && offs[len(offs)-1] >= n {
		offs = offs[:len(offs)-1]
	}
	return offs
}

// Byte classes, as bits of byteClass.
const (
	bDigit = 1 << iota
	bHex
	bAlpha
	bLabel // ASCII label character: letter, digit, '-', '_'
)

// byteClass classifies every byte value; the predicates below are one load.
var byteClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= bDigit | bHex | bLabel
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= bAlpha | bLabel
		t[c-'a'+'A'] |= bAlpha | bLabel
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] |= bHex
		t[c-'a'+'A'] |= bHex
	}
	t['-'] |= bLabel
	t['_'] |= bLabel
	return t
}()

func isASCIIAlnum(c byte) bool { return byteClass[c]&(bDigit|bAlpha) != 0 }

func isDigit(c byte) bool { return byteClass[c]&bDigit != 0 }

func isHex(c byte) bool { return byteClass[c]&bHex != 0 }

// isWordByte reports whether c is an ASCII letter, digit or underscore: the
// characters that glue tokens together.
func isWordByte(c byte) bool { return byteClass[c]&(bDigit|bAlpha) != 0 || c == '_' }

// Label character classes. A domain label is a run of characters of one
// class; a change of class ends the label (and the name), which is how a
// domain is cut out of Japanese text written without spaces.
const (
	classNone  = 0
	classLatin = 1 // ASCII letters, digits, '-', '_' and non-CJK letters (ü, кириллица…)
	classCJK   = 2 // kanji, hiragana, katakana and their marks
)

// labelClass returns the label class of r.
func labelClass(r rune) int {
	if r < utf8.RuneSelf {
		if byteClass[byte(r)]&bLabel != 0 {
			return classLatin
		}
		return classNone
	}
	switch {
	case 0x4E00 <= r && r <= 0x9FFF || 0x3041 <= r && r <= 0x3096 || 0x30A1 <= r && r <= 0x30FA || r == 0x30FC:
		return classCJK // the common case, without the unicode tables
	case r == utf8.RuneError:
		return classNone
	case r == 'ー' || r == '々' || r == '〆' || r == 'ヶ' ||
		unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
		if r == '・' || r == '゠' { // katakana punctuation
			return classNone
		}
		return classCJK
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return classLatin
	}
	return classNone
}

// classAt returns the label class of the rune starting at t[i] and its width.
func classAt(t string, i int) (int, int) {
	if i >= len(t) {
		return classNone, 0
	}
	if c := t[i]; c < utf8.RuneSelf {
		if byteClass[c]&bLabel != 0 {
			return classLatin, 1
		}
		return classNone, 1
	}
	if i+2 < len(t) && 0xE0 < t[i] && t[i] < 0xF0 && t[i+1]&0xC0 == 0x80 && t[i+2]&0xC0 == 0x80 {
		// The three-byte form of kana and kanji, decoded inline.
		return labelClass(rune(t[i]&0x0F)<<12 | rune(t[i+1]&0x3F)<<6 | rune(t[i+2]&0x3F)), 3
	}
	r, w := utf8.DecodeRuneInString(t[i:])
	return labelClass(r), w
}

// classBefore returns the label class of the rune ending at t[i] and its width.
func classBefore(t string, i int) (int, int) {
	if i <= 0 {
		return classNone, 0
	}
	if c := t[i-1]; c < utf8.RuneSelf {
		if byteClass[c]&bLabel != 0 {
			return classLatin, 1
		}
		return classNone, 1
	}
	if i >= 3 && 0xE0 < t[i-3] && t[i-3] < 0xF0 && t[i-2]&0xC0 == 0x80 && t[i-1]&0xC0 == 0x80 {
		return labelClass(rune(t[i-3]&0x0F)<<12 | rune(t[i-2]&0x3F)<<6 | rune(t[i-1]&0x3F)), 3
	}
	r, w := utf8.DecodeLastRuneInString(t[:i])
	return labelClass(r), w
}

// isDash reports whether the rune at t[i] is a hyphen or dash that people
// write between digit groups (after NFKC): '-', U+2010–U+2015, U+2212 and the
// katakana prolonged sound mark U+30FC, often typed for a dash in Japanese.
// It returns the width, 0 if it is not one.
func isDash(t string, i int) int {
	if i >= len(t) {
		return 0
	}
	c := t[i]
	if c == '-' {
		return 1
	}
	if c < 0xE2 || c > 0xE3 || i+2 >= len(t) {
		return 0
	}
	r, w := utf8.DecodeRuneInString(t[i:])
	if r >= 0x2010 && r <= 0x2015 || r == 0x2212 || r == 0x30FC {
		return w
	}
	return 0
}

// ownString returns b as a string without copying it. The caller must own b
// and never change it afterwards (as strings.Builder does).
func ownString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
