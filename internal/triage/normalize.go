package triage

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxTextBytes is how much of a text the classifier reads: the first 16 KiB
// (cut back to a whole character). A report's opening says what it is about;
// reading more would only make a pasted log or a 1 MB e-mail slow.
const MaxTextBytes = 16 << 10

// Placeholder runes stand for values the model must not learn one by one:
// it learns that a text has a URL, not which URL. They are in the Private
// Use Area, which NFKC leaves alone and no report needs.
const (
	tokURL   rune = 0xE000
	tokEmail rune = 0xE001
	tokPhone rune = 0xE002
)

// placeholderText is how a placeholder is shown in a feature.
func placeholderText(r rune) (string, bool) {
	switch r {
	case tokURL:
		return "<URL>", true
	case tokEmail:
		return "<EMAIL>", true
	case tokPhone:
		return "<PHONE>", true
	}
	return "", false
}

// Normalize returns the text as the classifier sees it: NFKC, lower case,
// katakana folded onto hiragana, every run of digits one "0", URLs, e-mail
// addresses and phone numbers as <URL>, <EMAIL> and <PHONE>, spaces,
// punctuation, symbols and emoji dropped between Japanese characters (so
// 「闇 バ イ ト」 and 「闇🌙バイト」 read as 闇ばいと) and kept as one space
// between ASCII words. It is exported so that tests and tools can show what
// the model was given.
func Normalize(text string) string {
	n := normalizer{}
	runes := n.run(nil, text)
	var out []byte
	for _, r := range runes {
		if s, ok := placeholderText(r); ok {
			out = append(out, s...)
			continue
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}

// normalizer holds the scratch bytes of one normalisation so that Suggest
// can reuse them.
type normalizer struct {
	nfkc []byte
}

// run appends the normalised runes of text to dst.
func (n *normalizer) run(dst []rune, text string) []rune {
	text = capText(text)
	n.nfkc = norm.NFKC.AppendString(n.nfkc[:0], text)
	e := emitter{out: dst}
	b := n.nfkc
	for i := 0; i < len(b); {
		if isRunByte(b[i]) {
			j := i + 1
			for j < len(b) && isRunByte(b[j]) {
				j++
			}
			e.asciiRun(b[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if tokURL <= r && r <= tokPhone {
			// The text's own private-use characters are not placeholders.
			e.pending = true
			continue
		}
		e.rune(r)
	}
	return e.out
}

// capText cuts text to MaxTextBytes without splitting a character.
func capText(s string) string {
	if len(s) <= MaxTextBytes {
		return s
	}
	i := MaxTextBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// isRunByte reports whether c can be part of a URL, an e-mail address or a
// phone number written in ASCII.
func isRunByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '.', '_', '%', '+', '-', '/', ':', '?', '=', '&', '#', '~', '@', '(', ')':
		return true
	}
	return false
}

// emitter writes normalised runes, collapsing digits and separators.
type emitter struct {
	out     []rune
	pending bool // a separator was seen since the last rune
}

// rune emits one character of the text.
func (e *emitter) rune(r rune) {
	switch {
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cf, r):
		// Combining marks left after NFKC, variation selectors and
		// zero-width characters: hidden-word spellings put them inside words.
		return
	case unicode.IsDigit(r):
		r = '0'
	case unicode.IsLetter(r):
		r = unicode.ToLower(r)
		if 0x30A1 <= r && r <= 0x30F6 {
			r -= 0x60 // katakana → hiragana
		}
	case r == 'ー' || r == tokURL || r == tokEmail || r == tokPhone:
	default:
		// Spaces, punctuation, symbols, emoji, controls.
		e.pending = true
		return
	}
	last := rune(-1)
	if len(e.out) > 0 {
		last = e.out[len(e.out)-1]
	}
	if r == '0' && last == '0' {
		// 50,000 and 5.000 are one number.
		e.pending = false
		return
	}
	if e.pending && isASCIIWord(last) && isASCIIWord(r) {
		e.out = append(e.out, ' ')
	}
	e.pending = false
	e.out = append(e.out, r)
}

func isASCIIWord(r rune) bool {
	return 'a' <= r && r <= 'z' || '0' <= r && r <= '9'
}

// asciiRun emits a run of URL-like ASCII: as a placeholder when it is an
// e-mail address, a URL or a domain, with placeholders for the phone numbers
// inside it, or else character by character.
func (e *emitter) asciiRun(b []byte) {
	switch {
	case isEmail(b):
		e.rune(tokEmail)
		return
	case isURL(b):
		e.rune(tokURL)
		return
	}
	for i := 0; i < len(b); {
		if start, end, ok := phoneAt(b, i); ok {
			for _, c := range b[i:start] {
				e.rune(rune(c))
			}
			e.rune(tokPhone)
			i = end
			continue
		}
		for _, c := range b[i:] {
			e.rune(rune(c))
		}
		break
	}
}

func isEmail(b []byte) bool {
	at := indexByte(b, '@')
	if at <= 0 || at == len(b)-1 {
		return false
	}
	return indexByte(b[at+1:], '.') > 0
}

func isURL(b []byte) bool {
	lower := func(c byte) byte {
		if 'A' <= c && c <= 'Z' {
			return c + 32
		}
		return c
	}
	hasPrefix := func(p string) bool {
		if len(b) < len(p) {
			return false
		}
		for i := 0; i < len(p); i++ {
			if lower(b[i]) != p[i] {
				return false
			}
		}
		return true
	}
	if hasPrefix("http://") || hasPrefix("https://") || hasPrefix("hxxp") || hasPrefix("www.") {
		return true
	}
	// A bare domain: a dot, followed by a label of two or more letters
	// (example.jp, bit.ly/xyz), and no spaces (the run has none).
	host := b
	if i := indexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	dot := -1
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == '.' {
			dot = i
			break
		}
	}
	if dot <= 0 || len(host)-dot-1 < 2 {
		return false
	}
	for _, c := range host[dot+1:] {
		if !('a' <= lower(c) && lower(c) <= 'z') {
			return false
		}
	}
	return true
}

// phoneAt finds the first phone number at or after i: a stretch of digits,
// hyphens, parentheses and a leading plus with 10 to 13 digits, starting
// with 0 or +. It returns where it starts and ends.
func phoneAt(b []byte, i int) (start, end int, ok bool) {
	for i < len(b) {
		c := b[i]
		if c != '+' && !('0' <= c && c <= '9') && c != '(' {
			i++
			continue
		}
		j, digits, first := i, 0, byte(0)
		for j < len(b) {
			d := b[j]
			if '0' <= d && d <= '9' {
				if digits == 0 {
					first = d
				}
				digits++
			} else if !(d == '-' || d == '(' || d == ')' || (d == '+' && j == i)) {
				break
			}
			j++
		}
		if digits >= 10 && digits <= 13 && (first == '0' || b[i] == '+' || b[i] == '(') {
			return i, j, true
		}
		if j == i {
			j++
		}
		i = j
	}
	return 0, 0, false
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
