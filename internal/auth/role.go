package auth

import "github.com/koban-project/koban/internal/koban"

// Role is what a user account may do; each account has exactly one role.
type Role string

// The roles. The values are stored in the database, so they never change.
const (
	RoleIntake       Role = "intake"
	RoleInvestigator Role = "investigator"
	RoleAnalyst      Role = "analyst"
	RoleSupervisor   Role = "supervisor"
	RoleAdmin        Role = "admin"
	RolePartner      Role = "partner"
)

// Permission names one action that handlers check before acting.
type Permission string

// The permissions. Handlers ask Role.Can for one of these rather than
// comparing roles, so that who may do what is decided in one place.
const (
	// PermQueueRead lets a user see the report queue.
	PermQueueRead Permission = "queue.read"
	// PermReportRead lets a user read a report's content.
	PermReportRead Permission = "report.read"
	// PermReportPersonal lets a user see the reporter's contact details.
	PermReportPersonal Permission = "report.personal"
	// PermReportTriage lets a user assign, categorise, mark as duplicate and close.
	PermReportTriage Permission = "report.triage"
	// PermReportReply lets a user write to the reporter.
	PermReportReply Permission = "report.reply"
	// PermReportTransfer lets a user hand a report to another unit.
	PermReportTransfer Permission = "report.transfer"
	// PermReportSubmit lets a partner submit reports through the API.
	PermReportSubmit Permission = "report.submit"
	// PermUserAdmin lets a user create, change and disable accounts.
	PermUserAdmin Permission = "user.admin"
	// PermObservableRead lets a user look values up in the national index:
	// in full for the records they may see, as counts for the rest.
	PermObservableRead Permission = "observable.read"
	// PermClusterRead lets a user list and open clusters (campaigns).
	PermClusterRead Permission = "cluster.read"
	// PermAuditRead lets a user read the audit log.
	PermAuditRead Permission = "audit.read"
	// PermIntelRead lets a user read intel (imported indicators and STIX
	// objects) as far as each object's TLP marking allows; partners read
	// the TAXII collections they are given with it.
	PermIntelRead Permission = "intel.read"
	// PermIntelManage lets a user import intel, manage feeds, partner
	// servers and TAXII collections, and share intel beyond its owner.
	PermIntelManage Permission = "intel.manage"
	// PermPatrolRead lets a user read cyber patrol: watch items, captures
	// and findings of their line.
	PermPatrolRead Permission = "patrol.read"
	// PermPatrolManage lets a user add and change watch items and review
	// findings (confirm, mark false positive).
	PermPatrolManage Permission = "patrol.manage"
	// PermPatrolCovert lets a user watch with the covert profile (a
	// browser's User-Agent instead of koban's, no contact address): each
	// such item is audited.
	PermPatrolCovert Permission = "patrol.covert"
	// PermAdvisoryWrite lets a user draft and revise advisories to the
	// public and submit them for review.
	PermAdvisoryWrite Permission = "advisory.write"
	// PermAdvisoryPublish lets a user review, publish and withdraw
	// advisories others wrote (never their own).
	PermAdvisoryPublish Permission = "advisory.publish"
	// PermReadingManage lets a user choose the feeds of other bodies'
	// advisories (JPCERT/CC, IPA) that the reading list follows: add,
	// disable, enable and remove them. Reading the list needs intel.read.
	PermReadingManage Permission = "reading.manage"
	// PermDashboardRead lets a user read the dashboard of their line: the
	// work of their organisation and those below it, as counts (intake by
	// day, time to first reply, open cases by age, urgent reports, takedown
	// outcomes).
	PermDashboardRead Permission = "dashboard.read"
	// PermMalwareRead lets a user read malware samples: hashes, analysis,
	// YARA matches, similar samples.
	PermMalwareRead Permission = "malware.read"
	// PermMalwareSubmit lets a user add samples (from a case, a support
	// request, the samples page or the API) and name their family.
	PermMalwareSubmit Permission = "malware.submit"
	// PermMalwareDownload lets a user take a sample out, as a ZIP
	// encrypted with the password "infected".
	PermMalwareDownload Permission = "malware.download"
	// PermVulnRead lets a user read the vulnerability dictionary and the
	// asset inventory and findings of their line.
	PermVulnRead Permission = "vuln.read"
	// PermVulnManage lets a user add and import assets of their line,
	// change a finding's status and export advisories as CSAF.
	PermVulnManage Permission = "vuln.manage"
	// PermVulnFeeds lets a user choose the vulnerability feeds koban
	// imports (NVD, JVN, KEV, EPSS) for the whole installation.
	PermVulnFeeds Permission = "vuln.feeds"
	// PermCaseHold lets a user set and lift a legal hold on a case they
	// may edit: while it is set, retention deletes nothing of the case.
	PermCaseHold Permission = "case.hold"
)

// roles lists every role in display order, from least to most privileged
// staff role, then the partner role.
var roles = []Role{RoleIntake, RoleInvestigator, RoleAnalyst, RoleSupervisor, RoleAdmin, RolePartner}

// permissions lists every permission in display order.
var permissions = []Permission{
	PermQueueRead, PermReportRead, PermReportPersonal, PermReportTriage,
	PermReportReply, PermReportTransfer, PermReportSubmit, PermUserAdmin, PermAuditRead,
	PermObservableRead, PermClusterRead, PermIntelRead, PermIntelManage,
	PermPatrolRead, PermPatrolManage, PermPatrolCovert, PermAdvisoryWrite, PermAdvisoryPublish, PermReadingManage, PermDashboardRead,
	PermMalwareRead, PermMalwareSubmit, PermMalwareDownload, PermVulnRead, PermVulnManage, PermVulnFeeds, PermCaseHold,
}

// grants is the permission matrix. It is built by adding to the role below so
// that a supervisor can never silently lose something an intake officer has.
var grants = func() map[Role]map[Permission]bool {
	set := func(base map[Permission]bool, add ...Permission) map[Permission]bool {
		m := make(map[Permission]bool, len(base)+len(add))
		for p := range base {
			m[p] = true
		}
		for _, p := range add {
			m[p] = true
		}
		return m
	}
	// Intake officers and investigators handle reports end to end, so they
	// need the reporter's contact details to reply.
	intake := set(nil, PermQueueRead, PermReportRead, PermReportPersonal,
		PermReportTriage, PermReportReply, PermReportTransfer, PermObservableRead, PermIntelRead)
	supervisor := set(intake, PermAuditRead, PermClusterRead, PermIntelManage, PermPatrolRead, PermPatrolManage, PermPatrolCovert,
		PermAdvisoryWrite, PermAdvisoryPublish, PermReadingManage, PermDashboardRead,
		PermMalwareRead, PermMalwareSubmit, PermMalwareDownload, PermVulnRead, PermVulnManage, PermCaseHold)
	return map[Role]map[Permission]bool{
		RoleIntake: intake,
		// Investigators bring samples in from their cases and read what the
		// analysis found; taking a live sample out is the analysts' work.
		RoleInvestigator: set(intake, PermClusterRead, PermPatrolRead, PermMalwareRead, PermMalwareSubmit),
		// Analysts look for patterns across reports; they never need to know
		// who reported, so they get no personal data and cannot reply.
		RoleAnalyst: set(nil, PermQueueRead, PermReportRead, PermObservableRead, PermClusterRead,
			PermIntelRead, PermIntelManage, PermPatrolRead, PermPatrolManage, PermAdvisoryWrite,
			PermMalwareRead, PermMalwareSubmit, PermMalwareDownload, PermVulnRead, PermVulnManage),
		RoleSupervisor: supervisor,
		RoleAdmin:      set(supervisor, PermUserAdmin, PermVulnFeeds),
		// Partners are machines submitting reports; they read no report
		// back, only the intel shared with them (TAXII collections).
		RolePartner: set(nil, PermReportSubmit, PermIntelRead),
	}
}()

// Roles returns every role, for forms that offer a choice; the slice is a copy.
func Roles() []Role { return append([]Role(nil), roles...) }

// Permissions returns every permission; the slice is a copy.
func Permissions() []Permission { return append([]Permission(nil), permissions...) }

// ParseRole turns stored or submitted text into a Role, refusing anything
// unknown so that a typo can never create a role with no permissions.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", koban.Errorf(koban.Invalid, "auth.role_unknown")
	}
	return r, nil
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	_, ok := grants[r]
	return ok
}

// Can reports whether r holds permission p; unknown roles hold nothing.
func (r Role) Can(p Permission) bool { return grants[r][p] }

// WebLogin reports whether r may sign in to the web interface. Partners use
// API tokens only, so a leaked partner credential never opens the web UI.
func (r Role) WebLogin() bool { return r.Valid() && r != RolePartner }

// String returns the stored form of the role.
func (r Role) String() string { return string(r) }
