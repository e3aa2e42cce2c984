package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// authzWorld is a koban with officers across the organisation tree, a
// report and a case owned by a Tokyo station, each officer with an API
// token.
type authzWorld struct {
	s          *apptest.Server
	clock      *koban.FixedClock
	tokens     map[string]string // who → API token
	caseID     int64
	evidenceID int64  // a file among the case's evidence
	report     string // the station's report, by receipt
	report2    string // another station report, to link
}

// authzCast is who acts: organisation and role. The station is a Tokyo MPD
// police station; the analysis unit sits under the Tokyo MPD; jc3 is a
// partner organisation.
var authzCast = map[string]struct {
	org  string
	role auth.Role
}{
	"station":         {"pref-13-shinjuku", auth.RoleInvestigator},
	"station-analyst": {"pref-13-shinjuku", auth.RoleAnalyst},
	"prefecture":      {"pref-13", auth.RoleInvestigator},
	"other-pref":      {"pref-27", auth.RoleInvestigator},
	"bureau":          {"rpb-kanto", auth.RoleSupervisor},
	"npa":             {"npa", auth.RoleSupervisor},
	"ncu":             {"ncu", auth.RoleInvestigator},
	"analysis-unit":   {"pref-13-analysis", auth.RoleAnalyst},
	"partner":         {"jc3", auth.RolePartner},
}

func newAuthzWorld(t *testing.T) *authzWorld {
	t.Helper()
	clock := koban.NewFixedClock(time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC))
	s := apptest.Start(t, apptest.WithClock(clock))
	ctx := context.Background()
	root := s.AddUser(t, "root@npa.example", "npa", auth.RoleAdmin, "a long enough passphrase")
	rp := auth.Principal{UserID: root.ID, OrgID: root.OrgID, Role: auth.RoleAdmin, Email: root.Email}
	for _, o := range []admin.NewOrg{
		{Code: "pref-13-shinjuku", ParentCode: "pref-13", NameJA: "新宿警察署", NameEN: "Shinjuku", Kind: org.KindStation},
		{Code: "pref-13-analysis", ParentCode: "pref-13", NameJA: "情報技術解析課", NameEN: "Technical Analysis", Kind: org.KindStation},
		{Code: "jc3", NameJA: "JC3", NameEN: "JC3", Kind: org.KindPartner},
	} {
		if _, err := s.App.Admin.AddOrg(ctx, rp, o); err != nil {
			t.Fatalf("add %s: %v", o.Code, err)
		}
	}
	w := &authzWorld{s: s, clock: clock, tokens: map[string]string{}}
	for who, c := range authzCast {
		email := who + "@koban.example"
		s.AddUser(t, email, c.org, c.role, "a long enough passphrase")
		w.tokens[who] = s.Token(t, email)
	}
	w.report = w.stationReport(t, "shinjuku-1")
	w.report2 = w.stationReport(t, "shinjuku-2")
	code, out := w.do(t, "station", "POST", "/api/v1/cases", `{"title":"新宿の偽SMS","category":"PH","severity":"high","reports":["`+w.report+`"]}`)
	if code != http.StatusCreated {
		t.Fatalf("open the case: %d %v", code, out)
	}
	w.caseID = int64(out["id"].(float64))
	st, err := s.App.Evidence.Stage(strings.NewReader("押収したログ"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev, err := s.App.Evidence.AddFile(ctx, w.who(t, "station"), w.caseID, "access.log", cases.NewEvidence{ReceivedFrom: "被害企業"}, st)
	if err != nil {
		t.Fatal(err)
	}
	w.evidenceID = ev.ID
	return w
}

// who is the principal of one of the cast.
func (w *authzWorld) who(t *testing.T, name string) auth.Principal {
	t.Helper()
	u, err := w.s.App.DB.UserByEmail(context.Background(), name+"@koban.example")
	if err != nil {
		t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role, Via: "token"}
}

// stationReport files a report that lands in the Tokyo MPD's queue and is
// transferred to the station by the prefecture, as happens every day.
func (w *authzWorld) stationReport(t *testing.T, tag string) string {
	t.Helper()
	resp, err := http.Post(w.s.URL+"/api/v1/public/reports", "application/json", strings.NewReader(
		`{"kind":"tip","prefecture":"13","description":"新宿で偽SMSを受け取りました `+tag+` https://`+tag+`.example.com/"}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Receipt string }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	id, err := w.s.App.DB.ReportIDByReceipt(context.Background(), out.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	hq, _ := w.s.App.Tree().ByCode("pref-13")
	p := auth.Principal{UserID: 1, OrgID: hq.ID, Role: auth.RoleSupervisor, Email: "hq"}
	if err := w.s.App.Intake.Transfer(context.Background(), p, id, "pref-13-shinjuku", "管轄署へ"); err != nil {
		t.Fatal(err)
	}
	return out.Receipt
}

func (w *authzWorld) do(t *testing.T, who, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, w.s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// authzAction is one thing an officer tries through HTTP; it returns the
// status koban answered.
type authzAction struct {
	name string
	run  func(t *testing.T, w *authzWorld, who string) int
}

func authzActions() []authzAction {
	c := func(w *authzWorld) string { return "/api/v1/cases/" + strconv.FormatInt(w.caseID, 10) }
	return []authzAction{
		{"view case", func(t *testing.T, w *authzWorld, who string) int {
			code, _ := w.do(t, who, "GET", c(w), "")
			return code
		}},
		{"edit case (note)", func(t *testing.T, w *authzWorld, who string) int {
			code, _ := w.do(t, who, "POST", c(w)+"/notes", `{"body":"確認しました"}`)
			return code
		}},
		{"link report", func(t *testing.T, w *authzWorld, who string) int {
			code, _ := w.do(t, who, "POST", c(w)+"/reports", `{"report":"`+w.report2+`"}`)
			if code == http.StatusCreated || code == http.StatusOK {
				// Undo, so that the next officer finds it unlinked.
				id, _ := w.s.App.DB.ReportIDByReceipt(context.Background(), w.report2)
				w.s.App.Cases.UnlinkReport(context.Background(), auth.Principal{UserID: 1, OrgID: 1, Role: auth.RoleSupervisor}, w.caseID, id)
			}
			return code
		}},
		{"download evidence", func(t *testing.T, w *authzWorld, who string) int {
			code, _ := w.do(t, who, "GET", c(w)+"/evidence/"+strconv.FormatInt(w.evidenceID, 10)+"/file", "")
			return code
		}},
		{"export", func(t *testing.T, w *authzWorld, who string) int {
			code, _ := w.do(t, who, "POST", c(w)+"/export", "")
			return code
		}},
		{"refer", func(t *testing.T, w *authzWorld, who string) int {
			code, out := w.do(t, who, "POST", c(w)+"/referrals", `{"to":"pref-27","reason":"被疑者が大阪在住"}`)
			if code == http.StatusCreated || code == http.StatusOK {
				// Withdrawn at once, so that the next officer finds the case as it was.
				if _, err := w.s.App.Cases.Withdraw(context.Background(), w.who(t, "station"), int64(out["id"].(float64))); err != nil {
					t.Fatalf("withdraw: %v", err)
				}
			}
			return code
		}},
		{"request support", func(t *testing.T, w *authzWorld, who string) int {
			code, out := w.do(t, who, "POST", c(w)+"/support", `{"to":"ncu","kind":"malware","description":"検体の解析"}`)
			if code == http.StatusCreated || code == http.StatusOK {
				// Declined at once: the unit's sight of the case ends with it.
				if _, err := w.s.App.Cases.DeclineSupport(context.Background(), w.who(t, "ncu"), int64(out["id"].(float64)), "別件対応中"); err != nil {
					t.Fatalf("decline: %v", err)
				}
			}
			return code
		}},
		{"view report", func(t *testing.T, w *authzWorld, who string) int {
			id, _ := w.s.App.DB.ReportIDByReceipt(context.Background(), w.report)
			code, _ := w.do(t, who, "GET", "/api/v1/reports/"+strconv.FormatInt(id, 10), "")
			return code
		}},
	}
}

const (
	ok   = "ok"   // 2xx
	gone = "404"  // answered like a missing record
	deny = "403"  // seen, but not allowed this
	anon = "deny" // 401, 403 or 404: the account may do nothing of the kind
)

// authzExpect is the matrix: who × action → outcome.
var authzExpect = func() map[string]map[string]string {
	all := func(o string) map[string]string {
		m := map[string]string{}
		for _, a := range []string{"view case", "edit case (note)", "link report", "download evidence", "export", "refer", "request support", "view report"} {
			m[a] = o
		}
		return m
	}
	analyst := all(deny)
	analyst["view case"], analyst["view report"], analyst["download evidence"] = ok, ok, ok
	return map[string]map[string]string{
		"station":         all(ok),
		"station-analyst": analyst,
		"prefecture":      all(ok),
		"npa":             all(ok),
		// The Tokyo MPD sits under the NPA, not under the Kanto bureau.
		"bureau":        all(gone),
		"other-pref":    all(gone),
		"ncu":           all(gone),
		"analysis-unit": all(gone),
		"partner":       all(anon),
	}
}()

func authzOutcome(code int) string {
	switch {
	case code >= 200 && code < 300:
		return ok
	case code == http.StatusNotFound:
		return gone
	case code == http.StatusForbidden:
		return deny
	}
	return fmt.Sprint(code)
}

// TestAuthorisationTable: every role and organisation against every action
// on a case and its report, through HTTP (on SQLite, and on PostgreSQL when
// the suite runs again with KOBAN_TEST_BACKEND=postgres). Every cell that
// must be refused is refused, a record out of sight answers exactly like a
// missing one, and refusals of a case are audited.
func TestAuthorisationTable(t *testing.T) {
	w := newAuthzWorld(t)
	for _, a := range authzActions() {
		for who := range authzCast {
			want := authzExpect[who][a.name]
			got := authzOutcome(a.run(t, w, who))
			if want == anon && (got == deny || got == gone || got == "401") {
				continue
			}
			if got != want {
				t.Errorf("%s: %s answered %s, want %s", who, a.name, got, want)
			}
		}
	}
	// A missing case answers the same as a hidden one.
	if code, _ := w.do(t, "other-pref", "GET", "/api/v1/cases/987654", ""); code != http.StatusNotFound {
		t.Errorf("a missing case: %d", code)
	}
	rows, err := w.s.App.DB.AuditOf(context.Background(), "case", strconv.FormatInt(w.caseID, 10))
	if err != nil {
		t.Fatal(err)
	}
	refused := map[int64]bool{}
	for _, r := range rows {
		if r.Action == "case.refused" {
			refused[r.ActorID] = true
		}
	}
	for _, who := range []string{"other-pref", "bureau", "ncu", "station-analyst"} {
		u, _ := w.s.App.DB.UserByEmail(context.Background(), who+"@koban.example")
		if !refused[u.ID] {
			t.Errorf("%s's refusals are not in the case's audit trail", who)
		}
	}
}

// TestAuthorisationGrantExpires: a grant of view to another prefecture
// opens the case and its report until it expires, and no further.
func TestAuthorisationGrantExpires(t *testing.T) {
	w := newAuthzWorld(t)
	osaka, _ := w.s.App.Tree().ByCode("pref-27")
	rid, _ := w.s.App.DB.ReportIDByReceipt(context.Background(), w.report)
	for _, obj := range []struct {
		typ string
		id  int64
	}{{"case", w.caseID}, {"report", rid}} {
		g := &access.GrantRow{ObjectType: obj.typ, ObjectID: obj.id, OrgID: osaka.ID, Rights: []access.Right{access.View},
			ExpiresAt: w.clock.Now().Add(time.Hour), Reason: "合同捜査の準備", CreatedAt: w.clock.Now()}
		if err := w.s.App.DB.CreateGrant(context.Background(), g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
			t.Fatal(err)
		}
	}
	actions := authzActions()
	outcomes := func() map[string]string {
		out := map[string]string{}
		for _, a := range actions {
			out[a.name] = authzOutcome(a.run(t, w, "other-pref"))
		}
		return out
	}
	during := outcomes()
	if during["view case"] != ok || during["view report"] != ok || during["edit case (note)"] != deny {
		t.Errorf("Osaka with a view grant: %v", during)
	}
	w.clock.Advance(time.Hour + time.Second)
	after := outcomes()
	for name, got := range after {
		if got != gone {
			t.Errorf("Osaka after the grant expired: %s answered %s, want 404", name, got)
		}
	}
}

// TestAuthorisationAnswers: the actions that consume what they answer —
// accepting a referral, granting an access request — each on a fresh one,
// by every officer of the cast.
func TestAuthorisationAnswers(t *testing.T) {
	w := newAuthzWorld(t)
	ctx := context.Background()
	station := w.who(t, "station")
	rid, _ := w.s.App.DB.ReportIDByReceipt(ctx, w.report)
	rep, err := w.s.App.DB.Report(ctx, rid)
	if err != nil || len(rep.Observables) == 0 {
		t.Fatalf("the station's report holds no value: %v", err)
	}
	expect := map[string]map[string]string{
		// Osaka receives; the NPA is above it. The referring side, and
		// those above it who are not above Osaka, may not answer for Osaka.
		"accept referral": {"station": deny, "station-analyst": deny, "prefecture": deny, "npa": ok,
			"bureau": gone, "other-pref": ok, "ncu": gone, "analysis-unit": gone, "partner": anon},
		// The request belongs to the station that owns the record, and to
		// the organisations above it; an analyst's role handles no requests,
		// so to them the inbox holds none.
		"grant access": {"station": ok, "station-analyst": gone, "prefecture": ok, "npa": ok,
			"bureau": gone, "other-pref": gone, "ncu": gone, "analysis-unit": gone, "partner": anon},
	}
	for who := range authzCast {
		code, out := w.do(t, "station", "POST", "/api/v1/cases", `{"title":"照会の多い事件","category":"FR","severity":"medium"}`)
		if code != http.StatusCreated {
			t.Fatalf("open: %d %v", code, out)
		}
		osaka, _ := w.s.App.Tree().ByCode("pref-27")
		ref, err := w.s.App.Cases.Refer(ctx, station, int64(out["id"].(float64)), osaka.ID, "被疑者が大阪在住")
		if err != nil {
			t.Fatal(err)
		}
		code, _ = w.do(t, who, "POST", "/api/v1/referrals/"+strconv.FormatInt(ref.ID, 10)+"/accept", "")
		check := func(action string, code int) {
			t.Helper()
			want, got := expect[action][who], authzOutcome(code)
			if want == anon && (got == deny || got == gone || got == "401") {
				return
			}
			if got != want {
				t.Errorf("%s: %s answered %s, want %s", who, action, got, want)
			}
		}
		check("accept referral", code)

		rq, err := w.s.App.Index.RequestAccess(ctx, w.who(t, "other-pref"), rep.Observables[0], rep.OrgID, "同じ番号の事件を捜査中 "+who)
		if err != nil {
			t.Fatal(err)
		}
		code, _ = w.do(t, who, "POST", "/api/v1/access-requests/"+strconv.FormatInt(rq.ID, 10)+"/grant", `{"days":7}`)
		check("grant access", code)
	}
}
