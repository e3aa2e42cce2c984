package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/koban"
)

// FuzzReportJSON: any body is either refused as malformed (400) or becomes
// a submission (or field problems) without panicking; the strict decoder
// agrees with encoding/json on every body it accepts, flags exactly the
// fields whose text encoding/json had to rewrite, and what the submission
// keeps is what was sent.
func FuzzReportJSON(f *testing.F) {
	for _, s := range []string{
		`{"kind":"report","category":"PH","description":"x","prefecture":"13","contact":{"email":"a@example.jp"},"consent":true}`,
		`{"kind":"tip","description":"闇バイト","money":{"amount_jpy":-1,"sent_at":"2026-13-01T00:00:00Z"}}`,
		`{"occurred_at":"2026-11-25T02:00:00+09:00","money":null,"contact":null}`,
		`{}`, `[]`, `{"kind":1}`, `{"description":"a"} {"b":1}`, "\x00", `{"language":"fr"}`,
		`{"contact_email":"a@example.jp"}`, `{"contact":{"mail":"a@example.jp"}}`, `{"KIND":"tip"}`,
		`{"description":"\ud800"}`, `{"description":"\udc00\ud800"}`, `{"description":"\ud83d\ude00"}`,
		"{\"description\":\"\xff\"}", `{"description":"\ufffd"}`, "{\"contact\":{\"name\":\"a\xc3\"}}",
		`{"contact":{"name":["\ud800"]}}`, `{"money":{"sent_at":{"x":1}}}`,
		`{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
	} {
		f.Add(s)
	}
	stringFields := func(in ReportIn) map[string]string {
		m := map[string]string{"kind": in.Kind, "category": in.Category, "description": in.Description, "occurred_at": in.OccurredAt,
			"prefecture": in.Prefecture, "language": in.Language, "external_id": in.ExternalID}
		if in.Money != nil {
			m["money.sent_at"] = in.Money.SentAt
		}
		if in.Contact != nil {
			m["contact.name"], m["contact.email"], m["contact.phone"] = in.Contact.Name, in.Contact.Email, in.Contact.Phone
		}
		return m
	}
	f.Fuzz(func(t *testing.T, body string) {
		in, bad, err := decodeReport([]byte(body))
		if err != nil {
			if koban.ErrorCode(err) != koban.Malformed {
				t.Fatalf("refused with code %s, want malformed: %v", koban.ErrorCode(err), err)
			}
			return
		}
		var std ReportIn
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&std); err != nil || !reflect.DeepEqual(std, in) {
			t.Fatalf("encoding/json disagrees: %v, %+v against %+v", err, std, in)
		}
		flagged := map[string]bool{}
		for _, p := range bad {
			flagged[p.Field] = true
		}
		// U+FFFD sent as such (raw, or escaped) is text; any other U+FFFD
		// is encoding/json's rewriting of bytes that were not.
		sentFFFD := strings.ContainsRune(body, utf8.RuneError) || bytes.Contains(bytes.ToLower([]byte(body)), []byte(`\ufffd`))
		for field, v := range stringFields(in) {
			rewritten := strings.ContainsRune(v, utf8.RuneError)
			if flagged[field] && !rewritten {
				t.Fatalf("%s flagged, yet holds no replacement character: %q", field, v)
			}
			if !flagged[field] && rewritten && !sentFFFD {
				t.Fatalf("%s rewritten by encoding/json, not flagged: %q", field, v)
			}
			delete(flagged, field)
		}
		if len(flagged) > 0 {
			t.Fatalf("flagged fields that hold no text: %v", flagged)
		}
		sub, err := in.submission(bad)
		if err != nil {
			return
		}
		if len(bad) > 0 {
			t.Fatal("text that is not valid made a submission")
		}
		if string(sub.Kind) != in.Kind || sub.Description != in.Description || sub.ExternalID != strings.TrimSpace(in.ExternalID) {
			t.Fatalf("submission lost input: %+v from %+v", sub, in)
		}
		if in.OccurredAt == "" && !sub.OccurredAt.IsZero() {
			t.Fatal("invented a date")
		}
	})
}
