package advisory

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"net/url"
	"time"

	guuid "github.com/google/uuid"
)

// Feed is what a feed says about itself.
type Feed struct {
	Base     *url.URL // the public site's address: links and the feed's own
	Instance string   // the database's identity: ids are unique to it
	Lang     string   // "ja" or "en"
	Title    string
	Subtitle string
	Author   string // the publishing police force
	// Render turns an advisory's Markdown into safe HTML (markdown.Render).
	Render func(string) string
}

// EntryID is an advisory's id in feeds: a UUID URN derived from the
// database's identity and the advisory's number, so that it never
// changes — not with a new version, a new host name or a new language —
// and no other koban's advisory has it.
func (f Feed) EntryID(number string) string {
	return "urn:uuid:" + guuid.NewSHA1(feedSpace, []byte(f.Instance+"/"+number)).String()
}

// feedSpace is the UUID namespace of koban's feed ids.
var feedSpace = guuid.MustParse("5f1c1d0e-7a43-4c7e-9a3b-6b0e2d6f4a10")

func (f Feed) link(path string) string { return f.Base.ResolveReference(&url.URL{Path: path}).String() }

// Page is an advisory's public page.
func (f Feed) Page(number string) string { return f.link("/advisories/" + number) }

// updated is when a version last changed for its readers: withdrawn, or
// revised.
func updated(v *Version) time.Time {
	if !v.WithdrawnAt.IsZero() {
		return v.WithdrawnAt
	}
	return v.RevisedAt
}

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Author   atomPerson  `xml:"author"`
	Links    []atomLink  `xml:"link"`
	Entries  []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Lang string `xml:"hreflang,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	Lang      string     `xml:"xml:lang,attr,omitempty"`
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Links     []atomLink `xml:"link"`
	Summary   atomText   `xml:"summary"`
	Content   atomText   `xml:"content"`
}

// WriteAtom writes the versions as an Atom feed (RFC 4287): one entry per
// advisory under its EntryID, published at its first version and updated
// at its latest (or its withdrawal, which the entry then says).
func (f Feed) WriteAtom(w io.Writer, vs []*Version, withdrawn string) error {
	feedURL := f.link("/advisories.atom")
	if f.Lang == "en" {
		feedURL += "?lang=en"
	}
	af := atomFeed{Lang: f.Lang, ID: "urn:uuid:" + guuid.NewSHA1(feedSpace, []byte(f.Instance+"/feed")).String(), Title: f.Title,
		Subtitle: f.Subtitle, Author: atomPerson{Name: f.Author, URI: f.link("/")},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: feedURL}, {Rel: "alternate", Type: "text/html", Href: f.link("/advisories")}}}
	newest := time.Time{}
	for _, v := range vs {
		up := updated(v)
		if up.After(newest) {
			newest = up
		}
		lang := v.Text.Lang(f.Lang)
		summary := v.Text.Summary(f.Lang)
		content := f.Render(v.Text.Body(f.Lang))
		if !v.WithdrawnAt.IsZero() {
			summary = withdrawn + " " + summary
			content = "<p><strong>" + html.EscapeString(withdrawn) + "</strong></p>" + content
		}
		af.Entries = append(af.Entries, atomEntry{Lang: lang, ID: f.EntryID(v.Number), Title: v.Text.Title(f.Lang),
			Published: v.PublishedAt.UTC().Format(time.RFC3339), Updated: up.UTC().Format(time.RFC3339),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Lang: lang, Href: f.Page(v.Number)}},
			Summary: atomText{Type: "text", Body: summary}, Content: atomText{Type: "html", Body: content}})
	}
	if newest.IsZero() {
		newest = time.Unix(0, 0)
	}
	af.Updated = newest.UTC().Format(time.RFC3339)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	return enc.Encode(af)
}

// jsonFeed is JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
type jsonFeed struct {
	Version     string     `json:"version"`
	Title       string     `json:"title"`
	HomePageURL string     `json:"home_page_url"`
	FeedURL     string     `json:"feed_url"`
	Description string     `json:"description,omitempty"`
	Language    string     `json:"language"`
	Authors     []jsonName `json:"authors"`
	Items       []jsonItem `json:"items"`
}

type jsonName struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonItem struct {
	ID            string `json:"id"`
	URL           string `json:"url"`
	Title         string `json:"title"`
	Summary       string `json:"summary"`
	ContentHTML   string `json:"content_html"`
	DatePublished string `json:"date_published"`
	DateModified  string `json:"date_modified"`
	Language      string `json:"language"`
	// Koban's own: the advisory's number and version, and whether it was
	// withdrawn (JSON Feed allows extensions starting with _).
	Koban jsonKoban `json:"_koban"`
}

type jsonKoban struct {
	Number    string `json:"number"`
	Version   int    `json:"version"`
	Withdrawn bool   `json:"withdrawn"`
}

// WriteJSON writes the versions as a JSON Feed 1.1, with the same ids as
// the Atom feed.
func (f Feed) WriteJSON(w io.Writer, vs []*Version, withdrawn string) error {
	feedURL := f.link("/advisories.json")
	if f.Lang == "en" {
		feedURL += "?lang=en"
	}
	jf := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: f.Title, HomePageURL: f.link("/advisories"), FeedURL: feedURL,
		Description: f.Subtitle, Language: f.Lang, Authors: []jsonName{{Name: f.Author, URL: f.link("/")}}, Items: []jsonItem{}}
	for _, v := range vs {
		summary := v.Text.Summary(f.Lang)
		if !v.WithdrawnAt.IsZero() {
			summary = withdrawn + " " + summary
		}
		jf.Items = append(jf.Items, jsonItem{ID: f.EntryID(v.Number), URL: f.Page(v.Number), Title: v.Text.Title(f.Lang), Summary: summary,
			ContentHTML: f.Render(v.Text.Body(f.Lang)), DatePublished: v.PublishedAt.UTC().Format(time.RFC3339),
			DateModified: updated(v).UTC().Format(time.RFC3339), Language: v.Text.Lang(f.Lang),
			Koban: jsonKoban{Number: v.Number, Version: v.Version, Withdrawn: !v.WithdrawnAt.IsZero()}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jf)
}
