package intel

import (
	"strings"
	"time"

	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/misp"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
)

// MISP exports: a report, or a case with its reports, as one MISP event
// (misp.NewEvent), attribute types and categories from misp.ExportOf. The
// event's UUID is the record's (RecordUUID), so a partner's MISP updates
// the event it holds when the record is exported again; attribute UUIDs
// follow from it. The event is marked with the record's TLP and its
// distribution is "your organisation only": whoever imports it widens it
// by hand, as the TLP lets them.

// analysisOf is MISP's analysis level of a report's or a case's status:
// initial while new or open, ongoing while worked, complete once closed.
var analysisOf = map[string]int{
	string(intake.StatusNew): 0, string(intake.StatusInProgress): 1, string(intake.StatusClosed): 2,
	string(cases.StatusOpen): 0, string(cases.StatusInvestigating): 1, string(cases.StatusReferred): 1, string(cases.StatusSuspended): 1,
}

// mispTags are the category's tags: koban's code and its RSIT class in the
// rsit taxonomy's form (rsit:fraud="phishing").
func mispTags(category string) []string {
	cat, ok := taxonomy.Lookup(category)
	if !ok {
		return nil
	}
	tags := []string{`koban:category="` + string(cat.Code) + `"`}
	if class, typ, ok := strings.Cut(cat.RSIT, "/"); ok {
		tags = append(tags, "rsit:"+class+`="`+typ+`"`)
	}
	return tags
}

// mispItem is one observable of an event with the strictest level of the
// reports that hold it and those reports' receipts.
type mispItem struct {
	o        observe.Observable
	level    tlp.Level
	receipts []string
}

// mispItems merges the observables of reports: each value once, at the
// strictest level of the reports that hold it.
func mispItems(reports []SharedReport) []*mispItem {
	var out []*mispItem
	byObs := map[observe.Observable]*mispItem{}
	for _, r := range reports {
		for _, o := range r.Observables {
			if _, ok := misp.ExportOf(o.Type); !ok {
				continue
			}
			it := byObs[o]
			if it == nil {
				it = &mispItem{o: o, level: level(r.TLP)}
				byObs[o] = it
				out = append(out, it)
			}
			it.level = tlp.Strictest(tlp.Amber, it.level, level(r.TLP))
			it.receipts = append(it.receipts, r.Receipt)
		}
	}
	return out
}

// newMISPEvent builds the event of a record: items whose level is the
// event's inherit its tag, the others carry their own; values on a warning
// list are not for detection.
func newMISPEvent(d misp.Draft, items []*mispItem, w Wording) (*misp.Event, error) {
	benign := map[string]bool{}
	for _, it := range items {
		mi := misp.Item{Type: it.o.Type, Value: it.o.Value, Comment: w.T("export.misp.from", "receipts", strings.Join(it.receipts, ", "))}
		if string(it.level) != d.TLP {
			mi.TLP = string(it.level)
		}
		if w.Benign != nil && w.Benign(it.o) {
			benign[it.o.Value] = true
		}
		d.Items = append(d.Items, mi)
	}
	ev, err := misp.NewEvent(d)
	if err != nil {
		return nil, err
	}
	for i := range ev.Attributes {
		if benign[ev.Attributes[i].Value] {
			ev.Attributes[i].ToIDs = false
		}
	}
	return ev, nil
}

// eventDay is the calendar day of t in loc, as NewEvent takes it.
func eventDay(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ReportEvent is a report as a MISP event, made by orgc (the owning
// organisation).
func ReportEvent(r SharedReport, w Wording, orgc misp.Org) (*misp.Event, error) {
	when := r.CreatedAt
	if !r.OccurredAt.IsZero() {
		when = r.OccurredAt
	}
	info := w.T("export.misp.report", "receipt", r.Receipt)
	if cat, ok := taxonomy.Lookup(r.Category); ok {
		info = w.T("export.misp.report_category", "receipt", r.Receipt, "category", w.T("category."+string(cat.Code)+".name"))
	}
	return newMISPEvent(misp.Draft{UUID: RecordUUID(reportKey(r)), Info: info, Date: eventDay(when, w.Loc), Timestamp: r.UpdatedAt,
		Distribution: misp.YourOrganisation, Analysis: analysisOf[r.Status], TLP: string(level(r.TLP)), Tags: mispTags(r.Category), Orgc: orgc},
		mispItems([]SharedReport{r}), w)
}

// CaseEvent is a case with the reports the officer may view as one MISP
// event, made by orgc (the owning organisation).
func CaseEvent(c SharedCase, w Wording, orgc misp.Org) (*misp.Event, error) {
	stamp := c.UpdatedAt
	for _, r := range c.Reports {
		if r.UpdatedAt.After(stamp) {
			stamp = r.UpdatedAt
		}
	}
	return newMISPEvent(misp.Draft{UUID: RecordUUID(caseKey(c)), Info: w.T("export.misp.case", "number", c.Number, "title", c.Title),
		Date: eventDay(c.CreatedAt, w.Loc), Timestamp: stamp, Distribution: misp.YourOrganisation, Analysis: analysisOf[c.Status],
		ThreatLevel: threatOf[c.Severity], TLP: string(level(c.TLP)), Tags: mispTags(c.Category), Orgc: orgc}, mispItems(c.Reports), w)
}

// threatOf is MISP's threat level of a case's severity (1 high … 3 low).
var threatOf = map[string]int{"critical": 1, "high": 1, "medium": 2, "low": 3}
