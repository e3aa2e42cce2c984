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
// are given, or "" if phonenumbers does not call it valid.
func e164(digits string) string {
	phoneCache.Lock()
	v, ok := phoneCache.m[digits]
	phoneCache.Unlock()
	if ok {
		return v
	}
	n, err := phonenumbers.Parse(digits, defaultRegion)
	if err == nil && phonenumbers.IsValidNumber(n) {
		v = phonenumbers.Format(n, phonenumbers.E164)
	}
	phoneCache.Lock()
	if len(phoneCache.m) >= phoneCacheSize {
		clear(phoneCache.m)
	}
	phoneCache.m[digits] = v
	phoneCache.Unlock()
	return v
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

// phoneLeftOK reports whether a phone number may start at t[i]: not glued
// to a word, a decimal, a path or another number.
func phoneLeftOK(t string, i int) bool {
	if i == 0 {
		return true
	}
	c := t[i-1]
	if isWordByte(c) || strings.IndexByte(".,/@+-=&?#%\\$", c) >= 0 {
		return false
	}
	if c >= 0x80 {
		_, w := classBefore(t, i)
		return isDash(t, i-w) == 0
	}
	return true
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
	for i := 0; i < len(t); {
		c := t[i]
		if !isDigit(c) && (c != '+' && c != '(' || i+1 == len(t) || !isDigit(t[i+1])) {
			i++
			continue
		}
		start := i
		if !phoneLeftOK(t, start) {
			// Skip the whole glued run of digits.
			for i++; i < len(t) && isDigit(t[i]); i++ {
			}
			continue
		}
		// Walk digits and separators; last is the end of the last digit.
		last, seps := start, 0
		j := start
		if c == '+' {
			j++
		}
		for j < len(t) {
			if isDigit(t[j]) {
				j++
				last, seps = j, 0
				continue
			}
			w := phoneSep(t, j)
			if w == 0 || seps == 2 && j > start {
				break
			}
			if j > start {
				seps++
			}
			j += w
		}
		i = max(last, start+1)
		if !phoneRightOK(t, last) || s.claimed(start, claimURL, claimEmail) {
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
