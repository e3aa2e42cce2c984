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
// says are valid, read in region JP unless they start with '+'. Kanji
// numerals are read as digits.
func normalizePhone(v string) (string, error) {
	v = kanjiToDigits(v)
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
	// A full stop after Japanese text or a space ends a sentence (。 reads
	// as '.' here): the number after it starts afresh. After a digit or a
	// word it is a decimal, a version or a host name.
	if c == '.' && (i == 1 || t[i-2] >= 0x80 || t[i-2] == ' ' || t[i-2] == '\n') {
		return true
	}
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
	// Every label ends in l or x: most glued numbers (pieces of hashes and
	// identifiers) are let go on that one byte.
	if i == 0 || t[i-1]|0x20 != 'l' && t[i-1]|0x20 != 'x' {
		return false
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
	scanKanjiPhones(s, s.kanjiRuns())
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

// maxKanjiReach bounds how far scanKanjiPhones looks for the other groups
// of a number around a run of kanji numerals.
const maxKanjiReach = 64

// scanKanjiPhones finds phone numbers written in kanji numerals
// ("〇九〇―一二三四―五六七八") around the runs of numerals given (see
// findKanjiRuns): numerals stand for digits, with the gaps of phoneGap
// between groups and the same checks at either end as scanPhones makes,
// and a number glued to 十, 百, 千, 万 or 億 is an amount.
func scanKanjiPhones(s *scanner, runs []span) {
	t := s.t
	done := 0
	for _, r := range runs {
		if r.start < done {
			continue
		}
		// The numerals and separators around the run.
		lo := r.start
		for lo > done && r.start-lo < maxKanjiReach {
			if kanjiDigit(t, lo-3) >= 0 {
				lo -= 3
			} else if w := sepBefore(t, lo); w > 0 {
				lo -= w
			} else {
				break
			}
		}
		hi := r.end
		for hi-r.end < maxKanjiReach && hi < len(t) {
			if kanjiDigit(t, hi) >= 0 {
				hi += 3
			} else if w := phoneSep(t, hi); w > 0 {
				hi += w
			} else if t[hi] == '\n' || t[hi] == '\r' {
				hi++
			} else {
				break
			}
		}
		// Read the numbers in it forward, as scanPhones reads digits.
		for i := lo; i < hi; {
			k := i
			for k < hi && kanjiDigit(t, k) < 0 {
				k++
			}
			if k >= hi {
				break
			}
			start := k
			if k > i && t[k-1] == '(' {
				start = k - 1
			}
			last, j := k, k
			for j < len(t) {
				if kanjiDigit(t, j) >= 0 {
					j += 3
					last = j
					continue
				}
				g := phoneGap(t, j)
				if g == j || kanjiDigit(t, g) < 0 {
					break
				}
				j = g
			}
			i = last
			hi = max(hi, last)
			if !kanjiPhoneLeftOK(t, start) || !kanjiPhoneRightOK(t, last) || s.claimed(start, claimURL, claimEmail) {
				continue
			}
			if t[start] == '(' && strings.IndexByte(t[start:last], ')') < 0 {
				start++
			}
			if e := phoneValue(kanjiToDigits(t[start:last])); e != "" {
				s.add(start, Phone, e)
				continue
			}
			if strings.IndexByte(t[start:last], ' ') < 0 {
				continue
			}
			off := start
			for _, piece := range strings.Split(t[start:last], " ") {
				if p := strings.Trim(piece, "()"); p != "" {
					if e := phoneValue(kanjiToDigits(p)); e != "" {
						s.add(off+strings.Index(piece, p), Phone, e)
					}
				}
				off += len(piece) + 1
			}
		}
		done = hi
	}
}

// sepBefore returns the width of the separator (see phoneSep) or line
// break that ends at t[i-1], or 0.
func sepBefore(t string, i int) int {
	if i <= 0 {
		return 0
	}
	switch t[i-1] {
	case ' ', '(', ')', '-', '\n', '\r':
		return 1
	}
	if i >= 3 && isDash(t, i-3) == 3 {
		return 3
	}
	return 0
}

// kanjiPhoneLeftOK is phoneLeftOK for a number in kanji numerals: nor may
// it follow another numeral.
func kanjiPhoneLeftOK(t string, i int) bool {
	if i == 0 {
		return true
	}
	if c := t[i-1]; c < 0x80 {
		return !(isWordByte(c) || phoneGlue[c]) || telBefore(t, i)
	}
	_, w := classBefore(t, i)
	return isDash(t, i-w) == 0 && !magnitudeAt(t, i-3) && kanjiDigit(t, i-3) < 0
}

// kanjiPhoneRightOK is phoneRightOK for a number in kanji numerals: nor
// may it be followed by 十, 百, 千, 万 or 億.
func kanjiPhoneRightOK(t string, i int) bool {
	return phoneRightOK(t, i) && !magnitudeAt(t, i)
}
