package observe

import (
	"strings"
	"unicode/utf8"
)

// Japanese bank accounts written in English ("Mizuho Bank Shinjuku branch,
// ordinary 7654321"), as foreign victims and partners' reports give them.
// The words of the account (labels, types) are in bankLabels and
// accountKinds, marked fold; what is here reads the names.

// englishBanks are the Japanese names of the banks reports most often name
// in English, by their English name in lower case without "Bank". Any
// other "X Bank" keeps its name, in upper case: "SURUGA銀行".
var englishBanks = map[string]string{
	"mizuho":               "みずほ銀行",
	"mufg":                 "三菱UFJ銀行",
	"mitsubishi ufj":       "三菱UFJ銀行",
	"tokyo-mitsubishi ufj": "三菱UFJ銀行",
	"sumitomo mitsui":      "三井住友銀行",
	"smbc":                 "三井住友銀行",
	"resona":               "りそな銀行",
	"saitama resona":       "埼玉りそな銀行",
	"japan post":           "ゆうちょ銀行",
	"yucho":                "ゆうちょ銀行",
	"rakuten":              "楽天銀行",
	"sony":                 "ソニー銀行",
	"aeon":                 "イオン銀行",
	"seven":                "セブン銀行",
	"lawson":               "ローソン銀行",
	"sbi sumishin net":     "住信SBIネット銀行",
	"sumishin sbi net":     "住信SBIネット銀行",
	"au jibun":             "AUじぶん銀行",
	"jibun":                "AUじぶん銀行",
	"sbi shinsei":          "SBI新生銀行",
	"shinsei":              "SBI新生銀行",
	"gmo aozora net":       "GMOあおぞらネット銀行",
	"aozora":               "あおぞら銀行",
	"minna":                "みんなの銀行",
	"yokohama":             "横浜銀行",
	"chiba":                "千葉銀行",
	"shizuoka":             "静岡銀行",
	"fukuoka":              "福岡銀行",
	"kyoto":                "京都銀行",
}

// maxEnglishWords bounds the words of an English bank or branch name.
const maxEnglishWords = 5

// isASCIILetter reports whether c is an ASCII letter.
func isASCIILetter(c byte) bool { return byteClass[c]&bAlpha != 0 }

// isEnglishWordByte reports whether c may be part of a word of an English
// name ("Tokyo-Mitsubishi", "O'Hara", "A&B").
func isEnglishWordByte(c byte) bool { return isASCIIAlnum(c) || c == '-' || c == '\'' || c == '&' }

// hasWordFold reports whether s starts with w (lower-case ASCII), in any
// case, as a whole word: a word that ends in a letter is not followed by
// another.
func hasWordFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return !isASCIILetter(w[len(w)-1]) || len(s) == len(w) || !isASCIILetter(s[len(w)])
}

// capitalised reports whether an English word may be part of a name: it
// starts with an upper-case letter or a digit.
func capitalised(w string) bool { return w != "" && ('A' <= w[0] && w[0] <= 'Z' || isDigit(w[0])) }

// englishWordBefore returns the start of the word that ends at t[i], or i.
func englishWordBefore(t string, i int) int {
	k := i
	for k > 0 && isEnglishWordByte(t[k-1]) {
		k--
	}
	return k
}

// englishWordAt returns the end of the word that starts at t[i], or i.
func englishWordAt(t string, i int) int {
	for i < len(t) && isEnglishWordByte(t[i]) {
		i++
	}
	return i
}

// englishName returns the canonical form of the words of an English
// name: letters and digits only, in upper case ("Tokyo-Mitsubishi UFJ" is
// TOKYOMITSUBISHIUFJ).
func englishName(words []string) string {
	var b strings.Builder
	for _, w := range words {
		for i := 0; i < len(w); i++ {
			if c := w[i]; isASCIIAlnum(c) {
				if 'a' <= c && c <= 'z' {
					c -= 'a' - 'A'
				}
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// englishBankName returns the canonical name of the bank whose English
// name is words (without "Bank"), and how many of the leading words are
// not part of it: the longest run of trailing words that is in
// englishBanks, or else all of them ("Shinkin" is 信用金庫).
func englishBankName(words []string) (string, int) {
	for k := range words {
		key := strings.ToLower(strings.Join(words[k:], " "))
		if v, ok := englishBanks[key]; ok {
			return v, k
		}
	}
	if n := len(words); n > 1 && strings.EqualFold(words[n-1], "Shinkin") {
		return canonBankName(englishName(words[:n-1]) + "信用金庫"), 0
	}
	return canonBankName(englishName(words) + "銀行"), 0
}

// englishBankSuffixes may follow "Bank" in a bank's name.
var englishBankSuffixes = []string{", ltd.", ", ltd", " ltd.", " ltd", ", limited", " limited"}

// englishBankAt reads the bank that the word "Bank" at t[a] belongs to,
// like bankAt: a label ("Bank:", "Bank name:", "Bank code"), whose parse
// starts at the label, or a name — capitalised words before it ("Mizuho
// Bank", "Sumitomo Mitsui Banking Corporation") or after "Bank of" ("The
// Bank of Yokohama").
func englishBankAt(t string, a int) (*accountParse, int, int, bool) {
	p := &accountParse{t: t}
	if a > 0 && isASCIILetter(t[a-1]) {
		return nil, 0, 0, false
	}
	if l, _ := labelWordAt(t, a); l != labelNone {
		return p, a, a, true // the parse reads the label itself
	}
	end := a + len("bank")
	switch {
	case hasWordFold(t[end:], "ing corporation"):
		end += len("ing corporation")
	case hasWordFold(t[end:], "ing corp."):
		end += len("ing corp.")
	case end < len(t) && isASCIILetter(t[end]):
		return nil, 0, 0, false
	}
	// The words before "Bank".
	var words []string
	start := a
	for len(words) < maxEnglishWords && start > 1 && t[start-1] == ' ' {
		k := englishWordBefore(t, start-1)
		w := t[k : start-1]
		if !capitalised(w) {
			break
		}
		words = append(words, w)
		start = k
	}
	for i, j := 0, len(words)-1; i < j; i, j = i+1, j-1 {
		words[i], words[j] = words[j], words[i]
	}
	if len(words) > 0 && words[0] == "The" {
		words = words[1:]
		start += len("The ")
	}
	if len(words) == 0 && hasWordFold(t[end:], " of ") {
		// "Bank of Yokohama".
		k := end + len(" of ")
		for len(words) < maxEnglishWords && k < len(t) {
			e := englishWordAt(t, k)
			if w := t[k:e]; capitalised(w) {
				words = append(words, w)
				end = e
			} else {
				break
			}
			if e+1 >= len(t) || t[e] != ' ' {
				break
			}
			k = e + 1
		}
		if len(words) > 0 && start >= 4 && t[start-4:start] == "The " {
			start -= 4
		}
	}
	if len(words) == 0 {
		return nil, 0, 0, false
	}
	bank, skipped := englishBankName(words)
	if bank == "" {
		return nil, 0, 0, false
	}
	if start < a {
		// The name is before "Bank": it starts at its first word that is.
		for _, w := range words[:skipped] {
			start += len(w) + 1
		}
	}
	for _, s := range englishBankSuffixes {
		if hasWordFold(t[end:], s) {
			end += len(s)
			break
		}
	}
	p.acc.bank = bank
	p.yucho = bank == "ゆうちょ銀行"
	return p, start, end, true
}

// englishBankAfter reads a bank's English name after a label ("Bank name:
// Mizuho Bank"): capitalised words, with or without "Bank". It returns
// the canonical name and where it ends, or "".
func englishBankAfter(t string, i int) (string, int) {
	var words []string
	end := i
	for len(words) < maxEnglishWords && i < len(t) {
		e := englishWordAt(t, i)
		w := t[i:e]
		if gluedToName(t, e) {
			return "", 0 // "ABC銀行": a Japanese name
		}
		if !capitalised(w) || labelOrKindAt(t, i) {
			break
		}
		if strings.EqualFold(w, "Bank") {
			end = e
			break
		}
		words = append(words, w)
		end = e
		if e+1 >= len(t) || t[e] != ' ' {
			break
		}
		i = e + 1
	}
	if len(words) == 0 {
		return "", 0
	}
	bank, _ := englishBankName(words)
	return bank, end
}

// englishBranchAt reads an English branch name at t[i]: capitalised words
// and "Branch" or "Br." ("Shinjuku branch"), or "Head Office" (本店). After
// a branch label ("Branch: Shibuya") the words alone are the name. It
// returns the canonical name ("SHINJUKU支店") and where it ends, or "".
func englishBranchAt(t string, i int, labelled bool) (string, int) {
	var words []string
	end := i
	for len(words) <= maxEnglishWords && i < len(t) {
		e := englishWordAt(t, i)
		w := t[i:e]
		if gluedToName(t, e) {
			return "", 0 // "ABC新宿支店": a Japanese name
		}
		switch {
		case len(words) > 0 && strings.EqualFold(w, "branch"):
			return englishName(words) + "支店", e
		case len(words) > 0 && strings.EqualFold(w, "Br") && e < len(t) && t[e] == '.':
			return englishName(words) + "支店", e + 1
		case len(words) == 1 && strings.EqualFold(w, "office") && (strings.EqualFold(words[0], "head") || strings.EqualFold(words[0], "main")):
			return "本店", e
		case len(words) == 0 && w == "the":
		case capitalised(w) && !labelOrKindAt(t, i):
			words = append(words, w)
			end = e
		default:
			i = len(t) // not a name: stop
			continue
		}
		if e+1 >= len(t) || t[e] != ' ' {
			break
		}
		i = e + 1
	}
	if !labelled || len(words) == 0 || len(words) > maxEnglishWords {
		return "", 0
	}
	return englishName(words) + "支店", end
}

// gluedToName reports whether a kana or kanji follows t[:e]: the ASCII
// before it is part of a Japanese name.
func gluedToName(t string, e int) bool {
	if e >= len(t) || t[e] < utf8.RuneSelf {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t[e:])
	return labelClass(r) == classCJK
}

// labelOrKindAt reports whether a label or an account type starts at t[i].
func labelOrKindAt(t string, i int) bool {
	if l, _ := labelWordAt(t, i); l != labelNone {
		return true
	}
	_, ok := kindWordAt(t, i)
	return ok
}
