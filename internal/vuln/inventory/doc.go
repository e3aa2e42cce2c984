// Package inventory reads an uploaded inventory of police IT assets —
// systems and software — into plain Asset records for matching against NVD
// CVE configurations (internal/vuln/match). It is pure: bytes in, records
// out, no database, no network, no clock.
//
// Four forms are read: a CSV with a header row (English or Japanese column
// names, UTF-8 or Shift_JIS), CycloneDX 1.2–1.6 in JSON or XML, SPDX 2.2 and
// 2.3 in JSON or tag-value; Read picks one by content. A record that cannot
// be matched (no name, neither a CPE nor a purl, or an identifier that does
// not parse) is left out and reported as a Problem naming where it was, so
// one bad line never loses the rest of the file. Every input is bounded by
// MaxBytes and MaxAssets, and refused with ErrTooLarge beyond them.
//
// CPEs are kept as CPE 2.3 formatted strings (cpe.Parse(…).FS()), purls in
// their canonical form (github.com/package-url/packageurl-go). CPECandidate
// guesses a vendor and product from a purl for assets that have no CPE.
package inventory
