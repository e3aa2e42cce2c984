package taxii_test

import (
	"encoding/json"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/taxii"
)

type coded interface {
	error
	Args() map[string]string
}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// TestErrorsHaveSentences checks that every error code egress and taxii
// hand to callers has a Japanese and an English sentence, and that the
// error carries every placeholder the sentences use.
func TestErrorsHaveSentences(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	check := func(code string, args map[string]string) {
		t.Helper()
		for _, lang := range locale.Languages {
			if !cat.Has(lang, code) {
				t.Errorf("%s: no %s sentence", code, lang)
				continue
			}
			for _, m := range placeholder.FindAllStringSubmatch(cat.T(lang, code), -1) {
				if _, ok := args[m[1]]; !ok {
					t.Errorf("%s (%s): the error carries no {%s}", code, lang, m[1])
				}
			}
		}
	}
	for _, r := range []egress.Reason{egress.Loopback, egress.Private, egress.LinkLocal, egress.Unspecified, egress.Multicast, egress.Broadcast,
		egress.Shared, egress.Benchmarking, egress.Documentation, egress.Reserved, egress.Tunnel} {
		e := &egress.RefusedError{Host: "x.example", Addr: netip.MustParseAddr("10.0.0.1"), Reason: r}
		check(e.Code(), e.Args())
	}
	for _, e := range []interface {
		coded
		Code() string
	}{
		&egress.TooLargeError{URL: "u", Limit: 1}, &egress.TimeoutError{URL: "u", Limit: time.Second},
		&egress.SchemeError{URL: "u"}, &egress.RedirectsError{URL: "u", Limit: 5},
		&taxii.ParamError{Param: "limit", Value: "0"}, &taxii.EnvelopeError{Offset: 3}, &taxii.EnvelopeError{Syntax: true},
		&taxii.ResponseError{URL: "u", Status: 503},
	} {
		check(e.Code(), e.Args())
	}
	// Every problem ParseObject reports.
	for _, raw := range []string{`1`, `{"id":"x--1"}`, `{"type":"X!"}`, `{"type":"indicator"}`, `{"type":"indicator","id":"indicator--1"}`,
		`{"type":"indicator","id":"malware--00000000-0000-4000-8000-000000000001"}`,
		`{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001"}`,
		`{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","spec_version":"2.0"}`,
		`{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","spec_version":"2.1","modified":"now"}`} {
		_, err := taxii.ParseObject(json.RawMessage(raw))
		oe, ok := err.(*taxii.ObjectError)
		if !ok {
			t.Fatalf("%s: %v", raw, err)
		}
		check(oe.Code, oe.Args)
	}
	// The codes of the server's error bodies and of the client's protocol
	// errors, with the details or arguments they carry.
	for code, args := range map[string][]string{
		"taxii.unauthorized": nil, "taxii.forbidden": nil, "taxii.not_found": nil, "taxii.bad_cursor": nil, "taxii.internal": nil,
		"taxii.not_acceptable": nil, "taxii.method_not_allowed": {"method"}, "taxii.unsupported_media_type": nil,
		"taxii.too_large": {"max_content_length"}, "taxii.bad_body": nil,
		"taxii.client.media_type": {"url", "content_type"}, "taxii.client.json": {"url"}, "taxii.client.missing": {"url", "property"},
		"taxii.client.mismatch": {"url", "id"}, "taxii.client.header": {"url", "header"}, "taxii.client.envelope": {"url"}, "taxii.client.loop": {"url"},
	} {
		m := map[string]string{}
		for _, a := range args {
			m[a] = "x"
		}
		check(code, m)
	}
}
