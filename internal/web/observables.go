package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

// The pages of the national index: one value, the link graph, clusters.
// Every one applies access the same way: records the officer may see in
// full, the rest as counts by organisation.

// ObservablePrefix begins the path of a value's page:
// ObservablePrefix+"{type}/{value}", or ObservablePrefix+"{type}?value=".
const ObservablePrefix = "/observables/"

// ObservableURL is the page of one value.
func ObservableURL(o observe.Observable) string {
	p, q := observablePath(o)
	if len(q) == 0 {
		return p
	}
	return p + "?" + q.Encode()
}

// observablePath is the page of one value as a path and its query. The
// value goes in the path, its slashes kept so that a range reads as one
// (/observables/cidr/203.0.113.0/24), unless the path would then not be
// clean: a URL's "//" would be merged by any router or proxy on the way
// (Go's ServeMux redirects to the cleaned path), so such values go in the
// query instead.
func observablePath(o observe.Observable) (string, url.Values) {
	base := ObservablePrefix + url.PathEscape(string(o.Type))
	segs := strings.Split(o.Value, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	p := base + "/" + strings.Join(segs, "/")
	if path.Clean(p) != p || o.Value == "" {
		return base, url.Values{"value": {o.Value}}
	}
	return p, url.Values{}
}

// GraphURL is the link graph around a node ("report:42", "phone:+81…").
func GraphURL(node string) string { return "/graph?" + url.Values{"node": {node}}.Encode() }

// ObsURL and GraphOf give templates the links of values and records.
func (p page) ObsURL(o observe.Observable) string { return ObservableURL(o) }

// GraphOfValue is the graph around a value.
func (p page) GraphOfValue(o observe.Observable) string {
	return GraphURL(string(o.Type) + ":" + o.Value)
}

// RecordURL is the page of a record.
func (p page) RecordURL(k correlate.Key) string {
	switch k.Type {
	case correlate.Report:
		return "/reports/" + strconv.FormatInt(k.ID, 10)
	case correlate.Intel:
		return "/intel/objects/" + strconv.FormatInt(k.ID, 10)
	case correlate.Finding:
		return "/patrol/findings/" + strconv.FormatInt(k.ID, 10)
	case correlate.Sample:
		return "/samples/" + strconv.FormatInt(k.ID, 10)
	}
	return ""
}

// Shown writes a value for people: an internationalised name in Unicode,
// followed by the stored punycode form so that a look-alike cannot hide; a
// phone number as people write it (090-1234-5678); a bank account as bank,
// branch, account type in words and number. Canonical gives the stored
// form where Shown does not hold it.
func (p page) Shown(o observe.Observable) string {
	if o.Type == observe.BankAccount {
		return p.bankShown(o.Value)
	}
	d := observe.Display(o)
	if d != o.Value && o.Type != observe.Phone {
		return d + " (" + o.Value + ")"
	}
	return d
}

// bankShown writes a stored account, "BBBB-SSS-T-NNNNNNN" or
// "name:BANK/BRANCH/T/NNNNNNN" (see internal/observe), as people read it:
// "みずほ銀行 新宿支店 普通 1234567", a code named as one.
func (p page) bankShown(v string) string {
	a, ok := observe.AccountParts(v)
	if !ok || a.Kigo != "" {
		return v
	}
	bank, branch := a.Bank, a.Branch
	if a.BankCoded {
		bank = p.T("bank.code", "c", bank)
	}
	if a.BranchCoded {
		branch = p.T("bank.branch_code", "c", branch)
	}
	return bank + " " + branch + " " + p.T("bank.type."+string(a.Type)) + " " + a.Number
}

// CanGraph tells whether the viewer may draw the link graph (shows the menu).
func (p page) CanGraph() bool { return p.Principal != nil && p.Principal.Can(auth.PermObservableRead) }

// CanClusters tells whether the viewer may list clusters (shows the menu).
func (p page) CanClusters() bool { return p.Principal != nil && p.Principal.Can(auth.PermClusterRead) }

// PrefList names the first three prefectures in the page's language and
// counts the rest.
func (p page) PrefList(codes []string) string {
	const shown = 3
	names := make([]string, 0, shown+1)
	for i, c := range codes {
		if i == shown {
			names = append(names, p.T("clusters.more_prefectures", "n", strconv.Itoa(len(codes)-shown)))
			break
		}
		names = append(names, p.PrefName(c))
	}
	if len(names) == 0 {
		return "—"
	}
	sep := ", "
	if p.Lang == "ja" {
		sep = "、"
	}
	return strings.Join(names, sep)
}

// Month formats a month of a timeline.
func (p page) Month(m correlate.Month) string {
	if p.Lang == "ja" {
		return m.Month.Format("2006年1月")
	}
	return m.Month.Format("Jan 2006")
}

// Bar is a timeline bar's width in percent of the busiest month.
func (p page) Bar(n, most int) int {
	if most == 0 {
		return 0
	}
	return max(1, n*100/most)
}

type observablePage struct {
	page
	V          *correlate.ObservableView
	Prev, Next string
	Busiest    int    // records in the busiest month, for the bars
	Reason     string // the access request being written, on a problem
	Owner      int64
	Request    *valueRequest // a request to a provider about the value; nil when none is offered
}

func (s *Server) observablePage(w http.ResponseWriter, r *http.Request) {
	value := r.PathValue("value")
	if value == "" {
		value = r.URL.Query().Get("value") // the query form, see observablePath
	}
	s.showObservable(w, r, observe.Type(r.PathValue("type")), value, http.StatusOK, nil, 0, "")
}

func (s *Server) showObservable(w http.ResponseWriter, r *http.Request, t observe.Type, value string, status int, problem error, owner int64, reason string) {
	p := observablePage{page: s.newPage(r, "observable.title"), Owner: owner, Reason: reason}
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	const size = 50
	v, err := s.Index.Lookup(r.Context(), *p.Principal, t, value, correlate.Page{Limit: size, Offset: (n - 1) * size})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.V, p.TitleText = v, p.Shown(v.Observable)
	for _, m := range v.Timeline {
		p.Busiest = max(p.Busiest, m.Visible+m.Hidden)
	}
	at, q := observablePath(v.Observable)
	p.Prev, p.Next = pageLinks(at, q, n, size, v.VisibleTotal)
	if p.CanTakedown() {
		p.Request = requestAbout(v.Observable, v.Visible)
	}
	if problem != nil {
		p.setProblems(problem)
	}
	s.render(w, r, status, "observable", p)
}

// accessRequest records a request to the owning organisation for the
// records of a value that the officer sees only as counts.
func (s *Server) accessRequest(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	pr, _ := principalFrom(r.Context())
	t, value, reason := observe.Type(r.FormValue("type")), r.FormValue("value"), r.FormValue("reason")
	owner, _ := strconv.ParseInt(r.FormValue("owner"), 10, 64)
	norm, err := observe.Normalize(t, value)
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "observable.error.not_seen"))
		return
	}
	o := observe.Observable{Type: t, Value: norm}
	if _, err := s.Index.RequestAccess(r.Context(), pr, o, owner, reason); err != nil {
		if koban.ErrorCode(err) == koban.Invalid {
			s.showObservable(w, r, t, norm, guard.Status(koban.Invalid), err, owner, reason)
			return
		}
		s.fail(w, r, err)
		return
	}
	at, q := observablePath(o)
	q.Set("done", "access_requested")
	http.Redirect(w, r, at+"?"+q.Encode(), http.StatusSeeOther)
}

type graphPage struct {
	page
	Node    string
	Hops    int
	G       *correlate.Graph
	Data    string // the drawing as JSON, for the script
	Nodes   map[string]correlate.Node
	Next    string // the next page of the root's neighbours
	Reached int    // the deepest step the walk found links at
}

// graphDrawing is the graph as the script draws it: every label already in
// the reader's words, so that the script shows no code of koban's.
type graphDrawing struct {
	Root  string      `json:"root"`
	Hops  int         `json:"hops"`
	Nodes []drawnNode `json:"nodes"`
	Edges []drawnEdge `json:"edges"`
}

type drawnNode struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Kind  string `json:"kind"`
	Class string `json:"class"` // the node's look: kind, benign, common, root
	Depth int    `json:"depth"`
	Link  string `json:"link,omitempty"` // where a tap leads
}

type drawnEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Label names a node in words: a record by its receipt and category, a
// value by its type and as officers read it, the records the viewer may not
// see by their count.
func (p graphPage) Label(id string) string {
	n, ok := p.Nodes[id]
	if !ok {
		return id
	}
	switch n.Kind {
	case correlate.NodeHidden:
		return p.T("graph.hidden", "n", strconv.Itoa(n.Records))
	case correlate.NodeObservable:
		o := observe.Observable{Type: observe.Type(n.Type), Value: n.Label}
		return p.T("graph.value", "type", p.T("obs."+n.Type), "value", p.Shown(o))
	}
	category := p.T("graph.no_category")
	if key := "category." + n.Category + ".name"; n.Category != "" && n.Category != "unknown" && p.cats.Has(p.Lang, key) {
		category = p.T(key)
	}
	return p.T("graph.record", "receipt", n.Label, "category", category)
}

// Link is where a node's name leads in the table: a record's page, or a
// value's page.
func (p graphPage) Link(id string) string {
	n, ok := p.Nodes[id]
	if !ok || n.Kind == correlate.NodeHidden {
		return ""
	}
	if n.Kind == correlate.NodeRecord {
		k, _, _ := correlate.ParseRef(id)
		return p.RecordURL(k)
	}
	_, o, _ := correlate.ParseRef(id)
	return ObservableURL(o)
}

// drawing returns the graph for the script. A tap on a record opens its
// page; a tap on a value draws the graph around it.
func (p graphPage) drawing() graphDrawing {
	d := graphDrawing{Root: p.G.Root, Hops: p.G.Hops, Nodes: make([]drawnNode, 0, len(p.G.Nodes)), Edges: make([]drawnEdge, 0, len(p.G.Edges))}
	for _, n := range p.G.Nodes {
		dn := drawnNode{ID: n.ID, Label: p.Label(n.ID), Kind: n.Kind, Class: n.Kind, Depth: n.Depth}
		if n.More > 0 {
			dn.Label += p.T("graph.more_n", "n", strconv.Itoa(n.More))
		}
		switch n.Kind {
		case correlate.NodeRecord:
			dn.Link = p.Link(n.ID)
		case correlate.NodeObservable:
			dn.Link = GraphURL(n.ID) + "&hops=" + strconv.Itoa(p.Hops)
		}
		if len(n.Warnings) > 0 {
			dn.Class += " benign"
		}
		if n.Common {
			dn.Class += " common"
		}
		if n.ID == p.G.Root {
			dn.Class += " root"
		}
		d.Nodes = append(d.Nodes, dn)
	}
	for _, e := range p.G.Edges {
		d.Edges = append(d.Edges, drawnEdge{From: e.From, To: e.To})
	}
	return d
}

func (s *Server) graphPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := graphPage{page: s.newPage(r, "graph.title"), Node: strings.TrimSpace(q.Get("node"))}
	p.Hops, _ = strconv.Atoi(q.Get("hops"))
	if p.Hops == 0 {
		p.Hops = 2
	}
	p.Hops = min(max(p.Hops, 1), correlate.MaxHops)
	if p.Node == "" {
		s.render(w, r, http.StatusOK, "graph", p)
		return
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	g, err := s.Index.Graph(r.Context(), *p.Principal, p.Node, p.Hops, 0, offset)
	if koban.ErrorCode(err) == koban.Invalid {
		p.setProblems(err)
		s.render(w, r, guard.Status(koban.Invalid), "graph", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.G, p.Hops, p.Nodes = g, g.Hops, map[string]correlate.Node{}
	for _, n := range g.Nodes {
		p.Nodes[n.ID] = n
	}
	for _, e := range g.Edges {
		p.Reached = max(p.Reached, e.Depth)
	}
	if root := p.Nodes[g.Root]; root.More > 0 {
		p.Next = "/graph?" + url.Values{"node": {p.Node}, "hops": {strconv.Itoa(p.Hops)}, "offset": {strconv.Itoa(offset + 50)}}.Encode()
	}
	b, err := json.Marshal(p.drawing())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Data = string(b)
	s.render(w, r, http.StatusOK, "graph", p)
}

type clustersPage struct {
	page
	L          *correlate.ClusterList
	Prev, Next string
}

func (s *Server) clustersPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := clustersPage{page: s.newPage(r, "clusters.title")}
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	const size = 50
	l, err := s.Index.Clusters(r.Context(), *p.Principal, q.Get("order"), correlate.Page{Limit: size, Offset: (n - 1) * size})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.L = l
	p.Prev, p.Next = pageLinks("/clusters", url.Values{"order": {l.Order}}, n, size, l.Total)
	s.render(w, r, http.StatusOK, "clusters", p)
}

type clusterPage struct {
	page
	C          *correlate.ClusterView
	Prev, Next string
}

func (s *Server) clusterPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	p := clusterPage{page: s.newPage(r, "cluster.title")}
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	const size = 50
	c, err := s.Index.Cluster(r.Context(), *p.Principal, id, correlate.Page{Limit: size, Offset: (n - 1) * size})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.C = c
	p.Prev, p.Next = pageLinks("/clusters/"+strconv.FormatInt(id, 10), url.Values{}, n, size, c.MembersTotal)
	s.render(w, r, http.StatusOK, "cluster", p)
}
