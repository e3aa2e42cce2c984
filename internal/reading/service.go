package reading

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// FetchJob is the job kind of a feed's scheduled fetch.
const FetchJob = "reading.fetch"

// Limits of what a feed may say.
const (
	MinEvery     = 15 * time.Minute
	MaxEvery     = 7 * 24 * time.Hour
	DefaultEvery = time.Hour
	// DefaultMaxBody is the largest feed read; a longer one is refused,
	// never cut (JPCERT/CC's and IPA's are tens of kilobytes).
	DefaultMaxBody = 4 << 20
	// PageSize is how many items a page of the list shows.
	PageSize = 50
	maxName  = 200
	maxURL   = 2000
)

// Suggestion is a feed the page offers to follow with one click.
type Suggestion struct {
	Key  string // the catalog key of what it is, in the reader's language
	Name string
	URL  string
}

// Suggestions are the feeds every prefectural cyber unit reads: JPCERT/CC's
// new alerts and information, and IPA's important security information.
var Suggestions = []Suggestion{
	{Key: "reading.suggest.jpcert", Name: "JPCERT/CC", URL: "https://www.jpcert.or.jp/rss/jpcert.rdf"},
	{Key: "reading.suggest.ipa", Name: "IPA", URL: "https://www.ipa.go.jp/security/alert-rss.rdf"},
}

// Options are the service's settings.
type Options struct {
	// Zone is the time zone of dates a feed writes without one
	// (KOBAN_TIMEZONE); nil is Asia/Tokyo's +09:00.
	Zone *time.Location
	// MaxBody is the largest feed read; 0 is DefaultMaxBody.
	MaxBody int64
}

// Service is the reading list's one way in.
type Service struct {
	store  Store
	jobs   *jobs.Runner
	egress *egress.Client
	tree   func() *org.Tree
	clock  koban.Clock
	log    *slog.Logger
	opts   Options
}

// NewService returns a Service and registers its fetch job with the runner.
func NewService(st Store, r *jobs.Runner, eg *egress.Client, tree func() *org.Tree, clock koban.Clock, log *slog.Logger, o Options) *Service {
	if log == nil {
		log = slog.Default()
	}
	if o.Zone == nil {
		o.Zone = time.FixedZone("JST", 9*3600)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	s := &Service{store: st, jobs: r, egress: eg, tree: tree, clock: clock, log: log, opts: o}
	r.Handle(FetchJob, s.fetchJob)
	return s
}

// FeedInput is a feed to follow as an officer describes it.
type FeedInput struct {
	URL      string
	Name     string // "" is the address's host
	EveryMin string // minutes; "" is an hour
}

// read checks that p may read the list.
func read(p auth.Principal) error {
	if !p.Can(auth.PermIntelRead) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return nil
}

// CanManage tells whether p may change feed f (nil: add one): the
// permission, and f belongs to p's line.
func (s *Service) CanManage(p auth.Principal, f *Feed) bool {
	return p.Can(auth.PermReadingManage) && (f == nil || s.tree().Sees(p.OrgID, f.OrgID))
}

// AddFeed follows a feed for the officer's organisation and fetches it at
// once. Every problem of the form is reported at once; an address that is
// plainly not on the public internet (and not allowed) is refused here,
// one whose name leads there at its first fetch.
func (s *Service) AddFeed(ctx context.Context, p auth.Principal, in FeedInput) (*Feed, error) {
	if !s.CanManage(p, nil) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	now := s.clock.Now()
	f := &Feed{OrgID: p.OrgID, Name: strings.TrimSpace(in.Name), Every: DefaultEvery, Enabled: true, Gen: 1, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	var bad koban.Problems
	raw := strings.TrimSpace(in.URL)
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(raw) > maxURL:
		bad.Add("url", "reading.error.url")
	case s.egress.CheckURL(u) != nil:
		bad.Add("url", "reading.error.refused")
	default:
		u.Fragment = ""
		f.URL = u.String()
		if f.Name == "" {
			f.Name = u.Hostname()
		}
	}
	if utf8.RuneCountInString(f.Name) > maxName {
		bad.Add("name", "reading.error.name")
	}
	if m := strings.TrimSpace(in.EveryMin); m != "" {
		n, err := strconv.Atoi(m)
		if d := time.Duration(n) * time.Minute; err != nil || d < MinEvery || d > MaxEvery {
			bad.Add("every", "reading.error.every")
		} else {
			f.Every = d
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	e := audit.Entry{Actor: p.Actor(), Action: "reading.feed_add", Detail: map[string]any{"url": f.URL, "name": f.Name, "every_min": int(f.Every.Minutes())}}
	if err := s.store.CreateReadingFeed(ctx, f, e); err != nil {
		return nil, err
	}
	if err := s.schedule(ctx, f, now); err != nil {
		return nil, err
	}
	return f, nil
}

// schedule queues the feed's fetch job of its generation.
func (s *Service) schedule(ctx context.Context, f *Feed, at time.Time) error {
	_, err := s.jobs.Enqueue(ctx, jobs.New{Kind: FetchJob, Key: feedKey(f), Payload: fetchPayload{Feed: f.ID, Gen: f.Gen}, RunAt: at})
	return err
}

func feedKey(f *Feed) string {
	return "feed:" + strconv.FormatInt(f.ID, 10) + ":" + strconv.FormatInt(f.Gen, 10)
}

// owned loads a feed that p may change.
func (s *Service) owned(ctx context.Context, p auth.Principal, id int64) (*Feed, error) {
	if !p.Can(auth.PermReadingManage) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	f, err := s.store.ReadingFeed(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.CanManage(p, f) {
		return nil, koban.Errorf(koban.Forbidden, "reading.error.not_yours")
	}
	return f, nil
}

// SetEnabled stops following a feed (its items stay on the list) or
// follows it again, fetching it at once; audited. Asking for the state a
// feed is in changes nothing.
func (s *Service) SetEnabled(ctx context.Context, p auth.Principal, id int64, enabled bool) (*Feed, error) {
	f, err := s.owned(ctx, p, id)
	if err != nil || f.Enabled == enabled {
		return f, err
	}
	action := "reading.feed_disable"
	if enabled {
		action = "reading.feed_enable"
	}
	now := s.clock.Now()
	f, err = s.store.SetReadingFeedEnabled(ctx, id, enabled, now, audit.Entry{Actor: p.Actor(), Action: action, Detail: map[string]any{"url": f.URL}})
	if err != nil {
		return nil, err
	}
	if enabled {
		if err := s.schedule(ctx, f, now); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Remove stops following a feed and takes its items off the list;
// audited.
func (s *Service) Remove(ctx context.Context, p auth.Principal, id int64) error {
	f, err := s.owned(ctx, p, id)
	if err != nil {
		return err
	}
	return s.store.DeleteReadingFeed(ctx, id, audit.Entry{Actor: p.Actor(), Action: "reading.feed_remove",
		Detail: map[string]any{"url": f.URL, "name": f.Name}})
}

// Feeds lists every feed followed, by name.
func (s *Service) Feeds(ctx context.Context, p auth.Principal) ([]*Feed, error) {
	if err := read(p); err != nil {
		return nil, err
	}
	return s.store.ReadingFeeds(ctx)
}

// Page is one page of the reading list.
type Page struct {
	Items []*Item
	// Next is the cursor of the page after this one; "" on the last.
	Next string
}

// List returns a page of the reading list, newest first: every feed's
// items or one feed's (feedID), after the cursor (from a Page's Next; ""
// or one that cannot be read starts from the newest).
func (s *Service) List(ctx context.Context, p auth.Principal, feedID int64, cursor string) (*Page, error) {
	if err := read(p); err != nil {
		return nil, err
	}
	items, err := s.store.ReadingItems(ctx, Query{FeedID: feedID, After: ParseCursor(cursor), Limit: PageSize + 1})
	if err != nil {
		return nil, err
	}
	pg := &Page{Items: items}
	if len(items) > PageSize {
		pg.Items = items[:PageSize]
		last := pg.Items[PageSize-1]
		pg.Next = Cursor{At: last.At, ID: last.ID}.String()
	}
	return pg, nil
}

// String writes a cursor for a link: microseconds and id.
func (c Cursor) String() string {
	return strconv.FormatInt(c.At.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads a cursor String wrote; anything else is the zero
// cursor (the newest page).
func ParseCursor(s string) Cursor {
	at, id, ok := strings.Cut(s, ".")
	if !ok {
		return Cursor{}
	}
	us, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || us == 0 || n <= 0 {
		return Cursor{}
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: n}
}
