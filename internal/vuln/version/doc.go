// Package version orders product versions by scheme: numeric dotted,
// semver, OpenSSL letter releases, Debian (dpkg), RPM (rpmvercmp), Cisco
// IOS trains, Java update forms and dates. Compare never guesses: a version
// the scheme cannot read gives ErrUnparseable, so a caller can answer
// "unknown" instead of matching by accident.
//
// Guess picks a scheme for a product (see its comment for the rule).
package version
