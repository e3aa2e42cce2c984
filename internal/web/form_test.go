package web

import (
	"net/url"
	"testing"
	"time"
)

// FuzzFormSubmission: whatever a browser posts, the form either becomes a
// submission or field problems; amounts and dates are never invented.
func FuzzFormSubmission(f *testing.F) {
	f.Add("report", "PH", "説明", "2026-11-25T02:10", "13", "３００，０００円", "2026-11-24", "a@example.jp")
	f.Add("", "unknown", "", "yesterday", "99", "-5", "2026-02-30T25:00", "")
	f.Add("tip", "", "\x00", "2026-11-25T02:10:05", "", "1e9", "", "not an address")
	loc, _ := time.LoadLocation("Asia/Tokyo")
	s := &Server{Deps: Deps{Location: loc}}
	f.Fuzz(func(t *testing.T, kind, cat, desc, occurred, pref, amount, sent, email string) {
		in := reportInput{Kind: kind, Category: cat, Description: desc, OccurredAt: occurred, Prefecture: pref, Amount: amount, SentAt: sent, Email: email}
		sub, err := s.submission(in, "ja")
		if err != nil {
			return
		}
		if occurred == "" && !sub.OccurredAt.IsZero() || sent == "" && !sub.Money.SentAt.IsZero() {
			t.Fatal("invented a date")
		}
		if amount == "" && sub.Money.AmountJPY != 0 {
			t.Fatal("invented an amount")
		}
		if cat != "unknown" && sub.Category != cat {
			t.Fatalf("category changed: %q -> %q", cat, sub.Category)
		}
	})
}

func TestPageLinks(t *testing.T) {
	q := url.Values{"status": {"new"}, "page": {"2"}}
	for _, tc := range []struct {
		name              string
		page, total       int
		wantPrev, wantNxt string
	}{
		{"only page", 1, 10, "", ""},
		{"first of three", 1, 120, "", "/queue?page=2&status=new"},
		{"middle", 2, 120, "/queue?page=1&status=new", "/queue?page=3&status=new"},
		{"last, exactly full", 3, 150, "/queue?page=2&status=new", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev, next := pageLinks("/queue", q, tc.page, 50, tc.total)
			if prev != tc.wantPrev || next != tc.wantNxt {
				t.Fatalf("got %q %q, want %q %q", prev, next, tc.wantPrev, tc.wantNxt)
			}
		})
	}
	if q.Get("page") != "2" {
		t.Fatal("pageLinks changed its input")
	}
}
