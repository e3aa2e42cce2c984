package intel_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
)

var now0 = time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)

// env is the intel service on a real SQLite store, with a partner.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	svc   *intel.Service
	seq   int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	clock := koban.NewFixedClock(now0)
	db, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, db: db, clock: clock}
	jc3 := org.Org{Code: "jc3", Kind: org.KindPartner, NameJA: "日本サイバー犯罪対策センター", NameEN: "JC3"}
	if err := db.CreateOrg(ctx, &jc3, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
		t.Fatal(err)
	}
	e.reloadTree()
	tree := func() *org.Tree { return e.tree }
	e.svc = intel.NewService(db, access.New(db, tree, clock), tree, clock, nil)
	return e
}

func (e *env) reloadTree() {
	e.t.Helper()
	orgs, err := e.db.Orgs(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if e.tree, err = org.NewTree(orgs); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) orgID(code string) int64 {
	e.t.Helper()
	o, ok := e.tree.ByCode(code)
	if !ok {
		e.t.Fatalf("no organisation %s", code)
	}
	return o.ID
}

func (e *env) officer(orgCode string, role auth.Role) auth.Principal {
	e.t.Helper()
	e.seq++
	u := &auth.User{Email: fmt.Sprintf("o%d@%s.example.jp", e.seq, orgCode), Name: "担当" + strconv.Itoa(e.seq), OrgID: e.orgID(orgCode), Role: role, PasswordHash: "unused", CreatedAt: now0}
	if err := e.db.CreateUser(e.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		e.t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: role, IP: "203.0.113.9", Via: "session"}
}

func (e *env) report(orgCode string, obs ...observe.Observable) *intake.Report {
	e.t.Helper()
	_, hash := auth.NewStatusToken()
	r := &intake.Report{TokenHash: hash, Kind: intake.KindReport, Category: "PH", Description: "偽SMS", OrgID: e.orgID(orgCode),
		Status: intake.StatusNew, Language: "ja", Source: "web", CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(), Observables: obs}
	if err := e.db.CreateReports(e.ctx, []*intake.Report{r}, []audit.Entry{{Actor: audit.Public("192.0.2.1"), Action: "report.create", ObjectType: "report"}}); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func fields(err error) map[string]string {
	out := map[string]string{}
	var pe *koban.ProblemsError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			out[p.Field] = p.Key
		}
	}
	return out
}

func TestCreateSource(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	src, err := e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Name: "JC3 phishing", Kind: intel.SourceTAXII, PartnerCode: "jc3",
		URL: "https://taxii.jc3.example/api1/", Collection: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", Secret: "tok", DefaultTLP: "TLP:GREEN", EveryMin: "30"})
	if err != nil {
		t.Fatal(err)
	}
	if src.Secret != "set" || src.OrgID != e.orgID("pref-13") || src.PartnerOrgID != e.orgID("jc3") || src.Every != 30*time.Minute || src.DefaultTLP != "green" {
		t.Errorf("created %+v", src)
	}
	stored, _ := e.db.Source(e.ctx, src.ID)
	if stored.Secret != "tok" {
		t.Error("the secret was not kept for polling")
	}
	// Every problem at once.
	_, err = e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Kind: intel.SourceTAXII, PartnerCode: "pref-27", URL: "https://user:pw@x.example/",
		DefaultTLP: "orange", Confidence: "101", EveryMin: "1"})
	want := map[string]string{"name": "intel.error.name", "partner": "intel.error.partner_unknown", "url": "intel.error.url",
		"collection": "intel.error.collection", "tlp": "intel.error.tlp", "confidence": "intel.error.confidence", "every": "intel.error.every"}
	if got := fields(err); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems = %v\nwant       %v", got, want)
	}
	if _, err := e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Name: "JC3 phishing", Kind: intel.SourceFile}); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("a second source of the same name: %v", err)
	}
	// Who may: not an intake officer, not for another prefecture.
	if _, err := e.svc.CreateSource(e.ctx, e.officer("pref-13", auth.RoleIntake), intel.SourceInput{Name: "x", Kind: intel.SourceFile}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("intake officer: %v, want Forbidden", err)
	}
	if _, err := e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Name: "y", Kind: intel.SourceFile, OrgCode: "pref-27"}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("for another prefecture: %v, want Forbidden", err)
	}
	// Listing: the owner's line sees it, without the secret; Osaka does not.
	l, err := e.svc.Sources(e.ctx, e.officer("npa", auth.RoleSupervisor))
	if err != nil || len(l) != 1 || l[0].Secret != "set" {
		t.Errorf("NPA lists %+v, %v", l, err)
	}
	if l, _ := e.svc.Sources(e.ctx, e.officer("pref-27", auth.RoleAnalyst)); len(l) != 0 {
		t.Errorf("Osaka lists %d sources", len(l))
	}
}
