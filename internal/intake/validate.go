package intake

import (
	"github.com/koban-project/koban/internal/tlp"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/taxonomy"
)

// Limits bound what one submission may carry.
type Limits struct {
	DescriptionRunes int
	FileBytes        int64
	Files            int
}

// MaxBody is the largest request body that can carry a submission within
// these limits: every file at its largest, plus 1 MiB for the fields.
func (l Limits) MaxBody() int64 { return int64(l.Files)*l.FileBytes + 1<<20 }

// DefaultLimits are the limits of the public form.
var DefaultLimits = Limits{DescriptionRunes: 20000, FileBytes: 10 << 20, Files: 5}

// Submission is a report as it arrives, from the form or the API.
type Submission struct {
	Kind        Kind
	Category    string // taxonomy code, "" for "I don't know"
	Description string
	OccurredAt  time.Time
	Prefecture  string
	Money       Money
	Contact     Contact
	Consent     bool
	Language    string
	Files       []Upload
	ExternalID  string
}

// Upload is one file as it arrives: a Body read when the submission is, or
// a file already read into the file store's temporary folder by
// Service.Stage (from a request streamed part by part).
type Upload struct {
	Name   string
	Body   io.Reader
	staged *stagedFile
}

// Origin says who submitted: the public (web form or public API) or a partner.
type Origin struct {
	Source      string // "web", "api" or "partner"
	SubmittedBy int64
	OrgID       int64 // the partner's organisation, for the audit trail
	// TLP is the marking of what this origin submits: the partner
	// organisation's default; "" (the public) is amber.
	TLP   tlp.Level
	Label string
	IP    string
}

// Partner reports whether the submission came from an authenticated partner.
func (o Origin) Partner() bool { return o.Source == "partner" }

// validate checks a submission and returns every problem at once, by field.
func validate(s *Submission, o Origin, lim Limits, now time.Time) error {
	var p koban.Problems
	s.Description = strings.TrimSpace(s.Description)
	s.Category = strings.ToUpper(strings.TrimSpace(s.Category))
	s.Prefecture = strings.TrimSpace(s.Prefecture)
	s.Contact.Name = strings.TrimSpace(s.Contact.Name)
	s.Contact.Email = strings.TrimSpace(s.Contact.Email)
	s.Contact.Phone = strings.TrimSpace(s.Contact.Phone)
	switch s.Language {
	case "":
		s.Language = "ja"
	case "ja", "en":
	default:
		p.Add("language", "intake.error.language")
	}
	switch s.Kind {
	case KindReport, KindConsultation, KindTip:
	default:
		p.Add("kind", "intake.error.kind")
	}
	if s.Category != "" && !taxonomy.Valid(s.Category) {
		p.Add("category", "intake.error.category")
	}
	switch n := utf8.RuneCountInString(s.Description); {
	case n == 0:
		p.Add("description", "intake.error.description_required")
	case n > lim.DescriptionRunes:
		p.Add("description", "intake.error.description_too_long")
	case !utf8.ValidString(s.Description) || strings.ContainsFunc(s.Description, badControl):
		p.Add("description", "intake.error.description_invalid")
	}
	if !s.OccurredAt.IsZero() && s.OccurredAt.After(now.Add(10*time.Minute)) {
		p.Add("occurred_at", "intake.error.future")
	}
	if s.Prefecture != "" {
		if _, ok := org.PrefectureByCode(s.Prefecture); !ok {
			p.Add("prefecture", "intake.error.prefecture")
		}
	}
	if s.Money.AmountJPY < 0 || s.Money.AmountJPY > MaxAmountJPY {
		p.Add("money.amount_jpy", "intake.error.amount")
	}
	if !s.Money.SentAt.IsZero() && s.Money.SentAt.After(now.Add(10*time.Minute)) {
		p.Add("money.sent_at", "intake.error.future")
	}
	if utf8.RuneCountInString(s.Contact.Name) > 200 {
		p.Add("contact.name", "intake.error.too_long")
	} else if !oneLine(s.Contact.Name) {
		p.Add("contact.name", "intake.error.text_invalid")
	}
	if !oneLine(s.ExternalID) {
		p.Add("external_id", "intake.error.text_invalid")
	}
	if s.Contact.Email != "" {
		if a, err := mail.ParseAddress(s.Contact.Email); err != nil || a.Address != s.Contact.Email || len(s.Contact.Email) > 254 {
			p.Add("contact.email", "intake.error.email")
		}
	}
	if s.Contact.Phone != "" {
		if key := phoneProblem(s.Contact.Phone); key != "" {
			p.Add("contact.phone", key)
		}
	}
	needContact := !o.Partner() && s.Kind != KindTip
	if needContact && s.Contact.Email == "" && s.Contact.Phone == "" {
		p.Add("contact", "intake.error.contact_required")
	}
	if !s.Contact.Empty() && !s.Consent {
		p.Add("consent", "intake.error.consent")
	}
	// Files already staged were checked as they arrived: their problems are
	// told with the others (files read later, from Body, are checked when
	// they are stored).
	for i, u := range s.Files {
		if u.staged != nil && u.staged.problem != "" {
			p.Add("files."+strconv.Itoa(i), u.staged.problem)
		}
	}
	if len(s.Files) > lim.Files {
		p.Add("files", "intake.error.too_many_files")
	}
	return p.Err()
}

func badControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
}

// oneLine reports whether s is valid UTF-8 with no control character at
// all: names and identifiers have no use for line breaks or tabs, and
// control characters in them can forge lines in logs and exports.
func oneLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// phoneProblem says what is wrong with a phone number to be called back on,
// as a message key, or "" when it is plausible: digits (half- or
// full-width) with the usual separators, at least the ten digits of a
// Japanese number with its area code (eleven for mobile and IP phones,
// 070/080/090/050/020), at most the fifteen of an international one.
func phoneProblem(s string) string {
	digits := 0
	var head []rune // the first three digits
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= '０' && r <= '９':
			digits++
			if r >= '０' {
				r = r - '０' + '0'
			}
			if len(head) < 3 {
				head = append(head, r)
			}
		case strings.ContainsRune(" 　-+()（）－ー‐＋", r):
		default:
			return "intake.error.phone_chars"
		}
	}
	// 020, 050, 060, 070, 080, 090: eleven digits.
	mobile := len(head) == 3 && head[0] == '0' && head[2] == '0' && strings.ContainsRune("256789", head[1])
	switch {
	case digits < 10, mobile && digits < 11:
		return "intake.error.phone_short"
	case digits > 15:
		return "intake.error.phone_long"
	}
	return ""
}
