package app

import (
	"context"
	"fmt"

	"github.com/wneessen/go-mail"

	"github.com/koban-project/koban/internal/locale"
)

// matchSavedSearches is the saved-search job: the records stored since its
// last run against every saved search (search.Service.MatchSaved).
func (a *App) matchSavedSearches(ctx context.Context) error {
	n, err := a.Search.MatchSaved(ctx)
	if n > 0 {
		a.Log.Debug("saved searches matched", "new", n)
	}
	return err
}

// NotifySavedSearch tells an officer that a saved search has new matches:
// its name and how many, never a record's content, so that a mailbox read
// by someone else learns nothing of a case.
func (m *mailer) NotifySavedSearch(ctx context.Context, to, lang, name string, n int) error {
	if !locale.Supported(lang) {
		lang = locale.Default
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := msg.To(to); err != nil {
		return fmt.Errorf("mail to: %w", err)
	}
	msg.Subject(m.cats.T(lang, "mail.savedsearch.subject", "name", name))
	msg.SetBodyString(mail.TypeTextPlain, m.cats.T(lang, "mail.savedsearch.body", "name", name, "n", fmt.Sprint(n)))
	return m.send(ctx, msg)
}
