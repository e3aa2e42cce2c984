// Package warnlist marks observables that are on warning lists: values
// that are everywhere and say nothing about who is behind a report —
// private and documentation addresses, public resolvers, example names,
// the big platforms fraud impersonates, the hash of an empty file. koban
// still shows such a value, with the names of its lists, but does not let
// it join unrelated reports into one cluster.
//
// Lists come from two places. Builtin returns koban's own small lists,
// embedded in the binary (builtin.json). ParseMISP and ReadMISPDir read
// MISP's misp-warninglists (https://github.com/MISP/misp-warninglists) from
// disk at run time; they are never embedded. NewMatcher indexes any mix of
// lists once, and Match tells which lists a value is on.
//
// Which lists to load is the caller's policy, and not all MISP lists are
// lists of benign values: a warning list says "this may be a false
// positive", and some name shared infrastructure that criminals use too.
// tranco10k is a hostname list holding blogspot.com, github.io, pages.dev,
// web.app, ngrok.io and duckdns.org, so it marks every site made on them;
// dynamic-dns marks every name under a dynamic-DNS provider; lots-project
// names sites that attackers live off; disposable-email and url-shortener
// describe a value rather than clear it; vpn-ipv4 and the cloud ranges mark
// servers anyone can rent; MISP's substring lists match inside names
// (virustotal.com.evil.example).
//
// # Lists
//
// A List has a Kind, which says how entries are compared, and the koban
// observable Types it applies to. The kinds are MISP's: cidr (networks),
// hostname (a domain and every name under it), string (whole values),
// substring (a piece of a value, ASCII case-insensitive) and regex. A
// MISP list's matching_attributes become koban types: ip-src, ip-dst and
// their |port forms become ipv4, ipv6 and cidr; domain, hostname and
// hostname|port become domain, domain|ip domain, ipv4 and ipv6; url,
// link and uri become url; the e-mail attributes become email; md5, sha1,
// sha256 and sha512 (also as filename|… and x509-fingerprint-…) become
// themselves; phone-number phone; AS asn; btc btc; xmr xmr; vulnerability
// cve. Attributes koban has no type for are dropped; a cidr or hostname list
// left with no type applies to what its kind can hold (ipv4, ipv6 and cidr;
// domain, url and email), and a string, substring or regex list left with
// none is rejected.
//
// Entries are put in the form observe gives values, so they meet values
// as koban stores them:
//
//   - cidr: a network or a lone address (a network of one), parsed with
//     net/netip, host bits cleared, IPv4-mapped IPv6 networks made IPv4.
//   - hostname: a leading "*." or "." and a trailing dot dropped, then
//     observe.Normalize as a domain (lower case, IDN as punycode). An
//     entry that is only a public suffix ("co.jp", "com") is left out: it
//     would cover a whole registry.
//   - string: observe.Normalize as each of the list's types, every form
//     that works kept (e-mail addresses in lower case). An entry written
//     ".example.com" or "*.example.com" in a list of domains — MISP's
//     google and microsoft lists use them — covers the name and every
//     name under it, as a hostname entry does.
//   - substring: lower case; entries shorter than four bytes are left out,
//     as they would mark nearly every value.
//   - regex: MISP writes PCRE between slashes with flags after; i, m and s
//     become Go flags, g and u are dropped, and a pattern RE2 cannot run
//     (look-around, back references) or another flag leaves the entry out.
//
// A bad entry is left out and recorded in List.Skipped with the reason;
// the list is rejected (with an error wrapping ErrInvalid that says why)
// only when it has no name, an unknown kind, no koban type, or no usable
// entry at all.
//
// # Matching
//
// Match expects a value in its canonical form, as observe gives it, and
// compares it with the lists of its type only:
//
//   - ipv4, ipv6: string entries, cidr networks that hold the address (an
//     IPv4-mapped IPv6 address is read as its IPv4 address), substrings.
//   - cidr: string entries and cidr networks the whole network is inside;
//     a network wider than a listed one does not match it.
//   - domain: string entries, hostname entries for the domain or a name
//     above it, on label boundaries (example.com covers www.example.com,
//     not evil-example.com or example.com.evil.jp), substrings.
//   - url: the whole URL against string entries and regexes. The host is
//     compared, as a domain or an address, only when the URL is nothing
//     but the host: no userinfo, no port, and a path that is empty or "/"
//     with no query ("https://google.com/", not
//     "https://docs.google.com/forms/…"). A page on a big platform may be
//     a phishing page someone made there, and is specific enough to link
//     reports.
//   - email: the whole address against string entries (case-insensitive)
//     and substrings; hostname entries for its domain only in lists whose
//     types include email. taro@gmail.com is a person, not a platform: a
//     list of mail providers marks the domain gmail.com and never an
//     address at it.
//   - other types: string entries, substrings and regexes.
//
// A regex must match the whole value, as if written ^(?:…)$. Canonical
// values are whole values, and MISP's unanchored patterns would otherwise
// match inside unrelated ones: the pattern for the North American 555-01xx
// fictional numbers finds "55501" inside the Japanese mobile number
// +81 90-5550-1234.
//
// # Koban's own lists
//
// builtin.json holds four lists: special-use IPv4 and IPv6 ranges (also
// for URLs whose host is such an address, like a router's
// http://192.168.1.1/), the addresses of the big public resolvers, the
// example names of RFC 2606 and RFC 6761 (addresses at them included), and
// the platforms, carriers, mail providers and banks most named in Japanese
// fraud reports (domains and bare-host URLs only). The platform list holds
// only domains whose every subdomain the company runs itself: hosting
// where customers get their own subdomain (blogspot.com, github.io,
// web.app, pages.dev, amazonaws.com) is left out. There are no phone
// numbers: 110, 119 and the like are not E.164 numbers, so observe never
// gives them, and there is no official range of fictional Japanese
// numbers to list.
//
// # Speed
//
// Match is called for every observable at intake, with every MISP list
// loaded (half a million entries). String and hostname entries are hash
// sets (a domain walks up its labels); networks are hashed by length and
// masked address, one lookup per length in use; all substring entries are
// one Aho–Corasick automaton; each regex list is one compiled pattern. A
// value that matches nothing allocates nothing. BenchmarkMatch measures a
// mixed intake.
package warnlist
