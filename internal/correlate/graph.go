package correlate

import (
	"context"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

// Node kinds of the link graph.
const (
	NodeRecord     = "record"     // a record the viewer sees
	NodeObservable = "observable" // a value
	NodeHidden     = "hidden"     // the records of a value the viewer may not see, as one count
)

// Node is one node of the link graph. A hidden node carries a count and
// nothing that names a record.
type Node struct {
	ID       string   `json:"id"` // "report:42", "phone:+819012345678", "hidden:phone:+819012345678"
	Kind     string   `json:"kind"`
	Type     string   `json:"type"`               // record or observable type
	Label    string   `json:"label"`              // receipt, or the value
	Category string   `json:"category,omitempty"` // a record's category code
	Records  int      `json:"records"`            // a value's records nationally; a hidden node's count
	Warnings []string `json:"warnings,omitempty"`
	Common   bool     `json:"common,omitempty"`
	Depth    int      `json:"depth"`
	More     int      `json:"more,omitempty"` // neighbours left out by the per-node limit
}

// Edge joins a record to a value it holds (or a value to its hidden records).
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Depth is the step of the walk that followed the link: 1 for the
	// links of the root, 2 for those of its neighbours, and so on. The
	// deeper of the two ends was reached by it.
	Depth int `json:"depth"`
}

// Graph is the link graph around one node.
type Graph struct {
	Root      string `json:"root"`
	Nodes     []Node `json:"nodes"`
	Edges     []Edge `json:"edges"`
	Hops      int    `json:"hops"`
	Limit     int    `json:"limit"`
	Offset    int    `json:"offset"`
	Truncated bool   `json:"truncated"` // the node limit stopped the walk
}

// Graph limits: hops and nodes asked for are brought within these.
const (
	MaxHops      = 4
	MaxNodes     = 2000
	defaultNodes = 200
	perNode      = 50 // neighbours of one node per page
)

// Graph walks the index from root for up to hops steps: a record to the values it holds, a value
// to the records holding it. Records the viewer may not see become one
// hidden node per value with their count; benign and common values are
// shown but not walked through. offset pages through the root's
// neighbours.
func (s *Service) Graph(ctx context.Context, p auth.Principal, root string, hops, limit, offset int) (*Graph, error) {
	if !p.Can(auth.PermObservableRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	key, obs, err := s.resolve(ctx, root)
	if err != nil {
		return nil, err
	}
	hops = min(max(hops, 1), MaxHops)
	if limit <= 0 {
		limit = defaultNodes
	}
	limit, offset = min(limit, MaxNodes), max(offset, 0)
	w := &walk{s: s, p: p, g: &Graph{Hops: hops, Limit: limit, Offset: offset}, seen: map[string]bool{}, linked: map[[2]string]bool{}}
	if key.ID != 0 {
		var rec Occurrence
		if rec, err = s.record(ctx, p, key); err != nil {
			return nil, err
		}
		w.g.Root = w.addRecord(rec, 0)
	} else {
		var v Value
		if v, err = s.store.Value(ctx, obs); err != nil {
			return nil, err
		}
		w.g.Root = w.addValue(v, 0)
	}
	if err := w.run(ctx); err != nil {
		return nil, err
	}
	err = s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "graph.view", ObjectType: "graph", ObjectID: w.g.Root,
		Detail: map[string]any{"hops": hops, "nodes": len(w.g.Nodes)}})
	return w.g, err
}

// resolve reads the root of a graph as officers write it: "report:42" or
// "phone:090-…" (a node reference, any spelling of the value), a record's
// label (a receipt number, "E7QG-2AZG-F", in any spelling its check
// accepts), or a bare value whose type can be recognised ("090-1234-5678",
// a URL, an e-mail address). Text that is none of these, or holds more
// than one value, is a field error; a label of a record the viewer may not
// see is left to the caller's access check, which answers NotFound.
func (s *Service) resolve(ctx context.Context, root string) (Key, observe.Observable, error) {
	root = strings.TrimSpace(root)
	if key, obs, ok := ParseRef(root); ok {
		return key, obs, nil
	}
	// A well-formed receipt that names no record is NotFound, exactly like
	// one of a record the viewer may not see.
	key, err := s.store.RecordByLabel(ctx, root)
	if koban.ErrorCode(err) != koban.Invalid {
		return key, observe.Observable{}, err
	}
	if o, ok := oneValue(root); ok {
		return Key{}, o, nil
	}
	return Key{}, observe.Observable{}, koban.FieldError("node", "graph.error.node")
}

// oneValue returns the value text is, when it is one: the value found in
// it that holds every other value found (a URL holds its domain, an e-mail
// address its domain), so that two separate values are refused rather
// than one of them picked.
func oneValue(text string) (observe.Observable, bool) {
	found := observe.Extract(text)
	for _, c := range found {
		whole := true
		for _, o := range found {
			if !strings.Contains(strings.ToLower(c.Value), strings.ToLower(o.Value)) {
				whole = false
				break
			}
		}
		if whole {
			return c, true
		}
	}
	return observe.Observable{}, false
}

// walk is one breadth-first walk of the graph.
type walk struct {
	s      *Service
	p      auth.Principal
	g      *Graph
	seen   map[string]bool
	linked map[[2]string]bool
	queue  []pending
}

type pending struct {
	id    string
	key   Key   // a record to expand
	value Value // or a value
	depth int
}

func (w *walk) full() bool {
	if len(w.g.Nodes) >= w.g.Limit {
		w.g.Truncated = true
		return true
	}
	return false
}

func recordID(k Key) string { return string(k.Type) + ":" + strconv.FormatInt(k.ID, 10) }

func valueID(o observe.Observable) string { return string(o.Type) + ":" + o.Value }

func (w *walk) addRecord(r Occurrence, depth int) string {
	id := recordID(r.Key)
	if !w.seen[id] {
		w.seen[id] = true
		w.g.Nodes = append(w.g.Nodes, Node{ID: id, Kind: NodeRecord, Type: string(r.Type), Label: r.Label, Category: r.Category, Depth: depth})
		w.queue = append(w.queue, pending{id: id, key: r.Key, depth: depth})
	}
	return id
}

func (w *walk) addValue(v Value, depth int) string {
	id := valueID(v.Observable)
	if !w.seen[id] {
		w.seen[id] = true
		pol := w.s.policy()
		n := Node{ID: id, Kind: NodeObservable, Type: string(v.Type), Label: v.Observable.Value, Records: v.Records,
			Warnings: pol.Warnings(v.Observable), Common: pol.Common(v.Records), Depth: depth}
		w.g.Nodes = append(w.g.Nodes, n)
		if len(n.Warnings) == 0 && !n.Common {
			w.queue = append(w.queue, pending{id: id, value: v, depth: depth})
		}
	}
	return id
}

// edge links a record (or a hidden count) to a value, once: the walk meets
// each link from both of its ends, first at the shallower step.
func (w *walk) edge(from, to string, depth int) {
	k := [2]string{from, to}
	if !w.linked[k] {
		w.linked[k] = true
		w.g.Edges = append(w.g.Edges, Edge{From: from, To: to, Depth: depth})
	}
}

// run expands the queue until the hops or the node limit are reached.
func (w *walk) run(ctx context.Context) error {
	for len(w.queue) > 0 && !w.full() {
		n := w.queue[0]
		w.queue = w.queue[1:]
		if n.depth >= w.g.Hops {
			continue
		}
		offset := 0
		if n.id == w.g.Root {
			offset = w.g.Offset
		}
		var err error
		if n.key.ID != 0 {
			err = w.expandRecord(ctx, n, offset)
		} else {
			err = w.expandValue(ctx, n, offset)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *walk) expandRecord(ctx context.Context, n pending, offset int) error {
	values, err := w.s.store.ValuesOf(ctx, n.key)
	if err != nil {
		return err
	}
	shown := 0
	for i, v := range values {
		if i < offset {
			continue
		}
		if shown == perNode || w.full() {
			w.setMore(n.id, len(values)-i)
			return nil
		}
		w.edge(n.id, w.addValue(v, n.depth+1), n.depth+1) // record → value
		shown++
	}
	return nil
}

func (w *walk) expandValue(ctx context.Context, n pending, offset int) error {
	occ, total, err := w.s.store.Occurrences(ctx, n.value.ID, w.s.visible(w.p), perNode, offset)
	if err != nil {
		return err
	}
	for i, o := range occ {
		if w.full() {
			w.setMore(n.id, total-offset-i)
			return nil
		}
		w.edge(w.addRecord(o, n.depth+1), n.id, n.depth+1)
	}
	if rest := total - offset - len(occ); rest > 0 {
		w.setMore(n.id, rest)
	}
	if hidden := n.value.Records - total; hidden > 0 && !w.full() {
		id := NodeHidden + ":" + n.id
		w.g.Nodes = append(w.g.Nodes, Node{ID: id, Kind: NodeHidden, Type: string(n.value.Type), Records: hidden, Depth: n.depth + 1})
		w.edge(id, n.id, n.depth+1)
	}
	return nil
}

func (w *walk) setMore(id string, more int) {
	for i := range w.g.Nodes {
		if w.g.Nodes[i].ID == id {
			w.g.Nodes[i].More = more
		}
	}
}
