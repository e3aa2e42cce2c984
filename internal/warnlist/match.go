package warnlist

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/koban-project/koban/internal/observe"
)

// Matcher tells which lists a value is on. It is built once from the
// loaded lists and is safe for concurrent use.
type Matcher struct {
	names []string
	types []typeSet // per list, the types it applies to

	exact   map[string][]int32 // string entries → lists
	hosts   map[string][]int32 // hostname entries and ".name" string entries → lists
	nets    *nets
	subs    *substrings // nil when no list has substrings
	regexes []listRegex

	// The types some list of each structure applies to, so that a value
	// skips the structures that cannot hold it (a phone number never runs
	// the substring automaton).
	exactTypes, hostTypes, netTypes, subTypes, regexTypes typeSet
}

// listRegex is the entries of one regex list compiled into one pattern
// that must match the whole value.
type listRegex struct {
	id int32
	re *regexp.Regexp
}

// NewMatcher indexes lists, whose entries must be in the form ParseMISP
// and Builtin leave them. Match reports lists in the order given here.
// Entries it cannot read (a hand-made list's bad network or regex) are
// ignored.
func NewMatcher(lists []List) *Matcher {
	var nExact, nHosts int
	for _, l := range lists {
		switch l.Kind {
		case KindString:
			nExact += len(l.Entries)
		case KindHostname:
			nHosts += len(l.Entries)
		}
	}
	m := &Matcher{
		exact: make(map[string][]int32, nExact),
		hosts: make(map[string][]int32, nHosts),
		nets:  newNets(),
	}
	for i, l := range lists {
		id := int32(i)
		ts := setOf(l.Types...)
		m.names = append(m.names, l.Name)
		m.types = append(m.types, ts)
		switch l.Kind {
		case KindCIDR:
			for _, e := range l.Entries {
				if p, why := network(e); why == "" {
					m.nets.add(p, id)
					m.netTypes |= ts
				}
			}
		case KindHostname:
			for _, e := range l.Entries {
				addTo(m.hosts, e, id)
			}
			m.hostTypes |= ts
		case KindString:
			for _, e := range l.Entries {
				if d, ok := strings.CutPrefix(e, "."); ok {
					addTo(m.hosts, d, id)
					m.hostTypes |= ts
				} else {
					addTo(m.exact, e, id)
					m.exactTypes |= ts
				}
			}
		case KindSubstring:
			if m.subs == nil {
				m.subs = newSubstrings()
			}
			for _, e := range l.Entries {
				m.subs.add(e, id)
			}
			m.subTypes |= ts
		case KindRegex:
			if len(l.Entries) == 0 {
				continue
			}
			alt := make([]string, len(l.Entries))
			for j, e := range l.Entries {
				alt[j] = "(?:" + e + ")"
			}
			re, err := regexp.Compile(`^(?:` + strings.Join(alt, "|") + `)$`)
			if err != nil {
				continue
			}
			m.regexes = append(m.regexes, listRegex{id, re})
			m.regexTypes |= ts
		}
	}
	if m.subs != nil {
		m.subs.finish()
	}
	return m
}

// addTo records that list id holds key, once.
func addTo[K comparable](m map[K][]int32, key K, id int32) {
	ids := m[key]
	if len(ids) > 0 && ids[len(ids)-1] == id {
		return
	}
	m[key] = append(ids, id)
}

// Match returns the names of the lists o is on, in the order the lists
// were given to NewMatcher and each once, or nil. o must be in its
// canonical form (as observe gives it); see the package documentation for
// what each type is compared with.
func (m *Matcher) Match(o observe.Observable) []string {
	bit := typeBits[o.Type]
	if m == nil || bit == 0 || o.Value == "" {
		return nil
	}
	var buf [16]int32
	hits := buf[:0]
	v := o.Value
	switch o.Type {
	case observe.URL:
		hits = m.exactHits(hits, v, bit)
		if host, ok := rootHost(v); ok {
			hits = m.hostHits(hits, host, isAddress(host), bit)
		}
	case observe.Email:
		// Local parts are case-insensitive at every provider that matters,
		// and lists write addresses in any case.
		v = strings.ToLower(v)
		hits = m.exactHits(hits, v, bit)
		hits = m.domainHits(hits, v[strings.LastIndexByte(v, '@')+1:], bit)
		hits = m.substringHits(hits, v, bit)
	case observe.Domain:
		hits = m.hostHits(hits, v, false, bit)
	case observe.IPv4, observe.IPv6:
		hits = m.hostHits(hits, v, true, bit)
	case observe.CIDR:
		hits = m.exactHits(hits, v, bit)
		if p, err := netip.ParsePrefix(v); err == nil {
			hits = m.netHits(hits, unmapPrefix(p.Masked()), bit)
		}
		hits = m.substringHits(hits, v, bit)
	default:
		hits = m.exactHits(hits, v, bit)
		hits = m.substringHits(hits, v, bit)
	}
	hits = m.regexHits(hits, o.Value, bit)
	return m.namesOf(hits)
}

// hostHits appends the lists that hold the host v (a domain or an
// address): the exact entry, the networks holding an address, the hostname
// entries at or above a domain, and the substring entries.
func (m *Matcher) hostHits(hits []int32, v string, addr bool, bit typeSet) []int32 {
	hits = m.exactHits(hits, v, bit)
	if !addr {
		hits = m.domainHits(hits, v, bit)
	} else if a, err := netip.ParseAddr(v); err == nil {
		a = a.Unmap()
		hits = m.netHits(hits, netip.PrefixFrom(a, a.BitLen()), bit)
	}
	return m.substringHits(hits, v, bit)
}

// isAddress reports whether the host of a canonical URL is an IP address:
// an IPv6 address (rootHost has removed its brackets) has a colon, and an
// IPv4 address is digits and dots, which a domain never is since its TLD
// has letters.
func isAddress(host string) bool {
	return strings.IndexByte(host, ':') >= 0 || strings.Trim(host, "0123456789.") == ""
}

// exactHits appends the string lists of type bit that hold v.
func (m *Matcher) exactHits(hits []int32, v string, bit typeSet) []int32 {
	if m.exactTypes&bit == 0 {
		return hits
	}
	return m.filter(hits, m.exact[v], bit)
}

// domainHits appends the hostname lists of type bit that hold d or a name
// above it, walking up one label at a time.
func (m *Matcher) domainHits(hits []int32, d string, bit typeSet) []int32 {
	if m.hostTypes&bit == 0 {
		return hits
	}
	for {
		hits = m.filter(hits, m.hosts[d], bit)
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			return hits
		}
		d = d[dot+1:]
	}
}

// netHits appends the cidr lists of type bit with a network holding p (an
// address is a network of one): the networks of p's family no longer than
// p, each looked up by p's address masked to its length.
func (m *Matcher) netHits(hits []int32, p netip.Prefix, bit typeSet) []int32 {
	if m.netTypes&bit == 0 {
		return hits
	}
	a := split(p.Addr())
	for _, n := range m.nets.lens(a) {
		if n > p.Bits() {
			break
		}
		hits = m.filter(hits, m.nets.lookup(a, n), bit)
	}
	return hits
}

// substringHits appends the substring lists of type bit with an entry
// inside v.
func (m *Matcher) substringHits(hits []int32, v string, bit typeSet) []int32 {
	if m.subTypes&bit == 0 {
		return hits
	}
	n := len(hits)
	hits = m.subs.find(hits, v)
	// find does not know the types; drop the lists of other types.
	kept := hits[:n]
	for _, id := range hits[n:] {
		if m.types[id]&bit != 0 {
			kept = append(kept, id)
		}
	}
	return kept
}

// regexHits appends the regex lists of type bit that match v whole.
func (m *Matcher) regexHits(hits []int32, v string, bit typeSet) []int32 {
	if m.regexTypes&bit == 0 {
		return hits
	}
	for _, r := range m.regexes {
		if m.types[r.id]&bit != 0 && r.re.MatchString(v) {
			hits = append(hits, r.id)
		}
	}
	return hits
}

// filter appends the lists of ids that apply to type bit.
func (m *Matcher) filter(hits, ids []int32, bit typeSet) []int32 {
	for _, id := range ids {
		if m.types[id]&bit != 0 {
			hits = append(hits, id)
		}
	}
	return hits
}

// namesOf turns list ids into names in list order, each once.
func (m *Matcher) namesOf(hits []int32) []string {
	if len(hits) == 0 {
		return nil
	}
	slices.Sort(hits)
	hits = slices.Compact(hits)
	names := make([]string, 0, len(hits))
	for _, id := range hits {
		if n := m.names[id]; !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// rootHost returns the host of a canonical URL that is nothing but a host:
// no userinfo, no port, and a path that is empty or "/" with no query. A
// URL with a path or query is a page someone chose, which may be a
// phishing page on a big platform, so it is matched as a whole value only.
func rootHost(u string) (string, bool) {
	i := strings.Index(u, "://")
	if i < 0 {
		return "", false
	}
	rest := u[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end >= 0 && rest[end:] != "/" {
		return "", false
	}
	if end >= 0 {
		rest = rest[:end]
	}
	if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		return rest[1 : len(rest)-1], true
	}
	if rest == "" || strings.ContainsAny(rest, "@:[]") {
		return "", false
	}
	return rest, true
}
