package search

// Saved searches. A background job (MatchSaved, run once a minute by one
// server through app.RunJob) reads the records stored since its last run
// once, and matches every saved search against them in memory: the cost is
// one pass over the new records per minute (a few thousand at hundreds of
// reports a second), not one query per saved search per report, which a
// hook on every new report would cost in a campaign's burst. The window
// reaches back Overlap before the last run, so that a record whose
// transaction committed late (its created_at is taken before the commit)
// is still seen; a match already recorded is not recorded or told again.
//
// Before a match is recorded, the owner's access is decided for that
// record at that moment (access.Decider.Can, view): an owner is never told
// of a record they may not see. The list of matches is checked again when
// it is read, as access may have been withdrawn since.

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// Saved is a saved search.
type Saved struct {
	ID         int64
	UserID     int64
	Name       string
	Query      string // the search page's query string (Query.Values)
	NotifyMail bool
	CreatedAt  time.Time
	CheckedTo  time.Time // records created before this were matched
	New        int       // matches not yet seen (filled by SavedSearches)
}

// Match is a record that matched a saved search.
type Match struct {
	Kind      Kind
	RecordID  int64
	At        time.Time // the record's creation
	MatchedAt time.Time
}

// MatchRow is a match as its list shows it.
type MatchRow struct {
	Match
	Seen  bool
	OrgID int64
	Label string // receipt or case number
	Title string // a case's title, a report's first words
	// CaseID is the case a note belongs to (where its link goes).
	CaseID int64
}

// Limits on saved searches.
const (
	MaxSaved     = 50 // per officer
	MaxSavedName = 100
	// Overlap is how far back each run of the job looks before the last.
	Overlap = 2 * time.Minute
)

// Save keeps q as a saved search of p named name; new records that match it
// from now on are recorded for p.
func (s *Service) Save(ctx context.Context, p auth.Principal, name string, q Query, notifyMail bool) (*Saved, error) {
	if _, err := s.prepare(p, q); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = q.Text
	}
	if utf8.RuneCountInString(name) > MaxSavedName || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
		return nil, &koban.Error{Code: koban.Invalid, Key: "savedsearch.error.name", Field: "name"}
	}
	have, err := s.store.SavedSearches(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if len(have) >= MaxSaved {
		return nil, &koban.Error{Code: koban.Invalid, Key: "savedsearch.error.too_many", Field: "name"}
	}
	now := s.clock.Now()
	sv := &Saved{UserID: p.UserID, Name: name, Query: q.Values().Encode(), NotifyMail: notifyMail && s.notifier != nil,
		CreatedAt: now, CheckedTo: now}
	if err := s.store.CreateSavedSearch(ctx, sv); err != nil {
		return nil, fmt.Errorf("save search: %w", err)
	}
	return sv, nil
}

// SavedSearches lists p's saved searches with their unseen matches counted.
func (s *Service) SavedSearches(ctx context.Context, p auth.Principal) ([]Saved, error) {
	return s.store.SavedSearches(ctx, p.UserID)
}

// Delete removes one of p's saved searches and its matches.
func (s *Service) Delete(ctx context.Context, p auth.Principal, id int64) error {
	return s.store.DeleteSavedSearch(ctx, p.UserID, id)
}

// MatchesOf returns one of p's saved searches and its matches (those p may
// still view), unseen first.
func (s *Service) MatchesOf(ctx context.Context, p auth.Principal, id int64) (*Saved, []MatchRow, error) {
	sv, err := s.store.SavedSearch(ctx, p.UserID, id)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.store.Matches(ctx, id, 200)
	if err != nil {
		return nil, nil, err
	}
	out := rows[:0]
	for _, m := range rows {
		ok, err := s.access.Can(ctx, p, access.View, access.Object{Type: m.Kind.AccessType(), ID: m.objectID(), OrgID: m.OrgID})
		if err != nil {
			return nil, nil, err
		}
		if ok {
			out = append(out, m)
		}
	}
	return sv, out, nil
}

// objectID is the record access is decided on: a note's case.
func (m MatchRow) objectID() int64 {
	if m.Kind == Note {
		return m.CaseID
	}
	return m.RecordID
}

// MarkSeen marks every match of one of p's saved searches as seen.
func (s *Service) MarkSeen(ctx context.Context, p auth.Principal, id int64) error {
	return s.store.MarkSeen(ctx, p.UserID, id)
}

// saved is a saved search ready to match: its query, terms and owners.
type saved struct {
	Saved
	q      Query
	terms  []string
	owners []int64 // nil: any
	p      auth.Principal
	ok     bool // the owner exists and may search
	found  []Match
}

// MatchSaved runs every saved search over the records stored since its last
// run (Overlap before it) up to now, records the matches each owner may
// view, and sends the e-mails asked for. It returns how many new matches it
// recorded.
func (s *Service) MatchSaved(ctx context.Context) (int, error) {
	all, err := s.store.AllSavedSearches(ctx)
	if err != nil || len(all) == 0 {
		return 0, err
	}
	now := s.clock.Now()
	from := now
	list := make([]*saved, 0, len(all))
	users := map[int64]*auth.User{}
	for _, sv := range all {
		x := &saved{Saved: sv}
		list = append(list, x)
		from = minTime(from, sv.CheckedTo.Add(-Overlap))
		u, ok := users[sv.UserID]
		if !ok {
			if u, err = s.store.User(ctx, sv.UserID); err != nil && koban.ErrorCode(err) != koban.NotFound {
				return 0, err
			}
			users[sv.UserID] = u
		}
		if u == nil || u.Disabled {
			continue
		}
		x.p = auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role}
		v, _ := url.ParseQuery(sv.Query)
		q, err := FromValues(v, s.loc)
		if err != nil {
			continue
		}
		pl, err := s.prepare(x.p, q)
		if err != nil {
			continue // a search its owner may no longer run finds nothing
		}
		x.q, x.terms, x.owners, x.ok = q, pl.filters[0].Terms, pl.filters[0].Owners, true
	}
	for _, k := range Kinds {
		var after *Cursor
		for {
			recs, err := s.store.NewRecords(ctx, k, from, now, after, 2000)
			if err != nil {
				return 0, err
			}
			for _, r := range recs {
				for _, x := range list {
					if x.ok && x.matches(r) {
						ok, err := s.access.Can(ctx, x.p, access.View, access.Object{Type: k.AccessType(), ID: objectOf(r), OrgID: r.OrgID})
						if err != nil {
							return 0, err
						}
						if ok {
							x.found = append(x.found, Match{Kind: k, RecordID: r.ID, At: r.At, MatchedAt: now})
						}
					}
				}
			}
			if len(recs) < 2000 {
				break
			}
			c := recs[len(recs)-1].Cursor()
			after = &c
		}
	}
	total := 0
	for _, x := range list {
		n, err := s.store.RecordMatches(ctx, x.ID, x.found, now)
		if err != nil {
			return total, err
		}
		total += n
		if n > 0 && x.NotifyMail && s.notifier != nil {
			if u := users[x.UserID]; u != nil {
				if err := s.notifier.NotifySavedSearch(ctx, u.Email, "", x.Name, n); err != nil {
					s.log.Warn("saved search mail", "search", x.ID, "err", err)
				}
			}
		}
	}
	return total, nil
}

func objectOf(h Hit) int64 {
	if h.Kind == Note {
		return h.CaseID
	}
	return h.ID
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// matches is the store's search, in memory, for one new record: its kind
// asked for, created after the search was saved and within the window
// since the last check, every term in its search text and every filter met.
func (x *saved) matches(r Hit) bool {
	if !r.At.After(x.CreatedAt) || r.At.Before(x.CheckedTo.Add(-Overlap)) {
		return false
	}
	switch {
	case len(x.q.Kinds) > 0 && !slices.Contains(x.q.Kinds, r.Kind),
		x.q.Status != "" && r.Status != x.q.Status,
		x.q.Category != "" && r.Category != x.q.Category,
		x.owners != nil && !slices.Contains(x.owners, r.OrgID),
		!x.q.From.IsZero() && r.At.Before(x.q.From),
		!x.q.To.IsZero() && !r.At.Before(x.q.To):
		return false
	}
	for _, t := range x.terms {
		if !strings.Contains(r.Text, t) {
			return false
		}
	}
	return true
}
