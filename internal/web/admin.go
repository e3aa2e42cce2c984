package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

type adminUsersPage struct {
	page
	Users []auth.User
	Orgs  []org.Org
	Roles []auth.Role
	In    auth.NewUser
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	s.showAdminUsers(w, r, http.StatusOK, auth.NewUser{}, nil)
}

func (s *Server) showAdminUsers(w http.ResponseWriter, r *http.Request, status int, in auth.NewUser, problem error) {
	p := s.newPage(r, "admin.users_title")
	users, err := s.Admin.Users(r.Context(), *p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgs, _ := s.Admin.Orgs(*p.Principal)
	d := adminUsersPage{page: p, Users: users, Orgs: orgs, Roles: auth.Roles(), In: in}
	if problem != nil {
		d.setProblems(problem)
	}
	s.render(w, r, status, "admin_users", d)
}

func (s *Server) adminUserCreate(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	in := auth.NewUser{Email: r.FormValue("email"), Name: r.FormValue("name"), OrgCode: r.FormValue("org"), Role: auth.Role(r.FormValue("role")), Password: r.FormValue("password")}
	u, err := s.Admin.AddUser(r.Context(), pr, in)
	if err != nil {
		if koban.ErrorCode(err) == koban.Invalid {
			in.Password = ""
			s.showAdminUsers(w, r, http.StatusUnprocessableEntity, in, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=user_created", u.ID), http.StatusSeeOther)
}

type adminUserPage struct {
	page
	User     *auth.User
	Tokens   []auth.APIToken
	Orgs     []org.Org // where the account may be moved
	Roles    []auth.Role
	In       admin.Placement // the role and organisation in the form
	NewToken string
	// NewPassword is the one-time password just set, shown on this
	// response only.
	NewPassword string
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	s.showAdminUser(w, r, adminShown{}, nil)
}

// adminShown is what one response of the account's page shows once: a new
// token or password, the placement the administrator asked for.
type adminShown struct {
	token, password string
	in              *admin.Placement
}

func (s *Server) showAdminUser(w http.ResponseWriter, r *http.Request, shown adminShown, problem error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	p := s.newPage(r, "admin.user_title")
	u, toks, err := s.Admin.User(r.Context(), *p.Principal, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgs, err := s.Admin.Orgs(*p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := adminUserPage{page: p, User: u, Tokens: toks, Orgs: orgs, Roles: auth.Roles(), NewToken: shown.token, NewPassword: shown.password}
	d.In = admin.Placement{Role: u.Role}
	if o, ok := p.tree.ByID(u.OrgID); ok {
		d.In.OrgCode = o.Code
	}
	if shown.in != nil {
		d.In = *shown.in
	}
	status := http.StatusOK
	if problem != nil {
		d.setProblems(problem)
		status = http.StatusUnprocessableEntity
	}
	if shown.password != "" || shown.token != "" {
		guard.NoStore(w) // a secret shown once must not stay in a cache
	}
	s.render(w, r, status, "admin_user", d)
}

func (s *Server) adminUserAction(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	pr, _ := principalFrom(r.Context())
	ctx := r.Context()
	done := "saved"
	var shown adminShown
	switch action := r.PathValue("action"); action {
	case "disable", "enable":
		err = s.Admin.SetDisabled(ctx, pr, id, action == "disable")
		done = "user_" + action + "d"
	case "token":
		var plain string
		plain, err = s.Admin.CreateToken(ctx, pr, id, r.FormValue("name"))
		if err == nil {
			// The token is shown on this response only, never stored in plain.
			s.showAdminUser(w, r, adminShown{token: plain}, nil)
			return
		}
	case "revoke":
		tid, _ := strconv.ParseInt(r.FormValue("token"), 10, 64)
		err = s.Admin.RevokeToken(ctx, pr, id, tid)
	case "password":
		var plain string
		plain, err = s.Admin.ResetPassword(ctx, pr, id)
		if err == nil {
			// Like a token: shown on this response only.
			s.showAdminUser(w, r, adminShown{password: plain}, nil)
			return
		}
	case "totp":
		err, done = s.Admin.ResetTOTP(ctx, pr, id), "totp_reset"
	case "placement":
		in := admin.Placement{Role: auth.Role(r.FormValue("role")), OrgCode: r.FormValue("org")}
		err, done, shown.in = s.Admin.SetPlacement(ctx, pr, id, in), "placement_saved", &in
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		if koban.ErrorCode(err) == koban.Invalid {
			s.showAdminUser(w, r, shown, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=%s", id, done), http.StatusSeeOther)
}

type adminOrgsPage struct {
	page
	Orgs []org.Org
	In   admin.NewOrg
}

func (s *Server) adminOrgs(w http.ResponseWriter, r *http.Request) {
	s.showAdminOrgs(w, r, http.StatusOK, admin.NewOrg{Kind: org.KindStation}, nil)
}

func (s *Server) showAdminOrgs(w http.ResponseWriter, r *http.Request, status int, in admin.NewOrg, problem error) {
	p := s.newPage(r, "admin.orgs_title")
	orgs, err := s.Admin.Orgs(*p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := adminOrgsPage{page: p, Orgs: orgs, In: in}
	if problem != nil {
		d.setProblems(problem)
	}
	s.render(w, r, status, "admin_orgs", d)
}

func (s *Server) adminOrgCreate(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	in := admin.NewOrg{Code: r.FormValue("code"), ParentCode: r.FormValue("parent"), NameJA: r.FormValue("name_ja"), NameEN: r.FormValue("name_en"), Kind: org.Kind(r.FormValue("kind"))}
	if _, err := s.Admin.AddOrg(r.Context(), pr, in); err != nil {
		if koban.ErrorCode(err) == koban.Invalid {
			s.showAdminOrgs(w, r, http.StatusUnprocessableEntity, in, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/orgs?done=org_created", http.StatusSeeOther)
}

// adminTOTPConfirmPage asks an administrator to confirm a change of an
// organisation's second-factor rule before it is made.
type adminTOTPConfirmPage struct {
	page
	Org     org.Org
	Require bool
}

// adminOrgTOTPConfirm asks to confirm a change of an organisation's
// second-factor rule: the row's button leads here, and the change is made
// only by the form on this page (no script needed). The rule asked for is
// in the path, so that the page keeps it when its language is switched.
func (s *Server) adminOrgTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	rule := r.PathValue("rule")
	if err != nil || (rule != "required" && rule != "optional") {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	p := s.newPage(r, "admin.totp_confirm_title")
	if !p.Principal.Can(auth.PermUserAdmin) {
		s.fail(w, r, koban.Errorf(koban.Forbidden, "error.forbidden"))
		return
	}
	o, ok := p.tree.ByID(id)
	if !ok || !s.Admin.Manages(*p.Principal, id) {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	s.render(w, r, http.StatusOK, "admin_totp_confirm", adminTOTPConfirmPage{page: p, Org: o, Require: rule == "required"})
}

// adminOrgTOTP changes whether an organisation requires a second factor,
// once confirmed; unconfirmed, it sends the administrator to be asked. The
// list then opens again at the organisation's row.
func (s *Server) adminOrgTOTP(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	pr, _ := principalFrom(r.Context())
	require := r.FormValue("require") == "1"
	if r.FormValue("confirm") != "1" {
		rule := "optional"
		if require {
			rule = "required"
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/orgs/%d/totp/%s", id, rule), http.StatusSeeOther)
		return
	}
	if err := s.Admin.SetRequireTOTP(r.Context(), pr, id, require); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/orgs?done=saved#org-%d", id), http.StatusSeeOther)
}

// Indent is how far below the administrator's own organisation an
// organisation sits, for the list's indentation (at most 4 steps).
func (p page) Indent(id int64) int {
	d := p.tree.Depth(id)
	if p.Principal != nil {
		d -= p.tree.Depth(p.Principal.OrgID)
	}
	return min(max(d, 0), 4)
}

// IndentText indents an organisation's name inside a select, where styles
// do not reach: one ideographic space per step.
func (p page) IndentText(id int64) string { return strings.Repeat("\u3000", p.Indent(id)) }
