package intel

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/tlp"
)

// Store is what the service keeps its objects, sources and collections in.
type Store interface {
	AddIntel(ctx context.Context, objs []*Object, e audit.Entry) (Stored, error)
	Audit(ctx context.Context, e audit.Entry) error
	IntelObject(ctx context.Context, id int64) (*Object, error)
	IntelLatest(ctx context.Context, stixID string) (*Object, error)
	IntelVersions(ctx context.Context, stixID string) ([]*Object, error)
	IntelList(ctx context.Context, q ListQuery) ([]*Object, bool, error)
	Sightings(ctx context.Context, indicator int64, limit int) ([]correlate.Occurrence, error)

	CreateSource(ctx context.Context, s *Source, e audit.Entry) error
	Source(ctx context.Context, id int64) (*Source, error)
	SourceByName(ctx context.Context, name string) (*Source, error)
	Sources(ctx context.Context, orgs []int64) ([]*Source, error)
	ClaimDueSource(ctx context.Context, kinds []string, now time.Time) (*Source, error)
	StartPoll(ctx context.Context, p *Poll) error
	FinishPoll(ctx context.Context, p *Poll, cursor string, e audit.Entry) error
	Polls(ctx context.Context, sourceID int64, limit int) ([]Poll, error)

	CreateCollection(ctx context.Context, c *Collection, members []Member, e audit.Entry) error
	Collections(ctx context.Context, orgID int64, keepers []int64) ([]Collection, error)
	CollectionMembers(ctx context.Context, collectionID int64) ([]Member, error)
	CollectionObjects(ctx context.Context, collectionID int64, q CollectionQuery) ([]CollectionRecord, bool, error)
	AddToCollection(ctx context.Context, collectionID int64, objs []*Object, st *TAXIIStatus, e audit.Entry) (Stored, error)
	TAXIIStatusByID(ctx context.Context, id string) (*TAXIIStatus, error)
	RemoveFromCollection(ctx context.Context, collectionID int64, stixID string, versions []time.Time, e audit.Entry) (int, error)
}

// Service is intel's one way in: every call asks the access decision.
type Service struct {
	store  Store
	access *access.Decider
	tree   func() *org.Tree
	clock  koban.Clock
	log    *slog.Logger
}

// NewService returns a Service.
func NewService(st Store, d *access.Decider, tree func() *org.Tree, clock koban.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: st, access: d, tree: tree, clock: clock, log: log}
}

// Limits of what a source may say.
const (
	MinEvery     = 5 * time.Minute
	DefaultEvery = time.Hour
	maxNameRunes = 100
)

// SourceInput is a new source as an officer describes it.
type SourceInput struct {
	Name        string
	Kind        string
	OrgCode     string // the subscribing organisation; "" is the officer's own
	PartnerCode string // the partner it comes from, when registered
	URL         string
	Collection  string
	Username    string
	Secret      string
	Settings    json.RawMessage
	DefaultTLP  string
	Confidence  string   // "" is 50
	EveryMin    string   // minutes; "" is an hour
	CSV         CSVInput // a CSV feed's column mapping
}

// manage checks that p may manage intel for the organisation orgID.
func (s *Service) manage(p auth.Principal, orgID int64) error {
	if !p.Can(auth.PermIntelManage) || !s.tree().Sees(p.OrgID, orgID) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return nil
}

// CreateSource registers a source of intel for the officer's organisation
// (or one below it). Every problem of the form is reported at once.
func (s *Service) CreateSource(ctx context.Context, p auth.Principal, in SourceInput) (*Source, error) {
	tree, now := s.tree(), s.clock.Now()
	src := &Source{Name: strings.TrimSpace(in.Name), Kind: in.Kind, URL: strings.TrimSpace(in.URL), Collection: strings.TrimSpace(in.Collection),
		Username: in.Username, Secret: in.Secret, Settings: in.Settings, Enabled: true, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now,
		Confidence: 50, Every: DefaultEvery, NextRunAt: now}
	var bad koban.Problems
	src.OrgID = p.OrgID
	if in.OrgCode != "" {
		o, ok := tree.ByCode(in.OrgCode)
		if !ok || o.Kind == org.KindPartner {
			bad.Add("org", "intel.error.org_unknown")
		} else {
			src.OrgID = o.ID
		}
	}
	if err := s.manage(p, src.OrgID); err != nil {
		return nil, err
	}
	if in.PartnerCode != "" {
		o, ok := tree.ByCode(in.PartnerCode)
		if !ok || o.Kind != org.KindPartner {
			bad.Add("partner", "intel.error.partner_unknown")
		} else {
			src.PartnerOrgID = o.ID
		}
	}
	if src.Name == "" || utf8.RuneCountInString(src.Name) > maxNameRunes {
		bad.Add("name", "intel.error.name")
	}
	switch src.Kind {
	case SourceTAXII, SourceMISP, SourceCSV:
		if src.Kind == SourceCSV {
			src.Settings, _ = json.Marshal(parseCSVInput(in.CSV, &bad))
			if src.URL == "" {
				src.Enabled = false // a feed brought in as files, nothing to poll
				break
			}
		}
		if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			bad.Add("url", "intel.error.url")
		}
		if src.Kind == SourceTAXII && src.Collection == "" {
			bad.Add("collection", "intel.error.collection")
		}
	case SourceFile:
		src.Enabled = false // nothing to poll
	default:
		bad.Add("kind", "intel.error.kind")
	}
	if in.DefaultTLP == "" {
		src.DefaultTLP = tlp.Amber
	} else if l, ok := tlp.Parse(in.DefaultTLP); ok {
		src.DefaultTLP = l
	} else {
		bad.Add("tlp", "intel.error.tlp")
	}
	if in.Confidence != "" {
		if c, err := strconv.Atoi(strings.TrimSpace(in.Confidence)); err != nil || c < 0 || c > 100 {
			bad.Add("confidence", "intel.error.confidence")
		} else {
			src.Confidence = c
		}
	}
	if in.EveryMin != "" {
		if m, err := strconv.Atoi(strings.TrimSpace(in.EveryMin)); err != nil || time.Duration(m)*time.Minute < MinEvery || m > 7*24*60 {
			bad.Add("every", "intel.error.every")
		} else {
			src.Every = time.Duration(m) * time.Minute
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	e := audit.Entry{Actor: p.Actor(), Action: "intel.source_create", Detail: map[string]any{"name": src.Name, "kind": src.Kind, "url": src.URL,
		"collection": src.Collection, "default_tlp": string(src.DefaultTLP)}}
	if err := s.store.CreateSource(ctx, src, e); err != nil {
		return nil, err
	}
	return src.withoutSecret(), nil
}

// withoutSecret is the source as shown: the secret replaced by whether one
// is set.
func (src *Source) withoutSecret() *Source {
	c := *src
	if c.Secret != "" {
		c.Secret = "set"
	}
	return &c
}

// SourceView is a source with its latest polls.
type SourceView struct {
	*Source
	Polls []Poll
}

// Sources lists the sources the officer's organisation line owns, each with
// its latest polls, secrets withheld.
func (s *Service) Sources(ctx context.Context, p auth.Principal) ([]SourceView, error) {
	if !p.Can(auth.PermIntelRead) || p.Role == auth.RolePartner {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	srcs, err := s.store.Sources(ctx, s.tree().Visible(p.OrgID))
	if err != nil {
		return nil, err
	}
	out := make([]SourceView, 0, len(srcs))
	for _, src := range srcs {
		polls, err := s.store.Polls(ctx, src.ID, 5)
		if err != nil {
			return nil, err
		}
		out = append(out, SourceView{Source: src.withoutSecret(), Polls: polls})
	}
	return out, nil
}

// source loads a source the officer may manage.
func (s *Service) source(ctx context.Context, p auth.Principal, id int64) (*Source, error) {
	src, err := s.store.Source(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.tree().Sees(p.OrgID, src.OrgID) {
		return nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err := s.manage(p, src.OrgID); err != nil {
		return nil, err
	}
	return src, nil
}

// ObjectView is one intel object as an officer may read it.
type ObjectView struct {
	*Object
	Versions  []*Object
	Sightings []correlate.Occurrence // the records that sighted it and the viewer may know of
	Hidden    int                    // sightings of records the viewer may not see, counted
	Life      Life                   // the indicator's score now (decay.go)
}

// Get returns an intel object (its newest version) for an officer, with
// its versions and sightings, and audits the read. An object the officer
// may not view is answered like a missing one.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (*ObjectView, error) {
	vw, err := s.view(ctx, p, id)
	if err != nil {
		return nil, err
	}
	o, vers, rec := vw.Object, vw.versions, vw.recordID
	if st, err := stix.ParseObject(o.Body); err == nil { // the values it holds, for the page
		o.Observables, o.Indicates = ObservablesOf(st)
	}
	if err := s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "intel.view", ObjectType: ObjectType, ObjectID: strconv.FormatInt(rec, 10),
		Detail: map[string]any{"stix_id": o.StixID}}); err != nil {
		return nil, err
	}
	v := &ObjectView{Object: o, Versions: vers}
	seen, err := s.store.Sightings(ctx, rec, 200)
	if err != nil {
		return nil, err
	}
	var lastSeen time.Time
	for _, r := range seen {
		if r.At.After(lastSeen) {
			lastSeen = r.At
		}
		ok, err := s.access.Can(ctx, p, access.View, access.Object{Type: string(r.Type), ID: r.ID, OrgID: r.OrgID})
		if err != nil {
			return nil, err
		}
		if ok {
			v.Sightings = append(v.Sightings, r)
		} else {
			v.Hidden++
		}
	}
	v.Life = LifeOf(o, lastSeen, s.clock.Now())
	return v, nil
}

// pushSource returns the source that stands for an organisation adding
// objects to a collection (made the first time it does): what it adds is
// owned by the collection's keeper, with the partner named.
func (s *Service) pushSource(ctx context.Context, p auth.Principal, c Collection) (*Source, error) {
	o, _ := s.tree().ByID(p.OrgID)
	name := "TAXII: " + o.Code + " → " + c.UUID
	src, err := s.store.SourceByName(ctx, name)
	if koban.ErrorCode(err) != koban.NotFound {
		return src, err
	}
	now := s.clock.Now()
	src = &Source{Name: name, Kind: SourcePush, OrgID: c.OrgID, DefaultTLP: tlp.Amber, Confidence: 50, CreatedBy: p.UserID,
		CreatedAt: now, UpdatedAt: now, Every: DefaultEvery}
	if o.Kind == org.KindPartner {
		src.PartnerOrgID = o.ID
	}
	err = s.store.CreateSource(ctx, src, audit.Entry{Actor: p.Actor(), Action: "intel.source_create", Detail: map[string]any{"name": name, "kind": SourcePush}})
	if koban.ErrorCode(err) == koban.Conflict { // another request made it first
		return s.store.SourceByName(ctx, name)
	}
	return src, err
}

// CollectionInput is a new TAXII collection as an officer describes it.
type CollectionInput struct {
	Title       string
	Description string
	MaxTLP      string
	Readers     []string // organisation codes that may read it
	Writers     []string // organisation codes that may add to it
}

// CreateCollection makes a TAXII collection kept by the officer's
// organisation, readable and writable by the organisations named.
func (s *Service) CreateCollection(ctx context.Context, p auth.Principal, in CollectionInput) (*Collection, error) {
	if err := s.manage(p, p.OrgID); err != nil {
		return nil, err
	}
	var bad koban.Problems
	c := &Collection{UUID: uuid.NewString(), Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description), OrgID: p.OrgID, CreatedAt: s.clock.Now()}
	if c.Title == "" || utf8.RuneCountInString(c.Title) > maxNameRunes {
		bad.Add("title", "intel.error.name")
	}
	if l, ok := tlp.Parse(in.MaxTLP); ok && l != tlp.Red {
		c.MaxTLP = l
	} else {
		bad.Add("max_tlp", "intel.error.collection_tlp")
	}
	members := map[int64]*Member{}
	for _, list := range []struct {
		codes []string
		write bool
	}{{in.Readers, false}, {in.Writers, true}} {
		for _, code := range list.codes {
			o, ok := s.tree().ByCode(strings.TrimSpace(code))
			if !ok {
				bad.Add("members", "intel.error.org_unknown")
				continue
			}
			m := members[o.ID]
			if m == nil {
				m = &Member{OrgID: o.ID}
				members[o.ID] = m
			}
			m.Read = m.Read || !list.write
			m.Write = m.Write || list.write
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	var ms []Member
	for _, m := range members {
		ms = append(ms, *m)
	}
	if err := s.store.CreateCollection(ctx, c, ms, audit.Entry{Actor: p.Actor(), Action: "taxii.collection_create",
		Detail: map[string]any{"title": c.Title, "max_tlp": string(c.MaxTLP), "readers": in.Readers, "writers": in.Writers}}); err != nil {
		return nil, err
	}
	return c, nil
}
