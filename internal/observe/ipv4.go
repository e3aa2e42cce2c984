package observe

import (
	"strconv"
	"strings"
)

// normalizeIPv4 is the IPv4 normaliser: four decimal octets of one to three
// digits, each at most 255, written without leading zeros.
func normalizeIPv4(v string) (string, error) {
	s, ok := canonicalIPv4(v)
	if !ok {
		return "", invalid(IPv4, "want four dot-separated decimal numbers from 0 to 255")
	}
	return s, nil
}

// canonicalIPv4 parses a dotted-quad and formats it without leading zeros.
// Leading zeros are read as decimal ("010" is 10), never as octal.
func canonicalIPv4(v string) (string, bool) {
	var b [15]byte
	out := b[:0]
	octets := 0
	for i := 0; i <= len(v); {
		j := i
		n := 0
		for j < len(v) && isDigit(v[j]) && j-i < 4 {
			n = n*10 + int(v[j]-'0')
			j++
		}
		if j == i || j-i > 3 || n > 255 {
			return "", false
		}
		octets++
		out = strconv.AppendInt(out, int64(n), 10)
		if j == len(v) {
			break
		}
		if v[j] != '.' || octets == 4 {
			return "", false
		}
		out = append(out, '.')
		i = j + 1
	}
	if octets != 4 {
		return "", false
	}
	return string(out), true
}

// versionWords are the words that, just before a dotted quad, make it a
// version number: "v1.2.3.4" never reaches here ("v1" is not numeric), but
// "version 1.2.3.4", "Ver. 1.2.3.4" and "バージョン1.2.3.4" do.
var versionWords = []string{"version", "ver", "v", "rev", "revision", "build", "release", "firmware", "バージョン"}

// dottedIPv4 adds the IPv4 address t[start:end] unless its context says it
// is a version number; followed by a prefix length, it is a CIDR block.
func (s *scanner) dottedIPv4(start, end int) {
	t := s.t
	ip, ok := canonicalIPv4(t[start:end])
	if !ok || versionBefore(t, start) {
		return
	}
	if cidrAfter(t, end) {
		if c, ok := cidrValue(t, start, end); ok {
			s.add(start, CIDR, c)
		}
		return
	}
	s.add(start, IPv4, ip)
}

// versionBefore reports whether a version word ends just before start,
// separated from it by at most a few spaces, dots, colons or hyphens.
func versionBefore(t string, start int) bool {
	i := start
	for k := 0; k < 3 && i > 0 && strings.IndexByte(" .:-", t[i-1]) >= 0; k++ {
		i--
	}
	if i == 0 || t[i-1] < 0x80 && byteClass[t[i-1]]&bAlpha == 0 {
		return false // no word ends here
	}
	for _, w := range versionWords {
		if len(w) <= i && strings.EqualFold(t[i-len(w):i], w) {
			if isASCIIAlnum(w[0]) && i-len(w) > 0 && isASCIIAlnum(t[i-len(w)-1]) {
				continue // "server 1.2.3.4" does not end in the word "ver"
			}
			return true
		}
	}
	return false
}

// cidrAfter reports whether "/n" with 0 ≤ n ≤ 32 follows: the address then
// names a network (a CIDR block), not one host.
func cidrAfter(t string, end int) bool { return prefixAfter(t, end, 32) }

// prefixAfter reports whether a prefix length "/n", 0 ≤ n ≤ maxLen, follows
// t[:end] and ends the token.
func prefixAfter(t string, end, maxLen int) bool {
	if end >= len(t) || t[end] != '/' {
		return false
	}
	j := end + 1
	n := 0
	for j < len(t) && isDigit(t[j]) && j-end <= 3 {
		n = n*10 + int(t[j]-'0')
		j++
	}
	if j == end+1 || n > maxLen {
		return false
	}
	if j == len(t) {
		return true
	}
	if t[j] == '.' {
		// A full stop may follow; "1.2.3.0/24.5" is something else.
		return j+1 == len(t) || !isASCIIAlnum(t[j+1])
	}
	return !isASCIIAlnum(t[j]) && t[j] != '/'
}
