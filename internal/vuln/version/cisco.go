package version

import (
	"fmt"
	"regexp"
	"strings"
)

// An IOS train release: 15.2(4)M3, 12.4(24)T4, 15.0(2)SE11, 12.2(33)SXJ1a
// — major.minor(maintenance[letter])TRAIN[rebuild[letter]].
var reCiscoTrain = regexp.MustCompile(`^(\d+)\.(\d+)\((\d+)([a-z]?)\)([a-z]*)(\d*)([a-z]?)$`)

type cisco struct {
	release  []num // major, minor, maintenance
	maintLet string
	train    string
	rebuild  num
	rebLet   string
}

func parseCisco(v string) (cisco, string) {
	v = strings.ToLower(v)
	m := reCiscoTrain.FindStringSubmatch(v)
	if m == nil {
		return cisco{}, "not major.minor(maint)TRAINrebuild"
	}
	return cisco{
		release:  []num{mkNum(m[1]), mkNum(m[2]), mkNum(m[3])},
		maintLet: m[4], train: m[5], rebuild: mkNum(m[6]), rebLet: m[7],
	}, ""
}

// compareCisco orders two releases of one train; releases of different
// trains (M and T, or a train and a plain IOS XE number) are not ordered:
// a fix in one says nothing about the other.
func compareCisco(a, b string) (int, error) {
	pa, ea := parseDotted(a)
	pb, eb := parseDotted(b)
	if ea == "" && eb == "" {
		return cmpInts(pa, pb), nil
	}
	ca, why := parseCisco(a)
	if why != "" {
		return 0, unparseable(Cisco, a, why)
	}
	cb, why := parseCisco(b)
	if why != "" {
		return 0, unparseable(Cisco, b, why)
	}
	if ca.train != cb.train {
		return 0, fmt.Errorf("%w: %q and %q are on different trains", ErrUnparseable, a, b)
	}
	if c := cmpInts(ca.release, cb.release); c != 0 {
		return c, nil
	}
	if c := strings.Compare(ca.maintLet, cb.maintLet); c != 0 {
		return c, nil
	}
	if c := cmpNum(ca.rebuild, cb.rebuild); c != 0 {
		return c, nil
	}
	return strings.Compare(ca.rebLet, cb.rebLet), nil
}
