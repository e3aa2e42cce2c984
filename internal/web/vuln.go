package web

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/vuln"
)

// The vulnerability room (ぜい弱性情報): the line's dashboard and the
// dictionary's search here; the inventory in vuln_assets.go, a record of
// the dictionary in vuln_record.go, the feeds in vuln_sources.go.

// CanVulns tells whether the officer reads the vulnerability room (shows
// the menu).
func (p page) CanVulns() bool {
	return p.vulns && p.Principal != nil && p.Principal.Can(auth.PermVulnRead)
}

// CanVulnManage tells whether the officer adds assets and moves findings.
func (p page) CanVulnManage() bool {
	return p.vulns && p.Principal != nil && p.Principal.Can(auth.PermVulnManage)
}

// CanVulnFeeds tells whether the officer chooses the feeds.
func (p page) CanVulnFeeds() bool {
	return p.vulns && p.Principal != nil && p.Principal.Can(auth.PermVulnFeeds)
}

// severities are CVSS ratings in the order the pages list them; NONE is a
// finding without a score.
var severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE"}

// Severity names a CVSS rating in the page's language.
func (p page) Severity(sev string) string {
	if sev == "" {
		sev = "NONE"
	}
	return p.T("vulns.severity." + strings.ToLower(sev))
}

// CVSS writes a score with one decimal, as CVSS does.
func (p page) CVSS(score float64) string { return strconv.FormatFloat(score, 'f', 1, 64) }

// EPSS writes a probability as a percentage with one decimal where it is
// small (0.4%), else whole.
func (p page) EPSS(f float64) string {
	if f < 0.1 {
		return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
	}
	return p.Percent(f)
}

// How says how a finding matched and how sure it is.
func (p page) How(f *vuln.Finding) string {
	how := p.T("vulns.how." + strings.ReplaceAll(f.How, "-", "_"))
	if f.Confidence == "" || f.Confidence == f.How {
		return how
	}
	return p.T("vulns.how_confidence", "how", how, "confidence", p.T("vulns.confidence."+f.Confidence))
}

// DueDay writes a finding's due date: KEV's is a day (UTC), the policy's a
// time, shown as its day in the configured zone.
func (p page) DueDay(f *vuln.Finding) string {
	if f.Due.IsZero() {
		return "—"
	}
	if f.KEV {
		return p.Day(f.Due)
	}
	y, m, d := f.Due.In(p.loc).Date()
	return p.Day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// Late tells whether an open finding is past its due date.
func (p page) Late(f *vuln.Finding) bool {
	return f.Status == vuln.Open && !f.Gone && !f.Due.IsZero() && f.Due.Before(p.now)
}

// StatusName names a finding's status.
func (p page) StatusName(st vuln.Status) string { return p.T("vulns.status." + string(st)) }

// KindName names a source's kind.
func (p page) KindName(k vuln.Kind) string { return p.T("vulns.kind." + string(k)) }

// ExposureName names an asset's exposure ("" is not known).
func (p page) ExposureName(e vuln.Exposure) string {
	if e == "" {
		return p.T("vulns.exposure.unknown")
	}
	return p.T("vulns.exposure." + string(e))
}

// vulnsPage is the dashboard of the officer's line.
type vulnsPage struct {
	page
	O        *vuln.Overview
	Sev      []statRow
	SevChart template.HTML
	Ages     []statRow
	AgeChart template.HTML
	Open     int
	Top      findingsTable
}

func (s *Server) vulns(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	o, err := s.Vuln.Overview(r.Context(), pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := vulnsPage{page: s.newPage(r, "vulns.title"), O: o}
	num := func(n int) string { return p.Num(n) }
	var bars []bar
	for _, sev := range severities {
		n := o.Counts.BySeverity[sev]
		p.Open += n
		label := p.Severity(sev)
		p.Sev = append(p.Sev, statRow{Label: label, Cell: statCell{N: n}})
		bars = append(bars, bar{Label: label, N: n})
	}
	p.SevChart = chart{ID: "chart-severity", Title: p.T("vulns.chart.severity_title"), Desc: p.T("vulns.chart.severity_desc"),
		Bars: bars, Number: num}.Rows()
	bars = nil
	for i, n := range o.Counts.ByAge {
		label := p.T("vulns.age." + strconv.Itoa(i))
		p.Ages = append(p.Ages, statRow{Label: label, Cell: statCell{N: n}})
		bars = append(bars, bar{Label: label, N: n})
	}
	p.AgeChart = chart{ID: "chart-age", Title: p.T("vulns.chart.age_title"), Desc: p.T("vulns.chart.age_desc"),
		Bars: bars, Number: num}.Rows()
	p.Top = findingsTable{P: p.page, ID: "top-findings", Caption: p.T("vulns.top.caption"), Rows: o.Top, CVE: true, Asset: true}
	s.render(w, r, http.StatusOK, "vulns", p)
}

// MedianFix writes the median time to fix in days, or a dash.
func (p vulnsPage) MedianFix() string {
	d := p.O.Counts.MedianFix
	if d <= 0 {
		return "—"
	}
	return p.T("vulns.days", "n", strconv.FormatFloat(d.Hours()/24, 'f', 1, 64))
}

// vulnSearchPage lists the dictionary's records that match a query.
type vulnSearchPage struct {
	page
	Q    string
	Rows []*vuln.Record
}

func (s *Server) vulnSearch(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	p := vulnSearchPage{page: s.newPage(r, "vulns.search.title"), Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	var err error
	if p.Rows, err = s.Vuln.Search(r.Context(), pr, p.Q); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "vuln_search", p)
}

// findingsTable is the dot of the "vulnfindings" partial: findings with
// their CVE, asset, priority and status, and on an asset's page a form per
// finding to move its status.
type findingsTable struct {
	P       page
	ID      string // the table's id
	Caption string
	Rows    []*vuln.Finding
	CVE     bool // a column naming each finding's vulnerability
	Asset   bool // a column naming each finding's asset
	Forms   bool // a status form per finding
	// For is the finding whose status form came back refused, with the
	// status chosen, the note typed and the problem.
	For           int64
	Status        vuln.Status
	Note, Problem string
}

// statusForm is the dot of the "vulnstatusform" partial.
type statusForm struct {
	P             page
	F             *vuln.Finding
	Statuses      []vuln.Status
	Chosen        vuln.Status // the status selected
	Note, Problem string
}

func statusFormOf(t findingsTable, f *vuln.Finding) statusForm {
	sf := statusForm{P: t.P, F: f, Statuses: vuln.Statuses(), Chosen: f.Status}
	if f.ID == t.For {
		sf.Note, sf.Problem = t.Note, t.Problem
		if slices.Contains(sf.Statuses, t.Status) {
			sf.Chosen = t.Status
		}
	}
	return sf
}

// SourceRows are the sources the dashboard lists.
func (p vulnsPage) SourceRows() []*vuln.Source { return p.O.Sources }

// Query is the search box's text (none on the dashboard).
func (p vulnsPage) Query() string { return "" }

// Query is the search box's text.
func (p vulnSearchPage) Query() string { return p.Q }

// Short cuts a description to its first 200 characters.
func (p vulnSearchPage) Short(s string) string {
	r := []rune(s)
	if len(r) <= 200 {
		return s
	}
	return string(r[:200]) + "…"
}
