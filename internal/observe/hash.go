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

// scanHashesAndCVEs finds hashes — whole runs of 32, 40, 64 or 128 hex
// digits (a run glued to a letter, digit or underscore is not a hash) — and
// CVE ids, in one pass over the text: a CVE id starts with 'c', a hex digit.
func scanHashesAndCVEs(s *scanner) {
	t := s.t
	for i := 0; i < len(t); {
		if byteClass[t[i]]&bHex == 0 {
			i++
			continue
		}
		j := i + 1
		for j < len(t) && byteClass[t[j]]&bHex != 0 {
			j++
		}
		glued := i > 0 && isWordByte(t[i-1])
		if typ, ok := hashTypes[j-i]; ok && !glued && (j == len(t) || !isWordByte(t[j])) {
			s.add(i, typ, strings.ToLower(t[i:j]))
		}
		if t[i]|0x20 == 'c' && j == i+1 && !(i > 0 && isASCIIAlnum(t[i-1])) {
			if id, end := readCVE(t, i); end >= 0 && (end == len(t) || !isASCIIAlnum(t[end])) {
				s.add(i, CVE, id)
				j = end
			}
		}
		i = j
	}
}
