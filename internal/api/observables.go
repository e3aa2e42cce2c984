package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

// The national index as JSON. Every answer applies access the same way as
// the pages: records the caller may see in full, the rest as counts.

// OccurrenceOut is one record holding a value (or in a cluster).
type OccurrenceOut struct {
	RecordType string `json:"record_type"`
	ID         int64  `json:"id"`
	Receipt    string `json:"receipt,omitempty"`
	Org        string `json:"org"`
	TLP        string `json:"tlp"`
	At         string `json:"at"`
	Shared     int    `json:"shared,omitempty"` // values shared with the record asked about
}

// OwnerOut counts one organisation's records the caller may not see.
type OwnerOut struct {
	Org        string `json:"org"`
	Prefecture string `json:"prefecture,omitempty"`
	Count      int    `json:"count"`
	FirstSeen  string `json:"first_seen"`
	LastSeen   string `json:"last_seen"`
}

// HiddenOut is what the caller may know of records they may not see.
type HiddenOut struct {
	Count       int        `json:"count"`
	Prefectures int        `json:"prefectures"`
	FirstSeen   string     `json:"first_seen,omitempty"`
	LastSeen    string     `json:"last_seen,omitempty"`
	Owners      []OwnerOut `json:"owners"`
}

// ValueOut is a value with its national standing.
type ValueOut struct {
	Type      string   `json:"type"`
	Value     string   `json:"value"`
	Count     int      `json:"count"`
	FirstSeen string   `json:"first_seen"`
	LastSeen  string   `json:"last_seen"`
	Warnings  []string `json:"warnings,omitempty"`
	Common    bool     `json:"common,omitempty"`
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func (a *API) orgCode(id int64) string {
	if o, ok := a.Tree().ByID(id); ok {
		return o.Code
	}
	return ""
}

func (a *API) occurrenceOut(o correlate.Occurrence) OccurrenceOut {
	return OccurrenceOut{RecordType: string(o.Type), ID: o.ID, Receipt: o.Label, Org: a.orgCode(o.OrgID), TLP: o.TLP, At: stamp(o.At)}
}

func (a *API) hiddenOut(h correlate.Hidden) HiddenOut {
	out := HiddenOut{Count: h.Records, Prefectures: h.Prefectures, FirstSeen: stamp(h.First), LastSeen: stamp(h.Last), Owners: []OwnerOut{}}
	for _, o := range h.Owners {
		out.Owners = append(out.Owners, OwnerOut{Org: a.orgCode(o.OrgID), Prefecture: o.Prefecture, Count: o.Records,
			FirstSeen: stamp(o.First), LastSeen: stamp(o.Last)})
	}
	return out
}

func valueOut(v correlate.Value, warnings []string, common bool) ValueOut {
	return ValueOut{Type: string(v.Type), Value: v.Observable.Value, Count: v.Records, FirstSeen: stamp(v.FirstSeen),
		LastSeen: stamp(v.LastSeen), Warnings: warnings, Common: common}
}

func page(r *http.Request) correlate.Page {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	return correlate.Page{Limit: limit, Offset: offset}
}

// ObservablePrefix begins the path of a value's answer:
// ObservablePrefix+"{type}/{value}", or ObservablePrefix+"{type}?value=".
const ObservablePrefix = "/api/v1/observables/"

// observable answers GET /api/v1/observables/{type}/{value} (or
// {type}?value=): the value in any spelling, its national count, the
// prefectures and time span, the records the caller may see, and counts
// for the rest.
func (a *API) observable(w http.ResponseWriter, r *http.Request) {
	value := r.PathValue("value")
	if value == "" {
		// The query form: a URL holding "//" does not survive a path.
		value = r.URL.Query().Get("value")
	}
	v, err := a.Index.Lookup(r.Context(), principal(r), observe.Type(r.PathValue("type")), value, page(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	occ := make([]OccurrenceOut, 0, len(v.Visible))
	for _, o := range v.Visible {
		occ = append(occ, a.occurrenceOut(o))
	}
	timeline := make([]map[string]any, 0, len(v.Timeline))
	for _, m := range v.Timeline {
		timeline = append(timeline, map[string]any{"month": m.Month.Format("2006-01"), "visible": m.Visible, "hidden": m.Hidden})
	}
	related := make([]ValueOut, 0, len(v.Related))
	for _, rv := range v.Related {
		related = append(related, valueOut(rv, nil, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"type": v.Type, "value": v.Observable.Value, "count": v.Records, "prefectures": v.Prefectures,
		"first_seen": stamp(v.FirstSeen), "last_seen": stamp(v.LastSeen),
		"warnings": nonNil(v.Warnings), "common": v.Common,
		"occurrences": occ, "occurrences_total": v.VisibleTotal, "limit": v.Page.Limit, "offset": v.Page.Offset,
		"hidden": a.hiddenOut(v.Hidden), "timeline": timeline, "related": related, "related_hidden": v.RelatedHidden,
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// reportLinks answers GET /api/v1/reports/{id}/links?limit=50&offset=0:
// the report's values with their national counts, a page of the related
// records the caller may see, and counts for the rest.
func (a *API) reportLinks(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	l, err := a.Index.LinksOf(r.Context(), principal(r), correlate.Key{Type: correlate.Report, ID: id}, page(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	values := make([]ValueOut, 0, len(l.Values))
	for _, v := range l.Values {
		values = append(values, valueOut(v.Value, v.Warnings, v.Common))
	}
	related := make([]OccurrenceOut, 0, len(l.Related))
	for _, h := range l.Related {
		o := a.occurrenceOut(h.Occurrence)
		o.Shared = h.Shared
		related = append(related, o)
	}
	out := map[string]any{"observables": values, "related": related, "related_total": l.RelatedTotal,
		"limit": l.Page.Limit, "offset": l.Page.Offset, "hidden": a.hiddenOut(l.Hidden)}
	if l.Cluster.ID != 0 {
		out["cluster"] = clusterOut(l.Cluster)
	}
	writeJSON(w, http.StatusOK, out)
}

// graph answers GET /api/v1/graph?node=report:42&hops=2&limit=200&offset=0.
func (a *API) graph(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	hops, _ := strconv.Atoi(q.Get("hops"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if hops == 0 {
		hops = 2 // the default; the service brings any other within 1 to MaxHops
	}
	g, err := a.Index.Graph(r.Context(), principal(r), q.Get("node"), hops, limit, offset)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func clusterOut(c correlate.ClusterRow) map[string]any {
	return map[string]any{"id": c.ID, "size": c.Size, "first_at": stamp(c.First), "last_at": stamp(c.Last), "recent": c.Recent}
}

// clusters answers GET /api/v1/clusters?order=size|growth&limit=&offset=.
func (a *API) clusters(w http.ResponseWriter, r *http.Request) {
	l, err := a.Index.Clusters(r.Context(), principal(r), r.URL.Query().Get("order"), page(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(l.Clusters))
	for _, c := range l.Clusters {
		o := clusterOut(c.ClusterRow)
		o["visible"], o["hidden"], o["prefecture_codes"] = c.Visible, c.Hidden, c.Prefectures
		o["damage_jpy"], o["top_observables"] = c.Damage, topOut(c.TopValues)
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"clusters": out, "total": l.Total, "order": l.Order, "recent_since": stamp(l.Since)})
}

// cluster answers GET /api/v1/clusters/{id}.
func (a *API) cluster(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	c, err := a.Index.Cluster(r.Context(), principal(r), id, page(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	members := make([]OccurrenceOut, 0, len(c.Members))
	for _, m := range c.Members {
		members = append(members, a.occurrenceOut(m))
	}
	out := clusterOut(c.ClusterRow)
	out["prefectures"], out["members"], out["members_total"] = c.Prefectures, members, c.MembersTotal
	out["hidden"], out["top_observables"] = a.hiddenOut(c.Hidden), topOut(c.TopValues)
	writeJSON(w, http.StatusOK, out)
}

// topOut lists a cluster's values with how many of its (visible) members
// hold each and how many records hold it nationally.
func topOut(values []correlate.ValueCount) []map[string]any {
	top := make([]map[string]any, 0, len(values))
	for _, v := range values {
		top = append(top, map[string]any{"type": v.Type, "value": v.Observable.Value, "members": v.N, "count": v.Records})
	}
	return top
}

// accessRequestIn is the body of POST /api/v1/access-requests.
type accessRequestIn struct {
	Type   string `json:"type"`
	Value  string `json:"value"`
	Owner  string `json:"owner"` // the organisation's code
	Reason string `json:"reason"`
}

// requestAccess answers POST /api/v1/access-requests: it records a request
// to the owning organisation for the records of a value that the caller
// sees only as counts.
func (a *API) requestAccess(w http.ResponseWriter, r *http.Request) {
	var in accessRequestIn
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		a.badRequest(w, r, "body")
		return
	}
	t := observe.Type(in.Type)
	norm, err := observe.Normalize(t, in.Value)
	if err != nil {
		a.fail(w, r, koban.FieldError("value", "observable.error.invalid"))
		return
	}
	owner, ok := a.Tree().ByCode(in.Owner)
	if !ok {
		a.fail(w, r, koban.FieldError("owner", "observable.error.owner"))
		return
	}
	req, err := a.Index.RequestAccess(r.Context(), principal(r), observe.Observable{Type: t, Value: norm}, owner.ID, in.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": req.ID, "status": req.Status, "owner": in.Owner,
		"type": t, "value": norm, "created_at": stamp(req.CreatedAt)})
}
