package vuln

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/vuln/cpe"
	"github.com/koban-project/koban/internal/vuln/inventory"
)

// Notifier tells an organisation's people of new alerts (the app's mail
// outbox).
type Notifier interface {
	NotifyVulnAlerts(ctx context.Context, orgID int64, alerts []*Alert) error
}

// Service is the vulnerability room's one way in.
type Service struct {
	store    Store
	jobs     *jobs.Runner
	egress   *egress.Client
	access   *access.Decider
	clock    koban.Clock
	log      *slog.Logger
	notifier Notifier
	tree     func() *org.Tree
	// namespace is the CSAF publisher namespace (SetNamespace).
	namespace string
	// feedDir is the folder local sources lie in (SetFeedDir).
	feedDir string
}

// NewService returns a Service and registers its import job with the
// runner (nil: no scheduled imports, as in `koban vuln import`).
func NewService(st Store, r *jobs.Runner, eg *egress.Client, d *access.Decider, clock koban.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: st, jobs: r, egress: eg, access: d, clock: clock, log: log}
	if r != nil {
		r.Handle(ImportJob, s.importJob)
	}
	return s
}

// SetNotifier makes new alerts mail their owners.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// alert hands new alerts to the notifier, by organisation. A failure to
// queue is logged: the alerts stay on the page.
func (s *Service) alert(ctx context.Context, alerts []*Alert) {
	if s.notifier == nil || len(alerts) == 0 {
		return
	}
	byOrg := map[int64][]*Alert{}
	for _, a := range alerts {
		byOrg[a.OrgID] = append(byOrg[a.OrgID], a)
	}
	for org, as := range byOrg {
		if err := s.notifier.NotifyVulnAlerts(ctx, org, as); err != nil {
			s.log.Warn("vuln: alert mail", "org", org, "err", err)
		}
	}
}

func need(p auth.Principal, perm auth.Permission) error {
	if !p.Can(perm) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return nil
}

// Limits of what officers write.
const (
	maxName  = 200
	maxNotes = 2000
	maxField = 500
	// PageSize is how many rows a list shows.
	PageSize = 200
)

// AssetInput is an asset as an officer describes it.
type AssetInput struct {
	Name     string
	Version  string
	CPE      string
	PURL     string
	Supplier string
	Exposure string
	Notes    string
	OrgID    int64 // 0: the officer's organisation
}

// checkAsset validates an asset for org; problems are added to bad with
// field names prefixed.
func checkAsset(in AssetInput, bad *koban.Problems) *Asset {
	a := &Asset{Name: strings.TrimSpace(in.Name), Version: strings.TrimSpace(in.Version), Supplier: strings.TrimSpace(in.Supplier),
		Notes: strings.TrimSpace(in.Notes), PURL: strings.TrimSpace(in.PURL)}
	if a.Name == "" || utf8.RuneCountInString(a.Name) > maxName {
		bad.Add("name", "vuln.error.name")
	}
	if c := strings.TrimSpace(in.CPE); c != "" {
		n, err := cpe.Parse(c)
		if err != nil {
			bad.Add("cpe", "vuln.error.cpe")
		} else {
			a.CPE, a.Product = n.FS(), productKey(n)
			if a.Version == "" {
				a.Version = n.Get(cpe.Version).Plain()
			}
		}
	}
	if a.CPE == "" && a.PURL != "" {
		if v, p := inventory.CPECandidate(a.PURL); v != "" && p != "" {
			a.Product = strings.ToLower(v + ":" + p)
		}
		if a.Version == "" {
			if _, ver, ok := strings.Cut(a.PURL, "@"); ok {
				ver, _, _ = strings.Cut(ver, "?")
				a.Version, _, _ = strings.Cut(ver, "#")
			}
		}
	}
	if a.CPE == "" && a.PURL == "" && strings.TrimSpace(in.CPE) == "" {
		bad.Add("cpe", "vuln.error.cpe_or_purl")
	}
	if utf8.RuneCountInString(a.Notes) > maxNotes || len(a.Supplier) > maxField || len(a.PURL) > maxField || len(a.Version) > maxField {
		bad.Add("notes", "vuln.error.too_long")
	}
	switch e := Exposure(strings.TrimSpace(in.Exposure)); e {
	case Internet, Internal, "":
		a.Exposure = e
	default:
		bad.Add("exposure", "vuln.error.exposure")
	}
	return a
}

// AddAsset adds an asset to the inventory of the officer's organisation
// (or of one in their line) and matches it against the dictionary at once.
func (s *Service) AddAsset(ctx context.Context, p auth.Principal, in AssetInput) (*Asset, error) {
	as, err := s.AddAssets(ctx, p, "manual", []AssetInput{in})
	if err != nil {
		return nil, err
	}
	return as[0], nil
}

// AddAssets adds assets of one origin (manual, csv, cyclonedx, spdx) in
// one transaction, all or none, and matches them.
func (s *Service) AddAssets(ctx context.Context, p auth.Principal, origin string, ins []AssetInput) ([]*Asset, error) {
	if err := need(p, auth.PermVulnManage); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var bad koban.Problems
	out := make([]*Asset, 0, len(ins))
	for _, in := range ins {
		a := checkAsset(in, &bad)
		a.OrgID = in.OrgID
		if a.OrgID == 0 {
			a.OrgID = p.OrgID
		}
		a.Origin, a.CreatedBy, a.CreatedAt, a.UpdatedAt = origin, p.UserID, now, now
		if err := s.access.Check(ctx, p, access.Edit, a.Object()); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, koban.Errorf(koban.Invalid, "vuln.error.no_assets")
	}
	e := audit.Entry{Actor: p.Actor(), Action: "asset.add", ObjectType: ObjectAsset, Detail: map[string]any{"origin": origin, "count": len(out)}}
	if len(out) == 1 {
		e.Detail["name"], e.Detail["cpe"] = out[0].Name, out[0].CPE
	}
	if err := s.store.CreateAssets(ctx, out, e); err != nil {
		return nil, err
	}
	if _, err := s.rematchAssets(ctx, out); err != nil {
		return out, err
	}
	return out, nil
}

// Asset returns one asset the officer may view; audited.
func (s *Service) Asset(ctx context.Context, p auth.Principal, id int64) (*Asset, error) {
	a, err := s.store.Asset(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, p, access.View, a.Object()); err != nil {
		return nil, err
	}
	e := audit.Entry{Actor: p.Actor(), Action: "asset.view", ObjectType: ObjectAsset, ObjectID: strconv.FormatInt(id, 10)}
	if err := s.store.Audit(ctx, e); err != nil {
		return nil, err
	}
	return a, nil
}

// Assets lists the assets of the officer's line.
func (s *Service) Assets(ctx context.Context, p auth.Principal) ([]*Asset, error) {
	sc := s.access.ScopeOf(p, ObjectAsset, access.View)
	if sc.None {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return s.store.Assets(ctx, sc, PageSize)
}

// RemoveAsset takes an asset (and its findings) out of the inventory.
func (s *Service) RemoveAsset(ctx context.Context, p auth.Principal, id int64) error {
	a, err := s.store.Asset(ctx, id)
	if err != nil {
		return err
	}
	if err := s.access.Check(ctx, p, access.Edit, a.Object()); err != nil {
		return err
	}
	return s.store.DeleteAsset(ctx, id, audit.Entry{Actor: p.Actor(), Action: "asset.remove", ObjectType: ObjectAsset,
		ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"name": a.Name, "cpe": a.CPE}})
}

// Findings lists findings the officer may view, highest priority first:
// of an asset, of a vulnerability, or of the whole line.
func (s *Service) Findings(ctx context.Context, p auth.Principal, q FindingQuery) ([]*Finding, error) {
	q.Scope = s.access.ScopeOf(p, ObjectAsset, access.View)
	if q.Scope.None {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	if q.Limit <= 0 || q.Limit > PageSize {
		q.Limit = PageSize
	}
	return s.store.VulnFindings(ctx, q)
}

// SetStatus moves a finding to a status: accepted needs a reason; audited.
func (s *Service) SetStatus(ctx context.Context, p auth.Principal, id int64, st Status, note string) (*Finding, error) {
	f, err := s.store.VulnFinding(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, p, access.Edit, access.Object{Type: ObjectAsset, ID: f.AssetID, OrgID: f.OrgID}); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	var bad koban.Problems
	switch st {
	case Open, Mitigated, Fixed:
	case Accepted:
		if note == "" {
			bad.Add("note", "vuln.error.reason")
		}
	default:
		bad.Add("status", "vuln.error.status")
	}
	if utf8.RuneCountInString(note) > maxNotes {
		bad.Add("note", "vuln.error.too_long")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	e := audit.Entry{Actor: p.Actor(), Action: "vuln.finding_status", ObjectType: ObjectAsset, ObjectID: strconv.FormatInt(f.AssetID, 10),
		Detail: map[string]any{"finding": f.ID, "vuln": f.VulnID, "from": string(f.Status), "to": string(st), "note": note}}
	if err := s.store.SetVulnFindingStatus(ctx, id, st, note, p.UserID, s.clock.Now(), e); err != nil {
		return nil, err
	}
	return s.store.VulnFinding(ctx, id)
}

// Vuln returns a record of the dictionary, with its KEV entry and EPSS
// score. Every officer who reads vulnerabilities may read the dictionary.
func (s *Service) Vuln(ctx context.Context, p auth.Principal, id string) (*Record, error) {
	if err := need(p, auth.PermVulnRead); err != nil {
		return nil, err
	}
	return s.store.Vuln(ctx, strings.ToUpper(strings.TrimSpace(id)))
}

// Search finds records by id or words of their description.
func (s *Service) Search(ctx context.Context, p auth.Principal, q string) ([]*Record, error) {
	if err := need(p, auth.PermVulnRead); err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	return s.store.SearchVulns(ctx, q, 50)
}

// Overview is the dashboard of a line.
type Overview struct {
	Counts  *Counts
	Alerts  []*Alert
	Top     []*Finding
	Vulns   int
	KEV     int
	EPSS    int
	Sources []*Source
}

// Overview returns the line's counts, its latest alerts and its
// highest-priority open findings.
func (s *Service) Overview(ctx context.Context, p auth.Principal) (*Overview, error) {
	sc := s.access.ScopeOf(p, ObjectAsset, access.View)
	if sc.None {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	var o Overview
	var err error
	if o.Counts, err = s.store.VulnCounts(ctx, sc, s.clock.Now()); err != nil {
		return nil, err
	}
	if o.Alerts, err = s.store.VulnAlerts(ctx, sc, 20); err != nil {
		return nil, err
	}
	if o.Top, err = s.store.VulnFindings(ctx, FindingQuery{Scope: sc, Limit: 20}); err != nil {
		return nil, err
	}
	if o.Vulns, o.KEV, o.EPSS, err = s.store.VulnCount(ctx); err != nil {
		return nil, err
	}
	if o.Sources, err = s.store.VulnSources(ctx); err != nil {
		return nil, err
	}
	return &o, nil
}
