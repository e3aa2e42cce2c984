package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/dashboard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/stats"
	"github.com/koban-project/koban/internal/takedown"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/vuln"
	"github.com/koban-project/koban/internal/vuln/feed"
)

// Every key a template names, and every key built from an enumeration, must
// exist in every language: a gap would show a raw key to a victim.
func TestTemplateKeysExist(t *testing.T) {
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	lit := regexp.MustCompile(`\bT "([a-z0-9_.]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		b, _ := templateFS.ReadFile(f)
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d literal keys: is the pattern still right?", len(keys))
	}
	for _, k := range intake.Kinds {
		keys = append(keys, "kind."+string(k), "kind."+string(k)+".help", "kind."+string(k)+".short")
	}
	for _, s := range intake.Statuses {
		keys = append(keys, "status."+string(s))
	}
	for _, r := range intake.CloseReasons {
		keys = append(keys, "close."+r)
	}
	for _, c := range taxonomy.All() {
		keys = append(keys, c.Code.NameKey(), c.Code.HelpKey(), c.Code.AdviceTitleKey(), c.Code.AdviceStepsKey())
	}
	for _, r := range auth.Roles() {
		keys = append(keys, "role."+string(r))
	}
	for _, s := range []string{"web", "api", "partner"} {
		keys = append(keys, "source."+s)
	}
	for _, a := range []string{"report.create", "report.view_personal", "report.file_download", "report.add_info", "report.mail_link", "report.assign",
		"report.category", "report.duplicate", "report.close", "report.reopen", "report.transfer", "report.reply"} {
		keys = append(keys, "audit."+a)
	}
	for _, k := range []string{"advice.urgent.title", "advice.urgent.body", "advice.urgent.consult", "advice.freeze.title", "advice.freeze.body",
		"advice.general.title", "advice.general.steps", "status.from_reporter", "status.from_officer", "notice.mailed",
		"next.report", "next.consultation", "next.tip"} {
		keys = append(keys, k)
	}
	keys = append(keys, caseKeys(t)...)
	keys = append(keys, takedownKeys()...)
	keys = append(keys, vulnKeys()...)
	// The statistics' buckets and the dashboard's age buckets, named by code.
	for _, b := range stats.Buckets {
		keys = append(keys, b.Key())
	}
	for i := range len(dashboard.Ages) + 1 {
		keys = append(keys, "dashboard.age."+strconv.Itoa(i))
	}
	for _, lang := range locale.Languages {
		for _, k := range keys {
			if !cats.Has(lang, k) {
				t.Errorf("%s: key %q missing", lang, k)
			}
		}
	}
}

// caseKeys are the keys the case pages build from the cases package's
// enumerations, and every "case.…" key the package names (errors, checklists).
func caseKeys(t *testing.T) []string {
	var keys []string
	for _, st := range cases.Statuses {
		keys = append(keys, "case.status."+string(st))
	}
	for _, sv := range cases.Severities {
		keys = append(keys, "case.severity."+string(sv))
	}
	for _, r := range cases.CloseReasons {
		keys = append(keys, "case.close."+r)
	}
	for _, k := range []cases.EventKind{cases.EventOpened, cases.EventReportLinked, cases.EventReportUnlinked, cases.EventStatus, cases.EventTaskAdded,
		cases.EventTaskDone, cases.EventTaskReopened, cases.EventNote, cases.EventReferred, cases.EventReferralAnswered, cases.EventHold, cases.EventHoldLifted} {
		keys = append(keys, "case.event."+string(k))
	}
	for _, o := range []string{"accepted", "declined", "withdrawn"} {
		keys = append(keys, "case.referral."+o)
	}
	for _, ts := range []cases.TaskStatus{cases.TaskOpen, cases.TaskDone} {
		keys = append(keys, "case.task."+string(ts))
	}
	for _, a := range []string{"open", "view", "status", "link_report", "unlink_report", "task_add", "task_done", "task_reopen", "note", "refused",
		"referred", "referral_answered", "hold", "hold_lifted"} {
		keys = append(keys, "audit.case."+a)
	}
	for _, n := range []string{"case_opened", "case_status", "case_task", "case_task_done", "case_task_reopen", "case_note", "case_link", "case_unlink", "case_hold", "case_hold_lifted"} {
		keys = append(keys, "notice."+n)
	}
	keys = append(keys, cases.ChecklistKeys()...)
	if len(cases.ChecklistKeys()) < 9*4 {
		t.Errorf("only %d checklist items", len(cases.ChecklistKeys()))
	}
	// Keys named in the package's code: errors and the like.
	files, _ := filepath.Glob("../cases/*.go")
	lit := regexp.MustCompile(`"(case\.[a-z_]+\.[a-z_.]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys = append(keys, m[1])
			}
		}
	}
	return keys
}

func TestTemplatesParseAndAssetsHash(t *testing.T) {
	tm, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"home", "report", "status", "login", "totp", "enroll", "queue", "detail", "error", "cases", "case", "case_new", "tasks"} {
		if tm.pages[name] == nil {
			t.Errorf("page %s missing", name)
		}
	}
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	if u := a.url("koban.css"); !regexp.MustCompile(`^/static/[0-9a-f]{12}/koban\.css$`).MatchString(u) {
		t.Errorf("asset url %q", u)
	}
}

// takedownKeys are the keys the takedown pages and letters build from the
// package's kinds, states and reasons.
func takedownKeys() []string {
	keys := []string{"takedown.col.resolved_" + takedown.Done, "takedown.col.resolved_" + takedown.Refused}
	for _, st := range []string{takedown.Draft, takedown.Sent, takedown.Acknowledged, takedown.Down, takedown.Removed, takedown.Reappeared,
		takedown.Withdrawn, takedown.Done, takedown.Refused} {
		keys = append(keys, "takedown.state."+st)
	}
	for _, t := range []correlate.RecordType{correlate.Report, correlate.Intel, correlate.Finding} {
		keys = append(keys, "takedown.source."+string(t))
	}
	for _, k := range takedown.Kinds() {
		keys = append(keys, "takedown.kind."+string(k))
		if !k.Measure() {
			keys = append(keys, "takedown.mail.kind."+string(k), "takedown.mail.reason."+string(k))
			continue
		}
		keys = append(keys, "takedown.link."+string(k), "takedown.done."+string(k), "takedown.recipient_hint."+string(k), "takedown.error.target_"+string(k))
		for _, part := range []string{"subject", "intro", "target", "batch_subject", "batch_intro"} {
			keys = append(keys, "takedown.letter."+string(k)+"."+part)
		}
		for _, r := range takedown.Reasons(k) {
			keys = append(keys, "takedown.reason."+r, "takedown.letter.reason."+r)
		}
	}
	return keys
}

// vulnKeys are the keys the vulnerability pages build from the vuln
// package's enumerations and the matcher's words.
func vulnKeys() []string {
	var keys []string
	for _, sev := range severities {
		keys = append(keys, "vulns.severity."+strings.ToLower(sev))
	}
	for i := range len(vuln.Counts{}.ByAge) {
		keys = append(keys, "vulns.age."+strconv.Itoa(i))
	}
	for _, st := range vuln.Statuses() {
		keys = append(keys, "vulns.status."+string(st))
	}
	for _, k := range vuln.Kinds() {
		keys = append(keys, "vulns.kind."+string(k))
	}
	for _, e := range []vuln.Exposure{vuln.Internet, vuln.Internal} {
		keys = append(keys, "vulns.exposure."+string(e))
	}
	for _, h := range []string{"none", "exact", "version_range", "vendor_product_only", "unknown"} {
		keys = append(keys, "vulns.how."+h)
	}
	for _, c := range []string{"low", "medium", "high", "unknown"} {
		keys = append(keys, "vulns.confidence."+c)
	}
	for _, o := range []string{"manual", "csv", "cyclonedx", "spdx"} {
		keys = append(keys, "vulns.origin."+o)
	}
	for _, f := range []feed.Source{feed.SourceNVD, feed.SourceCVE5, feed.SourceJVN} {
		keys = append(keys, "vulns.feed."+string(f))
	}
	for _, a := range []string{"kev", "epss"} {
		keys = append(keys, "vulns.alert."+a)
	}
	for _, n := range []string{"vuln_asset_added", "vuln_asset_removed", "vuln_status", "vuln_source_added", "vuln_source_enabled", "vuln_source_disabled"} {
		keys = append(keys, "notice."+n)
	}
	return keys
}

// The header menu names each page once: two links with the same label
// (the reading list and the advisory desk were both "注意喚起") leave an
// officer guessing which is which.
func TestMenuLabelsDiffer(t *testing.T) {
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	b, err := templateFS.ReadFile("templates/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	nav := string(b)
	start, end := strings.Index(nav, "<nav"), strings.Index(nav, "</nav>")
	if start < 0 || end < start {
		t.Fatal("layout.html has no <nav>")
	}
	// The officer's menu and the public one are the two branches of
	// {{if .Principal}}; each is checked on its own.
	menus := strings.Split(nav[start:end], "{{else}}")
	keys := regexp.MustCompile(`\bT "(nav\.[a-z0-9_.]+)"`)
	for _, lang := range locale.Languages {
		for _, menu := range menus {
			seen := map[string]string{}
			for _, m := range keys.FindAllStringSubmatch(menu, -1) {
				label := cats.T(lang, m[1])
				if other, ok := seen[label]; ok && other != m[1] {
					t.Errorf("%s: %s and %s are both %q", lang, other, m[1], label)
				}
				seen[label] = m[1]
			}
		}
	}
}
