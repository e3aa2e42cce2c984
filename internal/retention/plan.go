package retention

import (
	"cmp"
	"slices"
	"time"
)

// Record types, as tombstones and plans name them.
const (
	TypeReport   = "report"
	TypeCase     = "case"
	TypeEvidence = "evidence"
	TypeCapture  = "patrol_capture"
	TypeAudit    = "audit"
)

// ReportFacts is what the planner needs to know of a report.
type ReportFacts struct {
	ID             int64
	Kind, Category string
	Status         string // only "closed" reports go
	Updated        time.Time
	FreezeDeadline time.Time // the 72-hour freeze window's end; zero without one
	Cases          []int64   // the cases it is linked to
	// Linked says that another module's record names the report (a
	// takedown request made from it): it is kept until that goes.
	Linked bool
	// Newest says the report has the table's highest id, which stays so
	// that SQLite never hands a deleted report's id to a new one.
	Newest bool
}

// CaseFacts is what the planner needs to know of a case.
type CaseFacts struct {
	ID       int64
	Status   string // only "closed" cases go
	Updated  time.Time
	Hold     bool // legal hold: the case and everything under it stay
	Evidence int  // evidence items it holds
	// Linked says that another body or module holds records about the
	// case (a referral, a partner party, a support or foreign request, a
	// malware sample, a takedown): such a case is kept until they go.
	Linked bool
	// Newest says the case, or one of its evidence items, has its table's
	// highest id (see ReportFacts.Newest).
	Newest bool
}

// Item is one record due to go and the rule that makes it due.
type Item struct {
	Type     string
	ID       int64
	Rule     string
	Category string    // a report's kind/category, for the summary
	DueAt    time.Time // when it fell due
}

// Kept is a record past its period that stays, and why.
type Kept struct {
	Type   string
	ID     int64
	Reason string // legal_hold, linked_case, freeze_window, not_closed, linked_records, newest_id
}

// Plan decides which cases and reports are due at now under p. A case is
// due once closed, not on hold, not linked to other bodies' records, and
// past both its period and (when it holds evidence) the evidence period.
// A report is due once closed, out of its freeze window, past its period
// and every case it is linked to is itself due (it then goes after them).
// Cases come first in the result, so that deleting in order unlinks a
// case's reports before they are deleted. Records past their period that
// stay are returned as kept, with the reason.
func (p Policy) Plan(now time.Time, cases []CaseFacts, reports []ReportFacts) ([]Item, []Kept) {
	var due []Item
	var kept []Kept
	caseDue := map[int64]bool{}
	held := map[int64]bool{}
	for _, c := range cases {
		if c.Hold {
			held[c.ID] = true
		}
		per, rule := p.Cases, "case"
		if c.Evidence > 0 && p.Evidence.Longer(per) {
			per, rule = p.Evidence, "case.evidence"
		}
		if per.IsForever() || now.Before(per.After(c.Updated)) {
			continue
		}
		switch {
		case c.Hold:
			kept = append(kept, Kept{TypeCase, c.ID, "legal_hold"})
		case c.Status != "closed":
			kept = append(kept, Kept{TypeCase, c.ID, "not_closed"})
		case c.Linked:
			kept = append(kept, Kept{TypeCase, c.ID, "linked_records"})
		case c.Newest:
			kept = append(kept, Kept{TypeCase, c.ID, "newest_id"})
		default:
			caseDue[c.ID] = true
			due = append(due, Item{Type: TypeCase, ID: c.ID, Rule: rule, DueAt: per.After(c.Updated)})
		}
	}
	for _, r := range reports {
		per, rule := p.ReportPeriod(r.Kind, r.Category)
		if per.IsForever() || now.Before(per.After(r.Updated)) {
			continue
		}
		reason := ""
		switch {
		case r.Status != "closed":
			reason = "not_closed"
		case !r.FreezeDeadline.IsZero() && now.Before(r.FreezeDeadline):
			reason = "freeze_window"
		case r.Linked:
			reason = "linked_records"
		case r.Newest:
			reason = "newest_id"
		}
		for _, id := range r.Cases {
			if reason != "" {
				break
			}
			if held[id] {
				reason = "legal_hold"
			} else if !caseDue[id] {
				reason = "linked_case"
			}
		}
		if reason != "" {
			kept = append(kept, Kept{TypeReport, r.ID, reason})
			continue
		}
		cat := r.Kind
		if r.Category != "" {
			cat += "/" + r.Category
		}
		due = append(due, Item{Type: TypeReport, ID: r.ID, Rule: rule, Category: cat, DueAt: per.After(r.Updated)})
	}
	slices.SortStableFunc(due, func(a, b Item) int {
		if a.Type != b.Type {
			return cmp.Compare(typeOrder(a.Type), typeOrder(b.Type))
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return due, kept
}

// typeOrder is the order records are deleted in: cases before the reports
// linked to them.
func typeOrder(t string) int {
	switch t {
	case TypeCase:
		return 0
	case TypeReport:
		return 1
	case TypeCapture:
		return 2
	}
	return 3
}

// Horizon is the latest last-change time a report or case can have and
// still be due at now: the store need read nothing newer. ok is false when
// nothing of the kind is ever due.
func (p Policy) Horizon(now time.Time) (reports, cases time.Time, reportsOK, casesOK bool) {
	shortest := func(ps ...Period) (Period, bool) {
		var best Period
		found := false
		for _, q := range ps {
			if q.IsForever() {
				continue
			}
			if !found || best.Longer(q) {
				best, found = q, true
			}
		}
		return best, found
	}
	var rs []Period
	for _, v := range p.Reports {
		rs = append(rs, v)
	}
	// A category only lengthens a report's period, so the kinds bound it.
	if r, ok := shortest(rs...); ok {
		reports, reportsOK = back(r, now), true
	}
	if c, ok := shortest(p.Cases); ok {
		cases, casesOK = back(c, now), true
	}
	return
}

// back is the moment a period ending now started (a day of slack either
// way of a month's or a leap year's length).
func back(p Period, now time.Time) time.Time {
	return now.AddDate(-p.Years, -p.Months, -p.Days).Add(24 * time.Hour)
}

// AuditCutoff is the time before which audit rows are due; ok is false when
// audit rows are kept for ever.
func (p Policy) AuditCutoff(now time.Time) (time.Time, bool) {
	if p.Audit.IsForever() {
		return time.Time{}, false
	}
	return now.AddDate(-p.Audit.Years, -p.Audit.Months, -p.Audit.Days), true
}
