// Package stats is koban's public statistics: counts of reports by month,
// law bucket, category and prefecture, with small counts suppressed so that
// no published number, and nothing that can be worked out from the
// published numbers, is a count of fewer than k reports (k ≥ 3, 10 by
// default: KOBAN_STATS_K).
//
// The suppression is pure (grid.go, tree.go, release.go: no database, no
// clock); service.go asks the store for a year's counts and keeps the
// release for a while.
//
// # What a release publishes
//
// A release covers one calendar year, in whole months (the current month
// is never shown: it is still filling). It holds three tables:
//
//   - Law: a grid of months × law buckets (the NPA annual report's three,
//     and "not yet categorised"), with each month's total, each bucket's
//     total and the grand total.
//   - Categories: the year's count of each category, under its law bucket
//     (a bucket is the sum of its categories; the buckets are the Law
//     grid's column totals, the same numbers).
//   - Areas: the year's count of each prefecture with at least k reports;
//     every other prefecture, and reports that named none, together as
//     "other" (grouped, not suppressed; see below).
//
// # The rule
//
// Primary suppression hides every number from 1 to k−1 (0 is shown: it
// describes nobody). Secondary suppression then hides more numbers, so that
// no hidden number can be recovered from the published ones:
//
// In a grid with totals, think of each row and each column (the totals row
// and column included) as a node, and of each hidden number as an edge
// between its row and its column. A hidden number can be recovered exactly
// when its edge is not on a cycle of hidden edges (a bridge): then the
// row and column equations pin it down, for the equations that could move
// it all lie on one side of the bridge. When every hidden edge lies on a
// cycle, adding 1 and taking 1 in turn along the cycle changes none of the
// published numbers (a cycle through a total adds where it would take, as
// the total moves with its cells); and since only numbers of at least 1
// are hidden, both directions stay at or above 0. So every hidden number
// has at least three values (v−1, v, v+1) consistent with everything
// published.
//
// The common rule "every row and column with a hidden number has at least
// two" is not enough: two cycles joined by one hidden number satisfy it,
// and that number is a bridge. grid_test.go has such a table.
//
// The secondary step closes bridges one at a time: for a bridge from row i
// to column j it adds the cheapest path from i to j through the other
// numbers (hidden ones free, zeros never used, a cell costing its count,
// a total far more, the grand total only when nothing else will do), which
// makes a cycle through the bridge. Adding edges never turns a cycle edge
// into a bridge, so each step leaves fewer bridges and the loop ends.
//
// A one-way table broken down by levels (Categories: all → buckets →
// categories) follows the same reasoning on a tree: a shown number must
// not have exactly one hidden part (it would be the shown number less the
// others), and a hidden number must have at least one hidden part (else it
// is the sum of its shown parts). Its top two levels are the Law grid's
// totals row, whose hidden pattern the grid already made safe, and the
// categories fill in below.
//
// Geography is grouped rather than suppressed: a prefecture is named only
// with at least k reports, the rest are "other", and when "other" would
// itself hold 1 to k−1 reports the smallest named prefecture joins it
// until it holds k or more. Every number in the areas table is then 0 or
// at least k, and nothing in it is hidden; when the year's total is hidden
// the whole table is.
//
// # Why the tables together are safe
//
// The three tables share numbers only through the Law grid's totals row:
// each bucket total is the sum of its categories, the grand total the sum
// of the areas. Any change of the grid's hidden numbers along a cycle
// moves some hidden bucket totals and perhaps the hidden grand total; each
// hidden bucket has a hidden category to absorb the change, and a hidden
// grand total hides the areas table. Reports can then be moved between
// months, categories and prefectures to match (a table with given row and
// column sums always has a non-negative solution), so every hidden number
// anywhere has two or more values consistent with every published number.
// release_test.go checks this for random data by building such a second
// data set for every hidden number and publishing it.
//
// # What is not covered
//
// Each release is safe on its own; releases are not checked against one
// another. The current year's release grows by one month at a time, and
// subtracting the previous month's release from it gives the newest
// month's count for each bucket, category and named prefecture, which the
// newest release may hide or not show at all. A month is published only
// once it is over, so this is one month's counts at a time; protecting a
// series of releases as one is left for later.
package stats
