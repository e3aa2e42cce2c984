package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/vuln"
	"github.com/koban-project/koban/internal/vuln/csaf"
)

// TestVulnsAPI: an inventory posted as a body (bad rows said why), its
// findings listed by priority, a status changed, a CVE read with its
// score, its CSAF advisory downloaded and valid; another prefecture and
// the intake desk see nothing of it.
func TestVulnsAPI(t *testing.T) {
	s := apptest.Start(t)
	if _, err := s.App.Vuln.ImportPath(context.Background(), vuln.KindNVD, "../../../shared/data/vuln/nvd-go/nvd-api/testdata/responses/cves-2023.json.gz"); err != nil {
		t.Fatal(err)
	}
	s.AddUser(t, "csirt@mpd.example", "pref-13", auth.RoleAnalyst, "a long enough passphrase")
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleAnalyst, "a long enough passphrase")
	s.AddUser(t, "desk@mpd.example", "pref-13", auth.RoleIntake, "a long enough passphrase")
	tokyo := client{t, s.URL, s.Token(t, "csirt@mpd.example")}
	osaka := client{t, s.URL, s.Token(t, "osaka@osaka.example")}
	desk := client{t, s.URL, s.Token(t, "desk@mpd.example")}

	csv := "名称,CPE,公開\nソース管理,cpe:2.3:a:atlassian:bitbucket:7.6.5:*:*:*:*:*:*:*,公開\n壊れた行,cpe:2.3:zz,\n"
	status, out := tokyo.raw("/api/v1/assets?name=inventory.csv", []byte(csv))
	added, _ := out["added"].([]any)
	problems, _ := out["problems"].([]any)
	if status != http.StatusCreated || len(added) != 1 || len(problems) != 1 || out["format"] != "csv" {
		t.Fatalf("inventory: %d %v", status, out)
	}
	asset := added[0].(map[string]any)
	if asset["owner"] != "pref-13" || asset["exposure"] != "internet" || asset["open_findings"] != float64(0) {
		t.Errorf("the asset: %v", asset)
	}
	status, out = tokyo.do("GET", fmt.Sprintf("/api/v1/findings?asset=%v", asset["id"]), "")
	fs, _ := out["findings"].([]any)
	if status != http.StatusOK || len(fs) == 0 {
		t.Fatalf("findings: %d %v", status, out)
	}
	var f map[string]any
	for _, x := range fs {
		if x.(map[string]any)["vuln"] == "CVE-2022-43781" {
			f = x.(map[string]any)
		}
	}
	if f == nil || f["how"] != "version-range" || f["severity"] != "CRITICAL" || f["status"] != "open" {
		t.Fatalf("CVE-2022-43781's finding: %v in %v", f, fs)
	}
	if status, out := tokyo.do("POST", fmt.Sprintf("/api/v1/findings/%v/status", f["id"]), `{"status": "accepted"}`); status != http.StatusUnprocessableEntity {
		t.Errorf("accepted without a note: %d %v", status, out)
	}
	if status, out := tokyo.do("POST", fmt.Sprintf("/api/v1/findings/%v/status", f["id"]), `{"status": "accepted", "note": "閉域網のみ", "x": 1}`); status != http.StatusBadRequest {
		t.Errorf("an unknown field: %d %v", status, out)
	}
	if status, out := tokyo.do("POST", fmt.Sprintf("/api/v1/findings/%v/status", f["id"]), `{"status": "mitigated", "note": "WAF で遮断"}`); status != http.StatusOK || out["status"] != "mitigated" {
		t.Errorf("mitigated: %d %v", status, out)
	}
	status, rec := tokyo.do("GET", "/api/v1/vulns/cve-2022-43781", "")
	if cv, _ := rec["cvss"].(map[string]any); status != http.StatusOK || cv["score"] != 9.8 || cv["version"] != "3.1" {
		t.Errorf("the record: %d %v", status, rec)
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/vulns/CVE-2022-43781/csaf?lang=en", nil)
	req.Header.Set("Authorization", "Bearer "+tokyo.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "CVE-2022-43781.csaf.json") {
		t.Fatalf("csaf: %d %s", resp.StatusCode, body)
	}
	if p := csaf.Validate(body); len(p) != 0 {
		t.Errorf("the CSAF advisory fails its checks: %v", p)
	}

	if status, out := osaka.do("GET", fmt.Sprintf("/api/v1/findings?asset=%v", asset["id"]), ""); status != http.StatusOK || len(out["findings"].([]any)) != 0 {
		t.Errorf("Osaka's view of Tokyo's findings: %d %v", status, out)
	}
	if status, _ := osaka.do("POST", fmt.Sprintf("/api/v1/findings/%v/status", f["id"]), `{"status": "fixed"}`); status != http.StatusNotFound {
		t.Errorf("Osaka changing Tokyo's finding: %d", status)
	}
	if status, _ := osaka.do("GET", "/api/v1/vulns/CVE-2022-43781/csaf", ""); status != http.StatusNotFound {
		t.Errorf("Osaka's CSAF of a CVE its line does not have: %d", status)
	}
	if status, _ := desk.do("GET", "/api/v1/assets", ""); status != http.StatusForbidden {
		t.Errorf("the intake desk's inventory: %d", status)
	}
}
