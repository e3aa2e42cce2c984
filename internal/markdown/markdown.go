// Package markdown renders what officers write (case notes, advisories)
// as HTML safe to put in a page as it is.
package markdown

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// notes renders officers' notes. Raw HTML is never passed through (goldmark
// leaves it out unless told otherwise, and it is not told); safeNotes then
// takes out every link whose target is not http, https, mailto or an
// address on this site, shows images as links (an image would load from
// anywhere as the page opens), and moves headings below the page's own.
var notes = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(safeNotes{}, 1000))),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

// Render turns Markdown into HTML that is safe to put in a
// page as it is: no raw HTML, no script, no event attribute, no link to a
// javascript:, data: or other active URL.
func Render(src string) string {
	var b bytes.Buffer
	if err := notes.Convert([]byte(src), &b); err != nil {
		// goldmark fails only when its writer does; a bytes.Buffer does not.
		return "<p>" + strings.ReplaceAll(string(util.EscapeHTML([]byte(src))), "\n", "<br>\n") + "</p>\n"
	}
	return b.String()
}

// linkRel keeps a note's links from telling the other site where they came
// from, or acting on this page.
const linkRel = "nofollow noopener noreferrer"

type safeNotes struct{}

func (safeNotes) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var links []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			// The case page's sections are h2 and h3; a note's headings sit below.
			n.Level = min(n.Level+3, 6)
		case *ast.Link, *ast.Image, *ast.AutoLink:
			links = append(links, n)
		}
		return ast.WalkContinue, nil
	})
	for _, n := range links {
		switch n := n.(type) {
		case *ast.Link:
			if safeTarget(n.Destination, true) {
				n.SetAttributeString("rel", []byte(linkRel))
			} else {
				unwrap(n)
			}
		case *ast.Image:
			inLink := false
			for p := n.Parent(); p != nil; p = p.Parent() {
				if _, ok := p.(*ast.Link); ok {
					inLink = true
				}
			}
			if inLink || !safeTarget(n.Destination, true) {
				unwrap(n)
				continue
			}
			l := ast.NewLink()
			l.Destination, l.Title = n.Destination, n.Title
			if n.FirstChild() == nil {
				l.AppendChild(l, ast.NewString(n.Destination))
			}
			for c := n.FirstChild(); c != nil; {
				next := c.NextSibling()
				l.AppendChild(l, c)
				c = next
			}
			l.SetAttributeString("rel", []byte(linkRel))
			n.Parent().ReplaceChild(n.Parent(), n, l)
		case *ast.AutoLink:
			if n.AutoLinkType == ast.AutoLinkEmail || safeTarget(n.URL(src), false) {
				n.SetAttributeString("rel", []byte(linkRel))
			} else {
				n.Parent().ReplaceChild(n.Parent(), n, ast.NewString(n.Label(src)))
			}
		}
	}
}

// safeTarget reports whether a link's target is safe both as written and
// as the renderer will write it (entity references resolved, then
// percent-escaped: "javascript&colon;" is javascript:).
func safeTarget(dest []byte, resolveRefs bool) bool {
	return SafeURL(string(dest)) && SafeURL(string(util.URLEscape(dest, resolveRefs)))
}

// unwrap replaces n by its children.
func unwrap(n ast.Node) {
	p := n.Parent()
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		p.InsertBefore(p, n, c)
		c = next
	}
	p.RemoveChild(p, n)
}

// SafeURL reports whether a link target may stand in a page: http, https
// and mailto, or an address without a scheme (on this site). It reads the
// target as a browser would, ignoring case, whitespace and control
// characters inside the scheme ("Java\tScript:" is javascript:).
func SafeURL(u string) bool {
	clean := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, u)
	i := strings.IndexAny(clean, ":/?#")
	if i < 0 || clean[i] != ':' {
		return true // no scheme: relative
	}
	switch strings.ToLower(clean[:i]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}
