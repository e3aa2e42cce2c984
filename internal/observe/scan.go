package observe

import (
	"cmp"
	"slices"
	"sort"
)

// match is one observable found at byte offset pos of the prepared text.
type match struct {
	pos, seq int // seq orders matches found at the same offset
	obs      Observable
}

// span is a half-open byte range of the prepared text.
type span struct{ start, end int }

// scanner holds the prepared text and what the passes have found so far.
type scanner struct {
	t string
	prepared
	matches []match
	// Ranges taken by a URL, an e-mail address or an IPv6 address: the later
	// passes for host-like types do not look inside them.
	claims [3][]span
}

// Claim sets, in pass order.
const (
	claimURL = iota
	claimEmail
	claimIPv6
)

// passes run in this order; a pass only sees the claims of the passes before
// it. The hash and CVE pass, the cryptocurrency pass and the ASN pass ignore
// URL claims: a hash, CVE id, wallet or ASN inside a URL is worth having.
var passes = []func(*scanner){
	scanURLs,
	scanEmails,
	scanIPv6,
	scanDotted,
	scanPhones,
	scanHashesAndCVEs,
	scanCryptoAddresses,
	scanASNs,
	scanSocial,
	scanBankAccounts,
}

// Extract finds observables in free text: deduplicated by (type, value), in order of first appearance.
func Extract(text string) []Observable {
	p := prepare(text)
	s := &scanner{t: p.text, prepared: p}
	s.matches = make([]match, 0, 16+len(p.text)/128)
	for _, pass := range passes {
		pass(s)
	}
	if len(s.matches) == 0 {
		return nil
	}
	slices.SortFunc(s.matches, func(a, b match) int {
		if c := cmp.Compare(a.pos, b.pos); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	out := make([]Observable, 0, len(s.matches))
	seen := make(map[Observable]struct{}, len(s.matches))
	for _, m := range s.matches {
		if _, ok := seen[m.obs]; ok {
			continue
		}
		seen[m.obs] = struct{}{}
		out = append(out, m.obs)
	}
	return out
}

// add records an observable found at pos.
func (s *scanner) add(pos int, t Type, v string) {
	s.matches = append(s.matches, match{pos, len(s.matches), Observable{t, v}})
}

// claim records that [start, end) belongs to an observable of claim set k.
// Claims within a set arrive in ascending order.
func (s *scanner) claim(k, start, end int) {
	s.claims[k] = append(s.claims[k], span{start, end})
}

// claimed reports whether pos lies inside a claim of any set in ks.
func (s *scanner) claimed(pos int, ks ...int) bool {
	return s.claimEnd(pos, ks...) >= 0
}

// claimEnd returns the end of the claim of a set in ks that pos lies in,
// or -1.
func (s *scanner) claimEnd(pos int, ks ...int) int {
	for _, k := range ks {
		c := s.claims[k]
		// The first claim that ends after pos (sort.Search, inlined).
		i, j := 0, len(c)
		for i < j {
			h := int(uint(i+j) >> 1)
			if c[h].end > pos {
				j = h
			} else {
				i = h + 1
			}
		}
		if i < len(c) && c[i].start <= pos {
			return c[i].end
		}
	}
	return -1
}

// defanged reports whether a dot from a defanging marker lies in [start, end).
func (s *scanner) defanged(start, end int) bool {
	i := sort.SearchInts(s.defangDots, start)
	return i < len(s.defangDots) && s.defangDots[i] < end
}

// kuten reports whether the dot at t[i] was written "。".
func (s *scanner) kuten(i int) bool {
	k := sort.SearchInts(s.kutenDots, i)
	return k < len(s.kutenDots) && s.kutenDots[k] == i
}
