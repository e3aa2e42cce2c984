package observe

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// idnaProfile converts a host name to its ASCII (punycode) form: UTS #46
// mapping for lookup (so full-width and upper-case letters are folded), the
// bidi rule and label validation. Underscores are allowed (they occur in
// real DNS names); the characters are checked again afterwards.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(false),
	idna.Transitional(false),
)

// fileExtTLDs are top-level domains that are also common file-name
// extensions. A bare two-label name ending in one ("invoice.zip",
// "setup.py", "README.md") is read as a file name, not a domain, unless one
// of its dots was written defanged ("evil[.]zip"). Inside a URL or an e-mail
// address, or with more labels ("www.evil.zip"), it is a domain.
var fileExtTLDs = map[string]bool{
	"zip": true, "mov": true, "py": true, "sh": true, "rs": true, "md": true,
	"pm": true, "ps": true, "so": true, "one": true, "pub": true, "cab": true,
	"mo": true, "java": true,
}

// isFileExtTLD reports whether the label, in any case, is one of
// fileExtTLDs.
func isFileExtTLD(l string) bool {
	var b [4]byte
	if len(l) > len(b) {
		return false
	}
	for i := 0; i < len(l); i++ {
		b[i] = l[i] | 0x20 // lower case for letters; others match no entry
	}
	return fileExtTLDs[string(b[:len(l)])]
}

// normalizeDomain is the Domain normaliser: lower-case punycode, with a
// real (ICANN-managed) top-level domain and more than a public suffix.
func normalizeDomain(v string) (string, error) {
	for i := 0; i < len(v); {
		if v[i] == '.' {
			i++
			continue
		}
		cls, w := classAt(v, i)
		if cls == classNone {
			return "", invalid(Domain, "character not allowed in a host name")
		}
		i += w
	}
	d, why := canonicalDomain(v)
	if why != "" {
		return "", invalid(Domain, why)
	}
	return d, nil
}

// canonicalDomain returns the canonical form of a dotted host name made of
// label characters, or why it is not a domain. (Extract calls it on every
// candidate, so it reports with constant strings rather than errors.)
func canonicalDomain(name string) (string, string) {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return "", "empty name"
	}
	tldChecked := false
	if last := name[strings.LastIndexByte(name, '.')+1:]; isASCII(last) && !hasPrefixFold(last, "xn--") {
		// Cheap rejection of the common case before any IDNA work.
		if !isTLD(last) {
			return "", whyTLD
		}
		tldChecked = true
	}
	if hasUpper(name) {
		name = strings.ToLower(name)
	}
	if !isASCII(name) || strings.Contains(name, "xn--") {
		a, err := idnaProfile.ToASCII(name)
		if err != nil {
			return "", "not a valid internationalised domain name"
		}
		name = strings.ToLower(a)
	}
	if len(name) > 253 {
		return "", "name longer than 253 characters"
	}
	labels := 0
	last := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '.' {
			c := name[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", "character not allowed in a host name"
			}
			continue
		}
		l := name[last:i]
		switch {
		case l == "":
			return "", "empty label"
		case len(l) > 63:
			return "", "label longer than 63 characters"
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", "label starts or ends with a hyphen"
		}
		labels++
		last = i + 1
	}
	if labels < 2 {
		return "", "a single label is not a domain"
	}
	if !tldChecked && !isTLD(name[strings.LastIndexByte(name, '.')+1:]) {
		return "", whyTLD
	}
	if ps, icann := publicsuffix.PublicSuffix(name); icann && ps == name {
		return "", "a public suffix, not a registrable domain"
	}
	return name, ""
}

const whyTLD = "top-level domain is not an ICANN-managed public suffix"

// tldCache remembers isTLD's answers: the Public Suffix List lookup is the
// costliest step for the many dotted words of ordinary text. It is cleared
// when it grows past tldCacheSize, so odd input cannot make it grow forever.
var tldCache struct {
	m sync.Map
	n atomic.Int64
}

const tldCacheSize = 8192

// isTLD reports whether the ASCII label, in any case, is a top-level domain
// in the ICANN section of the Public Suffix List.
func isTLD(l string) bool {
	if l == "" || len(l) > 63 || isDigit(l[0]) {
		return false
	}
	if v, ok := tldCache.m.Load(l); ok {
		return v.(bool)
	}
	ll := strings.ToLower(l)
	// Asked about a name one label below it, so that a top-level domain
	// whose only rule is a wildcard (*.np, *.ck, *.bd) counts too: its
	// answer is then that name, not the label alone.
	probe := "x." + ll
	ps, icann := publicsuffix.PublicSuffix(probe)
	ok := icann && (ps == ll || ps == probe)
	if tldCache.n.Add(1) > tldCacheSize {
		tldCache.m.Clear()
		tldCache.n.Store(0)
	}
	tldCache.m.Store(strings.Clone(l), ok)
	return ok
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// maxLabelRunes is the most characters a label can have: 63 octets in its
// ASCII form, which no longer run of characters fits in.
const maxLabelRunes = 63

// label is one label of a name found in the text.
type label struct {
	start, end int
	cjk        bool
}

// scanName reads a dotted name starting at t[i], which starts a label. A
// label is a run of label characters of one class; a dot followed by a label
// character continues the name. It returns the end offset and the labels,
// appended to buf[:0].
func scanName(t string, i int, buf []label) (int, []label) {
	labels := buf[:0]
	for {
		cls, w := classAt(t, i)
		if cls == classNone {
			return i, labels
		}
		j := i + w
		for n := 1; j < len(t); n++ {
			c, w := classAt(t, j)
			if c != cls {
				break
			}
			if n == maxLabelRunes {
				// Too long for a label: the name ends before it.
				if len(labels) == 0 {
					return i, labels
				}
				return labels[len(labels)-1].end, labels
			}
			j += w
		}
		labels = append(labels, label{i, j, cls == classCJK})
		if j+1 < len(t) && t[j] == '.' {
			if c, _ := classAt(t, j+1); c != classNone {
				i = j + 1
				continue
			}
		}
		return j, labels
	}
}

// trimName cuts what clings to a name in text written without spaces.
// Trailing hyphens and underscores go, and trailing CJK labels that are not
// a top-level domain ("example.com.次は"). With head (a name whose start is
// not fixed by a scheme or an '@'), leading hyphens and underscores go too,
// and leading CJK labels are dropped when the ASCII labels after them
// already form a registrable domain ("しました.example.com" from
// "しました。example.com"). A name made only of CJK labels and a TLD
// ("例え.jp") is kept whole.
func trimName(t string, labels []label, head bool) []label {
	if len(labels) == 0 {
		return labels
	}
	if l := &labels[len(labels)-1]; l.end > l.start && (t[l.end-1] == '-' || t[l.end-1] == '_') {
		for l.end > l.start && (t[l.end-1] == '-' || t[l.end-1] == '_') {
			l.end--
		}
		if l.start == l.end {
			return labels[:0]
		}
	}
	if f := &labels[0]; head && (t[f.start] == '-' || t[f.start] == '_') {
		for f.start < f.end && (t[f.start] == '-' || t[f.start] == '_') {
			f.start++
		}
		if f.start == f.end {
			return labels[:0]
		}
	}
	for len(labels) > 1 {
		l := labels[len(labels)-1]
		if !l.cjk {
			break
		}
		if a, err := idnaProfile.ToASCII(t[l.start:l.end]); err == nil && isTLD(a) {
			break
		}
		labels = labels[:len(labels)-1]
	}
	if !head {
		return labels
	}
	lastCJK := -1
	for i, l := range labels {
		if l.cjk {
			lastCJK = i
		}
	}
	if lastCJK >= 0 && len(labels)-lastCJK-1 >= 2 {
		rest := labels[lastCJK+1:]
		if _, why := canonicalDomain(t[rest[0].start:rest[len(rest)-1].end]); why == "" {
			return rest
		}
	}
	return labels
}

// firstName returns how many of labels belong to the first name they
// hold. A dot written "。" may be a dot ("example。com", "例え。co。jp") or
// the end of a sentence ("example.com。Amazonを…", "192.0.2.1。3回"): it
// ends the name when the labels before it already make a valid IPv4 address
// or domain — unless the name was itself written with "。" and goes on
// being valid.
func (s *scanner) firstName(labels []label) int {
	if len(s.kutenDots) == 0 || len(labels) < 2 {
		return len(labels)
	}
	n, joined := 1, false
	for n < len(labels) {
		if !s.kuten(labels[n].start - 1) {
			n++
			continue
		}
		g := n + 1
		for g < len(labels) && !s.kuten(labels[g].start-1) {
			g++
		}
		if s.validName(labels[:n]) && (!joined || !s.validName(labels[:g])) {
			return n
		}
		joined = true
		n = g
	}
	return n
}

// validName reports whether labels make an IPv4 address or a domain.
func (s *scanner) validName(labels []label) bool {
	t := s.t
	if len(labels) < 2 {
		return false
	}
	if allNumeric(t, labels) {
		_, ok := canonicalIPv4(t[labels[0].start:labels[len(labels)-1].end])
		return ok
	}
	labels = trimName(t, labels, true)
	if len(labels) < 2 {
		return false
	}
	_, why := canonicalDomain(t[labels[0].start:labels[len(labels)-1].end])
	return why == ""
}

// scanDotted finds dotted names outside URLs, e-mail addresses and IPv6
// addresses, and reads each as an IPv4 address (all labels numeric) or a
// domain.
func scanDotted(s *scanner) {
	t := s.t
	var buf []label
	// The dots, and the starts of the names, ascend.
	dots, starts := s.cursor(claimURL, claimEmail, claimIPv6), s.cursor(claimURL, claimEmail, claimIPv6)
	for i := 0; i < len(t); {
		j := strings.IndexByte(t[i:], '.')
		if j < 0 {
			return
		}
		dot := i + j
		i = dot + 1
		if e := dots.end(dot); e >= 0 {
			i = max(e, i)
			continue
		}
		if c, _ := classAt(t, dot+1); c == classNone {
			// No label after the dot (the end of a sentence): the labels
			// before it make one label at most.
			continue
		}
		cls, _ := classBefore(t, dot)
		if cls == classNone {
			continue
		}
		start := dot
		for n := 0; ; n++ {
			c, w := classBefore(t, start)
			if c != cls {
				break
			}
			if n == maxLabelRunes {
				// Too long for a label (a Japanese sentence before "。"):
				// the name can only start after this dot.
				start = dot + 1
				break
			}
			start -= w
		}
		if start == dot+1 {
			if c, _ := classAt(t, start); c == classNone {
				continue
			}
		}
		end, labels := scanName(t, start, buf)
		buf = labels
		if end > i {
			i = end
		}
		if len(labels) < 2 || starts.claimed(start) {
			continue
		}
		for len(labels) >= 2 {
			n := s.firstName(labels)
			name := labels[:n]
			labels = labels[n:]
			if allNumeric(t, name) {
				if len(name) == 4 {
					s.dottedIPv4(name[0].start, name[3].end)
				}
				continue
			}
			if e := s.bareDomain(name); e > i {
				i = e // the profile path after "x.com/" holds no domain
			}
		}
	}
}

// allNumeric reports whether every label is ASCII digits only.
func allNumeric(t string, labels []label) bool {
	for _, l := range labels {
		for k := l.start; k < l.end; k++ {
			if !isDigit(t[k]) {
				return false
			}
		}
	}
	return true
}

// bareDomain adds the domain written as labels in free text, if it is one.
// When it is a social network's and an account's path follows
// ("x.com/handle"), it adds the account too and returns where the path
// ends; otherwise it returns 0.
func (s *scanner) bareDomain(labels []label) int {
	t := s.t
	labels = trimName(t, labels, true)
	if len(labels) < 2 {
		return 0
	}
	start, end := labels[0].start, labels[len(labels)-1].end
	if start > 0 && t[start-1] == '\\' || end < len(t) && t[end] == '@' {
		return 0 // a Windows path component, or the local part of an address
	}
	if start > 0 && t[start-1] == '@' && (start == 1 || !isLocalByte(t[start-2])) {
		return 0 // a handle such as "@user.name"
	}
	tld := t[labels[len(labels)-1].start:end]
	if len(labels) == 2 && isFileExtTLD(tld) && !s.defanged(start, end) {
		return 0
	}
	if titleCase(tld) {
		return 0 // "home.It was…": a sentence run into the next, not ".it"
	}
	d, why := s.domain(t[start:end])
	if why != "" {
		return 0
	}
	s.add(start, Domain, d)
	if end+1 < len(t) && t[end] == '/' && isSocialHost(d) {
		// "x.com/handle" written without a scheme names an account too.
		r := end + 1
		for r < len(t) && isURLByte(t[r]) && !(t[r] == '.' && s.kuten(r)) {
			r++
		}
		r = trimURLTail(t, end, r)
		if s.socialURL(start, d, t[end+1:r]) {
			return r
		}
	}
	return 0
}

// titleCase reports whether the ASCII word starts with an upper-case letter
// and goes on in lower case.
func titleCase(w string) bool {
	if len(w) < 2 || w[0] < 'A' || w[0] > 'Z' {
		return false
	}
	for i := 1; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// domainMemo is what canonicalDomain said of a name.
type domainMemo struct{ name, canon, why string }

// domain is canonicalDomain, remembered for the text being scanned: in
// feeds and dumps the same hosts come back line after line, and the public
// suffix lookup is the dearest part. The memory is a direct-mapped table,
// emptied of what it holds for each text (see forgetDomains): its names are
// views of the text. With a nil scanner it is canonicalDomain.
func (s *scanner) domain(name string) (string, string) {
	if s == nil || name == "" {
		return canonicalDomain(name)
	}
	if s.domains == nil {
		s.domains = make([]domainMemo, domainMemoSize)
	}
	k := maphash.String(domainSeed, name) & (domainMemoSize - 1)
	e := &s.domains[k]
	if e.name == name {
		return e.canon, e.why
	}
	d, why := canonicalDomain(name)
	if e.name == "" {
		s.domainsUsed = append(s.domainsUsed, uint16(k))
	}
	*e = domainMemo{name, d, why}
	return d, why
}

// forgetDomains empties the entries of the domain memory that hold
// something.
func (s *scanner) forgetDomains() {
	for _, k := range s.domainsUsed {
		s.domains[k] = domainMemo{}
	}
	s.domainsUsed = s.domainsUsed[:0]
}

// domainMemoSize is the number of entries of a scanner's domain memory.
const domainMemoSize = 1 << 12

// domainSeed seeds the hashes of the domain memory.
var domainSeed = maphash.MakeSeed()
