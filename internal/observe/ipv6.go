package observe

import (
	"net/netip"
	"strings"
)

// normalizeIPv6 is the IPv6 normaliser: the RFC 5952 text form as
// net/netip prints it (lower case, zeros compressed, "::ffff:1.2.3.4" for
// IPv4-mapped addresses). Square brackets around the value are accepted;
// zones are not.
func normalizeIPv6(v string) (string, error) {
	if len(v) > 2 && v[0] == '[' && v[len(v)-1] == ']' {
		v = v[1 : len(v)-1]
	}
	s, ok := canonicalIPv6(v)
	if !ok {
		return "", invalid(IPv6, "not an IPv6 address without zone")
	}
	return s, nil
}

// canonicalIPv6 parses an IPv6 address (no zone, no IPv4 address) and
// formats it per RFC 5952.
func canonicalIPv6(v string) (string, bool) {
	if strings.IndexByte(v, ':') < 0 || strings.IndexByte(v, '%') >= 0 {
		return "", false
	}
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is6() {
		return "", false
	}
	return a.String(), true
}

func isIPv6Byte(c byte) bool { return isHex(c) || c == ':' }

// scanIPv6 finds IPv6 addresses in free text: runs of hex digits and colons
// (with at most a trailing dotted IPv4 part) holding at least two colons and
// one hex digit, not glued to a letter or digit.
func scanIPv6(s *scanner) {
	t := s.t
	for i := 0; i < len(t); {
		j := strings.IndexByte(t[i:], ':')
		if j < 0 {
			return
		}
		c := i + j
		start := c
		for start > 0 && isIPv6Byte(t[start-1]) {
			start--
		}
		end := c
		for end < len(t) && (isIPv6Byte(t[end]) || t[end] == '.' && end+1 < len(t) && isDigit(t[end+1])) {
			end++
		}
		i = end + 1
		if start > 0 && (isWordByte(t[start-1]) || t[start-1] == '.') ||
			end < len(t) && isWordByte(t[end]) ||
			s.claimed(start, claimURL, claimEmail) {
			continue
		}
		cand := t[start:end]
		if strings.Count(cand, ":") < 2 || strings.Trim(cand, ":") == "" {
			continue
		}
		ip, ok := canonicalIPv6(cand)
		if !ok && cand[len(cand)-1] == ':' && !strings.HasSuffix(cand, "::") {
			// "address 2001:db8::1: …" — a colon of the sentence.
			end--
			ip, ok = canonicalIPv6(t[start:end])
		}
		if !ok {
			continue
		}
		if prefixAfter(t, end, 128) {
			if c, ok := cidrValue(t, start, end); ok {
				s.add(start, CIDR, c)
			}
			s.claim(claimIPv6, start, end)
			continue
		}
		s.add(start, IPv6, ip)
		s.claim(claimIPv6, start, end)
	}
}
