// Package pattern reads STIX 2.1 patterns (the pattern of an indicator),
// matches them against observed data, and against koban's observables so
// that a report can sight an indicator.
//
// Parse is a hand-written recursive-descent parser for the whole grammar
// of STIXPattern.g4 (OASIS cti-stix2-json-schemas) with its precedence:
// FOLLOWEDBY binds loosest, then OR, then AND between observation
// expressions; OR looser than AND inside brackets; all left-associative;
// qualifiers (WITHIN n SECONDS, REPEATS n TIMES, START t'…' STOP t'…') bind
// to the observation expression before them. Keywords are case-sensitive,
// as in the grammar. A pattern that breaks the grammar, or a rule of the
// specification the grammar does not express (listed in check.go), fails with an
// *Error: a stable code, the 1-based column and byte offset, what was
// expected and what was found ("column 17: expected ']' but found 'AND'");
// the catalogs hold its sentence in Japanese and English under
// "pattern.error.<code>". Pattern.String prints a canonical form that
// parses back to the same pattern; parentheses around observation
// expressions are kept (they decide whether a qualifier may repeat), those
// inside brackets only where precedence needs them.
//
// # Matching observed data
//
// Match(p, observations) follows the specification and, where it leaves
// room, the OASIS reference matcher (cti-pattern-matcher):
//
//   - A comparison tests objects of its object type. Its path follows
//     dictionary keys, list indices ([n]; a negative index selects
//     nothing), [*] (any element) and "…_ref"/"…_refs" values to the
//     object of the observation they name. A comparison holds when any
//     value the path reaches satisfies it; a path that reaches nothing
//     satisfies only NOT EXISTS.
//   - Comparisons in one bracket joined by AND must hold for the same
//     object (Parse refuses an AND no single object type can satisfy); OR
//     may be satisfied by any object of the observation.
//   - NOT negates the operator for each value it applies to. A value the
//     operator does not apply to — another JSON type, a binary property
//     that does not decode, LIKE or MATCHES on a number — satisfies neither
//     the comparison nor its NOT, so "NOT =" and "!=" are the same.
//   - Strings compare by code point, exactly: no case folding, no Unicode
//     normalisation. Numbers compare as numbers whether written 3 or 3.0
//     (JSON decoded with UseNumber keeps integers beyond 2⁵³ exact).
//     Booleans compare only with = and !=.
//   - Binary: a property whose name ends in _bin holds base64, one ending
//     in _hex holds hex; h'…' and b'…' compare with their bytes, and a
//     string literal with them as code points 0–255 (the character Ô,
//     U+00D4, is the byte 0xd4). LIKE and MATCHES see such a property as
//     that string of code points 0–255, so MATCHES '\\xd4\\xc3' (the
//     regular expression \xd4\xc3) matches the bytes d4 c3.
//   - Timestamps: t'…' compares with a property read as RFC 3339, at
//     nanosecond precision (digits beyond are ignored); a leap second :60
//     reads as the next second. A string literal compares as a string.
//   - IN holds when the value equals one of the set; NOT IN when it can be
//     compared with at least one member of the set and equals none.
//   - LIKE is SQL's: % any run of characters, _ one character, no escape
//     character; it applies to strings only, case-sensitively.
//   - MATCHES uses Go's regexp (RE2), unanchored, without flags. The
//     specification names PCRE. RE2 has no back-references, lookaround,
//     atomic groups, possessive quantifiers, recursion, conditionals, \Z,
//     \G or \K: Parse accepts such a pattern (it is valid STIX) but Match
//     refuses it with CodeRegexDialect and Unsupported reports it. RE2's $
//     without (?m) matches only at the very end, where PCRE's also matches
//     before a final newline.
//   - ISSUBSET and ISSUPERSET read the property and the literal as an IPv4
//     or IPv6 address (a /32 or /128) or network in CIDR notation (host
//     bits ignored); families never mix.
//   - Observation expressions joined by AND or FOLLOWEDBY must be satisfied
//     by distinct observations; FOLLOWEDBY wants every observation of the
//     left side to end (last_observed) no later than every one of the right
//     side begins (first_observed).
//   - WITHIN n SECONDS: from the earliest first_observed to the latest
//     last_observed of the observations used is at most n seconds.
//   - REPEATS n TIMES: n ways of satisfying the expression that share no
//     observation. number_observed does not multiply an observation: it
//     does not say how many of its repetitions fall inside a WITHIN window.
//   - START s STOP e: every observation used lies inside [s, e):
//     first_observed at or after s, last_observed before e.
//
// Finding a combination of observations can take long (REPEATS 20 TIMES
// WITHIN 1 SECONDS over many observations); Match stops after MaxSteps
// and fails with CodeTooComplex rather than run on.
//
// # koban's observables
//
// Terms lists a pattern's equalities (= and IN, not negated). Observables
// turns those on the paths below into koban observables, each value
// through observe.Normalize, so the lead can index an indicator under the
// values it names:
//
//	ipv4-addr:value                        ipv4, or cidr (a /32 is the ipv4)
//	ipv6-addr:value                        ipv6, or cidr (a /128 is the ipv6)
//	domain-name:value                      domain
//	domain-name:resolves_to_refs[*].value  ipv4, ipv6 or cidr
//	network-traffic:src_ref.value, dst_ref.value
//	                                       ipv4, ipv6, cidr or domain, by the value
//	url:value                              url
//	email-addr:value                       email
//	email-message:from_ref.value, sender_ref.value,
//	  to_refs[*].value, cc_refs[*].value, bcc_refs[*].value
//	                                       email
//	file:hashes.X, artifact:hashes.X       md5, sha1, sha256, sha512 for X = MD5,
//	                                       SHA-1, SHA-256, SHA-512 (any case,
//	                                       with or without the hyphen)
//	x-koban-phone-number:value             phone (E.164)
//	x-koban-bank-account:value             bank_account, in any form koban reads
//	x-koban-cryptocurrency-wallet:value    btc, eth, xmr or trx, as the address's form says
//	x-koban-bank-account:bank_code, branch_code, account_type, account_number
//	                                       bank_account "BBBB-SSS-T-NNNNNNN", when all
//	                                       four are compared with = in one AND;
//	                                       account_type as the code 1, 2, 4 or
//	                                       ordinary/futsu/普通, current/toza/当座,
//	                                       savings/chochiku/貯蓄
//
// ISSUBSET on an address path lists its network (cidr) too. Everything else
// — other object types and properties, other hashes (SHA3, SSDEEP, TLSH),
// LIKE, MATCHES and orderings — gives no observable. The network-traffic
// and resolves_to_refs ".type" paths are understood by MatchObservable (the
// STIX type the observable would be) but name no value to index.
//
// MatchObservable(p, o) decides whether one observable, seen alone,
// satisfies the pattern: a comparison on a path mapped to o's type is
// evaluated on o's canonical value (equality through observe.Normalize;
// addresses and networks as prefixes, so 203.0.113.33 equals
// '203.0.113.33/32'), and every other comparison fails — an observable says
// nothing of a file's name or a message's subject. Observation expressions
// joined by AND or FOLLOWEDBY, and REPEATS of more than one, never hold for
// one observable; START/STOP holds only for MatchObservableAt with a time
// inside. [ipv4-addr:value ISSUBSET '198.51.100.0/24'] sights ipv4
// 198.51.100.7; [file:hashes.MD5 = '…' AND file:name = 'a.exe'] is not
// sighted by the hash alone. Indexable says whether every observable that
// MatchObservable accepts is one Observables lists or lies in a network it
// lists (true also when no single observable can satisfy the pattern and
// Observables is empty).
package pattern
