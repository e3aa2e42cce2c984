// Package correlate is koban's national observable index: every distinct
// value (a phone number, a bank account, a domain …) stored once, every
// record that holds it pointing to it with the record's organisation, TLP
// and time, and the clusters of records that shared values join.
//
// Writing happens in the store, inside the transaction that stores the
// record, so a report is indexed and clustered before its receipt is sent.
// Reading happens here: the Service asks the store for what the index
// holds, whoever owns it, and applies access itself — an officer sees in
// full the records their organisation may see and, for the rest, only
// counts by prefecture and time ("37 reports in 12 prefectures since
// March"), never a receipt, an id or a description.
//
// Values on a warning list (private ranges, public resolvers, big
// platforms) and common values (held by CommonAt records or more) are
// shown, marked as such, but do not link records: they neither join
// clusters nor make records "related".
package correlate

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

// RecordType names a kind of record that holds observables.
type RecordType string

// The record types the index knows. (Cases hold reports by link and
// are not indexed themselves, so that a report counts once.)
const (
	Report RecordType = "report"
	// Intel is one version of an imported STIX object (an indicator, an
	// observable, …): package intel.
	Intel RecordType = "intel"
	// Finding is a page cyber patrol found (a capture that matched):
	// package patrol.
	Finding RecordType = "finding"
	// Sample is one organisation's record of a malware sample: package
	// malware.
	Sample RecordType = "sample"
)

// Valid reports whether t is a record type koban indexes.
func (t RecordType) Valid() bool { return t == Report || t == Intel || t == Finding || t == Sample }

// Key names one record.
type Key struct {
	Type RecordType `json:"type"`
	ID   int64      `json:"id"`
}

// Record is what the index is told about a record when it is stored.
type Record struct {
	Key
	OrgID       int64
	TLP         string // "clear", "green", "amber", "amber+strict", "red"
	At          time.Time
	Observables []observe.Observable
	// Fresh says the record is being stored in the same transaction, so it
	// belongs to no cluster yet (the indexer need not look).
	Fresh bool
}

// DefaultTLP is the marking of a report from the public or a partner: it
// stays within the police organisations that may see it.
const DefaultTLP = "amber"

// DefaultCommonAt is the number of records from which a value is common.
const DefaultCommonAt = 1000

// Benign says which warning lists hold a value; nil when none does.
type Benign interface {
	Match(o observe.Observable) []string
}

// Policy decides, when a record is stored, which of its values link it to
// other records.
type Policy struct {
	// Lists holds the warning lists in force; nil means none.
	Lists Benign
	// CommonAt is the number of records from which a value is common and
	// no longer links them; 0 means DefaultCommonAt.
	CommonAt int
}

// CommonThreshold returns the number of records from which a value is common.
func (p Policy) CommonThreshold() int {
	if p.CommonAt > 0 {
		return p.CommonAt
	}
	return DefaultCommonAt
}

// Warnings returns the names of the warning lists that hold o.
func (p Policy) Warnings(o observe.Observable) []string {
	if p.Lists == nil {
		return nil
	}
	return p.Lists.Match(o)
}

// Common reports whether a value held by records records is common.
func (p Policy) Common(records int) bool { return records >= p.CommonThreshold() }

// Links reports whether o, held by records records, joins the records
// that hold it.
func (p Policy) Links(o observe.Observable, records int) bool {
	return !p.Common(records) && len(p.Warnings(o)) == 0
}

// IPKey returns the sortable key of an address (ipv4, ipv6) or of a
// range's first address (cidr): the address bytes in hex, so that the
// addresses in a range are one range of keys. Other types have none.
func IPKey(o observe.Observable) string {
	switch o.Type {
	case observe.IPv4, observe.IPv6:
		a, err := netip.ParseAddr(o.Value)
		if err != nil {
			return ""
		}
		return hex.EncodeToString(a.AsSlice())
	case observe.CIDR:
		p, err := netip.ParsePrefix(o.Value)
		if err != nil {
			return ""
		}
		return hex.EncodeToString(p.Masked().Addr().AsSlice())
	}
	return ""
}

// Span is a range of address keys, both ends included.
type Span struct {
	Type     observe.Type // the address type the range holds
	From, To string
}

// SpanOf returns the keys of the addresses inside a cidr value.
func SpanOf(o observe.Observable) (Span, bool) {
	if o.Type != observe.CIDR {
		return Span{}, false
	}
	p, err := netip.ParsePrefix(o.Value)
	if err != nil {
		return Span{}, false
	}
	p = p.Masked()
	first := p.Addr().AsSlice()
	last := append([]byte(nil), first...)
	host := len(last)*8 - p.Bits()
	for i := len(last) - 1; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		last[i] |= byte(1<<n - 1)
		host -= n
	}
	t := observe.IPv4
	if p.Addr().Is6() {
		t = observe.IPv6
	}
	return Span{Type: t, From: hex.EncodeToString(first), To: hex.EncodeToString(last)}, true
}

// Ranges returns the cidr values that would hold the address o, one per
// prefix length from /8 (IPv4) or /16 (IPv6) down to the address itself:
// the candidates to look up for "this address lies in a reported range".
func Ranges(o observe.Observable) []string {
	var a netip.Addr
	var err error
	switch o.Type {
	case observe.IPv4, observe.IPv6:
		a, err = netip.ParseAddr(o.Value)
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	lo, hi := 8, 32
	if a.Is6() {
		lo, hi = 16, 128
	}
	out := make([]string, 0, hi-lo+1)
	for bits := lo; bits <= hi; bits++ {
		p, err := a.Prefix(bits)
		if err == nil {
			out = append(out, p.String())
		}
	}
	return out
}

// ParseRef reads "type:value" as a node reference of the graph and of
// links: "report:42" is a record, "phone:+819012345678" an observable.
func ParseRef(s string) (key Key, obs observe.Observable, ok bool) {
	t, v, found := strings.Cut(s, ":")
	if !found || v == "" {
		return Key{}, observe.Observable{}, false
	}
	if RecordType(t).Valid() {
		var id int64
		for _, c := range v {
			if c < '0' || c > '9' || id > 1<<53 {
				return Key{}, observe.Observable{}, false
			}
			id = id*10 + int64(c-'0')
		}
		if id == 0 {
			return Key{}, observe.Observable{}, false
		}
		return Key{Type: RecordType(t), ID: id}, observe.Observable{}, true
	}
	if !observe.Type(t).Valid() {
		return Key{}, observe.Observable{}, false
	}
	norm, err := observe.Normalize(observe.Type(t), v)
	if err != nil {
		return Key{}, observe.Observable{}, false
	}
	return Key{}, observe.Observable{Type: observe.Type(t), Value: norm}, true
}
