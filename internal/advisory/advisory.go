// Package advisory is what police tell the public (広報啓発): advisories
// drafted by an officer, reviewed by another who may publish (four eyes),
// then published as an HTML page, an Atom feed (RFC 4287) and a JSON Feed
// (1.1), in Japanese and English.
//
// An advisory keeps one working copy (advisories) and every version it
// was published as (advisory_versions): the public reads only published
// versions, so an advisory being revised stays online as it was until the
// revision is published, and its feed entry then shows it updated under
// the same id. Only TLP:CLEAR versions are public; an advisory at another
// level is for officers (and partners it is shared with) only. A
// withdrawn advisory stays at its address saying so.
package advisory

import (
	"context"
	"fmt"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/tlp"
)

// ObjectType names advisories in audit rows.
const ObjectType = "advisory"

// State is where an advisory's working copy stands.
type State string

// The states.
const (
	Draft     State = "draft"
	Review    State = "review" // submitted, waiting for a reviewer
	Published State = "published"
	Withdrawn State = "withdrawn"
)

// Advisory is an advisory's working copy, with what it was published as.
type Advisory struct {
	ID         int64
	Number     string // the stable public id: ADV-<year>-<id>
	OrgID      int64
	State      State
	TLP        tlp.Level
	Text       Text
	AuthorID   int64
	ReviewerID int64 // who published it last, or sent it back
	ReviewNote string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Version is the number of the last published version; 0 before the
	// first publication.
	Version     int
	PublishedAt time.Time // the first publication
	RevisedAt   time.Time // the last publication
	WithdrawnAt time.Time
}

// Text is what an advisory says, in both languages (English may be
// empty: the public English pages then show the Japanese).
type Text struct {
	TitleJA, TitleEN     string
	SummaryJA, SummaryEN string
	BodyJA, BodyEN       string // Markdown
}

// Version is one published version of an advisory, as the public reads it.
type Version struct {
	AdvisoryID  int64
	Number      string
	Version     int
	TLP         tlp.Level
	Text        Text
	PublishedAt time.Time // of the advisory's first version
	RevisedAt   time.Time // of this version
	WithdrawnAt time.Time // when the advisory was withdrawn; zero while it stands
	OrgID       int64
}

// Title is the version's title in lang, falling back to Japanese.
func (t Text) Title(lang string) string {
	if lang == "en" && t.TitleEN != "" {
		return t.TitleEN
	}
	return t.TitleJA
}

// Summary is the summary in lang, falling back to Japanese.
func (t Text) Summary(lang string) string {
	if lang == "en" && t.SummaryEN != "" {
		return t.SummaryEN
	}
	return t.SummaryJA
}

// Body is the Markdown body in lang, falling back to Japanese.
func (t Text) Body(lang string) string {
	if lang == "en" && t.BodyEN != "" {
		return t.BodyEN
	}
	return t.BodyJA
}

// Lang is the language the text is actually in for a reader of lang.
func (t Text) Lang(lang string) string {
	if lang == "en" && t.TitleEN != "" {
		return "en"
	}
	return "ja"
}

// Number writes an advisory's public id.
func Number(created time.Time, id int64) string {
	return fmt.Sprintf("ADV-%d-%04d", created.Year(), id)
}

// Store keeps advisories. Each change writes its audit entry in the same
// transaction.
type Store interface {
	CreateAdvisory(ctx context.Context, a *Advisory, e audit.Entry) error
	Advisory(ctx context.Context, id int64) (*Advisory, error)
	// Advisories lists the working copies of the organisations' advisories,
	// newest change first.
	Advisories(ctx context.Context, orgs []int64, limit int) ([]*Advisory, error)
	// UpdateAdvisory writes the working copy; with publish set it also
	// stores the version a.Version as published.
	UpdateAdvisory(ctx context.Context, a *Advisory, publish bool, e audit.Entry) error
	// PublicVersions lists the latest published version of every advisory
	// at level (withdrawn ones included, marked), newest revision first.
	PublicVersions(ctx context.Context, level tlp.Level, limit int) ([]*Version, error)
	// PublicVersion returns the latest published version of an advisory by
	// its number.
	PublicVersion(ctx context.Context, number string) (*Version, error)
}
