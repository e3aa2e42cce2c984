package advisory

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/tlp"
)

// Service is the advisories capability.
type Service struct {
	store  Store
	access *access.Decider
	tree   func() *org.Tree
	clock  koban.Clock
	log    *slog.Logger
}

// NewService returns a Service.
func NewService(st Store, d *access.Decider, tree func() *org.Tree, clock koban.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: st, access: d, tree: tree, clock: clock, log: log}
}

// Input is what an officer writes.
type Input struct {
	TLP string
	Text
}

// Limits on what an officer writes.
const (
	maxTitle   = 200
	maxSummary = 1000
	maxBody    = 50000
)

// read checks an advisory's text: every problem at once, by field.
func read(in Input) (tlp.Level, Text, error) {
	var pr koban.Problems
	field := func(name, v string, max int, required bool) string {
		v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		switch {
		case required && v == "":
			pr.Add(name, "advisory.error.required")
		case !utf8.ValidString(v) || utf8.RuneCountInString(v) > max:
			pr.Add(name, "advisory.error.too_long")
		case max == maxTitle && strings.ContainsAny(v, "\n\r"):
			pr.Add(name, "advisory.error.one_line")
		}
		return v
	}
	var t Text
	t.TitleJA = field("title_ja", in.TitleJA, maxTitle, true)
	t.SummaryJA = field("summary_ja", in.SummaryJA, maxSummary, true)
	t.BodyJA = field("body_ja", in.BodyJA, maxBody, true)
	t.TitleEN = field("title_en", in.TitleEN, maxTitle, false)
	t.SummaryEN = field("summary_en", in.SummaryEN, maxSummary, false)
	t.BodyEN = field("body_en", in.BodyEN, maxBody, false)
	if (t.TitleEN == "") != (t.BodyEN == "") {
		pr.Add("title_en", "advisory.error.english_pair")
	}
	level := tlp.Level(strings.TrimSpace(in.TLP))
	if level == "" {
		level = tlp.Clear
	}
	if !level.Valid() {
		pr.Add("tlp", "advisory.error.tlp")
	}
	return level, t, pr.Err()
}

// Create drafts an advisory of p's organisation.
func (s *Service) Create(ctx context.Context, p auth.Principal, in Input) (*Advisory, error) {
	if !p.Can(auth.PermAdvisoryWrite) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	level, text, err := read(in)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	a := &Advisory{OrgID: p.OrgID, State: Draft, TLP: level, Text: text, AuthorID: p.UserID, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateAdvisory(ctx, a, s.entry(p, 0, "advisory.create", map[string]any{"tlp": string(level)})); err != nil {
		return nil, err
	}
	return a, nil
}

// load returns an advisory p holds right on; one p may not view is
// NotFound.
func (s *Service) load(ctx context.Context, p auth.Principal, id int64, right access.Right) (*Advisory, error) {
	a, err := s.store.Advisory(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, p, right, a.object()); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Advisory) object() access.Object {
	return access.Object{Type: ObjectType, ID: a.ID, OrgID: a.OrgID, TLP: a.TLP}
}

// View is an advisory as an officer works on it.
type View struct {
	*Advisory
	CanEdit     bool // revise it (draft, or a published one: a revision)
	CanSubmit   bool // send it for review
	CanPublish  bool // publish or send back: a reviewer who is not its author
	CanWithdraw bool
}

// Get returns an advisory p may view with what p may do to it.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (*View, error) {
	a, err := s.load(ctx, p, id, access.View)
	if err != nil {
		return nil, err
	}
	edit, err := s.access.Can(ctx, p, access.Edit, a.object())
	if err != nil {
		return nil, err
	}
	v := &View{Advisory: a}
	v.CanEdit = edit && (a.State == Draft || a.State == Published)
	v.CanSubmit = edit && a.State == Draft
	v.CanPublish = edit && a.State == Review && p.Can(auth.PermAdvisoryPublish) && p.UserID != a.AuthorID
	v.CanWithdraw = edit && a.Version > 0 && a.State != Withdrawn && p.Can(auth.PermAdvisoryPublish)
	return v, nil
}

// List lists the advisories of p's line.
func (s *Service) List(ctx context.Context, p auth.Principal) ([]*Advisory, error) {
	all, err := s.store.Advisories(ctx, s.tree().Visible(p.OrgID), 200)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, a := range all {
		if ok, err := s.access.Can(ctx, p, access.View, a.object()); err != nil {
			return nil, err
		} else if ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// Edit revises an advisory's text: a draft in place, a published one as a
// revision (a draft again, while the public keeps reading the version
// published) — p becomes its author, so someone else must publish it.
func (s *Service) Edit(ctx context.Context, p auth.Principal, id int64, in Input) (*Advisory, error) {
	a, err := s.load(ctx, p, id, access.Edit)
	if err != nil {
		return nil, err
	}
	if a.State != Draft && a.State != Published {
		return nil, koban.Errorf(koban.Conflict, "advisory.error.state")
	}
	level, text, err := read(in)
	if err != nil {
		return nil, err
	}
	a.TLP, a.Text, a.State, a.AuthorID, a.UpdatedAt = level, text, Draft, p.UserID, s.clock.Now()
	return a, s.store.UpdateAdvisory(ctx, a, false, s.entry(p, a.ID, "advisory.edit", map[string]any{"tlp": string(level)}))
}

// Submit sends a draft for review.
func (s *Service) Submit(ctx context.Context, p auth.Principal, id int64) error {
	a, err := s.load(ctx, p, id, access.Edit)
	if err != nil {
		return err
	}
	if a.State != Draft {
		return koban.Errorf(koban.Conflict, "advisory.error.state")
	}
	a.State, a.UpdatedAt = Review, s.clock.Now()
	return s.store.UpdateAdvisory(ctx, a, false, s.entry(p, a.ID, "advisory.submit", nil))
}

// Publish publishes an advisory under review as its next version: p needs
// advisory.publish and must not be its author (four eyes).
func (s *Service) Publish(ctx context.Context, p auth.Principal, id int64) error {
	a, err := s.reviewable(ctx, p, id)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	a.State, a.ReviewerID, a.ReviewNote, a.UpdatedAt, a.RevisedAt = Published, p.UserID, "", now, now
	a.Version++
	if a.PublishedAt.IsZero() {
		a.PublishedAt = now
	}
	return s.store.UpdateAdvisory(ctx, a, true, s.entry(p, a.ID, "advisory.publish", map[string]any{"version": a.Version, "tlp": string(a.TLP)}))
}

// SendBack returns an advisory under review to its author with a note.
func (s *Service) SendBack(ctx context.Context, p auth.Principal, id int64, note string) error {
	a, err := s.reviewable(ctx, p, id)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > maxSummary {
		return koban.FieldError("note", "advisory.error.note")
	}
	a.State, a.ReviewerID, a.ReviewNote, a.UpdatedAt = Draft, p.UserID, note, s.clock.Now()
	return s.store.UpdateAdvisory(ctx, a, false, s.entry(p, a.ID, "advisory.send_back", nil))
}

func (s *Service) reviewable(ctx context.Context, p auth.Principal, id int64) (*Advisory, error) {
	a, err := s.load(ctx, p, id, access.Edit)
	if err != nil {
		return nil, err
	}
	switch {
	case !p.Can(auth.PermAdvisoryPublish):
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	case a.State != Review:
		return nil, koban.Errorf(koban.Conflict, "advisory.error.state")
	case a.AuthorID == p.UserID:
		return nil, koban.Errorf(koban.Conflict, "advisory.error.own")
	}
	return a, nil
}

// Withdraw takes a published advisory down: its address then says it was
// withdrawn, and its feed entry is updated to say so.
func (s *Service) Withdraw(ctx context.Context, p auth.Principal, id int64) error {
	a, err := s.load(ctx, p, id, access.Edit)
	if err != nil {
		return err
	}
	if !p.Can(auth.PermAdvisoryPublish) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	if a.Version == 0 || a.State == Withdrawn {
		return koban.Errorf(koban.Conflict, "advisory.error.state")
	}
	now := s.clock.Now()
	a.State, a.WithdrawnAt, a.UpdatedAt = Withdrawn, now, now
	return s.store.UpdateAdvisory(ctx, a, false, s.entry(p, a.ID, "advisory.withdraw", nil))
}

// Public lists what the public may read: the latest published version of
// every TLP:CLEAR advisory, newest first.
func (s *Service) Public(ctx context.Context, limit int) ([]*Version, error) {
	return s.store.PublicVersions(ctx, tlp.Clear, limit)
}

// PublicOne returns one advisory as the public reads it; anything not
// published at TLP:CLEAR is NotFound.
func (s *Service) PublicOne(ctx context.Context, number string) (*Version, error) {
	v, err := s.store.PublicVersion(ctx, number)
	if err != nil {
		return nil, err
	}
	if v.TLP != tlp.Clear {
		return nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	return v, nil
}

func (s *Service) entry(p auth.Principal, id int64, action string, detail map[string]any) audit.Entry {
	e := audit.Entry{Actor: p.Actor(), Action: action, ObjectType: ObjectType, Detail: detail}
	if id != 0 {
		e.ObjectID = strconv.FormatInt(id, 10)
	}
	return e
}
