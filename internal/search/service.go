package search

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// CountCap is how many matches of each kind a search counts before it says
// "more than". The count reads at most CountCap+1 rows of each kind.
const CountCap = 200

// Filter is one kind's part of a search, as the store runs it.
type Filter struct {
	Kind  Kind
	Scope access.Scope // the records the officer may view; always set
	Terms []string     // normalised (intake.SearchTerms); all must occur
	// Owners, when not nil, keeps only records owned by these
	// organisations (the org filter, already a subtree).
	Owners   []int64
	Status   string
	Category string
	From, To time.Time
	After    *Cursor // keyset: only rows after this one
	Limit    int
}

// Count is how many records of one kind match, up to a cap, by category
// and status.
type Count struct {
	N      int
	Capped bool // more than N match
	// SearchedTo, when set, is how far the records were searched: the
	// page holds the matches up to it, N counts those, and the next page
	// starts after it.
	SearchedTo *Cursor
	ByCategory map[string]int
	ByStatus   map[string]int
}

// Store is what search needs from the database. Saved-search methods that
// name one search answer NotFound for a search that is not the owner's.
type Store interface {
	// SearchRecords returns at most f.Limit records of f.Kind matching f
	// after f.After, in result order, each with its Text, and counts the
	// records matching f (wherever the cursor is), stopping at countCap.
	SearchRecords(ctx context.Context, f Filter, countCap int) ([]Hit, Count, error)
	// NewRecords returns records of kind created in [from, to), oldest
	// first, after (at, id) when after is set, at most limit, each with
	// its search text (normalised) as Text.
	NewRecords(ctx context.Context, kind Kind, from, to time.Time, after *Cursor, limit int) ([]Hit, error)

	CreateSavedSearch(ctx context.Context, s *Saved) error
	SavedSearches(ctx context.Context, userID int64) ([]Saved, error)
	SavedSearch(ctx context.Context, userID, id int64) (*Saved, error)
	DeleteSavedSearch(ctx context.Context, userID, id int64) error
	// AllSavedSearches returns every saved search, for the matching job.
	AllSavedSearches(ctx context.Context) ([]Saved, error)
	// RecordMatches stores the matches of one search (a match already
	// stored is left alone) and moves its checked_to to checkedTo; it
	// returns how many matches were new.
	RecordMatches(ctx context.Context, searchID int64, ms []Match, checkedTo time.Time) (int, error)
	// Matches returns a search's matches, unseen first, newest first, with
	// what the list shows of each record.
	Matches(ctx context.Context, searchID int64, limit int) ([]MatchRow, error)
	MarkSeen(ctx context.Context, userID, searchID int64) error
	User(ctx context.Context, id int64) (*auth.User, error)
}

// Notifier tells an officer that a saved search has new matches. The mail
// names the saved search and the count, never a record's content.
type Notifier interface {
	NotifySavedSearch(ctx context.Context, to, language, name string, n int) error
}

// Service is the search capability.
type Service struct {
	store    Store
	access   *access.Decider
	tree     func() *org.Tree
	clock    koban.Clock
	loc      *time.Location
	log      *slog.Logger
	notifier Notifier
}

// NewService wires the search service; loc is the zone in which date
// filters name days.
func NewService(st Store, d *access.Decider, tree func() *org.Tree, clock koban.Clock, loc *time.Location, log *slog.Logger) *Service {
	if loc == nil {
		loc = time.UTC
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, access: d, tree: tree, clock: clock, loc: loc, log: log}
}

// SetNotifier makes new matches of searches saved with notify_mail send an
// e-mail to their owner.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// Notifies tells whether saved searches can send e-mail.
func (s *Service) Notifies() bool { return s.notifier != nil }

// Location is the zone date filters are read in.
func (s *Service) Location() *time.Location { return s.loc }

// Limits on a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// plan is a query ready for the store: its terms, the marks for snippets
// and its filters per kind.
type plan struct {
	filters []Filter
	marks   []string
}

// prepare validates q and builds the store filters p's search runs.
func (s *Service) prepare(p auth.Principal, q Query) (plan, error) {
	var pl plan
	terms, marks, err := intake.QueryTerms(q.Text)
	if err != nil {
		return pl, err
	}
	pl.marks = marks
	var owners []int64
	if q.Org != "" {
		tree := s.tree()
		o, ok := tree.ByCode(q.Org)
		if !ok {
			o, ok = tree.ForPrefecture(q.Org)
		}
		if !ok {
			return pl, &koban.Error{Code: koban.Invalid, Key: "search.error.org", Field: "org"}
		}
		owners = tree.Visible(o.ID)
		if owners == nil {
			owners = []int64{}
		}
	}
	kinds := q.Kinds
	if len(kinds) == 0 {
		kinds = Kinds
	}
	for _, k := range kinds {
		scope := s.access.ScopeOf(p, k.AccessType(), access.View)
		if scope.None {
			continue
		}
		pl.filters = append(pl.filters, Filter{Kind: k, Scope: scope, Terms: terms, Owners: owners, Status: q.Status,
			Category: q.Category, From: q.From, To: q.To})
	}
	if len(pl.filters) == 0 {
		return pl, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return pl, nil
}

// Search finds the records p may view that match q, newest first, a page
// of limit after the cursor (nil: the first page), with the bounded total
// and facets. Like report search it lists no contact details and is not
// audited; opening a record is.
func (s *Service) Search(ctx context.Context, p auth.Principal, q Query, after *Cursor, limit int) (Result, error) {
	var res Result
	pl, err := s.prepare(p, q)
	if err != nil {
		return res, err
	}
	limit = cmp.Or(limit, DefaultLimit)
	limit = min(max(limit, 1), MaxLimit)
	res.Facets = Facets{ByKind: map[Kind]int{}, ByCategory: map[string]int{}, ByStatus: map[string]int{}}
	var hits []Hit
	var to *Cursor // the least far any kind was searched
	// The kinds are searched one after the other: at once, on 2 cores
	// with the page caches of three connections, they measured slower
	// (koban bench cases), not faster.
	for _, f := range pl.filters {
		f.After, f.Limit = after, limit+1
		got, c, err := s.store.SearchRecords(ctx, f, CountCap)
		if err != nil {
			return res, err
		}
		hits = append(hits, got...)
		if c.SearchedTo != nil && (to == nil || Less(*c.SearchedTo, *to)) {
			to = c.SearchedTo
		}
		res.Total += c.N
		res.Facets.ByKind[f.Kind] = c.N
		for k, n := range c.ByCategory {
			res.Facets.ByCategory[k] += n
		}
		for k, n := range c.ByStatus {
			res.Facets.ByStatus[k] += n
		}
		if c.Capped {
			res.TotalIsLowerBound, res.Facets.Partial = true, true
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		switch {
		case Less(a.Cursor(), b.Cursor()):
			return -1
		case Less(b.Cursor(), a.Cursor()):
			return 1
		}
		return 0
	})
	if to != nil {
		// Every kind was searched up to to: what lies beyond it is found
		// on the next page.
		n := 0
		for _, h := range hits {
			if !Less(*to, h.Cursor()) {
				hits[n] = h
				n++
			}
		}
		hits = hits[:n]
	}
	switch {
	case len(hits) > limit:
		hits = hits[:limit]
		c := hits[limit-1].Cursor()
		res.Next = &c
	case to != nil:
		res.Next, res.SearchedTo = to, to.At
	}
	for i := range hits {
		hits[i].Snippet = intake.Excerpt(hits[i].Text, pl.marks, intake.SnippetRunes)
		hits[i].Text = ""
	}
	res.Hits = hits
	return res, nil
}
