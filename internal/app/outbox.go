package app

import (
	"context"
	"errors"

	"github.com/wneessen/go-mail"

	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/takedown"
)

// The mail outbox. A change that tells someone by e-mail (a reply to a
// reporter, an answered access request, a saved search's new matches)
// queues the mail as a job in the same request and returns; the job
// runner sends it from whichever server claims it, retries a relay that
// is down with back-off, gives up after a day of attempts or at once when
// the relay refuses the address for good, and records every attempt. The
// address is scrubbed from the job once the mail is sent.
//
// The status link a reporter asks for is the one mail sent at once and
// never queued: it carries the status page's secret, which koban keeps
// only as a hash, and the reporter waits on the page to learn it went.

// MailJob is the kind of the outbox's jobs.
const MailJob = "mail"

// mailAttempts spans about a day of back-off (30 s doubling, capped at 6 h).
const mailAttempts = 12

// mailPayload is a queued mail, its text already written in its language.
type mailPayload struct {
	To          string           `json:"to"`
	Subject     string           `json:"subject"`
	Body        string           `json:"body"`
	Attachments []mailAttachment `json:"attachments,omitempty"`
}

// mailAttachment is a file sent with a mail (a takedown's X-ARF report).
type mailAttachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// takedownMailer queues takedown requests' mails, with their X-ARF
// report attached, through the outbox.
type takedownMailer struct{ m *mailer }

func (t takedownMailer) QueueMail(ctx context.Context, to, subject, body string, attach []takedown.Attachment) error {
	files := make([]mailAttachment, len(attach))
	for i, a := range attach {
		files[i] = mailAttachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data}
	}
	return t.m.queue(ctx, to, subject, body, files...)
}

// queueMail makes m queue its mails on r and registers the sender.
func queueMail(m *mailer, r *jobs.Runner) {
	m.queue = func(ctx context.Context, to, subject, body string, attach ...mailAttachment) error {
		_, err := r.Enqueue(ctx, jobs.New{Kind: MailJob, Payload: mailPayload{To: to, Subject: subject, Body: body, Attachments: attach},
			MaxAttempts: mailAttempts})
		return err
	}
	r.Handle(MailJob, func(ctx context.Context, j jobs.Job) (jobs.Result, error) {
		var p mailPayload
		if err := jobs.Decode(j, &p); err != nil {
			return jobs.Result{}, err
		}
		if err := m.deliver(ctx, p.To, p.Subject, p.Body, p.Attachments...); err != nil {
			var se *mail.SendError
			if errors.As(err, &se) && !se.IsTemp() {
				return jobs.Result{}, jobs.Permanent(err)
			}
			return jobs.Result{}, err
		}
		return jobs.Result{Scrub: true}, nil
	})
}
