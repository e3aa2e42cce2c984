package app

import (
	"context"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/vuln"
)

// vulnAlerts mails the people of an organisation who manage its
// inventory (active accounts of the organisation with vuln.manage) when a
// newly known-exploited or likely-exploited vulnerability matches one of
// its assets: in Japanese, then English, each alert with the CVE, the
// asset, the reason and the due date, and the findings page's link.
type vulnAlerts struct {
	m     *mailer
	users interface {
		Users(ctx context.Context, orgIDs []int64) ([]auth.User, error)
	}
}

func (v vulnAlerts) NotifyVulnAlerts(ctx context.Context, orgID int64, alerts []*vuln.Alert) error {
	us, err := v.users.Users(ctx, []int64{orgID})
	if err != nil {
		return err
	}
	link := "/vulns"
	if v.m.baseURL != "" {
		link = strings.TrimRight(v.m.baseURL, "/") + link
	}
	var body strings.Builder
	for i, lang := range []string{"ja", "en"} {
		if i > 0 {
			body.WriteString("\n\n----\n\n")
		}
		body.WriteString(v.m.cats.T(lang, "mail.vuln.body", "n", strconv.Itoa(len(alerts)), "link", link))
		for _, a := range alerts {
			f := a.Finding
			body.WriteString("\n- " + v.m.cats.T(lang, "mail.vuln.line."+a.Reason, "cve", f.VulnID, "asset", f.AssetName,
				"due", f.Due.In(v.m.zone).Format("2006-01-02")))
		}
	}
	subject := v.m.cats.T("ja", "mail.vuln.subject", "n", strconv.Itoa(len(alerts))) + " / " + v.m.cats.T("en", "mail.vuln.subject", "n", strconv.Itoa(len(alerts)))
	for _, u := range us {
		if u.Disabled || !u.Role.Can(auth.PermVulnManage) || u.Email == "" {
			continue
		}
		if err := v.m.sendText(ctx, u.Email, subject, body.String()); err != nil {
			return err
		}
	}
	return nil
}
