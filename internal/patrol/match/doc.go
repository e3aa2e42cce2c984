// Package match finds what cyber patrols look for in Japanese pages:
// phrases and regular expressions matched through the ways posts disguise
// them, the hits shown on the page as it was written, a suggested
// category of the Internet Hotline Center (IHC) with the reasons, and
// near-duplicate pages grouped. It is pure: no database, no network.
//
// Compile turns rules into a Matcher; Matcher.Match (or Scan, which also
// tells which rules ran out of time) returns the hits in a page; Classify
// makes a Verdict of them. BuiltinRules are koban's seed: the 闇バイト
// phrases that the police quote in their public warnings, each with its
// source (YamibaitoPhrases), and a small set of koban's own rules for
// every category (KobanRules). SimHash64, Distance and Clusters group
// reposts. docs/patrol.md has the figures.
//
// # Normalisation
//
// Pages and phrases are both normalised (Normalize) before they are
// compared, so that a phrase matches however it is written:
//
//   - Unicode NFKC: full-width letters and digits become ASCII (ＤＭ, ５),
//     half-width katakana becomes full width with its voicing mark (ﾎﾜｲﾄ,
//     ﾄﾞ), compatibility characters are spelled out (㈱, ①, ㍿). Bytes
//     that are not UTF-8 become U+FFFD.
//   - Hiragana becomes katakana (ほわいと is ホワイト). Small kana stay
//     small.
//   - Letters of scripts with case are put in lower case (DM is dm).
//   - Invisible characters are removed: the default-ignorable code points
//     (zero-width spaces and joiners U+200B–U+200D, the word joiner
//     U+2060, U+FEFF, variation selectors, direction marks, the soft
//     hyphen, Hangul fillers, tags).
//   - Whitespace of any kind (spaces, the ideographic space, tabs, line
//     breaks) is removed next to a Japanese character — kana, kanji, CJK
//     punctuation — and at the start and end; elsewhere a run of it
//     becomes one space, or one line break if it held one. So
//     "ホ ワ イ ト 案 件" is ホワイト案件 and "DM ください" is dmクダサイ (Japanese
//     writers space Latin words in and out as they please), while
//     "high  income" keeps its words apart as "high income". A Latin word
//     spelled out with spaces ("U D") therefore stays two words.
//   - A dash written for the long vowel mark or a hyphen (ー ｰ － - ‐ ‑ ‒ –
//     — ― ⁃ − ─ ━) becomes ー after kana and - elsewhere: ドライバ－ is
//     ドライバー, 090－1234 is 090-1234.
//   - Wave dashes and tildes (〜 ～ ~ ∼ ⁓ ∿) become 〜.
//   - A circle written for a zero (〇 ○ ◯) next to a digit or in a run of
//     circles next to one becomes 0 (1〇万円 is 10万円, 5○○○円 is 5000円);
//     elsewhere it stays (二〇二四年, 闇バ○ト): it is a kanji numeral or a
//     mark hiding a letter, and a rule that wants it matches it as it is.
//
// Not folded, by choice: kanji numerals (observe reads amounts), small
// kana, kanji that look like katakana (卜 for ト, 口 for ロ — folding them
// would change words), punctuation put between letters (ホ.ワ.イ.ト),
// and katakana spellings of kanji (ヤミバイト is a rule of its own).
//
// NormalizeText keeps the way back: Text.Source maps a span of the
// normalised text to the bytes of the original it came from, so a hit in
// ﾎﾜｲﾄ案件 highlights ﾎﾜｲﾄ案件, and one in "ホ ワ イ ト" the spaces too.
// FuzzNormalize holds the map to the original and the NFKC to the norm
// package.
//
// # Rules
//
// A Phrase rule is normalised like the page and found with every other
// phrase in one pass (Aho–Corasick, written for koban): a thousand
// phrases cost what fifty do. A phrase that starts or ends with a Latin
// letter or digit hits only at the edges of a word, so UD is found in
// "UD募集" and "#UD" but not in "cloud".
//
// A Regex rule is a Go regular expression (RE2 syntax, linear time),
// written as people write: its literals and character classes are folded
// like the page (ほわいと, [ぁ-ん], ＬＩＮＥ and - all match what they would
// have matched before normalisation). It runs over the normalised page,
// so spaces next to Japanese are gone there too. Compile refuses
// expressions that match empty text and the anchors ^, $, \A and \z
// (the expression sees windows of the page, whose edges are not the
// page's), and names the rule and, for a syntax error, the byte where
// it is.
//
// # Running regular expressions, and what the limits guarantee
//
// An expression is run in the cheapest way its form allows. When every
// match starts with one of a few strings (日給[0-9]+万 starts with 日給) or
// with one of a few bytes ([0-9]+万円 starts with a digit), it is tried
// only at those places, anchored, in order, skipping those inside the
// last match. When every match holds one of a few strings but may start
// anywhere ([^。]{0,10}即金 holds 即金), it runs in windows around them.
// Otherwise it runs over the whole page, cut into windows.
// The strings are found in the same pass as the phrases.
//
// Limits (DefaultLimits unless CompileWith says otherwise) bound this:
//
//   - Span (512 normalised bytes, about 170 Japanese characters): every
//     match no longer than Span is found whole, and for expressions
//     whose matches are never longer, the hits are those that
//     regexp.FindAllIndex over the whole normalised page gives
//     (TestRegexWindows, TestRegexChunksAgree, TestGeneratedRegexesAgree
//     and FuzzMatch hold this). A longer match may be missed or cut at a
//     window's edge. \b and \B keep their meaning at a window's edge
//     unless a Latin word longer than 64 bytes is cut.
//   - Window (64 KiB): the most text one evaluation is given. Windows
//     overlap by Span.
//   - Budget (250 ms): the time one rule may take on one page, by the
//     wall clock (a starved machine spends it too). RE2 cannot
//     be interrupted, so the time is checked after every window and
//     every 64 places an anchored expression is tried at; a rule past
//     its budget stops there and is reported in Result.Stopped with the
//     offset in the original text up to which it ran (its hits before
//     that offset are kept). Since RE2 runs in time linear in its input
//     and in the size of the expression, a rule overruns its budget by at
//     most one window's evaluation (one to five milliseconds for 64 KiB
//     of Japanese with the expressions measured here; more for a larger
//     expression) or 64 tries of at most Span bytes each. The phrases have no budget:
//     their pass is linear and shared.
//
// # Categories and classification
//
// The categories are the IHC's: illegal information (違法情報),
// information closely related to serious crime (重要犯罪密接関連情報),
// suicide-inducing information (自殺誘引等情報), and 闇バイト recruitment
// kept apart (see Yamibaito). Each rule has a Weight; Classify combines
// the weights of the rules that hit in each category (see Classify) and
// gives the best category, its score and the hits that make it. Weak
// rules (weight at most Weak) are the phrases ordinary text holds too —
// 高額, 副業, 受け, 運び, ドライバー and the others TestNeutralCorpus names —
// and together add at most WeakCap. A score of ReviewScore or more is
// worth an officer's look; a person always decides.
//
// # Near duplicates
//
// SimHash64 fingerprints a page over the character 3-grams of its
// normalised text with digits read as 0, so a repost with another phone
// number is the same page and one with a few words changed is a few bits
// away. Clusters puts each page with the nearest earlier cluster within
// DefaultThreshold bits (14) of its first page, or starts a new one.
package match
