// Package cases carries investigations: a case opened from one or more
// reports (linked, never copied) or directly, with its workflow of
// statuses, lead and members, tasks (from a checklist per category and by
// hand), notes in Markdown and one timeline of everything that happened to
// it. Every read and change goes through the access decision
// (internal/access) and is audited.
package cases

import (
	"slices"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
)

// ObjectType names cases in grants, access decisions and audit rows.
const ObjectType = "case"

// Status is where a case stands.
type Status string

// The statuses of the workflow (see CanMove).
const (
	StatusOpen          Status = "open"          // 受理
	StatusInvestigating Status = "investigating" // 捜査中
	StatusReferred      Status = "referred"      // 引継ぎ中: entered only by a referral
	StatusSuspended     Status = "suspended"     // 保留
	StatusClosed        Status = "closed"        // 終結, with a reason
)

// Statuses lists the statuses in workflow order.
var Statuses = []Status{StatusOpen, StatusInvestigating, StatusReferred, StatusSuspended, StatusClosed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// moves are the changes an officer makes by hand with the status form.
// "referred" is never among them: a referral enters it (Service.EnterReferral)
// and its answer leaves it (Service.LeaveReferral). Reopening a closed case
// takes it back to investigating.
var moves = map[Status][]Status{
	StatusOpen:          {StatusInvestigating, StatusSuspended, StatusClosed},
	StatusInvestigating: {StatusSuspended, StatusClosed},
	StatusSuspended:     {StatusInvestigating, StatusClosed},
	StatusReferred:      {},
	StatusClosed:        {StatusInvestigating},
}

// CanMove reports whether an officer may move a case from one status to
// another by hand.
func CanMove(from, to Status) bool { return slices.Contains(moves[from], to) }

// Moves returns the statuses a case in from may be moved to by hand.
func Moves(from Status) []Status { return slices.Clone(moves[from]) }

// Severity is how serious a case is.
type Severity string

// The severities, least first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists the severities, least first.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// CloseReasons are why a case is closed: stable identifiers shown through
// the catalogs ("case.close.<reason>").
var CloseReasons = []string{"arrested", "sent_to_prosecutor", "suspect_unknown", "no_crime", "merged", "victim_withdrew", "other"}

// LawBuckets lists the statistics buckets a case can count under.
var LawBuckets = []taxonomy.LawBucket{taxonomy.LawUnauthorizedAccess, taxonomy.LawComputerCrime, taxonomy.LawOther}

// Case is one investigation.
type Case struct {
	ID          int64
	Number      string // e.g. "2026-13-00042": year, prefecture ("00" national), sequence
	Title       string
	Summary     string
	Category    string // taxonomy code
	Law         taxonomy.LawBucket
	Severity    Severity
	Status      Status
	CloseReason string // one of CloseReasons while closed
	OrgID       int64  // the owning organisation
	LeadID      int64  // the account leading it, 0 for none
	Members     []int64
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Hold is a legal hold: retention deletes nothing of the case or under
	// it (its reports, evidence, notes) while it is set. HoldReason, HoldBy
	// and HoldAt say why, who and when it was last set or lifted.
	Hold       bool
	HoldReason string
	HoldBy     int64
	HoldAt     time.Time
}

// Object is the case as the access decision sees it.
func (c *Case) Object() access.Object {
	return access.Object{Type: ObjectType, ID: c.ID, OrgID: c.OrgID}
}

// Row is one case in a list.
type Row struct {
	ID        int64
	Number    string
	Title     string
	Category  string
	Severity  Severity
	Status    Status
	OrgID     int64
	LeadID    int64
	Reports   int // linked reports
	OpenTasks int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ListCountCap is how many cases a list counts: Store.Cases returns a
// total of at most ListCountCap+1, and one above ListCountCap means "more
// than ListCountCap" (counting every case nationally would cost more than
// the list itself).
const ListCountCap = 1000

// Filter selects cases for a list.
type Filter struct {
	Scope    access.Scope // the cases the viewer may see; always set
	Status   Status
	Severity Severity
	Category string
	Mine     int64 // when set, only cases this account leads or is a member of
	Limit    int
	Offset   int
}

// TaskStatus is where a task stands.
type TaskStatus string

// The task statuses.
const (
	TaskOpen TaskStatus = "open"
	TaskDone TaskStatus = "done"
)

// Task is one piece of work on a case.
type Task struct {
	ID     int64
	CaseID int64
	// Title is the officer's text; a task from a category checklist has
	// none and names its text by TemplateKey (a catalog key), so that it
	// reads in each viewer's language.
	Title       string
	TemplateKey string
	AssigneeID  int64     // 0: nobody yet
	Due         time.Time // a calendar day (midnight UTC); zero when none
	Status      TaskStatus
	CreatedBy   int64
	CreatedAt   time.Time
	DoneBy      int64
	DoneAt      time.Time
}

// TaskRow is a task with the case it belongs to, for lists across cases.
type TaskRow struct {
	Task
	CaseNumber string
	CaseTitle  string
	CaseOrgID  int64
}

// TaskFilter selects tasks across cases.
type TaskFilter struct {
	Scope      access.Scope // the cases the viewer may see; always set
	AssigneeID int64        // 0: anyone's
	Status     TaskStatus   // "": any
	Limit      int
	Offset     int
}

// Note is an officer's note on a case, in Markdown.
type Note struct {
	ID        int64
	CaseID    int64
	AuthorID  int64
	Body      string
	CreatedAt time.Time
}

// LinkedReport is a report linked to a case, as the case shows it.
type LinkedReport struct {
	ReportID  int64
	Receipt   string
	OrgID     int64     // the report's owner (access is decided on it)
	TLP       tlp.Level // the report's marking (access is decided on it too)
	Category  string
	Status    string
	Summary   string // the start of its description
	CreatedAt time.Time
	LinkedBy  int64
	LinkedAt  time.Time
}

// EventKind is what a timeline entry records.
type EventKind string

// The kinds of timeline entries. Referrals, evidence and support requests
// add theirs as they land; a page shows an unknown kind by its catalog key
// "case.event.<kind>".
const (
	EventOpened           EventKind = "opened"
	EventReportLinked     EventKind = "report_linked"
	EventReportUnlinked   EventKind = "report_unlinked"
	EventStatus           EventKind = "status"
	EventHold             EventKind = "hold"        // legal hold set, with the reason
	EventHoldLifted       EventKind = "hold_lifted" // legal hold lifted, with the reason
	EventTaskAdded        EventKind = "task_added"
	EventTaskDone         EventKind = "task_done"
	EventTaskReopened     EventKind = "task_reopened"
	EventNote             EventKind = "note"
	EventReferred         EventKind = "referred"
	EventReferralAnswered EventKind = "referral_answered"
)

// Event is one entry of a case's timeline: typed, written by the store in
// the transaction of the change it records.
type Event struct {
	ID      int64
	CaseID  int64
	At      time.Time
	ActorID int64 // 0 for the system
	Kind    EventKind
	RefID   int64  // the report, task, note (or referral …) it is about
	From    string // a status change: the old value
	To      string // … and the new one
	Reason  string // a close reason, a referral's outcome
	Text    string // an officer's words with the change
	// Filled on read for report events: the report's owner and receipt
	// (shown only to those who may view the report).
	RefOrgID int64
	RefLabel string
}

// uniqueIDs returns ids without zeros and repeats, in their first order.
func uniqueIDs(ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
