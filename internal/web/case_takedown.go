package web

import (
	"net/http"

	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/takedown"
)

// takedownPart is the case page's requests to providers: those of the
// case, and the values of its reports a request can be drafted about.
type takedownPart struct {
	Takedowns     []*takedown.Request
	RequestValues []caseValue
}

// caseValue is a value of one of the case's reports, with the draft form
// of a request about it.
type caseValue struct {
	observe.Observable
	ReportID int64
	Receipt  string
	Link     requestLink
}

// loadTakedowns fills the case page's requests, for officers who draft
// them: the case's requests they may see, and a link for each value of the
// linked reports they may view, as those reports may share them (never a
// reporter's own number or address), each value once.
func (s *Server) loadTakedowns(r *http.Request, p *casePage) error {
	if !p.CanTakedown() {
		return nil
	}
	pr := *p.Principal
	var err error
	if p.Takedowns, err = s.Takedown.ForCase(r.Context(), pr, p.C.ID); err != nil {
		return err
	}
	seen := map[observe.Observable]bool{}
	for _, l := range p.V.Reports {
		shared, err := s.Intake.Shareable(r.Context(), pr, l.ReportID)
		if err != nil {
			return err
		}
		for _, o := range shared.Observables {
			link, ok := takedownLink(o, fromRecord("report", l.ReportID, p.C.ID))
			if !ok || seen[o] {
				continue
			}
			seen[o] = true
			p.RequestValues = append(p.RequestValues, caseValue{Observable: o, ReportID: l.ReportID, Receipt: l.Receipt, Link: link})
		}
	}
	return nil
}
