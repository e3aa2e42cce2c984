package patrol

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// Limits of a retention in days (an item's own or a tag's).
const (
	MinRetentionDays = 1
	MaxRetentionDays = 3650
	maxTag           = 100
)

// TagRetention is how long an organisation keeps the captures of its
// items that carry a tag (those no finding names).
type TagRetention struct {
	OrgID int64
	Tag   string
	Days  int
	SetBy int64
	SetAt time.Time
}

// Why an item's captures are kept as long as they are.
const (
	KeptOwn     = "own"     // the item's own setting
	KeptTag     = "tag"     // a tag's retention in the item's organisation
	KeptDefault = "default" // CaptureRetention
)

// Kept says how long an item's captures no finding names are kept, and
// why.
type Kept struct {
	Days    int
	Because string // KeptOwn, KeptTag or KeptDefault
	Tag     string // the tag, for KeptTag
}

// Retain is the retention rule for an item, given the tag retentions of
// its organisation: its own setting when it has one; otherwise the longest
// retention set for one of its tags (evidence errs on keeping; of tags
// kept equally long, the first the item names); otherwise
// CaptureRetention. A legal hold and a finding naming a capture keep it
// whatever this says. The retention sweep (store.ExpireCaptures) applies
// the same rule in SQL.
func Retain(it *Item, tags []TagRetention) Kept {
	if it.Retention > 0 {
		return Kept{Days: int(it.Retention / (24 * time.Hour)), Because: KeptOwn}
	}
	k := Kept{Days: int(CaptureRetention / (24 * time.Hour)), Because: KeptDefault}
	for _, t := range it.Tags {
		for _, r := range tags {
			if r.OrgID == it.OrgID && r.Tag == t && (k.Because != KeptTag || r.Days > k.Days) {
				k = Kept{Days: r.Days, Because: KeptTag, Tag: t}
			}
		}
	}
	return k
}

// tagSeparator tells where one tag ends and the next starts, as typed on
// the item form: spaces of any width, commas, 読点.
func tagSeparator(r rune) bool { return r == ',' || r == '、' || r == '，' || unicode.IsSpace(r) }

// SplitTags reads tags as typed (separated by spaces, commas or 読点),
// each once, in the order given.
func SplitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, tagSeparator) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// TagRetentionInput is a tag retention as a patrol manager sets it.
type TagRetentionInput struct {
	OrgCode string // "" is the officer's own organisation
	Tag     string
	Days    string
}

// retentionOrg resolves the organisation a tag retention is for and
// checks that p may manage its patrol (the same decision as for its
// items): a partner or an unknown code is a field problem, an
// organisation outside p's line is Forbidden.
func (s *Service) retentionOrg(p auth.Principal, code string) (int64, error) {
	orgID := p.OrgID
	if code != "" {
		o, ok := s.tree().ByCode(code)
		if !ok || o.Kind == org.KindPartner {
			return 0, koban.FieldError("org", "patrol.error.org_unknown")
		}
		orgID = o.ID
	}
	if err := s.manage(p, orgID); err != nil {
		return 0, err
	}
	return orgID, nil
}

// SetTagRetention sets how long the captures of the organisation's items
// that carry the tag are kept (replacing what was set for it), for a
// patrol manager of that organisation; audited with what was set before.
func (s *Service) SetTagRetention(ctx context.Context, p auth.Principal, in TagRetentionInput) (*TagRetention, error) {
	orgID, err := s.retentionOrg(p, in.OrgCode)
	if err != nil {
		return nil, err
	}
	var bad koban.Problems
	tag := strings.TrimSpace(in.Tag)
	if tag == "" || utf8.RuneCountInString(tag) > maxTag || strings.IndexFunc(tag, tagSeparator) >= 0 {
		bad.Add("tag", "patrol.error.tag")
	}
	days, err := strconv.Atoi(strings.TrimSpace(in.Days))
	if err != nil || days < MinRetentionDays || days > MaxRetentionDays {
		bad.Add("days", "patrol.error.retention")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	r := &TagRetention{OrgID: orgID, Tag: tag, Days: days, SetBy: p.UserID, SetAt: s.clock.Now()}
	e := audit.Entry{Actor: p.Actor(), Action: "patrol.tag_retention_set", ObjectType: "org", ObjectID: strconv.FormatInt(orgID, 10),
		Detail: map[string]any{"tag": tag, "days": days}}
	if err := s.store.SetTagRetention(ctx, r, e); err != nil {
		return nil, err
	}
	return r, nil
}

// RemoveTagRetention removes the organisation's retention for the tag (its
// items' captures fall back to the rule's next step), for a patrol manager
// of that organisation; audited. One that is not set is NotFound.
func (s *Service) RemoveTagRetention(ctx context.Context, p auth.Principal, orgCode, tag string) error {
	orgID, err := s.retentionOrg(p, orgCode)
	if err != nil {
		return err
	}
	return s.store.RemoveTagRetention(ctx, orgID, tag, audit.Entry{Actor: p.Actor(), Action: "patrol.tag_retention_removed",
		ObjectType: "org", ObjectID: strconv.FormatInt(orgID, 10), Detail: map[string]any{"tag": tag}})
}

// TagRetentions lists the tag retentions of the officer's line, by
// organisation and tag.
func (s *Service) TagRetentions(ctx context.Context, p auth.Principal) ([]TagRetention, error) {
	if !p.Can(auth.PermPatrolRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return s.store.TagRetentions(ctx, s.tree().Visible(p.OrgID))
}

// MayManage tells whether p may manage the patrol of the organisation (its
// items, holds and tag retentions).
func (s *Service) MayManage(p auth.Principal, orgID int64) bool { return s.manage(p, orgID) == nil }
