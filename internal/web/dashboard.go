package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/dashboard"
	"github.com/koban-project/koban/internal/takedown"
)

// CanDashboard tells whether the viewer reads their line's dashboard
// (shows the menu; the page asks the access decision itself).
func (p page) CanDashboard() bool {
	return p.Principal != nil && p.Principal.Can(auth.PermDashboardRead)
}

// dashboardPage is a supervisor's view of their line.
type dashboardPage struct {
	page
	V        *dashboard.View
	Days     []statRow
	DayChart template.HTML
	Ages     []statRow
	AgeChart template.HTML
	Today    int    // reports so far today
	Baseline string // the IHC's removal rate, to read the line's against
}

// DayLabel names a day: 1月12日, 12 Jan.
func (p page) DayLabel(t time.Time) string {
	t = t.In(p.loc)
	return p.T("dashboard.day", "month", p.monthName(t), "day", strconv.Itoa(t.Day()))
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	v, err := s.Dashboard.View(r.Context(), pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := dashboardPage{page: s.newPage(r, "dashboard.title"), V: v}
	p.Baseline = p.Percent(takedown.IHCBaselineLow) + "–" + p.Percent(takedown.IHCBaselineHigh)
	num := func(n int) string { return p.Num(n) }
	var bars []bar
	for i, d := range v.Days {
		p.Days = append(p.Days, statRow{Label: p.DayLabel(d.Start), Cell: statCell{N: d.N}})
		label := ""
		if (len(v.Days)-1-i)%7 == 0 { // today, and each week back
			label = p.DayLabel(d.Start)
		}
		bars = append(bars, bar{Label: label, N: d.N})
		p.Today = d.N
	}
	p.DayChart = chart{ID: "chart-intake", Title: p.T("dashboard.intake.chart_title", "days", strconv.Itoa(dashboard.Days)),
		Desc: p.T("dashboard.intake.chart_desc"), Bars: bars, Number: num, Quiet: true}.Columns()
	bars = nil
	for i, n := range v.Cases {
		label := p.T("dashboard.age." + strconv.Itoa(i))
		p.Ages = append(p.Ages, statRow{Label: label, Cell: statCell{N: n}})
		bars = append(bars, bar{Label: label, N: n})
	}
	p.AgeChart = chart{ID: "chart-ages", Title: p.T("dashboard.cases.chart_title"), Desc: p.T("dashboard.cases.chart_desc"),
		Bars: bars, Number: num}.Rows()
	s.render(w, r, http.StatusOK, "dashboard", p)
}
