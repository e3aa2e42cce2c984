package search

import (
	"net/url"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor{At: time.Date(2026, 3, 2, 9, 30, 15, 123456000, time.UTC), Kind: Note, ID: 42}
	got, err := ParseCursor(c.String())
	if err != nil || got != c {
		t.Errorf("ParseCursor(%q) = %+v, %v", c.String(), got, err)
	}
	for _, bad := range []string{"", "1.report", "x.report.1", "1.file.1", "1.case.0", "1.case.-3", "1.case.1.2"} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) accepted", bad)
		}
	}
}

// TestOrder: newest first; in one instant reports, then cases, then notes;
// then by id, descending. KeysetAfter says the same in SQL's terms.
func TestOrder(t *testing.T) {
	at := time.Unix(100, 0)
	order := []Cursor{{at.Add(time.Second), Note, 1}, {at, Report, 9}, {at, Report, 3}, {at, Case, 50}, {at, Note, 7}, {at.Add(-time.Second), Report, 99}}
	for i := range order {
		for j := range order {
			if got := Less(order[i], order[j]); got != (i < j) {
				t.Errorf("Less(%v, %v) = %v", order[i], order[j], got)
			}
		}
	}
	for _, c := range []struct {
		k               Kind
		cur             Cursor
		orEqual, sameID bool
	}{
		{Report, Cursor{at, Report, 3}, false, true},
		{Case, Cursor{at, Report, 3}, true, false}, // cases of the same instant come after its reports
		{Report, Cursor{at, Case, 3}, false, false},
		{Note, Cursor{at, Case, 3}, true, false},
	} {
		if oe, same := KeysetAfter(c.k, c.cur); oe != c.orEqual || same != c.sameID {
			t.Errorf("KeysetAfter(%s, %v) = %v, %v", c.k, c.cur, oe, same)
		}
	}
}

func TestQueryValues(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	v, _ := url.ParseQuery("q=%E9%97%87&type=case&type=note&type=case&status=open&category=fr&org=13&from=2026-03-01&to=2026-03-31")
	q, err := FromValues(v, loc)
	if err != nil {
		t.Fatal(err)
	}
	if q.Text != "闇" || len(q.Kinds) != 2 || q.Category != "FR" || q.Org != "13" ||
		!q.From.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, loc)) || !q.To.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("FromValues = %+v", q)
	}
	back, err := FromValues(q.Values(), loc)
	if err != nil || back.Text != q.Text || !back.From.Equal(q.From) || !back.To.Equal(q.To) || len(back.Kinds) != 2 {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	for _, bad := range []string{"q=x&type=file", "q=x&from=2026-02-30", "q=x&from=2026-03-02&to=2026-03-01"} {
		v, _ := url.ParseQuery(bad)
		if _, err := FromValues(v, loc); err == nil {
			t.Errorf("FromValues(%s) accepted", bad)
		}
	}
}

// TestSavedMatches: the in-memory match a saved search makes of a new
// record is the store's search: every term a substring of the search text,
// every filter met, created after it was saved.
func TestSavedMatches(t *testing.T) {
	at := time.Unix(1000, 0)
	x := &saved{Saved: Saved{CreatedAt: at, CheckedTo: at}, q: Query{Kinds: []Kind{Report}, Status: "new", Category: "PH"},
		terms: []string{"宅配", "sms"}, owners: []int64{5}}
	ok := Hit{Kind: Report, At: at.Add(time.Second), OrgID: 5, Status: "new", Category: "PH", Text: "偽の宅配smsのリンク"}
	if !x.matches(ok) {
		t.Fatal("a matching record is not matched")
	}
	for name, mod := range map[string]func(*Hit){
		"before saved": func(h *Hit) { h.At = at.Add(-time.Second) },
		"other kind":   func(h *Hit) { h.Kind = Case },
		"other status": func(h *Hit) { h.Status = "closed" },
		"other cat":    func(h *Hit) { h.Category = "FR" },
		"other owner":  func(h *Hit) { h.OrgID = 6 },
		"a term gone":  func(h *Hit) { h.Text = "偽の宅配便" },
	} {
		h := ok
		mod(&h)
		if x.matches(h) {
			t.Errorf("%s: matched", name)
		}
	}
}
