package observe

import (
	"strconv"
	"strings"
)

// schemes maps each scheme koban reads, lower-cased, to its canonical
// spelling. The defanged spellings (hxxp, fxp) and the Japanese
// "h抜き" spellings that drop the h so that a forum does not make a link
// (ttp, ttps) map to the real scheme.
var schemes = map[string]string{
	"http": "http", "https": "https",
	"hxxp": "http", "hxxps": "https",
	"ttp": "http", "ttps": "https",
	"ftp": "ftp", "ftps": "ftps", "fxp": "ftp", "fxps": "ftps", "sftp": "sftp",
	"ws": "ws", "wss": "wss",
	"tcp": "tcp", "udp": "udp",
}

// defaultPorts are removed from canonical URLs.
var defaultPorts = map[string]string{
	"http": "80", "https": "443", "ftp": "21", "ftps": "990", "sftp": "22", "ws": "80", "wss": "443",
}

// urlBytes marks the bytes that may appear in a URL: the RFC 3986
// unreserved and reserved characters, '%', and the braces (seen in real
// URLs, and trimmed at the end unless balanced). Anything else (space,
// non-ASCII, double quote, <>, backquote, backslash, |, ^) ends a URL.
var urlBytes = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isASCIIAlnum(byte(c))
	}
	for _, c := range []byte("-._~:/?#[]@!$&'()*+,;=%{}") {
		t[c] = true
	}
	return t
}()

// isURLByte reports whether c may appear in a URL.
func isURLByte(c byte) bool { return urlBytes[c] }

// urlMatch is a URL read from text: its canonical form, where it ends and
// the host it names.
type urlMatch struct {
	canon    string
	end      int
	hostPos  int
	hostType Type
	host     string
	rest     string // path and query, as written
}

// parseURL reads the URL whose scheme is t[start:sep] and whose "://" is at
// sep. Called with the scanner of free text, it trims the Japanese words
// after the host and the punctuation after the URL; with nil, the caller
// checks that the whole value was read.
func parseURL(t string, start, sep int, s *scanner) (urlMatch, bool) {
	text := s != nil
	var m urlMatch
	scheme, ok := schemes[strings.ToLower(t[start:sep])]
	if !ok {
		return m, false
	}
	p := sep + 3
	// Userinfo: up to the last '@' of the authority.
	a := p
	for a < len(t) && isURLByte(t[a]) && t[a] != '/' && t[a] != '?' && t[a] != '#' {
		a++
	}
	userinfo := ""
	if at := strings.LastIndexByte(t[p:a], '@'); at >= 0 {
		userinfo = t[p : p+at]
		p += at + 1
	}
	if p >= len(t) {
		return m, false
	}
	// Host.
	q, noPort := 0, false
	switch {
	case t[p] == '[' && strings.IndexByte(t[p:], ']') >= 0: // an IPv6 literal
		c := strings.IndexByte(t[p:], ']')
		ip, ok := canonicalIPv6(t[p+1 : p+c])
		if !ok {
			return m, false
		}
		m.hostType, m.host, m.hostPos = IPv6, ip, p+1
		q = p + c + 1
	case t[p] == '[' || mendable(t, p):
		name, end := mendHost(t, p)
		if name == "" {
			return m, false
		}
		d, why := s.domain(name)
		if why != "" {
			return m, false
		}
		m.hostType, m.host, m.hostPos = Domain, d, p
		q = end
	default:
		k := p
		for k < len(t) && isIPv6Byte(t[k]) {
			k++
		}
		if strings.Count(t[p:k], ":") >= 2 && (k == len(t) || !isURLByte(t[k]) || strings.IndexByte("/?#", t[k]) >= 0) {
			// An IPv6 address written without brackets: no port can follow.
			if ip, ok := canonicalIPv6(t[p:k]); ok {
				m.hostType, m.host, m.hostPos = IPv6, ip, p
				q, noPort = k, true
				break
			}
		}
		var buf []label
		if text {
			buf = s.names // reused from one name to the next
		}
		end, labels := scanName(t, p, buf)
		if text {
			s.names = labels[:0]
			labels = trimName(t, labels[:s.firstName(labels)], false)
		}
		if len(labels) == 0 {
			return m, false
		}
		end = labels[len(labels)-1].end
		name := t[p:end]
		if allNumeric(t, labels) {
			ip, ok := canonicalIPv4(name)
			if !ok {
				return m, false
			}
			m.hostType, m.host = IPv4, ip
		} else {
			d, why := s.domain(name)
			if why != "" {
				return m, false
			}
			m.hostType, m.host = Domain, d
		}
		m.hostPos = p
		q = end
	}
	hostText := m.host
	if m.hostType == IPv6 {
		hostText = "[" + m.host + "]"
	}
	// Port.
	port := ""
	if !noPort && q < len(t) && t[q] == ':' {
		r := q + 1
		for r < len(t) && isDigit(t[r]) {
			r++
		}
		switch {
		case r > q+1:
			n, err := strconv.Atoi(t[q+1 : r])
			if err != nil || n > 65535 || r-q-1 > 5 {
				return m, false
			}
			port = strconv.Itoa(n)
			if defaultPorts[scheme] == port {
				port = ""
			}
			q = r
		case r == len(t) || strings.IndexByte("/?#", t[r]) >= 0:
			q = r // an empty port is the default one
		}
	}
	// Path, query and fragment.
	r := q
	if q < len(t) && strings.IndexByte("/?#", t[q]) >= 0 {
		for r < len(t) && isURLByte(t[r]) && !(text && t[r] == '.' && s.kuten(r)) {
			r++
		}
		if text {
			r = trimURLTail(t, q, r)
		}
	}
	rest := t[q:r]
	if h := strings.IndexByte(rest, '#'); h >= 0 {
		rest = rest[:h]
	}
	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(userinfo) + 1 + len(hostText) + 6 + len(rest))
	b.WriteString(scheme)
	b.WriteString("://")
	if userinfo != "" {
		b.WriteString(userinfo)
		b.WriteByte('@')
	}
	b.WriteString(hostText)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(rest)
	m.canon = b.String()
	m.rest = rest
	m.end = r
	return m, true
}

// hostRegion returns where the host written at t[p:] ends: at the first
// byte that cannot be in a URL or that starts a port, path, query or
// fragment.
func hostRegion(t string, p int) int {
	e := p
	for e < len(t) && isURLByte(t[e]) && !hostEnds[t[e]] {
		e++
	}
	return e
}

// mendable reports whether the host after a scheme at t[p:] is written
// with a defanging mark left half-done, so that no dotted name can be read
// from it as it is: a bracket that is never closed around a dot
// ("example[.com", "example.]com") or a comma for the only dot
// ("example,com"). Brackets that close ("example[.]com") were undone
// before, when the text was prepared.
func mendable(t string, p int) bool {
	region := t[p:hostRegion(t, p)]
	if strings.ContainsAny(region, "[]()") {
		return strings.Count(region, "[") != strings.Count(region, "]") || strings.Count(region, "(") != strings.Count(region, ")")
	}
	return strings.IndexByte(region, ',') > 0 && strings.IndexByte(region, '.') < 0
}

// mendHost reads the host at t[p:] that mendable (or an opening bracket
// with no IPv6 address to close) found half-defanged: a bracket before the
// name is dropped, a lone bracket beside a dot goes, and a comma standing
// for the only dot becomes one. It returns the name and where it ends in
// t, or "" when what is left is not a dotted name. Only a URL's host is
// mended: the scheme before it says that a host follows, where in running
// text "example,com" is more likely two words.
func mendHost(t string, p int) (string, int) {
	end := hostRegion(t, p)
	for end > p && strings.IndexByte(".,;!?'", t[end-1]) >= 0 { // sentence punctuation after the URL
		end--
	}
	region := t[p:end]
	var b strings.Builder
	for i := 0; i < len(region); i++ {
		switch c := region[i]; c {
		case '[', ']', '(', ')':
			// Gone: beside a dot it was the defanging mark; before the
			// name, the start of an IPv6 literal that never came.
		case ',':
			b.WriteByte('.')
		default:
			b.WriteByte(c)
		}
	}
	name := b.String()
	if strings.Contains(name, "..") || !strings.Contains(name, ".") || strings.Count(region, ",") > 1 {
		return "", 0
	}
	return name, end
}

// trimURLTail drops trailing punctuation from t[q:r]: . , ; : ! ? and
// quotes always, and a closing bracket when the URL has fewer of its opening
// kind (so "https://ja.wikipedia.org/wiki/Foo_(bar)" keeps its parenthesis).
func trimURLTail(t string, q, r int) int {
	var opens, closes [3]int
	for k := q; k < r; k++ {
		if i := bracketAt[t[k]]; i >= 0 {
			if i%2 == 0 {
				opens[i/2]++
			} else {
				closes[i/2]++
			}
		}
	}
	for r > q {
		c := t[r-1]
		if urlTrailing[c] {
			r--
			continue
		}
		if i := bracketAt[c]; i >= 0 && i%2 == 1 && closes[i/2] > opens[i/2] {
			closes[i/2]--
			r--
			continue
		}
		break
	}
	return r
}

// Byte tables of the loops that walk every byte of a URL: whether a byte
// ends a host (one of ":/?#@"), is punctuation trimmed after a URL (one of
// urlTrailingBytes), and the index of a bracket in bracketPairs (or -1).
// TestURLByteTables holds them to the strings they are made from.
const (
	hostEndBytes     = ":/?#@"
	urlTrailingBytes = ".,;:!?'\""
	bracketPairs     = "()[]{}"
)

var (
	hostEnds    = byteSet(hostEndBytes)
	urlTrailing = byteSet(urlTrailingBytes)
	bracketAt   = func() (t [256]int8) {
		for c := range t {
			t[c] = int8(strings.IndexByte(bracketPairs, byte(c)))
		}
		return t
	}()
)

// byteSet returns a table of the bytes of s.
func byteSet(s string) (t [256]bool) {
	for i := 0; i < len(s); i++ {
		t[s[i]] = true
	}
	return t
}

// normalizeURL is the URL normaliser: a known scheme, then a host that is
// an IPv4, IPv6 or domain observable, with the scheme and host lower-cased,
// the default port and the fragment removed, and the rest kept as written.
func normalizeURL(v string) (string, error) {
	sep := strings.Index(v, "://")
	if sep <= 0 {
		return "", invalid(URL, `want scheme "://" host`)
	}
	if _, ok := schemes[strings.ToLower(v[:sep])]; !ok {
		return "", invalid(URL, "unknown scheme "+strconv.Quote(v[:sep]))
	}
	m, ok := parseURL(v, 0, sep, nil)
	if !ok {
		return "", invalid(URL, "no valid host")
	}
	if m.end != len(v) {
		return "", invalid(URL, "character not allowed in a URL at offset "+strconv.Itoa(m.end))
	}
	return m.canon, nil
}

// scanURLs finds URLs: a known scheme written as a whole word before "://".
func scanURLs(s *scanner) {
	t := s.t
	for i := 0; i < len(t); {
		j := strings.Index(t[i:], "://")
		if j < 0 {
			return
		}
		sep := i + j
		i = sep + 3
		start := sep
		for start > 0 && start > sep-6 && ('a' <= t[start-1]|0x20 && t[start-1]|0x20 <= 'z') {
			start--
		}
		if start == sep || start > 0 && isASCIIAlnum(t[start-1]) {
			continue
		}
		m, ok := parseURL(t, start, sep, s)
		if !ok {
			continue
		}
		s.add(start, URL, m.canon)
		s.add(m.hostPos, m.hostType, m.host)
		if m.hostType == Domain && len(m.rest) > 1 && m.rest[0] == '/' && userinfoFree(t, sep, m.hostPos) && isSocialHost(m.host) {
			s.socialURL(start, m.host, m.rest[1:])
		}
		s.claim(claimURL, start, m.end)
		if m.end > i {
			i = m.end
		}
	}
}

// userinfoFree reports whether nothing stands between "://" at sep and the
// host at hostPos: a profile link with userinfo is not read as one.
func userinfoFree(t string, sep, hostPos int) bool { return hostPos == sep+3 }
