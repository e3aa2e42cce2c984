package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/taxii"
	"github.com/koban-project/koban/internal/tlp"
)

// tlpMarkingIDs are the TLP 2.0 marking definitions by level.
var tlpMarkingIDs = map[tlp.Level]string{
	tlp.Clear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", tlp.Green: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	tlp.Amber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", tlp.AmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	tlp.Red: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

var walkLevels = []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict, tlp.Red}

// walkMark names what carries a level through every path: the indicator's
// name and the domain it names.
func walkMark(l tlp.Level) string { return "walk-" + strings.ReplaceAll(string(l), "+", "-") }

// TestTLPWalk walks every path by which intel leaves koban — TAXII pages,
// the intel browser, an object's page, the national index's API, the STIX
// and MISP exports of reports — with an
// object at every marking and a recipient of every kind, and checks that
// each recipient receives exactly what its marking allows: RED to nobody
// not named, AMBER+STRICT to the owning organisation's line only, AMBER to
// the owner's line and (shared into a collection) the collection's readers,
// GREEN and CLEAR to the community.
func TestTLPWalk(t *testing.T) {
	s := apptest.Start(t)
	a, ctx := s.App, context.Background()
	adm, ap := withPartner(t, s, "walk@npa.example", "bank-w", "ダブリュー銀行")
	s.AddUser(t, "walk@osaka.example", "pref-27", auth.RoleAnalyst, "correct horse battery")
	s.AddUser(t, "walk@hokkaido.example", "pref-01", auth.RoleAnalyst, "correct horse battery")

	// One indicator per marking, owned by the NPA, all put into one
	// collection whose readers are the bank and Osaka — RED and
	// AMBER+STRICT forced in past the sharing rules, as a bug might, to
	// show that the read path holds on its own.
	src, err := a.Intel.CreateSource(ctx, ap, intel.SourceInput{Name: "walk", Kind: intel.SourceFile})
	if err != nil {
		t.Fatal(err)
	}
	var bundle strings.Builder
	bundle.WriteString(`{"type":"bundle","id":"bundle--0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d","objects":[`)
	for i, l := range walkLevels {
		if i > 0 {
			bundle.WriteString(",")
		}
		fmt.Fprintf(&bundle, `{"type":"indicator","spec_version":"2.1","id":"indicator--0a0b0c0d-0e0f-4a1b-8c2d-00000000000%d","created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z","name":"%s","pattern":"[domain-name:value = '%s.top']","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z","object_marking_refs":["%s"]}`,
			i, walkMark(l), walkMark(l), tlpMarkingIDs[l])
	}
	bundle.WriteString("]}")
	if res, err := a.Intel.ImportFile(ctx, ap, src.ID, strings.NewReader(bundle.String())); err != nil || res.Stored.Added != 5 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	objs := map[tlp.Level]*intel.Object{}
	for i, l := range walkLevels {
		o, err := a.DB.IntelLatest(ctx, fmt.Sprintf("indicator--0a0b0c0d-0e0f-4a1b-8c2d-00000000000%d", i))
		if err != nil || o.TLP != l {
			t.Fatalf("%s: %+v, %v", l, o, err)
		}
		objs[l] = o
	}
	c, err := a.Intel.CreateCollection(ctx, ap, intel.CollectionInput{Title: "walk", MaxTLP: "amber+strict", Readers: []string{"bank-w", "pref-27"}})
	if err != nil {
		t.Fatal(err)
	}
	var all []*intel.Object
	for _, l := range walkLevels {
		all = append(all, objs[l])
	}
	if _, err := a.DB.AddToCollection(ctx, c.ID, all, &intel.TAXIIStatus{ID: "0a0b0c0d-0000-4000-8000-000000000001", CollectionID: c.ID, UserID: ap.UserID, CreatedAt: time.Now(), Total: 5, Success: 5},
		audit.Entry{Actor: ap.Actor(), Action: "taxii.add", ObjectType: "taxii_collection"}); err != nil {
		t.Fatal(err)
	}

	// One report per marking, owned by Tokyo: the export path.
	reports := map[tlp.Level]int64{}
	pref13, _ := a.Tree().ByCode("pref-13")
	for _, l := range walkLevels {
		r := &intake.Report{TokenHash: "walk-" + string(l), Kind: intake.KindReport, Category: "PH", Description: "偽SMS", OrgID: pref13.ID,
			Status: intake.StatusNew, Language: "ja", Source: "web", TLP: string(l), CreatedAt: time.Now(), UpdatedAt: time.Now(),
			Observables: []observe.Observable{{Type: observe.Domain, Value: walkMark(l) + "-report.top"}}}
		if err := a.DB.CreateReports(ctx, []*intake.Report{r}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
			t.Fatal(err)
		}
		reports[l] = r.ID
	}

	type recipient struct {
		email string
		web   bool        // signs in to the pages
		want  []tlp.Level // what every path gives it
		taxii []tlp.Level // what the collection gives it (nil: not a reader)
	}
	none := []tlp.Level{}
	for _, r := range []recipient{
		{adm.Email, true, []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict}, []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict}},
		{"walk@osaka.example", true, []tlp.Level{tlp.Clear, tlp.Green}, []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber}},
		{"walk@hokkaido.example", true, []tlp.Level{tlp.Clear, tlp.Green}, nil},
		{"feed@bank-w.example", false, none, []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber}},
	} {
		token := s.Token(t, r.email)
		// TAXII.
		cl, _ := taxii.NewClient(http.DefaultClient, s.URL+"/taxii2/", taxii.Auth{Token: token})
		page, err := cl.GetObjects(ctx, intel.RootName, c.UUID, taxii.Query{})
		if r.taxii == nil {
			if err == nil {
				t.Errorf("%s is no reader but read the collection", r.email)
			}
		} else {
			got := []tlp.Level{}
			for _, l := range walkLevels {
				for _, o := range page.Objects {
					if strings.Contains(string(o), `"`+walkMark(l)+`"`) {
						got = append(got, l)
					}
				}
			}
			if err != nil || !slices.Equal(got, r.taxii) {
				t.Errorf("TAXII gives %s %v (%v); want %v", r.email, got, err, r.taxii)
			}
		}
		// The national index's API.
		got := []tlp.Level{}
		for _, l := range walkLevels {
			body, status := apiGet(t, s.URL+"/api/v1/observables/domain/"+walkMark(l)+".top", token)
			if status == http.StatusOK && strings.Contains(body, `"record_type":"intel"`) {
				got = append(got, l)
			}
		}
		if !slices.Equal(got, r.want) {
			t.Errorf("the API gives %s %v; want %v", r.email, got, r.want)
		}
		// Exports of reports (STIX and MISP): the NPA, above Tokyo, takes
		// what its line may see; other prefectures what the community may;
		// partners nothing (no intel.manage).
		wantExport := map[string][]tlp.Level{adm.Email: {tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict},
			"walk@osaka.example": {tlp.Clear, tlp.Green}, "walk@hokkaido.example": {tlp.Clear, tlp.Green}, "feed@bank-w.example": {}}[r.email]
		for _, format := range []string{"stix", "misp"} {
			got := []tlp.Level{}
			for _, l := range walkLevels {
				body, status := apiGet(t, fmt.Sprintf("%s/api/v1/reports/%d/%s", s.URL, reports[l], format), token)
				if status == http.StatusOK {
					got = append(got, l)
					if !strings.Contains(body, walkMark(l)+"-report.top") {
						t.Errorf("the %s export of the %s report lacks its value", format, l)
					}
				} else if status != http.StatusNotFound && status != http.StatusForbidden {
					t.Errorf("%s exports the %s report as %s: %d", r.email, l, format, status)
				}
			}
			if !slices.Equal(got, wantExport) {
				t.Errorf("%s exports %v as %s; want %v", r.email, got, format, wantExport)
			}
		}
		if !r.web {
			continue
		}
		// The pages: the intel browser and each object's page.
		web := s.Login(t, r.email, "correct horse battery")
		list := getPage(t, web, s.URL+"/intel/objects", http.StatusOK)
		listed, opened := []tlp.Level{}, []tlp.Level{}
		for _, l := range walkLevels {
			if strings.Contains(list, walkMark(l)) {
				listed = append(listed, l)
			}
			resp, err := web.Get(fmt.Sprintf("%s/intel/objects/%d", s.URL, objs[l].ID))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				opened = append(opened, l)
			} else if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s opens the %s object: %d, want 200 or 404", r.email, l, resp.StatusCode)
			}
		}
		if !slices.Equal(listed, r.want) || !slices.Equal(opened, r.want) {
			t.Errorf("the pages give %s: listed %v, opened %v; want %v", r.email, listed, opened, r.want)
		}
	}
}

func apiGet(t *testing.T, u, token string) (string, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}
