package app_test

import (
	"strings"
	"testing"
)

// `koban vuln import` imports a page carried in, and again changes
// nothing; a kind it does not know is a usage error.
func TestVulnImportCommand(t *testing.T) {
	env := map[string]string{"KOBAN_DATA_DIR": t.TempDir()}
	page := "../../../shared/data/vuln/nvd-go/nvd-api/testdata/responses/cves-2023.json.gz"
	code, out, errOut := run(t, env, "", "vuln", "import", "nvd", page)
	if code != 0 || !strings.Contains(out, "200 read, 200 written, 0 refused") {
		t.Fatalf("first import: exit %d, %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, env, "", "vuln", "import", "nvd", page)
	if code != 0 || !strings.Contains(out, "200 read, 0 written") {
		t.Fatalf("second import: exit %d, %q %q", code, out, errOut)
	}
	if code, _, errOut := run(t, env, "", "vuln", "import", "cvrf", page); code != 2 || !strings.Contains(errOut, "usage: koban vuln import nvd|cve5|jvnrss") {
		t.Errorf("unknown kind: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, env, "", "vuln", "import", "kev", page); code != 1 || !strings.Contains(errOut, "kev") {
		t.Errorf("an NVD page as KEV: exit %d, %q", code, errOut)
	}
}
