package warnlist

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/koban-project/koban/internal/observe"
)

// Kind says how a list's entries are compared with a value.
type Kind string

// The kinds of list, named as MISP names them.
const (
	KindCIDR      Kind = "cidr"      // networks; an address or network inside one matches
	KindHostname  Kind = "hostname"  // domains; the domain and every name under it match
	KindString    Kind = "string"    // whole canonical values
	KindSubstring Kind = "substring" // pieces of a value, case-insensitive
	KindRegex     Kind = "regex"     // RE2 patterns that must match the whole value
)

// List is one warning list: its entries in the form the Matcher compares
// them, and the observable types it applies to.
type List struct {
	Name        string
	Description string
	Source      string // "koban" or "misp"
	Version     int
	Kind        Kind
	Types       []observe.Type
	Entries     []string
	Skipped     []Skip // entries that could not be used, and why
	Folder      string // the MISP folder it was read from (ReadMISPDir), "" otherwise
}

// Skip is an entry of a list that was left out, and why.
type Skip struct {
	Entry  string
	Reason string
}

// The sources of lists.
const (
	SourceKoban = "koban"
	SourceMISP  = "misp"
)

// ErrInvalid is wrapped by every error that rejects a whole list.
var ErrInvalid = errors.New("warnlist: invalid list")

// minSubstring is the shortest substring entry kept: a one- or two-letter
// piece would mark almost every value of the list's types.
const minSubstring = 4

// typeSet is a set of observable types, one bit each in the order of
// observe.Types.
type typeSet uint64

// typeBits gives each observable type its bit.
var typeBits = func() map[observe.Type]typeSet {
	m := make(map[observe.Type]typeSet)
	for i, t := range observe.Types() {
		m[t] = 1 << i
	}
	return m
}()

// setOf returns the set holding ts; unknown types are left out.
func setOf(ts ...observe.Type) typeSet {
	var s typeSet
	for _, t := range ts {
		s |= typeBits[t]
	}
	return s
}

// types lists the members of s in the order of observe.Types.
func (s typeSet) types() []observe.Type {
	var ts []observe.Type
	for _, t := range observe.Types() {
		if s&typeBits[t] != 0 {
			ts = append(ts, t)
		}
	}
	return ts
}

// allTypes holds every observable type.
var allTypes = setOf(observe.Types()...)

// kindTypes are the types a kind of list can say anything about: networks
// hold addresses, networks and the address hosts of URLs, and host names
// appear as domains, URL hosts and e-mail domains.
var kindTypes = map[Kind]typeSet{
	KindCIDR:      setOf(observe.IPv4, observe.IPv6, observe.CIDR, observe.URL),
	KindHostname:  setOf(observe.Domain, observe.URL, observe.Email),
	KindString:    allTypes,
	KindSubstring: allTypes,
	KindRegex:     allTypes,
}

// build checks a list read from a file and puts its entries in the form the
// Matcher compares: each valid entry once, in the order of the file, and
// each invalid one in Skipped. A list with no usable entry is an error.
func build(l List, raw []string) (List, error) {
	l.Name = strings.TrimSpace(l.Name)
	if l.Name == "" {
		return List{}, fmt.Errorf("%w: no name", ErrInvalid)
	}
	kt, ok := kindTypes[l.Kind]
	if !ok {
		return List{}, fmt.Errorf("%w: %q: unknown type %q (want cidr, hostname, string, substring or regex)", ErrInvalid, l.Name, l.Kind)
	}
	ts := setOf(l.Types...) & kt
	if ts == 0 {
		return List{}, fmt.Errorf("%w: %q: applies to no observable type koban has", ErrInvalid, l.Name)
	}
	l.Types = ts.types()
	if len(raw) == 0 {
		return List{}, fmt.Errorf("%w: %q: empty list", ErrInvalid, l.Name)
	}
	l.Entries, l.Skipped = nil, nil
	seen := make(map[string]bool, len(raw))
	for _, e := range raw {
		v, why := entry(l.Kind, ts, e)
		if why != "" {
			l.Skipped = append(l.Skipped, Skip{Entry: e, Reason: why})
			continue
		}
		for _, c := range v {
			if !seen[c] {
				seen[c] = true
				l.Entries = append(l.Entries, c)
			}
		}
	}
	if len(l.Entries) == 0 {
		s := l.Skipped[0]
		return List{}, fmt.Errorf("%w: %q: none of its %d entries is usable (first: %q: %s)", ErrInvalid, l.Name, len(raw), s.Entry, s.Reason)
	}
	return l, nil
}

// entry returns the forms the Matcher keeps for one raw entry of a list of
// kind k applying to types ts, or why the entry is left out.
func entry(k Kind, ts typeSet, e string) ([]string, string) {
	e = strings.TrimSpace(e)
	if e == "" {
		return nil, "empty entry"
	}
	switch k {
	case KindCIDR:
		p, why := network(e)
		if why != "" {
			return nil, why
		}
		return []string{p.String()}, ""
	case KindHostname:
		d, err := observe.Normalize(observe.Domain, hostname(e))
		if err != nil {
			return nil, reason(err)
		}
		return []string{d}, ""
	case KindString:
		return exactEntry(ts, e)
	case KindSubstring:
		if len(e) < minSubstring {
			return nil, fmt.Sprintf("shorter than %d bytes: would mark almost every value", minSubstring)
		}
		return []string{strings.ToLower(e)}, ""
	case KindRegex:
		re, why := goRegex(e)
		if why != "" {
			return nil, why
		}
		return []string{re}, ""
	}
	return nil, "unknown kind"
}

// network reads a CIDR entry: a network, or a lone address (MISP's
// resolver lists hold plain addresses), with host bits cleared. An
// IPv4-mapped IPv6 network becomes the IPv4 network, since the Matcher reads
// mapped addresses as IPv4.
func network(e string) (netip.Prefix, string) {
	var p netip.Prefix
	if strings.IndexByte(e, '/') >= 0 {
		var err error
		if p, err = netip.ParsePrefix(e); err != nil {
			return p, "not a network: " + err.Error()
		}
	} else {
		a, err := netip.ParseAddr(e)
		if err != nil {
			return p, "not an address or network: " + err.Error()
		}
		if a.Zone() != "" {
			return p, "an address with a zone"
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	return unmapPrefix(p.Masked()), ""
}

// unmapPrefix turns a network of IPv4-mapped IPv6 addresses into the IPv4
// network.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// hostname strips the spellings of "this name and those under it" that
// lists use (".example.com", "*.example.com") and a trailing root dot.
func hostname(e string) string {
	e = strings.TrimPrefix(e, "*.")
	e = strings.TrimPrefix(e, ".")
	return strings.TrimSuffix(e, ".")
}

// exactEntry reads a string entry as each type of ts and keeps every
// canonical form it has, so the entry meets values in the form observe
// gives them. E-mail addresses are kept in lower case (see Match). An entry
// starting with "." or "*." in a list of domains stands for the domain and
// every name under it, as MISP's own domain lists use it; it is kept with
// its leading dot.
func exactEntry(ts typeSet, e string) ([]string, string) {
	if ts&typeBits[observe.Domain] != 0 && (strings.HasPrefix(e, ".") || strings.HasPrefix(e, "*.")) {
		d, err := observe.Normalize(observe.Domain, hostname(e))
		if err != nil {
			return nil, reason(err)
		}
		return []string{"." + d}, ""
	}
	var out []string
	var why error
	for _, t := range ts.types() {
		v := e
		if t == observe.Domain {
			v = strings.TrimSuffix(v, ".")
		}
		c, err := observe.Normalize(t, v)
		if err != nil {
			// Say why the entry is not a domain when the list is about
			// domains: "not an ipv4" says nothing about "co.jp".
			if why == nil || t == observe.Domain {
				why = err
			}
			continue
		}
		if t == observe.Email {
			c = strings.ToLower(c)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, reason(why)
	}
	return out, ""
}

// reason is the text of an observe error without its package prefix.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), observe.ErrInvalid.Error()+": ")
}

// goRegex turns a regex entry into Go (RE2) syntax. MISP writes PCRE
// between slashes with flags after ("/^abuse@/i"); i, m and s become Go
// flags, g and u mean nothing for a single match on UTF-8 text, and any
// other flag, or a pattern RE2 cannot compile (look-arounds, back
// references), leaves the entry out. An entry without slashes is a pattern
// as it stands.
func goRegex(e string) (string, string) {
	pat, flags := e, ""
	if len(e) >= 2 && e[0] == '/' {
		end := strings.LastIndexByte(e, '/')
		if end == 0 {
			return "", "regex without its closing '/'"
		}
		pat = e[1:end]
		for _, f := range e[end+1:] {
			switch f {
			case 'i', 'm', 's':
				if !strings.ContainsRune(flags, f) {
					flags += string(f)
				}
			case 'g', 'u':
			default:
				return "", fmt.Sprintf("regex flag %q is not supported", f)
			}
		}
	}
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	if _, err := regexp.Compile(pat); err != nil {
		return "", "not a regex RE2 can run: " + err.Error()
	}
	return pat, ""
}
