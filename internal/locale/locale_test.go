package locale

import (
	"testing"
	"testing/fstest"
)

func TestEveryKeyInEveryLanguage(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for _, other := range Languages {
			for _, k := range c.Keys(lang) {
				if !c.Has(other, k) {
					t.Errorf("key %q is in %s but not in %s", k, lang, other)
				}
				if c.T(lang, k) == "" {
					t.Errorf("key %q is empty in %s", k, lang)
				}
			}
		}
	}
}

func TestDuplicateKeyRejected(t *testing.T) {
	fsys := fstest.MapFS{
		"catalog/ja/a.json": {Data: []byte(`{"x":"1"}`)},
		"catalog/ja/b.json": {Data: []byte(`{"x":"2"}`)},
		"catalog/en/a.json": {Data: []byte(`{"x":"1"}`)},
	}
	if _, err := load(fsys); err == nil {
		t.Fatal("duplicate key accepted")
	}
}

func TestPlaceholdersAndFallback(t *testing.T) {
	fsys := fstest.MapFS{
		"catalog/ja/a.json": {Data: []byte(`{"greet":"{name}さん","only.ja":"日本語"}`)},
		"catalog/en/a.json": {Data: []byte(`{"greet":"Hello {name}"}`)},
	}
	c, err := load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("en", "greet", "name", "Aoi"); got != "Hello Aoi" {
		t.Errorf("got %q", got)
	}
	if got := c.T("en", "only.ja"); got != "日本語" {
		t.Errorf("fallback: got %q", got)
	}
	if got := c.T("ja", "missing.key"); got != "missing.key" {
		t.Errorf("missing: got %q", got)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct{ name, header, want string }{
		{"empty", "", "ja"},
		{"english", "en-US,en;q=0.9", "en"},
		{"japanese preferred", "ja,en;q=0.5", "ja"},
		{"english preferred by q", "ja;q=0.2,en;q=0.8", "en"},
		{"unsupported only", "fr-FR", "ja"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Match(tc.header); got != tc.want {
				t.Errorf("Match(%q) = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

// Advice shown together must not repeat a heading: two pieces with the same
// title read to a victim as the same advice twice.
func TestAdviceTitlesDistinct(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		seen := map[string]string{}
		for _, k := range c.Keys(lang) {
			if len(k) < 7 || k[:7] != "advice." || k[len(k)-6:] != ".title" {
				continue
			}
			v := c.T(lang, k)
			if prev, dup := seen[v]; dup {
				t.Errorf("%s: %s and %s share the title %q", lang, prev, k, v)
			}
			seen[v] = k
		}
	}
}

func TestPlurals(t *testing.T) {
	fsys := fstest.MapFS{
		"catalog/ja/a.json": {Data: []byte(`{"n":"{n}件の記録（{p}都道府県）"}`)},
		"catalog/en/a.json": {Data: []byte(`{"n":"{n} {n|record|records} in {p} {p|prefecture|prefectures}"}`)},
	}
	c, err := load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, n, p, want string }{
		{"en", "1", "1", "1 record in 1 prefecture"},
		{"en", "2", "1", "2 records in 1 prefecture"},
		{"en", "0", "12", "0 records in 12 prefectures"},
		{"en", "1,000", "2", "1,000 records in 2 prefectures"},
		{"ja", "1", "1", "1件の記録（1都道府県）"},
	} {
		if got := c.T(tc.lang, "n", "n", tc.n, "p", tc.p); got != tc.want {
			t.Errorf("T(%s, n=%s, p=%s) = %q, want %q", tc.lang, tc.n, tc.p, got, tc.want)
		}
	}
}

// A stored message says its key in the reader's language with its detail
// as it was; what is not a key is shown as it is.
func TestKeyedSaid(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	msg := Keyed("takedown.check.no_answer", "dial tcp 203.0.113.9:443: i/o timeout")
	if got := c.Said("ja", msg); got != "応答がありません（削除の証拠にはしません）：dial tcp 203.0.113.9:443: i/o timeout" {
		t.Errorf("ja: %q", got)
	}
	if got := c.Said("en", msg); got != "no answer (not taken as proof of removal): dial tcp 203.0.113.9:443: i/o timeout" {
		t.Errorf("en: %q", got)
	}
	if got := c.Said("en", Keyed("takedown.check.nxdomain", "")); got != "the name no longer resolves" {
		t.Errorf("no detail: %q", got)
	}
	for _, plain := range []string{"HTTP 404 Not Found", "no.such.key\tdetail", ""} {
		if got := c.Said("ja", plain); got != plain {
			t.Errorf("%q said as %q", plain, got)
		}
	}
}
