package intake

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SnippetPart is a piece of a search hit's snippet: text as the reporter
// wrote it, and whether it is where a search term matched.
type SnippetPart struct {
	Text  string
	Match bool
}

// SnippetText joins a snippet's parts into plain text.
func SnippetText(parts []SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// Excerpt returns about width characters of text, as written, around the
// first place one of terms matches, cut into parts with every match
// marked. Terms are in the search's normalised form (SearchTerms); each is
// looked for in the normalised text and marked on the characters it came
// from, so ﾐｽﾞﾎ in a report is marked for the term ミズホ, and ＳＭＳ for sms.
// The cut falls on character boundaries, line breaks and runs of space
// show as one space, and "…" stands where text was left out. Without a
// match it shows the start, marking nothing.
func Excerpt(text string, terms []string, width int) []SnippetPart {
	text = strings.ToValidUTF8(text, "\uFFFD")
	marked := markTerms(text, terms)
	// The window: some text before the first match, more after it.
	first := slices.Index(marked, true)
	firstEnd := len(marked)
	if first >= 0 {
		if k := slices.Index(marked[first:], false); k >= 0 {
			firstEnd = first + k
		}
	}
	runes := []rune(text)
	offsets := make([]int, len(runes)+1) // byte offset of each rune
	o := 0
	for i, r := range runes {
		offsets[i] = o
		o += utf8.RuneLen(r)
	}
	offsets[len(runes)] = o
	at, matchRunes := 0, 0
	if first >= 0 {
		at = utf8.RuneCountInString(text[:first])
		matchRunes = utf8.RuneCountInString(text[first:firstEnd])
	}
	start := max(0, at-max(0, width-matchRunes)/3)
	end := min(len(runes), start+width)
	if end-start < width { // near the end: show more of what comes before
		start = max(0, end-width)
	}

	var parts []SnippetPart
	var cur strings.Builder
	curMatch := false
	emit := func() {
		if cur.Len() > 0 {
			parts = append(parts, SnippetPart{Text: cur.String(), Match: curMatch})
			cur.Reset()
		}
	}
	add := func(s string, match bool) {
		if match != curMatch {
			emit()
			curMatch = match
		}
		cur.WriteString(s)
	}
	if start > 0 {
		add("…", false)
	}
	space := false
	for i := start; i < end; i++ {
		r := runes[i]
		if unicode.IsSpace(r) {
			if !space {
				add(" ", false)
			}
			space = true
			continue
		}
		space = false
		add(string(r), marked[offsets[i]])
	}
	if end < len(runes) {
		add("…", false)
	}
	emit()
	return parts
}

// markTerms returns, for each byte of text, whether it belongs to a
// character where one of terms matches text's normalised form.
func markTerms(text string, terms []string) []bool {
	marked := make([]bool, len(text))
	if len(terms) == 0 || text == "" {
		return marked
	}
	// Normalise text segment by segment, keeping where each segment came
	// from: NFKC works on segments that do not interact, and lower-casing
	// goes rune by rune, so the pieces join into NormalizeSearch(text).
	type segment struct{ from, to, nfrom, nto int }
	var segs []segment
	var normal strings.Builder
	var it norm.Iter
	it.InitString(norm.NFKC, text)
	from, nfrom := 0, 0
	for !it.Done() {
		normal.WriteString(strings.ToLower(string(it.Next())))
		// A character that expands (㍿ → 株式会社) comes out in several
		// pieces before the input moves on.
		if to := it.Pos(); to > from || it.Done() {
			segs = append(segs, segment{from, to, nfrom, normal.Len()})
			from, nfrom = to, normal.Len()
		}
	}
	n := normal.String()
	for _, t := range terms {
		if t == "" {
			continue
		}
		for i := 0; ; {
			k := strings.Index(n[i:], t)
			if k < 0 {
				break
			}
			ms, me := i+k, i+k+len(t)
			j := sort.Search(len(segs), func(j int) bool { return segs[j].nto > ms })
			for ; j < len(segs) && segs[j].nfrom < me; j++ {
				for b := segs[j].from; b < segs[j].to; b++ {
					marked[b] = true
				}
			}
			i = me
		}
	}
	return marked
}
