package observe

import (
	"strings"
)

// isLocalByte reports whether c may appear in the local part of an address
// as koban reads it: ASCII letters, digits and . _ % + -.
func isLocalByte(c byte) bool {
	return isASCIIAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// checkLocal reports why local is not a local part, or "" if it is one.
func checkLocal(local string) string {
	switch {
	case local == "":
		return "empty local part"
	case len(local) > 64:
		return "local part longer than 64 characters"
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return "misplaced dot in local part"
	}
	for i := 0; i < len(local); i++ {
		if !isLocalByte(local[i]) {
			return "character not allowed in local part"
		}
	}
	return ""
}

// normalizeEmail is the Email normaliser: the local part kept as written,
// '@', and the domain in its canonical form.
func normalizeEmail(v string) (string, error) {
	at := strings.LastIndexByte(v, '@')
	if at < 0 {
		return "", invalid(Email, "no @")
	}
	if why := checkLocal(v[:at]); why != "" {
		return "", invalid(Email, why)
	}
	d, err := normalizeDomain(v[at+1:])
	if err != nil {
		return "", invalid(Email, err.Error())
	}
	return v[:at+1] + d, nil
}

// scanEmails finds e-mail addresses outside URLs. Each also yields its
// domain.
func scanEmails(s *scanner) {
	t := s.t
	for i := 0; i < len(t); {
		j := strings.IndexByte(t[i:], '@')
		if j < 0 {
			return
		}
		at := i + j
		i = at + 1
		start := at
		for start > 0 && isLocalByte(t[start-1]) && at-start < 64 && !s.kuten(start-1) {
			start--
		}
		if start > 0 && isLocalByte(t[start-1]) && !s.kuten(start-1) {
			continue // longer than any local part
		}
		for start < at && t[start] == '.' {
			start++
		}
		if checkLocal(t[start:at]) != "" {
			continue
		}
		if s.claimed(at, claimURL) {
			continue
		}
		end, labels := scanName(t, at+1, s.names)
		s.names = labels[:0] // reused from one name to the next
		labels = trimName(t, labels[:s.firstName(labels)], false)
		if len(labels) < 2 {
			continue
		}
		end = labels[len(labels)-1].end
		d, why := s.domain(t[at+1 : end])
		if why != "" {
			continue
		}
		s.add(start, Email, t[start:at+1]+d)
		s.add(at+1, Domain, d)
		s.claim(claimEmail, start, end)
		i = end
	}
}
