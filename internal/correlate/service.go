package correlate

import (
	"cmp"
	"context"
	"github.com/koban-project/koban/internal/access"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/tlp"
)

// Service answers officers' questions of the index, applying access: the
// records the officer's organisation may see are shown in full, the others
// only as counts.
type Service struct {
	store  Store
	tree   func() *org.Tree
	policy func() Policy
	clock  koban.Clock
	zone   *time.Location
	access *access.Decider
}

// NewService returns a Service; zone is where days and months begin.
func NewService(st Store, tree func() *org.Tree, policy func() Policy, clock koban.Clock, zone *time.Location) *Service {
	if zone == nil {
		zone = time.UTC
	}
	return &Service{store: st, tree: tree, policy: policy, clock: clock, zone: zone, access: access.New(st, tree, clock)}
}

// Page asks for part of a list.
type Page struct {
	Limit, Offset int
}

func (p Page) norm(def, max int) Page {
	if p.Limit <= 0 {
		p.Limit = def
	}
	p.Limit = min(p.Limit, max)
	p.Offset = max0(p.Offset)
	return p
}

func max0(n int) int { return max(n, 0) }

// Owner counts the records of one organisation that the viewer sees only
// as a number.
type Owner struct {
	OrgID      int64
	Prefecture string // JIS code, "" for a national organisation
	Records    int
	First      time.Time
	Last       time.Time
}

// Hidden is what the viewer may know of records they may not see.
type Hidden struct {
	Records     int
	Prefectures int
	First       time.Time
	Last        time.Time
	Owners      []Owner // most records first
}

// Month counts a value's records in one month of the display zone.
type Month struct {
	Month   time.Time
	Visible int
	Hidden  int
}

// ObservableView is everything an officer may know of one value.
type ObservableView struct {
	Value
	Warnings     []string // the warning lists that hold it
	Common       bool     // held by so many records that it links none
	Prefectures  int      // prefectures whose records hold it, nationally
	Visible      []Occurrence
	VisibleTotal int
	Page         Page
	Hidden       Hidden
	Timeline     []Month
	Related      []Value // by containment (ranges holding it, or addresses inside it) and held by records the viewer sees
	// RelatedHidden counts the values related by containment that only
	// records the viewer may not see hold: listing them would tell an
	// officer the addresses in other prefectures' reports.
	RelatedHidden int
}

// maxOccurrencePage bounds one page of occurrences.
const maxOccurrencePage = 500

// Lookup returns the view of the value raw read as type t (any spelling).
// A value nobody holds is NotFound; so is one that is not of type t.
func (s *Service) Lookup(ctx context.Context, p auth.Principal, t observe.Type, raw string, page Page) (*ObservableView, error) {
	if !p.Can(auth.PermObservableRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	if !t.Valid() {
		return nil, koban.Errorf(koban.NotFound, "observable.error.unknown_type")
	}
	norm, err := observe.Normalize(t, raw)
	if err != nil {
		if t == observe.URL && slashMerged(raw) {
			return nil, koban.FieldError("value", "observable.error.slash_merged")
		}
		return nil, koban.Errorf(koban.NotFound, "observable.error.not_seen")
	}
	o := observe.Observable{Type: t, Value: norm}
	v, err := s.store.Value(ctx, o)
	if err != nil {
		return nil, err
	}
	page = page.norm(50, maxOccurrencePage)
	view := &ObservableView{Value: v, Page: page, Warnings: s.policy().Warnings(o), Common: s.policy().Common(v.Records)}
	visible := s.visible(p)
	tallies, err := s.store.Tallies(ctx, v.ID, s.offset(), visible)
	if err != nil {
		return nil, err
	}
	tree := s.tree()
	view.Prefectures = countPrefectures(tree, tallies)
	view.Hidden, view.Timeline = s.split(tree, tallies)
	view.Visible, view.VisibleTotal, err = s.store.Occurrences(ctx, v.ID, visible, page.Limit, page.Offset)
	if err != nil {
		return nil, err
	}
	if view.Related, view.RelatedHidden, err = s.store.Related(ctx, o, visible, 100); err != nil {
		return nil, err
	}
	err = s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "observable.view", ObjectType: "observable",
		ObjectID: string(o.Type) + ":" + o.Value, Detail: map[string]any{"visible": view.VisibleTotal, "hidden": view.Hidden.Records}})
	return view, err
}

// slashMerged reports whether raw reads as a URL whose "//" after the
// scheme became "/" ("https:/evil.example/…"): what a router or proxy that
// cleans paths makes of a URL written into one. Its other "//" ("?u=https://…")
// may have gone the same way, so it cannot be repaired; the officer is told
// how to ask again rather than that nobody reported it.
func slashMerged(raw string) bool {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(raw), ":/")
	if !ok || scheme == "" || strings.HasPrefix(rest, "/") {
		return false
	}
	for i, c := range scheme {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// offset is how far the display zone's midnight is from UTC's, now.
func (s *Service) offset() time.Duration {
	_, off := s.clock.Now().In(s.zone).Zone()
	return time.Duration(off) * time.Second
}

// visible is the access scope of the records p sees in full: those of
// their organisation's line, and those granted to them. The NPA's is
// everything, which lets the store skip the filter.
func (s *Service) visible(p auth.Principal) access.Scope {
	return s.access.ScopeOf(p, string(Report), access.View)
}

// split divides a value's tallies into what the viewer may not see (counts
// by owner) and a month-by-month timeline of both.
func (s *Service) split(tree *org.Tree, tallies []Tally) (Hidden, []Month) {
	var h Hidden
	owners := map[int64]*Owner{}
	months := map[time.Time]*Month{}
	prefs := map[string]bool{}
	for _, t := range tallies {
		day := time.Unix(t.Day*86400, 0).UTC()
		m := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, s.zone)
		if months[m] == nil {
			months[m] = &Month{Month: m}
		}
		if t.Seen {
			months[m].Visible += t.N
			continue
		}
		months[m].Hidden += t.N
		o := owners[t.OrgID]
		if o == nil {
			pref := ""
			if org, ok := tree.ByID(t.OrgID); ok {
				pref = org.Prefecture
			}
			o = &Owner{OrgID: t.OrgID, Prefecture: pref, First: t.First, Last: t.Last}
			owners[t.OrgID] = o
		}
		o.Records += t.N
		o.First, o.Last = earliest(o.First, t.First), latest(o.Last, t.Last)
		h.Records += t.N
		h.First, h.Last = earliest(h.First, t.First), latest(h.Last, t.Last)
		if o.Prefecture != "" {
			prefs[o.Prefecture] = true
		}
	}
	h.Prefectures = len(prefs)
	for _, o := range owners {
		h.Owners = append(h.Owners, *o)
	}
	slices.SortFunc(h.Owners, func(a, b Owner) int { return cmp.Or(cmp.Compare(b.Records, a.Records), cmp.Compare(a.OrgID, b.OrgID)) })
	timeline := make([]Month, 0, len(months))
	for _, m := range months {
		timeline = append(timeline, *m)
	}
	slices.SortFunc(timeline, func(a, b Month) int { return a.Month.Compare(b.Month) })
	return h, timeline
}

// countPrefectures counts the prefectures whose organisations hold records.
func countPrefectures(tree *org.Tree, tallies []Tally) int {
	prefs := map[string]bool{}
	for _, t := range tallies {
		if o, ok := tree.ByID(t.OrgID); ok && o.Prefecture != "" {
			prefs[o.Prefecture] = true
		}
	}
	return len(prefs)
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// ValueLine is one of a record's values with its national standing.
type ValueLine struct {
	Value
	Warnings []string
	Common   bool
}

// Links is what the index knows around one record.
type Links struct {
	Values       []ValueLine
	Related      []Holder // one page of the records the viewer sees that share a linking value, most shared first
	RelatedTotal int      // all of those
	Page         Page     // the page of them in Related
	Hidden       Hidden   // the others, as counts
	Cluster      ClusterRow
}

// Related records are listed a page at a time, relatedPage of them unless
// asked otherwise and maxRelated at most: each one listed is read from its
// record for its label, the rest are only counted and sorted.
const relatedPage, maxRelated = 50, 200

// LinksOf returns a record's values and the records related to it through
// values that link (not benign, not common). The record itself must be one
// the viewer sees. page chooses which of the related records are listed.
func (s *Service) LinksOf(ctx context.Context, p auth.Principal, k Key, page Page) (*Links, error) {
	if _, err := s.record(ctx, p, k); err != nil {
		return nil, err
	}
	values, err := s.store.ValuesOf(ctx, k)
	if err != nil {
		return nil, err
	}
	out := &Links{Page: page.norm(relatedPage, maxRelated)}
	pol := s.policy()
	var linking []int64
	for _, v := range values {
		line := ValueLine{Value: v, Warnings: pol.Warnings(v.Observable), Common: pol.Common(v.Records)}
		out.Values = append(out.Values, line)
		if len(line.Warnings) == 0 && !line.Common && v.Records > 1 {
			linking = append(linking, v.ID)
		}
	}
	if len(linking) > 0 {
		if err := s.related(ctx, p, k, linking, out); err != nil {
			return nil, err
		}
	}
	c, err := s.store.ClusterOf(ctx, k)
	if err != nil || c == 0 {
		return out, err
	}
	out.Cluster, err = s.store.Cluster(ctx, c, s.clock.Now().Add(-growthWindow))
	return out, err
}

// related fills in the records sharing linking values with k: those the
// viewer sees, most shared values first then newest, the page of them asked
// for labelled; every other one counted.
func (s *Service) related(ctx context.Context, p auth.Principal, k Key, linking []int64, out *Links) error {
	holders, err := s.store.Holders(ctx, linking, k, s.visible(p))
	if err != nil {
		return err
	}
	tree := s.tree()
	var tallies []Tally
	for _, h := range holders {
		if h.Seen {
			out.Related = append(out.Related, h)
		} else {
			tallies = append(tallies, Tally{OrgID: h.OrgID, N: 1, First: h.At, Last: h.At})
		}
	}
	out.Hidden, _ = s.split(tree, tallies)
	slices.SortFunc(out.Related, func(a, b Holder) int {
		return cmp.Or(cmp.Compare(b.Shared, a.Shared), b.At.Compare(a.At), cmp.Compare(b.ID, a.ID))
	})
	out.RelatedTotal = len(out.Related)
	from := min(out.Page.Offset, len(out.Related))
	out.Related = out.Related[from:min(len(out.Related), from+out.Page.Limit)]
	keys := make([]Key, len(out.Related))
	for i, h := range out.Related {
		keys[i] = h.Key
	}
	labels, err := s.store.Labels(ctx, keys)
	if err != nil {
		return err
	}
	for i := range out.Related {
		out.Related[i].Label = labels[out.Related[i].Key]
	}
	return nil
}

// record returns a record the viewer may see; NotFound otherwise, so that
// nobody learns that a record they may not see exists.
func (s *Service) record(ctx context.Context, p auth.Principal, k Key) (Occurrence, error) {
	if !p.Can(auth.PermObservableRead) {
		return Occurrence{}, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	r, err := s.store.Record(ctx, k)
	if err != nil {
		return Occurrence{}, err
	}
	if err := s.access.Check(ctx, p, access.View, access.Object{Type: string(k.Type), ID: k.ID, OrgID: r.OrgID, TLP: tlp.Level(r.TLP)}); err != nil {
		return Occurrence{}, err
	}
	return r, nil
}

// growthWindow is how far back "fastest-growing" counts new members.
const growthWindow = 7 * 24 * time.Hour

// ClusterList is a page of clusters.
type ClusterList struct {
	Clusters []ClusterLine
	Total    int
	Page     Page
	Order    string // "size" or "growth"
	Since    time.Time
}

// ClusterLine is a cluster in the list, as the viewer may know it: its
// counts and prefectures in full, its money and values only from the
// members the viewer may see.
type ClusterLine struct {
	ClusterRow
	Visible     int          // members the viewer may see
	Hidden      int          // the others, a count and nothing more
	Prefectures []string     // JIS codes of the prefectures owning members, most members first
	Damage      int64        // yen lost, summed over the members the viewer may see
	TopValues   []ValueCount // linking values held by most of the visible members
}

// topPerLine is how many values a cluster's line shows; topFetched is how
// many are read for it, since benign and common values are left out.
const topPerLine, topFetched = 3, 10

// Clusters lists clusters by size or by growth over the last week. A
// cluster's size, span and prefectures are counts: any officer with the
// permission may list them. Its money and its values come from the members
// the viewer may see alone; the rest are counted. The listing is audited
// like a cluster's view, since it shows values of records.
func (s *Service) Clusters(ctx context.Context, p auth.Principal, order string, page Page) (*ClusterList, error) {
	if !p.Can(auth.PermClusterRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	if order != "growth" {
		order = "size"
	}
	page = page.norm(50, 500)
	since := s.clock.Now().Add(-growthWindow)
	rows, total, err := s.store.Clusters(ctx, order, since, page.Limit, page.Offset)
	if err != nil {
		return nil, err
	}
	l := &ClusterList{Clusters: make([]ClusterLine, len(rows)), Total: total, Page: page, Order: order, Since: since}
	if len(rows) == 0 {
		return l, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	visible := s.visible(p)
	tallies, err := s.store.ClusterTallies(ctx, ids, visible)
	if err != nil {
		return nil, err
	}
	damage, err := s.store.ClusterDamage(ctx, ids, visible)
	if err != nil {
		return nil, err
	}
	tops, err := s.store.ClusterTops(ctx, ids, visible, topFetched)
	if err != nil {
		return nil, err
	}
	tree, pol := s.tree(), s.policy()
	for i, r := range rows {
		line := ClusterLine{ClusterRow: r, Damage: damage[r.ID]}
		prefs := map[string]int{}
		for _, t := range tallies[r.ID] {
			if t.Seen {
				line.Visible += t.N
			} else {
				line.Hidden += t.N
			}
			if o, ok := tree.ByID(t.OrgID); ok && o.Prefecture != "" {
				prefs[o.Prefecture] += t.N
			}
		}
		for code := range prefs {
			line.Prefectures = append(line.Prefectures, code)
		}
		slices.SortFunc(line.Prefectures, func(a, b string) int { return cmp.Or(cmp.Compare(prefs[b], prefs[a]), cmp.Compare(a, b)) })
		for _, v := range tops[r.ID] {
			if len(line.TopValues) < topPerLine && pol.Links(v.Observable, v.Records) {
				line.TopValues = append(line.TopValues, v)
			}
		}
		l.Clusters[i] = line
	}
	err = s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "cluster.list", ObjectType: "cluster",
		Detail: map[string]any{"order": order, "offset": page.Offset, "clusters": ids}})
	return l, err
}

// ClusterView is one cluster as the viewer may see it.
type ClusterView struct {
	ClusterRow
	Prefectures  int
	Members      []Occurrence // the members the viewer sees
	MembersTotal int
	Page         Page
	Hidden       Hidden
	TopValues    []ValueCount // held most often by the members the viewer sees
}

// Cluster returns one cluster: its members the viewer sees, counts for the
// rest, and the values most of the visible members hold.
func (s *Service) Cluster(ctx context.Context, p auth.Principal, id int64, page Page) (*ClusterView, error) {
	if !p.Can(auth.PermClusterRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	page = page.norm(50, maxOccurrencePage)
	row, err := s.store.Cluster(ctx, id, s.clock.Now().Add(-growthWindow))
	if err != nil {
		return nil, err
	}
	visible := s.visible(p)
	tallies, err := s.store.ClusterOrgs(ctx, id, visible)
	if err != nil {
		return nil, err
	}
	tree := s.tree()
	view := &ClusterView{ClusterRow: row, Page: page, Prefectures: countPrefectures(tree, tallies)}
	view.Hidden, _ = s.split(tree, tallies)
	if view.Members, view.MembersTotal, err = s.store.ClusterMembers(ctx, id, visible, page.Limit, page.Offset); err != nil {
		return nil, err
	}
	if view.MembersTotal > 0 {
		if view.TopValues, err = s.store.ClusterValues(ctx, id, visible, 20); err != nil {
			return nil, err
		}
	}
	err = s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "cluster.view", ObjectType: "cluster",
		ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"visible": view.MembersTotal, "hidden": view.Hidden.Records}})
	return view, err
}

// RequestAccess records the viewer's request to the organisation owner for
// the records of value o that the viewer sees only as counts. Granting it
// is the owner's decision (the case issue's work).
func (s *Service) RequestAccess(ctx context.Context, p auth.Principal, o observe.Observable, owner int64, reason string) (*AccessRequest, error) {
	if !p.Can(auth.PermObservableRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	reason = strings.TrimSpace(reason)
	var probs koban.Problems
	if reason == "" {
		probs.Add("reason", "observable.error.reason_required")
	} else if utf8.RuneCountInString(reason) > 2000 || !utf8.ValidString(reason) {
		probs.Add("reason", "observable.error.reason_too_long")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	v, err := s.store.Value(ctx, o)
	if err != nil {
		return nil, err
	}
	tree := s.tree()
	if _, ok := tree.ByID(owner); !ok || tree.Sees(p.OrgID, owner) {
		return nil, koban.Errorf(koban.Invalid, "observable.error.owner")
	}
	tallies, err := s.store.Tallies(ctx, v.ID, 0, s.visible(p))
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(tallies, func(t Tally) bool { return t.OrgID == owner }) {
		return nil, koban.Errorf(koban.Invalid, "observable.error.owner")
	}
	r := &AccessRequest{ValueID: v.ID, OwnerOrgID: owner, RequesterID: p.UserID, RequesterOrgID: p.OrgID,
		Reason: reason, Status: "open", CreatedAt: s.clock.Now()}
	err = s.store.RequestAccess(ctx, r, audit.Entry{Actor: p.Actor(), Action: "observable.request_access", ObjectType: "observable",
		ObjectID: string(o.Type) + ":" + o.Value, Detail: map[string]any{"owner_org_id": owner}})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Elsewhere answers, for a search query that is one observable, how many
// records the viewer may not see hold it: counts only. ok is false when the
// query is not exactly one observable or no hidden record holds it.
func (s *Service) Elsewhere(ctx context.Context, p auth.Principal, query string) (o observe.Observable, h Hidden, ok bool, err error) {
	if !p.Can(auth.PermObservableRead) {
		return o, h, false, nil
	}
	found := observe.Extract(query)
	if len(found) != 1 {
		return o, h, false, nil
	}
	o = found[0]
	v, err := s.store.Value(ctx, o)
	if koban.ErrorCode(err) == koban.NotFound {
		return o, h, false, nil
	}
	if err != nil {
		return o, h, false, err
	}
	tallies, err := s.store.Tallies(ctx, v.ID, s.offset(), s.visible(p))
	if err != nil {
		return o, h, false, err
	}
	h, _ = s.split(s.tree(), tallies)
	return o, h, h.Records > 0, nil
}
