package intake

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
)

// MailLinkEvery is how often a report's status link may be mailed to its
// reporter: a second request within it is refused (TooMany).
const MailLinkEvery = 10 * time.Minute

// MailsLinks tells whether a status page may offer to mail its link: a
// notifier is set (SMTP is configured).
func (s *Service) MailsLinks() bool { return s.notifier != nil }

// MailStatusLink sends the status link of the report whose status token is
// token to the e-mail address the reporter gave on it, at the reporter's
// request: never to any other address (no address is taken from the
// request). link is the status page's address, built by the caller on the
// public base URL. The request is audited (report.mail_link) before the
// mail goes, and at most one per MailLinkEvery per report is sent. Errors:
// NotFound for an unknown token; Invalid (field "mail") when mail is not
// configured or the report has no address; TooMany within MailLinkEvery of
// the last; Internal when the mail could not be sent.
func (s *Service) MailStatusLink(ctx context.Context, token, link, ip string) error {
	view, err := s.Status(ctx, token)
	if err != nil {
		return err
	}
	r := view.Report
	if s.notifier == nil || r.Contact.Email == "" {
		return koban.FieldError("mail", "status.error.mail_unavailable")
	}
	e := audit.Entry{Actor: audit.Public(ip), Action: "report.mail_link", ObjectType: "report", ObjectID: strconv.FormatInt(r.ID, 10)}
	wrote, err := s.store.AuditOnce(ctx, e, s.clock.Now().Add(-MailLinkEvery))
	if err != nil {
		return err
	}
	if !wrote {
		return &koban.Error{Code: koban.TooMany, Key: "status.error.mail_again", Field: "mail"}
	}
	if err := s.notifier.MailStatusLink(ctx, r.Contact.Email, r.Language, r.Receipt, link); err != nil {
		return &koban.Error{Code: koban.Internal, Key: "status.error.mail_failed", Field: "mail", Err: fmt.Errorf("mail status link of report %d: %w", r.ID, err)}
	}
	return nil
}
