package observe

import (
	"strings"
	"unicode/utf8"
)

// Japanese bank accounts.
//
// An account is found from its number back: a run of digits that can be an
// account number (seven digits; fewer after a label such as 口座番号; eight
// for a ゆうちょ 番号) is kept when the text before it, within a short
// window, names a financial institution and a branch and joins them to the
// number with nothing but labels, particles and punctuation.

// Zengin account-type codes.
const (
	acctOrdinary = '1' // 普通
	acctCurrent  = '2' // 当座
	acctSavings  = '4' // 貯蓄
)

// yuchoCode is ゆうちょ銀行's Zengin bank code.
const yuchoCode = "9900"

// bankAccount is an account as read from text or from a value.
type bankAccount struct {
	bank, bankCode     string // canonical name and/or four-digit code
	branch, branchCode string // canonical name and/or three-digit code
	kind               byte   // account type code; 0 when not written
	number             string // up to seven digits
	// A ゆうちょ account written as 記号 and 番号.
	kigo, bango string
}

// canonical returns the account's canonical value, or "" when it is not
// complete.
func (a *bankAccount) canonical() string {
	if a.kigo != "" {
		return yuchoCanonical(a.kigo, a.bango)
	}
	if a.number == "" || a.bank == "" && a.bankCode == "" || a.branch == "" && a.branchCode == "" {
		return ""
	}
	kind := a.kind
	if kind == 0 {
		kind = acctOrdinary
	}
	num := padDigits(a.number, 7)
	bankCode, branchCode := a.bankCode, a.branchCode
	if bankCode == "" && a.bank == "ゆうちょ銀行" {
		bankCode = yuchoCode
	}
	if branchCode == "" && bankCode == yuchoCode {
		branchCode = yuchoBranchCode(a.branch)
	}
	if bankCode != "" && branchCode != "" {
		return bankCode + "-" + branchCode + "-" + string(kind) + "-" + num
	}
	bank, branch := a.bankCode, a.branchCode
	if bank == "" {
		bank = a.bank
	}
	if branch == "" {
		branch = a.branch
	}
	return "name:" + bank + "/" + branch + "/" + string(kind) + "/" + num
}

// yuchoCanonical converts a ゆうちょ 記号 and 番号 to the Zengin form when
// the rule ゆうちょ銀行 publishes for 総合口座 applies: a 記号 starting with
// 1, a 番号 ending in 1; the branch is the 記号's second and third digits
// followed by 8, the account is ordinary and its number is the 番号 without
// its last digit. Otherwise (振替口座, whose 記号 starts with 0, and
// anything unusual) it keeps "yucho:KKKKK-NNNNNNNN".
func yuchoCanonical(kigo, bango string) string {
	if kigo[0] == '1' && bango[len(bango)-1] == '1' {
		return yuchoCode + "-" + kigo[1:3] + "8-" + string(acctOrdinary) + "-" + padDigits(bango[:len(bango)-1], 7)
	}
	return "yucho:" + kigo + "-" + padDigits(bango, 8)
}

// padDigits left-pads a run of digits with zeros to n.
func padDigits(d string, n int) string {
	if len(d) >= n {
		return d
	}
	return strings.Repeat("0", n-len(d)) + d
}

// kanjiDigits are the kanji numerals of ゆうちょ銀行's branch names
// ("〇一八" is branch 018).
const kanjiDigits = "〇一二三四五六七八九"

// yuchoBranchCode returns the code of a ゆうちょ branch named by three
// kanji numerals ("〇一八店", "〇一八支店"), or "".
func yuchoBranchCode(branch string) string {
	name := strings.TrimSuffix(branch, "支店")
	name = strings.TrimSuffix(name, "店")
	var code []byte
	for _, r := range name {
		k := strings.IndexRune(kanjiDigits, r)
		if k < 0 || len(code) == 3 {
			return ""
		}
		code = append(code, byte('0'+k/3))
	}
	if len(code) != 3 {
		return ""
	}
	return string(code)
}

// Suffixes of financial institutions' names, and what an abbreviation
// stands for in the canonical name.
var bankSuffixes = []struct{ suffix, canon string }{
	{"銀行", "銀行"},
	{"信用金庫", "信用金庫"},
	{"信金", "信用金庫"},
	{"信用組合", "信用組合"},
	{"信組", "信用組合"},
	{"労働金庫", "労働金庫"},
	{"労金", "労働金庫"},
	{"農業協同組合", "農業協同組合"},
	{"農協", "農業協同組合"},
	{"漁業協同組合", "漁業協同組合"},
	{"漁協", "漁業協同組合"},
}

// branchSuffixes end a branch name. "店" alone is taken only after three
// kanji numerals or digits (ゆうちょ's "〇一八店").
var branchSuffixes = []string{"支店", "出張所", "営業部", "本店", "支所", "店"}

// genericBankWords are words that end in 銀行 without naming a bank.
var genericBankWords = map[string]bool{
	"": true, "ネット": true, "地方": true, "第二地方": true, "都市": true, "信託": true, "外資系": true,
	"メガ": true, "大手": true, "ネット専業": true, "その他": true, "某": true, "同": true, "各": true,
	"当": true, "他": true, "他の": true, "別": true, "指定": true, "取引": true, "中央": true,
	"民間": true, "海外": true, "外国": true, "地元": true, "主要": true, "国内": true, "一般": true, "市中": true,
	"ネットバンク": true, "インターネット": true, "振込先": true, "口座": true, "金融": true, "投資": true,
}

// namePrefixes are words that cling to the front of a bank name in text
// written without spaces ("振込先みずほ銀行"); they are dropped.
var namePrefixes = []string{
	"振込先", "振込み先", "振り込み先", "振込", "送金先", "入金先", "支払先", "支払い先", "宛先", "口座",
	"銀行名", "金融機関名", "金融機関", "株式会社", "(株)",
}

// isNameRune reports whether r may be part of a bank or branch name: kanji,
// kana, ー and ASCII letters and digits.
func isNameRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	return labelClass(r) == classCJK
}

func isHiragana(r rune) bool { return 0x3041 <= r && r <= 0x3096 }

// particles are the hiragana that, standing alone after a kanji, katakana
// or ASCII word, end it: "振込先はみずほ銀行" is みずほ銀行.
const particles = "はのをにへでがともや"

// bankNameBefore returns the start of the institution name that ends at
// t[k] (just before its suffix), reading back over name characters. A
// particle after a non-hiragana word ends the name, and so does a run of
// more than 20 characters (no name).
func bankNameBefore(t string, k int) (int, bool) {
	start := k
	for n := 0; start > 0; n++ {
		r, w := utf8.DecodeLastRuneInString(t[:start])
		if !isNameRune(r) {
			break
		}
		if strings.ContainsRune(particles, r) && start-w > 0 {
			p, _ := utf8.DecodeLastRuneInString(t[:start-w])
			if !isHiragana(p) {
				break
			}
		}
		if n == 20 {
			return 0, false
		}
		start -= w
	}
	return start, true
}

// canonBankName returns the canonical form of an institution's name: no
// spaces, ASCII letters in upper case, "株式会社" and "(株)" dropped, and
// the abbreviated suffixes written out (信金 → 信用金庫). A name without a
// suffix gets 銀行 ("銀行名: みずほ"). It returns "" for a name that is only
// a generic word ("ネット銀行").
func canonBankName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\t':
			return -1
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, name)
	for changed := true; changed; {
		changed = false
		for _, p := range namePrefixes {
			if strings.HasPrefix(name, p) && len(name) > len(p) {
				name = name[len(p):]
				changed = true
			}
		}
	}
	name = strings.TrimSuffix(name, "株式会社")
	name = strings.TrimSuffix(name, "(株)")
	if strings.HasPrefix(name, "JA") && len(name) > 2 {
		return name
	}
	for _, s := range bankSuffixes {
		if strings.HasSuffix(name, s.suffix) {
			stem := name[:len(name)-len(s.suffix)]
			if genericBankWords[stem] || placeholder(stem) {
				return ""
			}
			return stem + s.canon
		}
	}
	if name == "ゆうちょ" {
		return "ゆうちょ銀行"
	}
	if genericBankWords[name] || placeholder(name) {
		return ""
	}
	return name + "銀行"
}

// placeholder reports whether a name is only the marks people write for a
// name they leave out ("〇〇銀行", "××支店", "XX銀行").
func placeholder(name string) bool {
	for _, r := range name {
		if !strings.ContainsRune("〇○◯●×*△▲Xx", r) {
			return false
		}
	}
	return true
}

// canonBranchName returns the canonical form of a branch name: no spaces,
// ASCII letters in upper case, and 支店 added when no branch suffix ends it
// ("支店名: 新宿" is 新宿支店).
func canonBranchName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\t':
			return -1
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, name)
	if name == "" {
		return ""
	}
	if endsWithBranchSuffix(name) {
		for _, sf := range branchSuffixes {
			if stem, ok := strings.CutSuffix(name, sf); ok && stem != "" && placeholder(stem) {
				return ""
			}
		}
		return name
	}
	if placeholder(name) {
		return ""
	}
	return name + "支店"
}

// endsWithBranchSuffix reports whether a branch name ends with a branch
// suffix after a name (本店 and 営業部 may stand alone; 店 only after three
// numerals).
func endsWithBranchSuffix(name string) bool {
	for _, s := range branchSuffixes {
		if !strings.HasSuffix(name, s) {
			continue
		}
		stem := name[:len(name)-len(s)]
		switch {
		case s == "店":
			if threeNumerals(stem) {
				return true
			}
		case stem != "" || s == "本店" || s == "営業部":
			return true
		}
	}
	return false
}

// branchSuffixAt returns the end of the branch name that starts at t[i] and
// ends with a branch suffix within t[i:limit] ("本店営業部" whole), or -1.
func branchSuffixAt(t string, i, limit int) int {
	for k := i; k < limit; {
		for _, s := range branchSuffixes {
			if !strings.HasPrefix(t[k:limit], s) {
				continue
			}
			if s == "店" && !threeNumerals(t[i:k]) {
				continue
			}
			if k == i && s != "本店" && s != "営業部" {
				continue // a suffix needs a name before it
			}
			end := k + len(s)
			if strings.HasPrefix(t[end:limit], "営業部") {
				end += len("営業部")
			}
			return end
		}
		_, w := utf8.DecodeRuneInString(t[k:])
		k += w
	}
	return -1
}

// threeNumerals reports whether s is three kanji numerals or three digits.
func threeNumerals(s string) bool {
	if len(s) == 3 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) {
		return true
	}
	n := 0
	for _, r := range s {
		if !strings.ContainsRune(kanjiDigits, r) {
			return false
		}
		n++
	}
	return n == 3
}

// Labels that may come between the parts of an account. Each says what the
// digits or the name after it are.
type bankLabel int

const (
	labelNone bankLabel = iota
	labelBankCode
	labelBranchCode
	labelBranchName
	labelBankName
	labelKind
	labelNumber
	labelKigo
	labelBango
	labelKigoBango
	labelHolder // the holder's name follows
)

// labelWord is a word of bankLabels.
type labelWord struct {
	word  string
	label bankLabel
	fold  bool // English: matched in any case, as a whole word
}

// match reports whether the word starts s.
func (l labelWord) match(s string) bool {
	return l.fold && hasWordFold(s, l.word) || !l.fold && strings.HasPrefix(s, l.word)
}

var bankLabels = []labelWord{
	// Longest first where one is a prefix of another.
	{"金融機関コード", labelBankCode, false}, {"金融機関番号", labelBankCode, false}, {"金融機関名", labelBankName, false},
	{"銀行コード", labelBankCode, false}, {"銀行番号", labelBankCode, false}, {"銀行名", labelBankName, false},
	{"支店コード", labelBranchCode, false}, {"支店番号", labelBranchCode, false}, {"店舗コード", labelBranchCode, false},
	{"店舗番号", labelBranchCode, false}, {"店番号", labelBranchCode, false}, {"店番", labelBranchCode, false},
	{"支店名", labelBranchName, false}, {"店名", labelBranchName, false},
	{"口座種別", labelKind, false}, {"口座種類", labelKind, false}, {"預金種別", labelKind, false}, {"預金種目", labelKind, false},
	{"種別", labelKind, false}, {"種目", labelKind, false}, {"科目", labelKind, false},
	{"口座名義人", labelHolder, false}, {"口座名義", labelHolder, false}, {"名義人", labelHolder, false}, {"名義", labelHolder, false},
	{"受取人名", labelHolder, false}, {"受取人", labelHolder, false},
	{"口座番号", labelNumber, false}, {"口座No.", labelNumber, false}, {"口座NO.", labelNumber, false}, {"口座No", labelNumber, false},
	{"口座NO", labelNumber, false}, {"No.", labelNumber, false}, {"NO.", labelNumber, false}, {"口座", labelNumber, false},
	{"記号番号", labelKigoBango, false}, {"記号", labelKigo, false}, {"番号", labelBango, false},
	// English, longest first where one is a prefix of another.
	{"bank code", labelBankCode, true}, {"bank name", labelBankName, true}, {"bank:", labelBankName, true},
	{"branch code", labelBranchCode, true}, {"branch number", labelBranchCode, true},
	{"branch no.", labelBranchCode, true}, {"branch no", labelBranchCode, true}, {"branch #", labelBranchCode, true},
	{"branch name", labelBranchName, true}, {"branch", labelBranchName, true},
	{"account type", labelKind, true}, {"type", labelKind, true},
	{"account holder", labelHolder, true}, {"account name", labelHolder, true}, {"beneficiary", labelHolder, true},
	{"account number", labelNumber, true}, {"account no.", labelNumber, true}, {"account no", labelNumber, true},
	{"account #", labelNumber, true}, {"acct. no.", labelNumber, true}, {"acct no.", labelNumber, true},
	{"acct no", labelNumber, true}, {"acct", labelNumber, true}, {"a/c no.", labelNumber, true},
	{"a/c no", labelNumber, true}, {"a/c", labelNumber, true}, {"account", labelNumber, true},
	{"number", labelNumber, true}, {"symbol", labelKigo, true},
}

// labelWordAt returns the label at t[i] and its length, or labelNone.
func labelWordAt(t string, i int) (bankLabel, int) {
	if i >= len(t) {
		return labelNone, 0
	}
	for _, k := range labelsByLead[t[i]] {
		if l := bankLabels[k]; l.match(t[i:]) {
			return l.label, len(l.word)
		}
	}
	return labelNone, 0
}

// fillers are the words and punctuation that may stand between the parts
// of an account besides labels.
var fillers = []string{
	" ", "\t", "\n", "\r", ":", ",", "/", "|", "(", ")", "[", "]", "=", ">", "*", "#", "-",
	"、", "・", "「", "」", "『", "』", "【", "】", "〔", "〕", "→", "の", "は", "で", "です", "預金",
	// Bullets of forms.
	"■", "□", "●", "◆", "◇", "★", "☆", "※", "◎", "▼", "▶", "►",
}

// byLead lists the indices of words in a list by the words' first byte,
// in the order of the list: only those can start at a given byte, and the
// first of them that does is the one the whole list would find.
type byLead [256][]int

// indexByLead returns the byLead of the n words that word gives. A word
// that starts with an ASCII letter is listed under both its cases, for
// the English words matched in any case.
func indexByLead(n int, word func(int) string) *byLead {
	var ix byLead
	for k := range n {
		c := word(k)[0]
		ix[c] = append(ix[c], k)
		if isASCIILetter(c) {
			ix[c^0x20] = append(ix[c^0x20], k)
		}
	}
	return &ix
}

var (
	labelsByLead  = indexByLead(len(bankLabels), func(k int) string { return bankLabels[k].word })
	fillersByLead = indexByLead(len(fillers), func(k int) string { return fillers[k] })
	kindsByLead   = indexByLead(len(accountKinds), func(k int) string { return accountKinds[k].word })
)

// kindWord is a word of accountKinds.
type kindWord struct {
	word string
	kind byte
	fold bool // English: matched in any case, as a whole word
}

// match reports whether the word starts s.
func (k kindWord) match(s string) bool {
	return k.fold && hasWordFold(s, k.word) || !k.fold && strings.HasPrefix(s, k.word)
}

// accountKinds are the words for the account types, longest first.
var accountKinds = []kindWord{
	{"普通預金", acctOrdinary, false}, {"普通口座", acctOrdinary, false}, {"普通", acctOrdinary, false},
	{"総合口座", acctOrdinary, false},
	{"当座預金", acctCurrent, false}, {"当座口座", acctCurrent, false}, {"当座", acctCurrent, false},
	{"貯蓄預金", acctSavings, false}, {"貯蓄口座", acctSavings, false}, {"貯蓄", acctSavings, false},
	{"普", acctOrdinary, false}, {"当", acctCurrent, false},
	// English. "Savings deposit" is how banks translate 貯蓄預金, but a
	// "savings account" is what English speakers call 普通預金.
	{"ordinary deposit", acctOrdinary, true}, {"ordinary account", acctOrdinary, true}, {"ordinary", acctOrdinary, true},
	{"savings deposit", acctSavings, true}, {"savings account", acctOrdinary, true}, {"savings", acctOrdinary, true},
	{"futsuu", acctOrdinary, true}, {"futsu", acctOrdinary, true},
	{"current account", acctCurrent, true}, {"current deposit", acctCurrent, true}, {"current", acctCurrent, true},
	{"checking account", acctCurrent, true}, {"checking", acctCurrent, true},
	{"touza", acctCurrent, true}, {"toza", acctCurrent, true},
}

// maxFiller bounds the bytes of labels and punctuation between two parts.
const maxFiller = 72

// bankWindow is how far before a number the bank's name may be.
const bankWindow = 320

// bankAnchors start an account: the suffixes of institution names, the
// labels that introduce a bank, and ゆうちょ.
var bankAnchors = []string{"銀行", "金庫", "信金", "組合", "信組", "労金", "農協", "漁協", "金融機関", "JA", "ゆうちょ",
	"Bank", "BANK", "bank"}

// anchorsByLead lists bankAnchors by their first byte, and anchorPairs
// holds one bit for each of their first two bytes: a window is mostly
// Japanese text, whose lead bytes are those of the anchors, but few of
// whose pairs of bytes are.
var (
	anchorsByLead [256][]string
	anchorPairs   [1 << 16 / 64]uint64
)

func init() {
	for _, an := range bankAnchors {
		anchorsByLead[an[0]] = append(anchorsByLead[an[0]], an)
		pair := uint16(an[0])<<8 | uint16(an[1])
		anchorPairs[pair/64] |= 1 << (pair % 64)
	}
}

// anchorBefore returns the latest offset in t[w:p] where an anchor starts
// and ends by end, and the anchor, or -1. No anchor is a prefix of
// another, so each offset has at most one.
func anchorBefore(t string, w, p, end int) (int, string) {
	for q := min(p, end-1) - 1; q >= w; q-- {
		pair := uint16(t[q])<<8 | uint16(t[q+1])
		if anchorPairs[pair/64]&(1<<(pair%64)) == 0 {
			continue
		}
		for _, an := range anchorsByLead[t[q]] {
			if strings.HasPrefix(t[q:end], an) {
				return q, an
			}
		}
	}
	return -1, ""
}

// digitRun returns the end of the run of ASCII digits at t[i].
func digitRun(t string, i int) int {
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	return i
}

// accountParse reads the parts of an account forward from a bank.
type accountParse struct {
	t     string
	acc   bankAccount
	yucho bool
}

// bankAt reads the bank that anchor (one of bankAnchors) at t[a] belongs
// to, and returns the parse so far, where the bank starts and where the
// parse goes on.
func bankAt(t string, a int, anchor string) (*accountParse, int, int, bool) {
	p := &accountParse{t: t}
	end := a + len(anchor)
	switch anchor {
	case "JA":
		// "JA" and the association's name: kanji and katakana up to a
		// separator ("JA東京中央 本店").
		if a > 0 && isWordByte(t[a-1]) {
			return nil, 0, 0, false
		}
		k := end
		for n := 0; k < len(t) && n < 12; n++ {
			r, w := utf8.DecodeRuneInString(t[k:])
			if labelClass(r) != classCJK || isHiragana(r) {
				break
			}
			k += w
		}
		name := t[a:k]
		if k == end || strings.Contains(name, "支店") || strings.Contains(name, "支所") || strings.Contains(name, "本店") {
			return nil, 0, 0, false
		}
		p.acc.bank = canonBankName(name)
		return p, a, k, p.acc.bank != ""
	case "Bank", "BANK", "bank":
		return englishBankAt(t, a)
	case "ゆうちょ":
		p.yucho = true
		p.acc.bank = "ゆうちょ銀行"
		if strings.HasPrefix(t[end:], "銀行") {
			end += len("銀行")
		}
		return p, a, end, true
	}
	// A label that contains the anchor: 銀行名, 銀行コード, 金融機関コード…
	for _, l := range bankLabels[:6] {
		for k := max(0, a-len(l.word)+len(anchor)); k <= a && k+len(l.word) <= len(t); k++ {
			if t[k:k+len(l.word)] == l.word && k+len(l.word) >= end {
				return p, k, k, true // the parse reads the label itself
			}
		}
	}
	if anchor == "金融機関" {
		return nil, 0, 0, false
	}
	// A name with its suffix: find which suffix ends here.
	suffix := ""
	for _, sf := range bankSuffixes {
		if st := end - len(sf.suffix); st >= 0 && t[st:end] == sf.suffix {
			suffix = sf.suffix
			break
		}
	}
	if suffix == "" {
		return nil, 0, 0, false
	}
	nameEnd := end - len(suffix)
	start, ok := bankNameBefore(t, nameEnd)
	if !ok {
		return nil, 0, 0, false
	}
	p.acc.bank = canonBankName(t[start:end])
	if p.acc.bank == "" {
		return nil, 0, 0, false
	}
	if strings.HasPrefix(p.acc.bank, "ゆうちょ") {
		p.yucho = true
	}
	return p, start, end, true
}

// skip reads labels and fillers from t[i] and returns where they end and
// the last label read.
func (p *accountParse) skip(i int) (int, bankLabel) {
	t := p.t
	last := labelNone
	start := i
	for i < len(t) && i-start <= maxFiller {
		if l, n := labelWordAt(t, i); l != labelNone {
			i += n
			last = l
			continue
		}
		matched := false
		if t[i] == '(' {
			if k := readingEnd(t, i); k > 0 {
				i = k
				continue
			}
		}
		for _, k := range fillersByLead[t[i]] {
			if f := fillers[k]; strings.HasPrefix(t[i:], f) {
				if f == "の" || f == "は" || f == "で" || f == "です" {
					// A particle, not the start of a name (のぞみ支店).
					if r, _ := utf8.DecodeRuneInString(t[i+len(f):]); isHiragana(r) {
						break
					}
				}
				i += len(f)
				matched = true
				break
			}
		}
		if !matched {
			break
		}
	}
	return i, last
}

// readingEnd returns the end of a reading in katakana written in
// brackets after a name ("(ゼロイチハチ)", "(シンジュク)") at t[i], or 0.
func readingEnd(t string, i int) int {
	k := i + 1
	for n := 0; k < len(t) && n < 24; n++ {
		r, w := utf8.DecodeRuneInString(t[k:])
		if r == ')' {
			if n == 0 {
				return 0
			}
			return k + 1
		}
		if !(0x30A1 <= r && r <= 0x30FA || r == 'ー' || r == '・' || r == ' ') {
			return 0
		}
		k += w
	}
	return 0
}

// parse reads the rest of an account from t[i]: a branch (a name with its
// suffix, or a code), the type, and the number, in the order written, with
// labels and punctuation between them. It returns the account's number's
// start and end.
func (p *accountParse) parse(i int) (int, int, bool) {
	t := p.t
	a := &p.acc
	for steps := 0; steps < 12; steps++ {
		j, label := p.skip(i)
		if j-i > maxFiller || j >= len(t) {
			return 0, 0, false
		}
		i = j
		if label == labelHolder {
			// The holder's name ("名義：ヤマダ タロウ"), before the type or
			// the number.
			if k := p.skipHolder(i); k > i {
				i = k
				continue
			}
		}
		// Digits, or a run of kanji numerals, which may be a number but
		// not a code.
		d, e, kanji := "", 0, false
		if isDigit(t[i]) {
			if i > 0 && isDigit(t[i-1]) {
				return 0, 0, false
			}
			e = digitRun(t, i)
			d = t[i:e]
		} else if k := kanjiRunEnd(t, i); k-i >= kanjiProbe {
			e, kanji = k, true
			d = kanjiToDigits(t[i:e])
		}
		if d != "" {
			n := len(d)
			if e < len(t) && (isASCIIAlnum(t[e]) || t[e] == '.' && e+1 < len(t) && isDigit(t[e+1])) || counterAfter(t, e) || magnitudeAt(t, e) {
				return 0, 0, false
			}
			dashDigits := e+1 < len(t) && t[e] == '-' && isDigit(t[e+1])
			switch {
			case p.yucho && n == 5 && (label == labelKigo || label == labelKigoBango || dashDigits || a.branch == "" && a.branchCode == ""):
				a.kigo = d
				if dashDigits {
					f := digitRun(t, e+1)
					if f-e-1 > 8 || f < len(t) && isASCIIAlnum(t[f]) {
						return 0, 0, false
					}
					a.bango = t[e+1 : f]
					return e + 1, f, true
				}
			case p.yucho && a.kigo != "" && n <= 8:
				a.bango = d
				return i, e, true
			case !kanji && (label == labelBankCode && n == 4 || label == labelNone && n == 4 && a.bankCode == "" && a.branch == "" && a.branchCode == ""):
				a.bankCode = d
			case !kanji && n == 3 && (label == labelBranchCode || label == labelNone && a.branch != "" && a.branchCode == "" || label == labelBranchName):
				a.branchCode = d
			case n == 7 || label == labelNumber && n >= 4 && n < 7:
				if a.branch == "" && a.branchCode == "" || dashDigits {
					return 0, 0, false
				}
				a.number = d
				p.kindAfter(e)
				return i, e, true
			default:
				return 0, 0, false
			}
			i = e
			continue
		}
		// The account type.
		if k, ok := p.kindAt(i); ok {
			i = k
			continue
		}
		// A branch.
		if a.branch == "" && p.yucho && i+9 <= len(t) && threeNumerals(t[i:i+9]) {
			// ゆうちょ's "〇一八", with or without 店.
			e := i + 9
			if r, _ := utf8.DecodeRuneInString(t[e:]); !isNameRune(r) || strings.HasPrefix(t[e:], "店") || strings.HasPrefix(t[e:], "支店") {
				if e2 := branchSuffixAt(t, i, min(len(t), e+len("支店"))); e2 > 0 {
					e = e2
				}
				a.branch = canonBranchName(t[i:e])
				i = e
				continue
			}
		}
		if a.branch == "" && isASCIILetter(t[i]) {
			if name, e := englishBranchAt(t, i, label == labelBranchName); name != "" {
				a.branch = name
				i = e
				continue
			}
		}
		if a.branch == "" {
			limit := nameRunEnd(t, i, 24)
			e := branchSuffixAt(t, i, limit)
			if e < 0 && label == labelBranchName {
				e = limit
			}
			if e > i {
				if a.branch = canonBranchName(t[i:e]); a.branch == "" {
					return 0, 0, false
				}
				i = e
				continue
			}
		}
		// A bank named after a label ("銀行名: みずほ").
		if label == labelBankName && a.bank == "" && isASCIILetter(t[i]) {
			if name, e := englishBankAfter(t, i); name != "" {
				a.bank = name
				p.yucho = name == "ゆうちょ銀行"
				i = e
				continue
			}
		}
		if label == labelBankName && a.bank == "" {
			limit := nameRunEnd(t, i, 20)
			if limit == i {
				return 0, 0, false
			}
			// The name may run on into the branch ("みずほ銀行新宿支店").
			name := t[i:limit]
			for _, s := range bankSuffixes {
				if k := strings.Index(name, s.suffix); k >= 0 {
					name = name[:k+len(s.suffix)]
					break
				}
			}
			a.bank = canonBankName(name)
			if a.bank == "" {
				return 0, 0, false
			}
			if strings.HasPrefix(a.bank, "ゆうちょ") {
				p.yucho = true
			}
			i += len(name)
			continue
		}
		return 0, 0, false
	}
	return 0, 0, false
}

// maxHolder bounds the characters of a holder's name.
const maxHolder = 30

// skipHolder returns the end of the holder's name at t[i]: kana, kanji,
// ASCII letters, spaces and the brackets and dots of "カ)エフエックス" or
// "ヤマダ・タロウ", up to a digit, a label, an account type or the end of
// the line.
func (p *accountParse) skipHolder(i int) int {
	t := p.t
	for n := 0; n < maxHolder && i < len(t); n++ {
		if isDigit(t[i]) || labelOrKindAt(t, i) || kanjiRunEnd(t, i)-i >= kanjiProbe {
			break
		}
		r, w := utf8.DecodeRuneInString(t[i:])
		if !(isNameRune(r) || r == ' ' || r == '(' || r == ')' || r == '・' || r == '.') {
			break
		}
		i += w
	}
	return i
}

// kindAfter reads an account type written in brackets right after the
// number ("1234567(当座)"), when none was written before it.
func (p *accountParse) kindAfter(e int) {
	t := p.t
	if p.acc.kind != 0 {
		return
	}
	if e < len(t) && t[e] == ' ' {
		e++
	}
	if e >= len(t) || t[e] != '(' {
		return
	}
	if k, ok := kindWordAt(t, e+1); ok {
		if end := e + 1 + len(accountKinds[k].word); end < len(t) && t[end] == ')' {
			p.acc.kind = accountKinds[k].kind
		}
	}
}

// kindWordAt returns the index in accountKinds of the type word at t[i].
func kindWordAt(t string, i int) (int, bool) {
	if i >= len(t) {
		return 0, false
	}
	for _, x := range kindsByLead[t[i]] {
		if accountKinds[x].match(t[i:]) {
			return x, true
		}
	}
	return 0, false
}

// kindAt reads an account type word at t[i].
func (p *accountParse) kindAt(i int) (int, bool) {
	if p.acc.kind != 0 {
		return 0, false
	}
	x, ok := kindWordAt(p.t, i)
	if !ok {
		return 0, false
	}
	p.acc.kind = accountKinds[x].kind
	return i + len(accountKinds[x].word), true
}

// counters are the words that make a number an amount, a count or a date
// ("1234567円"), not an account number.
var counters = []string{"円", "万", "千", "百", "億", "件", "回", "人", "名", "個", "枚", "本", "点", "歳",
	"年", "月", "日", "時", "分", "秒", "ドル", "元", "ウォン", "%", "％"}

// counterAfter reports whether a counter follows t[:e] (after at most one
// space).
func counterAfter(t string, e int) bool {
	if e < len(t) && t[e] == ' ' {
		e++
	}
	for _, c := range counters {
		if strings.HasPrefix(t[e:], c) {
			// 名 counts people, but 名義 and 名前 name the holder.
			return c != "名" || !strings.HasPrefix(t[e+len(c):], "義") && !strings.HasPrefix(t[e+len(c):], "前")
		}
	}
	return false
}

// kanjiRunEnd returns the end of the run of kanji numerals at t[i].
func kanjiRunEnd(t string, i int) int {
	for kanjiDigit(t, i) >= 0 {
		i += 3
	}
	return i
}

// nameRunEnd returns the end of the run of name characters at t[i], at most
// n characters long.
func nameRunEnd(t string, i, n int) int {
	for k := 0; k < n && i < len(t); k++ {
		r, w := utf8.DecodeRuneInString(t[i:])
		if !isNameRune(r) {
			break
		}
		i += w
	}
	return i
}

// bankMatch is an account found in text.
type bankMatch struct {
	start, end int
	value      string
}

// findBankAccounts finds the accounts in t, whose digit runs are digits
// and whose runs of kanji numerals are kanji (see findKanjiRuns).
// skipNumber, if not nil, says that a number at that offset is inside
// another observable.
func findBankAccounts(t string, digits *digitRuns, kanji []span, skipNumber func(int) bool) []bankMatch {
	var out []bankMatch
	last := 0 // the end of the last account: anchors before it are spent
	for d, k := 0, 0; d < len(digits.runs) || k < len(kanji); {
		// The next run of digits or of numerals.
		var run span
		if k == len(kanji) || d < len(digits.runs) && digits.runs[d].start < kanji[k].start {
			run = digits.runs[d]
			d++
		} else {
			run = kanji[k]
			k++
		}
		start, e := run.start, run.end
		if !numberCandidate(t, start, e) {
			continue
		}
		if skipNumber != nil && skipNumber(start) {
			continue
		}
		// The anchors in the window before the number, latest first, until
		// one starts an account that ends with this number.
		w := max(last, start-bankWindow)
		for w < start && !utf8.RuneStart(t[w]) {
			w++
		}
		for a := start; ; {
			var anchor string
			if a, anchor = anchorBefore(t, w, a, start); a < 0 {
				break
			}
			p, bs, be, ok := bankAt(t, a, anchor)
			if !ok || bs < last {
				continue
			}
			_, ne, ok := p.parse(be)
			if !ok || ne != e {
				continue
			}
			v := p.acc.canonical()
			if v == "" {
				continue
			}
			out = append(out, bankMatch{bs, ne, v})
			last = ne
			break
		}
	}
	return out
}

// numberCandidate reports whether the run of digits or of kanji numerals
// t[start:e] may be an account number (or a ゆうちょ 記号 or 番号): not
// glued to letters or to 十, 百, 千, 万 or 億, at most eight digits, and
// fewer than seven only after a number label or a ゆうちょ 記号.
func numberCandidate(t string, start, e int) bool {
	n := e - start
	if !isDigit(t[start]) {
		n /= 3
		if magnitudeAt(t, start-3) || magnitudeAt(t, e) {
			return false
		}
	}
	if n > 8 || start > 0 && isASCIIAlnum(t[start-1]) || e < len(t) && isASCIIAlnum(t[e]) {
		return false
	}
	return n >= 7 || numberLabelBefore(t, start) || afterKigo(t, start)
}

// afterKigo reports whether five digits and a dash, as in ゆうちょ's
// "12345-123456", stand just before t[i].
func afterKigo(t string, i int) bool {
	if i < 6 || t[i-1] != '-' || i > 6 && isDigit(t[i-7]) {
		return false
	}
	return allDigits(t[i-6 : i-1])
}

// numberLabelBefore reports whether a number label (口座番号, 番号, No.)
// ends just before t[i], with at most a colon and spaces between.
func numberLabelBefore(t string, i int) bool {
	for i > 0 && (t[i-1] == ' ' || t[i-1] == ':') {
		i--
	}
	if i == 0 {
		return false
	}
	// The labels end in 号, 座, '.' or 'o'.
	if c := t[i-1]; c != 0xB7 && c != 0xA7 && c != '.' && c != 'o' {
		return false
	}
	return strings.HasSuffix(t[:i], "番号") || strings.HasSuffix(t[:i], "口座") ||
		strings.HasSuffix(t[:i], "No.") || strings.HasSuffix(t[:i], "NO.") || strings.HasSuffix(t[:i], "No")
}

// scanBankAccounts finds Japanese bank accounts outside URLs and e-mail
// addresses.
func scanBankAccounts(s *scanner) {
	taken := s.cursor(claimURL, claimEmail)
	for _, m := range findBankAccounts(s.t, s.digitRuns(), s.kanjiRuns(), taken.claimed) {
		s.add(m.start, BankAccount, m.value)
	}
}

// normalizeBankAccount is the BankAccount normaliser. It reads the
// canonical forms ("0001-123-1-1234567", "name:…", "yucho:…") and an
// account written out in full ("みずほ銀行 新宿支店 普通 1234567").
func normalizeBankAccount(v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "name:"):
		if c, ok := canonicalNameForm(v[len("name:"):]); ok {
			return c, nil
		}
		return "", invalid(BankAccount, `want "name:BANK/BRANCH/T/NNNNNNN"`)
	case strings.HasPrefix(v, "yucho:"):
		k, b, ok := strings.Cut(v[len("yucho:"):], "-")
		if ok && len(k) == 5 && allDigits(k) && len(b) >= 1 && len(b) <= 8 && allDigits(b) {
			return yuchoCanonical(k, b), nil
		}
		return "", invalid(BankAccount, `want "yucho:KKKKK-NNNNNNNN"`)
	case len(v) > 0 && isDigit(v[0]):
		parts := strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == ' ' })
		if len(parts) == 4 && len(parts[0]) == 4 && len(parts[1]) == 3 && len(parts[2]) == 1 &&
			len(parts[3]) >= 1 && len(parts[3]) <= 7 && allDigits(parts[0]+parts[1]+parts[2]+parts[3]) &&
			strings.ContainsRune("124", rune(parts[2][0])) {
			return parts[0] + "-" + parts[1] + "-" + parts[2] + "-" + padDigits(parts[3], 7), nil
		}
		return "", invalid(BankAccount, `want "BBBB-SSS-T-NNNNNNN" with T 1, 2 or 4`)
	}
	var digits digitRuns
	digits.find(v)
	ms := findBankAccounts(v, &digits, findKanjiRuns(v, nil), nil)
	if len(ms) == 1 && ms[0].start == 0 && accountTail(v[ms[0].end:]) {
		return ms[0].value, nil
	}
	return "", invalid(BankAccount, "want a bank, a branch, the account type and a 7-digit number")
}

// accountTail reports whether rest holds only what may follow an account
// written out in full: its type in brackets, its holder ("名義 ヤマダ
// タロウ"), spaces and a full stop.
func accountTail(rest string) bool {
	i := 0
	if rest != "" && rest[0] == ' ' {
		i++
	}
	if i < len(rest) && rest[i] == '(' {
		if k, ok := kindWordAt(rest, i+1); ok {
			if e := i + 1 + len(accountKinds[k].word); e < len(rest) && rest[e] == ')' {
				i = e + 1
			}
		}
	}
	p := &accountParse{t: rest}
	j, label := p.skip(i)
	if label == labelHolder {
		i = p.skipHolder(j)
	} else if label != labelNone {
		return false
	}
	return strings.TrimRight(rest[i:], " 。.") == ""
}

// canonicalNameForm reads "BANK/BRANCH/T/NNNNNNN" where BANK is a name or
// a four-digit code and BRANCH a name or a three-digit code.
func canonicalNameForm(v string) (string, bool) {
	parts := strings.Split(v, "/")
	if len(parts) != 4 || len(parts[2]) != 1 || !strings.ContainsRune("124", rune(parts[2][0])) ||
		len(parts[3]) < 1 || len(parts[3]) > 7 || !allDigits(parts[3]) {
		return "", false
	}
	a := bankAccount{kind: parts[2][0], number: parts[3]}
	if b := parts[0]; len(b) == 4 && allDigits(b) {
		a.bankCode = b
	} else if !allNameRunes(strings.ReplaceAll(b, "(株)", "")) {
		return "", false
	} else if a.bank = canonBankName(b); a.bank == "" {
		return "", false
	}
	if b := parts[1]; len(b) == 3 && allDigits(b) {
		a.branchCode = b
	} else if !allNameRunes(b) {
		return "", false
	} else if a.branch = canonBranchName(b); a.branch == "" {
		return "", false
	}
	c := a.canonical()
	return c, c != ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func allNameRunes(s string) bool {
	for _, r := range s {
		if !isNameRune(r) {
			return false
		}
	}
	return s != ""
}
