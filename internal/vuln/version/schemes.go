package version

import (
	"strings"
)

type semver struct {
	core []num
	pre  []string // nil: a release
}

func parseSemver(v string) (semver, string) {
	var s semver
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexByte(v, '+'); i >= 0 {
		if !semverIdents(v[i+1:]) {
			return s, "bad build metadata"
		}
		v = v[:i]
	}
	if i := strings.IndexByte(v, '-'); i >= 0 {
		pre := v[i+1:]
		if !semverIdents(pre) {
			return s, "bad pre-release"
		}
		s.pre = strings.Split(pre, ".")
		v = v[:i]
	}
	core, why := parseDotted(v)
	if why != "" {
		return s, why
	}
	s.core = core
	return s, ""
}

func semverIdents(s string) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !isDigit(c) && !isAlpha(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func cmpSemver(a, b semver) int {
	if c := cmpInts(a.core, b.core); c != 0 {
		return c
	}
	switch {
	case a.pre == nil && b.pre == nil:
		return 0
	case a.pre == nil:
		return 1
	case b.pre == nil:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		x, y := a.pre[i], b.pre[i]
		xn, yn := isDigits(x), isDigits(y)
		var c int
		switch {
		case xn && yn:
			c = cmpNum(mkNum(x), mkNum(y))
		case xn:
			c = -1
		case yn:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpLen(len(a.pre), len(b.pre))
}

func cmpLen(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type openssl struct {
	core    []num
	letters string
}

func parseOpenSSL(v string) (openssl, string) {
	v = strings.ToLower(v)
	i := len(v)
	for i > 0 && v[i-1] >= 'a' && v[i-1] <= 'z' {
		i--
	}
	if len(v)-i > 2 {
		return openssl{}, "more than two letters"
	}
	core, why := parseDotted(v[:i])
	if why != "" {
		return openssl{}, why
	}
	return openssl{core: core, letters: v[i:]}, ""
}

// cmpOpenSSL orders letters by count then alphabet: "" < a … z < za … zz.
func cmpOpenSSL(a, b openssl) int {
	if c := cmpInts(a.core, b.core); c != 0 {
		return c
	}
	if c := cmpLen(len(a.letters), len(b.letters)); c != 0 {
		return c
	}
	return strings.Compare(a.letters, b.letters)
}

// parseDate reads YYYY-MM-DD, YYYY.MM.DD or YYYYMMDD.
func parseDate(v string) ([]num, string) {
	var y, m, d string
	switch {
	case len(v) == 8 && isDigits(v):
		y, m, d = v[:4], v[4:6], v[6:]
	case len(v) == 10 && (v[4] == '-' && v[7] == '-' || v[4] == '.' && v[7] == '.'):
		y, m, d = v[:4], v[5:7], v[8:]
	default:
		return nil, "not YYYY-MM-DD or YYYYMMDD"
	}
	if !isDigits(y) || !isDigits(m) || !isDigits(d) || m < "01" || m > "12" || d < "01" || d > "31" {
		return nil, "not a date"
	}
	return []num{mkNum(y), mkNum(m), mkNum(d)}, ""
}

// parseJava reads a JDK/JRE release into (feature, interim, update,
// fix): 1.8.0_301 and 8u301 both give 8.0.0.301; 11.0.12 gives 11.0.12.0.
func parseJava(v string) ([]num, string) {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, "+"); i >= 0 {
		v = v[:i]
	}
	if i := strings.Index(v, "-b"); i >= 0 && isDigits(v[i+2:]) {
		v = v[:i]
	}
	base, update := v, ""
	for _, sep := range []string{" update ", " update", ":update_", ":update", "_", "u"} {
		if i := strings.Index(v, sep); i >= 0 {
			base, update = v[:i], strings.TrimPrefix(v[i+len(sep):], "_")
			if !isDigits(update) {
				return nil, "update is not a number"
			}
			break
		}
	}
	parts, why := parseDotted(base)
	if why != "" {
		return nil, why
	}
	if len(parts) >= 2 && parts[0] == "1" {
		parts = parts[1:] // 1.8.0 is Java 8
	}
	if len(parts) > 3 {
		return nil, "too many parts"
	}
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return append(parts, mkNum(update)), ""
}
