package web

import (
	"strings"

	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/observe"
)

// Canonical is a value's stored form, shown as a second line under Shown,
// or "" when Shown already holds it. Links and searches use the stored
// form; officers read Shown.
func (p page) Canonical(o observe.Observable) string {
	if strings.Contains(p.Shown(o), o.Value) {
		return ""
	}
	return o.Value
}

// shownGraph is g with each value's label as officers read it (Shown), for
// the drawing; the node ids keep the stored forms the links are made of.
func (p page) shownGraph(g *correlate.Graph) *correlate.Graph {
	c := *g
	c.Nodes = make([]correlate.Node, len(g.Nodes))
	for i, n := range g.Nodes {
		if n.Kind == correlate.NodeObservable {
			n.Label = p.Shown(observe.Observable{Type: observe.Type(n.Type), Value: n.Label})
		}
		c.Nodes[i] = n
	}
	return &c
}
