package pattern

import (
	"errors"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/locale"
)

// Every error code and expectation has its sentence in every language, and
// an error renders with no placeholder left.
func TestCatalog(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range locale.Languages {
		for _, code := range Codes {
			if !cat.Has(lang, "pattern.error."+code) {
				t.Errorf("%s: no pattern.error.%s", lang, code)
			}
		}
		for _, c := range append(ExpectClasses, "or") {
			if !cat.Has(lang, "pattern.expect."+c) {
				t.Errorf("%s: no pattern.expect.%s", lang, c)
			}
		}
		if !cat.Has(lang, "pattern.found.end") {
			t.Errorf("%s: no pattern.found.end", lang)
		}
	}
	tr := func(k string) string { return cat.T("ja", k) }
	for _, src := range []string{"[file:name = 'a' file:size = 1]", "[file:name = 'a'] AND", "[file:name ISSUBSET 3]"} {
		_, err := Parse(src)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: %v", src, err)
		}
		msg := cat.T("ja", pe.Key(), pe.Args(tr)...)
		if strings.ContainsAny(msg, "{}") || strings.Contains(msg, "pattern.") || !strings.Contains(msg, "文字目") {
			t.Errorf("%s: rendered %q", src, msg)
		}
	}
	_, err = Parse("[file:name = 'a' file:size = 1]")
	var pe *Error
	errors.As(err, &pe)
	if got := cat.T("ja", pe.Key(), pe.Args(tr)...); got != "18文字目: ']', 'AND' または 'OR'があるべきところに'file'があります。" {
		t.Errorf("ja: %q", got)
	}
	if got := cat.T("en", pe.Key(), pe.Args(nil)...); got != "Column 18: expected ']', 'AND' or 'OR' but found 'file'." {
		t.Errorf("en: %q", got)
	}
}
