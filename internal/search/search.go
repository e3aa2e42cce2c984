// Package search is koban's one search across records: reports, cases
// (number, title, summary) and case notes, each narrowed to what the officer
// may view, with filters, bounded totals and facets, keyset paging, and
// saved searches whose new matches are recorded for their owner.
//
// Matching is intake's: every record has a search text in Unicode NFKC, lower
// case (intake.NormalizeSearch), and a query's terms must all occur in it as
// substrings. The store keeps one search row per record, written in the
// transaction that stores or changes it.
//
// Results are ordered newest first by (created_at, kind, id) and paged with a
// cursor naming the last row shown, never an offset: a page costs the same
// however deep it is, and rows stored while an officer pages appear on the
// first page, never twice. Totals are counted up to a cap (CountCap): a
// query matching more says "more than N" (Result.TotalIsLowerBound), so a
// common word nationally costs what a rare one does. Facets (counts by type,
// category and status) come from the same capped count, and are exact when
// the total is.
package search

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

// Kind is the type of a record search finds.
type Kind string

// The kinds, in the order they are shown in facets.
const (
	Report Kind = "report" // 通報・相談・情報提供
	Case   Kind = "case"   // 事件
	Note   Kind = "note"   // 事件のメモ
)

// Kinds lists every kind.
var Kinds = []Kind{Report, Case, Note}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// rank orders kinds among rows created in the same microsecond.
func (k Kind) rank() int {
	switch k {
	case Report:
		return 3
	case Case:
		return 2
	case Note:
		return 1
	}
	return 0
}

// AccessType is the object type the access decision knows the kind by: a
// note is seen by whoever may view its case.
func (k Kind) AccessType() string {
	if k == Note {
		return string(Case)
	}
	return string(k)
}

// Cursor names a row in the order results come in (created_at, then kind,
// then id, each descending): a page after a cursor holds the rows that come
// after it.
type Cursor struct {
	At   time.Time
	Kind Kind
	ID   int64
}

// String is the cursor as it travels in links and in the API's "next".
func (c Cursor) String() string {
	return strconv.FormatInt(c.At.UnixMicro(), 10) + "." + string(c.Kind) + "." + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads a cursor written by String.
func ParseCursor(s string) (Cursor, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Cursor{}, fmt.Errorf("cursor %q: want three parts", s)
	}
	at, err1 := strconv.ParseInt(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	k := Kind(parts[1])
	if err1 != nil || err2 != nil || !k.Valid() || id <= 0 {
		return Cursor{}, fmt.Errorf("cursor %q: malformed", s)
	}
	return Cursor{At: time.UnixMicro(at).UTC(), Kind: k, ID: id}, nil
}

// Less reports whether a comes before b in result order (newest first).
func Less(a, b Cursor) bool {
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	if a.Kind != b.Kind {
		return a.Kind.rank() > b.Kind.rank()
	}
	return a.ID > b.ID
}

// KeysetAfter says, for rows of kind k, how a row's (created_at, id) must
// compare with the cursor to come after it: with the kinds' order among rows
// of the same instant folded in, it is one of created_at < at,
// created_at <= at (the cursor's kind comes first), or
// (created_at, id) < (at, id) for rows of the cursor's own kind.
func KeysetAfter(k Kind, c Cursor) (orEqualAt bool, sameKind bool) {
	switch {
	case k == c.Kind:
		return false, true
	case k.rank() < c.Kind.rank():
		return true, false
	default:
		return false, false
	}
}

// Query is what an officer searches for: text and filters.
type Query struct {
	Text     string // as typed; required
	Kinds    []Kind // none: every kind
	Status   string // a report's or a case's status (a note: its case's)
	Category string // a taxonomy code
	// Org narrows to the records owned by an organisation and those below
	// it: an organisation's code ("pref-13") or a prefecture's JIS code
	// ("13", its HQ).
	Org      string
	From, To time.Time // created in [From, To); zero: open
}

// Values writes the query as the search page's query string, which is also
// how a saved search is kept.
func (q Query) Values() url.Values {
	v := url.Values{"q": {q.Text}}
	for _, k := range q.Kinds {
		v.Add("type", string(k))
	}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("status", q.Status)
	set("category", q.Category)
	set("org", q.Org)
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.DateOnly))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return v
}

// FromValues reads a query from the search page's query string. Days are
// calendar days in loc: from is the start of its day, to the end of its
// day. Problems are returned (koban.Invalid, by field) with the query as
// far as it was read.
func FromValues(v url.Values, loc *time.Location) (Query, error) {
	if loc == nil {
		loc = time.UTC
	}
	q := Query{Text: v.Get("q"), Status: strings.TrimSpace(v.Get("status")), Category: strings.ToUpper(strings.TrimSpace(v.Get("category"))),
		Org: strings.TrimSpace(v.Get("org"))}
	var pr koban.Problems
	for _, t := range v["type"] {
		switch k := Kind(t); {
		case t == "" || t == "all":
		case k.Valid():
			if !slices.Contains(q.Kinds, k) {
				q.Kinds = append(q.Kinds, k)
			}
		default:
			pr.Add("type", "search.error.type")
		}
	}
	day := func(field string) time.Time {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			pr.Add(field, "search.error.date")
			return time.Time{}
		}
		return d
	}
	q.From = day("from")
	if to := day("to"); !to.IsZero() {
		q.To = to.AddDate(0, 0, 1)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		pr.Add("to", "search.error.date_order")
	}
	return q, pr.Err()
}

// Hit is one record found.
type Hit struct {
	Kind  Kind
	ID    int64
	At    time.Time // created
	OrgID int64     // the owner (a note: its case's)
	// Label is what officers call the record: a report's receipt number, a
	// case's number (a note: its case's number).
	Label      string
	Title      string // a case's title (a note: its case's); "" for a report
	Status     string // a report's or case's status (a note: its case's)
	Category   string
	CaseID     int64  // a note's case
	ReportKind string // a report's kind (report, consultation, tip)
	Prefecture string // a report's prefecture code
	Urgent     bool   // a report flagged urgent
	// Text is what the snippet is cut from, as written: a report's
	// description and its reporter's messages, a case's number, title and
	// summary, a note's body. The store fills it in; Search cuts the
	// Snippet from it and leaves it empty.
	Text    string
	Snippet []intake.SnippetPart
}

// Cursor is the hit's place in result order.
func (h Hit) Cursor() Cursor { return Cursor{At: h.At, Kind: h.Kind, ID: h.ID} }

// Facets count the matches by type, category and status.
type Facets struct {
	ByKind     map[Kind]int
	ByCategory map[string]int
	ByStatus   map[string]int
	// Partial is set when a count stopped at the cap: the facets then
	// count the matches read before it, not all of them.
	Partial bool
}

// Result is one page of a search.
type Result struct {
	Hits []Hit
	// Next is where the following page starts; nil on the last page.
	Next *Cursor
	// Total counts the matches, up to CountCap of each kind; when a kind
	// has more, TotalIsLowerBound is set and the true total is greater.
	Total             int
	TotalIsLowerBound bool
	Facets            Facets
	// SearchedTo is set when the page stops short of the last match
	// because the search read as far as a record created then (a word
	// too short for the index, walked a window at a time): older records
	// are searched on the next page.
	SearchedTo time.Time
}
