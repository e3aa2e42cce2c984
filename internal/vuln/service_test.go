package vuln_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/store/pgtest"
	"github.com/koban-project/koban/internal/vuln"
	"github.com/koban-project/koban/internal/vuln/csaf"
)

const vulnData = "../../../shared/data/vuln"

var t0 = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

type env struct {
	ctx   context.Context
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	svc   *vuln.Service
	told  *notes
}

// notes records the alerts the service hands to its notifier.
type notes struct {
	mu     sync.Mutex
	alerts map[int64][]string // org → "reason:vuln"
}

func (n *notes) NotifyVulnAlerts(_ context.Context, orgID int64, as []*vuln.Alert) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, a := range as {
		n.alerts[orgID] = append(n.alerts[orgID], a.Reason+":"+a.Finding.VulnID)
	}
	return nil
}

func newEnv(t testing.TB, databaseURL string) *env {
	t.Helper()
	ctx := t.Context()
	clock := koban.NewFixedClock(t0)
	db, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), DatabaseURL: databaseURL, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, _ := db.Orgs(ctx)
	tree, _ := org.NewTree(orgs)
	e := &env{ctx: ctx, db: db, clock: clock, tree: tree, told: &notes{alerts: map[int64][]string{}}}
	d := access.New(db, func() *org.Tree { return e.tree }, clock)
	e.svc = vuln.NewService(db, nil, nil, d, clock, nil)
	e.svc.SetNotifier(e.told)
	e.svc.SetTree(func() *org.Tree { return e.tree })
	return e
}

func (e *env) officer(t testing.TB, orgCode string, role auth.Role) auth.Principal {
	t.Helper()
	o, ok := e.tree.ByCode(orgCode)
	if !ok {
		t.Fatalf("no organisation %s", orgCode)
	}
	u := &auth.User{Email: fmt.Sprintf("%s-%s-%d@example.jp", orgCode, role, time.Now().UnixNano()), Name: "担当", OrgID: o.ID, Role: role,
		PasswordHash: "x", CreatedAt: t0}
	if err := e.db.CreateUser(e.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: role, IP: "192.0.2.1", Via: "session"}
}

func open(t testing.TB, parts ...string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(append([]string{vulnData}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func nvdPage(t testing.TB) string {
	return filepath.Join(vulnData, "nvd-go", "nvd-api", "testdata", "responses", "cves-2023.json.gz")
}

// both runs a test on SQLite and, when a server is given, on PostgreSQL.
func both(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newEnv(t, "")) })
	t.Run("postgres", func(t *testing.T) { fn(t, newEnv(t, pgtest.Database(t))) })
}

// The whole life of a finding: NVD imported (and again, changing
// nothing), assets of two prefectures matched as they are added, KEV and
// EPSS raising a finding's priority and alerting its owners once, the
// owner's line alone seeing it, a status change audited.
func TestInventoryLife(t *testing.T) {
	both(t, func(t *testing.T, e *env) {
		st, err := e.svc.ImportPath(e.ctx, vuln.KindNVD, nvdPage(t))
		if err != nil {
			t.Fatal(err)
		}
		if st.Read != 200 || st.Changed != 200 || st.Problems != 0 {
			t.Fatalf("first import: %+v, want 200 read and written", st)
		}
		again, err := e.svc.ImportPath(e.ctx, vuln.KindNVD, nvdPage(t))
		if err != nil {
			t.Fatal(err)
		}
		if again.Read != 200 || again.Changed != 0 {
			t.Fatalf("second import of the same page: %+v, want 200 read and 0 written", again)
		}

		tokyo := e.officer(t, "pref-13", auth.RoleAnalyst)
		osaka := e.officer(t, "pref-27", auth.RoleAnalyst)
		bb, err := e.svc.AddAsset(e.ctx, tokyo, vuln.AssetInput{Name: "ソースコード管理", CPE: "cpe:2.3:a:atlassian:bitbucket:7.6.5:*:*:*:*:*:*:*", Exposure: "internet"})
		if err != nil {
			t.Fatal(err)
		}
		patched, err := e.svc.AddAsset(e.ctx, tokyo, vuln.AssetInput{Name: "patched", CPE: "cpe:2.3:a:atlassian:bitbucket:7.6.19:*:*:*:*:*:*:*"})
		if err != nil {
			t.Fatal(err)
		}
		dante, err := e.svc.AddAsset(e.ctx, osaka, vuln.AssetInput{Name: "音響", CPE: "cpe:2.3:a:audinate:dante_application_library:1.1.0:*:*:*:*:*:*:*"})
		if err != nil {
			t.Fatal(err)
		}

		fs, err := e.svc.Findings(e.ctx, tokyo, vuln.FindingQuery{AssetID: bb.ID})
		if err != nil {
			t.Fatal(err)
		}
		f := find(fs, "CVE-2022-43781")
		if f == nil {
			t.Fatalf("bitbucket 7.6.5 findings %v lack CVE-2022-43781", ids(fs))
		}
		if f.How != "version-range" || f.Severity != "CRITICAL" || f.KEV {
			t.Errorf("finding %+v, want a version-range CRITICAL match", f)
		}
		if want := t0.AddDate(0, 0, 7); !f.Due.Equal(want) {
			t.Errorf("due %v, want %v (critical, internet-facing: 15 days halved)", f.Due, want)
		}
		if fs, _ := e.svc.Findings(e.ctx, tokyo, vuln.FindingQuery{AssetID: patched.ID}); find(fs, "CVE-2022-43781") != nil {
			t.Errorf("bitbucket 7.6.19 (the excluded end) matched CVE-2022-43781")
		}
		if _, err := e.svc.Findings(e.ctx, osaka, vuln.FindingQuery{AssetID: bb.ID}); err != nil {
			t.Fatal(err)
		}
		if fs, _ := e.svc.Findings(e.ctx, osaka, vuln.FindingQuery{AssetID: bb.ID}); len(fs) != 0 {
			t.Errorf("Osaka sees Tokyo's findings: %v", ids(fs))
		}
		if _, err := e.svc.Asset(e.ctx, osaka, bb.ID); koban.ErrorCode(err) != koban.NotFound {
			t.Errorf("Osaka reading Tokyo's asset: %v, want not found", err)
		}
		npa := e.officer(t, "npa", auth.RoleSupervisor)
		if _, err := e.svc.Asset(e.ctx, npa, bb.ID); err != nil {
			t.Errorf("the NPA above Tokyo reading its asset: %v", err)
		}
		desk := e.officer(t, "pref-13", auth.RoleIntake)
		if _, err := e.svc.Findings(e.ctx, desk, vuln.FindingQuery{}); koban.ErrorCode(err) != koban.Forbidden {
			t.Errorf("the intake desk listing findings: %v, want forbidden", err)
		}

		df, _ := e.svc.Findings(e.ctx, osaka, vuln.FindingQuery{AssetID: dante.ID})
		d := find(df, "CVE-2022-23748")
		if d == nil || d.Confidence != "low" || len(d.Conditions) == 0 || d.KEV {
			t.Fatalf("dante finding %+v, want a low match on condition of Windows, not yet KEV", d)
		}
		before := d.Rank

		// KEV lists CVE-2022-23748: the finding moves to the top, takes
		// KEV's due date and alerts Osaka once.
		kst, err := e.svc.Import(e.ctx, vuln.KindKEV, open(t, "kev-data", "known_exploited_vulnerabilities.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if kst.Read != 1404 || kst.Changed != 1404 || kst.Findings != 1 {
			t.Errorf("KEV import %+v, want 1404 read and written, 1 finding changed", kst)
		}
		df, _ = e.svc.Findings(e.ctx, osaka, vuln.FindingQuery{})
		if len(df) == 0 || df[0].VulnID != "CVE-2022-23748" || !df[0].KEV || df[0].Rank <= before {
			t.Fatalf("after KEV, Osaka's first finding is %+v", df)
		}
		if want := time.Date(2025, 2, 27, 0, 0, 0, 0, time.UTC); !df[0].Due.Equal(want) {
			t.Errorf("KEV finding due %v, want KEV's %v", df[0].Due, want)
		}
		if got := e.told.alerts[osaka.OrgID]; len(got) != 1 || got[0] != "kev:CVE-2022-23748" {
			t.Errorf("Osaka told %v, want one KEV alert", got)
		}
		kst, err = e.svc.Import(e.ctx, vuln.KindKEV, open(t, "kev-data", "known_exploited_vulnerabilities.json"))
		if err != nil {
			t.Fatal(err)
		}
		if kst.Read != 1404 || kst.Changed != 0 || len(e.told.alerts[osaka.OrgID]) != 1 {
			t.Errorf("the same catalog as JSON: %+v, alerts %v; want nothing changed", kst, e.told.alerts[osaka.OrgID])
		}

		// EPSS makes the Bitbucket finding likely exploited: one alert.
		epss := "#model_version:v2025.03.14,score_date:2026-12-06T00:00:00+0000\ncve,epss,percentile\nCVE-2022-43781,0.9431,0.9994\nCVE-2022-23748,0.0032,0.5\n"
		est, err := e.svc.Import(e.ctx, vuln.KindEPSS, strings.NewReader(epss))
		if err != nil {
			t.Fatal(err)
		}
		if est.Read != 2 || est.Changed != 2 {
			t.Errorf("EPSS import %+v", est)
		}
		if got := e.told.alerts[tokyo.OrgID]; len(got) != 1 || got[0] != "epss:CVE-2022-43781" {
			t.Errorf("Tokyo told %v, want one EPSS alert", got)
		}
		if est, _ := e.svc.Import(e.ctx, vuln.KindEPSS, strings.NewReader(strings.Replace(epss, "2026-12-06", "2026-12-07", 1))); est.Changed != 0 {
			t.Errorf("the same scores a day later changed %d rows", est.Changed)
		}
		fs, _ = e.svc.Findings(e.ctx, tokyo, vuln.FindingQuery{AssetID: bb.ID})
		if f := fs[0]; f.VulnID != "CVE-2022-43781" || f.EPSS != 0.9431 {
			t.Errorf("Tokyo's first finding %+v, want CVE-2022-43781 with its EPSS", f)
		}

		// Status: accepted needs a reason; Osaka cannot touch Tokyo's.
		f = fs[0]
		if _, err := e.svc.SetStatus(e.ctx, tokyo, f.ID, vuln.Accepted, ""); koban.ErrorCode(err) != koban.Invalid {
			t.Errorf("accepted without a reason: %v", err)
		}
		if _, err := e.svc.SetStatus(e.ctx, osaka, f.ID, vuln.Fixed, ""); koban.ErrorCode(err) != koban.NotFound {
			t.Errorf("Osaka fixing Tokyo's finding: %v, want not found", err)
		}
		e.clock.Advance(72 * time.Hour)
		got, err := e.svc.SetStatus(e.ctx, tokyo, f.ID, vuln.Fixed, "7.6.19 へ更新")
		if err != nil || got.Status != vuln.Fixed {
			t.Fatalf("fixed: %+v, %v", got, err)
		}
		ov, err := e.svc.Overview(e.ctx, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		if ov.Counts.Fixed30 != 1 || ov.Counts.MedianFix != 72*time.Hour || ov.Vulns != 200 || ov.KEV != 1404 || ov.Counts.Assets != 2 {
			t.Errorf("overview %+v counts %+v", ov, ov.Counts)
		}
		rows, err := e.db.AuditOf(e.ctx, vuln.ObjectAsset, fmt.Sprint(bb.ID))
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, r := range rows {
			actions = append(actions, r.Action)
		}
		if !strings.Contains(strings.Join(actions, " "), "vuln.finding_status") || !strings.Contains(strings.Join(actions, " "), "asset.add") {
			t.Errorf("audit of the asset: %v", actions)
		}
	})
}

// A record that changes upstream so that an asset no longer matches
// leaves the finding gone, not open; only the changed record is written.
func TestChangedRecord(t *testing.T) {
	both(t, func(t *testing.T, e *env) {
		if _, err := e.svc.ImportPath(e.ctx, vuln.KindNVD, nvdPage(t)); err != nil {
			t.Fatal(err)
		}
		tokyo := e.officer(t, "pref-13", auth.RoleAnalyst)
		bb, err := e.svc.AddAsset(e.ctx, tokyo, vuln.AssetInput{Name: "bb", CPE: "cpe:2.3:a:atlassian:bitbucket:7.6.5:*:*:*:*:*:*:*"})
		if err != nil {
			t.Fatal(err)
		}
		page := rewrite(t, "CVE-2022-43781", func(cve map[string]any) {
			cve["configurations"] = []any{map[string]any{"nodes": []any{map[string]any{"operator": "OR", "cpeMatch": []any{
				map[string]any{"vulnerable": true, "criteria": "cpe:2.3:a:atlassian:bitbucket:*:*:*:*:*:*:*:*", "versionStartIncluding": "8.0.0", "versionEndExcluding": "8.0.5"},
			}}}}}
		})
		st, err := e.svc.Import(e.ctx, vuln.KindNVD, strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		if st.Read != 200 || st.Changed != 1 {
			t.Errorf("import with one record changed: %+v, want 1 written", st)
		}
		fs, _ := e.svc.Findings(e.ctx, tokyo, vuln.FindingQuery{AssetID: bb.ID})
		if find(fs, "CVE-2022-43781") != nil {
			t.Errorf("the finding is still open after the range moved: %v", ids(fs))
		}
		all, _ := e.svc.Findings(e.ctx, tokyo, vuln.FindingQuery{AssetID: bb.ID, All: true})
		if f := find(all, "CVE-2022-43781"); f == nil || !f.Gone {
			t.Errorf("the finding should stay, gone: %+v", f)
		}
	})
}

// An asset whose version no scheme reads is an unknown finding, never a
// silent match nor a silent miss; a bad CPE is refused with its field.
func TestUnknownAndBadInput(t *testing.T) {
	e := newEnv(t, "")
	if _, err := e.svc.ImportPath(e.ctx, vuln.KindNVD, nvdPage(t)); err != nil {
		t.Fatal(err)
	}
	p := e.officer(t, "pref-13", auth.RoleAnalyst)
	a, err := e.svc.AddAsset(e.ctx, p, vuln.AssetInput{Name: "odd", CPE: "cpe:2.3:a:atlassian:bitbucket:seven\\!:*:*:*:*:*:*:*"})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := e.svc.Findings(e.ctx, p, vuln.FindingQuery{AssetID: a.ID})
	if f := find(fs, "CVE-2022-43781"); f == nil || f.Confidence != "unknown" {
		t.Errorf("unreadable version: %+v, want an unknown finding", f)
	}
	_, err = e.svc.AddAsset(e.ctx, p, vuln.AssetInput{Name: "", CPE: "cpe:2.3:x:bad", Exposure: "sometimes"})
	var pe *koban.ProblemsError
	if !asProblems(err, &pe) || len(pe.Problems) != 3 {
		t.Fatalf("bad asset: %v, want three problems (name, cpe, exposure)", err)
	}
}

func asProblems(err error, pe **koban.ProblemsError) bool {
	p, ok := err.(*koban.ProblemsError)
	*pe = p
	return ok
}

// rewrite returns the shared NVD page with one CVE changed by fn.
func rewrite(t testing.TB, id string, fn func(map[string]any)) string {
	t.Helper()
	f, err := os.Open(nvdPage(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var page map[string]any
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	for _, v := range page["vulnerabilities"].([]any) {
		cve := v.(map[string]any)["cve"].(map[string]any)
		if cve["id"] == id {
			fn(cve)
		}
	}
	out, _ := json.Marshal(page)
	return string(out)
}

func find(fs []*vuln.Finding, id string) *vuln.Finding {
	for _, f := range fs {
		if f.VulnID == id {
			return f
		}
	}
	return nil
}

func ids(fs []*vuln.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.VulnID)
	}
	return out
}

// An inventory file adds what it can read, to the organisations its owner
// column names within the officer's line, and says why it left the rest
// out; a purl-only component matches by a guessed CPE, low.
func TestImportAssets(t *testing.T) {
	both(t, func(t *testing.T, e *env) {
		if _, err := e.svc.ImportPath(e.ctx, vuln.KindNVD, nvdPage(t)); err != nil {
			t.Fatal(err)
		}
		kanto := e.officer(t, "rpb-kanto", auth.RoleAnalyst)
		csv := "name,cpe,purl,owner,exposure\n" +
			"Bitbucket,cpe:2.3:a:atlassian:bitbucket:7.6.5:*:*:*:*:*:*:*,,pref-11,internet\n" +
			"Bitbucket purl,,pkg:generic/atlassian/bitbucket@7.6.5,,\n" +
			"Osaka's,cpe:2.3:a:atlassian:bitbucket:7.6.5:*:*:*:*:*:*:*,,pref-27,\n" +
			"broken,cpe:2.3:q:x,,,\n"
		res, err := e.svc.ImportAssets(e.ctx, kanto, "inventory.csv", strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Added) != 2 || len(res.Problems) != 2 {
			t.Fatalf("import: %d added, problems %v; want 2 and 2 (another prefecture's owner, a bad CPE)", len(res.Added), res.Problems)
		}
		saitama, _ := e.tree.ByCode("pref-11")
		if res.Added[0].OrgID != saitama.ID || res.Added[0].Origin != "csv" || res.Added[1].OrgID != kanto.OrgID {
			t.Errorf("owners %d, %d; want Saitama %d and the bureau %d", res.Added[0].OrgID, res.Added[1].OrgID, saitama.ID, kanto.OrgID)
		}
		local := e.officer(t, "pref-11", auth.RoleAnalyst)
		if fs, _ := e.svc.Findings(e.ctx, local, vuln.FindingQuery{AssetID: res.Added[0].ID}); find(fs, "CVE-2022-43781") == nil {
			t.Errorf("Saitama does not see its asset's finding")
		}
		fs, _ := e.svc.Findings(e.ctx, kanto, vuln.FindingQuery{AssetID: res.Added[1].ID})
		f := find(fs, "CVE-2022-43781")
		if f == nil || f.Confidence != "low" || !strings.Contains(strings.Join(f.Conditions, " "), "purl") {
			t.Errorf("purl-only asset: %+v, want a low match whose condition names the purl", f)
		}
		bad, err := e.svc.ImportAssets(e.ctx, kanto, "x.json", strings.NewReader(`{"bomFormat":"Nonsense"}`))
		if err != nil || len(bad.Added) != 0 || len(bad.Problems) != 1 || bad.Problems[0].Reason == "" {
			t.Errorf("unreadable file: %+v, %v; want one problem saying why", bad, err)
		}
	})
}

// The CSAF advisory of a CVE names the line's affected and fixed assets
// and passes koban's CSAF checks; a line without the CVE gets not found.
func TestExportCSAF(t *testing.T) {
	e := newEnv(t, "")
	if _, err := e.svc.ImportPath(e.ctx, vuln.KindNVD, nvdPage(t)); err != nil {
		t.Fatal(err)
	}
	tokyo := e.officer(t, "pref-13", auth.RoleAnalyst)
	for _, v := range []string{"7.6.5", "7.17.1"} {
		if _, err := e.svc.AddAsset(e.ctx, tokyo, vuln.AssetInput{Name: "bb " + v, CPE: "cpe:2.3:a:atlassian:bitbucket:" + v + ":*:*:*:*:*:*:*"}); err != nil {
			t.Fatal(err)
		}
	}
	fs, _ := e.svc.Findings(e.ctx, tokyo, vuln.FindingQuery{VulnID: "CVE-2022-43781"})
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2", len(fs))
	}
	if _, err := e.svc.SetStatus(e.ctx, tokyo, fs[0].ID, vuln.Fixed, ""); err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.ExportCSAF(e.ctx, tokyo, "cve-2022-43781", "ja")
	if err != nil {
		t.Fatal(err)
	}
	if p := csaf.Validate(b); len(p) != 0 {
		t.Fatalf("exported CSAF fails its checks: %v", p)
	}
	doc, err := csaf.Read(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	v := doc.Vulnerabilities[0]
	if v.CVE != "CVE-2022-43781" || len(v.ProductStatus.KnownAffected) != 1 || len(v.ProductStatus.Fixed) != 1 {
		t.Errorf("vulnerability %+v, want one affected and one fixed asset", v)
	}
	if doc.Document.Distribution.TLP.Label != "AMBER" || doc.Document.Publisher.Name != "警視庁" {
		t.Errorf("distribution %+v publisher %+v", doc.Document.Distribution.TLP, doc.Document.Publisher)
	}
	osaka := e.officer(t, "pref-27", auth.RoleAnalyst)
	if _, err := e.svc.ExportCSAF(e.ctx, osaka, "CVE-2022-43781", "en"); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka's export: %v, want not found", err)
	}
}

// CVE 5 is the fallback while NVD has no configurations: its affected
// products match vendor-product only; NVD's record without
// configurations keeps them; once NVD has analysed the CVE, a CVE 5
// record no longer replaces it.
func TestCVE5Fallback(t *testing.T) {
	e := newEnv(t, "")
	cve5 := func() vuln.ImportStats {
		t.Helper()
		st, err := e.svc.Import(e.ctx, vuln.KindCVE5, open(t, "osv.dev", "vulnfeeds", "test_data", "cvelistV5", "cves", "2024", "21xxx", "CVE-2024-21634.json"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	nvd := func(configs string) vuln.ImportStats {
		t.Helper()
		page := `{"resultsPerPage":1,"startIndex":0,"totalResults":1,"format":"NVD_CVE","version":"2.0","timestamp":"2026-12-07T00:00:00.000","vulnerabilities":[{"cve":{"id":"CVE-2024-21634","sourceIdentifier":"security-advisories@github.com","published":"2024-01-03T23:15:08.527","lastModified":"2024-01-10T15:00:00.000","vulnStatus":"Awaiting Analysis","descriptions":[{"lang":"en","value":"Amazon Ion is a Java implementation of the Ion data notation."}],"metrics":{}` + configs + `,"references":[]}}]}`
		st, err := e.svc.Import(e.ctx, vuln.KindNVD, strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := cve5(); st.Changed != 1 {
		t.Fatalf("CVE 5 import: %+v", st)
	}
	p := e.officer(t, "pref-13", auth.RoleAnalyst)
	a, err := e.svc.AddAsset(e.ctx, p, vuln.AssetInput{Name: "ion", CPE: "cpe:2.3:a:amazon-ion:ion-java:1.10.0:*:*:*:*:*:*:*"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when, how string) {
		t.Helper()
		fs, _ := e.svc.Findings(e.ctx, p, vuln.FindingQuery{AssetID: a.ID})
		if f := find(fs, "CVE-2024-21634"); f == nil || f.How != how {
			t.Errorf("%s: finding %+v, want %s", when, f, how)
		}
	}
	check("from CVE 5", "vendor-product-only")
	if st := nvd(""); st.Changed != 1 {
		t.Errorf("NVD without configurations: %+v", st)
	}
	check("NVD not analysed yet", "vendor-product-only")
	if st := nvd(`,"configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:amazon-ion:ion-java:*:*:*:*:*:*:*:*","versionEndExcluding":"1.10.5","matchCriteriaId":"0B3D0F59-0000-0000-0000-000000000000"}]}]}]`); st.Changed != 1 {
		t.Errorf("NVD analysed: %+v", st)
	}
	check("NVD analysed", "version-range")
	if st := cve5(); st.Changed != 0 {
		t.Errorf("CVE 5 again after NVD's analysis: %+v, want nothing written", st)
	}
	check("after CVE 5 again", "version-range")
}

// JVN iPedia's three forms import as JVN records, in Japanese, with the
// CVEs they name as aliases.
func TestJVNImports(t *testing.T) {
	e := newEnv(t, "")
	p := e.officer(t, "pref-13", auth.RoleAnalyst)
	for _, c := range []struct {
		kind vuln.Kind
		path []string
	}{
		{vuln.KindJVNRSS, []string{"myjvn", "examples", "hnd", "getVulnOverviewList_hnd.xml"}},
		{vuln.KindVULDEF, []string{"myjvn", "examples", "hnd", "getVulnDetailInfo_hnd_JVNDB-2022-000097.xml"}},
		{vuln.KindMyJVN, []string{"myjvn", "examples", "oka", "dataFeed_jvndb_rss_oka.json"}},
	} {
		st, err := e.svc.Import(e.ctx, c.kind, open(t, c.path...))
		if err != nil || st.Read == 0 || st.Problems != 0 {
			t.Errorf("%s %s: %+v, %v", c.kind, c.path[len(c.path)-1], st, err)
		}
	}
	r, err := e.svc.Vuln(e.ctx, p, "JVNDB-2022-000097")
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "jvn" || r.Title == "" || len(r.Aliases) == 0 || !strings.HasPrefix(r.Aliases[0], "CVE-") {
		t.Errorf("JVNDB-2022-000097: %+v", r)
	}
	found, err := e.svc.Search(e.ctx, p, "jvndb-2022")
	if err != nil || len(found) == 0 {
		t.Errorf("search by id: %v, %v", found, err)
	}
}
