package version

import (
	"strings"
)

// byProduct names the products whose versions need their own scheme,
// keyed "vendor:product", or "vendor:" for every product of a vendor.
var byProduct = map[string]Scheme{
	"openssl:openssl":  OpenSSL,
	"cisco:ios":        Cisco,
	"oracle:jdk":       Java,
	"oracle:jre":       Java,
	"oracle:openjdk":   Java,
	"sun:jdk":          Java,
	"sun:jre":          Java,
	"debian:":          Debian,
	"ubuntu:":          Debian,
	"canonical:ubuntu": Debian,
	"redhat:":          RPM,
	"fedoraproject:":   RPM,
	"centos:":          RPM,
	"suse:":            RPM,
	"opensuse:":        RPM,
	"rockylinux:":      RPM,
	"almalinux:":       RPM,
	"oracle:linux":     RPM,
	"amazon:linux":     RPM,
	"canonical:":       Debian,
}

// Guess picks the scheme for versions of vendor:product (CPE attribute
// values, case folded). The rule, first hit wins:
//
//  1. a product known to need its own scheme (OpenSSL, Cisco IOS, Oracle
//     and Sun Java, Debian/Ubuntu packages, Red Hat family packages);
//  2. by the shape of all the versions given: every one a date → Date;
//     every one dotted numbers → Numeric; any with an epoch ("1:2.2-1"), a
//     tilde or a revision starting with a digit ("2.4.51-1ubuntu4") →
//     Debian; every one semver ("5.0.0-rc1") → Semver;
//  3. otherwise Numeric, so that a version of no known shape is reported
//     unparseable by Compare instead of being ordered by a guess.
func Guess(vendor, product string, versions ...string) Scheme {
	vendor, product = strings.ToLower(vendor), strings.ToLower(product)
	if s, ok := byProduct[vendor+":"+product]; ok {
		return s
	}
	if s, ok := byProduct[vendor+":"]; ok {
		return s
	}
	if len(versions) == 0 {
		return Numeric
	}
	all := func(s Scheme) bool {
		for _, v := range versions {
			if !Valid(s, v) {
				return false
			}
		}
		return true
	}
	switch {
	case all(Date):
		return Date
	case all(Numeric):
		return Numeric
	}
	for _, v := range versions {
		if i := strings.IndexByte(v, ':'); i > 0 && isDigits(v[:i]) || strings.Contains(v, "~") || packageRevision(v) {
			if Valid(Debian, v) {
				return Debian
			}
		}
	}
	if all(Semver) {
		return Semver
	}
	return Numeric
}

// packageRevision reports a suffix that starts with a digit after the last
// hyphen ("2.4.51-1ubuntu4", "1.1.1k-3.el8"): a distribution's revision,
// not a semver pre-release, which in practice starts with a letter
// ("5.0.0-rc1").
func packageRevision(v string) bool {
	i := strings.LastIndexByte(v, '-')
	return i > 0 && i+1 < len(v) && isDigit(v[i+1]) && isDigit(v[0])
}
