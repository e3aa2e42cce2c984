package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
)

// client calls the API with one officer's token.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "ja")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, out
}

// firstProblem returns "field:code" of the first error in a problems answer.
func firstProblem(out map[string]any) string {
	errs, _ := out["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e := errs[0].(map[string]any)
	f, _ := e["field"].(string)
	return f + ":" + e["code"].(string)
}

func TestCasesAPI(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "colleague@mpd.example", "pref-13", auth.RoleIntake, pw)
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	tokyo := client{t, s.URL, s.Token(t, "tokyo@mpd.example")}
	analyst := client{t, s.URL, s.Token(t, "analyst@mpd.example")}
	osaka := client{t, s.URL, s.Token(t, "osaka@osaka.example")}
	rc, err := s.App.Intake.Submit(context.Background(), intake.Submission{Kind: intake.KindTip, Category: "MW", Prefecture: "13",
		Description: "社内のファイルが暗号化された"}, intake.Origin{Source: "web", IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}

	// The body is read strictly: an unknown field is a 400 naming it.
	code, out := tokyo.do("POST", "/api/v1/cases", `{"title":"x","category":"MW","severity":"high","priority":"p1"}`)
	if code != http.StatusBadRequest || firstProblem(out) != "priority:api.error.unknown_field" {
		t.Errorf("unknown field: %d %v", code, out)
	}
	if code, out = tokyo.do("POST", "/api/v1/cases", `{"title":`); code != http.StatusBadRequest || firstProblem(out) != ":error.malformed" {
		t.Errorf("malformed: %d %v", code, out)
	}
	if code, out = tokyo.do("POST", "/api/v1/cases", `{"title":"","category":"MW","severity":"high"}`); code != http.StatusUnprocessableEntity ||
		firstProblem(out) != "title:case.error.title_required" || !strings.Contains(fmt.Sprint(out), "件名を入力してください") {
		t.Errorf("invalid: %d %v", code, out)
	}
	if code, out = tokyo.do("POST", "/api/v1/cases", `{"title":"x","category":"MW","severity":"high","lead":"nobody@example"}`); code != http.StatusUnprocessableEntity ||
		firstProblem(out) != "lead:case.error.lead" {
		t.Errorf("unknown lead: %d %v", code, out)
	}
	code, out = tokyo.do("POST", "/api/v1/cases", `{"title":"製造業のランサムウェア被害","summary":"VPN経由","category":"MW","severity":"critical",
		"members":["colleague@mpd.example"],"reports":["`+rc.Receipt+`"]}`)
	if code != http.StatusCreated {
		t.Fatalf("open: %d %v", code, out)
	}
	id := int64(out["id"].(float64))
	if out["status"] != "open" || out["law"] != "computer_crime" || out["org"] != "pref-13" || out["lead"] != "tokyo@mpd.example" ||
		fmt.Sprint(out["members"]) != "[tokyo@mpd.example colleague@mpd.example]" || !strings.HasSuffix(out["number"].(string), "-13-00001") {
		t.Errorf("opened %v", out)
	}
	path := fmt.Sprintf("/api/v1/cases/%d", id)

	// Status, tasks, notes, reports.
	if code, out = tokyo.do("POST", path+"/status", `{"status":"referred"}`); code != http.StatusUnprocessableEntity || firstProblem(out) != "status:case.error.referred_by_referral" {
		t.Errorf("referred by hand: %d %v", code, out)
	}
	if code, out = tokyo.do("POST", path+"/status", `{"status":"investigating","note":"捜査開始"}`); code != http.StatusOK || out["status"] != "investigating" {
		t.Errorf("status: %d %v", code, out)
	}
	if code, out = tokyo.do("POST", path+"/tasks", `{"title":"検体の解析","assignee":"osaka@osaka.example"}`); code != http.StatusUnprocessableEntity || firstProblem(out) != "assignee:case.error.assignee" {
		t.Errorf("task for Osaka: %d %v", code, out)
	}
	code, out = tokyo.do("POST", path+"/tasks", `{"title":"検体の解析","assignee":"analyst@mpd.example","due":"2026-04-01"}`)
	if code != http.StatusCreated || out["assignee"] != "analyst@mpd.example" || out["due"] != "2026-04-01" || out["status"] != "open" {
		t.Fatalf("task: %d %v", code, out)
	}
	task := int64(out["id"].(float64))
	// The analyst may not write notes, but closes the task given to them.
	if code, out = analyst.do("POST", path+"/notes", `{"body":"x"}`); code != http.StatusForbidden {
		t.Errorf("analyst's note: %d %v", code, out)
	}
	if code, out = analyst.do("POST", fmt.Sprintf("%s/tasks/%d", path, task), `{"status":"done"}`); code != http.StatusOK || out["status"] != "done" {
		t.Errorf("analyst closes the task: %d %v", code, out)
	}
	if code, out = tokyo.do("POST", fmt.Sprintf("%s/tasks/%d", path, task), `{"status":"late"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("bad task status: %d %v", code, out)
	}
	code, out = tokyo.do("POST", path+"/notes", `{"body":"**暗号化**を確認 <script>alert(1)</script> [x](javascript:alert(1))"}`)
	if code != http.StatusCreated || !strings.Contains(out["html"].(string), "<strong>暗号化</strong>") || strings.Contains(out["html"].(string), "<script") ||
		strings.Contains(out["html"].(string), "javascript:") {
		t.Errorf("note: %d %v", code, out)
	}
	if code, out = tokyo.do("POST", path+"/reports", `{"report":"`+rc.Receipt+`"}`); code != http.StatusConflict || firstProblem(out) != "report:case.error.report_linked" {
		t.Errorf("linking twice: %d %v", code, out)
	}
	if code, out = tokyo.do("POST", path+"/reports", `{"report":"`+rc.Receipt+`","why":"x"}`); code != http.StatusBadRequest || firstProblem(out) != "why:api.error.unknown_field" {
		t.Errorf("unknown field in a link: %d %v", code, out)
	}

	// The case, read back whole.
	code, out = tokyo.do("GET", path, "")
	if code != http.StatusOK {
		t.Fatalf("get: %d %v", code, out)
	}
	tasks := out["tasks"].([]any)
	if len(tasks) != 6 || tasks[0].(map[string]any)["template_key"] != "case.template.MW.1" || !strings.Contains(tasks[0].(map[string]any)["title"].(string), "ログ") {
		t.Errorf("tasks %v", tasks)
	}
	if r := out["reports"].([]any); len(r) != 1 || r[0].(map[string]any)["receipt"] != rc.Receipt {
		t.Errorf("reports %v", r)
	}
	var kinds []string
	for _, e := range out["timeline"].([]any) {
		kinds = append(kinds, e.(map[string]any)["kind"].(string))
	}
	if got := strings.Join(kinds, " "); !strings.HasPrefix(got, "opened report_linked task_added") || !strings.HasSuffix(got, "status task_added task_done note") {
		t.Errorf("timeline %s", got)
	}
	// Lists and my tasks.
	if code, out = tokyo.do("GET", "/api/v1/cases?status=investigating&mine=1", ""); code != http.StatusOK || out["total"].(float64) != 1 {
		t.Errorf("list: %d %v", code, out)
	}
	if code, out = tokyo.do("GET", "/api/v1/cases?severity=low", ""); code != http.StatusOK || out["total"].(float64) != 0 {
		t.Errorf("list by severity: %d %v", code, out)
	}
	code, out = analyst.do("GET", "/api/v1/tasks?mine=1", "")
	if code != http.StatusOK || out["total"].(float64) != 1 || out["tasks"].([]any)[0].(map[string]any)["case_title"] != "製造業のランサムウェア被害" {
		t.Errorf("analyst's tasks: %d %v", code, out)
	}
	if code, out = tokyo.do("GET", "/api/v1/tasks?mine=1", ""); code != http.StatusOK || out["total"].(float64) != 0 {
		t.Errorf("tokyo's own tasks: %d %v", code, out)
	}

	// Osaka: the case is not there, whatever is asked.
	for _, c := range []struct{ method, path, body string }{
		{"GET", path, ""}, {"POST", path + "/status", `{"status":"closed","reason":"other"}`}, {"POST", path + "/notes", `{"body":"x"}`},
		{"POST", path + "/reports", `{"report":"` + rc.Receipt + `"}`}, {"POST", fmt.Sprintf("%s/tasks/%d", path, task), `{"status":"open"}`},
	} {
		if code, out := osaka.do(c.method, c.path, c.body); code != http.StatusNotFound || firstProblem(out) != ":error.not_found" {
			t.Errorf("Osaka %s %s: %d %v", c.method, c.path, code, out)
		}
	}
	if code, out = osaka.do("GET", "/api/v1/cases", ""); code != http.StatusOK || out["total"].(float64) != 0 {
		t.Errorf("Osaka's list: %d %v", code, out)
	}
	if code, _ = tokyo.do("GET", "/api/v1/cases/99999", ""); code != http.StatusNotFound {
		t.Errorf("missing case: %d", code)
	}
}

// TestCaseHoldAPI: a supervisor sets a legal hold with a reason (none is a
// problem on the field) and the case says so; an investigator is refused;
// lifting it takes it off the case.
func TestCaseHoldAPI(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "inv@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "sup@mpd.example", "pref-13", auth.RoleSupervisor, pw)
	inv := client{t, s.URL, s.Token(t, "inv@mpd.example")}
	sup := client{t, s.URL, s.Token(t, "sup@mpd.example")}
	code, out := inv.do("POST", "/api/v1/cases", `{"title":"投資詐欺","category":"FR","severity":"high"}`)
	if code != http.StatusCreated {
		t.Fatalf("open: %d %v", code, out)
	}
	path := fmt.Sprintf("/api/v1/cases/%d", int64(out["id"].(float64)))
	if _, held := out["legal_hold"]; held {
		t.Errorf("a new case is on hold: %v", out)
	}
	if code, out = inv.do("POST", path+"/hold", `{"hold":true,"reason":"公判"}`); code != http.StatusForbidden {
		t.Errorf("an investigator set a hold: %d %v", code, out)
	}
	if code, out = sup.do("POST", path+"/hold", `{"hold":true}`); code != http.StatusUnprocessableEntity || firstProblem(out) != "hold_reason:case.error.hold_reason_required" {
		t.Errorf("no reason: %d %v", code, out)
	}
	code, out = sup.do("POST", path+"/hold", `{"hold":true,"reason":"公判係属中"}`)
	hold, _ := out["legal_hold"].(map[string]any)
	if code != http.StatusOK || hold["reason"] != "公判係属中" || hold["by"] != "sup@mpd.example" || hold["at"] == "" {
		t.Fatalf("set hold: %d %v", code, out)
	}
	code, out = inv.do("GET", path, "")
	c, _ := out["case"].(map[string]any)
	hold, _ = c["legal_hold"].(map[string]any)
	if code != http.StatusOK || hold["reason"] != "公判係属中" {
		t.Errorf("the case after the hold: %d %v", code, out)
	}
	timeline, _ := out["timeline"].([]any)
	if last, _ := timeline[len(timeline)-1].(map[string]any); last["kind"] != "hold" || last["reason"] != "公判係属中" {
		t.Errorf("the timeline's last entry: %v", last)
	}
	if code, out = sup.do("POST", path+"/hold", `{"hold":false,"reason":"判決確定"}`); code != http.StatusOK || out["legal_hold"] != nil {
		t.Errorf("lift hold: %d %v", code, out)
	}
}
