package llm

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/observe"
)

// The placeholders' labels: what the model may know of what was masked.
const (
	labelPhone = "電話番号"
	labelEmail = "メール"
	labelName  = "氏名"
)

// hidden replaces a whole text whose phone numbers or e-mail addresses
// could not be masked one by one. No test or fuzz input has reached it; it
// is there so that Mask's promise holds whatever the text.
const hidden = "[非表示]"

// Mask replaces every phone number and e-mail address in text by a
// placeholder ([電話番号1], [メール1]; the same value written twice gets
// the same number) and returns the masked text and the number of
// replacements. What counts as a phone number or an e-mail address is what
// observe.Extract finds (Japanese forms, full-width digits, kanji numerals,
// defanged addresses), so the result has none that it finds.
func Mask(text string) (masked string, n int) { return MaskNames(text, nil) }

// MaskNames is Mask that also replaces each of the given personal names by
// [氏名1], [氏名2] … in the order given. A name matches whatever white
// space stands between its characters ("山田太郎" also matches "山田 太郎"
// and "山田　太郎"); other spellings (kana readings, romaji, the family
// name alone) are masked only when the caller passes them too.
func MaskNames(text string, names []string) (masked string, n int) {
	m := &masker{seen: map[string]string{}, count: map[string]int{}}
	out := m.names(text, names)
	for range 3 {
		out = m.observables(out)
		if len(targets(observe.Extract(out))) == 0 {
			return out, m.n
		}
	}
	return hidden, m.n + 1
}

// masker numbers the placeholders of one text.
type masker struct {
	seen  map[string]string // label and value → placeholder
	count map[string]int    // label → placeholders given
	n     int               // replacements made
}

// placeholder returns the placeholder of value under label and counts one
// replacement.
func (m *masker) placeholder(label, value string) string {
	m.n++
	key := label + "\x00" + value
	if p, ok := m.seen[key]; ok {
		return p
	}
	m.count[label]++
	p := "[" + label + strconv.Itoa(m.count[label]) + "]"
	m.seen[key] = p
	return p
}

// targets returns the phone numbers and e-mail addresses among obs.
func targets(obs []observe.Observable) []observe.Observable {
	var out []observe.Observable
	for _, o := range obs {
		if o.Type == observe.Phone || o.Type == observe.Email {
			out = append(out, o)
		}
	}
	return out
}

// holds reports whether text has, by observe.Extract, one of want.
func holds(text string, want []observe.Observable) (observe.Observable, bool) {
	for _, o := range observe.Extract(text) {
		if slices.Contains(want, o) {
			return o, true
		}
	}
	return observe.Observable{}, false
}

// observables masks the phone numbers and e-mail addresses of text.
//
// observe.Extract says what is in a text but not where, and the text's
// own spelling (full-width, kanji numerals, "[at]") is not the canonical
// value, so the place is found by asking Extract about pieces of the text
// rather than by a second, diverging set of patterns: from a cursor, the
// shortest piece of the rest that yields one of the values sought ends an
// occurrence, and the shortest suffix of that piece that still yields it
// starts it. Both are found by bisection over rune boundaries, after a
// gallop from the cursor (occurrences are mostly near it), so an
// occurrence costs about 2·log2(d) calls of Extract on pieces of about d
// bytes, d its distance from the cursor. The values sought are the
// text's and those of the first few hundred bytes after the cursor (the
// cut may change what the text around it reads as); anything else left
// is for the caller's next round.
func (m *masker) observables(text string) string {
	all := targets(observe.Extract(text))
	if len(all) == 0 {
		return text
	}
	bounds := runeBounds(text)
	var b strings.Builder
	c := 0 // index in bounds of the cursor
	last := len(bounds) - 1
	for c < last {
		near := bounds[min(c+256, last)]
		want := append(slices.Clone(all), targets(observe.Extract(text[bounds[c]:near]))...)
		// hit(lo) is false (the empty piece); gallop to a piece with a hit.
		lo, hi := c, -1
		for step := 256; ; step *= 4 {
			k := min(c+step, last)
			if _, ok := holds(text[bounds[c]:bounds[k]], want); ok {
				hi = k
				break
			}
			if k == last {
				break
			}
			lo = k
		}
		if hi < 0 {
			break
		}
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if _, ok := holds(text[bounds[c]:bounds[mid]], want); ok {
				hi = mid
			} else {
				lo = mid
			}
		}
		endIdx, end := hi, bounds[hi]
		o, _ := holds(text[bounds[c]:end], want)
		one := []observe.Observable{o}
		// has(lo) is true (the whole piece), has(hi) false (empty).
		lo = c
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if _, ok := holds(text[bounds[mid]:end], one); ok {
				lo = mid
			} else {
				hi = mid
			}
		}
		label := labelEmail
		if o.Type == observe.Phone {
			label = labelPhone
		}
		b.WriteString(text[bounds[c]:bounds[lo]])
		b.WriteString(m.placeholder(label, o.Value))
		c = endIdx
	}
	b.WriteString(text[bounds[c]:])
	return b.String()
}

// runeBounds returns the offsets of s where a rune starts, and len(s).
func runeBounds(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	return append(out, len(s))
}

// names masks the given names in text, longer names first so that a full
// name is not masked as its family name. White space in a name and in the
// text is ignored between the name's characters.
func (m *masker) names(text string, names []string) string {
	type name struct {
		s     string // without white space
		index int    // in names
	}
	var ns []name
	for i, n := range names {
		if s := strings.Join(strings.Fields(n), ""); s != "" {
			ns = append(ns, name{s, i})
		}
	}
	if len(ns) == 0 {
		return text
	}
	slices.SortStableFunc(ns, func(a, b name) int { return utf8.RuneCountInString(b.s) - utf8.RuneCountInString(a.s) })
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		size := 0
		k := slices.IndexFunc(ns, func(n name) bool { size = matchName(text[i:], n.s); return size > 0 })
		if k < 0 {
			_, size = utf8.DecodeRuneInString(text[i:])
			i += size
			continue
		}
		b.WriteString(text[last:i])
		b.WriteString(m.placeholder(labelName, strconv.Itoa(ns[k].index)))
		i += size
		last = i
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// matchName returns the length of the prefix of text that is name with
// any white space between its characters, or 0.
func matchName(text, name string) int {
	i := 0
	for k, r := range name {
		if k > 0 {
			for i < len(text) {
				c, size := utf8.DecodeRuneInString(text[i:])
				if !unicode.IsSpace(c) {
					break
				}
				i += size
			}
		}
		c, size := utf8.DecodeRuneInString(text[i:])
		if c != r || size == 0 {
			return 0
		}
		i += size
	}
	return i
}
