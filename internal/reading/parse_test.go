package reading

import (
	"errors"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

var tokyo = time.FixedZone("JST", 9*3600)

func parseFile(t *testing.T, name string, base string) *Parsed {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var o ParseOptions
	if base != "" {
		o.Base, _ = url.Parse(base)
	}
	o.Zone = tokyo
	p, err := Parse(b, o)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParseJPCERT(t *testing.T) {
	p := parseFile(t, "jpcert.rdf", "https://www.jpcert.or.jp/rss/jpcert.rdf")
	if p.Format != RSS1 || p.Title != "JPCERT/CC" || p.Link != "https://www.jpcert.or.jp/" || p.Language != "ja" {
		t.Errorf("feed = %q %q %q %q", p.Format, p.Title, p.Link, p.Language)
	}
	if len(p.Entries) != 4 || len(p.Dropped) != 0 {
		t.Fatalf("%d entries, dropped %v", len(p.Entries), p.Dropped)
	}
	e := p.Entries[0]
	want := Entry{ID: "https://www.jpcert.or.jp/at/2026/at260031.html", Title: "注意喚起: VPN 装置の脆弱性に関する注意喚起 (公開)",
		Link: "https://www.jpcert.or.jp/at/2026/at260031.html", Summary: "VPN 装置に認証回避の脆弱性があり、悪用が確認されています。早急に対策を実施してください。",
		Published: at("2026-09-03T14:31:00+09:00"), Language: "ja"}
	if e != want {
		t.Errorf("first item:\n got %+v\nwant %+v", e, want)
	}
	// An escaped <br> in a description is markup: a break, never text.
	if s := p.Entries[1].Summary; s != "月例のセキュリティ更新プログラムが公開されました。 速やかな適用をご検討ください。" {
		t.Errorf("second summary = %q", s)
	}
	if p.Entries[3].Summary != "" || p.Entries[3].Published != at("2026-09-01T18:00:00+09:00") {
		t.Errorf("an item without a description: %+v", p.Entries[3])
	}
}

func TestParseIPA(t *testing.T) {
	p := parseFile(t, "ipa.rdf", "https://www.ipa.go.jp/security/alert-rss.rdf")
	if p.Format != RSS1 || p.Title != "IPA 重要なセキュリティ情報" || len(p.Entries) != 3 {
		t.Fatalf("feed = %q %q, %d entries", p.Format, p.Title, len(p.Entries))
	}
	e := p.Entries[0]
	if e.Summary != "VPN 製品に認証回避の脆弱性が存在します。 修正版へのアップデートを行ってください。" {
		t.Errorf("the HTML description is not plain text without its script: %q", e.Summary)
	}
	if e.Published != at("2026-09-03T16:30:00+09:00") || e.ID != e.Link || e.Link != "https://www.ipa.go.jp/security/security-alert/2026/0903-vpn.html" {
		t.Errorf("first item = %+v", e)
	}
	if p.Entries[1].Summary != "" || p.Entries[1].Title != "Microsoft 製品の脆弱性対策について(2026年9月)" {
		t.Errorf("an empty description: %+v", p.Entries[1])
	}
}

func TestParseRSS2(t *testing.T) {
	p := parseFile(t, "rss2.xml", "https://cyber.police.example.jp/feed.xml")
	if p.Format != RSS2 || p.Title != "Prefectural Cyber Unit & Friends" || p.Link != "https://cyber.police.example.jp/" || p.Language != "en-us" {
		t.Errorf("feed = %q %q %q %q (the atom:link self must not replace the channel's link)", p.Format, p.Title, p.Link, p.Language)
	}
	if len(p.Entries) != 3 {
		t.Fatalf("%d entries: %+v", len(p.Entries), p.Entries)
	}
	first := p.Entries[0]
	if first.ID != "news-2026-0905" || first.Link != "https://cyber.police.example.jp/news/2026/0905.html" ||
		first.Summary != "Mails claiming a missed delivery lead to a fake site." || first.Published != at("2026-09-05T00:00:00Z") {
		t.Errorf("first = %+v", first)
	}
	if r := p.Entries[1]; r.Link != "https://cyber.police.example.jp/news/2026/0904.html" || r.ID != r.Link || r.Published != at("2026-09-04T18:30:00+09:00") {
		t.Errorf("a relative link and a JST date: %+v", r)
	}
	if g := p.Entries[2]; g.Link != "https://cyber.police.example.jp/news/2026/0903.html" || g.Language != "ja" ||
		g.Title != "タイトルのない項目。説明が見出しの代わりになります。" || g.Published != at("2026-09-03T08:00:00Z") {
		t.Errorf("a guid as permalink, no title: %+v", g)
	}
}

func TestParseAtom(t *testing.T) {
	p := parseFile(t, "atom.xml", "https://cert.example.org/feed.atom")
	if p.Format != Atom || p.Title != "CERT Example Advisories" || p.Link != "https://cert.example.org/" || p.Language != "en" {
		t.Errorf("feed = %q %q %q %q", p.Format, p.Title, p.Link, p.Language)
	}
	if len(p.Entries) != 3 || len(p.Dropped) != 0 {
		t.Fatalf("%d entries, dropped %v", len(p.Entries), p.Dropped)
	}
	a := p.Entries[0]
	want := Entry{ID: "tag:cert.example.org,2026:advisory-17", Title: "Router firmware update advised", Link: "https://cert.example.org/advisories/2026-17",
		Summary: "Several routers accept crafted requests.", Published: at("2026-09-04T08:00:00Z"), Updated: at("2026-09-04T11:30:00.25Z"), Language: "en"}
	if a != want {
		t.Errorf("first entry:\n got %+v\nwant %+v", a, want)
	}
	b := p.Entries[1]
	if b.Title != "<3 は記号のまま" || b.Summary != "本文はXHTMLです。 二段落目。" || b.Language != "ja" || !b.Published.IsZero() || b.Updated != at("2026-08-31T15:00:00Z") {
		t.Errorf("text title, xhtml content: %+v", b)
	}
	if c := p.Entries[2]; c.Link != "" || c.ID != "tag:cert.example.org,2026:notice-3" || c.Summary != "Plain text summary with <tags> kept as text." {
		t.Errorf("no link: %+v", c)
	}
}

// RSS 0.90 and an RSS 1.0 feed that forgot its namespace read alike.
func TestParseRSS1Namespaces(t *testing.T) {
	for _, ns := range []string{` xmlns="http://my.netscape.com/rdf/simple/0.9/"`, ""} {
		doc := `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"` + ns + `><channel><title>old</title><link>https://old.example/</link></channel>` +
			`<item><title>one</title><link>https://old.example/1</link></item></rdf:RDF>`
		p, err := Parse([]byte(doc), ParseOptions{})
		if err != nil || p.Title != "old" || len(p.Entries) != 1 || p.Entries[0].ID != "https://old.example/1" {
			t.Errorf("%q: %+v, %v", ns, p, err)
		}
	}
}

func TestParseShiftJIS(t *testing.T) {
	p := parseFile(t, "sjis.rdf", "")
	if p.Title != "県警サイバー対策課" || len(p.Entries) != 1 || p.Entries[0].Title != "サポート詐欺に注意してください" ||
		p.Entries[0].Published != at("2026-09-01T00:00:00+09:00") {
		t.Errorf("Shift_JIS: %+v", p)
	}
}

func TestParseDropped(t *testing.T) {
	p := parseFile(t, "rss2.xml", "https://cyber.police.example.jp/feed.xml")
	// Item 5 has a link and nothing else to show; item 6 nothing to know
	// it by.
	want := []Dropped{{Index: 4, ID: "javascript:alert(1)", Code: DropBadLink},
		{Index: 5, ID: "https://cyber.police.example.jp/news/empty.html", Code: DropNoTitle}, {Index: 6, Code: DropNoID}}
	if !slices.Equal(p.Dropped, want) {
		t.Errorf("dropped = %+v\nwant %+v", p.Dropped, want)
	}
}

func TestParseBroken(t *testing.T) {
	for _, tc := range []struct {
		name, file, doc, code, detail string
	}{
		{name: "not well-formed", file: "broken-syntax.rdf", code: ParseSyntax, detail: "line 6"},
		{name: "a web page", file: "broken-html.xml", code: ParseHTML},
		{name: "another kind of XML", file: "broken-opml.xml", code: ParseNotFeed, detail: "<opml>"},
		{name: "RSS without a channel", file: "broken-nochannel.xml", code: ParseNoChan},
		{name: "empty", doc: " \n\t", code: ParseEmpty},
		{name: "text", doc: "just some words", code: ParseSyntax},
		{name: "JSON", doc: `{"items": []}`, code: ParseSyntax},
		{name: "an unknown charset", doc: `<?xml version="1.0" encoding="x-klingon"?><rss><channel/></rss>`, code: ParseCharset, detail: "x-klingon"},
		{name: "two roots", doc: `<rss><channel/></rss><rss/>`, code: ParseSyntax},
		{name: "too deep", doc: strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), code: ParseTooDeep},
		{name: "an undefined entity", doc: `<rss><channel><title>&bogus;</title></channel></rss>`, code: ParseSyntax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := []byte(tc.doc)
			if tc.file != "" {
				var err error
				if doc, err = os.ReadFile("testdata/" + tc.file); err != nil {
					t.Fatal(err)
				}
			}
			p, err := Parse(doc, ParseOptions{})
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want a ParseError", p, err)
			}
			if pe.Code != tc.code || !strings.Contains(pe.Detail, tc.detail) {
				t.Errorf("got %s %q, want %s containing %q", pe.Code, pe.Detail, tc.code, tc.detail)
			}
			if !strings.Contains(pe.Error(), parseMessages[tc.code]) {
				t.Errorf("the error does not say what is wrong: %v", pe)
			}
		})
	}
}

func TestParseBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>many</title>`)
	for i := range MaxEntries + 5 {
		b.WriteString(`<item><title>t</title><guid>g` + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + `</guid></item>`)
	}
	b.WriteString(`<item><title>` + strings.Repeat("長", 1000) + `</title><guid>` + strings.Repeat("i", MaxID+1) + `</guid></item>`)
	b.WriteString(`</channel></rss>`)
	p, err := Parse([]byte(b.String()), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != MaxEntries || len(p.Dropped) != 1 || p.Dropped[0] != (Dropped{Index: MaxEntries + 1, Code: DropTooMany}) {
		t.Errorf("%d entries, dropped %v", len(p.Entries), p.Dropped)
	}
	long := `<rss><channel><item><title>` + strings.Repeat("長", 1000) + `</title><guid>` + strings.Repeat("i", MaxID+1) + `</guid><description>` +
		strings.Repeat("説明 ", 1000) + `</description></item></channel></rss>`
	p, err = Parse([]byte(long), ParseOptions{})
	if err != nil || len(p.Entries) != 1 {
		t.Fatal(p, err)
	}
	e := p.Entries[0]
	if n := len([]rune(e.Title)); n != MaxTitle || !strings.HasSuffix(e.Title, "…") {
		t.Errorf("title of %d characters", n)
	}
	if n := len([]rune(e.Summary)); n > MaxSummary || !strings.HasSuffix(e.Summary, "…") {
		t.Errorf("summary of %d characters", n)
	}
	if !strings.HasPrefix(e.ID, "sha256:") || len(e.ID) != 7+64 {
		t.Errorf("a long id is kept as %q", e.ID)
	}
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-09-03T14:31+09:00", "2026-09-03T05:31:00Z"},
		{"2026-09-03T14:31:05+09:00", "2026-09-03T05:31:05Z"},
		{"2026-09-03T14:31:05.5Z", "2026-09-03T14:31:05.5Z"},
		{"2026-09-03", "2026-09-02T15:00:00Z"},
		{"2026-09-03 10:00:00", "2026-09-03T01:00:00Z"},
		{"Thu, 03 Sep 2026 08:00:00 GMT", "2026-09-03T08:00:00Z"},
		{"Thu, 3 Sep 2026 17:00:00 +0900", "2026-09-03T08:00:00Z"},
		{"3 Sep 2026 17:00 JST", "2026-09-03T08:00:00Z"},
		{"Thu, 03 Sep 26 08:00:00 EST", "2026-09-03T13:00:00Z"},
		{"Thursday, 03 September 2026 08:00:00 +09:00", "2026-09-02T23:00:00Z"},
		{"  Thu,  03 Sep 2026\n08:00:00 UT ", "2026-09-03T08:00:00Z"},
		{"yesterday", ""},
		{"", ""},
		{"2026-13-45", ""},
	} {
		got := parseDate(tc.in, tokyo)
		if tc.want == "" {
			if !got.IsZero() {
				t.Errorf("%q = %v, want none", tc.in, got)
			}
			continue
		}
		if w := at(tc.want); !got.Equal(w) {
			t.Errorf("%q = %v, want %v", tc.in, got, w)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		in     string
		isHTML bool
		max    int
		want   string
	}{
		{"  two\n\tlines  ", false, 50, "two lines"},
		{"<p>a</p><p>b</p>", true, 50, "a b"},
		{"<p>a</p><p>b</p>", false, 50, "<p>a</p><p>b</p>"},
		{"x <script>alert('y')</script>z", true, 50, "x z"},
		{"Q&amp;A &lt;tag&gt; a < b", true, 50, "Q&A <tag> a < b"},
		{"<!-- hidden -->shown", true, 50, "shown"},
		{"abcdef", false, 4, "abc…"},
		{"あいうえお", false, 5, "あいうえお"},
		{"あいう えお", false, 4, "あいう…"},
		{"bad \xff byte\x00", false, 50, "bad byte"},
	} {
		if got := Text(tc.in, tc.isHTML, tc.max); got != tc.want {
			t.Errorf("Text(%q, %v, %d) = %q, want %q", tc.in, tc.isHTML, tc.max, got, tc.want)
		}
	}
}

func TestCleanLink(t *testing.T) {
	base, _ := url.Parse("https://www.jpcert.or.jp/rss/jpcert.rdf")
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"https://www.jpcert.or.jp/at/", "https://www.jpcert.or.jp/at/", true},
		{" http://example.jp/a ", "http://example.jp/a", true},
		{"/at/2026/", "https://www.jpcert.or.jp/at/2026/", true},
		{"javascript:alert(1)", "", false},
		{"JavaScript:alert(1)", "", false},
		{"data:text/html,hi", "", false},
		{"mailto:a@example.jp", "", false},
		{"https://user:pw@example.jp/", "", false},
		{"https:///nohost", "", false},
		{"//evil.example/x", "https://evil.example/x", true},
	} {
		got, ok := cleanLink(tc.in, base)
		if got != tc.want || ok != tc.ok {
			t.Errorf("cleanLink(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := cleanLink("/relative", nil); ok {
		t.Error("a relative link without a base is kept")
	}
}

func TestCleanLang(t *testing.T) {
	for in, want := range map[string]string{"ja": "ja", "en-US": "en-US", " ja ": "ja", `ja" onload="x`: "", "": "", "-x": "", "zh-Hant-TW": "zh-Hant-TW"} {
		if got := cleanLang(in); got != want {
			t.Errorf("cleanLang(%q) = %q, want %q", in, got, want)
		}
	}
}
