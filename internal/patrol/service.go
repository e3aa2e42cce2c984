package patrol

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/buildinfo"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
)

// FetchJob is the job kind of a fetchable item's scheduled fetch.
const FetchJob = "patrol.fetch"

// Limits of what an item may say.
const (
	MinEvery     = 10 * time.Minute
	MaxEvery     = 30 * 24 * time.Hour
	DefaultEvery = 24 * time.Hour
	maxTarget    = 2000
	maxLabel     = 200
	maxBody      = 16 << 20 // a page kept as evidence
)

// Options are the service's settings.
type Options struct {
	// Contact is the address koban's User-Agent names, for a site's
	// operator to reach the police (KOBAN_BASE_URL, else the project).
	Contact string
	// Version is koban's version, in the User-Agent (default: buildinfo.Version()).
	Version string
	// Proxied says fetches go through KOBAN_EGRESS_PROXY (the capture's
	// route).
	Proxied bool
}

// Service is cyber patrol's one way in.
type Service struct {
	store    Store
	findings FindingStore
	reporter Reporter
	cases    Cases // tocase.go
	shooter  Shooter
	mu       sync.Mutex
	matchers map[int64]compiled // by organisation (findings.go)
	quota    quota              // the capture quota (quota.go)
	access   *access.Decider
	jobs     *jobs.Runner
	blobs    *blob.Store
	egress   *egress.Client
	tree     func() *org.Tree
	clock    koban.Clock
	log      *slog.Logger
	opts     Options
}

// NewService returns a Service and registers its fetch job with the runner.
func NewService(st Store, d *access.Decider, r *jobs.Runner, blobs *blob.Store, eg *egress.Client, tree func() *org.Tree, clock koban.Clock, log *slog.Logger, o Options) *Service {
	if log == nil {
		log = slog.Default()
	}
	if o.Contact == "" {
		o.Contact = "https://github.com/koban-project/koban"
	}
	if o.Version == "" {
		o.Version = buildinfo.Version()
	}
	s := &Service{store: st, findings: st, matchers: map[int64]compiled{}, access: d, jobs: r, blobs: blobs, egress: eg, tree: tree, clock: clock, log: log, opts: o}
	r.Handle(FetchJob, s.fetchJob)
	return s
}

// SetShooter makes captures of HTML pages come with a screenshot (nil:
// none).
func (s *Service) SetShooter(sh Shooter) { s.shooter = sh }

// UserAgent is what koban says it is when it fetches with the default
// profile.
func (s *Service) UserAgent() string {
	return "koban/" + s.opts.Version + " (police cyber patrol; +" + s.opts.Contact + ")"
}

// covertAgent is a common browser's User-Agent.
const covertAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// ItemInput is a new watch item as an officer describes it.
type ItemInput struct {
	Kind     string
	Target   string
	Label    string
	Tags     string // separated by spaces or commas
	EveryMin string // minutes; "" is a day
	Profile  string // "" is default
	OrgCode  string // "" is the officer's own
	// RetentionDays keeps its captures no finding names this many days;
	// "" leaves it to its tags' retention, then CaptureRetention.
	RetentionDays string
}

// manage checks that p may manage patrol for the organisation orgID.
func (s *Service) manage(p auth.Principal, orgID int64) error {
	if !p.Can(auth.PermPatrolManage) || !s.tree().Sees(p.OrgID, orgID) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return nil
}

// CreateItem adds a watch item for the officer's organisation (or one
// below it) and, for a page to fetch, schedules its first fetch now. Every
// problem of the form is reported at once.
func (s *Service) CreateItem(ctx context.Context, p auth.Principal, in ItemInput) (*Item, error) {
	now := s.clock.Now()
	it := &Item{OrgID: p.OrgID, Kind: in.Kind, Label: strings.TrimSpace(in.Label), Every: DefaultEvery, Profile: ProfileDefault,
		Enabled: true, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	var bad koban.Problems
	if in.OrgCode != "" {
		o, ok := s.tree().ByCode(in.OrgCode)
		if !ok || o.Kind == org.KindPartner {
			bad.Add("org", "patrol.error.org_unknown")
		} else {
			it.OrgID = o.ID
		}
	}
	if err := s.manage(p, it.OrgID); err != nil {
		return nil, err
	}
	target := strings.TrimSpace(in.Target)
	switch in.Kind {
	case KindURL, KindAccount:
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(target) > maxTarget {
			bad.Add("target", "patrol.error.url")
		} else {
			u.Fragment = ""
			target = u.String()
		}
	case KindDomain:
		d, err := observe.Normalize(observe.Domain, target)
		if err != nil {
			bad.Add("target", "patrol.error.domain")
		}
		target = d
	case KindPhrase, KindRegex:
		if target == "" || utf8.RuneCountInString(target) > 500 {
			bad.Add("target", "patrol.error.phrase")
		}
	default:
		bad.Add("kind", "patrol.error.kind")
	}
	it.Target = target
	if utf8.RuneCountInString(it.Label) > maxLabel {
		bad.Add("label", "patrol.error.label")
	}
	it.Tags = SplitTags(in.Tags)
	if in.EveryMin != "" {
		m, err := strconv.Atoi(strings.TrimSpace(in.EveryMin))
		if d := time.Duration(m) * time.Minute; err != nil || d < MinEvery || d > MaxEvery {
			bad.Add("every", "patrol.error.every")
		} else {
			it.Every = d
		}
	}
	if d := strings.TrimSpace(in.RetentionDays); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < MinRetentionDays || n > MaxRetentionDays {
			bad.Add("retention", "patrol.error.retention")
		} else {
			it.Retention = time.Duration(n) * 24 * time.Hour
		}
	}
	switch in.Profile {
	case "", ProfileDefault:
	case ProfileCovert:
		if !p.Can(auth.PermPatrolCovert) {
			bad.Add("profile", "patrol.error.covert")
		}
		it.Profile = ProfileCovert
	default:
		bad.Add("profile", "patrol.error.profile")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	e := audit.Entry{Actor: p.Actor(), Action: "patrol.item_create", Detail: map[string]any{"kind": it.Kind, "target": it.Target,
		"profile": it.Profile, "every_min": int(it.Every.Minutes())}}
	if err := s.store.CreatePatrolItem(ctx, it, e); err != nil {
		return nil, err
	}
	if Fetched(it.Kind) {
		if _, err := s.jobs.Enqueue(ctx, jobs.New{Kind: FetchJob, Key: itemKey(it.ID), Payload: fetchPayload{Item: it.ID}, RunAt: now}); err != nil {
			return nil, err
		}
	}
	return it, nil
}

func itemKey(id int64) string { return "item:" + strconv.FormatInt(id, 10) }

// Items lists the watch items of the officer's line, newest first.
func (s *Service) Items(ctx context.Context, p auth.Principal) ([]*Item, error) {
	if !p.Can(auth.PermPatrolRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return s.store.PatrolItems(ctx, s.tree().Visible(p.OrgID), 500)
}

// ItemView is an item with its latest captures and how long they are
// kept.
type ItemView struct {
	*Item
	Captures []*Capture
	Kept     Kept
}

// Item returns one item of the officer's line with its latest captures;
// one outside the line is answered like a missing one.
func (s *Service) Item(ctx context.Context, p auth.Principal, id int64) (*ItemView, error) {
	if !p.Can(auth.PermPatrolRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	it, err := s.store.PatrolItem(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.tree().Sees(p.OrgID, it.OrgID) {
		return nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	caps, err := s.store.Captures(ctx, id, 20)
	if err != nil {
		return nil, fmt.Errorf("captures: %w", err)
	}
	tags, err := s.store.TagRetentions(ctx, []int64{it.OrgID})
	if err != nil {
		return nil, fmt.Errorf("tag retentions: %w", err)
	}
	return &ItemView{Item: it, Captures: caps, Kept: Retain(it, tags)}, nil
}

// CaptureBody opens a capture's body (or its screenshot) for an officer of
// the owner's line,
// checked against its SHA-256 as it is read, and audits the read (a
// capture is evidence). The caller closes the reader.
func (s *Service) CaptureBody(ctx context.Context, p auth.Principal, id int64, screenshot bool) (*Capture, *blob.Reader, error) {
	if !p.Can(auth.PermPatrolRead) {
		return nil, nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	c, err := s.store.Capture(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !s.tree().Sees(p.OrgID, c.OrgID) {
		return nil, nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	sum := c.SHA256
	if screenshot {
		if sum = c.ScreenshotSHA256; sum == "" {
			return nil, nil, koban.Errorf(koban.NotFound, "error.not_found")
		}
	}
	if err := s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "patrol.capture_download", ObjectType: "patrol_capture",
		ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"sha256": sum, "url": c.URL, "screenshot": screenshot}}); err != nil {
		return nil, nil, err
	}
	r, err := s.blobs.Open(sum)
	if err != nil {
		return nil, nil, err
	}
	return c, r, nil
}

// SetHold puts an item's captures under legal hold (none of them is
// deleted, whatever its age) or lifts it; audited.
func (s *Service) SetHold(ctx context.Context, p auth.Principal, id int64, hold bool) error {
	it, err := s.store.PatrolItem(ctx, id)
	if err != nil {
		return err
	}
	if !s.tree().Sees(p.OrgID, it.OrgID) {
		return koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err := s.manage(p, it.OrgID); err != nil {
		return err
	}
	action := "patrol.hold"
	if !hold {
		action = "patrol.hold_lifted"
	}
	return s.store.SetHold(ctx, id, hold, audit.Entry{Actor: p.Actor(), Action: action})
}
