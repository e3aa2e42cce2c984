package api

import (
	"strings"
	"testing"
)

// FuzzReportJSON: any body either fails to decode or becomes a submission
// (or field problems) without panicking, and what it keeps is what was sent.
func FuzzReportJSON(f *testing.F) {
	for _, s := range []string{
		`{"kind":"report","category":"PH","description":"x","prefecture":"13","contact":{"email":"a@example.jp"},"consent":true}`,
		`{"kind":"tip","description":"闇バイト","money":{"amount_jpy":-1,"sent_at":"2026-13-01T00:00:00Z"}}`,
		`{"occurred_at":"2026-11-25T02:00:00+09:00","money":null,"contact":null}`,
		`{}`, `[]`, `{"kind":1}`, `{"description":"a"} {"b":1}`, "\x00", `{"language":"fr"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in ReportIn
		if err := decodeStrict([]byte(body), &in); err != nil {
			return
		}
		sub, err := in.submission()
		if err != nil {
			return
		}
		if string(sub.Kind) != in.Kind || sub.Description != in.Description || sub.ExternalID != strings.TrimSpace(in.ExternalID) {
			t.Fatalf("submission lost input: %+v from %+v", sub, in)
		}
		if in.OccurredAt == "" && !sub.OccurredAt.IsZero() {
			t.Fatal("invented a date")
		}
	})
}
