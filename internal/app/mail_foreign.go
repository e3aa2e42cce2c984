package app

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// NotifyForeignDeadline tells a case's lead that an international
// request's clock is near its end, or past it: in Japanese, then English,
// with the request's number, the case's and the deadline in the
// configured zone, and the page's link — never what the request is about.
func (m *mailer) NotifyForeignDeadline(ctx context.Context, to string, requestID int64, caseNumber string, deadline time.Time, past bool) error {
	key := "mail.foreign.soon"
	if past {
		key = "mail.foreign.past"
	}
	n := strconv.FormatInt(requestID, 10)
	link := "/foreign/" + n
	if m.baseURL != "" {
		link = strings.TrimRight(m.baseURL, "/") + link
	}
	at := deadline.In(m.zone).Format("2006-01-02 15:04 MST")
	var body strings.Builder
	for i, lang := range []string{"ja", "en"} {
		if i > 0 {
			body.WriteString("\n\n----\n\n")
		}
		body.WriteString(m.cats.T(lang, key, "n", n, "case", caseNumber, "date", at, "link", link))
	}
	subject := m.cats.T("ja", "mail.foreign.subject", "n", n, "case", caseNumber) + " / " + m.cats.T("en", "mail.foreign.subject", "n", n, "case", caseNumber)
	return m.sendText(ctx, to, subject, body.String())
}
