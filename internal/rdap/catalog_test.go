package rdap

import (
	"regexp"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/locale"
)

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// Every error the package hands to callers has a Japanese and an English
// sentence, and carries every placeholder those sentences use.
func TestErrorsHaveSentences(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []interface {
		error
		Code() string
		Args() map[string]string
	}{
		&QueryError{Query: "x"}, &NoServerError{Query: "x"}, &NotFoundError{Server: "s", Query: "q"},
		&NoContactError{Server: "s", Query: "q"}, &ServerError{Server: "s", Status: 501},
		&BusyError{Server: "s", Until: t0}, &LimitedError{Server: "s", Wait: time.Second},
		&MalformedError{Server: "s"}, &TooLargeError{Server: "s", Limit: 1}, &TimeoutError{Server: "s", Limit: time.Second},
		&BootstrapError{Detail: "d"}, &StaleError{Kind: DNS, Have: t0, Got: t0},
	} {
		for _, lang := range locale.Languages {
			if !cat.Has(lang, e.Code()) {
				t.Errorf("%s: no %s sentence", e.Code(), lang)
				continue
			}
			for _, m := range placeholder.FindAllStringSubmatch(cat.T(lang, e.Code()), -1) {
				if _, ok := e.Args()[m[1]]; !ok {
					t.Errorf("%s (%s): the error carries no {%s}", e.Code(), lang, m[1])
				}
			}
		}
	}
}
