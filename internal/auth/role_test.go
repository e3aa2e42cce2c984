package auth

import (
	"errors"
	"testing"

	"github.com/koban-project/koban/internal/koban"
)

func TestRoleMatrix(t *testing.T) {
	// The matrix is written out in full rather than derived, so that a change
	// to grants shows up here as a deliberate edit.
	type perms map[Permission]bool
	staff := perms{
		PermQueueRead: true, PermReportRead: true, PermReportPersonal: true,
		PermReportTriage: true, PermReportReply: true, PermReportTransfer: true,
		PermObservableRead: true, PermIntelRead: true,
	}
	investigator := perms{PermClusterRead: true, PermPatrolRead: true, PermMalwareRead: true, PermMalwareSubmit: true}
	for p := range staff {
		investigator[p] = true
	}
	tests := []struct {
		role     Role
		want     perms
		webLogin bool
	}{
		{RoleIntake, staff, true},
		{RoleInvestigator, investigator, true},
		{RoleAnalyst, perms{PermQueueRead: true, PermReportRead: true, PermObservableRead: true, PermClusterRead: true,
			PermIntelRead: true, PermIntelManage: true, PermPatrolRead: true, PermPatrolManage: true, PermAdvisoryWrite: true,
			PermMalwareRead: true, PermMalwareSubmit: true, PermMalwareDownload: true, PermVulnRead: true, PermVulnManage: true}, true},
		{RoleSupervisor, perms{
			PermQueueRead: true, PermReportRead: true, PermReportPersonal: true,
			PermReportTriage: true, PermReportReply: true, PermReportTransfer: true,
			PermAuditRead: true, PermObservableRead: true, PermClusterRead: true,
			PermIntelRead: true, PermIntelManage: true, PermPatrolRead: true, PermPatrolManage: true, PermPatrolCovert: true,
			PermAdvisoryWrite: true, PermAdvisoryPublish: true, PermReadingManage: true, PermDashboardRead: true,
			PermMalwareRead: true, PermMalwareSubmit: true, PermMalwareDownload: true, PermVulnRead: true, PermVulnManage: true,
			PermCaseHold: true,
		}, true},
		{RoleAdmin, perms{
			PermQueueRead: true, PermReportRead: true, PermReportPersonal: true,
			PermReportTriage: true, PermReportReply: true, PermReportTransfer: true,
			PermAuditRead: true, PermUserAdmin: true, PermObservableRead: true, PermClusterRead: true,
			PermIntelRead: true, PermIntelManage: true, PermPatrolRead: true, PermPatrolManage: true, PermPatrolCovert: true,
			PermAdvisoryWrite: true, PermAdvisoryPublish: true, PermReadingManage: true, PermDashboardRead: true,
			PermMalwareRead: true, PermMalwareSubmit: true, PermMalwareDownload: true, PermVulnRead: true, PermVulnManage: true, PermVulnFeeds: true,
			PermCaseHold: true,
		}, true},
		{RolePartner, perms{PermReportSubmit: true, PermIntelRead: true}, false},
		{Role(""), perms{}, false},
		{Role("Admin"), perms{}, false},
		{Role("root"), perms{}, false},
	}
	for _, tt := range tests {
		for _, p := range Permissions() {
			if got := tt.role.Can(p); got != tt.want[p] {
				t.Errorf("Role(%q).Can(%q) = %v, want %v", tt.role, p, got, tt.want[p])
			}
		}
		if got := tt.role.WebLogin(); got != tt.webLogin {
			t.Errorf("Role(%q).WebLogin() = %v, want %v", tt.role, got, tt.webLogin)
		}
	}
	if got := RoleAdmin.Can(Permission("report.delete")); got {
		t.Error("admin holds an undefined permission")
	}
}

func TestRolesAndPermissionsComplete(t *testing.T) {
	if len(Roles()) != 6 {
		t.Errorf("Roles() has %d entries, want 6", len(Roles()))
	}
	if len(Permissions()) != 27 {
		t.Errorf("Permissions() has %d entries, want 27", len(Permissions()))
	}
	for _, r := range Roles() {
		if !r.Valid() {
			t.Errorf("Roles() lists invalid role %q", r)
		}
	}
	// Every permission must be held by someone, or it is dead code.
	for _, p := range Permissions() {
		held := false
		for _, r := range Roles() {
			held = held || r.Can(p)
		}
		if !held {
			t.Errorf("no role holds %q", p)
		}
	}
	// Callers must not be able to change the package's lists.
	Roles()[0] = "x"
	Permissions()[0] = "x"
	if Roles()[0] != RoleIntake || Permissions()[0] != PermQueueRead {
		t.Error("Roles or Permissions returned the package's own slice")
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles() {
		got, err := ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "Admin", " admin", "admin ", "superuser", "partner\x00"} {
		got, err := ParseRole(s)
		if err == nil {
			t.Errorf("ParseRole(%q) = %q, want error", s, got)
			continue
		}
		var ke *koban.Error
		if !errors.As(err, &ke) || ke.Code != koban.Invalid || ke.Key != "auth.role_unknown" {
			t.Errorf("ParseRole(%q) error = %v, want invalid auth.role_unknown", s, err)
		}
	}
}
