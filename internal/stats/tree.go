package stats

import "fmt"

// Node is a number of a one-way table broken down by levels: the numbers
// of its Children add up to it.
type Node struct {
	Key     string // a law bucket or a category code; "" for the whole
	N       int
	Hidden  bool
	Primary bool // hidden for being from 1 to k−1
	// Fixed says whether the number is hidden was decided elsewhere (the
	// Law grid's totals, which are the same numbers); the tree keeps it.
	Fixed    bool
	Children []*Node
}

// Shown reports whether the node's number is published, and it.
func (n *Node) Shown() (int, bool) { return n.N, !n.Hidden }

// ProtectTree hides every number from 1 to k−1 that is not fixed, then
// hides more parts until no shown number has exactly one hidden part (that
// part would be the number less the others) and every hidden number has at
// least one hidden part (else it is the sum of its parts). Only numbers of
// at least 1 are hidden. It fails when a fixed number breaks the rule and
// no free part can mend it: the caller then publishes nothing.
func ProtectTree(root *Node, k int) error {
	var primary func(n *Node)
	primary = func(n *Node) {
		if !n.Fixed && n.N > 0 && n.N < k {
			n.Hidden, n.Primary = true, true
		}
		for _, c := range n.Children {
			primary(c)
		}
	}
	primary(root)
	for {
		changed, err := mend(root)
		if err != nil || !changed {
			return err
		}
	}
}

// mend applies the rule to n and then to its parts, whole before parts:
// a part's state is settled by its whole before its own parts are looked
// at, so that a part hidden late does not leave its parts over-hidden. It
// reports whether it hid anything.
func mend(n *Node) (bool, error) {
	changed := false
	hidden := 0
	var only *Node
	for _, c := range n.Children {
		if c.Hidden {
			hidden++
			only = c
		}
	}
	if len(n.Children) > 0 && (n.Hidden && hidden == 0 || !n.Hidden && hidden == 1) {
		c := cheapestPart(n, only)
		if c == nil {
			return false, fmt.Errorf("stats: %q has no part that can be hidden with it", n.Key)
		}
		c.Hidden, changed = true, true
	}
	for _, c := range n.Children {
		ch, err := mend(c)
		if err != nil {
			return false, err
		}
		changed = changed || ch
	}
	return changed, nil
}

// cheapestPart is the smallest part of n above 0, not fixed and not
// already hidden (nor but), first in order among equals.
func cheapestPart(n, but *Node) *Node {
	var best *Node
	for _, c := range n.Children {
		if c == but || c.Hidden || c.Fixed || c.N == 0 {
			continue
		}
		if best == nil || c.N < best.N {
			best = c
		}
	}
	return best
}
