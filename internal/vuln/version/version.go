package version

import (
	"errors"
	"fmt"
	"strings"
)

// Scheme names an ordering of versions.
type Scheme string

// The schemes Compare knows.
const (
	// Numeric is dotted numbers, "1.10" > "1.9", "2.0" == "2.0.0".
	Numeric Scheme = "numeric"
	// Semver is semantic versioning: numeric core (missing parts are zero),
	// then a pre-release that sorts before the release; build metadata is ignored.
	Semver Scheme = "semver"
	// OpenSSL is a numeric core and up to two letters: 1.1.1 < 1.1.1a < 1.1.1z < 1.1.1za.
	OpenSSL Scheme = "openssl"
	// Debian is [epoch:]upstream[-revision] ordered as dpkg does (~ before anything).
	Debian Scheme = "debian"
	// RPM is [epoch:]version[-release] ordered by rpmvercmp (~ and ^ included).
	RPM Scheme = "rpm"
	// Cisco is an IOS train release major.minor(maint)TRAINrebuild, such as
	// 15.2(4)M3, or a plain dotted release (IOS XE 16.9.4).
	Cisco Scheme = "cisco"
	// Java is a JDK/JRE release in any of its spellings: 1.8.0_301, 8u301,
	// "1.8.0 update301", 11.0.12, with a -bNN or +NN build dropped.
	Java Scheme = "java"
	// Date is a date version, 2021-05-01 or 20210501 (also with dots).
	Date Scheme = "date"
)

// Schemes lists every scheme, for tests and fuzzing.
var Schemes = []Scheme{Numeric, Semver, OpenSSL, Debian, RPM, Cisco, Java, Date}

// ErrUnparseable is wrapped when a version does not fit its scheme, or
// when two versions fit it but cannot be ordered (two different Cisco
// trains): the answer is unknown.
var ErrUnparseable = errors.New("version: unparseable")

// ErrScheme is returned for a scheme Compare does not know.
var ErrScheme = errors.New("version: unknown scheme")

func unparseable(s Scheme, v, why string) error {
	return fmt.Errorf("%w: %q as %s: %s", ErrUnparseable, v, s, why)
}

// Compare orders a and b under scheme: -1, 0 or +1.
func Compare(scheme Scheme, a, b string) (int, error) {
	switch scheme {
	case Numeric:
		return compareParsed(scheme, a, b, parseNumeric, cmpInts)
	case Semver:
		return compareParsed(scheme, a, b, parseSemver, cmpSemver)
	case OpenSSL:
		return compareParsed(scheme, a, b, parseOpenSSL, cmpOpenSSL)
	case Debian:
		return compareParsed(scheme, a, b, parseDebian, cmpDebian)
	case RPM:
		return compareParsed(scheme, a, b, parseRPM, cmpRPM)
	case Cisco:
		return compareCisco(a, b)
	case Java:
		return compareParsed(scheme, a, b, parseJava, cmpInts)
	case Date:
		return compareParsed(scheme, a, b, parseDate, cmpInts)
	}
	return 0, fmt.Errorf("%w: %q", ErrScheme, string(scheme))
}

// Valid reports whether v reads under scheme.
func Valid(scheme Scheme, v string) bool {
	var why string
	switch scheme {
	case Numeric:
		_, why = parseNumeric(v)
	case Semver:
		_, why = parseSemver(v)
	case Date:
		_, why = parseDate(v)
	default:
		_, err := Compare(scheme, v, v)
		return err == nil
	}
	return why == ""
}

func compareParsed[T any](s Scheme, a, b string, parse func(string) (T, string), cmp func(T, T) int) (int, error) {
	pa, why := parse(a)
	if why != "" {
		return 0, unparseable(s, a, why)
	}
	pb, why := parse(b)
	if why != "" {
		return 0, unparseable(s, b, why)
	}
	return cmp(pa, pb), nil
}

// num is a run of digits without leading zeros, compared by length then
// bytes, so no version overflows an integer.
type num string

func mkNum(digits string) num {
	d := strings.TrimLeft(digits, "0")
	return num(d)
}

func cmpNum(a, b num) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(string(a), string(b))
}

// cmpInts compares digit lists, missing ones being zero.
func cmpInts(a, b []num) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y num
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := cmpNum(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parseDotted reads "1.2.3" into its numbers.
func parseDotted(v string) ([]num, string) {
	if v == "" {
		return nil, "empty"
	}
	out := make([]num, 0, strings.Count(v, ".")+1)
	for v != "" || len(out) == 0 {
		p, rest, more := strings.Cut(v, ".")
		if !isDigits(p) {
			return nil, "a part is not a number"
		}
		out = append(out, mkNum(p))
		if v = rest; more && v == "" {
			return nil, "a part is empty"
		}
	}
	return out, ""
}

func parseNumeric(v string) ([]num, string) { return parseDotted(v) }
