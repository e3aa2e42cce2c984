package observe

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// defaultRegion is the region a number written without a country code is
// read in.
const defaultRegion = "JP"

// nationalPrefix is the trunk prefix of defaultRegion ("0" for Japan), as
// the phonenumbers metadata gives it. A candidate written without '+' that
// does not start with it cannot be a valid national number, so it is not
// handed to the (slow) parser.
var nationalPrefix = phonenumbers.GetNddPrefixForRegion(defaultRegion, true)

// Bounds on the digits of a candidate, only to spare the parser: E.164
// allows at most 15 digits (a national trunk prefix and a "(0)" may add
// two), and nothing shorter than 8 digits is a number worth correlating.
const (
	minPhoneDigits = 8
	maxPhoneDigits = 17
)

// maxPhoneGap is the most bytes that stand between two digits of a number
// (see phoneGap): two separators of at most three bytes (a dash such as
// "ー"); a dash between spaces or before a line break is no wider.
const maxPhoneGap = 2 * 3

// phoneCache remembers the parser's verdict on recent digit strings: the
// same scam numbers come back report after report.
var phoneCache = struct {
	sync.Mutex
	m map[string]string
}{m: make(map[string]string)}

const phoneCacheSize = 4096

// clearPhoneCache empties phoneCache.
func clearPhoneCache() {
	phoneCache.Lock()
	clear(phoneCache.m)
	phoneCache.Unlock()
}

// e164 returns the E.164 form of the number whose '+' (if any) and digits
// are given, or "" if phonenumbers does not call it valid. Numbers in
// national form are read with nationalRules, the others by phonenumbers.
func e164(digits string) string {
	phoneCache.Lock()
	v, ok := phoneCache.m[digits]
	phoneCache.Unlock()
	if ok {
		return v
	}
	v, ok = "", false
	if r := national(); r != nil {
		v, ok = r.nationalE164(digits)
	}
	if !ok {
		v = parseE164(digits)
	}
	phoneCache.Lock()
	if len(phoneCache.m) >= phoneCacheSize {
		clear(phoneCache.m)
	}
	phoneCache.m[digits] = v
	phoneCache.Unlock()
	return v
}

// parseE164 is e164 through phonenumbers alone, without the cache.
func parseE164(digits string) string {
	n, err := phonenumbers.Parse(digits, defaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

// phoneSep returns the width of a separator people write between digit
// groups at t[i] — a space, a parenthesis or a dash — or 0.
func phoneSep(t string, i int) int {
	if i >= len(t) {
		return 0
	}
	switch t[i] {
	case ' ', '(', ')':
		return 1
	}
	return isDash(t, i)
}

// phoneGap returns the end of the separators between two digit groups of
// a number at t[i], or i when there are none: one or two separators, a
// dash with a space on each side ("090 - 1234"), or a dash and a line
// break ("090-1234-\n5678", a number wrapped at the end of a line).
func phoneGap(t string, i int) int {
	w := phoneSep(t, i)
	if w == 0 {
		return i
	}
	j := i + w
	if isDash(t, i) > 0 {
		if strings.HasPrefix(t[j:], "\n") {
			return j + 1
		}
		if strings.HasPrefix(t[j:], "\r\n") {
			return j + 2
		}
	}
	w = phoneSep(t, j)
	if w == 0 {
		return j
	}
	if t[i] == ' ' && isDash(t, j) > 0 && j+w < len(t) && t[j+w] == ' ' {
		return j + w + 1
	}
	return j + w
}

// compactPhone returns '+' (if the candidate starts with one) followed by
// the candidate's digits.
func compactPhone(c string) string {
	b := make([]byte, 0, len(c))
	if strings.HasPrefix(c, "+") {
		b = append(b, '+')
	}
	for i := 0; i < len(c); i++ {
		if isDigit(c[i]) {
			b = append(b, c[i])
		}
	}
	return string(b)
}

// phoneValue returns the E.164 form of the candidate, or "".
func phoneValue(c string) string {
	if !phoneDigitsOK(c) {
		return "" // spare compactPhone's copy: most candidates are not numbers
	}
	d := compactPhone(c)
	n := len(d)
	plus := strings.HasPrefix(d, "+")
	if plus {
		n--
	}
	if n < minPhoneDigits || n > maxPhoneDigits || !plus && !strings.HasPrefix(d, nationalPrefix) {
		return ""
	}
	return e164(d)
}

// phoneDigitsOK reports what phoneValue checks first without building the
// compact form: the number of digits, and the trunk prefix of a number
// written without '+'.
func phoneDigitsOK(c string) bool {
	n, first := 0, byte(0)
	for i := 0; i < len(c); i++ {
		if isDigit(c[i]) {
			if n == 0 {
				first = c[i]
			}
			n++
		}
	}
	if n < minPhoneDigits || n > maxPhoneDigits {
		return false
	}
	return strings.HasPrefix(c, "+") || len(nationalPrefix) != 1 || first == nationalPrefix[0]
}

// normalizePhone is the Phone normaliser: E.164, for numbers phonenumbers
// says are valid, read in region JP unless they start with '+'.
func normalizePhone(v string) (string, error) {
	for i := 0; i < len(v); {
		if isDigit(v[i]) || v[i] == '+' && i == 0 {
			i++
			continue
		}
		w := phoneSep(v, i)
		if w == 0 {
			return "", invalid(Phone, "only digits, a leading +, spaces, parentheses and dashes may be written")
		}
		i += w
	}
	e := phoneValue(v)
	if e == "" {
		return "", invalid(Phone, "not a valid number (read in region "+defaultRegion+" unless it starts with +)")
	}
	return e, nil
}

// phoneGlue marks the punctuation that glues a number to what is before
// it: a decimal, a path, an address, a query, an amount.
var phoneGlue = func() (t [256]bool) {
	for _, c := range []byte(".,/@+-=&?#%\\$") {
		t[c] = true
	}
	return t
}()

// phoneLeftOK reports whether a phone number may start at t[i]: not glued
// to a word, a decimal, a path or another number.
func phoneLeftOK(t string, i int) bool {
	if i == 0 {
		return true
	}
	c := t[i-1]
	if isWordByte(c) || phoneGlue[c] {
		return telBefore(t, i)
	}
	if c >= 0x80 {
		_, w := classBefore(t, i)
		return isDash(t, i-w) == 0
	}
	return true
}

// telWords are the labels a number may be glued to ("TEL090-1234-5678",
// "Tel.03-1234-5678").
var telWords = []string{"TEL", "Tel", "tel", "FAX", "Fax", "fax"}

// telBefore reports whether one of telWords, with or without a dot, ends
// at t[i] and starts a word.
func telBefore(t string, i int) bool {
	if t[i-1] == '.' {
		i--
	}
	for _, w := range telWords {
		if strings.HasSuffix(t[:i], w) {
			k := i - len(w)
			return k == 0 || !isWordByte(t[k-1])
		}
	}
	return false
}

// phoneRightOK reports whether a phone number may end at t[i].
func phoneRightOK(t string, i int) bool {
	if i >= len(t) {
		return true
	}
	c := t[i]
	if isWordByte(c) || c == '@' || c == '%' {
		return false
	}
	if (c == '.' || c == ',' || c == '/' || c == ':') && i+1 < len(t) && isDigit(t[i+1]) {
		return false
	}
	return true
}

// scanPhones finds phone numbers outside URLs and e-mail addresses: a '+' or
// digit, then digits with single separators (or a parenthesis and a space)
// between groups.
func scanPhones(s *scanner) {
	t := s.t
	digits := s.digitRuns()
	taken := s.cursor(claimURL, claimEmail)
	for i := 0; i < len(t); {
		// A number starts at the next digit, or at a '+' or '(' just
		// before it.
		k := digits.next(i, len(t))
		if k == len(t) {
			return
		}
		if n, end := digits.chain(k, maxPhoneGap, minPhoneDigits); n < minPhoneDigits {
			// Too few digits here for any number: dates, amounts, pieces
			// of hex.
			i = end
			continue
		}
		start := k
		if k > i && (t[k-1] == '+' || t[k-1] == '(') {
			start = k - 1
		}
		c := t[start]
		i = start
		if !phoneLeftOK(t, start) {
			// Skip the whole glued run of digits.
			for i++; i < len(t) && isDigit(t[i]); i++ {
			}
			continue
		}
		// Walk digits and the gaps between them; last is the end of the
		// last digit.
		last := start
		j := start
		if c == '+' || c == '(' {
			j++
		}
		for j < len(t) {
			if isDigit(t[j]) {
				j++
				last = j
				continue
			}
			g := phoneGap(t, j)
			if g == j || g == len(t) || !isDigit(t[g]) {
				break
			}
			j = g
		}
		i = max(last, start+1)
		if !phoneRightOK(t, last) || taken.claimed(start) {
			continue
		}
		cand := t[start:last]
		if c == '(' && strings.IndexByte(cand, ')') < 0 {
			start++
			cand = cand[1:]
		}
		if e := phoneValue(cand); e != "" {
			s.add(start, Phone, e)
			continue
		}
		// "1234567 090-1234-5678": try the space-separated pieces alone.
		if strings.IndexByte(cand, ' ') < 0 {
			continue
		}
		off := start
		for _, piece := range strings.Split(cand, " ") {
			if p := strings.Trim(piece, "()"); p != "" {
				if e := phoneValue(p); e != "" {
					s.add(off+strings.Index(piece, p), Phone, e)
				}
			}
			off += len(piece) + 1
		}
	}
}
