package rdap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
)

// Kind names one of the four bootstrap registries.
type Kind string

// The registries of RFC 9224.
const (
	DNS  Kind = "dns"
	IPv4 Kind = "ipv4"
	IPv6 Kind = "ipv6"
	ASN  Kind = "asn"
)

// Kinds lists the registries in a fixed order.
var Kinds = []Kind{DNS, IPv4, IPv6, ASN}

// maxRegistry bounds a registry file read by Update (IANA's dns.json is
// about 90 KB).
const maxRegistry = 4 << 20

// Bootstrap holds the four registries and says which RDAP servers answer
// for a query. It is safe for concurrent use; Update swaps a registry
// whole, so a look-up sees the old one or the new one, never a mix.
type Bootstrap struct {
	mu   sync.RWMutex
	regs map[Kind]*registry
}

// registry is one parsed bootstrap file.
type registry struct {
	kind        Kind
	publication time.Time
	labels      map[string][]string // dns: TLD or suffix → servers
	prefixes    []prefixEntry       // ipv4/ipv6: longest first
	ranges      []asnRange          // asn: sorted by start
}

type prefixEntry struct {
	prefix  netip.Prefix
	servers []string
}

type asnRange struct {
	lo, hi  uint32
	servers []string
}

// NewBootstrap returns an empty Bootstrap: koban ships no copy of IANA's
// registries (the copy in the project's test data may not go into the
// binary, and a copy would age), so the client fetches them from IANA at
// its first look-up (Client.RefreshBootstrap, at most daily) and an
// operator without internet access loads them from files (LoadBootstrap).
func NewBootstrap() *Bootstrap { return &Bootstrap{regs: map[Kind]*registry{}} }

// LoadBootstrap reads the four registries from files in dir named as IANA
// names them (dns.json, ipv4.json, ipv6.json, asn.json).
func LoadBootstrap(dir string) (*Bootstrap, error) {
	b := NewBootstrap()
	for _, k := range Kinds {
		f, err := os.Open(filepath.Join(dir, string(k)+".json"))
		if err != nil {
			return nil, fmt.Errorf("rdap: %w", err)
		}
		got, err := b.Update(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("rdap: %s.json: %w", k, err)
		}
		if got != k {
			return nil, &BootstrapError{Detail: fmt.Sprintf("%s.json holds the %s registry", k, got)}
		}
	}
	return b, nil
}

// Loaded reports whether the registry of kind k is there.
func (b *Bootstrap) Loaded(k Kind) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.regs[k] != nil
}

// Update replaces one registry with the one read from r (an IANA bootstrap
// file; which of the four it is is read from its entries). It is refused
// with a *StaleError when its publication is older than the registry in
// use; one published at the same time changes nothing and is no error.
// It returns the kind of registry read.
func (b *Bootstrap) Update(r io.Reader) (Kind, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxRegistry+1))
	if err != nil {
		return "", fmt.Errorf("rdap: reading a bootstrap registry: %w", err)
	}
	if len(data) > maxRegistry {
		return "", &BootstrapError{Detail: fmt.Sprintf("larger than %d bytes", maxRegistry)}
	}
	reg, err := parseRegistry(data)
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if have := b.regs[reg.kind]; have != nil {
		if reg.publication.Before(have.publication) {
			return reg.kind, &StaleError{Kind: reg.kind, Have: have.publication, Got: reg.publication}
		}
		if reg.publication.Equal(have.publication) {
			return reg.kind, nil
		}
	}
	b.regs[reg.kind] = reg
	return reg.kind, nil
}

// Publication returns when the registry in use was published.
func (b *Bootstrap) Publication(k Kind) time.Time {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if r := b.regs[k]; r != nil {
		return r.publication
	}
	return time.Time{}
}

// DomainServers returns the RDAP base URLs for a domain name: those of the
// longest suffix of its labels that the DNS registry holds (RFC 9224 §4),
// https first. The name may be in Unicode or A-labels, with or without a
// final dot. It returns nil when no entry covers it (.jp among them).
func (b *Bootstrap) DomainServers(name string) []string {
	name, err := normalizeDomain(name)
	if err != nil {
		return nil
	}
	b.mu.RLock()
	r := b.regs[DNS]
	b.mu.RUnlock()
	if r == nil {
		return nil
	}
	for s := name; s != ""; {
		if servers, ok := r.labels[s]; ok {
			return servers
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break
		}
		s = s[i+1:]
	}
	return nil
}

// IPServers returns the RDAP base URLs for an address: those of the
// longest prefix holding it, https first, or nil.
func (b *Bootstrap) IPServers(a netip.Addr) []string {
	a = a.Unmap()
	k := IPv6
	if a.Is4() {
		k = IPv4
	}
	b.mu.RLock()
	r := b.regs[k]
	b.mu.RUnlock()
	if r == nil {
		return nil
	}
	// Entries are kept longest prefix first, so the first that holds the
	// address is the longest match.
	for _, e := range r.prefixes {
		if e.prefix.Contains(a) {
			return e.servers
		}
	}
	return nil
}

// ASNServers returns the RDAP base URLs for an AS number, or nil.
func (b *Bootstrap) ASNServers(n uint32) []string {
	b.mu.RLock()
	r := b.regs[ASN]
	b.mu.RUnlock()
	if r == nil {
		return nil
	}
	i := sort.Search(len(r.ranges), func(i int) bool { return r.ranges[i].hi >= n })
	if i < len(r.ranges) && r.ranges[i].lo <= n {
		return r.ranges[i].servers
	}
	return nil
}

// normalizeDomain returns name in lower-case A-labels without a final dot.
func normalizeDomain(name string) (string, error) {
	name = strings.TrimSuffix(strings.TrimSpace(name), ".")
	if name == "" {
		return "", fmt.Errorf("empty name")
	}
	ascii, err := idna.Lookup.ToASCII(name)
	if err != nil {
		return "", err
	}
	return strings.ToLower(ascii), nil
}

// wireRegistry is a bootstrap file as RFC 9224 §3 lays it out.
type wireRegistry struct {
	Version     string              `json:"version"`
	Publication string              `json:"publication"`
	Description string              `json:"description"`
	Services    [][]json.RawMessage `json:"services"`
}

func parseRegistry(data []byte) (*registry, error) {
	var w wireRegistry
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&w); err != nil {
		return nil, &BootstrapError{Detail: "not a JSON bootstrap file: " + err.Error()}
	}
	pub, err := time.Parse(time.RFC3339, w.Publication)
	if err != nil {
		return nil, &BootstrapError{Detail: fmt.Sprintf("publication %q is not an RFC 3339 time", w.Publication)}
	}
	if len(w.Services) == 0 {
		// An empty registry would silently turn every look-up into "no
		// server": refuse it rather than replace a working one.
		return nil, &BootstrapError{Detail: "no services"}
	}
	r := &registry{publication: pub.UTC()}
	for i, svc := range w.Services {
		if len(svc) < 2 {
			return nil, &BootstrapError{Detail: fmt.Sprintf("service %d: want [entries, URLs]", i)}
		}
		var entries, urls []string
		if json.Unmarshal(svc[0], &entries) != nil || json.Unmarshal(svc[1], &urls) != nil {
			return nil, &BootstrapError{Detail: fmt.Sprintf("service %d: entries and URLs must be lists of strings", i)}
		}
		servers, err := orderServers(urls)
		if err != nil {
			return nil, &BootstrapError{Detail: fmt.Sprintf("service %d: %v", i, err)}
		}
		for _, e := range entries {
			k := entryKind(e)
			if r.kind == "" {
				r.kind = k
				if k == DNS {
					r.labels = map[string][]string{}
				}
			} else if k != r.kind {
				return nil, &BootstrapError{Detail: fmt.Sprintf("entry %q is not of the %s registry", e, r.kind)}
			}
			if err := r.add(e, servers); err != nil {
				return nil, &BootstrapError{Detail: err.Error()}
			}
		}
	}
	if r.kind == "" {
		return nil, &BootstrapError{Detail: "no entries"}
	}
	sort.SliceStable(r.prefixes, func(i, j int) bool { return r.prefixes[i].prefix.Bits() > r.prefixes[j].prefix.Bits() })
	sort.Slice(r.ranges, func(i, j int) bool { return r.ranges[i].lo < r.ranges[j].lo })
	for i := 1; i < len(r.ranges); i++ {
		if r.ranges[i].lo <= r.ranges[i-1].hi {
			return nil, &BootstrapError{Detail: fmt.Sprintf("AS ranges %d-%d and %d-%d overlap",
				r.ranges[i-1].lo, r.ranges[i-1].hi, r.ranges[i].lo, r.ranges[i].hi)}
		}
	}
	return r, nil
}

// entryKind tells which registry an entry belongs to by its form: a prefix
// with ':' is IPv6, with '.' IPv4; digits (and a range's '-') are AS
// numbers; anything else is a domain label.
func entryKind(e string) Kind {
	switch {
	case strings.Contains(e, "/") && strings.Contains(e, ":"):
		return IPv6
	case strings.Contains(e, "/"):
		return IPv4
	case e != "" && strings.Trim(e, "0123456789-") == "":
		return ASN
	}
	return DNS
}

func (r *registry) add(e string, servers []string) error {
	switch r.kind {
	case DNS:
		name, err := normalizeDomain(e)
		if err != nil {
			return fmt.Errorf("label %q: %v", e, err)
		}
		r.labels[name] = servers
	case IPv4, IPv6:
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return fmt.Errorf("prefix %q: %v", e, err)
		}
		r.prefixes = append(r.prefixes, prefixEntry{prefix: p.Masked(), servers: servers})
	case ASN:
		lo, hi, ok := strings.Cut(e, "-")
		if !ok {
			hi = lo
		}
		l, err1 := strconv.ParseUint(lo, 10, 32)
		h, err2 := strconv.ParseUint(hi, 10, 32)
		if err1 != nil || err2 != nil || l > h {
			return fmt.Errorf("AS range %q", e)
		}
		r.ranges = append(r.ranges, asnRange{lo: uint32(l), hi: uint32(h), servers: servers})
	}
	return nil
}

// orderServers checks the base URLs and puts https before http (RFC 9224
// §7 asks clients to prefer https).
func orderServers(urls []string) ([]string, error) {
	var https, http []string
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("URL %q", s)
		}
		if !strings.HasSuffix(s, "/") {
			s += "/"
		}
		switch u.Scheme {
		case "https":
			https = append(https, s)
		case "http":
			http = append(http, s)
		default:
			return nil, fmt.Errorf("URL %q: only http and https", s)
		}
	}
	if len(https)+len(http) == 0 {
		return nil, fmt.Errorf("no URLs")
	}
	return append(https, http...), nil
}
