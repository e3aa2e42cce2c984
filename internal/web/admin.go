package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/auth"
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
	NewToken string
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	s.showAdminUser(w, r, "", nil)
}

func (s *Server) showAdminUser(w http.ResponseWriter, r *http.Request, newToken string, problem error) {
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
	d := adminUserPage{page: p, User: u, Tokens: toks, NewToken: newToken}
	status := http.StatusOK
	if problem != nil {
		d.setProblems(problem)
		status = http.StatusUnprocessableEntity
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
	switch action := r.PathValue("action"); action {
	case "disable", "enable":
		err = s.Admin.SetDisabled(ctx, pr, id, action == "disable")
	case "token":
		var plain string
		plain, err = s.Admin.CreateToken(ctx, pr, id, r.FormValue("name"))
		if err == nil {
			// The token is shown on this response only, never stored in plain.
			s.showAdminUser(w, r, plain, nil)
			return
		}
	case "revoke":
		tid, _ := strconv.ParseInt(r.FormValue("token"), 10, 64)
		err = s.Admin.RevokeToken(ctx, pr, id, tid)
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		if koban.ErrorCode(err) == koban.Invalid {
			s.showAdminUser(w, r, "", err)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=saved", id), http.StatusSeeOther)
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

func (s *Server) adminOrgTOTP(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	pr, _ := principalFrom(r.Context())
	if err := s.Admin.SetRequireTOTP(r.Context(), pr, id, r.FormValue("require") == "1"); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/orgs?done=saved", http.StatusSeeOther)
}
