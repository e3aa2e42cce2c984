package markdown

import (
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name, in  string
		want, not []string
	}{
		{"emphasis and lists", "**重要**\n\n- 一\n- 二", []string{"<strong>重要</strong>", "<li>一</li>"}, nil},
		{"line breaks kept", "一行目\n二行目", []string{"一行目<br>"}, nil},
		{"raw HTML left out", "<script>alert(1)</script>\n\n本文 <img src=x onerror=alert(1)>", []string{"本文"}, []string{"<script", "<img", "onerror"}},
		{"inline HTML left out", "a <b onclick=\"x()\">b</b> c", []string{"a "}, []string{"<b", "onclick"}},
		{"http link", "[JC3](https://www.jc3.or.jp/)", []string{`<a href="https://www.jc3.or.jp/" rel="nofollow noopener noreferrer">JC3</a>`}, nil},
		{"link on this site", "[通報](/reports/12)", []string{`<a href="/reports/12"`}, nil},
		{"javascript link", "[click](javascript:alert(1))", []string{"click"}, []string{"<a", "javascript:"}},
		{"javascript link in capitals and tabs", "[click](JaVa&#x09;ScRiPt:alert(1))", []string{"click"}, []string{"<a"}},
		{"entity-encoded colon", "[click](javascript&colon;alert(1))", []string{"click"}, []string{"<a"}},
		{"data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", []string{"x"}, []string{"<a", "data:"}},
		{"data image", "![p](data:image/png;base64,AAAA)", []string{"p"}, []string{"<img", "<a", "data:"}},
		{"vbscript reference link", "[x][r]\n\n[r]: vbscript:msgbox", []string{"x"}, []string{"<a", "vbscript"}},
		{"autolink javascript", "<javascript:alert(1)>", []string{"javascript:alert(1)"}, []string{"<a"}},
		{"autolink http", "<https://example.com/a>", []string{`<a href="https://example.com/a" rel="nofollow noopener noreferrer">`}, nil},
		{"linkified URL", "詳細は https://example.com/x を参照", []string{`href="https://example.com/x"`}, nil},
		{"mail autolink", "<kanri@example.jp>", []string{`href="mailto:kanri@example.jp"`}, nil},
		{"image becomes a link", "![画面](https://example.com/s.png)", []string{`<a href="https://example.com/s.png" rel="nofollow noopener noreferrer">画面</a>`}, []string{"<img"}},
		{"heading below the page's", "# 聴取", []string{"<h4>聴取</h4>"}, []string{"<h1"}},
		{"code kept as text", "`<script>`", []string{"<code>&lt;script&gt;</code>"}, []string{"<script"}},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
	} {
		got := Render(tc.in)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.name, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q holds %q", tc.name, got, n)
			}
		}
		if err := unsafeHTML(got); err != nil {
			t.Errorf("%s: %v in %q", tc.name, err, got)
		}
	}
}

func TestSafeURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://a.example/": true, "http://a": true, "mailto:a@b": true, "/cases/1": true, "#note-3": true, "a/b:c": true,
		"?q=javascript:": true, "//cdn.example/x": true,
		"javascript:x": false, "JAVASCRIPT:x": false, " javascript:x": false, "java\nscript:x": false, "java\x00script:x": false,
		"data:text/html,x": false, "vbscript:x": false, "file:///etc/passwd": false, "ftp://x": false,
	} {
		if got := SafeURL(u); got != want {
			t.Errorf("SafeURL(%q) = %v, want %v", u, got, want)
		}
	}
}

// unsafeHTML reads rendered HTML as a browser would and names the first
// thing in it that could run script.
func unsafeHTML(s string) error {
	if strings.Contains(strings.ToLower(s), "<script") {
		return errors.New("a <script")
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return nil
			}
			return z.Err()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "object", "embed", "img", "svg", "math", "form", "input", "base", "meta", "link":
				return errors.New("a <" + tok.Data + "> element")
			}
			for _, a := range tok.Attr {
				k := strings.ToLower(a.Key)
				if strings.HasPrefix(k, "on") {
					return errors.New("an " + k + "= attribute")
				}
				if k == "style" || k == "srcdoc" || k == "formaction" {
					return errors.New("a " + k + "= attribute")
				}
				if (k == "href" || k == "src" || k == "action" || k == "xlink:href") && !SafeURL(a.Val) {
					return errors.New("an active URL " + a.Val)
				}
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, a.Val))
				if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:") {
					return errors.New("an active URL " + a.Val)
				}
			}
		}
	}
}

// FuzzRender: whatever an officer writes, the rendered note holds no
// <script, no on*= attribute and no javascript: (or data:) URL.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"**a**", "<script>alert(1)</script>", "[x](javascript:alert(1))", "[x](JaVaScRiPt&#58;alert(1))",
		"<a href=\"javascript:x\">x</a>", "![x](data:image/svg+xml;base64,PHN2Zz4=)", "<javascript:alert(1)>",
		"[x][1]\n\n[1]: java\tscript:alert(1)", "<img src=x onerror=alert(1)>", "| a |\n|---|\n| <b onmouseover=x> |",
		"www.example.com/<script>", "[a](<javascript:alert(1)>)", "[![i](javascript:a)](https://x)", "`<script>`\n```\n<script>\n```",
		"<!-- --><script>x</script>", "<div\nonclick=x>", "x@example.com", "~~s~~", "# h\n## h2", "[](https://x)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := Render(src)
		if err := unsafeHTML(out); err != nil {
			t.Fatalf("%v\ninput: %q\noutput: %q", err, src, out)
		}
	})
}
