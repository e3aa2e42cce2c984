// Package observe extracts observables — IP addresses and networks,
// domains, URLs, e-mail addresses, phone numbers, Japanese bank accounts,
// cryptocurrency addresses, file hashes, CVE ids, autonomous system numbers
// and social-network accounts — from the free text of citizens' reports,
// and puts each in one canonical form so that the same phone number or
// account written in different ways correlates across reports.
// ExtractEmail does the same for an e-mail message given as evidence.
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
//     written as plain words are left alone, except in a URL's host (see
//     url below).
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
// "firmware", "バージョン"; "Ver. 10.0.19045.3570"). Followed by "/n" with
// n ≤ 32 it is a cidr.
//
// ipv6: the RFC 5952 text form as net/netip prints it (lower case, longest
// run of zero groups compressed, "::ffff:192.0.2.1" for IPv4-mapped
// addresses). In text, a run of hex digits and colons with at least two
// colons and a hex digit, not glued to a letter or digit; followed by a
// prefix length ("2001:db8::/32") it is a cidr. A zone ("%eth0") is not
// part of the observable, and Normalize rejects one.
//
// cidr: the network address (host bits cleared) and the prefix length, as
// net/netip prints them: "203.0.113.5/24" is "203.0.113.0/24",
// "2001:db8::1/32" is "2001:db8::/32". The address is read as ipv4 and
// ipv6 read theirs; the length has no leading zero and is at most 32 or
// 128. A longer "/n" after an address is a path, and the address stays an
// ipv4 or ipv6 host. ContainsIP(cidr, ip) tests membership for the
// correlation engine, reading both in any spelling; an IPv4-mapped IPv6
// address is in the IPv4 network of its IPv4 address.
//
// domain: lower-case punycode (IDN accepted in Unicode and stored as
// "xn--…"), without the trailing dot. Its top-level domain must be in the
// ICANN section of the Public Suffix List (.onion is there), and the name
// must be more than a public suffix ("co.jp" alone is not a domain; a
// private suffix such as "blogspot.com" is; under a top-level domain whose
// only rule is a wildcard, such as .np or .bd, "com.np" is a suffix and
// "shop.com.np" a domain). So "report.pdf", "image.png",
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
// URL: "example[.]com/login" yields the domain only. After a scheme, a host
// left half-defanged is mended, since the scheme says a host follows: a
// bracket never closed beside a dot ("http://example[.com/",
// "hxxp://evil.]com"), an opening bracket with no IPv6 address to close
// ("http://[example.com") and a comma standing for the only dot
// ("http://example,com/") all give http://example.com/. In running text
// without a scheme they stay as they are ("example,com" is two words).
// The URL ends at the
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
// typed for a dash), at most two in a row, or a dash with a space on each
// side ("090 - 1234 - 5678"). A dash at the end of a line joins the number
// to the next line ("090-1234-\n5678"), but a line break alone ends it, so
// two numbers on two lines stay two. A dot or slash is not a separator
// (dates, decimals and IP addresses stay out; "090.1234.5678" is not
// read). The number must not be glued to a word, a decimal, a path or an
// '@', except to the labels TEL and FAX (or Tel, tel, Fax, fax), with or
// without a dot ("TEL090-1234-5678", "Tel.03-1234-5678"); "ID" and other
// words still glue. A full stop after Japanese text or a space (。 is
// read as '.') ends a sentence, so a number right after it is read
// ("大阪の件。090-1234-5678"); after a digit or a word it stays a decimal.
// Numbers without '+' must start with the JP trunk
// prefix 0 (taken from the phonenumbers metadata) and have 8 to 17 digits
// before they are handed to phonenumbers;
// when a run of space-separated groups is not one valid number, each group
// is tried alone. So "090-1234-5678", "03(1234)5678", "0120-123-456",
// "+81 90 1234 5678" and "０９０－１２３４－５６７８" all work, and "1234567" does
// not. A number may also be written one kanji numeral a digit (〇一二三四五
// 六七八九: "〇九〇―一二三四―五六七八", "〇三（一二三四）五六七八"), with the
// same separators, when one of its groups has four numerals or more, as
// every Japanese number's has; numerals next to 十, 百, 千, 万 or 億 are an
// amount, and "○" (U+25CB, a mask in "090-○○○○-5678") is not a zero.
// Normalize reads kanji numerals too. Recent verdicts are cached, since
// the same numbers come back report after report.
//
// bank_account (Japanese): "BBBB-SSS-T-NNNNNNN" — the four-digit Zengin
// bank code, the three-digit branch code, the account type (1 普通
// ordinary, 2 当座 current, 4 貯蓄 savings, Zengin's codes; 1 when the text
// names none, as almost every transfer-fraud account is ordinary) and the
// seven-digit number, zero-padded. Reports mostly give names, and koban
// ships no table of codes (zengin-code is a later import), so an account
// whose bank or branch is named and not coded keeps the names:
// "name:BANK/BRANCH/T/NNNNNNN", e.g. "name:みずほ銀行/新宿支店/1/1234567".
// BANK is the name as written after NFKC, without spaces, ASCII letters in
// upper case ("name:PAYPAY銀行/…", "三菱UFJ銀行"), "株式会社" and "(株)"
// dropped, words such as 振込先 that cling to its front dropped, and the
// abbreviated suffixes written out (信金 → 信用金庫, 信組 → 信用組合, 労金 →
// 労働金庫, 農協 → 農業協同組合, 漁協 → 漁業協同組合); a name written after a
// label without suffix ("銀行名：楽天") gets 銀行. BRANCH is the branch's
// name with its suffix (支店, 出張所, 営業部, 本店, 支所; 支店 added when the
// text has none, "支店名：新宿" → 新宿支店). Either is its code instead when
// the text gives the code (a code is preferred to a name); with both codes
// the numeric form is used. ゆうちょ銀行 is bank 9900, and its branches
// named by three kanji numerals ("〇一八店") have that code, so such an
// account always has the numeric form. A ゆうちょ 記号 (5 digits) and 番号
// (up to 8 digits) convert by the rule ゆうちょ銀行 publishes for 総合口座
// — 記号 starting with 1, 番号 ending in 1: branch = the 記号's second and
// third digits and 8, ordinary, number = the 番号 without its last digit —
// so "記号12345 番号12345671" is "9900-238-1-1234567". Any other pair (a
// 振替口座's 記号 starts with 0) keeps "yucho:KKKKK-NNNNNNNN" (番号
// zero-padded to 8).
//
// In text, an account is found from its number back. The number is seven
// digits not glued to letters, digits or a decimal, nor followed by a
// counter that makes it an amount or a count (円, 万, 件, 回, 日, ドル…; but
// 名 followed by 義 or 前 starts the holder's name); fewer digits only after
// a label such as 口座番号, 番号 or No.; up to eight for a ゆうちょ 番号. The
// number, and a ゆうちょ 記号 or 番号, may be written in kanji numerals one a
// digit, four of them or more ("普通 一二三四五六七"); a code may not.
// Within 320 bytes before it there must be a financial institution — a
// name ending in 銀行, 信用金庫, 信金, 信用組合, 信組, 労働金庫, 労金, 農協,
// 漁協 or 農業協同組合, "JA" and a name, ゆうちょ, a bank code after 銀行コード
// or 金融機関コード, or a name after 銀行名 — then a branch (a name with its
// suffix, a code after 店番, 支店番号 or 支店コード, a code in parentheses
// after the name, or a name after 支店名 or 店名) and the optional type
// (普通, 当座, 貯蓄, with 預金 or 口座, or the abbreviations 普 and 当), in
// that order, with nothing between them but labels (口座番号, 種別,
// 預金種目…), particles (の, は, で, です), spaces, line breaks,
// punctuation and the bullets of forms (■ ● ◆ ★ ※ …), at most 72 bytes
// at a time. The holder's name may stand among them after its label
// (名義, 名義人, 口座名義, 受取人: "普通 名義：ヤマダ タロウ 1234567"): up to
// 30 characters of kana, kanji, ASCII letters, spaces, brackets, ・ and
// dots, ending at a digit, a label, an account type or the end of the
// line. A katakana reading in brackets after a name is skipped ("店名
// 〇一八（ゼロイチハチ）"). A type written before the number is the type;
// when none is, a type in brackets right after the number is
// ("1234567（当座）"); one written after it any other way is not read. So
// "振込先はみずほ銀行新宿支店の普通口座1234567です", "三菱UFJ銀行 渋谷支店
// 普通預金 口座番号1234567", full-width digits and a form over several lines
// are read, and "会員番号1234567", a bank named in one sentence and a number
// in another, and a bank and number without a branch are not. A name is
// read back from its suffix over kanji, kana and ASCII letters and digits,
// and ends at a particle that follows a non-hiragana word ("振込先はみずほ銀行"
// is みずほ銀行, "みちのく銀行" stays whole); generic words ("ネット銀行",
// "地方銀行") and placeholders made only of 〇, ○, ×, *, X and the like
// ("〇〇銀行", "××支店", "XX銀行") are not names.
//
// An account may be written in English: a bank named by capitalised words
// before "Bank" or "Banking Corporation" ("Mizuho Bank", "Sumitomo Mitsui
// Banking Corporation", ", Ltd." after either), after "Bank of" ("The Bank
// of Yokohama"), or after the labels "Bank:" and "Bank name", or coded
// after "Bank code"; a branch named by capitalised words before "Branch"
// or "Br." ("Shinjuku branch"), "Head Office" (本店), a name after
// "Branch:" or "Branch name", or a code after "Branch code" or "Branch
// No."; the types "ordinary" and "futsu" (1), "current", "checking" and
// "toza" (2) and "savings deposit" (4, how banks translate 貯蓄預金), and
// "savings" or "savings account", which is what English speakers call
// 普通預金 (1); the number after "Account No.", "Account number", "A/C" and
// the like; the holder after "Account holder", "Account name" or
// "Beneficiary". These words are read in any case, as whole words. A bank
// whose English name is in a short table (englishBanks: the megabanks, the
// net banks and a few large regional banks) gets its Japanese name
// ("Mizuho Bank" is みずほ銀行, "MUFG Bank" 三菱UFJ銀行, "Japan Post Bank"
// ゆうちょ銀行, whose 記号 and 番号 then convert); any other keeps its
// English name in upper case, without spaces or punctuation, and 銀行
// ("Suruga Bank" is SURUGA銀行, "X Shinkin Bank" X信用金庫), and so does
// every branch ("SHINJUKU支店"). koban does not transliterate: a romanised
// name does not correlate with the same account written in kanji.
//
// btc: a Bitcoin mainnet address. Base58check P2PKH ("1…", version 0) and
// P2SH ("3…", version 5) addresses are kept as written, after their
// double-SHA-256 checksum is verified; segwit addresses ("bc1…") must have
// the BIP-173 bech32 checksum for witness version 0 (a 20- or 32-byte
// program) or the BIP-350 bech32m checksum for versions 1 to 16 (2 to 40
// bytes), one case throughout, and are stored in lower case. Testnet
// addresses are not read.
//
// eth: "0x" and 40 hex digits in the EIP-55 mixed-case form (the checksum
// is Keccak-256). An all-lower or all-upper address is converted to it; a
// mixed-case address whose case is not its EIP-55 checksum is rejected. 40
// hex digits without "0x" are a sha1, not an address.
//
// trx: a TRON address as written: 34 base58 characters starting with T,
// decoding to version byte 0x41, 20 bytes and a valid double-SHA-256
// checksum.
//
// xmr: a Monero mainnet standard address ('4…', network byte 18) or
// subaddress ('8…', 42) as written: 95 characters of Monero's block-wise
// base58 (8-byte blocks as 11 characters), whose last 4 bytes must be the
// Keccak-256 of the rest. Integrated addresses (106 characters) are not
// read.
//
// In text, an address is a whole run of ASCII letters and digits (not
// glued to an underscore) whose checksum holds, so a random string is not
// taken for one. Like hashes, addresses are also read inside URLs
// ("https://etherscan.io/address/0x…").
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
// asn: "AS" and the number, from 1 to 4294967295, without a leading zero.
// In text it is written "AS64500", "AS 64500", "ASN 64500" or "ASN:
// 64500", "AS" in upper case (after NFKC, so "ＡＳ６４５００" too), not
// glued to a word before nor to a letter, digit or decimal after; "as" in
// lower case is an English word, and a number alone is never an ASN in
// text. Normalize accepts any case and a bare number.
//
// x, instagram, telegram, line, tiktok: the account's handle in lower case,
// without '@' (handles are case-insensitive on these networks). X: 1–15
// letters, digits and '_'. Instagram: 1–30 letters, digits, '.' and '_',
// no dot at either end or doubled. Telegram: 5–32 letters, digits and '_',
// starting with a letter. LINE: 4–20 letters, digits, '.', '_' and '-'; a
// LINE official account's ID ("@123abcde", 2–20 characters) keeps its '@',
// as it is another namespace than personal IDs. TikTok: 2–24 letters,
// digits, '.' and '_'. In text an account is either a profile link — x.com
// or twitter.com/handle, instagram.com/handle, t.me, telegram.me or
// telegram.dog/handle, line.me/ti/p/~id (or /R/ti/p/~id, and @id or %40id
// for an official account), tiktok.com/@handle, each also under www., m.
// or mobile., with or without a scheme — or a handle after the platform's
// name: "Xの@abc", "ツイッター @abc", "X(旧Twitter)の@abc", "インスタ @abc",
// "インスタグラムのアカウント @abc", "テレグラム @abc", "TikTok @abc",
// "LINE ID: abc", "LINEのID abc", "ライン ID abc", "LINE @abc". Between the
// name and the handle only connectors may stand: spaces, ':', の, は, が,
// で, 、, brackets, "ID", アカウント, ユーザー名, 公式, 旧, 現; after "ID" the
// '@' may be left out. The names are X (upper case, a word of its own),
// Twitter, ツイッター, エックス, Instagram, インスタグラム, インスタ, insta,
// Telegram, テレグラム, LINE or Line (not "line", an English word), ライン
// (not inside a longer katakana word such as オンライン), TikTok,
// ティックトック; ASCII names other than X and LINE in any case. A bare
// "@abc" is not extracted. A handle must be whole: one too long, or
// followed by a character that would continue it or make it an e-mail
// address, is not read. Pages that are not accounts are not: x.com/home,
// /search, /explore, /i, /intent, /share, /hashtag, /settings…,
// instagram.com/p/, /reel, /explore, /accounts, /stories…,
// t.me/joinchat/, /s/, /c/, /addstickers, /share, /proxy, invite links
// ("t.me/+…"), LINE QR-code tokens (line.me/ti/p/ without ~ or @) and
// tiktok.com paths without '@'. A profile path written without a scheme
// ("instagram.com/shop.jp") yields no domain from the path. Normalize
// accepts the handle with or without '@' and a profile URL.
//
// Normalize applies the same text normalisation and ignores surrounding
// white space, but the whole value must then be one observable of the type,
// and the context rules of extraction (file-extension names, title-case
// TLDs, version words, CIDR suffixes, Japanese trimming) do not apply:
// Normalize(Domain, "evil.zip") is "evil.zip". Normalize(BankAccount, v)
// reads the three canonical forms and an account written out in full
// ("みずほ銀行 新宿支店 普通 1234567"), which may end with its type in
// brackets or its holder ("… 1234567 名義 ヤマダ タロウ").
//
// # E-mail evidence
//
// ExtractEmail reads an e-mail message (an .eml file, RFC 5322 with MIME)
// with github.com/emersion/go-message's header, address and charset code
// and koban's own lenient reading of everything else, and returns an
// Evidence: a header summary (subject, date, addresses, Message-ID, the
// Received chain), the observables, the HTML links, the attachments and
// warnings. Its observables are, in this order and each once: the From,
// Sender, Reply-To and Return-Path addresses each followed by its domain
// (To and Cc are the victims, not observables); the Message-ID's domain;
// for each Received field (newest first) the HELO name, the name the
// sender's address resolved to and the address itself, from the "from"
// clause ("from HELO (HOST [IP])", Exim's "helo=", "[IPv6:…]") — private,
// loopback, link-local and shared (100.64/10) addresses are left out, and
// the receiving hosts ("by") are in the summary only; the observables of
// the subject; those of each body part in order — text parts through
// Extract, HTML parts through their text (scripts and styles left out) and
// their link targets (a and area href, form action, iframe src; mailto:
// gives an e-mail address, tel: a phone number); and the SHA-256 and MD5
// of each attachment (each part that is not text, or has a file name or
// the attachment disposition). A Link is marked Deceptive when its text
// names a domain or address with another registrable domain than its
// target. An attached message (message/rfc822, how a citizen forwards a
// phishing mail) is hashed as an attachment and read like the message
// itself, its observables added. Bodies are decoded from base64 (stray
// characters skipped, missing padding accepted) and quoted-printable, and
// text from the part's charset (ISO-2022-JP, Shift_JIS, EUC-JP, UTF-8 and
// the others the WHATWG and IANA lists name); a text part without charset
// is UTF-8, or ISO-2022-JP when its escapes are there, or else Shift_JIS.
// Raw ISO-2022-JP in a header, as some Japanese mailers send it, is read
// too. A broken message gives what could be read and a warning for each
// problem — a header line without a name (skipped), a header without its
// empty line, an unknown charset or transfer encoding (read as is), a
// corrupt body (the part before the damage kept), a multipart without its
// closing boundary (the parts read so far kept) — and never a panic; at
// most 500 parts and 8 levels of nesting are read. The error is
// ErrNotEmail only when the input has no header field at all; the
// Evidence then holds the observables of its text.
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
//
// Report text is mostly prose with nothing to find, so the passes skip it
// fast. NFKC copies the runs of characters it leaves alone (ASCII, kana,
// kanji, CJK punctuation: found sixty-four bytes at a time with AVX2 where
// the processor has it, stable_amd64.s, else three bytes at a time) and
// maps full-width ASCII and half-width katakana directly; only the rest
// goes through the norm package (nfkc.go). The passes for the types found
// by a few characters search for those with the vectorised
// strings.IndexByte and strings.Index ("://", "@", ":", ".", "ID", "AS");
// the digit runs are found once, from a bitmap of the digits written
// sixteen bytes at a time (digits_amd64.s), for the phone pass, which
// skips those with too few digits near each other for a number, for the
// bank-account pass, which only then looks back for a bank, and for the
// CVE pass, which looks at the four-digit runs after "CVE-"; runs
// of four kanji numerals or more are found for the same two passes by
// looking at one byte in twelve, with its neighbours, and around it only
// when a pair of them may be part of a numeral (kanjinum.go); the pass for
// hashes and cryptocurrency addresses probes every 26th byte for a
// long enough run of letters and digits. Numbers of the JP region are
// checked against its phonenumbers metadata compiled once (phonenational.go),
// the others by phonenumbers itself. Extract reuses the memory of the
// normalised text, the matches and the claims from one call to the next
// (the scanner of the last call is kept through garbage collections, which
// empty a sync.Pool), and copies out the values that point into it; it
// deduplicates with a table of small slots in that memory rather than a
// map, and remembers, for one text, what canonicalDomain said of each name
// (feeds repeat their hosts). Each shortcut has a test or fuzz target that
// holds it to the slow way (reference_test.go, bytescan_test.go,
// kanjinum_test.go, nfkc_test.go, phonenational_test.go, scan_test.go,
// fuzz_test.go).
//
// ExtractReader gives what Extract gives for a whole text, read from a
// stream in pieces of 1 MB, so that koban extract reads a file of any size
// in memory bounded by the pieces in flight and by the values already
// given, remembered as two 64-bit hashes each (a peak of about 200 MB for
// 1 GB of report prose, 680 MB for 1 GB of indicators, 12 million values). A piece is cut at white space
// and read with 8 KB of context on either side, cut at white space too; the
// observables kept are those that start in the piece. An observable
// without white space cannot cross a cut, and those with spaces (a phone
// number, an account and its bank, a handle after its platform's name, an
// ASN) span far less than the context. Normalisation does not cross white
// space either; where preparing a piece's parts one by one would not give
// the window's prepared text, the piece is read alone. A run of 8 MB
// without white space is cut inside it, where an observable may be lost.
// Pieces are read on a goroutine a processor (at most eight), each with a
// scanner of its own, while the caller's goroutine reads the input and
// gives the observables of the pieces in order: the result is the same on
// any number of processors.
// TestExtractReader and FuzzExtractReader hold ExtractReader to Extract.
package observe
