// Package rdap finds who to ask to take something down: the abuse contact
// of a domain, an IP address or an autonomous system.
//
// It asks RDAP (RFC 9083) first, choosing the server from the IANA
// bootstrap registries (RFC 9224; fetched from IANA at the first look-up
// and at most daily after, or loaded from files by an operator without
// internet access — koban ships no copy), and falls back to WHOIS (RFC 3912,
// port 43) where RDAP has nothing: `.jp` domains (JPRS, whois.jprs.jp) and
// Japanese address blocks, whose APNIC record only says "look up JPNIC
// Whois" (whois.nic.ad.jp).
//
// The package makes no connection of its own choosing: HTTP goes through
// the Doer the caller passes (koban's egress client, so that every look-up
// keeps its protections) and WHOIS through the caller's dialer. Each server
// is asked at most as often as its token bucket allows, a 429 or 503 with
// Retry-After holds the server back for as long as it asks (within a bound),
// and answers are kept for 24 hours.
//
// Where the abuse contact sits in an RDAP answer varies with the registry:
//
//   - an entity with the role "abuse", at any depth (ARIN nests it in the
//     registrant, gTLD registries in the registrar);
//   - failing that, a remark or notice that names an abuse address in prose
//     (AFRINIC: "please send abuse reports to …");
//   - for a domain, the registrar's own contact (the registrar answers for
//     its customers' domains);
//   - for a JPNIC block, a referral to JPNIC's WHOIS.
//
// AbuseContact applies these in that order; the Contact says which one
// found it (Basis) and along which entities (Path).
package rdap
