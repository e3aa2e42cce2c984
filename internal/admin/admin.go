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
	"unicode/utf8"

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
	// SetUserRoleOrg gives an account a new role and organisation and ends
	// its sessions, with the audit entry.
	SetUserRoleOrg(ctx context.Context, userID int64, role auth.Role, orgID int64, e audit.Entry) (int, error)
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

// Manages reports whether p administers organisation id.
func (s *Service) Manages(p auth.Principal, id int64) bool {
	return s.check(p) == nil && s.manages(p, id)
}

// Orgs lists the organisations p administers in tree order: each followed
// by the organisations below it, so that a new station appears under its
// parent.
func (s *Service) Orgs(p auth.Principal) ([]org.Org, error) {
	if err := s.check(p); err != nil {
		return nil, err
	}
	var out []org.Org
	for _, o := range s.tree().InOrder() {
		if s.manages(p, o.ID) {
			out = append(out, o)
		}
	}
	return out, nil
}

// maxName is the longest name of an organisation, in characters.
const maxName = 200

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
	for _, name := range []struct{ field, value string }{{"name_ja", n.NameJA}, {"name_en", n.NameEN}} {
		switch {
		case name.value == "":
			pr.Add(name.field, "admin.error."+name.field+"_missing")
		case utf8.RuneCountInString(name.value) > maxName || !utf8.ValidString(name.value):
			pr.Add(name.field, "admin.error."+name.field+"_too_long")
		}
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
		Detail: map[string]any{"code": o.Code, "kind": string(o.Kind), "parent": n.ParentCode}}); err != nil {
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

// other returns an account p administers that is not p's own: an
// administrator's own password, second factor and standing are changed on
// their account page or by another administrator, never in a way that could
// lock them out. An account outside p's subtree is NotFound, exactly like
// one that does not exist.
func (s *Service) other(ctx context.Context, p auth.Principal, id int64, selfKey string) (*auth.User, error) {
	u, _, err := s.User(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if u.ID == p.UserID {
		return nil, koban.Errorf(koban.Invalid, selfKey)
	}
	return u, nil
}

// SetDisabled disables or re-enables an account p administers; p cannot
// disable themselves.
func (s *Service) SetDisabled(ctx context.Context, p auth.Principal, id int64, disabled bool) error {
	if _, err := s.other(ctx, p, id, "admin.error.self"); err != nil {
		return err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return s.store.SetUserDisabled(ctx, id, disabled, audit.Entry{Actor: p.Actor(), Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(id, 10)})
}

// ResetPassword gives an account p administers a one-time password,
// returned once for p to hand over, and ends its sessions; the officer must
// choose their own password at the next sign-in.
func (s *Service) ResetPassword(ctx context.Context, p auth.Principal, id int64) (string, error) {
	u, err := s.other(ctx, p, id, "admin.error.self_account")
	if err != nil {
		return "", err
	}
	return s.auth.ResetPassword(ctx, p.Actor(), u.ID)
}

// ResetTOTP removes the authenticator key of an account p administers and
// ends its sessions: the next sign-in enrols a new one.
func (s *Service) ResetTOTP(ctx context.Context, p auth.Principal, id int64) error {
	u, err := s.other(ctx, p, id, "admin.error.self_account")
	if err != nil {
		return err
	}
	return s.auth.ResetTOTP(ctx, p.Actor(), u.ID)
}

// Placement is the role and organisation an account is to have.
type Placement struct {
	Role    auth.Role
	OrgCode string
}

// SetPlacement gives an account p administers a new role or organisation,
// one p administers too: a partner role only in a partner organisation and
// a police role only in a police one. Its sessions end, so that the next
// sign-in applies the new organisation's second-factor rule. Nothing
// changes, and nothing is written, when both stay as they are.
func (s *Service) SetPlacement(ctx context.Context, p auth.Principal, id int64, to Placement) error {
	u, err := s.other(ctx, p, id, "admin.error.self_placement")
	if err != nil {
		return err
	}
	o, ok := s.tree().ByCode(to.OrgCode)
	if !ok || !s.manages(p, o.ID) {
		return koban.FieldError("org", "auth.error.org")
	}
	if !to.Role.Valid() {
		return koban.FieldError("role", "auth.role_unknown")
	}
	if (to.Role == auth.RolePartner) != (o.Kind == org.KindPartner) {
		return koban.FieldError("role", "admin.error.partner_role")
	}
	if to.Role == u.Role && o.ID == u.OrgID {
		return nil
	}
	from, _ := s.tree().ByID(u.OrgID)
	_, err = s.store.SetUserRoleOrg(ctx, u.ID, to.Role, o.ID, audit.Entry{Actor: p.Actor(), Action: "user.update", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{
			"role": []string{string(u.Role), string(to.Role)}, "org": []string{from.Code, o.Code}}})
	return err
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
