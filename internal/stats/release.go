package stats

import (
	"cmp"
	"slices"

	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/taxonomy"
)

// DefaultK is the smallest count published when KOBAN_STATS_K is not set.
const DefaultK = 10

// MinK is the smallest k koban accepts: with k = 2 every hidden number
// would be a 1, and a hidden 1 beside a shown total tells who is alone.
const MinK = 3

// Unclassified is the bucket of reports not yet given a category (and of a
// category the taxonomy does not know).
const Unclassified taxonomy.LawBucket = "unclassified"

// Buckets are the Law grid's columns: the NPA annual report's three, then
// the reports not yet categorised.
var Buckets = []taxonomy.LawBucket{taxonomy.LawUnauthorizedAccess, taxonomy.LawComputerCrime, taxonomy.LawOther, Unclassified}

// Other is the Code of the areas table's row for every prefecture not
// named, and for reports that named none.
const Other = "other"

// Count is the number of reports of one month, category and prefecture.
type Count struct {
	Month      int    // index into the release's months
	Category   string // taxonomy code; "" not yet categorised
	Prefecture string // JIS X 0401 code; "" when the reporter named none
	N          int
}

// Area is one row of the areas table: a prefecture (its JIS code) or Other.
type Area struct {
	Code string
	N    int
}

// Release is what is published for one period: see the package
// documentation for the three tables and why they are safe together.
type Release struct {
	K          int
	Months     int   // rows of Law
	Law        *Grid // months × Buckets, with totals
	Categories *Node // the whole → Buckets → categories (Unclassified holds one part, "")
	// Areas are the prefectures with k or more reports in code order, then
	// Other (always last, possibly 0). AreasHidden hides the whole table
	// (when the period's total is hidden).
	Areas       []Area
	AreasHidden bool
}

// Build protects the counts of a period of months with threshold k
// (at least MinK). An error means the tables could not be made safe, and
// nothing may be published; the property tests hold that it does not
// happen.
func Build(months int, counts []Count, k int) (*Release, error) {
	k = max(k, MinK)
	col := map[taxonomy.LawBucket]int{}
	for j, b := range Buckets {
		col[b] = j
	}
	cells := make([][]int, months)
	for i := range cells {
		cells[i] = make([]int, len(Buckets))
	}
	byCat := map[string]int{}
	byPref := map[string]int{}
	for _, c := range counts {
		if c.Month < 0 || c.Month >= months || c.N <= 0 {
			continue
		}
		code, b := categoryOf(c.Category)
		cells[c.Month][col[b]] += c.N
		byCat[code] += c.N
		pref := c.Prefecture
		if _, ok := org.PrefectureByCode(pref); !ok {
			pref = ""
		}
		byPref[pref] += c.N
	}
	r := &Release{K: k, Months: months, Law: NewGrid(cells, len(Buckets))}
	r.Law.Protect(k)

	g := r.Law
	r.Categories = &Node{N: g.N[g.Rows][g.Cols], Hidden: g.Hidden[g.Rows][g.Cols], Primary: g.Primary[g.Rows][g.Cols], Fixed: true}
	for j, b := range Buckets {
		bn := &Node{Key: string(b), N: g.N[g.Rows][j], Hidden: g.Hidden[g.Rows][j], Primary: g.Primary[g.Rows][j], Fixed: true}
		for _, code := range CategoriesOf(b) {
			bn.Children = append(bn.Children, &Node{Key: code, N: byCat[code]})
		}
		r.Categories.Children = append(r.Categories.Children, bn)
	}
	if err := ProtectTree(r.Categories, k); err != nil {
		return nil, err
	}
	r.Areas, r.AreasHidden = areas(byPref, g.N[g.Rows][g.Cols], g.Hidden[g.Rows][g.Cols], k)
	return r, nil
}

// categoryOf is the code a report counts under and its bucket.
func categoryOf(code string) (string, taxonomy.LawBucket) {
	if c, ok := taxonomy.Lookup(code); ok {
		return code, c.Law
	}
	return "", Unclassified
}

// CategoriesOf lists the category codes of a bucket in the taxonomy's
// order; Unclassified holds the one code "".
func CategoriesOf(b taxonomy.LawBucket) []string {
	if b == Unclassified {
		return []string{""}
	}
	var out []string
	for _, c := range taxonomy.All() {
		if c.Law == b {
			out = append(out, string(c.Code))
		}
	}
	return out
}

// areas groups the prefectures: those with k or more reports are named,
// the rest (and reports that named none) are Other; while Other holds 1 to
// k−1, the smallest named prefecture joins it. Every number left is 0 or at
// least k. A hidden total hides the table.
func areas(byPref map[string]int, total int, totalHidden bool, k int) ([]Area, bool) {
	if totalHidden {
		return nil, true
	}
	var named []Area
	for code, n := range byPref {
		if code != "" && n >= k {
			named = append(named, Area{Code: code, N: n})
		}
	}
	other := total
	for _, a := range named {
		other -= a.N
	}
	for other > 0 && other < k && len(named) > 0 {
		// The smallest, the highest code among equals, so that the order
		// does not depend on the map's.
		i := 0
		for j, a := range named {
			if a.N < named[i].N || a.N == named[i].N && a.Code > named[i].Code {
				i = j
			}
		}
		other += named[i].N
		named = slices.Delete(named, i, i+1)
	}
	if other > 0 && other < k {
		return nil, true // only when the total itself is below k, and then it is hidden
	}
	slices.SortFunc(named, func(a, b Area) int { return cmp.Compare(a.Code, b.Code) })
	return append(named, Area{Code: Other, N: other}), false
}
