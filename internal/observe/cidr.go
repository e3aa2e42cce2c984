package observe

import (
	"net/netip"
	"strings"
)

// normalizeCIDR is the CIDR normaliser: an IPv4 or IPv6 address (read as
// the ipv4 and ipv6 types read them, so "010.0.0.0/8" is 10.0.0.0/8), '/'
// and a prefix length of at most 32 or 128 digits written without a leading
// zero; the canonical form is the network address (host bits cleared) and
// the length, as net/netip prints it.
func normalizeCIDR(v string) (string, error) {
	p, ok := parseCIDR(v)
	if !ok {
		return "", invalid(CIDR, "want an IPv4 or IPv6 address, '/' and a prefix length")
	}
	return p.String(), nil
}

// parseCIDR reads "address/length" and returns the masked prefix.
func parseCIDR(v string) (netip.Prefix, bool) {
	slash := strings.LastIndexByte(v, '/')
	if slash <= 0 || slash == len(v)-1 {
		return netip.Prefix{}, false
	}
	n, ok := prefixLen(v[slash+1:])
	if !ok {
		return netip.Prefix{}, false
	}
	a, ok := parseHost(v[:slash])
	if !ok || n > a.BitLen() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, n).Masked(), true
}

// prefixLen reads a prefix length: one to three digits, no leading zero
// (except "0" itself).
func prefixLen(s string) (int, bool) {
	if len(s) == 0 || len(s) > 3 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseHost reads an IPv4 address (as canonicalIPv4 does) or an IPv6
// address without zone.
func parseHost(s string) (netip.Addr, bool) {
	if strings.IndexByte(s, ':') < 0 {
		c, ok := canonicalIPv4(s)
		if !ok {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(c)
		return a, err == nil
	}
	if strings.IndexByte(s, '%') >= 0 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return netip.Addr{}, false
	}
	return a, true
}

// ContainsIP reports whether the network cidr holds the address ip. Both
// are read in any spelling Normalize accepts (full-width, defanged, leading
// zeros in IPv4 octets); an IPv4-mapped IPv6 address ("::ffff:192.0.2.1")
// is in an IPv4 network that holds its IPv4 address. Anything that is not a
// CIDR block and an address gives false.
func ContainsIP(cidr, ip string) bool {
	p, ok := parseCIDR(strings.TrimSpace(prepare(cidr).text))
	if !ok {
		return false
	}
	h := strings.TrimSpace(prepare(ip).text)
	if len(h) > 2 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	a, ok := parseHost(h)
	if !ok {
		return false
	}
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return p.Contains(a)
}

// cidrValue returns the canonical CIDR block of the address t[start:end]
// followed by the prefix length that prefixAfter found there.
func cidrValue(t string, start, end int) (string, bool) {
	j := end + 1
	for j < len(t) && isDigit(t[j]) {
		j++
	}
	p, ok := parseCIDR(t[start:j])
	if !ok {
		return "", false
	}
	return p.String(), true
}
