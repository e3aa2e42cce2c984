package reading

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParse holds the parser to what the reading list relies on, whatever
// the document: no panic, and every item kept has an id, a title of
// bounded plain text, a link that is http or https (or none) and a
// language tag that is safe in an attribute.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><title type="xhtml"><div><b>t</b></div></title></entry></feed>`))
	f.Add([]byte(`<rss><channel><item><guid>g</guid><description>&lt;script&gt;x&lt;/script&gt;</description></item></channel></rss>`))
	base, _ := url.Parse("https://feeds.example.jp/a/feed.xml")
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(doc, ParseOptions{Base: base})
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("an error that is not a ParseError: %T %v", err, err)
			}
			return
		}
		if len(p.Entries) > MaxEntries {
			t.Fatalf("%d entries", len(p.Entries))
		}
		last := 0
		for _, d := range p.Dropped {
			if d.Index <= last {
				t.Fatalf("dropped out of order: %v", p.Dropped)
			}
			last = d.Index
		}
		for _, e := range p.Entries {
			if e.ID == "" || len(e.ID) > MaxID || !utf8.ValidString(e.ID) {
				t.Fatalf("id %q", e.ID)
			}
			if e.Title == "" {
				t.Fatalf("an entry without a title: %+v", e)
			}
			plain(t, e.Title, MaxTitle)
			plain(t, e.Summary, MaxSummary)
			if e.Link != "" {
				u, err := url.Parse(e.Link)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					t.Fatalf("link %q", e.Link)
				}
			}
			if e.Language != cleanLang(e.Language) {
				t.Fatalf("language %q", e.Language)
			}
		}
	})
}

func plain(t *testing.T, s string, max int) {
	t.Helper()
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max || strings.TrimSpace(s) != s {
		t.Fatalf("text %q", s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\n' {
			t.Fatalf("control character in %q", s)
		}
	}
}
