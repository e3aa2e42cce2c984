package stats

import "testing"

func leaf(key string, n int) *Node { return &Node{Key: key, N: n} }

func hiddenKeys(n *Node) []string {
	var out []string
	var walk func(n *Node)
	walk = func(n *Node) {
		if n.Hidden {
			out = append(out, n.Key)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func TestProtectTree(t *testing.T) {
	for _, c := range []struct {
		name string
		root *Node
		want []string
	}{
		{"nothing small", &Node{Key: "all", N: 50, Children: []*Node{leaf("a", 20), leaf("b", 30)}}, nil},
		{"one small part beside a shown whole: the next smallest goes too",
			&Node{Key: "all", N: 64, Children: []*Node{leaf("a", 2), leaf("b", 40), leaf("c", 22), leaf("d", 0)}}, []string{"a", "c"}},
		{"two small parts are enough on their own",
			&Node{Key: "all", N: 48, Children: []*Node{leaf("a", 2), leaf("b", 40), leaf("c", 6)}}, []string{"a", "c"}},
		{"a small whole hides a part",
			&Node{Key: "all", N: 5, Children: []*Node{leaf("a", 0), leaf("b", 5)}}, []string{"all", "b"}},
		{"a hidden middle level reaches down",
			&Node{Key: "all", N: 100, Children: []*Node{
				{Key: "x", N: 4, Children: []*Node{leaf("x1", 0), leaf("x2", 4)}},
				{Key: "y", N: 96, Children: []*Node{leaf("y1", 90), leaf("y2", 6)}},
			}}, []string{"x", "x2", "y", "y2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := ProtectTree(c.root, 10); err != nil {
				t.Fatal(err)
			}
			got := hiddenKeys(c.root)
			if len(got) != len(c.want) {
				t.Fatalf("hidden %v, want %v", got, c.want)
			}
			seen := map[string]bool{}
			for _, k := range got {
				seen[k] = true
			}
			for _, k := range c.want {
				if !seen[k] {
					t.Errorf("hidden %v, want %v", got, c.want)
				}
			}
		})
	}
}

func TestProtectTreeFixedBreaksRule(t *testing.T) {
	// The whole is shown and fixed, one fixed part is hidden, and the
	// other part is fixed and shown: nothing may be hidden to mend it.
	root := &Node{Key: "all", N: 30, Fixed: true, Children: []*Node{
		{Key: "a", N: 4, Fixed: true, Hidden: true},
		{Key: "b", N: 26, Fixed: true},
	}}
	if err := ProtectTree(root, 10); err == nil {
		t.Error("a rule no free part can mend must fail, not publish")
	}
}
