package intake

import (
	"math/big"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/koban-project/koban/internal/koban"
)

// MaxAmountJPY is the largest amount of money a report may name (10 trillion
// yen): far above any loss, low enough that a typing slip is caught.
const MaxAmountJPY = 10_000_000_000_000

// ParseYen reads an amount of money as people in Japan write it: 500000,
// 500,000円, ¥12,345, ５０万円, 50万, 五十万円, 1万2千円, 1億5000万円, 1.5万,
// 約30万円くらい, 500,000 yen. Empty text is no amount (0). Anything else
// is a koban Invalid error on money.amount_jpy whose key says what is wrong:
// unreadable, negative, a fraction of a yen, or too large.
func ParseYen(s string) (int64, error) {
	s = strings.ToLower(strings.Join(strings.Fields(norm.NFKC.String(s)), ""))
	if s == "" {
		return 0, nil
	}
	core, negative := trimYen(s)
	v, ok := readNumber(core)
	switch {
	case !ok:
		return 0, koban.FieldError("money.amount_jpy", "intake.error.amount")
	case negative && v.Sign() != 0:
		return 0, koban.FieldError("money.amount_jpy", "intake.error.amount_negative")
	case !v.IsInt():
		return 0, koban.FieldError("money.amount_jpy", "intake.error.amount_fraction")
	case v.Cmp(new(big.Rat).SetInt64(MaxAmountJPY)) > 0:
		return 0, koban.FieldError("money.amount_jpy", "intake.error.amount_too_large")
	}
	return v.Num().Int64(), nil
}

// The words around an amount that say nothing of its size: "about", the
// currency, "or so". Longer words first, so that えん is not read as ん.
var (
	yenPrefixes = []string{"およそ", "約", "¥", "\\", "jpy"}
	yenSuffixes = []string{"ぐらい", "くらい", "程度", "ほど", "位", "えん", "yen", "jpy", "円"}
	minusSigns  = []string{"マイナス", "-", "−", "‐", "–", "▲", "△", "ー"}
)

// trimYen strips the words and signs around the number (in any order, as
// often as they come) and tells whether a minus sign was among them.
func trimYen(s string) (core string, negative bool) {
	for changed := true; changed; {
		changed = false
		for _, p := range yenPrefixes {
			if rest, ok := strings.CutPrefix(s, p); ok {
				s, changed = rest, true
			}
		}
		for _, m := range minusSigns {
			if rest, ok := strings.CutPrefix(s, m); ok {
				s, negative, changed = rest, true, true
			}
		}
		for _, x := range yenSuffixes {
			if rest, ok := strings.CutSuffix(s, x); ok {
				s, changed = rest, true
			}
		}
	}
	return s, negative
}

var (
	// smallUnits multiply the number before them within a group of four
	// digits; bigUnits close such a group.
	smallUnits = map[rune]int64{'十': 10, '拾': 10, '百': 100, '千': 1000, '阡': 1000, '仟': 1000, 'k': 1000}
	bigUnits   = map[rune]int64{'万': 1e4, '萬': 1e4, '億': 1e8, '兆': 1e12}
	kanjiDigit = map[rune]byte{'〇': '0', '零': '0', '一': '1', '壱': '1', '二': '2', '弐': '2', '三': '3', '参': '3',
		'四': '4', '五': '5', '六': '6', '七': '7', '八': '8', '九': '9'}
	// arabic is a number in digits: thousands separated by commas in groups
	// of three or not at all, and perhaps a decimal part.
	arabic = regexp.MustCompile(`^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$`)
)

// readNumber reads digits (Arabic or kanji) with kanji units: each group
// ends in a big unit (万, 億, 兆), larger before smaller; within a group the
// small units (十, 百, 千) come larger first, and a unit with no number
// before it counts once (千万 is 10,000,000). The value is exact.
func readNumber(s string) (*big.Rat, bool) {
	if s == "" {
		return nil, false
	}
	total, group := new(big.Rat), new(big.Rat)
	var lit strings.Builder // the number being read, as digits
	kanji, arabicLit := false, false
	lastBig, lastSmall := int64(0), int64(0)
	groupEmpty := true
	// literal reads and clears the pending number; none is 1 for a unit
	// with no number before it.
	literal := func(none int64) (*big.Rat, bool) {
		text := lit.String()
		lit.Reset()
		defer func() { kanji, arabicLit = false, false }()
		if text == "" {
			return new(big.Rat).SetInt64(none), true
		}
		if arabicLit && !arabic.MatchString(text) {
			return nil, false
		}
		if len(text) > 40 {
			return nil, false
		}
		v, ok := new(big.Rat).SetString(strings.ReplaceAll(text, ",", ""))
		return v, ok
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9' || r == ',' || r == '.':
			if kanji {
				return nil, false
			}
			arabicLit = true
			lit.WriteRune(r)
		case kanjiDigit[r] != 0:
			if arabicLit {
				return nil, false
			}
			kanji = true
			lit.WriteByte(kanjiDigit[r])
		case smallUnits[r] != 0:
			u := smallUnits[r]
			if lastSmall != 0 && u >= lastSmall {
				return nil, false
			}
			v, ok := literal(1)
			if !ok {
				return nil, false
			}
			group.Add(group, v.Mul(v, new(big.Rat).SetInt64(u)))
			lastSmall, groupEmpty = u, false
		case bigUnits[r] != 0:
			u := bigUnits[r]
			if lastBig != 0 && u >= lastBig {
				return nil, false
			}
			if lit.Len() == 0 && groupEmpty {
				return nil, false // 万 with nothing before it
			}
			v, ok := literal(0)
			if !ok || !below(v, lastSmall) {
				return nil, false
			}
			group.Add(group, v).Mul(group, new(big.Rat).SetInt64(u))
			if !below(group, lastBig) {
				return nil, false // 1億12000万: a group larger than its place
			}
			total.Add(total, group)
			group, groupEmpty = new(big.Rat), true
			lastBig, lastSmall = u, 0
		default:
			return nil, false
		}
	}
	if lit.Len() > 0 {
		v, ok := literal(0)
		if !ok || !below(v, lastSmall) {
			return nil, false
		}
		group.Add(group, v)
	}
	if !below(group, lastBig) {
		return nil, false // 1万12345: the last group is larger than its place
	}
	return total.Add(total, group), true
}

// below reports whether v is less than limit, or limit is 0 (no limit).
func below(v *big.Rat, limit int64) bool {
	return limit == 0 || v.Cmp(new(big.Rat).SetInt64(limit)) < 0
}
