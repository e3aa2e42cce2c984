package app

import (
	"context"
	"fmt"
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
	return m.sendKey(ctx, to, lang, "mail.savedsearch", "name", name, "n", fmt.Sprint(n))
}
