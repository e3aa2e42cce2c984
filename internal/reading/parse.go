package reading

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// Formats a feed is read in.
const (
	RSS1 = "rss1.0" // RDF Site Summary: rdf:RDF, channel, item rdf:about (JPCERT/CC, IPA)
	RSS2 = "rss2.0" // rss, channel, item
	Atom = "atom1.0"
)

// Namespaces the parser knows.
const (
	nsRDF     = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsRSS1    = "http://purl.org/rss/1.0/"
	nsRSS090  = "http://my.netscape.com/rdf/simple/0.9/" // RSS 0.90, RSS 1.0's elder
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsDCTerms = "http://purl.org/dc/terms/"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
)

// Bounds of what the parser keeps.
const (
	MaxEntries = 500  // items read from one feed; the rest are dropped
	MaxTitle   = 300  // characters of a title
	MaxSummary = 600  // characters of a summary
	MaxID      = 1000 // bytes of a stable id; a longer one is kept as its SHA-256
	MaxLink    = 2000 // bytes of a link
	maxDepth   = 64   // nesting of XML elements
	maxNodes   = 200000
)

// Parsed is a feed as read: what it says of itself, the items kept and
// those dropped with the reason.
type Parsed struct {
	Format   string
	Title    string
	Link     string
	Language string
	Entries  []Entry
	Dropped  []Dropped
}

// Entry is one item of a feed, reduced to what the reading list shows.
type Entry struct {
	// ID is the item's stable id: rdf:about, guid or atom:id, else its
	// link.
	ID        string
	Title     string
	Link      string // http or https, absolute; "" when the item has none
	Summary   string // plain text, at most MaxSummary characters
	Published time.Time
	Updated   time.Time
	Language  string // dc:language or xml:lang, the item's or the feed's; "" when neither says
}

// Dropped is an item left out of a feed, with why.
type Dropped struct {
	Index int    `json:"n"`            // its place among the feed's items, from 1
	ID    string `json:"id,omitempty"` // what it called itself, if anything (bounded)
	Code  string `json:"code"`         // no_id, no_title, bad_link, too_many
}

// Why the parser leaves an item out.
const (
	DropNoID    = "no_id"    // neither an id nor a link
	DropNoTitle = "no_title" // neither a title nor a summary
	DropBadLink = "bad_link" // a link that is not an http or https address
	DropTooMany = "too_many" // past MaxEntries
)

// ParseError says why a document could not be read as a feed at all. Code
// is stable (the catalog holds reading.parse.<code>); Detail is the
// document's own words (an element's name, a line number).
type ParseError struct {
	Code   string
	Detail string
}

func (e *ParseError) Error() string {
	if e.Detail == "" {
		return "reading: " + parseMessages[e.Code]
	}
	return "reading: " + parseMessages[e.Code] + ": " + e.Detail
}

// The codes of a ParseError.
const (
	ParseEmpty    = "empty"      // nothing but white space
	ParseHTML     = "html"       // a web page, not a feed
	ParseSyntax   = "syntax"     // not well-formed XML
	ParseCharset  = "charset"    // an encoding koban cannot read
	ParseNotFeed  = "not_feed"   // well-formed XML of another kind
	ParseNoChan   = "no_channel" // RSS without its channel
	ParseTooDeep  = "too_deep"   // nested beyond reason
	ParseTooLarge = "too_large"  // more elements than a feed has
)

var parseMessages = map[string]string{
	ParseEmpty:    "the document is empty",
	ParseHTML:     "the address answered with a web page, not a feed",
	ParseSyntax:   "the document is not well-formed XML",
	ParseCharset:  "the document's character encoding cannot be read",
	ParseNotFeed:  "the document is XML but not RSS 1.0, RSS 2.0 or Atom",
	ParseNoChan:   "the RSS document has no channel",
	ParseTooDeep:  "the document's elements are nested too deeply",
	ParseTooLarge: "the document has too many elements for a feed",
}

// ParseOptions change how a feed is read.
type ParseOptions struct {
	// Base resolves relative links (the feed's own address); nil leaves
	// relative links out.
	Base *url.URL
	// Zone is the time zone of dates that name none; nil is UTC.
	Zone *time.Location
}

// Parse reads an RSS 1.0, RSS 2.0 or Atom 1.0 document. A document that is
// not a feed is a *ParseError; items that cannot be shown are left out and
// listed in Dropped, the others kept.
func Parse(doc []byte, o ParseOptions) (*Parsed, error) {
	if o.Zone == nil {
		o.Zone = time.UTC
	}
	doc = bytes.TrimPrefix(doc, []byte("\xef\xbb\xbf"))
	head := bytes.TrimSpace(doc)
	if len(head) == 0 {
		return nil, &ParseError{Code: ParseEmpty}
	}
	if looksHTML(head) {
		return nil, &ParseError{Code: ParseHTML}
	}
	root, err := readTree(doc)
	if err != nil {
		return nil, err
	}
	var p *Parsed
	switch {
	case root.local == "RDF" && (root.space == nsRDF || root.space == ""):
		p = parseRSS1(root, o)
	case root.local == "rss":
		ch := root.child(root.space, "channel")
		if ch == nil {
			ch = root.child("", "channel")
		}
		if ch == nil {
			return nil, &ParseError{Code: ParseNoChan}
		}
		p = parseRSS2(root, ch, o)
	case root.local == "feed" && (root.space == nsAtom || root.space == ""):
		p = parseAtom(root, o)
	default:
		name := root.local
		if root.space != "" {
			name = "{" + root.space + "}" + name
		}
		return nil, &ParseError{Code: ParseNotFeed, Detail: "its root element is <" + bound(name, 200) + ">"}
	}
	return p, nil
}

// looksHTML tells a web page from a feed by its first bytes.
func looksHTML(head []byte) bool {
	h := strings.ToLower(string(head[:min(len(head), 64)]))
	return strings.HasPrefix(h, "<!doctype html") || strings.HasPrefix(h, "<html")
}

// node is an XML element: its name, attributes and content in order
// (text is a node with no name).
type node struct {
	space, local string
	attrs        []xml.Attr
	kids         []*node
	text         []byte // for a text node
}

func (n *node) attr(space, local string) string {
	for _, a := range n.attrs {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// child is the first child element named local in namespace space.
func (n *node) child(space, local string) *node {
	for _, k := range n.kids {
		if k.local == local && k.space == space {
			return k
		}
	}
	return nil
}

func (n *node) children(space, local string) []*node {
	var out []*node
	for _, k := range n.kids {
		if k.local == local && k.space == space {
			out = append(out, k)
		}
	}
	return out
}

// text is every piece of text inside n, in order.
func (n *node) innerText() string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		if n.local == "" {
			b.Write(n.text)
			return
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return b.String()
}

// innerXML writes n's content back as markup (Atom's xhtml content), for
// the HTML reader to turn into text.
func (n *node) innerXML() string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		if n.local == "" {
			xml.EscapeText(&b, n.text)
			return
		}
		b.WriteString("<" + n.local + ">")
		for _, k := range n.kids {
			walk(k)
		}
		b.WriteString("</" + n.local + ">")
	}
	for _, k := range n.kids {
		walk(k)
	}
	return b.String()
}

// readTree reads the whole document into nodes, bounded in depth and
// size. External entities are never read (encoding/xml does not), HTML's
// named entities are known.
func readTree(doc []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(label)
		if err != nil {
			return nil, &ParseError{Code: ParseCharset, Detail: bound(label, 100)}
		}
		return enc.NewDecoder().Reader(input), nil
	}
	var root *node
	var stack []*node
	count := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				return nil, pe
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &ParseError{Code: ParseSyntax, Detail: fmt.Sprintf("line %d: %s", se.Line, bound(se.Msg, 200))}
			}
			return nil, &ParseError{Code: ParseSyntax, Detail: bound(err.Error(), 200)}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if count++; count > maxNodes {
				return nil, &ParseError{Code: ParseTooLarge}
			}
			if len(stack) >= maxDepth {
				return nil, &ParseError{Code: ParseTooDeep}
			}
			n := &node{space: t.Name.Space, local: t.Name.Local, attrs: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return nil, &ParseError{Code: ParseSyntax, Detail: "more than one root element"}
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			p := stack[len(stack)-1]
			if k := len(p.kids); k > 0 && p.kids[k-1].local == "" {
				p.kids[k-1].text = append(p.kids[k-1].text, t...)
				continue
			}
			if count++; count > maxNodes {
				return nil, &ParseError{Code: ParseTooLarge}
			}
			p.kids = append(p.kids, &node{text: bytes.Clone(t)})
		}
	}
	if root == nil {
		return nil, &ParseError{Code: ParseSyntax, Detail: "it holds no XML element"}
	}
	return root, nil
}

// lang is the xml:lang an element declares.
func lang(n *node) string { return cleanLang(n.attr(nsXML, "lang")) }

// cleanLang keeps a language tag that looks like one (ja, en-US), and
// nothing else: it goes into a lang attribute.
func cleanLang(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 35 {
		return ""
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' && i > 0 || r >= '0' && r <= '9' && i > 1) {
			return ""
		}
	}
	return s
}

// itemFields is what each format finds in one item, before it is judged.
type itemFields struct {
	id, title, link, summary string
	titleHTML, summaryHTML   bool // whether the text is HTML to strip
	published, updated       time.Time
	language                 string
}

// finish judges the items found and keeps those that can be shown.
func finish(p *Parsed, items []itemFields, o ParseOptions) {
	for i, f := range items {
		n := i + 1
		if n > MaxEntries {
			p.Dropped = append(p.Dropped, Dropped{Index: n, Code: DropTooMany})
			break
		}
		e := Entry{Published: f.published, Updated: f.updated, Language: f.language}
		if e.Language == "" {
			e.Language = p.Language
		}
		id := strings.TrimSpace(f.id)
		link, ok := cleanLink(f.link, o.Base)
		if !ok {
			p.Dropped = append(p.Dropped, Dropped{Index: n, ID: bound(firstOf(id, strings.TrimSpace(f.link)), 200), Code: DropBadLink})
			continue
		}
		e.Link = link
		if id == "" {
			id = link
		}
		if id == "" {
			p.Dropped = append(p.Dropped, Dropped{Index: n, Code: DropNoID})
			continue
		}
		if len(id) > MaxID || !utf8.ValidString(id) {
			sum := sha256.Sum256([]byte(id))
			id = "sha256:" + hex.EncodeToString(sum[:])
		}
		e.ID = id
		e.Title = Text(f.title, f.titleHTML, MaxTitle)
		e.Summary = Text(f.summary, f.summaryHTML, MaxSummary)
		if e.Title == "" {
			if e.Summary == "" {
				p.Dropped = append(p.Dropped, Dropped{Index: n, ID: bound(id, 200), Code: DropNoTitle})
				continue
			}
			e.Title = Text(f.summary, f.summaryHTML, 80)
		}
		p.Entries = append(p.Entries, e)
	}
}

// cleanLink is an item's link made absolute, when it is an http or https
// address; ok is false for a link of any other kind (javascript:, data:,
// mailto:), which the reading list never shows.
func cleanLink(raw string, base *url.URL) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", true
	}
	if len(raw) > MaxLink {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	if !u.IsAbs() {
		if base == nil || u.Scheme != "" {
			return "", false
		}
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", false
	}
	return u.String(), true
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// bound cuts s to at most n bytes, on a character boundary.
func bound(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// parseRSS1 reads RDF Site Summary 1.0 (and 0.90): the channel and the
// items beside it, each named by rdf:about. Its elements are in RSS 1.0's
// namespace, or in none where a feed forgot to declare it.
func parseRSS1(root *node, o ParseOptions) *Parsed {
	p := &Parsed{Format: RSS1, Language: lang(root)}
	isCore := func(space string) bool { return space == nsRSS1 || space == "" || space == nsRSS090 }
	core := func(n *node, local string) *node {
		for _, k := range n.kids {
			if k.local == local && isCore(k.space) {
				return k
			}
		}
		return nil
	}
	ch := core(root, "channel")
	if ch != nil {
		p.Title = Text(textOf(core(ch, "title")), true, MaxTitle)
		p.Link, _ = cleanLink(textOf(core(ch, "link")), o.Base)
		if l := cleanLang(textOf(ch.child(nsDC, "language"))); l != "" {
			p.Language = l
		} else if l := lang(ch); l != "" {
			p.Language = l
		}
	}
	var items []itemFields
	for _, it := range root.kids {
		if it.local != "item" || !isCore(it.space) {
			continue
		}
		f := itemFields{id: it.attr(nsRDF, "about"), title: textOf(core(it, "title")), link: textOf(core(it, "link")),
			titleHTML: true, summaryHTML: true, language: firstOf(cleanLang(textOf(it.child(nsDC, "language"))), lang(it))}
		if c := it.child(nsContent, "encoded"); c != nil && strings.TrimSpace(textOf(core(it, "description"))) == "" {
			f.summary = textOf(c)
		} else {
			f.summary = textOf(core(it, "description"))
		}
		f.published = parseDate(textOf(it.child(nsDC, "date")), o.Zone)
		f.updated = parseDate(textOf(it.child(nsDCTerms, "modified")), o.Zone)
		items = append(items, f)
	}
	finish(p, items, o)
	return p
}

// parseRSS2 reads RSS 2.0 (and the 0.9x that look like it).
func parseRSS2(root, ch *node, o ParseOptions) *Parsed {
	p := &Parsed{Format: RSS2, Language: firstOf(cleanLang(textOf(ch.child(ch.space, "language"))), cleanLang(textOf(ch.child(nsDC, "language"))), lang(ch), lang(root))}
	p.Title = Text(textOf(ch.child(ch.space, "title")), true, MaxTitle)
	p.Link, _ = cleanLink(textOf(ch.child(ch.space, "link")), o.Base)
	var items []itemFields
	for _, it := range ch.children(ch.space, "item") {
		f := itemFields{title: textOf(it.child(ch.space, "title")), link: textOf(it.child(ch.space, "link")),
			titleHTML: true, summaryHTML: true, language: firstOf(cleanLang(textOf(it.child(nsDC, "language"))), lang(it))}
		if g := it.child(ch.space, "guid"); g != nil {
			f.id = textOf(g)
			// A guid is a permalink unless it says it is not (RSS 2.0).
			if f.link == "" && !strings.EqualFold(strings.TrimSpace(g.attr("", "isPermaLink")), "false") {
				if u, err := url.Parse(strings.TrimSpace(f.id)); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
					f.link = f.id
				}
			}
		}
		f.summary = textOf(it.child(ch.space, "description"))
		if strings.TrimSpace(f.summary) == "" {
			f.summary = textOf(it.child(nsContent, "encoded"))
		}
		f.published = parseDate(textOf(it.child(ch.space, "pubDate")), o.Zone)
		if f.published.IsZero() {
			f.published = parseDate(textOf(it.child(nsDC, "date")), o.Zone)
		}
		f.updated = parseDate(firstOf(textOf(it.child(nsAtom, "updated")), textOf(it.child(nsDCTerms, "modified"))), o.Zone)
		items = append(items, f)
	}
	finish(p, items, o)
	return p
}

// parseAtom reads Atom 1.0 (RFC 4287).
func parseAtom(root *node, o ParseOptions) *Parsed {
	ns := root.space
	p := &Parsed{Format: Atom, Language: lang(root)}
	if t := root.child(ns, "title"); t != nil {
		text, isHTML := atomText(t)
		p.Title = Text(text, isHTML, MaxTitle)
	}
	p.Link, _ = cleanLink(atomLink(root, ns), o.Base)
	var items []itemFields
	for _, e := range root.children(ns, "entry") {
		f := itemFields{id: textOf(e.child(ns, "id")), link: atomLink(e, ns), language: firstOf(lang(e), p.Language)}
		if t := e.child(ns, "title"); t != nil {
			f.title, f.titleHTML = atomText(t)
		}
		if s := e.child(ns, "summary"); s != nil {
			f.summary, f.summaryHTML = atomText(s)
		}
		if c := e.child(ns, "content"); c != nil && strings.TrimSpace(f.summary) == "" && c.attr("", "src") == "" {
			f.summary, f.summaryHTML = atomText(c)
		}
		f.published = parseDate(textOf(e.child(ns, "published")), o.Zone)
		f.updated = parseDate(textOf(e.child(ns, "updated")), o.Zone)
		items = append(items, f)
	}
	finish(p, items, o)
	return p
}

// atomText reads an Atom text construct: the text and whether it is
// markup to be made text.
func atomText(n *node) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(n.attr("", "type"))) {
	case "html", "text/html":
		return n.innerText(), true
	case "xhtml", "application/xhtml+xml":
		return n.innerXML(), true
	}
	return n.innerText(), false
}

// atomLink is the entry's (or feed's) alternate link: rel="alternate" or
// no rel, the first such.
func atomLink(n *node, ns string) string {
	for _, l := range n.children(ns, "link") {
		if rel := strings.TrimSpace(l.attr("", "rel")); rel == "" || rel == "alternate" {
			return l.attr("", "href")
		}
	}
	return ""
}

func textOf(n *node) string {
	if n == nil {
		return ""
	}
	return n.innerText()
}
