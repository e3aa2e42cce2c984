// Package patrol is koban's cyber patrol (サイバーパトロール): watch items
// that police organisations keep — pages fetched on a schedule, phrases and
// expressions looked for in what is fetched — and the captures each fetch
// leaves as evidence.
//
// Each fetchable item is one recurring job of the job layer (package jobs,
// kind FetchJob, key "item:<id>"), so that a hundred thousand items spread
// over every server and survive restarts. Fetching is polite (RFC 9309):
// robots.txt is read at most once a day per host and obeyed (a missing one
// allows everything, one that cannot be read forbids everything until it
// can), requests to one host are at least a second apart across every
// server (the host's next slot is reserved in the database before a
// request goes), Crawl-delay and Retry-After push that slot further, and
// koban names itself in its User-Agent with a contact address. The covert
// profile (a browser's User-Agent, no contact) needs its own permission and
// is audited. Every fetch goes through koban's egress client: no private
// addresses, the proxy, the size and time limits.
//
// A capture keeps the body in the file store by SHA-256, the headers, the
// redirect chain, when, how long and by which route; its row is never
// changed. Captures no finding names go after their retention (the item's,
// else its tags', else 90 days; retention.go) unless their item is under
// legal hold. Once the captures fill their quota (KOBAN_PATROL_QUOTA;
// quota.go) a body the file store does not hold already is not kept.
package patrol

import (
	"context"
	"encoding/json"
	"time"

	"github.com/koban-project/koban/internal/audit"
)

// CaptureRetention is how long a capture no finding names is kept when
// neither its item nor one of the item's tags says otherwise (see Retain;
// its item's latest capture stays whatever its age).
const CaptureRetention = 90 * 24 * time.Hour

// Kinds of watch item.
const (
	KindURL     = "url"     // a page fetched as it is
	KindDomain  = "domain"  // the site's front page (https://<domain>/)
	KindAccount = "account" // an account's public page on a platform
	KindPhrase  = "phrase"  // a phrase looked for in every capture
	KindRegex   = "regex"   // an RE2 expression looked for in every capture
)

// Fetched reports whether items of the kind are fetched (the others are
// matched).
func Fetched(kind string) bool { return kind == KindURL || kind == KindDomain || kind == KindAccount }

// Profiles a page is fetched with.
const (
	ProfileDefault = "default" // koban's User-Agent with a contact address
	ProfileCovert  = "covert"  // a common browser's User-Agent
)

// Item is one watch item.
type Item struct {
	ID        int64
	OrgID     int64
	Kind      string
	Target    string
	Label     string
	Tags      []string
	Every     time.Duration
	Profile   string
	Enabled   bool
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// The last fetch.
	LastCheckedAt time.Time
	LastStatus    int
	LastError     string
	LastSHA256    string
	// Retention is how long its captures no finding names are kept; 0
	// leaves it to its tags and then CaptureRetention (see Retain). Hold
	// keeps every one of them (a legal hold).
	Retention time.Duration
	Hold      bool
}

// Host is the politeness koban keeps per host, shared by every server.
type Host struct {
	Name         string
	NextAt       time.Time
	Delay        time.Duration
	Robots       string
	RobotsStatus int // 0 not read yet; the HTTP status; -1 unreachable
	RobotsAt     time.Time
}

// Capture is one fetch kept as evidence.
type Capture struct {
	ID          int64
	ItemID      int64
	OrgID       int64
	URL         string
	FinalURL    string
	Status      int
	ContentType string
	Headers     json.RawMessage // the response's headers
	Redirects   []string        // every URL redirected through, first to last
	SHA256      string
	Size        int64
	// ScreenshotSHA256 names the PNG of the page rendered offline by
	// headless chromium; "" when there is none (no chromium, not HTML).
	ScreenshotSHA256 string
	ScreenshotSize   int64 // 0 for captures kept before sizes were
	Profile          string
	UserAgent        string
	Route            string // direct | proxy
	FetchedAt        time.Time
	Duration         time.Duration
	Changed          bool // the body differs from the item's previous capture
}

// Alarm levels of the capture quota (KOBAN_PATROL_QUOTA), in per cent of
// it. At QuotaWarn the patrol pages warn those who manage patrol; at
// QuotaFull a fetched body that is not stored already is not kept (the
// fetch is recorded on its item all the same). Nothing kept is deleted
// because of the quota.
const (
	QuotaQuiet = 0
	QuotaWarn  = 80
	QuotaFull  = 100
)

// Usage is one measurement of what patrol's kept captures take in the file
// store (quota.go).
type Usage struct {
	Used  int64 // bytes, each file once
	Level int   // the alarm level in force after the measurement
	At    time.Time
}

// Store keeps watch items, hosts and captures.
type Store interface {
	CreatePatrolItem(ctx context.Context, it *Item, e audit.Entry) error
	PatrolItem(ctx context.Context, id int64) (*Item, error)
	PatrolItems(ctx context.Context, orgs []int64, limit int) ([]*Item, error)
	// ReserveHost takes the host's next request slot if it is free at now
	// (moving it on by the host's delay) and reports when the slot after
	// it is; when the slot is not free it reports when it will be.
	ReserveHost(ctx context.Context, host string, now time.Time) (bool, time.Time, error)
	PatrolHost(ctx context.Context, host string) (*Host, error)
	// SetHostRobots records a robots.txt read (its text, status and delay).
	SetHostRobots(ctx context.Context, host, robots string, status int, delay time.Duration, at time.Time) error
	// DeferHost moves the host's next slot to at least until (Retry-After).
	DeferHost(ctx context.Context, host string, until time.Time) error
	// AddCapture stores a capture and the item's last fetch in one
	// transaction.
	AddCapture(ctx context.Context, c *Capture) error
	// CheckedItem records a fetch that left no capture (refused, failed).
	CheckedItem(ctx context.Context, itemID int64, at time.Time, status int, errText string) error
	// SetHold puts an item's captures under legal hold, or lifts it.
	SetHold(ctx context.Context, itemID int64, hold bool, e audit.Entry) error
	// TagRetentions lists the tag retentions of the organisations, by
	// organisation and tag.
	TagRetentions(ctx context.Context, orgs []int64) ([]TagRetention, error)
	// SetTagRetention sets an organisation's retention for a tag (or
	// replaces it), with the audit entry, to which it adds the days set
	// before (0: none).
	SetTagRetention(ctx context.Context, r *TagRetention, e audit.Entry) error
	// RemoveTagRetention removes an organisation's retention for a tag,
	// with the audit entry; NotFound when none is set.
	RemoveTagRetention(ctx context.Context, orgID int64, tag string, e audit.Entry) error
	// PatrolUsage measures the bytes the kept captures' bodies and
	// screenshots take in the file store, each file once.
	PatrolUsage(ctx context.Context) (int64, error)
	// RecordPatrolUsage records a measurement and the alarm level in force
	// after it, and returns the level in force before (0 the first time).
	RecordPatrolUsage(ctx context.Context, u Usage) (int, error)
	// LastPatrolUsage returns the latest measurement; NotFound before the
	// first.
	LastPatrolUsage(ctx context.Context) (Usage, error)
	Captures(ctx context.Context, itemID int64, limit int) ([]*Capture, error)
	Capture(ctx context.Context, id int64) (*Capture, error)
	Audit(ctx context.Context, e audit.Entry) error
	FindingStore
}
