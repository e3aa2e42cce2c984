package app

import (
	"context"
	"strconv"
	"strings"
)

// NotifyAccessAnswer tells an officer that their access request was
// answered. Officers have no language of their own in koban: the mail is in
// Japanese, then English. It names the request's number and the page where
// the answer is, never the value asked about nor the records.
func (m *mailer) NotifyAccessAnswer(ctx context.Context, to string, requestID int64, granted bool) error {
	key := "mail.access.refused"
	if granted {
		key = "mail.access.granted"
	}
	n := strconv.FormatInt(requestID, 10)
	link := "/access-requests/mine"
	if m.baseURL != "" {
		link = strings.TrimRight(m.baseURL, "/") + link
	}
	var body strings.Builder
	for i, lang := range []string{"ja", "en"} {
		if i > 0 {
			body.WriteString("\n\n----\n\n")
		}
		body.WriteString(m.cats.T(lang, key, "n", n, "link", link))
	}
	return m.sendText(ctx, to, m.cats.T("ja", "mail.access.subject", "n", n)+" / "+m.cats.T("en", "mail.access.subject", "n", n), body.String())
}
