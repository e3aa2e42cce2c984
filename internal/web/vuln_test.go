package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/vuln"
)

// nvdPage is a real NVD API 2.0 page (2023's CVEs, among them
// CVE-2022-43781 in Bitbucket Server).
const nvdPage = "../../../shared/data/vuln/nvd-go/nvd-api/testdata/responses/cves-2023.json.gz"

const bitbucket = "cpe:2.3:a:atlassian:bitbucket:7.6.5:*:*:*:*:*:*:*"

var assetLink = regexp.MustCompile(`^/vulns/assets/(\d+)\?done=vuln_asset_added$`)

// vulnServer starts koban with the dictionary holding the NVD page, and
// officers of Tokyo (analyst, intake desk, administrator) and Osaka.
func vulnServer(t *testing.T) *apptest.Server {
	t.Helper()
	s := apptest.Start(t)
	if _, err := s.App.Vuln.ImportPath(t.Context(), vuln.KindNVD, nvdPage); err != nil {
		t.Fatal(err)
	}
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleAnalyst, pw)
	s.AddUser(t, "desk@mpd.example", "pref-13", auth.RoleIntake, pw)
	s.AddUser(t, "admin@mpd.example", "pref-13", auth.RoleAdmin, pw)
	return s
}

// addAsset sends the asset form as the browser does (same origin) and
// returns the asset's page path.
func addAsset(t *testing.T, s *apptest.Server, c *http.Client, form url.Values) string {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/vulns/assets", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", s.URL)
	resp := must(c.Do(req))
	page := body(t, resp)
	m := assetLink.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("add asset: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	return "/vulns/assets/" + m[1]
}

// TestVulnPages: an analyst's dashboard in Japanese and English; an asset
// added through the form shows its finding; a bad CPE comes back with the
// problem and what was typed; accepting a risk needs a note; another
// prefecture does not see the asset; the intake desk has no vulnerability
// room; the CVE page shows the record and its score; the search finds it.
func TestVulnPages(t *testing.T) {
	s := vulnServer(t)
	c := s.Login(t, "analyst@mpd.example", pw)

	page := officerPage(t, c, s.URL+"/vulns?lang=ja")
	for _, want := range []string{"<h1>所管システムのぜい弱性</h1>", `id="chart-severity-title">深刻度別の未対応の検出`, `id="chart-age-title">経過日数別の未対応の検出`,
		`id="count-overdue">0<`, `<a href="/vulns">ぜい弱性</a>`, `id="top-none"`, `id="dict-size">ぜい弱性 `} {
		if !strings.Contains(page, want) {
			t.Errorf("the Japanese dashboard lacks %q", want)
		}
	}
	page = officerPage(t, c, s.URL+"/vulns?lang=en")
	for _, want := range []string{"<h1>Vulnerabilities in your line's systems</h1>", "Open findings by severity", "Median time to fix", "No open findings."} {
		if !strings.Contains(page, want) {
			t.Errorf("the English dashboard lacks %q", want)
		}
	}

	// A cross-site post of the form is refused before it does anything.
	req, _ := http.NewRequest("POST", s.URL+"/vulns/assets", strings.NewReader(url.Values{"name": {"x"}, "cpe": {bitbucket}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp := must(c.Do(req)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site asset form: %d, want 403", resp.StatusCode)
	} else {
		resp.Body.Close()
	}

	assetPath := addAsset(t, s, c, url.Values{"name": {"ソースコード管理"}, "cpe": {bitbucket}, "exposure": {"internet"}, "supplier": {"Atlassian"}})
	page = officerPage(t, c, s.URL+assetPath+"?done=vuln_asset_added&lang=ja")
	for _, want := range []string{`<h1 id="asset-name">ソースコード管理</h1>`, "資産を登録し、辞書と照合しました。", `<a href="/vulns/cve/CVE-2022-43781">CVE-2022-43781</a>`,
		"<code>" + bitbucket + "</code>", "インターネットに公開"} {
		if !strings.Contains(page, want) {
			t.Errorf("the asset's page lacks %q", want)
		}
	}
	fid := regexp.MustCompile(`<tr id="finding-(\d+)">\s*<td><a href="/vulns/cve/CVE-2022-43781">`).FindStringSubmatch(page)
	if fid == nil {
		t.Fatalf("no finding row for CVE-2022-43781")
	}
	list := officerPage(t, c, s.URL+"/vulns/assets?lang=en")
	if !strings.Contains(list, `<a href="`+assetPath+`">ソースコード管理</a>`) || !strings.Contains(list, "Faces the internet") {
		t.Error("the inventory does not list the asset")
	}
	if dash := officerPage(t, c, s.URL+"/vulns?lang=en"); !strings.Contains(dash, `<a href="/vulns/cve/CVE-2022-43781">`) || strings.Contains(dash, `id="top-none"`) {
		t.Error("the dashboard's top findings lack CVE-2022-43781")
	}

	// A CPE that does not parse: the problem by the field, the input kept.
	resp := must(c.PostForm(s.URL+"/vulns/assets?lang=en", url.Values{"name": {"業務端末"}, "version": {"1.0"}, "cpe": {"cpe:2.3:a:broken"}, "exposure": {"internal"}, "notes": {"庁舎3階"}}))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad CPE: %d", resp.StatusCode)
	}
	for _, want := range []string{"Enter a CPE 2.3 name", `id="e-cpe"`, `value="cpe:2.3:a:broken"`, `value="業務端末"`, `value="1.0"`, `value="internal" selected`, "庁舎3階", `aria-invalid="true"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the re-shown asset form lacks %q", want)
		}
	}

	// Accepting a risk without a note is refused on the finding's form.
	status := s.URL + "/vulns/findings/" + fid[1] + "/status?lang=en"
	resp = must(c.PostForm(status, url.Values{"status": {"accepted"}, "note": {"  "}, "asset": {strings.TrimPrefix(assetPath, "/vulns/assets/")}}))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Accepting a risk needs a reason.") || !strings.Contains(page, `id="e-status-`+fid[1]+`"`) ||
		!strings.Contains(page, `href="#status-`+fid[1]+`-note"`) || !strings.Contains(page, `<option value="accepted" selected>`) {
		t.Errorf("accepted without a note: %d", resp.StatusCode)
	}
	resp = must(c.PostForm(status, url.Values{"status": {"accepted"}, "note": {"閉域網でのみ使用"}, "asset": {strings.TrimPrefix(assetPath, "/vulns/assets/")}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), assetPath+"?done=vuln_status") {
		t.Fatalf("accepted with a note: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	page = officerPage(t, c, s.URL+assetPath+"?lang=ja")
	if !strings.Contains(page, "閉域網でのみ使用") || !strings.Contains(page, `<option value="accepted" selected>リスク受容</option>`) {
		t.Error("the accepted status and its note are not shown")
	}

	// Another prefecture's analyst: not there. The intake desk: no room.
	osaka := s.Login(t, "osaka@osaka.example", pw)
	if resp := must(osaka.Get(s.URL + assetPath)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Osaka on Tokyo's asset: %d, want 404", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
	if page := officerPage(t, osaka, s.URL+"/vulns/cve/CVE-2022-43781?lang=en"); strings.Contains(page, "ソースコード管理") {
		t.Error("Osaka sees Tokyo's asset on the CVE page")
	}
	desk := s.Login(t, "desk@mpd.example", pw)
	resp = must(desk.Get(s.URL + "/vulns"))
	page = body(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("intake desk on /vulns: %d, want 403", resp.StatusCode)
	}
	if strings.Contains(officerPage(t, desk, s.URL+"/queue"), `href="/vulns"`) {
		t.Error("the intake desk's menu offers vulnerabilities")
	}

	// The dictionary's record.
	page = officerPage(t, c, s.URL+"/vulns/cve/CVE-2022-43781?lang=en")
	for _, want := range []string{`<h1 id="record-id">CVE-2022-43781</h1>`, "<strong>9.8</strong> Critical · CVSS 3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		`rel="noopener noreferrer"`, `href="/vulns/cve/CVE-2022-43781/csaf"`, "ソースコード管理", "Risk accepted"} {
		if !strings.Contains(page, want) {
			t.Errorf("the CVE page lacks %q", want)
		}
	}
	if resp := must(c.Get(s.URL + "/vulns/cve/CVE-1900-0001")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown CVE: %d, want 404", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
	page = officerPage(t, c, s.URL+"/vulns/search?q=cve-2022-4378&lang=en")
	if !strings.Contains(page, `<a href="/vulns/cve/CVE-2022-43781">CVE-2022-43781</a> · 9.8 Critical`) {
		t.Error("the search for cve-2022-4378 does not find CVE-2022-43781")
	}
	if page := officerPage(t, c, s.URL+"/vulns/search?q=nothing-like-this"); !strings.Contains(page, `id="search-none"`) {
		t.Error("a search that finds nothing says nothing")
	}

	// Removing the asset takes it off the inventory.
	resp = must(c.PostForm(s.URL+assetPath+"/remove", nil))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("remove: %d", resp.StatusCode)
	}
	if resp := must(c.Get(s.URL + assetPath)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a removed asset: %d, want 404", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
}

// TestVulnSources: an administrator follows a feed from a file carried
// into the data folder's feeds/ (a path elsewhere refused); an analyst sees the feeds but is offered no form, and a post of
// it is refused.
func TestVulnSources(t *testing.T) {
	s := vulnServer(t)
	admin := s.Login(t, "admin@mpd.example", pw)
	page := officerPage(t, admin, s.URL+"/vulns/sources?lang=en")
	if !strings.Contains(page, "Follow CISA KEV") || !strings.Contains(page, `id="source-form"`) {
		t.Error("the administrator is not offered the feeds' forms")
	}
	// Offline data is carried into the data folder's feeds/; a path
	// elsewhere on the server is refused, and the form keeps what was typed.
	outside, err := filepath.Abs(nvdPage)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(outside)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.App.Config.DataDir, "feeds", "cves-2023.json.gz")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	resp := must(admin.PostForm(s.URL+"/vulns/sources?lang=en", url.Values{"kind": {"nvd"}, "location": {outside}, "name": {"NVD offline"}}))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="`+outside+`"`) || !strings.Contains(page, `id="e-location"`) {
		t.Errorf("a path outside feeds/: %d", resp.StatusCode)
	}
	resp = must(admin.PostForm(s.URL+"/vulns/sources?lang=en", url.Values{"kind": {"nvd"}, "location": {"relative/path"}, "name": {"NVD offline"}}))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="relative/path"`) || !strings.Contains(page, "Enter an http(s) address or an absolute path") {
		t.Errorf("a relative path: %d", resp.StatusCode)
	}
	resp = must(admin.PostForm(s.URL+"/vulns/sources", url.Values{"kind": {"nvd"}, "location": {path}, "name": {"NVD offline"}, "every": {"12"}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/vulns/sources?done=vuln_source_added" {
		t.Fatalf("add a source: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	page = officerPage(t, admin, s.URL+"/vulns/sources?lang=en&done=vuln_source_added")
	for _, want := range []string{"Feed added.", "NVD offline", "<code>" + path + "</code>", "every 12 h"} {
		if !strings.Contains(page, want) {
			t.Errorf("the feeds' page lacks %q", want)
		}
	}
	id := regexp.MustCompile(`<tr id="source-(\d+)">`).FindStringSubmatch(page)
	if id == nil {
		t.Fatal("no source row")
	}
	resp = must(admin.PostForm(s.URL+"/vulns/sources/"+id[1]+"/disable", nil))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("disable: %d", resp.StatusCode)
	}
	if page := officerPage(t, admin, s.URL+"/vulns/sources?lang=en"); !strings.Contains(page, "<strong>Disabled</strong>") {
		t.Error("the disabled source is not marked")
	}

	analyst := s.Login(t, "analyst@mpd.example", pw)
	page = officerPage(t, analyst, s.URL+"/vulns/sources?lang=en")
	if strings.Contains(page, `id="source-form"`) || !strings.Contains(page, "NVD offline") {
		t.Error("an analyst sees the feeds without the form")
	}
	resp = must(analyst.PostForm(s.URL+"/vulns/sources", url.Values{"kind": {"kev"}, "location": {path}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("an analyst adding a source: %d, want 403", resp.StatusCode)
	}
}

// TestVulnInventoryImport: an analyst uploads a CSV inventory; the page
// says how many assets were added and lists each record left out with
// its line, field and reason; the added asset's vulnerability offers its
// CSAF advisory, served as a JSON attachment; another prefecture, with no
// asset affected, is not offered one.
func TestVulnInventoryImport(t *testing.T) {
	s := vulnServer(t)
	c := s.Login(t, "analyst@mpd.example", pw)
	csv := "名称,バージョン,CPE,公開,備考\n" +
		"ソースコード管理," + "7.6.5,\"" + bitbucket + "\",公開,本庁\n" +
		"壊れた行,1.0,cpe:2.3:a:broken,,\n" +
		",2.0,cpe:2.3:a:example:thing:2.0:*:*:*:*:*:*:*,,\n"
	resp := uploadSample(t, c, s.URL+"/vulns/assets/import?lang=en", nil, "台帳.csv", []byte(csv))
	page := html.UnescapeString(body(t, resp))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{"Import of 台帳.csv", `id="import-added" role="status">1 asset added (read as csv).`, "2 records left out", `id="import-problems"`,
		"ソースコード管理</a>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the import's page lacks %q", want)
		}
	}
	if rows := strings.Count(page[strings.Index(page, `id="import-problems"`):], "<tr><td>line "); rows != 2 {
		t.Errorf("%d problem rows naming their line, want 2", rows)
	}
	if resp := uploadSample(t, c, s.URL+"/vulns/assets/import", nil, "empty.csv", nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an empty file: %d, want 422", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
	desk := s.Login(t, "desk@mpd.example", pw)
	if resp := uploadSample(t, desk, s.URL+"/vulns/assets/import", nil, "台帳.csv", []byte(csv)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the intake desk importing: %d, want 403", resp.StatusCode)
	} else {
		resp.Body.Close()
	}

	page = officerPage(t, c, s.URL+"/vulns/cve/CVE-2022-43781")
	if !strings.Contains(page, `id="record-csaf"`) {
		t.Fatal("the CVE page offers no CSAF advisory")
	}
	resp = must(c.Get(s.URL + "/vulns/cve/CVE-2022-43781/csaf?lang=en"))
	doc := body(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename=CVE-2022-43781.csaf.json` {
		t.Fatalf("CSAF: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	var adv struct {
		Document struct{ Category string } `json:"document"`
	}
	if err := json.Unmarshal([]byte(doc), &adv); err != nil || adv.Document.Category != "csaf_security_advisory" {
		t.Errorf("CSAF document: %v, category %q", err, adv.Document.Category)
	}
	osaka := s.Login(t, "osaka@osaka.example", pw)
	if page := officerPage(t, osaka, s.URL+"/vulns/cve/CVE-2022-43781"); strings.Contains(page, `id="record-csaf"`) {
		t.Error("Osaka, with no asset affected, is offered a CSAF advisory")
	}
	if resp := must(osaka.Get(s.URL + "/vulns/cve/CVE-2022-43781/csaf")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Osaka's CSAF: %d, want 404", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
}
