// Package admin is the administrators' work: organisations below their own
// (stations, partner organisations, the second-factor policy), the accounts
// in them and their API tokens. An administrator acts only within their own
// organisation's subtree; partner organisations, which sit outside the tree,
// are managed by national administrators.
package admin

import (
	"context"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// Store is what administration needs from the database.
type Store interface {
	CreateOrg(ctx context.Context, o *org.Org, e audit.Entry) error
	SetRequireTOTP(ctx context.Context, orgID int64, require bool, e audit.Entry) error
	Users(ctx context.Context, orgIDs []int64) ([]auth.User, error)
	User(ctx context.Context, id int64) (*auth.User, error)
	SetUserDisabled(ctx context.Context, userID int64, disabled bool, e audit.Entry) error
	Tokens(ctx context.Context, userID int64) ([]auth.APIToken, error)
}

// Service carries out administration.
type Service struct {
	store  Store
	auth   *auth.Service
	tree   func() *org.Tree
	reload func(context.Context) error
}

// NewService wires administration; reload refreshes the organisation tree
// after a change.
func NewService(st Store, a *auth.Service, tree func() *org.Tree, reload func(context.Context) error) *Service {
	return &Service{store: st, auth: a, tree: tree, reload: reload}
}

func (s *Service) check(p auth.Principal) error {
	if !p.Can(auth.PermUserAdmin) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return nil
}

// national reports whether p acts for a root of the police tree (the NPA),
// which alone manages partner organisations.
func (s *Service) national(p auth.Principal) bool {
	o, ok := s.tree().ByID(p.OrgID)
	return ok && o.ParentID == 0 && o.Kind != org.KindPartner
}

// manages reports whether p may administer organisation id.
func (s *Service) manages(p auth.Principal, id int64) bool {
	t := s.tree()
	if t.Sees(p.OrgID, id) {
		return true
	}
	o, ok := t.ByID(id)
	return ok && o.Kind == org.KindPartner && s.national(p)
}

// Orgs lists the organisations p administers.
func (s *Service) Orgs(p auth.Principal) ([]org.Org, error) {
	if err := s.check(p); err != nil {
		return nil, err
	}
	var out []org.Org
	for _, o := range s.tree().All() {
		if s.manages(p, o.ID) {
			out = append(out, o)
		}
	}
	return out, nil
}

// NewOrg is a station or partner organisation to add.
type NewOrg struct {
	Code, ParentCode, NameJA, NameEN string
	Kind                             org.Kind
}

// AddOrg adds a police station under an organisation p administers, or (for
// national administrators) a partner organisation outside the tree.
func (s *Service) AddOrg(ctx context.Context, p auth.Principal, n NewOrg) (*org.Org, error) {
	if err := s.check(p); err != nil {
		return nil, err
	}
	var pr koban.Problems
	n.Code = strings.ToLower(strings.TrimSpace(n.Code))
	n.NameJA, n.NameEN = strings.TrimSpace(n.NameJA), strings.TrimSpace(n.NameEN)
	if !org.ValidCode(n.Code) {
		pr.Add("code", "admin.error.code")
	} else if _, taken := s.tree().ByCode(n.Code); taken {
		pr.Add("code", "admin.error.code_taken")
	}
	if n.NameJA == "" || len(n.NameJA) > 200 {
		pr.Add("name_ja", "admin.error.name")
	}
	if n.NameEN == "" || len(n.NameEN) > 200 {
		pr.Add("name_en", "admin.error.name")
	}
	// A new station asks its officers for a second factor, like every
	// police organisation, until an administrator decides otherwise.
	o := &org.Org{Code: n.Code, Kind: n.Kind, NameJA: n.NameJA, NameEN: n.NameEN, RequireTOTP: n.Kind != org.KindPartner}
	switch n.Kind {
	case org.KindStation:
		parent, ok := s.tree().ByCode(n.ParentCode)
		if !ok || !s.tree().Sees(p.OrgID, parent.ID) || (parent.Kind != org.KindPrefecture && parent.Kind != org.KindStation) {
			pr.Add("parent", "admin.error.parent")
		} else {
			o.ParentID, o.Prefecture = parent.ID, parent.Prefecture
		}
	case org.KindPartner:
		if !s.national(p) {
			pr.Add("kind", "admin.error.partner_national")
		}
	default:
		pr.Add("kind", "admin.error.kind")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	if err := s.store.CreateOrg(ctx, o, audit.Entry{Actor: p.Actor(), Action: "org.create",
		Detail: map[string]any{"kind": string(o.Kind), "parent": n.ParentCode}}); err != nil {
		return nil, err
	}
	return o, s.reload(ctx)
}

// SetRequireTOTP makes a second factor required (or optional) for everyone
// in an organisation p administers.
func (s *Service) SetRequireTOTP(ctx context.Context, p auth.Principal, orgID int64, require bool) error {
	if err := s.check(p); err != nil {
		return err
	}
	if !s.manages(p, orgID) {
		return koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err := s.store.SetRequireTOTP(ctx, orgID, require, audit.Entry{Actor: p.Actor(), Action: "org.require_totp",
		ObjectType: "org", ObjectID: strconv.FormatInt(orgID, 10), Detail: map[string]any{"require": require}}); err != nil {
		return err
	}
	return s.reload(ctx)
}

// Users lists the accounts of the organisations p administers.
func (s *Service) Users(ctx context.Context, p auth.Principal) ([]auth.User, error) {
	orgs, err := s.Orgs(p)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	return s.store.Users(ctx, ids)
}

// User returns one account p administers, with its tokens.
func (s *Service) User(ctx context.Context, p auth.Principal, id int64) (*auth.User, []auth.APIToken, error) {
	if err := s.check(p); err != nil {
		return nil, nil, err
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !s.manages(p, u.OrgID) {
		return nil, nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	toks, err := s.store.Tokens(ctx, id)
	return u, toks, err
}

// AddUser creates an account in an organisation p administers.
func (s *Service) AddUser(ctx context.Context, p auth.Principal, nu auth.NewUser) (*auth.User, error) {
	if err := s.check(p); err != nil {
		return nil, err
	}
	o, ok := s.tree().ByCode(nu.OrgCode)
	if !ok || !s.manages(p, o.ID) {
		return nil, koban.FieldError("org", "auth.error.org")
	}
	if (nu.Role == auth.RolePartner) != (o.Kind == org.KindPartner) {
		return nil, koban.FieldError("role", "admin.error.partner_role")
	}
	return s.auth.CreateUser(ctx, p.Actor(), nu)
}

// SetDisabled disables or re-enables an account p administers; p cannot
// disable themselves.
func (s *Service) SetDisabled(ctx context.Context, p auth.Principal, id int64, disabled bool) error {
	u, _, err := s.User(ctx, p, id)
	if err != nil {
		return err
	}
	if u.ID == p.UserID {
		return koban.Errorf(koban.Invalid, "admin.error.self")
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return s.store.SetUserDisabled(ctx, id, disabled, audit.Entry{Actor: p.Actor(), Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(id, 10)})
}

// CreateToken makes an API token for an account p administers; the
// plaintext is returned once.
func (s *Service) CreateToken(ctx context.Context, p auth.Principal, userID int64, name string) (string, error) {
	u, _, err := s.User(ctx, p, userID)
	if err != nil {
		return "", err
	}
	plain, _, err := s.auth.CreateToken(ctx, p.Actor(), u.Email, name)
	return plain, err
}

// RevokeToken revokes a token of an account p administers.
func (s *Service) RevokeToken(ctx context.Context, p auth.Principal, userID, tokenID int64) error {
	_, toks, err := s.User(ctx, p, userID)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.ID == tokenID {
			return s.auth.RevokeToken(ctx, p.Actor(), tokenID)
		}
	}
	return koban.Errorf(koban.NotFound, "error.not_found")
}
