package csaf

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var (
	purlType         = regexp.MustCompile(`^[A-Za-z.+-][A-Za-z0-9.+-]*$`)
	purlQualifierKey = regexp.MustCompile(`^[A-Za-z.\-_][A-Za-z0-9.\-_]*$`)
)

// checkPURL checks a package URL against the purl specification:
// pkg:type/namespace/name@version?qualifiers#subpath, with a type, a name,
// valid percent-encoding and well-formed, unique qualifiers.
func checkPURL(s string) error {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return fmt.Errorf("purl %q does not start with pkg:", s)
	}
	rest = strings.TrimLeft(rest, "/")
	rest, subpath, _ := strings.Cut(rest, "#")
	rest, qualifiers, hasQualifiers := strings.Cut(rest, "?")
	typ, path, ok := strings.Cut(rest, "/")
	if !ok {
		return fmt.Errorf("purl %q has no name", s)
	}
	if !purlType.MatchString(typ) {
		return fmt.Errorf("purl %q has the invalid type %q", s, typ)
	}
	path = strings.TrimRight(path, "/")
	if i := strings.LastIndexByte(path, '@'); i >= 0 {
		if err := unescape(path[i+1:]); err != nil {
			return fmt.Errorf("purl %q: version: %w", s, err)
		}
		path = path[:i]
	}
	segments := strings.Split(path, "/")
	name := segments[len(segments)-1]
	if name == "" {
		return fmt.Errorf("purl %q has no name", s)
	}
	for _, seg := range segments {
		if err := unescape(seg); err != nil {
			return fmt.Errorf("purl %q: %w", s, err)
		}
	}
	if hasQualifiers {
		keys := map[string]bool{}
		for _, q := range strings.Split(qualifiers, "&") {
			k, v, ok := strings.Cut(q, "=")
			if !ok || v == "" {
				return fmt.Errorf("purl %q: qualifier %q has no value", s, q)
			}
			k = strings.ToLower(k)
			if !purlQualifierKey.MatchString(k) {
				return fmt.Errorf("purl %q: invalid qualifier key %q", s, k)
			}
			if keys[k] {
				return fmt.Errorf("purl %q: qualifier %q given twice", s, k)
			}
			keys[k] = true
			if err := unescape(v); err != nil {
				return fmt.Errorf("purl %q: qualifier %s: %w", s, k, err)
			}
		}
	}
	for _, seg := range strings.Split(subpath, "/") {
		if err := unescape(seg); err != nil {
			return fmt.Errorf("purl %q: subpath: %w", s, err)
		}
	}
	return nil
}

var errEscape = errors.New("invalid percent-encoding")

func unescape(s string) error {
	if _, err := url.PathUnescape(s); err != nil {
		return errEscape
	}
	return nil
}
