// Package observe extracts observables — IP addresses, domains, URLs, e-mail
// addresses, phone numbers, file hashes and CVE ids — from the free text of
// citizens' reports, and puts each in one canonical form so that the same
// phone number or domain written in different ways correlates across
// reports.
//
// Extract finds every observable in a text; Normalize reads one value as a
// given type. Both first normalise the text the same way, and every value
// Extract returns is its own Normalize form (FuzzExtract checks this).
//
// # Text normalisation
//
// Text is normalised with Unicode NFKC first, so full-width digits and
// letters, "．", "＠", "：", "（）" and "［］" become ASCII, half-width katakana
// becomes full-width and "｡" becomes "。". Then:
//
//   - "。" becomes a dot when it stands between a label character and an ASCII
//     letter or digit ("example。com", "例え。jp"). Between Japanese words it
//     stays a full stop.
//   - Defanging markers are undone. A marker is ".", "dot", "@", "at", ":",
//     "/" or "://" inside a matching pair of [], () or {}, with nothing else
//     inside, and stands for that character: "[.]", "(.)", "{.}", "[dot]",
//     "[@]", "(at)", "[:]" (so "http[:]//"), "[://]", "[/]". The words are
//     matched in any case; nested markers ("[[.]]") reduce fully.
//     "[ . ]", unbalanced brackets ("example[.com") and "at" or "dot"
//     written as plain words are left alone.
//
// Observables are then found in the normalised text, and positions and
// order refer to it. Extract's result is deduplicated by (type, value) and
// in order of first appearance; a URL is followed by its host (a domain, an
// IPv4 or an IPv6 observable) and an e-mail address by its domain.
//
// # Japanese text
//
// Japanese is written without spaces, so observables end where their
// characters do. A URL ends at the first character that cannot be in one
// (non-ASCII included): "https://example.com/pathまで。" yields
// "https://example.com/path". A domain label is a run of characters of one
// class — ASCII-like (ASCII letters, digits, '-', '_', and non-CJK letters
// such as ü) or CJK (kanji, hiragana, katakana, ー) — so "詳しくはexample.comへ"
// yields example.com. A "。" turned into a dot ends the name (and a URL
// path or an e-mail local part) when the labels before it already make a
// valid IPv4 address or domain — "example.com。Amazonを…" and
// "192.0.2.1。3回" end before it — unless the name was itself written with
// "。" and stays valid ("www。example。co。jp"). A name that mixes the two
// classes is trimmed: trailing CJK labels that are not a top-level domain
// are dropped ("example.com.次は"), and leading CJK labels are dropped when
// the ASCII labels after them are already a registrable domain
// ("しました。example.com"; a real Japanese subdomain of an ASCII domain is
// lost the same way). A name made of CJK labels and a TLD is kept whole:
// "例え.jp" is xn--r8jz45g.jp, but in "詳しくは例え.jp" the words before it
// become part of the label — write a space or a bracket before such a name.
//
// # Canonical forms and extraction rules
//
// ipv4: four decimal octets (0–255) without leading zeros; "010" reads as
// ten, never octal. A dotted quad is not extracted when it is part of a
// longer dotted run ("1.2.3.4.5"), glued to letters ("v1.2.3.4"), preceded
// by a version word ("version", "ver", "v", "rev", "build", "release",
// "firmware", "バージョン"; "Ver. 10.0.19045.3570"), or followed by "/n"
// with n ≤ 32: a CIDR block names a network, and is left to a later type of
// its own.
//
// ipv6: the RFC 5952 text form as net/netip prints it (lower case, longest
// run of zero groups compressed, "::ffff:192.0.2.1" for IPv4-mapped
// addresses). In text, a run of hex digits and colons with at least two
// colons and a hex digit, not glued to a letter or digit, and not followed
// by a prefix length ("2001:db8::/32" is a network); a zone ("%eth0") is
// not part of the observable, and Normalize rejects one.
//
// domain: lower-case punycode (IDN accepted in Unicode and stored as
// "xn--…"), without the trailing dot. Its top-level domain must be in the
// ICANN section of the Public Suffix List (.onion is there), and the name
// must be more than a public suffix ("co.jp" alone is not a domain; a
// private suffix such as "blogspot.com" is). So "report.pdf", "image.png",
// "config.json" and "v1.2.3" are not domains. Some TLDs are also common
// file-name extensions: a bare two-label name ending in .zip, .mov, .py,
// .sh, .rs, .md, .pm, .ps, .so, .one, .pub, .cab, .mo or .java
// ("invoice.zip", "setup.py", "README.md") is read as a file name — unless
// one of its dots was defanged ("evil[.]zip"), it has more labels
// ("www.evil.zip"), or it is the host of a URL or an e-mail address. A bare
// name whose TLD is written in title case ("home.It was late") is a
// sentence run into the next, not a domain. Hyphens and underscores around
// a bare name are punctuation ("__example.com__"). A name right after a
// backslash is a Windows path component, one right after an '@' that does
// not end a local part is a handle ("@user.name"), and one right before '@'
// is a local part.
//
// url: the scheme and host lower-cased, defanging undone, the default port
// of the scheme removed (http 80, https 443, ftp 21, ftps 990, sftp 22, ws
// 80, wss 443), the fragment dropped, and userinfo, path and query kept as
// written (no trailing slash is added). The schemes read are http, https,
// ftp, ftps, sftp, ws, wss, tcp and udp, with the defanged spellings hxxp,
// hxxps, fxp, fxps and the Japanese "h抜き" spellings ttp, ttps; the scheme
// must be a whole word. The host must itself be an IPv4, IPv6 (bracketed,
// or unbracketed with no port) or domain observable, so "http://localhost/"
// and "http://example.tld/" are not URLs. Text without a scheme is never a
// URL: "example[.]com/login" yields the domain only. The URL ends at the
// first character outside RFC 3986's set (plus '{' and '}'); then trailing
// . , ; : ! ? ' are trimmed, and a closing ) ] or } unless the URL holds as
// many of its opening bracket. Inside a URL only hashes and CVE ids are
// looked for besides the host: no e-mail, phone or other domain is taken
// from its path or query.
//
// email: the local part kept as written (ASCII letters, digits and . _ % +
// -, no leading, trailing or double dot, at most 64 characters), '@', and
// the domain in its canonical form (so its TLD must be real). An IP literal
// after '@' is not read as an address.
//
// phone: E.164 ("+819012345678"), for numbers github.com/nyaruka/phonenumbers
// calls valid, read in region JP unless they start with '+'. In text, a
// number is a '+' or digit, then digits with separators between groups: a
// space, a parenthesis or a dash ('-', U+2010–U+2015, U+2212, and ー, often
// typed for a dash), at most two in a row; a dot or slash is not a
// separator (dates, decimals and IP addresses stay out). The number must
// not be glued to a word, a decimal, a path or an '@'. Numbers without '+'
// must start with the JP trunk prefix 0 (taken from the phonenumbers
// metadata) and have 8 to 17 digits before they are handed to phonenumbers;
// when a run of space-separated groups is not one valid number, each group
// is tried alone. So "090-1234-5678", "03(1234)5678", "0120-123-456",
// "+81 90 1234 5678" and "０９０－１２３４－５６７８" all work, and "1234567" does
// not. Recent verdicts are cached, since the same numbers come back report
// after report.
//
// md5, sha1, sha256, sha512: lower-case hex, chosen by length (32, 40, 64,
// 128 digits). In text only a whole run of hex digits of exactly that length,
// not glued to a letter, digit or underscore, is a hash: a 32-digit piece
// of a longer hex run, or after "0x", is not.
//
// cve: "CVE-YYYY-NNNN" upper case, the year from 1999, the sequence number
// four digits or more without a leading zero; written in any case and with
// any of the dashes above.
//
// Normalize applies the same text normalisation and ignores surrounding
// white space, but the whole value must then be one observable of the type,
// and the context rules of extraction (file-extension names, title-case
// TLDs, version words, CIDR suffixes, Japanese trimming) do not apply:
// Normalize(Domain, "evil.zip") is "evil.zip".
//
// # Design
//
// Each type has its own file with its normaliser and its scan pass; the
// registry in observe.go maps types to normalisers, and passes in scan.go
// lists the scan passes in priority order. A pass is a hand-written
// single-pass scanner (no regular expressions); URLs, then e-mail addresses,
// then IPv6 addresses claim the text they cover, so the passes after them
// do not find a domain or phone number inside. A new type adds a file, a
// registry line and, if it has one, a pass.
package observe
