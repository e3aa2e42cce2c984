package reading

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text makes what a feed says into one line of plain text of at most max
// characters (cut with "…"): markup removed when isHTML (the content of
// scripts, styles and the like with it, entities read), white space
// collapsed, control characters and invalid bytes dropped. What comes out
// is text for a page to escape, never markup to trust.
func Text(s string, isHTML bool, max int) string {
	if isHTML && strings.ContainsAny(s, "<&") {
		s = stripHTML(s)
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	out := b.String()
	if utf8.RuneCountInString(out) <= max {
		return out
	}
	cut := 0
	for i := range out {
		if cut == max-1 {
			return strings.TrimRightFunc(out[:i], unicode.IsSpace) + "…"
		}
		cut++
	}
	return out
}

// skipped are the elements whose content is not text a reader sees.
var skipped = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Head: true, atom.Title: true, atom.Noscript: true,
	atom.Template: true, atom.Iframe: true, atom.Object: true, atom.Svg: true, atom.Math: true, atom.Select: true, atom.Textarea: true}

// breaks are the elements that separate words (a paragraph, a line, a
// cell), so that their texts do not run together.
var breaks = map[atom.Atom]bool{atom.P: true, atom.Br: true, atom.Div: true, atom.Li: true, atom.Tr: true, atom.Td: true, atom.Th: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true,
	atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Dt: true, atom.Dd: true, atom.Hr: true, atom.Section: true, atom.Article: true}

// stripHTML keeps the text of an HTML fragment.
func stripHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped[a] {
				skip++
			}
			if breaks[a] {
				b.WriteByte(' ')
			}
		case html.SelfClosingTagToken:
			name, _ := z.TagName()
			if breaks[atom.Lookup(name)] {
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped[a] && skip > 0 {
				skip--
			}
			if breaks[a] {
				b.WriteByte(' ')
			}
		}
		if b.Len() > 1<<20 {
			return b.String() // far more than a summary keeps
		}
	}
}
