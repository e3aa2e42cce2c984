package takedown

import (
	"slices"
	"strings"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/xarf"
)

// measureLetter writes the letter that asks a bank to freeze an account or
// a carrier to take measures against a number, in the recipient's
// language: the account or the number in words, the reason, the officer's
// note, how to answer, and the ticket in the subject. Nothing else goes:
// neither the report it may come from nor anything about who reported.
func (s *Service) measureLetter(r *Request) (letter, error) {
	lang, org := s.voice(r)
	t := func(key string, pairs ...string) string { return s.cats.T(lang, key, pairs...) }
	var bad koban.Problems
	if strings.TrimSpace(r.Ticket) == "" || strings.ContainsAny(r.Ticket, "\r\n[]") {
		bad.Add("ticket", "xarf.problem.ticket")
	}
	if !slices.Contains(Reasons(r.Kind), r.Reason) {
		bad.Add("reason", "takedown.error.reason")
	}
	if !xarf.IsAddress(s.opts.ContactEmail) {
		bad.Add("org.email", "xarf.problem.email")
	}
	target, ok := s.targetLines(r, t)
	if !ok {
		bad.Add("target", "takedown.error.target_"+string(r.Kind))
	}
	if err := bad.Err(); err != nil {
		return letter{}, err
	}
	k := "takedown.letter." + string(r.Kind)
	var b strings.Builder
	para := func(s string) {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(strings.TrimRight(s, "\n"))
	}
	para(t("takedown.letter.greeting"))
	para(t(k+".intro", "org", org, "reason", t("takedown.letter.reason."+r.Reason)))
	para(t(k+".target") + "\n" + strings.Join(target, "\n"))
	para(t("takedown.letter.reason") + "\n" + t("takedown.reason."+r.Reason))
	if note := strings.TrimSpace(r.Note); note != "" {
		para(t("takedown.mail.note") + "\n" + note)
	}
	para(t("takedown.mail.voluntary"))
	para(t("takedown.mail.reply", "contact", s.opts.ContactEmail, "ticket", r.Ticket))
	para(org + "\n" + s.opts.ContactEmail)
	b.WriteString("\n")
	subject := strings.Join(strings.Fields(t(k+".subject", "ticket", r.Ticket)), " ")
	return letter{Subject: subject, Body: b.String(), Lang: lang}, nil
}

// targetLines names the account or the number of a measure in words, a
// line each: bank, branch, type and number, or the number as people write
// it with its international form. ok is false for a value that is not the
// kind's.
func (s *Service) targetLines(r *Request, t func(string, ...string) string) ([]string, bool) {
	switch r.Kind {
	case AccountFreeze:
		a, ok := observe.AccountParts(r.Target)
		if !ok {
			return nil, false
		}
		if a.Kigo != "" {
			return []string{t("takedown.letter.yucho", "kigo", a.Kigo, "bango", a.Bango)}, true
		}
		bank, branch := a.Bank, a.Branch
		if a.BankCoded {
			bank = t("bank.code", "c", bank)
		}
		if a.BranchCoded {
			branch = t("bank.branch_code", "c", branch)
		}
		return []string{t("takedown.letter.bank", "v", bank), t("takedown.letter.branch", "v", branch),
			t("takedown.letter.account_type", "v", t("bank.type."+string(a.Type))), t("takedown.letter.account_number", "v", a.Number)}, true
	case PhoneMeasures:
		if !strings.HasPrefix(r.Target, "+") {
			return nil, false
		}
		national := observe.Display(observe.Observable{Type: observe.Phone, Value: r.Target})
		return []string{t("takedown.letter.phone_number", "national", national, "e164", r.Target)}, true
	}
	return nil, false
}
