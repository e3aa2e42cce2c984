package intake_test

import (
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// The status link goes to the address on the report and nowhere else, at
// most once in MailLinkEvery, each request audited; a report without an
// address, or a koban without mail, sends nothing.
func TestMailStatusLink(t *testing.T) {
	e := newEnv(t)
	rc := e.submit(validSub())
	link := "https://koban.example/s/" + rc.Token
	if err := e.svc.MailStatusLink(e.ctx, rc.Token, link, "192.0.2.44"); err != nil {
		t.Fatal(err)
	}
	want := []string{"taro@example.jp ja " + rc.Receipt + " " + link}
	if got := e.mail.calls(); !slices.Equal(got, want) {
		t.Fatalf("mails %q, want %q", got, want)
	}
	wantCode(t, "again at once", e.svc.MailStatusLink(e.ctx, rc.Token, link, "192.0.2.45"), koban.TooMany)
	e.clock.Advance(intake.MailLinkEvery + time.Second)
	if err := e.svc.MailStatusLink(e.ctx, rc.Token, link, "192.0.2.44"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	if n := len(e.mail.calls()); n != 2 {
		t.Fatalf("%d mails, want 2", n)
	}
	if acts := e.actions(rc.ReportID); slices.Index(acts, "report.mail_link") < 0 || countOf(acts, "report.mail_link") != 2 {
		t.Errorf("audit actions %v: want two report.mail_link", acts)
	}

	// A failing mail server: the reporter hears so, the failure is logged.
	e.clock.Advance(intake.MailLinkEvery + time.Second)
	e.mail.err = errors.New("connection refused")
	wantCode(t, "mail server down", e.svc.MailStatusLink(e.ctx, rc.Token, link, "192.0.2.44"), koban.Internal)
	e.mail.err = nil

	phoneOnly := validSub()
	phoneOnly.Contact = intake.Contact{Phone: "090-1234-5678"}
	rc2 := e.submit(phoneOnly)
	wantField(t, "no address", e.svc.MailStatusLink(e.ctx, rc2.Token, "x", "192.0.2.44"), "mail", "status.error.mail_unavailable")
	wantCode(t, "unknown token", e.svc.MailStatusLink(e.ctx, "kst_"+rc.Token[4:10]+"nope", "x", "192.0.2.44"), koban.NotFound)

	quiet := intake.NewService(e.db, e.blobs, func() *org.Tree { return e.tree }, e.clock, slog.New(slog.DiscardHandler))
	if quiet.MailsLinks() || !e.svc.MailsLinks() {
		t.Error("MailsLinks does not follow the notifier")
	}
	wantField(t, "no mail configured", quiet.MailStatusLink(e.ctx, rc.Token, link, "192.0.2.44"), "mail", "status.error.mail_unavailable")
	if n := len(e.mail.calls()); n != 3 {
		t.Errorf("%d mails in all, want 3", n)
	}
}

func countOf(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}
