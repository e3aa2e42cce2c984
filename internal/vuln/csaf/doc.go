// Package csaf writes and checks CSAF 2.0 documents (OASIS Common Security
// Advisory Framework): the form in which the police CSIRT exports its
// advisories about vulnerabilities in police IT. It is pure: bytes and
// values in, documents and problems out; no database, no network.
//
// Document mirrors the JSON schema property by property, so Read followed
// by encoding/json loses nothing; dates stay strings for that reason.
// Build turns koban's Advisory into a document of category
// csaf_security_advisory: products from the asset inventory go under
// vendor → product name → version branches (or among full product names
// when the vendor or version is unknown), each vulnerability gets a
// description note, its product status, a CVSS rating written out in
// FIRST's JSON with every score computed by internal/vuln/cvss, a KEV
// listing as an exploit_status threat with the catalog's due date, an EPSS
// score as a note, and its remediation. Build checks its own output with
// Check and refuses, wrapping ErrInvalid, rather than return a document
// that fails a test.
//
// # TLP
//
// CSAF 2.0 knows only TLP 1.0's labels WHITE, GREEN, AMBER and RED; koban
// marks records with TLP 2.0. Build maps
//
//	clear         WHITE  (the same meaning under TLP 1.0's name)
//	green         GREEN
//	amber         AMBER
//	amber+strict  AMBER, and the distribution text says AMBER+STRICT:
//	              share only inside the recipient's own organisation
//	red           RED
//
// and the distribution text names the TLP 2.0 level for every level, in
// the advisory's language (ja or en), so nothing of the marking is lost
// to a reader, only to a machine that reads the label alone.
//
// # Mandatory tests
//
// Validate (on bytes) and Check (on a Document) run these tests of the
// specification's section 6.1; a Problem carries the test's number, a JSON
// Pointer to the value at fault and a message:
//
//	6.1.1   missing definition of product ID
//	6.1.2   multiple definition of product ID
//	6.1.3   circular definition of product ID (through relationships)
//	6.1.4   missing definition of product group ID
//	6.1.5   multiple definition of product group ID
//	6.1.6   contradicting product status
//	6.1.7   multiple scores with the same CVSS version per product
//	6.1.8   invalid CVSS: FIRST's schema's constraints checked in code
//	        (version, a vector internal/vuln/cvss accepts and of that
//	        version, scores from 0 to 10, severities and metric values
//	        from the schema's enumerations); stricter than the schema in
//	        one way: a vector missing a base metric or repeating one fails
//	6.1.9   invalid CVSS computation: base, temporal and environmental
//	        scores and severities given equal what the vector computes to
//	6.1.10  inconsistent CVSS: the metric properties given equal the
//	        vector's values (NOT_DEFINED for a metric it leaves out)
//	6.1.11  CWE: the ID's form CWE-<n> and a name; the name is not
//	        compared with the CWE catalogue, which koban does not hold
//	6.1.12  language: lang and source_lang well-formed and registered, as
//	        golang.org/x/text/language knows the BCP 47 registry
//	6.1.13  PURL: valid by the purl specification
//	6.1.14  sorted revision history
//	6.1.15  translator (source_lang given)
//	6.1.16  latest document version
//	6.1.17  document status draft
//	6.1.18  released revision history
//	6.1.19  revision history entries for pre-release versions
//	6.1.20  non-draft document version
//	6.1.21  missing item in revision history
//	6.1.22  multiple definition in revision history
//	6.1.23  multiple use of the same CVE
//	6.1.24  multiple definition in involvements (party and date)
//	6.1.25  multiple use of the same hash algorithm for a file
//	6.1.26  prohibited document category name (a profile's name in other
//	        spelling, or the reserved prefix csaf_)
//	6.1.27.1–6.1.27.11  the profile tests of each document category;
//	        for csaf_security_advisory these are 6.1.27.4 (product tree),
//	        6.1.27.5 (vulnerability notes), 6.1.27.6 (product status) and
//	        6.1.27.11 (vulnerabilities). Document notes and references
//	        (6.1.27.1, 6.1.27.2) are required by the specification only of
//	        informational advisories and incident responses; Build writes a
//	        summary note always, and a self reference when given a URL.
//	6.1.28  translation (lang and source_lang differ)
//	6.1.29  remediation without product reference
//	6.1.30  mixed integer and semantic versioning
//	6.1.31  version range in product version ("<", ">", or the words
//	        after, all, before, earlier, later, prior, versions)
//	6.1.32  flag without product reference
//	6.1.33  multiple flags with VEX justification codes per product
//
// Not implemented: the name half of 6.1.11 (the name must be the CWE
// catalogue's name of the ID), since koban holds no CWE catalogue. The JSON
// schema itself is not run by Validate; the tests check Build's output and
// the examples with the shared schema files. Some tests overlap by design:
// a released document with a pre-release version fails 6.1.16, 6.1.17 and
// 6.1.20 together.
//
// Input that is not JSON, or whose values have the wrong JSON types for the
// schema, gives one Problem of Test "json".
package csaf
