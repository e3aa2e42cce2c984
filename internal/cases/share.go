package cases

import (
	"context"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
)

// ForExport returns a case to be exported (STIX, MISP) with every report
// linked to it: those the officer may not view too, for their owners and
// markings alone — an export is marked as strictly as the strictest of
// them and carries only the reports the officer may view, which the caller
// loads through intake, asking the access decision for each. p needs the
// view right: a case out of sight is NotFound, and the refusal is audited
// like any other. The export is audited by the caller, with what it held.
func (s *Service) ForExport(ctx context.Context, p auth.Principal, id int64) (*Case, []LinkedReport, error) {
	c, err := s.load(ctx, p, id, access.View)
	if err != nil {
		return nil, nil, err
	}
	links, err := s.store.LinkedReports(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return c, links, nil
}
