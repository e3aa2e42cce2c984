package intake

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/taxonomy"
)

// The triage actions. Each checks the principal's permission and that they
// see the report, then changes it and writes the audit entry in one
// transaction.

func (s *Service) update(ctx context.Context, p auth.Principal, id int64, perm auth.Permission, action string, fn func(r *Report) (map[string]any, error)) error {
	if _, err := s.visible(ctx, p, id, perm); err != nil {
		return err
	}
	return s.store.UpdateReport(ctx, id, func(r *Report) (audit.Entry, error) {
		detail, err := fn(r)
		if err != nil {
			return audit.Entry{}, err
		}
		r.UpdatedAt = s.clock.Now()
		return audit.Entry{Actor: p.Actor(), Action: action, ObjectType: "report", ObjectID: strconv.FormatInt(id, 10), Detail: detail}, nil
	})
}

// AssigneeLookup returns the account a report is to be assigned to.
type AssigneeLookup func(ctx context.Context, userID int64) (*auth.User, error)

// Assign gives the report to an officer who can see it (userID 0 unassigns):
// an account that can sign in, may read reports, and belongs to an
// organisation that sees this one. Anyone else would hold a report they
// could never open.
func (s *Service) Assign(ctx context.Context, p auth.Principal, id, userID int64, lookup AssigneeLookup) error {
	// Visibility first: a report the caller may not see must look missing,
	// whatever the assignee.
	r, err := s.visible(ctx, p, id, auth.PermReportTriage)
	if err != nil {
		return err
	}
	if userID != 0 {
		u, err := lookup(ctx, userID)
		if err != nil || u.Disabled || !u.Role.WebLogin() {
			return koban.FieldError("assignee", "triage.error.assignee")
		}
		// The assignee must be able to open the report: the same decision
		// as for anyone else, grants included.
		as := auth.Principal{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Via: "session"}
		if ok, err := s.access.Can(ctx, as, access.View, ReportObject(r)); err != nil {
			return err
		} else if !ok {
			return koban.FieldError("assignee", "triage.error.assignee")
		}
	}
	return s.update(ctx, p, id, auth.PermReportTriage, "report.assign", func(r *Report) (map[string]any, error) {
		old := r.AssigneeID
		r.AssigneeID = userID
		if r.Status == StatusNew && userID != 0 {
			r.Status = StatusInProgress
		}
		return map[string]any{"from": old, "to": userID}, nil
	})
}

// SetCategory changes the triage category ("" for unknown).
func (s *Service) SetCategory(ctx context.Context, p auth.Principal, id int64, category string) error {
	category = strings.ToUpper(strings.TrimSpace(category))
	if category != "" && !taxonomy.Valid(category) {
		return koban.FieldError("category", "intake.error.category")
	}
	return s.update(ctx, p, id, auth.PermReportTriage, "report.category", func(r *Report) (map[string]any, error) {
		old := r.Category
		r.Category = category
		r.Urgent = r.Urgent || Urgent(category, "")
		return map[string]any{"from": old, "to": category}, nil
	})
}

// MarkDuplicate closes the report as a duplicate of another the principal sees.
func (s *Service) MarkDuplicate(ctx context.Context, p auth.Principal, id int64, receiptOrID string) error {
	target, err := s.resolve(ctx, p, receiptOrID)
	if err != nil {
		return koban.FieldError("duplicate_of", "triage.error.duplicate_target")
	}
	if target.ID == id {
		return koban.FieldError("duplicate_of", "triage.error.duplicate_self")
	}
	return s.update(ctx, p, id, auth.PermReportTriage, "report.duplicate", func(r *Report) (map[string]any, error) {
		r.DuplicateOf, r.Status, r.CloseReason = target.ID, StatusClosed, "duplicate"
		return map[string]any{"of": target.ID}, nil
	})
}

// resolve finds a report by receipt number or numeric id, among those p sees.
func (s *Service) resolve(ctx context.Context, p auth.Principal, ref string) (*Report, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.visible(ctx, p, id, auth.PermReportRead)
	}
	receipt, ok := NormalizeReceipt(ref)
	if !ok {
		return nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	id, err := s.store.(interface {
		ReportIDByReceipt(context.Context, string) (int64, error)
	}).ReportIDByReceipt(ctx, receipt)
	if err != nil {
		return nil, err
	}
	return s.visible(ctx, p, id, auth.PermReportRead)
}

// Close closes the report with one of CloseReasons.
func (s *Service) Close(ctx context.Context, p auth.Principal, id int64, reason, note string) error {
	valid := false
	for _, r := range CloseReasons {
		valid = valid || r == reason
	}
	if !valid {
		return koban.FieldError("reason", "triage.error.close_reason")
	}
	return s.update(ctx, p, id, auth.PermReportTriage, "report.close", func(r *Report) (map[string]any, error) {
		r.Status, r.CloseReason = StatusClosed, reason
		return map[string]any{"reason": reason, "note": strings.TrimSpace(note)}, nil
	})
}

// Reopen puts a closed report back in progress.
func (s *Service) Reopen(ctx context.Context, p auth.Principal, id int64) error {
	return s.update(ctx, p, id, auth.PermReportTriage, "report.reopen", func(r *Report) (map[string]any, error) {
		r.Status, r.CloseReason, r.DuplicateOf = StatusInProgress, "", 0
		return nil, nil
	})
}

// Transfer hands the report to another organisation with a note.
func (s *Service) Transfer(ctx context.Context, p auth.Principal, id int64, orgCode, note string) error {
	to, ok := s.tree().ByCode(strings.TrimSpace(orgCode))
	if !ok {
		return koban.FieldError("org", "triage.error.org")
	}
	// A partner organisation is a root of its own: no police account would
	// see the report again.
	if to.Kind == org.KindPartner {
		return koban.FieldError("org", "triage.error.org_partner")
	}
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > 2000 {
		return koban.FieldError("note", "triage.error.note_required")
	}
	return s.update(ctx, p, id, auth.PermReportTransfer, "report.transfer", func(r *Report) (map[string]any, error) {
		if r.OrgID == to.ID {
			return nil, koban.FieldError("org", "triage.error.same_org")
		}
		from := r.OrgID
		r.OrgID, r.AssigneeID = to.ID, 0
		if r.Status == StatusClosed {
			r.Status, r.CloseReason, r.DuplicateOf = StatusInProgress, "", 0
		}
		return map[string]any{"from": from, "to": to.ID, "note": note}, nil
	})
}

// Reply writes a message to the reporter; it shows on the status page, and
// is sent by e-mail when the reporter gave an address and SMTP is set up.
func (s *Service) Reply(ctx context.Context, p auth.Principal, id int64, body string) error {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > 10000 {
		return koban.FieldError("body", "triage.error.reply_required")
	}
	r, err := s.visible(ctx, p, id, auth.PermReportReply)
	if err != nil {
		return err
	}
	status := Status("")
	if r.Status == StatusNew {
		status = StatusInProgress
	}
	msg := Message{ReportID: id, Author: "officer", UserID: p.UserID, Body: body, CreatedAt: s.clock.Now()}
	if err := s.store.AddToReport(ctx, id, Addition{Messages: []Message{msg}, Status: status}, audit.Entry{
		Actor: p.Actor(), Action: "report.reply", ObjectType: "report", ObjectID: strconv.FormatInt(id, 10),
	}); err != nil {
		return err
	}
	if s.notifier != nil && r.Contact.Email != "" {
		if err := s.notifier.NotifyReply(ctx, r.Contact.Email, r.Language, r.Receipt); err != nil {
			// The reply is stored and shown on the status page; a mail failure
			// must not undo it.
			s.log.Error("notify reporter", "report", id, "err", err)
		}
	}
	return nil
}
