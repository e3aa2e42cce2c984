// Package reading is koban's reading list (issue 14, public awareness):
// the advisories other bodies publish — JPCERT/CC's and IPA's RSS 1.0
// feeds, and any RSS 2.0 or Atom 1.0 feed — gathered on one page, newest
// first, for the supervisors and analysts of a cyber unit.
//
// Parse reads a feed into entries: a stable id (rdf:about, guid or
// atom:id, else the link), a title and a summary made plain text and
// bounded, an http or https link, the dates and the language. Items that
// cannot be shown are dropped and named; a document that is no feed is a
// *ParseError that says why.
//
// Feeds are followed for the whole installation (what JPCERT/CC publishes is
// the same for every prefecture, so it is fetched once): each belongs to the
// organisation that added it, whose line (with reading.manage) may disable
// or remove it, and the reading list shows every feed's items to whoever
// reads intel. Each enabled feed is one recurring job of the job layer
// (kind FetchJob, key "feed:<id>:<gen>"; a key stays taken after its job
// is done, so enabling a feed again draws a new generation): a conditional
// GET through koban's egress client (no private addresses unless
// KOBAN_EGRESS_ALLOW says so, a size limit that fails rather than cuts),
// Retry-After honoured, failures recorded on the feed and spaced out.
// Items are stored once per feed and stable id; one whose title or date
// changed is updated in place.
package reading

import (
	"context"
	"time"

	"github.com/koban-project/koban/internal/audit"
)

// ObjectType names a feed in audit rows.
const ObjectType = "reading_feed"

// Feed is a feed koban follows.
type Feed struct {
	ID        int64
	OrgID     int64 // who follows it: the organisation whose line manages it
	URL       string
	Name      string
	Every     time.Duration
	Enabled   bool
	Gen       int64 // the generation of its fetch job, drawn anew when it is enabled again
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// Title is what the feed calls itself, from its last good fetch.
	Title string
	// The last fetch.
	ETag         string
	LastModified string
	CheckedAt    time.Time
	OKAt         time.Time // the last fetch that worked (a 304 included)
	NextAt       time.Time
	Status       int    // its HTTP status; 0 when none came
	LastError    string // locale.Keyed; "" when the last fetch worked
	Failures     int    // fetches failed in a row
	Dropped      []Dropped
	DroppedCount int // items the last good fetch left out; Dropped names the first MaxDroppedKept
	// Items is how many items koban keeps of it (when listed).
	Items int
}

// MaxDroppedKept is how many of a fetch's dropped items the feed names.
const MaxDroppedKept = 10

// Item is one item of a feed as kept.
type Item struct {
	ID          int64
	FeedID      int64
	FeedName    string // when listed
	GUID        string // the stable id within its feed
	Title       string
	Link        string
	Summary     string
	Language    string
	Published   time.Time
	Updated     time.Time
	At          time.Time // where the list puts it: see Entry.When
	FirstSeenAt time.Time
	ChangedAt   time.Time // its last update after the first; zero when none
}

// When is where an entry goes in the newest-first list: when it was
// published, else updated, else first seen (now), and never later than
// now — a date in the future would hold it at the top.
func (e Entry) When(now time.Time) time.Time {
	t := e.Published
	if t.IsZero() {
		t = e.Updated
	}
	if t.IsZero() || t.After(now) {
		t = now
	}
	return t
}

// revised is the entry's newest date.
func revised(published, updated time.Time) time.Time {
	if updated.After(published) {
		return updated
	}
	return published
}

// Changed reports whether a fetched entry updates the stored item: a new
// title, or a date later than the item's.
func Changed(old *Item, e Entry) bool {
	return old.Title != e.Title || revised(e.Published, e.Updated).After(revised(old.Published, old.Updated))
}

// Fetch is one fetch of a feed as the feed records it.
type Fetch struct {
	At     time.Time
	Status int
	OK     bool   // the feed answered with a feed (or 304)
	Error  string // locale.Keyed, when not OK
	// Validators: when set, ETag and LastModified replace the feed's
	// (emptied by a body that was no feed, so that the next fetch asks
	// for all of it).
	Validators   bool
	ETag         string
	LastModified string
	Failures     int
	NextAt       time.Time
	Title        string // "" keeps the feed's
	Dropped      []Dropped
	DroppedCount int
	// Parsed says the body was read as a feed: Dropped and DroppedCount
	// replace the feed's.
	Parsed bool
}

// Stored says what a fetch's entries did to the list.
type Stored struct {
	Added   int
	Updated int
}

// Cursor is where a page of the list stops: the last item's place.
type Cursor struct {
	At time.Time
	ID int64
}

// Query selects a page of the reading list, newest first.
type Query struct {
	FeedID int64  // 0: every feed
	After  Cursor // zero: from the newest
	Limit  int
}

// Store keeps feeds and their items.
type Store interface {
	// CreateReadingFeed stores a feed and its audit row; it sets f.ID. A
	// URL followed already is a Conflict (reading.error.duplicate).
	CreateReadingFeed(ctx context.Context, f *Feed, e audit.Entry) error
	// ReadingFeed returns one feed; NotFound when there is none.
	ReadingFeed(ctx context.Context, id int64) (*Feed, error)
	// ReadingFeeds lists every feed by name, with its item count.
	ReadingFeeds(ctx context.Context) ([]*Feed, error)
	// SetReadingFeedEnabled enables or disables a feed with its audit
	// row; enabling draws the next generation. NotFound when there is none.
	SetReadingFeedEnabled(ctx context.Context, id int64, enabled bool, at time.Time, e audit.Entry) (*Feed, error)
	// DeleteReadingFeed removes a feed and its items, with its audit row;
	// NotFound when there is none.
	DeleteReadingFeed(ctx context.Context, id int64, e audit.Entry) error
	// RecordReadingFetch records a fetch on the feed and stores its
	// entries (new ones added, changed ones updated) in one transaction;
	// NotFound when the feed is gone.
	RecordReadingFetch(ctx context.Context, feedID int64, entries []Entry, f Fetch) (Stored, error)
	// ReadingItems returns a page of items, newest first (At, then id).
	ReadingItems(ctx context.Context, q Query) ([]*Item, error)
}
