package misp

import (
	"fmt"
	"strings"

	"github.com/koban-project/koban/internal/observe"
)

// part says which observable a MISP attribute's value (or one part of a
// composite value) stands for.
type part struct {
	// which: 0 the whole value, 1 the part before '|', 2 the part after it.
	which int
	// kinds are tried in order; the first that reads the value wins.
	kinds []observe.Type
	// strict: a value none of kinds reads is reported (CodeValueUnreadable).
	// Loose types (phone numbers, vulnerabilities, bank accounts, X ids)
	// hold many values that are not koban's form and are not wrong.
	strict bool
}

var (
	ipKinds = []observe.Type{observe.IPv4, observe.IPv6, observe.CIDR}
	ip      = []part{{0, ipKinds, true}}
	ipPort  = []part{{1, ipKinds, true}}
	domain  = []part{{0, []observe.Type{observe.Domain}, true}}
	email   = []part{{0, []observe.Type{observe.Email}, true}}
	phone   = []part{{0, []observe.Type{observe.Phone}, false}}
)

func hash(t observe.Type, which int) []part { return []part{{which, []observe.Type{t}, true}} }

// observableParts maps MISP attribute types to koban observables. Types
// not listed are kept as attributes but give no observable.
//
//	ip-src, ip-dst                  ipv4, ipv6, or cidr for a network ("10.0.0.0/8")
//	ip-src|port, ip-dst|port        the address, as above
//	domain, hostname, onion-address domain
//	hostname|port                   domain (the host)
//	domain|ip                       domain and ipv4/ipv6/cidr
//	url                             url; a bare host name written as a URL gives a domain
//	uri                             url, when it is a whole URL (a bare path gives nothing, silently)
//	email, email-src, email-dst,    email
//	email-reply-to,
//	whois-registrant-email,
//	dns-soa-email
//	phone-number,                   phone, when phonenumbers calls it valid (loose)
//	whois-registrant-phone
//	md5, sha1, sha256, sha512       the same
//	filename|md5 … filename|sha512  the hash
//	malware-sample                  md5 (its value is "filename|md5")
//	btc                             btc
//	xmr                             xmr
//	vulnerability                   cve, when it is a CVE id (loose: GHSA and vendor ids give nothing)
//	AS                              asn
//	bank-account-nr                 bank_account, only in koban's Japanese form (loose)
//	twitter-id                      x (loose)
//
// Not mapped, on purpose: link (a reference to a write-up, not an
// indicator), iban, bic, cc-number and other payment data (never a
// Japanese account), target-* (data about victims), x509 and other
// fingerprints, sha224/sha384/sha3 and fuzzy hashes, filenames, and every
// free-text, pattern and person type.
var observableParts = map[string][]part{
	"ip-src":                 ip,
	"ip-dst":                 ip,
	"ip-src|port":            ipPort,
	"ip-dst|port":            ipPort,
	"domain":                 domain,
	"hostname":               domain,
	"onion-address":          domain,
	"hostname|port":          {{1, []observe.Type{observe.Domain}, true}},
	"domain|ip":              {{1, []observe.Type{observe.Domain}, true}, {2, ipKinds, true}},
	"url":                    {{0, []observe.Type{observe.URL, observe.Domain}, true}},
	"uri":                    {{0, []observe.Type{observe.URL}, false}},
	"email":                  email,
	"email-src":              email,
	"email-dst":              email,
	"email-reply-to":         email,
	"whois-registrant-email": email,
	"dns-soa-email":          email,
	"phone-number":           phone,
	"whois-registrant-phone": phone,
	"md5":                    hash(observe.MD5, 0),
	"sha1":                   hash(observe.SHA1, 0),
	"sha256":                 hash(observe.SHA256, 0),
	"sha512":                 hash(observe.SHA512, 0),
	"filename|md5":           hash(observe.MD5, 2),
	"filename|sha1":          hash(observe.SHA1, 2),
	"filename|sha256":        hash(observe.SHA256, 2),
	"filename|sha512":        hash(observe.SHA512, 2),
	"malware-sample":         hash(observe.MD5, 2),
	"btc":                    {{0, []observe.Type{observe.BTC}, true}},
	"xmr":                    {{0, []observe.Type{observe.XMR}, true}},
	"vulnerability":          {{0, []observe.Type{observe.CVE}, false}},
	"AS":                     {{0, []observe.Type{observe.ASN}, true}},
	"bank-account-nr":        {{0, []observe.Type{observe.BankAccount}, false}},
	"twitter-id":             {{0, []observe.Type{observe.X}, false}},
}

// Mapped reports whether attributes of MISP type typ can give koban observables.
func Mapped(typ string) bool { _, ok := observableParts[typ]; return ok }

// Observables returns the koban observables, in canonical form, that a
// MISP attribute of type typ with value value stands for (the table is in
// observableParts' comment). It returns nil for a type that gives none.
// When a value of a strict type cannot be read, the error is a *Problem
// (CodeValueUnreadable, Want naming koban's type) and the observables read
// from the other part of a composite value are still returned.
func Observables(typ, value string) ([]observe.Observable, error) {
	parts, ok := observableParts[typ]
	if !ok {
		return nil, nil
	}
	var out []observe.Observable
	var bad error
	for _, p := range parts {
		v := value
		if p.which != 0 {
			first, second, ok := splitComposite(typ, value)
			if !ok {
				// Validate reports the malformed composite value.
				return out, nil
			}
			v = first
			if p.which == 2 {
				v = second
			}
		}
		o, ok := read(p.kinds, v)
		if ok {
			out = append(out, o)
			continue
		}
		if p.strict && bad == nil {
			bad = &Problem{Code: CodeValueUnreadable, Value: short(v), Want: kindsText(p.kinds)}
		}
	}
	return out, bad
}

// read returns v as the first of kinds that reads it.
func read(kinds []observe.Type, v string) (observe.Observable, bool) {
	for _, k := range kinds {
		if n, err := observe.Normalize(k, v); err == nil {
			return observe.Observable{Type: k, Value: n}, true
		}
	}
	return observe.Observable{}, false
}

func kindsText(kinds []observe.Type) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, " or ")
}

// Entry is one attribute of an event (its own or one of its objects'),
// with what koban makes of it.
type Entry struct {
	Path      string     // "Event.Attribute[3]", "Event.Object[1].Attribute[0]"
	Attribute *Attribute // points into the event
	Object    *Object    // the object holding the attribute; nil for the event's own
	// Observables are the koban observables the attribute stands for; none
	// for a type koban does not map. A deleted (revoked) attribute still
	// has them: Attribute.Deleted (or Object.Deleted) says so.
	Observables []observe.Observable
	TLP         string   // the attribute's TLP: its tags, else its object's, else the event's ("" when none)
	Problem     *Problem // the value could not be read as the observable its type names
}

// Entries returns every attribute of the event — its own, then each
// object's — with its koban observables and TLP.
func (e *Event) Entries() []Entry {
	eventTLP := TLP(e.Tags)
	out := make([]Entry, 0, len(e.Attributes))
	add := func(path string, a *Attribute, o *Object, inherited string) {
		en := Entry{Path: path, Attribute: a, Object: o, TLP: inherited}
		if t := TLP(a.Tags); t != "" {
			en.TLP = t
		}
		obs, err := Observables(a.Type, a.Value)
		en.Observables = obs
		if p, ok := err.(*Problem); ok {
			p.Path = path + ".value"
			en.Problem = p
		}
		out = append(out, en)
	}
	for i := range e.Attributes {
		add(fmt.Sprintf("Event.Attribute[%d]", i), &e.Attributes[i], nil, eventTLP)
	}
	for i := range e.Objects {
		o := &e.Objects[i]
		objTLP := eventTLP
		if t := TLP(o.Tags); t != "" {
			objTLP = t
		}
		for j := range o.Attributes {
			add(fmt.Sprintf("Event.Object[%d].Attribute[%d]", i, j), &o.Attributes[j], o, objTLP)
		}
	}
	return out
}

// The TLP 2.0 levels, from the least to the most restricted.
var tlpRank = map[string]int{"clear": 1, "green": 2, "amber": 3, "amber+strict": 4, "red": 5}

// TLP returns the TLP 2.0 level the tags name — "clear", "green", "amber",
// "amber+strict" or "red" — or "" when none does. Tags are read in any
// case ("TLP:AMBER"); tlp:white is TLP 1.0's name for clear. When several
// are given the most restricted wins. Other tlp: tags (tlp:ex:chr,
// tlp:unclear) are not levels and are ignored.
func TLP(tags []Tag) string {
	best := ""
	for _, t := range tags {
		name := strings.ToLower(strings.TrimSpace(t.Name))
		level, ok := strings.CutPrefix(name, "tlp:")
		if !ok {
			continue
		}
		level = strings.TrimSpace(level)
		if level == "white" {
			level = "clear"
		}
		if tlpRank[level] > tlpRank[best] {
			best = level
		}
	}
	return best
}

// TLPTag returns the MISP tag for a TLP 2.0 level ("amber" → "tlp:amber"), or "" for "" or an unknown level.
func TLPTag(level string) string {
	if tlpRank[level] == 0 {
		return ""
	}
	return "tlp:" + level
}
