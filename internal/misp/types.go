package misp

import (
	"slices"
	"sort"
	"strings"
)

// categoryTypes is koban's table of MISP attribute categories and the
// attribute types each may hold. It follows the category–type list of the
// MISP core format draft (draft-dulaunoy-misp-core-format, "type"), with
// the types MISP has added since: edge-extension-id (Payload delivery,
// Payload installation) and suricata (Network activity, External
// analysis). TestTypeTableCoversDescribeTypes holds it against PyMISP's
// describeTypes.json: every type and every category→type pair there must
// be here.
var categoryTypes = map[string][]string{
	"Antivirus detection": {
		"link", "comment", "text", "hex", "attachment", "other", "anonymised",
	},
	"Artifacts dropped": {
		"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512/224", "sha512/256",
		"sha3-224", "sha3-256", "sha3-384", "sha3-512", "ssdeep", "imphash", "telfhash",
		"impfuzzy", "authentihash", "vhash", "cdhash", "filename", "filename|md5",
		"filename|sha1", "filename|sha224", "filename|sha256", "filename|sha384",
		"filename|sha512", "filename|sha512/224", "filename|sha512/256", "filename|sha3-224",
		"filename|sha3-256", "filename|sha3-384", "filename|sha3-512", "filename|authentihash",
		"filename|vhash", "filename|ssdeep", "filename|tlsh", "filename|imphash",
		"filename|impfuzzy", "filename|pehash", "regkey", "regkey|value", "pattern-in-file",
		"pattern-in-memory", "filename-pattern", "pdb", "stix2-pattern", "yara", "sigma",
		"attachment", "malware-sample", "named pipe", "mutex", "process-state",
		"windows-scheduled-task", "windows-service-name", "windows-service-displayname",
		"comment", "text", "hex", "x509-fingerprint-sha1", "x509-fingerprint-md5",
		"x509-fingerprint-sha256", "other", "cookie", "gene", "kusto-query", "mime-type",
		"anonymised", "pgp-public-key", "pgp-private-key",
	},
	"Attribution": {
		"threat-actor", "campaign-name", "campaign-id", "whois-registrant-phone",
		"whois-registrant-email", "whois-registrant-name", "whois-registrant-org",
		"whois-registrar", "whois-creation-date", "comment", "text", "x509-fingerprint-sha1",
		"x509-fingerprint-md5", "x509-fingerprint-sha256", "other", "dns-soa-email", "anonymised",
		"email",
	},
	"External analysis": {
		"md5", "sha1", "sha256", "sha3-224", "sha3-256", "sha3-384", "sha3-512", "filename",
		"filename|md5", "filename|sha1", "filename|sha256", "filename|sha3-224",
		"filename|sha3-256", "filename|sha3-384", "filename|sha3-512", "ip-src", "ip-dst",
		"ip-dst|port", "ip-src|port", "mac-address", "mac-eui-64", "hostname", "domain",
		"domain|ip", "url", "user-agent", "regkey", "regkey|value", "AS", "snort", "bro", "zeek",
		"pattern-in-file", "pattern-in-traffic", "pattern-in-memory", "filename-pattern",
		"vulnerability", "cpe", "weakness", "attachment", "malware-sample", "link", "comment",
		"text", "x509-fingerprint-sha1", "x509-fingerprint-md5", "x509-fingerprint-sha256",
		"ja3-fingerprint-md5", "jarm-fingerprint", "hassh-md5", "hasshserver-md5",
		"github-repository", "other", "cortex", "anonymised", "community-id", "dom-hash",
		"onion-address", "suricata",
	},
	"Financial fraud": {
		"btc", "dash", "xmr", "iban", "bic", "bank-account-nr", "aba-rtn", "bin", "cc-number",
		"prtn", "phone-number", "comment", "text", "other", "hex", "anonymised",
	},
	"Internal reference": {
		"text", "link", "comment", "other", "hex", "anonymised", "git-commit-id",
	},
	"Network activity": {
		"ip-src", "ip-dst", "ip-dst|port", "ip-src|port", "port", "hostname", "domain",
		"domain|ip", "mac-address", "mac-eui-64", "email", "email-dst", "email-src", "eppn",
		"url", "uri", "user-agent", "http-method", "AS", "snort", "pattern-in-file",
		"filename-pattern", "stix2-pattern", "pattern-in-traffic", "attachment", "comment",
		"text", "x509-fingerprint-md5", "x509-fingerprint-sha1", "x509-fingerprint-sha256",
		"ja3-fingerprint-md5", "jarm-fingerprint", "hassh-md5", "hasshserver-md5", "other", "hex",
		"cookie", "hostname|port", "bro", "zeek", "anonymised", "community-id", "email-subject",
		"favicon-mmh3", "dkim", "dkim-signature", "ssh-fingerprint", "dom-hash", "onion-address", "suricata",
	},
	"Other": {
		"comment", "text", "other", "size-in-bytes", "counter", "integer", "datetime", "cpe",
		"port", "float", "hex", "phone-number", "boolean", "anonymised", "pgp-public-key",
		"pgp-private-key", "uuid",
	},
	"Payload delivery": {
		"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512/224", "sha512/256",
		"sha3-224", "sha3-256", "sha3-384", "sha3-512", "ssdeep", "imphash", "telfhash",
		"impfuzzy", "authentihash", "vhash", "pehash", "tlsh", "cdhash", "filename",
		"filename|md5", "filename|sha1", "filename|sha224", "filename|sha256", "filename|sha384",
		"filename|sha512", "filename|sha512/224", "filename|sha512/256", "filename|sha3-224",
		"filename|sha3-256", "filename|sha3-384", "filename|sha3-512", "filename|authentihash",
		"filename|vhash", "filename|ssdeep", "filename|tlsh", "filename|imphash",
		"filename|impfuzzy", "filename|pehash", "mac-address", "mac-eui-64", "ip-src", "ip-dst",
		"ip-dst|port", "ip-src|port", "hostname", "domain", "email", "email-src", "email-dst",
		"email-subject", "email-attachment", "email-body", "url", "user-agent", "AS",
		"pattern-in-file", "pattern-in-traffic", "filename-pattern", "stix2-pattern", "yara",
		"sigma", "mime-type", "attachment", "malware-sample", "link", "malware-type", "comment",
		"text", "hex", "vulnerability", "cpe", "weakness", "x509-fingerprint-sha1",
		"x509-fingerprint-md5", "x509-fingerprint-sha256", "ja3-fingerprint-md5",
		"jarm-fingerprint", "hassh-md5", "hasshserver-md5", "other", "hostname|port",
		"email-dst-display-name", "email-src-display-name", "email-header", "email-reply-to",
		"email-x-mailer", "email-mime-boundary", "email-thread-index", "email-message-id",
		"azure-application-id", "mobile-application-id", "chrome-extension-id",
		"edge-extension-id", "whois-registrant-email", "anonymised", "onion-address",
	},
	"Payload installation": {
		"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512/224", "sha512/256",
		"sha3-224", "sha3-256", "sha3-384", "sha3-512", "ssdeep", "imphash", "telfhash",
		"impfuzzy", "authentihash", "vhash", "pehash", "tlsh", "cdhash", "filename",
		"filename|md5", "filename|sha1", "filename|sha224", "filename|sha256", "filename|sha384",
		"filename|sha512", "filename|sha512/224", "filename|sha512/256", "filename|sha3-224",
		"filename|sha3-256", "filename|sha3-384", "filename|sha3-512", "filename|authentihash",
		"filename|vhash", "filename|ssdeep", "filename|tlsh", "filename|imphash",
		"filename|impfuzzy", "filename|pehash", "pattern-in-file", "pattern-in-traffic",
		"pattern-in-memory", "filename-pattern", "stix2-pattern", "yara", "sigma",
		"vulnerability", "cpe", "weakness", "attachment", "malware-sample", "malware-type",
		"comment", "text", "hex", "x509-fingerprint-sha1", "x509-fingerprint-md5",
		"x509-fingerprint-sha256", "azure-application-id", "mobile-application-id",
		"chrome-extension-id", "edge-extension-id", "other", "mime-type", "anonymised",
	},
	"Payload type": {
		"comment", "text", "other", "anonymised",
	},
	"Persistence mechanism": {
		"filename", "regkey", "regkey|value", "comment", "text", "other", "hex", "anonymised",
	},
	"Person": {
		"first-name", "middle-name", "last-name", "full-name", "date-of-birth", "place-of-birth",
		"gender", "passport-number", "passport-country", "passport-expiration", "redress-number",
		"nationality", "visa-number", "issue-date-of-the-visa", "primary-residence",
		"country-of-residence", "special-service-request", "frequent-flyer-number",
		"travel-details", "payment-details", "place-port-of-original-embarkation",
		"place-port-of-clearance", "place-port-of-onward-foreign-destination",
		"passenger-name-record-locator-number", "comment", "text", "other", "phone-number",
		"identity-card-number", "anonymised", "email", "pgp-public-key", "pgp-private-key",
	},
	"Social network": {
		"github-username", "github-repository", "github-organisation", "jabber-id", "twitter-id",
		"email", "email-src", "email-dst", "eppn", "comment", "text", "other",
		"whois-registrant-email", "anonymised", "pgp-public-key", "pgp-private-key",
	},
	"Support Tool": {
		"link", "text", "attachment", "comment", "other", "hex", "anonymised",
	},
	"Targeting data": {
		"target-user", "target-email", "target-machine", "target-org", "target-location",
		"target-external", "comment", "anonymised",
	},
}

// typeCategories maps each attribute type to the categories that allow it,
// in the order of categoryNames.
var typeCategories = func() map[string][]string {
	m := make(map[string][]string)
	for _, c := range categoryNames {
		for _, t := range categoryTypes[c] {
			m[t] = append(m[t], c)
		}
	}
	return m
}()

// categoryNames lists the categories in a stable (alphabetical) order.
var categoryNames = func() []string {
	cs := make([]string, 0, len(categoryTypes))
	for c := range categoryTypes {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return cs
}()

// KnownType reports whether t is a MISP attribute type (case matters: "AS", not "as").
func KnownType(t string) bool { _, ok := typeCategories[t]; return ok }

// KnownCategory reports whether c is a MISP attribute category.
func KnownCategory(c string) bool { _, ok := categoryTypes[c]; return ok }

// Allowed reports whether category c may hold attributes of type t.
func Allowed(c, t string) bool { return slices.Contains(categoryTypes[c], t) }

// Types returns every MISP attribute type koban knows, sorted.
func Types() []string {
	ts := make([]string, 0, len(typeCategories))
	for t := range typeCategories {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// Categories returns every MISP attribute category, sorted.
func Categories() []string { return slices.Clone(categoryNames) }

// CategoriesOf returns the categories that allow type t (nil for an unknown type).
func CategoriesOf(t string) []string { return slices.Clone(typeCategories[t]) }

// Composite reports whether values of type t are two values joined by '|'
// ("ip-dst|port": "192.0.2.1|443"). A malware-sample's value is usually
// its file's name and MD5 ("sample.exe|d41d8…"), but MISP accepts the name
// alone and adds the hash itself, so it is not counted here.
func Composite(t string) bool { return strings.Contains(t, "|") }
