package stats

// Grid is a two-way table published with its totals. N[i][j] for i < Rows
// and j < Cols is a cell; N[i][Cols] is row i's total, N[Rows][j] column
// j's total and N[Rows][Cols] the grand total. Hidden marks the numbers
// that are not published; Primary those hidden for being small.
type Grid struct {
	Rows, Cols int
	N          [][]int
	Hidden     [][]bool
	Primary    [][]bool
}

// NewGrid returns the grid of cells (rows × cols, every row cols long) with
// its totals added and nothing hidden.
func NewGrid(cells [][]int, cols int) *Grid {
	g := &Grid{Rows: len(cells), Cols: cols}
	g.N = make([][]int, g.Rows+1)
	g.Hidden = make([][]bool, g.Rows+1)
	g.Primary = make([][]bool, g.Rows+1)
	for i := range g.N {
		g.N[i] = make([]int, cols+1)
		g.Hidden[i] = make([]bool, cols+1)
		g.Primary[i] = make([]bool, cols+1)
	}
	for i, row := range cells {
		for j := 0; j < cols; j++ {
			n := row[j]
			g.N[i][j] = n
			g.N[i][cols] += n
			g.N[g.Rows][j] += n
			g.N[g.Rows][cols] += n
		}
	}
	return g
}

// Shown reports whether the number at (i, j) is published, and it.
func (g *Grid) Shown(i, j int) (int, bool) { return g.N[i][j], !g.Hidden[i][j] }

// Protect hides every number from 1 to k−1, then closes every bridge of
// the hidden pattern (see the package documentation), so that each hidden
// number lies on a cycle of hidden numbers, all of them at least 1.
func (g *Grid) Protect(k int) {
	for i := 0; i <= g.Rows; i++ {
		for j := 0; j <= g.Cols; j++ {
			if n := g.N[i][j]; n > 0 && n < k {
				g.Hidden[i][j], g.Primary[i][j] = true, true
			}
		}
	}
	for {
		i, j, ok := g.Bridge()
		if !ok {
			return
		}
		g.close(i, j)
	}
}

// The graph of a grid: row i (the totals row included) is node i, column j
// node Rows+1+j; a number is the edge between its row and its column.

func (g *Grid) nodes() int { return g.Rows + g.Cols + 2 }

// ends returns the row and column of the edge between nodes a and b.
func (g *Grid) ends(a, b int) (int, int) {
	if a > b {
		a, b = b, a
	}
	return a, b - g.Rows - 1
}

// Bridge returns the first hidden number, in row order, that is not on a
// cycle of hidden numbers: one the published numbers pin down.
func (g *Grid) Bridge() (int, int, bool) {
	for i := 0; i <= g.Rows; i++ {
		for j := 0; j <= g.Cols; j++ {
			if g.Hidden[i][j] && !g.connected(i, g.Rows+1+j, i, j) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// connected reports whether nodes from and to are joined by hidden edges
// other than the one at (si, sj).
func (g *Grid) connected(from, to, si, sj int) bool {
	seen := make([]bool, g.nodes())
	seen[from] = true
	queue := []int{from}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		if a == to {
			return true
		}
		for b := range g.nodes() {
			if seen[b] || (a <= g.Rows) == (b <= g.Rows) {
				continue
			}
			i, j := g.ends(a, b)
			if !g.Hidden[i][j] || (i == si && j == sj) {
				continue
			}
			seen[b] = true
			queue = append(queue, b)
		}
	}
	return false
}

// Costs of hiding a number of a grid: a cell its count, a total far more
// (the month's and the bucket's totals are what readers look at first),
// the grand total only when nothing else closes the cycle.
const (
	costTotal = int64(1) << 30
	costGrand = int64(1) << 50
)

func (g *Grid) cost(i, j int) int64 {
	n := int64(g.N[i][j]) + 1
	switch {
	case i == g.Rows && j == g.Cols:
		return costGrand + n
	case i == g.Rows || j == g.Cols:
		return costTotal + n
	}
	return n
}

// close hides the cheapest path from row i to column j that does not use
// (i, j) itself, making a cycle through it. Hidden numbers are free and
// zeros are never used. Such a path always exists for a number of at least
// 1: its row total, the grand total and its column total are all at least
// as large (for a total, one of its cells and the matching total serve).
func (g *Grid) close(si, sj int) {
	const inf = int64(1) << 62
	n := g.nodes()
	dist := make([]int64, n)
	prev := make([]int, n)
	done := make([]bool, n)
	for a := range dist {
		dist[a], prev[a] = inf, -1
	}
	from, to := si, g.Rows+1+sj
	dist[from] = 0
	for {
		a := -1
		for b := range n {
			if !done[b] && dist[b] < inf && (a < 0 || dist[b] < dist[a]) {
				a = b
			}
		}
		if a < 0 || a == to {
			break
		}
		done[a] = true
		for b := range n {
			if done[b] || (a <= g.Rows) == (b <= g.Rows) {
				continue
			}
			i, j := g.ends(a, b)
			if (i == si && j == sj) || (!g.Hidden[i][j] && g.N[i][j] == 0) {
				continue
			}
			w := int64(0)
			if !g.Hidden[i][j] {
				w = g.cost(i, j)
			}
			if d := dist[a] + w; d < dist[b] {
				dist[b], prev[b] = d, a
			}
		}
	}
	if dist[to] == inf {
		// Cannot happen for a number of at least 1 (see above). Hiding
		// every number above 0 leaves no bridge, so Protect ends all the
		// same: each is on a cycle with its totals and the grand total.
		for i := range g.N {
			for j := range g.N[i] {
				g.Hidden[i][j] = g.Hidden[i][j] || g.N[i][j] > 0
			}
		}
		return
	}
	for b := to; prev[b] >= 0; b = prev[b] {
		i, j := g.ends(prev[b], b)
		g.Hidden[i][j] = true
	}
}
