package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// bar is one bar of a chart: a label and a count, or a hidden count.
type bar struct {
	Label  string
	N      int
	Hidden bool
}

// chart is a bar chart drawn on the server as SVG: no script, no outside
// file, the same on every browser. It is an image with a title and a
// description (role img, aria-labelledby); the numbers themselves are in
// the table the page puts beside it, for screen readers and for copying.
// A hidden count has no bar and no length: it is marked "x", and the scale
// is that of the shown counts alone, so that nothing in the drawing gives
// it away.
type chart struct {
	ID          string // prefix of the ids of its title and description
	Title, Desc string
	Hidden      string // the mark of a hidden count ("x")
	Bars        []bar
	Number      func(int) string // how counts are written (thousands separated)
	// Quiet leaves the counts off upright bars (too many to label; the
	// table beside has them). A bar with an empty label has none.
	Quiet bool
}

// scale is the largest shown count, at least 1.
func (c chart) scale() int {
	m := 1
	for _, b := range c.Bars {
		if !b.Hidden {
			m = max(m, b.N)
		}
	}
	return m
}

func (c chart) open(w, h int) *strings.Builder {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" focusable="false">`, w, h, c.ID, c.ID)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, c.ID, esc(c.Title), c.ID, esc(c.Desc))
	return &b
}

// Columns draws the bars upright, labels below (months).
func (c chart) Columns() template.HTML {
	const w, plot, top, left, right = 480, 180, 26, 28, 28 // room for the first and last labels
	h := top + plot + 28
	b := c.open(w, h)
	n := max(len(c.Bars), 1)
	slot := float64(w-left-right) / float64(n)
	bw := slot * 0.7
	m := c.scale()
	base := top + plot
	fmt.Fprintf(b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, base, w-right, base)
	for i, br := range c.Bars {
		x := float64(left) + slot*float64(i)
		mid := x + slot/2
		if br.Hidden {
			fmt.Fprintf(b, `<text class="hidden-mark" x="%.1f" y="%d" text-anchor="middle">%s</text>`, mid, base-6, esc(c.Hidden))
		} else {
			bh := float64(plot) * float64(br.N) / float64(m)
			fmt.Fprintf(b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x+(slot-bw)/2, float64(base)-bh, bw, bh)
			if !c.Quiet {
				fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, mid, float64(base)-bh-5, esc(c.Number(br.N)))
			}
		}
		if br.Label != "" {
			fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, mid, base+20, esc(br.Label))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Rows draws the bars lying down, each under its label (categories,
// prefectures: their names are long).
func (c chart) Rows() template.HTML {
	const w, row, left, right = 480, 48, 2, 70
	h := row*len(c.Bars) + 8
	b := c.open(w, h)
	m := c.scale()
	span := float64(w - left - right)
	for i, br := range c.Bars {
		y := row*i + 18
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`, left, y, esc(br.Label))
		if br.Hidden {
			fmt.Fprintf(b, `<text class="hidden-mark" x="%d" y="%d">%s</text>`, left, y+22, esc(c.Hidden))
			continue
		}
		bl := span * float64(br.N) / float64(m)
		fmt.Fprintf(b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="16"/>`, left, y+6, bl)
		fmt.Fprintf(b, `<text x="%.1f" y="%d">%s</text>`, float64(left)+bl+6, y+21, esc(c.Number(br.N)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func esc(s string) string { return html.EscapeString(s) }
