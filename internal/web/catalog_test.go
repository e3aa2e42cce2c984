package web

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/taxonomy"
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
	for _, lang := range locale.Languages {
		for _, k := range keys {
			if !cats.Has(lang, k) {
				t.Errorf("%s: key %q missing", lang, k)
			}
		}
	}
}

func TestTemplatesParseAndAssetsHash(t *testing.T) {
	tm, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"home", "report", "status", "login", "totp", "enroll", "queue", "detail", "error"} {
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
