package observe

import (
	"strconv"
	"strings"
)

// maxASN is the largest autonomous system number (32 bits, RFC 6793).
const maxASN = 1<<32 - 1

// normalizeASN is the ASN normaliser: "AS" or "ASN" in any case, an
// optional space or colon, and a number from 1 to 4294967295 without a
// leading zero; a bare number is read as an ASN too. The canonical form is
// "AS" and the number.
func normalizeASN(v string) (string, error) {
	i := 0
	if hasPrefixFold(v, "as") {
		i = 2
		if i < len(v) && v[i]|0x20 == 'n' {
			i++
		}
		i = skipASNSep(v, i)
	}
	n, end := readASNumber(v, i)
	if end != len(v) {
		return "", invalid(ASN, `want "AS" and a number from 1 to 4294967295`)
	}
	return "AS" + strconv.FormatUint(n, 10), nil
}

// skipASNSep skips what may stand between "AS"/"ASN" and the number: a
// colon and one space, in that order, each optional.
func skipASNSep(t string, i int) int {
	if i < len(t) && t[i] == ':' {
		i++
	}
	if i < len(t) && t[i] == ' ' {
		i++
	}
	return i
}

// readASNumber reads an AS number at t[i]: 1 to 10 digits, no leading zero,
// from 1 to maxASN. It returns the number and its end, or -1.
func readASNumber(t string, i int) (uint64, int) {
	j := i
	var n uint64
	for j < len(t) && isDigit(t[j]) && j-i < 11 {
		n = n*10 + uint64(t[j]-'0')
		j++
	}
	if j == i || j-i > 10 || t[i] == '0' || n > maxASN {
		return 0, -1
	}
	return n, j
}

// scanASNs finds "AS64500", "ASN 64500", "AS 64500" and "ASN: 64500"
// written in upper case (after NFKC), not glued to a word before or to a
// letter, digit or decimal after.
func scanASNs(s *scanner) {
	t := s.t
	for i := 0; i < len(t); {
		j := strings.Index(t[i:], "AS")
		if j < 0 {
			return
		}
		a := i + j
		i = a + 2
		if a > 0 && isWordByte(t[a-1]) || s.claimed(a, claimEmail) {
			continue
		}
		k := a + 2
		if k < len(t) && t[k] == 'N' {
			k++
		}
		k = skipASNSep(t, k)
		n, end := readASNumber(t, k)
		if end < 0 || end < len(t) && (isWordByte(t[end]) ||
			(t[end] == '.' || t[end] == ',') && end+1 < len(t) && isDigit(t[end+1])) {
			continue
		}
		s.add(a, ASN, "AS"+strconv.FormatUint(n, 10))
		i = end
	}
}
