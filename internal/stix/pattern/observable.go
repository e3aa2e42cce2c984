package pattern

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

// slot is what an object path names in koban's terms.
type slot int

const (
	slotNone          slot = iota
	slotIPv4               // ipv4 (a /32), or cidr
	slotIPv6               // ipv6 (a /128), or cidr
	slotIP                 // an address or network of either family
	slotHost               // an address, a network or a domain
	slotType               // a single koban type, given with the slot in paths
	slotRefType            // the STIX type of the object a network reference names
	slotWallet             // a cryptocurrency address of any currency koban reads
	slotBankCode           // x-koban-bank-account parts (keep these four last)
	slotBranchCode         //
	slotAccountType        //
	slotAccountNumber      //
)

// paths maps the object paths koban understands (Path.String) to what
// they name. Hash paths are read by hashSlot.
var paths = map[string]struct {
	slot slot
	typ  observe.Type // for slotType
}{
	"ipv4-addr:value":                       {slotIPv4, ""},
	"ipv6-addr:value":                       {slotIPv6, ""},
	"domain-name:value":                     {slotType, observe.Domain},
	"domain-name:resolves_to_refs[*].value": {slotIP, ""},
	"url:value":                             {slotType, observe.URL},
	"email-addr:value":                      {slotType, observe.Email},
	"email-message:from_ref.value":          {slotType, observe.Email},
	"email-message:sender_ref.value":        {slotType, observe.Email},
	"email-message:to_refs[*].value":        {slotType, observe.Email},
	"email-message:cc_refs[*].value":        {slotType, observe.Email},
	"email-message:bcc_refs[*].value":       {slotType, observe.Email},
	"network-traffic:src_ref.value":         {slotHost, ""},
	"network-traffic:dst_ref.value":         {slotHost, ""},
	"network-traffic:src_ref.type":          {slotRefType, ""},
	"network-traffic:dst_ref.type":          {slotRefType, ""},
	"domain-name:resolves_to_refs[*].type":  {slotRefType, ""},
	"x-koban-phone-number:value":            {slotType, observe.Phone},
	"x-koban-bank-account:value":            {slotType, observe.BankAccount},
	"x-koban-cryptocurrency-wallet:value":   {slotWallet, ""},
	"x-koban-bank-account:bank_code":        {slotBankCode, ""},
	"x-koban-bank-account:branch_code":      {slotBranchCode, ""},
	"x-koban-bank-account:account_type":     {slotAccountType, ""},
	"x-koban-bank-account:account_number":   {slotAccountNumber, ""},
}

// walletTypes are the cryptocurrency address types an
// x-koban-cryptocurrency-wallet value may be; an address's form says which.
var walletTypes = []observe.Type{observe.BTC, observe.ETH, observe.XMR, observe.TRX}

// hashTypes are the koban types of hash algorithms, by hashKey.
var hashTypes = map[string]observe.Type{
	"MD5": observe.MD5, "SHA1": observe.SHA1, "SHA256": observe.SHA256, "SHA512": observe.SHA512,
}

// slotOf is what a path names, and the koban type for slotType.
func slotOf(p Path) (slot, observe.Type) {
	if (p.Type == "file" || p.Type == "artifact") && len(p.Steps) == 2 &&
		p.Steps[0] == (Step{Kind: KeyStep, Key: "hashes"}) && p.Steps[1].Kind == KeyStep {
		if t, ok := hashTypes[hashKey(p.Steps[1].Key)]; ok {
			return slotType, t
		}
		return slotNone, ""
	}
	s := paths[p.String()]
	return s.slot, s.typ
}

// accepts reports whether an observable of type t can stand in a slot.
func (s slot) accepts(t observe.Type, value string, typ observe.Type) bool {
	switch s {
	case slotIPv4, slotIPv6:
		if t == observe.CIDR {
			p, ok := prefix(value)
			return ok && p.Addr().Is4() == (s == slotIPv4)
		}
		return t == observe.IPv4 && s == slotIPv4 || t == observe.IPv6 && s == slotIPv6
	case slotIP:
		return t == observe.IPv4 || t == observe.IPv6 || t == observe.CIDR
	case slotHost, slotRefType:
		return t == observe.IPv4 || t == observe.IPv6 || t == observe.CIDR || t == observe.Domain
	case slotType:
		return t == typ
	case slotWallet:
		return slices.Contains(walletTypes, t)
	case slotBankCode, slotBranchCode, slotAccountType, slotAccountNumber:
		_, ok := bankParts(value)
		return t == observe.BankAccount && ok
	}
	return false
}

// Term is an equality a pattern tests: a property of an object type
// compared with = (or one value of an IN list), not negated.
type Term struct {
	Type  string // the object type, e.g. "ipv4-addr"
	Path  string // the property after the colon, e.g. "hashes.'SHA-256'"
	Value Value
}

// Terms returns the equalities of the pattern — every "path = value" and
// each value of "path IN (…)", not negated — in the pattern's order. Any
// match of the pattern makes one of them hold when Indexable says so.
func (p *Pattern) Terms() []Term {
	var out []Term
	walkComparisons(p.Root, func(c *Comparison) {
		if c.Negated {
			return
		}
		switch c.Op {
		case Eq:
			out = append(out, Term{Type: c.Path.Type, Path: c.Path.Property(), Value: c.Value})
		case In:
			for _, v := range c.Set {
				out = append(out, Term{Type: c.Path.Type, Path: c.Path.Property(), Value: v})
			}
		}
	})
	return out
}

// Observables returns the koban observables a pattern names, in canonical
// form and without repeats: the values of "=" and "IN" on the paths koban
// maps (see the package documentation), the networks of ISSUBSET on
// addresses, and Japanese bank accounts whose four parts are compared with
// "=" in one AND. Values that do not normalise (a domain that is not one)
// are left out.
func (p *Pattern) Observables() []observe.Observable {
	var out []observe.Observable
	seen := map[observe.Observable]bool{}
	add := func(o observe.Observable) {
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	walkComparisons(p.Root, func(c *Comparison) {
		for _, o := range comparisonObservables(c) {
			add(o)
		}
	})
	walkBrackets(p.Root, func(cond Condition) {
		walkConjunctions(cond, func(leaves []*Comparison) {
			if v, ok := bankAccount(leaves); ok {
				add(observe.Observable{Type: observe.BankAccount, Value: v})
			}
		})
	})
	return out
}

// comparisonObservables are the observables one comparison names.
func comparisonObservables(c *Comparison) []observe.Observable {
	if c.Negated {
		return nil
	}
	s, typ := slotOf(c.Path)
	var values []Value
	switch c.Op {
	case Eq:
		values = []Value{c.Value}
	case In:
		values = c.Set
	case IsSubset:
		if s == slotIPv4 || s == slotIPv6 || s == slotIP || s == slotHost {
			values = []Value{c.Value}
		}
	}
	var out []observe.Observable
	for _, v := range values {
		if v.Kind != String {
			continue
		}
		if o, ok := observableOf(s, typ, v.Str); ok {
			out = append(out, o)
		}
	}
	return out
}

// observableOf reads a literal of a slot as a koban observable.
func observableOf(s slot, typ observe.Type, lit string) (observe.Observable, bool) {
	switch s {
	case slotIPv4, slotIPv6, slotIP, slotHost:
		if p, ok := prefix(lit); ok {
			if s == slotIPv4 && !p.Addr().Is4() || s == slotIPv6 && p.Addr().Is4() {
				return observe.Observable{}, false
			}
			return prefixObservable(p), true
		}
		if s != slotHost {
			return observe.Observable{}, false
		}
		typ = observe.Domain
	case slotWallet:
		for _, t := range walletTypes {
			if v, err := observe.Normalize(t, lit); err == nil {
				return observe.Observable{Type: t, Value: v}, true
			}
		}
		return observe.Observable{}, false
	case slotType:
	default:
		return observe.Observable{}, false
	}
	v, err := observe.Normalize(typ, lit)
	if err != nil {
		return observe.Observable{}, false
	}
	return observe.Observable{Type: typ, Value: v}, true
}

// prefixObservable is an address (a /32 or /128) or a network.
func prefixObservable(p netip.Prefix) observe.Observable {
	if p.IsSingleIP() {
		if p.Addr().Is4() {
			return observe.Observable{Type: observe.IPv4, Value: p.Addr().String()}
		}
		return observe.Observable{Type: observe.IPv6, Value: p.Addr().String()}
	}
	return observe.Observable{Type: observe.CIDR, Value: p.String()}
}

// Indexable reports whether MatchObservable can hold only for an
// observable that Observables lists or that lies in a network it lists:
// then an index of those values finds every indicator a report's
// observable may sight. A pattern with a mapped path compared by LIKE,
// MATCHES, an order, != or NOT (or a bank-account part alone) is not.
func (p *Pattern) Indexable() bool {
	return exprCovered(p.Root)
}

func exprCovered(e Expr) bool {
	switch e := e.(type) {
	case *Bracket:
		return condCovered(e.Cond)
	case *Group:
		return exprCovered(e.Inner)
	case *Qualified:
		return exprCovered(e.Inner)
	case *Compound:
		if e.Op == ObsOr {
			return exprCovered(e.Left) && exprCovered(e.Right)
		}
		// AND and FOLLOWEDBY never hold for one observable.
		return true
	}
	return false
}

// condCovered reports whether the condition, evaluated by MatchObservable,
// holds only for observables comparisonObservables or bankAccount name.
func condCovered(c Condition) bool {
	switch c := c.(type) {
	case *Logical:
		if c.Op == Or {
			return condCovered(c.Left) && condCovered(c.Right)
		}
		if condCovered(c.Left) || condCovered(c.Right) {
			return true
		}
		_, ok := bankAccount(conjunction(c, nil))
		return ok
	case *Comparison:
		s, _ := slotOf(c.Path)
		if s == slotNone {
			return true // never holds for an observable
		}
		if c.Negated || s >= slotBankCode {
			return false
		}
		switch c.Op {
		case Eq, In:
			// Every value must be indexed, or be one no observable equals.
			values := c.Set
			if c.Op == Eq {
				values = []Value{c.Value}
			}
			for _, v := range values {
				if v.Kind == String && len(comparisonObservables(&Comparison{Path: c.Path, Op: Eq, Value: v})) == 0 {
					return false
				}
			}
			return true
		case IsSubset:
			return len(comparisonObservables(c)) > 0
		}
	}
	return false
}

// MatchObservable reports whether one observable, seen alone, satisfies
// the pattern: a comparison holds when its path maps to the observable's
// type (see the package documentation) and the observable's value
// satisfies it, and fails otherwise; AND and FOLLOWEDBY between
// observation expressions, REPEATS of more than one and START/STOP never
// hold for one observable (see MatchObservableAt for START/STOP).
func MatchObservable(p *Pattern, o observe.Observable) bool {
	return observableExpr(p.Root, o, nil)
}

// MatchObservableAt is MatchObservable for an observable seen at a known
// time, which START/STOP qualifiers then test.
func MatchObservableAt(p *Pattern, o observe.Observable, at time.Time) bool {
	return observableExpr(p.Root, o, &at)
}

func observableExpr(e Expr, o observe.Observable, at *time.Time) bool {
	switch e := e.(type) {
	case *Bracket:
		return observableCond(e.Cond, o)
	case *Group:
		return observableExpr(e.Inner, o, at)
	case *Compound:
		return e.Op == ObsOr && (observableExpr(e.Left, o, at) || observableExpr(e.Right, o, at))
	case *Qualified:
		switch q := e.Qualifier.(type) {
		case *Repeats:
			if q.Times != 1 {
				return false
			}
		case *StartStop:
			if at == nil || at.Before(q.Start.Time) || !at.Before(q.Stop.Time) {
				return false
			}
		}
		return observableExpr(e.Inner, o, at)
	}
	return false
}

func observableCond(c Condition, o observe.Observable) bool {
	switch c := c.(type) {
	case *Logical:
		if c.Op == And {
			return observableCond(c.Left, o) && observableCond(c.Right, o)
		}
		return observableCond(c.Left, o) || observableCond(c.Right, o)
	case *Comparison:
		return observableHolds(c, o)
	}
	return false
}

// observableHolds evaluates one comparison on an observable.
func observableHolds(c *Comparison, o observe.Observable) bool {
	s, typ := slotOf(c.Path)
	if !s.accepts(o.Type, o.Value, typ) {
		return false
	}
	value := o.Value
	if s == slotRefType {
		value = stixType(o)
	}
	if s >= slotBankCode {
		parts, _ := bankParts(o.Value)
		value = parts[s-slotBankCode]
	}
	switch c.Op {
	case Exists:
		return !c.Negated
	case Eq, Ne, In:
		set := c.Set
		if c.Op != In {
			set = []Value{c.Value}
		}
		applies, eq := false, false
		for _, v := range set {
			if v.Kind != String {
				continue
			}
			applies = true
			if sameValue(s, o.Type, value, v.Str) {
				eq = true
			}
		}
		return applies && (eq == (c.Op != Ne)) != c.Negated
	}
	r, applies := c.holds(value, c.Path.lastKey())
	return applies && r != c.Negated
}

// sameValue compares an observable's canonical value with a literal read
// the same way: addresses and networks as prefixes (an address is its
// /32), bank-account parts padded, other values through observe.Normalize.
func sameValue(s slot, t observe.Type, value, lit string) bool {
	switch s {
	case slotBankCode, slotBranchCode, slotRefType:
		return value == lit
	case slotAccountType:
		return value == accountTypeCode(lit)
	case slotAccountNumber:
		return len(lit) <= 7 && allDigits(lit) && value == strings.Repeat("0", 7-len(lit))+lit
	}
	if t == observe.IPv4 || t == observe.IPv6 || t == observe.CIDR {
		a, ok1 := prefix(value)
		b, ok2 := prefix(lit)
		return ok1 && ok2 && a == b
	}
	if n, err := observe.Normalize(t, lit); err == nil {
		return n == value
	}
	return value == lit
}

// stixType is the STIX type of the SCO an address, network or domain
// observable would be.
func stixType(o observe.Observable) string {
	switch o.Type {
	case observe.IPv4:
		return "ipv4-addr"
	case observe.IPv6:
		return "ipv6-addr"
	case observe.CIDR:
		if p, ok := prefix(o.Value); ok && p.Addr().Is4() {
			return "ipv4-addr"
		}
		return "ipv6-addr"
	case observe.Domain:
		return "domain-name"
	}
	return ""
}

// bankParts splits koban's canonical account "BBBB-SSS-T-NNNNNNN" into
// bank code, branch code, account type and number. Accounts known only by
// names ("name:…", "yucho:…") have no parts.
func bankParts(v string) ([4]string, bool) {
	p := strings.Split(v, "-")
	if len(p) != 4 || len(p[0]) != 4 || len(p[1]) != 3 || len(p[2]) != 1 || len(p[3]) != 7 || !allDigits(p[0]+p[1]+p[2]+p[3]) {
		return [4]string{}, false
	}
	return [4]string{p[0], p[1], p[2], p[3]}, true
}

// accountTypeCode reads an account type as its Zengin code (1 普通,
// 2 当座, 4 貯蓄), written as the code or a word; "" when unknown.
func accountTypeCode(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "ordinary", "futsu", "普通":
		return "1"
	case "2", "current", "checking", "toza", "当座":
		return "2"
	case "4", "savings", "chochiku", "貯蓄":
		return "4"
	}
	return ""
}

// bankAccount builds the canonical account from comparisons joined by
// AND, when they compare all four parts with "=".
func bankAccount(leaves []*Comparison) (string, bool) {
	var parts [4]string
	for _, c := range leaves {
		s, _ := slotOf(c.Path)
		if s < slotBankCode || c.Negated || c.Op != Eq || c.Value.Kind != String {
			continue
		}
		parts[s-slotBankCode] = c.Value.Str
	}
	kind := accountTypeCode(parts[2])
	if parts[0] == "" || parts[1] == "" || kind == "" || parts[3] == "" {
		return "", false
	}
	v, err := observe.Normalize(observe.BankAccount, parts[0]+"-"+parts[1]+"-"+kind+"-"+parts[3])
	if err != nil {
		return "", false
	}
	return v, true
}

// conjunction collects the comparisons joined by AND under c (not looking
// into OR).
func conjunction(c Condition, acc []*Comparison) []*Comparison {
	switch c := c.(type) {
	case *Logical:
		if c.Op == And {
			return conjunction(c.Right, conjunction(c.Left, acc))
		}
	case *Comparison:
		return append(acc, c)
	}
	return acc
}

// walkConjunctions calls f with the comparisons of each AND node's
// conjunction (and of a lone comparison).
func walkConjunctions(c Condition, f func([]*Comparison)) {
	switch c := c.(type) {
	case *Logical:
		if c.Op == And {
			f(conjunction(c, nil))
		}
		walkConjunctions(c.Left, f)
		walkConjunctions(c.Right, f)
	case *Comparison:
		f([]*Comparison{c})
	}
}

// walkBrackets calls f with the condition of every bracket.
func walkBrackets(e Expr, f func(Condition)) {
	switch e := e.(type) {
	case *Bracket:
		f(e.Cond)
	case *Group:
		walkBrackets(e.Inner, f)
	case *Compound:
		walkBrackets(e.Left, f)
		walkBrackets(e.Right, f)
	case *Qualified:
		walkBrackets(e.Inner, f)
	}
}

// allDigits reports whether s is ASCII digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
