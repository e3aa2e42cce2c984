package app

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/locale"
)

// mailer tells reporters by e-mail that the police wrote to them. That mail
// carries no content of the report and no status link: only the receipt
// number, so a mailbox read by someone else reveals little. The status link
// is mailed only when the reporter asks for it on the status page, and
// only to the address they gave on the report.
type mailer struct {
	host       string
	port       int
	user, pass string
	ssl        bool
	plain      bool // loopback relay without TLS
	from       string
	baseURL    string // KOBAN_BASE_URL, for links to officers' pages
	cats       *locale.Catalogs
	zone       *time.Location // KOBAN_TIMEZONE, for times in mails
	// queue, when set, queues a mail in the outbox instead of sending it
	// (outbox.go).
	queue func(ctx context.Context, to, subject, body string, attach ...mailAttachment) error
}

func newMailer(cfg config.Config) (*mailer, error) {
	u, err := url.Parse(cfg.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("KOBAN_SMTP_URL: %w", err)
	}
	cats, err := locale.Load()
	if err != nil {
		return nil, err
	}
	m := &mailer{host: u.Hostname(), from: cfg.MailFrom, ssl: u.Scheme == "smtps", cats: cats, baseURL: cfg.BaseURL, zone: cfg.Location}
	if m.zone == nil {
		m.zone = time.UTC
	}
	m.port = 587
	if m.ssl {
		m.port = 465
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("KOBAN_SMTP_URL port: %w", err)
		}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	// STARTTLS is required, except to a relay on this very machine.
	if ip := net.ParseIP(m.host); (ip != nil && ip.IsLoopback()) || m.host == "localhost" {
		m.plain = !m.ssl
	}
	return m, nil
}

// NotifyReply sends the notice.
func (m *mailer) NotifyReply(ctx context.Context, to, lang, receipt string) error {
	return m.sendKey(ctx, to, lang, "mail.reply", "receipt", receipt)
}

// MailStatusLink sends the reporter their status link, at their request,
// at once: never through the outbox, which would keep the secret link in
// the database.
func (m *mailer) MailStatusLink(ctx context.Context, to, lang, receipt, link string) error {
	subject, body := m.text(lang, "mail.link", "receipt", receipt, "link", link)
	return m.deliver(ctx, to, subject, body)
}

// sendKey sends one plain-text mail whose subject and body are the catalog
// keys key+".subject" and key+".body", in lang.
func (m *mailer) sendKey(ctx context.Context, to, lang, key string, pairs ...string) error {
	subject, body := m.text(lang, key, pairs...)
	return m.sendText(ctx, to, subject, body)
}

// text writes a mail's subject and body from the catalog keys
// key+".subject" and key+".body", in lang.
func (m *mailer) text(lang, key string, pairs ...string) (subject, body string) {
	if !locale.Supported(lang) {
		lang = locale.Default
	}
	return m.cats.T(lang, key+".subject", pairs...), m.cats.T(lang, key+".body", pairs...)
}

// sendText queues one plain-text mail in the outbox, or sends it at once
// when there is none.
func (m *mailer) sendText(ctx context.Context, to, subject, body string) error {
	if m.queue != nil {
		return m.queue(ctx, to, subject, body)
	}
	return m.deliver(ctx, to, subject, body)
}

// deliver sends one plain-text mail through the relay now.
func (m *mailer) deliver(ctx context.Context, to, subject, body string, attach ...mailAttachment) error {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := msg.To(to); err != nil {
		return fmt.Errorf("mail to: %w", err)
	}
	msg.Subject(subject)
	msg.SetBodyString(mail.TypeTextPlain, body)
	for _, a := range attach {
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(a.ContentType)))
	}
	return m.send(ctx, msg)
}

// send delivers one message through the configured relay.
func (m *mailer) send(ctx context.Context, msg *mail.Msg) error {
	opts := []mail.Option{mail.WithPort(m.port), mail.WithTimeout(20 * time.Second)}
	switch {
	case m.ssl:
		opts = append(opts, mail.WithSSL())
	case m.plain:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(m.user), mail.WithPassword(m.pass))
	}
	c, err := mail.NewClient(m.host, opts...)
	if err != nil {
		return fmt.Errorf("mail client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	return nil
}
