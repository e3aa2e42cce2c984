// Full-text search over reports.
//
// Matching is by substring over a normalised search text, and it is the same
// on SQLite and PostgreSQL. The search text of a report is its description,
// its observables' canonical values (those the text does not already hold)
// and every message the reporter added, one per line, put in Unicode NFKC
// form and lower-cased. NFKC folds
// full-width Latin letters and digits into ASCII (ＵＲＬ finds url) and
// half-width katakana into full-width; katakana and hiragana stay distinct
// (バイト does not find ばいと). The observables carry the canonical forms, so
// a phone number written 090-1234-5678 in the text is found as +819012345678
// too. The reporter's contact details are never part of the search text.
//
// A query is normalised the same way and split on white space (ASCII and the
// ideographic space); every term must occur (AND). The characters %, _ and \
// separate terms like a space, so no term needs escaping in a LIKE pattern.
//
// Substring matching means 京都 also finds 東京都内. That is deliberate: an
// investigator loses more by a report that is not found than by one extra
// row, and the result list shows the text around the match so the officer
// sees at once why a row is there. It is also why no morphological tokenizer
// (kagome) is used yet: a word index alone would miss 東京都 inside 東京都内
// and words the dictionary splits differently, and combining both is more
// machinery than substring search needs at this size. Terms of one or two
// characters work, but the trigram indexes cannot help them (see
// store/search.go).
package intake

import (
	"context"
	"github.com/koban-project/koban/internal/access"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

// Limits on a search query.
const (
	SearchMaxRunes = 200 // of the query as typed
	SearchMaxTerms = 10
	// SnippetRunes is about how much of the reporter's text a hit shows.
	SnippetRunes = 80
)

// SearchHit is one report found by a search: the queue's fields plus the
// reporter's own text around the first match.
type SearchHit struct {
	QueueItem
	// Text is what the reporter wrote, as written: the description and the
	// messages they added, one per line. The store fills it in; Search
	// cuts the Snippet from it and leaves it empty.
	Text string
	// Snippet is about SnippetRunes characters of Text around the first
	// match, with the matches marked (see Excerpt).
	Snippet []SnippetPart
}

// NormalizeSearch puts text into the form search compares: NFKC, lower case.
func NormalizeSearch(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// SearchText builds a report's search text from its description, the
// values of its observables and the messages its reporter added, in that
// order, one per line. An observable value that the text already holds (a
// URL or domain as written in the description) is left out: a term that
// would find it finds the description already, and the index stays smaller.
// The store keeps the text current; callers pass the observables in a
// stable order so the text does not depend on the path that built it.
func SearchText(description string, observables, reporterMessages []string) string {
	var b strings.Builder
	b.WriteString(normalizeLine(description))
	for _, v := range observables {
		if v = normalizeLine(v); v != "" && !strings.Contains(b.String(), v) {
			b.WriteByte('\n')
			b.WriteString(v)
		}
	}
	for _, m := range reporterMessages {
		b.WriteByte('\n')
		b.WriteString(normalizeLine(m))
	}
	return b.String()
}

func normalizeLine(s string) string {
	return NormalizeSearch(strings.ToValidUTF8(s, "\uFFFD"))
}

// SearchTerms validates a query and returns its normalised terms, without
// repeats, in the order typed.
func SearchTerms(q string) ([]string, error) {
	if utf8.RuneCountInString(q) > SearchMaxRunes {
		return nil, &koban.Error{Code: koban.Invalid, Key: "search.error.too_long", Field: "q"}
	}
	s := NormalizeSearch(strings.ToValidUTF8(q, " "))
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '%', r == '_', r == '\\', unicode.IsControl(r), r == utf8.RuneError:
			return ' '
		}
		return r
	}, s)
	var terms []string
	for _, t := range strings.Fields(s) {
		if !containsString(terms, t) {
			terms = append(terms, t)
		}
	}
	switch {
	case len(terms) == 0:
		return nil, &koban.Error{Code: koban.Invalid, Key: "search.error.empty", Field: "q"}
	case len(terms) > SearchMaxTerms:
		return nil, &koban.Error{Code: koban.Invalid, Key: "search.error.too_many_terms", Field: "q"}
	}
	return terms, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Search finds the reports the principal may see whose search text holds
// every term of q, newest first. It lists no contact details, so it is not
// audited; opening a report is.
func (s *Service) Search(ctx context.Context, p auth.Principal, q string, limit, offset int) ([]SearchHit, int, error) {
	if !p.Can(auth.PermReportRead) {
		return nil, 0, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	terms, marks, err := QueryTerms(q)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case limit <= 0:
		limit = 50
	case limit > 200:
		limit = 200
	}
	offset = max(0, offset)
	scope := s.access.ScopeOf(p, "report", access.View)
	if scope.None {
		return nil, 0, nil
	}
	hits, total, err := s.store.SearchReports(ctx, scope, terms, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	for i := range hits {
		hits[i].Snippet = Excerpt(hits[i].Text, marks, SnippetRunes)
		hits[i].Text = ""
	}
	return hits, total, nil
}

// QueryTerms validates a query and returns the terms to look for and the
// terms to mark in snippets. A query that is one observable in any spelling
// (090-1234-5678, ０９０…, hxxp://…) looks for its canonical form, which
// every search text carries, and marks the value where the text has it as
// typed or as people write it.
func QueryTerms(q string) (terms, marks []string, err error) {
	terms, err = SearchTerms(q)
	if err != nil {
		return nil, nil, err
	}
	marks = terms
	if found := observe.Extract(q); len(found) == 1 && (len(terms) == 1 || numberLike(q)) {
		if canon, err := SearchTerms(found[0].Value); err == nil && len(canon) == 1 {
			marks = slices.Concat(terms, canon)
			if shown, err := SearchTerms(observe.Display(found[0])); err == nil && len(shown) == 1 {
				marks = append(marks, shown...)
			}
			terms = canon
		}
	}
	return terms, marks, nil
}

// numberLike reports whether q holds only digits, spaces and the signs
// numbers are written with (a phone number or an account typed with
// spaces), so that it may stand for one observable as a whole.
func numberLike(q string) bool {
	return !strings.ContainsFunc(q, func(r rune) bool {
		return !unicode.IsDigit(r) && !unicode.IsSpace(r) && !strings.ContainsRune("+-()（）－ー‐", r)
	})
}
