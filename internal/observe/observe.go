package observe

import (
	"errors"
	"fmt"
	"strings"
)

// Type names a kind of observable; the names are stable identifiers shared with the CLI and API.
type Type string

// The observable types koban extracts. Each one's canonical form is described in the package documentation.
const (
	IPv4        Type = "ipv4"         // dotted decimal, no leading zeros
	IPv6        Type = "ipv6"         // RFC 5952 text form
	CIDR        Type = "cidr"         // network address and prefix length
	Domain      Type = "domain"       // lower-case punycode with an ICANN TLD
	URL         Type = "url"          // scheme and host lower-cased, default port and fragment removed
	Email       Type = "email"        // local part as written, canonical domain
	Phone       Type = "phone"        // E.164, valid per phonenumbers, region JP by default
	BankAccount Type = "bank_account" // Japanese account: BBBB-SSS-T-NNNNNNN, or by names
	BTC         Type = "btc"          // Bitcoin mainnet address, checksum verified
	ETH         Type = "eth"          // Ethereum address in EIP-55 mixed case
	TRX         Type = "trx"          // TRON address, checksum verified
	XMR         Type = "xmr"          // Monero mainnet address, checksum verified
	MD5         Type = "md5"          // 32 lower-case hex digits
	SHA1        Type = "sha1"         // 40 lower-case hex digits
	SHA256      Type = "sha256"       // 64 lower-case hex digits
	SHA512      Type = "sha512"       // 128 lower-case hex digits
	CVE         Type = "cve"          // CVE-YYYY-NNNN…, upper case
	ASN         Type = "asn"          // "AS" and the number
	X           Type = "x"            // X (Twitter) handle, lower case, no '@'
	Instagram   Type = "instagram"    // Instagram handle, lower case
	Telegram    Type = "telegram"     // Telegram username, lower case
	Line        Type = "line"         // LINE ID, lower case ('@' kept for official accounts)
	TikTok      Type = "tiktok"       // TikTok handle, lower case, no '@'
)

// Observable is one extracted value in its canonical form.
type Observable struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
}

// ErrUnknownType is returned by Normalize for a type that is not registered.
var ErrUnknownType = errors.New("observe: unknown observable type")

// ErrInvalid is wrapped by every error Normalize returns for a value that is not of the asked type.
var ErrInvalid = errors.New("observe: invalid value")

// normalizer turns a value that has already been through prepare into its
// canonical form, or says why it cannot.
type normalizer func(string) (string, error)

// registry maps each type to its normaliser, in the order Types lists them.
// A new type adds its file (with its normaliser and, if it has one, its scan
// pass in passes) and one line here.
var registry = []struct {
	typ  Type
	norm normalizer
}{
	{IPv4, normalizeIPv4},
	{IPv6, normalizeIPv6},
	{CIDR, normalizeCIDR},
	{Domain, normalizeDomain},
	{URL, normalizeURL},
	{Email, normalizeEmail},
	{Phone, normalizePhone},
	{BankAccount, normalizeBankAccount},
	{BTC, normalizeBTC},
	{ETH, normalizeETH},
	{TRX, normalizeTRX},
	{XMR, normalizeXMR},
	{MD5, hashNormalizer(32)},
	{SHA1, hashNormalizer(40)},
	{SHA256, hashNormalizer(64)},
	{SHA512, hashNormalizer(128)},
	{CVE, normalizeCVE},
	{ASN, normalizeASN},
	{X, socialNormalizer(X)},
	{Instagram, socialNormalizer(Instagram)},
	{Telegram, socialNormalizer(Telegram)},
	{Line, socialNormalizer(Line)},
	{TikTok, socialNormalizer(TikTok)},
}

// Types returns every observable type koban knows, in a stable order.
func Types() []Type {
	ts := make([]Type, len(registry))
	for i, r := range registry {
		ts[i] = r.typ
	}
	return ts
}

// Valid reports whether t is a registered observable type.
func (t Type) Valid() bool { return lookup(t) != nil }

// lookup returns the normaliser of t, or nil.
func lookup(t Type) normalizer {
	for _, r := range registry {
		if r.typ == t {
			return r.norm
		}
	}
	return nil
}

// Normalize returns the canonical form of value read as type t, or an error saying why it is not one.
//
// The value goes through the same text normalisation as Extract (NFKC,
// defanging undone) and surrounding white space is ignored, but otherwise the
// whole value must be one observable of type t. The context heuristics of
// Extract (file-extension names, title-case TLDs, version numbers, CIDR
// suffixes, trimming of Japanese words) do not apply: Normalize(Domain,
// "evil.zip") is "evil.zip".
func Normalize(t Type, value string) (string, error) {
	n := lookup(t)
	if n == nil {
		return "", fmt.Errorf("%w %q", ErrUnknownType, string(t))
	}
	v := strings.TrimSpace(prepare(value).text)
	if v == "" {
		return "", invalid(t, "empty value")
	}
	return n(v)
}

// invalid builds the error Normalize returns: it wraps ErrInvalid and says why.
func invalid(t Type, why string) error {
	return fmt.Errorf("%w: not a %s: %s", ErrInvalid, t, why)
}
