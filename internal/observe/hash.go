package observe

import (
	"strconv"
	"strings"
)

// hashTypes maps a hex length to the hash type of that length.
var hashTypes = map[int]Type{32: MD5, 40: SHA1, 64: SHA256, 128: SHA512}

// hashNormalizer returns the normaliser for hashes of n hex digits: the
// whole value must be n hex digits; the canonical form is lower case.
func hashNormalizer(n int) normalizer {
	t := hashTypes[n]
	return func(v string) (string, error) {
		if len(v) != n {
			return "", invalid(t, "want "+strconv.Itoa(n)+" hex digits")
		}
		for i := 0; i < len(v); i++ {
			if !isHex(v[i]) {
				return "", invalid(t, "not a hex digit: "+strconv.QuoteRune(rune(v[i])))
			}
		}
		return strings.ToLower(v), nil
	}
}

// hashWord adds the hash that the word t[start:end] (a whole run of
// letters and digits, see scanLongWords) is, if it is one: 32, 40, 64 or
// 128 hex digits. A shorter hex run inside a longer word is not a hash.
func (s *scanner) hashWord(start, end int) {
	typ, ok := hashTypes[end-start]
	if !ok {
		return
	}
	for k := start; k < end; k++ {
		if !isHex(s.t[k]) {
			return
		}
	}
	s.add(start, typ, strings.ToLower(s.t[start:end]))
}
