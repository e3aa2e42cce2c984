// Package intake takes reports from the public and from partners, routes them
// to the prefecture that must act, flags the urgent ones, and carries the
// triage work on them: assign, reply, re-categorise, merge, close, transfer.
package intake

import (
	"github.com/koban-project/koban/internal/access"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

// Kind is what the person wants: to report, to ask for advice, or to give a tip.
type Kind string

// The kinds of submission.
const (
	KindReport       Kind = "report"       // 通報
	KindConsultation Kind = "consultation" // 相談
	KindTip          Kind = "tip"          // 情報提供 (may be anonymous)
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{KindReport, KindConsultation, KindTip}

// Status is where a report stands.
type Status string

// The statuses a report moves through.
const (
	StatusNew        Status = "new"
	StatusInProgress Status = "in_progress"
	StatusClosed     Status = "closed"
)

// Statuses lists the statuses in order.
var Statuses = []Status{StatusNew, StatusInProgress, StatusClosed}

// Close reasons, stable identifiers shown through the catalogs.
var CloseReasons = []string{"resolved", "advice_given", "no_crime", "duplicate", "referred", "insufficient", "other"}

// Money is what the person lost or sent.
type Money struct {
	AmountJPY int64     `json:"amount_jpy"`
	SentAt    time.Time `json:"sent_at"`
}

// Contact is the reporter's personal data: every officer view of it is audited.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// Empty reports whether no contact detail was given.
func (c Contact) Empty() bool { return c.Name == "" && c.Email == "" && c.Phone == "" }

// ContactGiven says which contact details a reporter gave, without them:
// what an officer learns before revealing them.
type ContactGiven struct{ Name, Email, Phone bool }

// Any reports whether any detail was given.
func (g ContactGiven) Any() bool { return g.Name || g.Email || g.Phone }

// Given says which details c holds.
func (c Contact) Given() ContactGiven {
	return ContactGiven{Name: c.Name != "", Email: c.Email != "", Phone: c.Phone != ""}
}

// Report is one submission with what the police did with it.
type Report struct {
	ID               int64
	Receipt          string
	TokenHash        string
	Kind             Kind
	Category         string // current triage category, "" when unknown
	ReportedCategory string // what the reporter chose
	Description      string
	OccurredAt       time.Time
	Prefecture       string // JIS X 0401 code, "" when unknown
	OrgID            int64  // the owning organisation
	TLP              string // its TLP 2.0 level (package tlp); "" is amber
	Money            Money
	FreezeDeadline   time.Time // zero when there is no freeze window
	Urgent           bool
	Status           Status
	CloseReason      string
	DuplicateOf      int64
	AssigneeID       int64
	Contact          Contact
	Given            ContactGiven // which details Contact held, where Get left them out
	Consent          bool
	Language         string
	Source           string // "web", "api", "partner"
	SubmittedBy      int64  // partner user, 0 for the public
	ExternalID       string // the partner's own id
	CreatedAt        time.Time
	UpdatedAt        time.Time

	Files       []File
	Messages    []Message
	Observables []observe.Observable
}

// File is one piece of evidence attached to a report.
type File struct {
	ID          int64
	ReportID    int64
	SHA256      string
	Name        string
	ContentType string
	Size        int64
	AddedBy     string // "reporter" or "officer"
	CreatedAt   time.Time
}

// Message is one exchange between the reporter and the police.
type Message struct {
	ID        int64
	ReportID  int64
	Author    string // "reporter" or "officer"
	UserID    int64
	Body      string
	CreatedAt time.Time
}

// QueueFilter selects reports for the triage queue.
type QueueFilter struct {
	Scope    access.Scope // the reports the viewer may see (access.ScopeOf)
	Kind     Kind
	Category string // "" any, "-" unknown
	Urgent   bool
	Freeze   bool
	Status   Status
	// AssigneeID keeps the reports assigned to that officer; 0 keeps all.
	AssigneeID int64
	From, To   time.Time
	Sort       string // "urgent" (default), "newest", "oldest"
	Limit      int
	Offset     int
}

// QueueItem is one row of the queue.
type QueueItem struct {
	ID             int64
	Receipt        string
	Kind           Kind
	Category       string
	Prefecture     string
	OrgID          int64
	Urgent         bool
	FreezeDeadline time.Time
	Status         Status
	AssigneeID     int64
	Summary        string
	CreatedAt      time.Time
}

// Addition is what is added to a stored report at once: messages, files,
// the observables found in them (indexed with the report) and, when not
// empty, a new status.
type Addition struct {
	Messages    []Message
	Files       []File
	Observables []observe.Observable
	Status      Status
}
