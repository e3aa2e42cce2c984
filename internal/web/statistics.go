package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/stats"
	"github.com/koban-project/koban/internal/taxonomy"
)

// statCell is one number of the statistics as published: a count, or
// hidden (and then no count reaches the page).
type statCell struct {
	N      int
	Hidden bool
}

func cellOf(n int, hidden bool) statCell {
	if hidden {
		return statCell{Hidden: true}
	}
	return statCell{N: n}
}

// statRow is one row of a one-way table; Sub marks a subtotal (a law
// bucket above its categories).
type statRow struct {
	Label string
	Cell  statCell
	Sub   bool
}

// lawRow is one month of the law grid, or its totals row.
type lawRow struct {
	Label string
	Cells []statCell
	Total statCell
}

// statisticsPage is the public statistics of one year.
type statisticsPage struct {
	page
	Year, K      int
	Period       string
	Made         time.Time
	Prev, Next   int // years to link to, 0 for none
	Months       []statRow
	MonthsChart  template.HTML
	Buckets      []string // the law grid's column heads
	Law          []lawRow
	LawChart     template.HTML
	Categories   []statRow
	CatChart     template.HTML
	Areas        []statRow
	AreaChart    template.HTML
	AreasHidden  bool
	CSVColumns   []string
	CSVFileName  string
	HasAnyMonths bool
}

// Count writes a published number: the count, or the hidden mark with
// words for screen readers.
func (p statisticsPage) Count(c statCell) template.HTML {
	if c.Hidden {
		return template.HTML(esc(p.T("stats.hidden_mark")) + `<span class="sr-only">` + esc(p.T("stats.hidden_sr")) + `</span>`)
	}
	return template.HTML(esc(p.Num(c.N)))
}

// MonthLabel names a month in the page's language (in the configured zone).
func (p page) MonthLabel(t time.Time) string {
	t = t.In(p.loc)
	return p.T("stats.month", "year", strconv.Itoa(t.Year()), "month", p.monthName(t))
}

// shortMonth is a month's label under its bar.
func (p page) shortMonth(t time.Time) string {
	return p.T("stats.month_short", "month", p.monthName(t.In(p.loc)))
}

// monthName is a month as the catalogs' month patterns take it: its number
// in Japanese (3月), its short name in English (Mar).
func (p page) monthName(t time.Time) string {
	if p.Lang == "ja" {
		return strconv.Itoa(int(t.Month()))
	}
	return t.Format("Jan")
}

// bucketName names a law bucket; categoryName a category ("" is not yet
// categorised); areaName a prefecture or "other".
func (p page) bucketName(b string) string { return p.T(taxonomy.LawBucket(b).Key()) }

func (p page) categoryName(code string) string {
	if code == "" {
		return p.T(stats.Unclassified.Key())
	}
	return p.T(taxonomy.Code(code).NameKey())
}

func (p page) areaName(code string, k int) string {
	if code == stats.Other {
		return p.T("stats.area.other", "k", strconv.Itoa(k))
	}
	return p.PrefName(code)
}

// statsYear reads ?year= (the latest year when absent) and returns its
// release, or answers the request itself (404 for a year koban does not
// publish).
func (s *Server) statsYear(w http.ResponseWriter, r *http.Request) (*stats.Published, bool) {
	year := s.Stats.Latest()
	if v := r.URL.Query().Get("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
			return nil, false
		}
		year = n
	}
	pub, err := s.Stats.Year(r.Context(), year)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return pub, true
}

// statistics is the public statistics page: charts drawn on the server,
// each with its numbers in a table beside it, and the CSV's description.
func (s *Server) statistics(w http.ResponseWriter, r *http.Request) {
	pub, ok := s.statsYear(w, r)
	if !ok {
		return
	}
	p := statisticsPage{page: s.newPage(r, "stats.title"), Year: pub.Year, K: pub.K, Made: pub.Made,
		CSVColumns:  csvColumns,
		CSVFileName: csvName(pub.Year)}
	if pub.Year > stats.FirstYear {
		p.Prev = pub.Year - 1
	}
	if pub.Year < s.Stats.Latest() {
		p.Next = pub.Year + 1
	}
	p.Period = p.period(pub)
	g := pub.Law
	num := func(n int) string { return p.Num(n) }
	hiddenMark := p.T("stats.hidden_mark")

	// Months: each month's total, the law grid's last column.
	var bars []bar
	for i, m := range pub.Months {
		n, shown := g.Shown(i, g.Cols)
		p.Months = append(p.Months, statRow{Label: p.MonthLabel(m), Cell: cellOf(n, !shown)})
		bars = append(bars, bar{Label: p.shortMonth(m), N: n, Hidden: !shown})
	}
	n, shown := g.Shown(g.Rows, g.Cols)
	p.Months = append(p.Months, statRow{Label: p.T("stats.total"), Cell: cellOf(n, !shown), Sub: true})
	p.HasAnyMonths = len(pub.Months) > 0
	p.MonthsChart = chart{ID: "chart-months", Title: p.T("stats.months.chart_title", "period", p.Period),
		Desc: p.T("stats.months.chart_desc"), Hidden: hiddenMark, Bars: bars, Number: num}.Columns()

	// The law grid, and its totals row as a chart.
	for _, b := range stats.Buckets {
		p.Buckets = append(p.Buckets, p.bucketName(string(b)))
	}
	for i := 0; i <= g.Rows; i++ {
		row := lawRow{Label: p.T("stats.total")}
		if i < g.Rows {
			row.Label = p.MonthLabel(pub.Months[i])
		}
		for j := 0; j <= g.Cols; j++ {
			n, shown := g.Shown(i, j)
			if j == g.Cols {
				row.Total = cellOf(n, !shown)
			} else {
				row.Cells = append(row.Cells, cellOf(n, !shown))
			}
		}
		p.Law = append(p.Law, row)
	}
	bars = nil
	for j, b := range stats.Buckets {
		n, shown := g.Shown(g.Rows, j)
		bars = append(bars, bar{Label: p.bucketName(string(b)), N: n, Hidden: !shown})
	}
	p.LawChart = chart{ID: "chart-law", Title: p.T("stats.law.chart_title", "period", p.Period),
		Desc: p.T("stats.law.chart_desc"), Hidden: hiddenMark, Bars: bars, Number: num}.Rows()

	// Categories under their buckets.
	bars = nil
	for _, b := range pub.Categories.Children {
		n, shown := b.Shown()
		p.Categories = append(p.Categories, statRow{Label: p.bucketName(b.Key), Cell: cellOf(n, !shown), Sub: true})
		for _, c := range b.Children {
			n, shown := c.Shown()
			p.Categories = append(p.Categories, statRow{Label: p.categoryName(c.Key), Cell: cellOf(n, !shown)})
			bars = append(bars, bar{Label: p.categoryName(c.Key), N: n, Hidden: !shown})
		}
	}
	p.CatChart = chart{ID: "chart-categories", Title: p.T("stats.category.chart_title", "period", p.Period),
		Desc: p.T("stats.category.chart_desc"), Hidden: hiddenMark, Bars: bars, Number: num}.Rows()

	// Prefectures with k reports or more, then the rest.
	p.AreasHidden = pub.AreasHidden
	bars = nil
	for _, a := range pub.Areas {
		p.Areas = append(p.Areas, statRow{Label: p.areaName(a.Code, pub.K), Cell: statCell{N: a.N}})
		bars = append(bars, bar{Label: p.areaName(a.Code, pub.K), N: a.N})
	}
	if !p.AreasHidden {
		p.AreaChart = chart{ID: "chart-areas", Title: p.T("stats.area.chart_title", "period", p.Period),
			Desc: p.T("stats.area.chart_desc", "k", strconv.Itoa(pub.K)), Hidden: hiddenMark, Bars: bars, Number: num}.Rows()
	}

	body, err := s.execute("statistics", p)
	if err != nil {
		s.fail(w, r, koban.Wrap(err, "render statistics"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", p.Lang)
	h.Set("Vary", "Accept-Language, Cookie")
	serveCacheable(w, r, body)
}

// period names the months of a release: 2026年1月〜3月, January to March 2026.
func (p page) period(pub *stats.Published) string {
	if len(pub.Months) == 0 {
		return strconv.Itoa(pub.Year)
	}
	from, to := pub.Months[0].In(p.loc), pub.Months[len(pub.Months)-1].In(p.loc)
	name := func(t time.Time) string {
		if p.Lang == "ja" {
			return strconv.Itoa(int(t.Month()))
		}
		return t.Month().String()
	}
	key := "stats.period"
	if from.Month() == to.Month() {
		key = "stats.period_one"
	}
	return p.T(key, "year", strconv.Itoa(pub.Year), "from", name(from), "to", name(to))
}

// csvColumns are the CSV's columns, in order; the page describes each
// (stats.csv.col.<name>), and so does docs/statistics.md.
var csvColumns = []string{"year", "month", "dimension", "code", "name_ja", "name_en", "reports", "hidden"}

func csvName(year int) string { return "koban-statistics-" + strconv.Itoa(year) + ".csv" }

// statisticsCSV is the same release as open data: one published number a
// line, names in both languages, a hidden number an empty count with
// hidden=true. UTF-8 without a byte-order mark; the columns are described
// on the page and in docs/statistics.md.
func (s *Server) statisticsCSV(w http.ResponseWriter, r *http.Request) {
	pub, ok := s.statsYear(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(csvColumns)
	year := strconv.Itoa(pub.Year)
	names := func(key string, pairs ...string) (string, string) {
		return s.Catalogs.T("ja", key, pairs...), s.Catalogs.T("en", key, pairs...)
	}
	line := func(month, dim, code, ja, en string, n int, hidden bool) {
		count := strconv.Itoa(n)
		if hidden {
			count = ""
		}
		cw.Write([]string{year, month, dim, code, ja, en, count, strconv.FormatBool(hidden)})
	}
	g := pub.Law
	ja, en := names("stats.total")
	n, shown := g.Shown(g.Rows, g.Cols)
	line("", "total", "", ja, en, n, !shown)
	for i, m := range pub.Months {
		month := m.In(s.Location).Format("2006-01")
		n, shown := g.Shown(i, g.Cols)
		line(month, "total", "", ja, en, n, !shown)
	}
	for i, m := range pub.Months {
		month := m.In(s.Location).Format("2006-01")
		for j, b := range stats.Buckets {
			ja, en := names(b.Key())
			n, shown := g.Shown(i, j)
			line(month, "law_bucket", string(b), ja, en, n, !shown)
		}
	}
	for _, b := range pub.Categories.Children {
		ja, en := names(taxonomy.LawBucket(b.Key).Key())
		n, shown := b.Shown()
		line("", "law_bucket", b.Key, ja, en, n, !shown)
	}
	for _, b := range pub.Categories.Children {
		for _, c := range b.Children {
			code, key := c.Key, taxonomy.Code(c.Key).NameKey()
			if code == "" {
				code, key = string(stats.Unclassified), stats.Unclassified.Key()
			}
			ja, en := names(key)
			n, shown := c.Shown()
			line("", "category", code, ja, en, n, !shown)
		}
	}
	if !pub.AreasHidden {
		k := strconv.Itoa(pub.K)
		for _, a := range pub.Areas {
			ja, en := names("stats.area.other", "k", k)
			if pr, ok := org.PrefectureByCode(a.Code); ok {
				ja, en = pr.NameJA, pr.NameEN
			}
			line("", "prefecture", a.Code, ja, en, a.N, false)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.fail(w, r, koban.Wrap(err, "write statistics CSV"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8; header=present")
	h.Set("Content-Disposition", `attachment; filename="`+csvName(pub.Year)+`"`)
	// Open data: other sites' pages may read it.
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	serveCacheable(w, r, buf.Bytes())
}

// serveCacheable sends a body that any cache may keep for as long as the
// release is kept, with an ETag so that a revalidation costs no body.
func serveCacheable(w http.ResponseWriter, r *http.Request, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(stats.Keep/time.Second)))
	h.Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && (strings.Contains(match, etag) || match == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(body)
}
