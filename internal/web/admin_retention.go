package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/retention"
)

// adminRetentionPage shows administrators the retention policy in force
// and what the last runs deleted and pruned.
type adminRetentionPage struct {
	page
	Policy      retention.Policy
	Version     string
	Rules       []retentionRule
	Runs        []retention.Run
	Checkpoints []audit.Checkpoint
}

// retentionRule is one line of the policy as the page lists it.
type retentionRule struct {
	Key, From string // catalog keys of the record and of the moment it counts from
	Name      string // a kind or category code, when the rule is one
	Period    retention.Period
}

// PeriodText says a period in the page's language.
func (p adminRetentionPage) PeriodText(per retention.Period) string {
	if per.IsForever() {
		return p.T("retention.period.forever")
	}
	var parts []string
	for _, x := range []struct {
		n   int
		key string
	}{{per.Years, "retention.period.years"}, {per.Months, "retention.period.months"}, {per.Days, "retention.period.days"}} {
		if x.n > 0 {
			parts = append(parts, p.T(x.key, "n", strconv.Itoa(x.n)))
		}
	}
	return strings.Join(parts, p.T("retention.period.sep"))
}

// RunTypes lists the record types a run deleted, in a fixed order.
func (p adminRetentionPage) RunTypes(r retention.Run) []string {
	var out []string
	for _, t := range []string{retention.TypeCase, retention.TypeEvidence, retention.TypeReport, retention.TypeCapture} {
		if r.Deleted[t] > 0 {
			out = append(out, p.T("retention.type."+t)+" "+strconv.Itoa(r.Deleted[t]))
		}
	}
	return out
}

// adminRetention is /admin/retention, for administrators.
func (s *Server) adminRetention(w http.ResponseWriter, r *http.Request) {
	p := adminRetentionPage{page: s.newPage(r, "retention.title")}
	if !p.Principal.Can(auth.PermUserAdmin) || s.Retention == nil {
		s.fail(w, r, koban.Errorf(koban.Forbidden, "error.forbidden"))
		return
	}
	p.Policy = s.Retention.Policy()
	p.Version = p.Policy.Version()
	for _, k := range []string{"report", "consultation", "tip"} {
		if per, ok := p.Policy.Reports[k]; ok {
			p.Rules = append(p.Rules, retentionRule{Key: "retention.rule.kind." + k, From: "retention.from.closed", Period: per})
		}
	}
	cats := make([]string, 0, len(p.Policy.Categories))
	for c := range p.Policy.Categories {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	for _, c := range cats {
		p.Rules = append(p.Rules, retentionRule{Key: "retention.rule.category", Name: c, From: "retention.from.closed", Period: p.Policy.Categories[c]})
	}
	p.Rules = append(p.Rules,
		retentionRule{Key: "retention.rule.patrol_captures", From: "retention.from.fetched", Period: p.Policy.PatrolCaptures},
		retentionRule{Key: "retention.rule.cases", From: "retention.from.case_closed", Period: p.Policy.Cases},
		retentionRule{Key: "retention.rule.evidence", From: "retention.from.case_closed", Period: p.Policy.Evidence},
		retentionRule{Key: "retention.rule.audit", From: "retention.from.written", Period: p.Policy.Audit})
	var err error
	if p.Runs, p.Checkpoints, err = s.Retention.History(r.Context(), 10); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_retention", p)
}
