package intake

import (
	"context"
	"slices"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/observe"
)

// Shareable returns a report as it may leave koban in an export (STIX,
// MISP): checked like Get (a report the officer may not view is NotFound),
// and stripped of everything about the person who reported it — contact
// details, which of them were given, their messages, the description
// they wrote, the files' names and the partner's own id — and of the
// values that are the reporter's own contact details (a phone number or
// e-mail address they also wrote in the text or a message, which the index
// holds like any other value, and their address's domain, which may name
// their employer — a scam from the same domain goes with it). The contact
// details never leave this package. The export is audited by its caller.
func (s *Service) Shareable(ctx context.Context, p auth.Principal, id int64) (*Report, error) {
	r, err := s.visible(ctx, p, id, auth.PermReportRead)
	if err != nil {
		return nil, err
	}
	var own []observe.Observable
	for _, c := range []struct {
		t observe.Type
		v string
	}{{observe.Phone, r.Contact.Phone}, {observe.Email, r.Contact.Email}} {
		if c.v == "" {
			continue
		}
		v, err := observe.Normalize(c.t, c.v)
		if err != nil {
			continue
		}
		own = append(own, observe.Observable{Type: c.t, Value: v})
		// The domain of their address too: it may name their employer or
		// their family's own domain.
		if _, domain, ok := strings.Cut(v, "@"); ok && c.t == observe.Email {
			own = append(own, observe.Observable{Type: observe.Domain, Value: domain})
		}
	}
	out := *r
	out.Observables = slices.DeleteFunc(slices.Clone(r.Observables), func(o observe.Observable) bool { return slices.Contains(own, o) })
	out.Contact, out.Given, out.Messages, out.Files = Contact{}, ContactGiven{}, nil, nil
	out.Description, out.ExternalID, out.TokenHash = "", "", ""
	return &out, nil
}
