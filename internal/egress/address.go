package egress

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Reason says why an address is refused. Its value is stable: callers
// record it and the catalogs hold a sentence for each (egress.refused.<reason>).
type Reason string

// The reasons an address is refused.
const (
	Loopback      Reason = "loopback"      // 127/8, ::1
	Private       Reason = "private"       // RFC 1918, fc00::/7, fec0::/10, 64:ff9b:1::/48
	LinkLocal     Reason = "link_local"    // 169.254/16 (cloud metadata), fe80::/10
	Unspecified   Reason = "unspecified"   // 0.0.0.0/8, ::
	Multicast     Reason = "multicast"     // 224/4, ff00::/8
	Broadcast     Reason = "broadcast"     // 255.255.255.255
	Shared        Reason = "shared"        // 100.64/10, carrier-grade NAT
	Benchmarking  Reason = "benchmarking"  // 198.18/15, 2001:2::/48
	Documentation Reason = "documentation" // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
	Reserved      Reason = "reserved"      // 240/4, 192.0.0/24, 192.88.99/24, IPv6 outside 2000::/3, ORCHID, discard
	Tunnel        Reason = "tunnel"        // Teredo 2001::/32: the IPv4 end cannot be checked
	Port          Reason = "port"          // a public address on a port other than 80, 443 and those allowed
)

type special struct {
	prefix netip.Prefix
	reason Reason
}

// v4Special lists the IPv4 ranges that are never a partner on the internet
// (IANA special-purpose registry, the entries not "globally reachable").
var v4Special = specials(map[string]Reason{
	"0.0.0.0/8":          Unspecified,
	"10.0.0.0/8":         Private,
	"100.64.0.0/10":      Shared,
	"127.0.0.0/8":        Loopback,
	"169.254.0.0/16":     LinkLocal,
	"172.16.0.0/12":      Private,
	"192.0.0.0/24":       Reserved,
	"192.0.2.0/24":       Documentation,
	"192.88.99.0/24":     Reserved,
	"192.168.0.0/16":     Private,
	"198.18.0.0/15":      Benchmarking,
	"198.51.100.0/24":    Documentation,
	"203.0.113.0/24":     Documentation,
	"224.0.0.0/4":        Multicast,
	"240.0.0.0/4":        Reserved,
	"255.255.255.255/32": Broadcast,
})

// v6Special lists the IPv6 ranges refused inside global unicast 2000::/3
// and the ones outside it that deserve a more precise reason than Reserved.
var v6Special = specials(map[string]Reason{
	"::/128":         Unspecified,
	"::1/128":        Loopback,
	"fc00::/7":       Private,
	"fec0::/10":      Private,
	"fe80::/10":      LinkLocal,
	"ff00::/8":       Multicast,
	"64:ff9b:1::/48": Private,
	"100::/64":       Reserved,
	"2001::/32":      Tunnel,
	"2001:2::/48":    Benchmarking,
	"2001:10::/28":   Reserved,
	"2001:20::/28":   Reserved,
	"2001:db8::/32":  Documentation,
	"3fff::/20":      Documentation,
})

var (
	globalUnicast = netip.MustParsePrefix("2000::/3")
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour     = netip.MustParsePrefix("2002::/16")
	v4Compatible  = netip.MustParsePrefix("::/96")
)

func specials(m map[string]Reason) []special {
	out := make([]special, 0, len(m))
	for p, r := range m {
		out = append(out, special{netip.MustParsePrefix(p), r})
	}
	// Most specific first: 255.255.255.255/32 is broadcast inside 240/4.
	sort.Slice(out, func(i, j int) bool { return out[i].prefix.Bits() > out[j].prefix.Bits() })
	return out
}

// Classify says whether a is a public internet address ("" ) or why it is
// not. IPv4 addresses hidden in IPv6 forms (IPv4-mapped, NAT64 64:ff9b::/96,
// 6to4, IPv4-compatible) are judged by the IPv4 address they carry.
func Classify(a netip.Addr) Reason {
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		for _, s := range v4Special {
			if s.prefix.Contains(a) {
				return s.reason
			}
		}
		return ""
	}
	if !a.IsValid() {
		return Reserved
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return Classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case sixToFour.Contains(a):
		return Classify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	for _, s := range v6Special {
		if s.prefix.Contains(a) {
			return s.reason
		}
	}
	if v4Compatible.Contains(a) {
		// ::a.b.c.d, deprecated: refused whatever it carries.
		return Reserved
	}
	if !globalUnicast.Contains(a) {
		return Reserved
	}
	return ""
}

// ParseAllow reads a comma-separated list of CIDRs (KOBAN_EGRESS_ALLOW),
// such as "10.20.0.0/16, 192.0.2.7/32". A bare address counts as a /32 or
// /128. Spaces around items and empty items are ignored.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("item %d %q: want an address or a CIDR such as 10.0.0.0/8", i+1, item)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("item %d %q: want a CIDR such as 10.0.0.0/8", i+1, item)
		}
		if p.Addr().Is4In6() {
			// ::ffff:10.0.0.0/104 means 10.0.0.0/8.
			if p.Bits() < 96 {
				return nil, fmt.Errorf("item %d %q: an IPv4-mapped prefix must be /96 or longer", i+1, item)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// allowed reports whether a falls in one of the allowed prefixes, comparing
// IPv4-mapped forms as the IPv4 address they carry.
func allowed(allow []netip.Prefix, a netip.Addr) bool {
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
