package version

import (
	"strings"
)

type debian struct {
	epoch            num
	upstream, revise string
}

// parseDebian reads [epoch:]upstream[-revision] (Debian Policy §5.6.12):
// the epoch a number, the upstream starting with a digit, the revision
// after the last hyphen.
func parseDebian(v string) (debian, string) {
	var d debian
	if i := strings.IndexByte(v, ':'); i >= 0 {
		if !isDigits(v[:i]) {
			return d, "epoch is not a number"
		}
		d.epoch = mkNum(v[:i])
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		d.revise = v[i+1:]
		v = v[:i]
		if d.revise == "" {
			return d, "empty revision"
		}
		for i := 0; i < len(d.revise); i++ {
			c := d.revise[i]
			if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune("+.~", rune(c)) {
				return d, "bad character in revision"
			}
		}
	}
	if v == "" || !isDigit(v[0]) {
		return d, "upstream version must start with a digit"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune("+.~-:", rune(c)) {
			return d, "bad character in upstream version"
		}
	}
	d.upstream = v
	return d, ""
}

func cmpDebian(a, b debian) int {
	if c := cmpNum(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := verrevcmp(a.upstream, b.upstream); c != 0 {
		return c
	}
	return verrevcmp(a.revise, b.revise)
}

// debOrder weighs a character as dpkg does: ~ before the end of the
// string, letters before other characters.
func debOrder(c byte) int {
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	case c != 0:
		return int(c) + 256
	}
	return 0
}

func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		// Non-digit prefixes, character by character.
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			var ca, cb byte
			if i < len(a) && !isDigit(a[i]) {
				ca = a[i]
			}
			if j < len(b) && !isDigit(b[j]) {
				cb = b[j]
			}
			if oa, ob := debOrder(ca), debOrder(cb); oa != ob {
				return cmpLen(oa, ob)
			}
			if ca != 0 {
				i++
			}
			if cb != 0 {
				j++
			}
			if ca == 0 && cb == 0 {
				break
			}
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := cmpNum(mkNum(a[si:i]), mkNum(b[sj:j])); c != 0 {
			return c
		}
	}
	return 0
}

type rpm struct {
	epoch            num
	version, release string
}

// parseRPM reads [epoch:]version[-release]; the release is after the last
// hyphen.
func parseRPM(v string) (rpm, string) {
	var r rpm
	if i := strings.IndexByte(v, ':'); i >= 0 {
		if !isDigits(v[:i]) {
			return r, "epoch is not a number"
		}
		r.epoch = mkNum(v[:i])
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		r.release = v[i+1:]
		v = v[:i]
		if r.release == "" {
			return r, "empty release"
		}
	}
	if v == "" {
		return r, "empty version"
	}
	hasAlnum := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f {
			return r, "bad character"
		}
		if isDigit(c) || isAlpha(c) {
			hasAlnum = true
		}
	}
	if !hasAlnum {
		return r, "no letters or digits"
	}
	r.version = v
	return r, ""
}

func cmpRPM(a, b rpm) int {
	if c := cmpNum(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := rpmvercmp(a.version, b.version); c != 0 {
		return c
	}
	if a.release == "" || b.release == "" {
		return 0 // a version without release matches any release of it
	}
	return rpmvercmp(a.release, b.release)
}

// rpmvercmp follows rpm's rules: segments of digits or letters, other
// characters separate; ~ sorts before anything, ^ after the end but
// before anything else; digits beat letters; a longer remainder wins.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	sep := func(c byte) bool { return !isDigit(c) && !isAlpha(c) && c != '~' && c != '^' }
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && sep(a[i]) {
			i++
		}
		for j < len(b) && sep(b[j]) {
			j++
		}
		at := func(s string, k int) byte {
			if k < len(s) {
				return s[k]
			}
			return 0
		}
		ca, cb := at(a, i), at(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == '^' || cb == '^' {
			switch {
			case ca == 0:
				return -1
			case cb == 0:
				return 1
			case ca != '^':
				return 1
			case cb != '^':
				return -1
			}
			i++
			j++
			continue
		}
		if ca == 0 || cb == 0 {
			break
		}
		si, sj := i, j
		numeric := isDigit(ca)
		class := isAlpha
		if numeric {
			class = isDigit
		}
		for i < len(a) && class(a[i]) {
			i++
		}
		for j < len(b) && class(b[j]) {
			j++
		}
		sa, sb := a[si:i], b[sj:j]
		if sb == "" {
			if numeric {
				return 1
			}
			return -1
		}
		var c int
		if numeric {
			c = cmpNum(mkNum(sa), mkNum(sb))
		} else {
			c = strings.Compare(sa, sb)
		}
		if c != 0 {
			return c
		}
	}
	ra, rb := i < len(a), j < len(b)
	switch {
	case !ra && !rb:
		return 0
	case ra:
		return 1
	}
	return -1
}
