package xarf

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
)

// Mail is the e-mail that carries a takedown request to a provider; the
// X-ARF report goes with it as an attachment. Everything in it is the
// police organisation's or the officer's: there is no field for the
// citizen who reported the abuse.
type Mail struct {
	Ticket   string // koban's id for the request, put in the subject as [Ticket] so answers can be matched
	Kind     Kind
	Target   string    // the URL, host or address to take down
	Observed time.Time // when the abuse was seen
	Org      Organisation
	Phone    string        // the organisation's telephone number; optional
	Evidence []EvidenceRef // the files attached, named by hash
	Note     string        // the officer's words; optional
	// Zone is the zone times are written in; nil means Japan time.
	Zone *time.Location
}

// EvidenceRef names an evidence file by its SHA-256, so the provider can
// tell the attachment it holds is the one meant.
type EvidenceRef struct {
	Description string
	SHA256      string // hex
	Size        int
}

// Message is a rendered e-mail: one subject line and a plain-text body.
type Message struct {
	Subject string
	Body    string
}

// japanTime is Japan Standard Time; Japan has kept no summer time since
// 1951, so a fixed zone is exact and needs no time zone database.
var japanTime = time.FixedZone("JST", 9*60*60)

// MailFor returns the mail that goes with a request: the same target,
// time, organisation, note and evidence hashes.
func MailFor(r Request, ticket string) Mail {
	m := Mail{Ticket: ticket, Kind: r.Kind, Target: r.URL, Observed: r.Observed, Org: r.Reporter, Note: r.Note}
	if m.Target == "" {
		m.Target = r.Source
	}
	for _, e := range r.Evidence {
		sum := sha256.Sum256(e.Data)
		m.Evidence = append(m.Evidence, EvidenceRef{Description: e.Description, SHA256: hex.EncodeToString(sum[:]), Size: len(e.Data)})
	}
	return m
}

// Render writes the mail in lang ("ja" or "en") from the catalogs'
// takedown.mail.* sentences. It refuses a mail without a ticket, a kind,
// a target or the organisation's name and address, and any line break
// where the subject would carry it.
func (m Mail) Render(cat *locale.Catalogs, lang string) (Message, error) {
	var p koban.Problems
	if strings.TrimSpace(m.Ticket) == "" {
		p.Add("ticket", "xarf.problem.required")
	} else if strings.ContainsAny(m.Ticket, "\r\n[]") {
		p.Add("ticket", "xarf.problem.ticket")
	}
	if cat2, _ := m.Kind.Category(); cat2 == "" {
		p.Add("kind", "xarf.problem.kind")
	}
	if strings.TrimSpace(m.Target) == "" {
		p.Add("target", "xarf.problem.required")
	}
	if strings.TrimSpace(m.Org.Name) == "" {
		p.Add("org.name", "xarf.problem.required")
	}
	if !IsAddress(m.Org.Email) {
		p.Add("org.email", "xarf.problem.email")
	}
	if !locale.Supported(lang) {
		p.Add("lang", "xarf.problem.value")
	}
	if err := p.Err(); err != nil {
		return Message{}, err
	}
	t := func(key string, pairs ...string) string { return cat.T(lang, "takedown.mail."+key, pairs...) }
	kind := t("kind." + string(m.Kind))
	org := strings.TrimSpace(m.Org.Name)

	subject := t("subject", "kind", kind, "ticket", m.Ticket)

	var b strings.Builder
	para := func(s string) {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(strings.TrimRight(s, "\n"))
	}
	para(t("greeting"))
	para(t("intro", "org", org, "kind", kind, "reason", t("reason."+string(m.Kind))))
	para(t("target") + "\n" + oneLine(m.Target))
	if !m.Observed.IsZero() {
		zone := m.Zone
		if zone == nil {
			zone = japanTime
		}
		layout := "2 January 2006, 15:04 MST"
		if lang == "ja" {
			layout = "2006年1月2日 15:04 MST"
		}
		para(t("observed") + "\n" + m.Observed.In(zone).Format(layout))
	}
	if len(m.Evidence) > 0 {
		lines := []string{t("evidence")}
		for i, e := range m.Evidence {
			name := oneLine(e.Description)
			if name == "" {
				name = t("evidence_unnamed", "n", strconv.Itoa(i+1))
			}
			lines = append(lines, t("evidence_line", "description", name, "hash", strings.ToLower(e.SHA256), "size", strconv.Itoa(e.Size)))
		}
		para(strings.Join(lines, "\n"))
	}
	if note := strings.TrimSpace(m.Note); note != "" {
		para(t("note") + "\n" + note)
	}
	para(t("xarf") + "\n" + t("voluntary"))
	para(t("reply", "contact", m.Org.Email, "ticket", m.Ticket))
	sig := org + "\n" + m.Org.Email
	if phone := oneLine(m.Phone); phone != "" {
		sig += "\n" + t("phone", "phone", phone)
	}
	para(sig)
	b.WriteString("\n")
	return Message{Subject: oneLine(subject), Body: b.String()}, nil
}

// oneLine folds line breaks and tabs into spaces, so that a value can
// neither start a header nor break the layout of a line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
