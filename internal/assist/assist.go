// Package assist is AI assistance for officers (issue 18): it suggests,
// never decides. Each report gets a triage suggestion — a taxonomy
// category and urgency, with a score and the n-grams that drove it — from
// the local model of internal/triage, after the report is stored and
// never in the public request: a recurring job of the job layer
// (SuggestJob), claimed by one server at a time, takes the reports that
// have none yet. Every suggestion keeps the model version and score that
// made it. An officer accepts one through the existing, audited category
// change; the queue and the report page show it with its reasons.
//
// Model versions are kept (triage_models, one active). The first is
// trained from the seed set koban ships when none is stored; `koban model
// train` trains a new one from the seed set and the categories officers
// have confirmed (every report.category change in the audit log names
// one), evaluates it by stratified 5-fold and activates it; `koban model
// eval` prints that evaluation without training.
package assist

import (
	"context"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/triage"
)

// ModelRow is a stored version of the triage model.
type ModelRow struct {
	Version   string
	CreatedAt time.Time
	CreatedBy int64
	Examples  int // trained on
	Confirmed int // of which officers' confirmed categories
	MacroF1   float64
	Yamibaito float64 // 闇バイト recall, 5-fold
	Active    bool
	Body      []byte // triage.Model.MarshalBinary; nil when listed
}

// Suggestion is a record's stored suggestion.
type Suggestion struct {
	RecordType  string // "report" or "finding" (a cyber patrol finding)
	RecordID    int64
	Category    taxonomy.Code
	Score       float64
	Urgent      bool
	UrgentScore float64
	Features    []triage.Feature
	Model       string
	// LLMCategory, LLMReason and LLMModel are the LLM's second opinion,
	// when one is set up (KOBAN_LLM_URL) and answered within the rules.
	LLMCategory taxonomy.Code
	LLMReason   string
	LLMModel    string
	CreatedAt   time.Time
}

// Pending is a record waiting for its suggestion: its id, text and TLP,
// and the names to mask before the text leaves for an LLM (a reporter's).
type Pending struct {
	ID    int64
	Text  string
	TLP   tlp.Level
	Names []string
}

// Store keeps model versions and suggestions.
type Store interface {
	// SaveTriageModel stores a model version, active (the others made
	// inactive) when activate, with its audit row.
	SaveTriageModel(ctx context.Context, m *ModelRow, activate bool, e audit.Entry) error
	// ActiveTriageModel returns the active version with its body;
	// NotFound when there is none.
	ActiveTriageModel(ctx context.Context) (*ModelRow, error)
	// TriageModels lists the versions, newest first, without bodies.
	TriageModels(ctx context.Context) ([]*ModelRow, error)
	// Unsuggested returns up to limit records of a type ("report": their
	// description; "finding", cyber patrol's: its excerpt) without a
	// suggestion, oldest first.
	Unsuggested(ctx context.Context, recordType string, limit int) ([]Pending, error)
	// SaveSuggestions stores suggestions; a record that has one keeps it.
	SaveSuggestions(ctx context.Context, s []*Suggestion) error
	// Suggestions returns the stored suggestions of records of a type.
	Suggestions(ctx context.Context, recordType string, ids []int64) (map[int64]*Suggestion, error)
	// ReporterName returns the name a report's reporter gave ("" none), to
	// mask before the report's text leaves for an LLM.
	ReporterName(ctx context.Context, reportID int64) (string, error)
	// Audit writes one audit row.
	Audit(ctx context.Context, e audit.Entry) error
	// ConfirmedExamples returns the reports whose category an officer set
	// (a report.category audit row), with their description.
	ConfirmedExamples(ctx context.Context) ([]triage.Example, error)
}
