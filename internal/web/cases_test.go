package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
)

// fileReport stores a public report routed to prefecture and returns its
// id and receipt.
func fileReport(t *testing.T, s *apptest.Server, prefecture, text string) (int64, string) {
	t.Helper()
	rc, err := s.App.Intake.Submit(context.Background(), intake.Submission{Kind: intake.KindTip, Category: "PH", Prefecture: prefecture,
		Description: text, Language: "ja"}, intake.Origin{Source: "web", IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	return rc.ReportID, rc.Receipt
}

// postCase posts a form to a case address and returns the status, the
// redirect and the page.
func postCase(t *testing.T, c *http.Client, target string, form url.Values) (int, string, string) {
	t.Helper()
	resp := must(c.PostForm(target, form))
	return resp.StatusCode, resp.Header.Get("Location"), body(t, resp)
}

var caseNumberRe = regexp.MustCompile(`id="case-number">(\d{4}-13-\d{5})<`)

// TestCasePages: an officer opens a case from a report's page, works it
// (status, tasks, notes, reports) and finds it in the lists; every form
// keeps its input and marks its field when refused; officers out of the
// case's sight get a 404, those who may only read a 403.
func TestCasePages(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	c := s.Login(t, "tokyo@mpd.example", pw)
	r1, receipt1 := fileReport(t, s, "13", "宅配業者を名乗るSMS 090-1111-2222")
	_, receipt2 := fileReport(t, s, "13", "同じ番号からのSMS 090-1111-2222")
	_, osakaReceipt := fileReport(t, s, "27", "大阪の通報")

	// The report's page offers to open a case from it, and the form comes
	// pre-filled.
	page := body(t, must(c.Get(fmt.Sprintf("%s/reports/%d", s.URL, r1))))
	if !strings.Contains(page, `action="/cases/new"`) || !strings.Contains(page, `value="`+receipt1+`"`) || !strings.Contains(page, "この通報から事件を立てる") {
		t.Fatal("the report page has no button to open a case")
	}
	page = body(t, must(c.Get(s.URL+"/cases/new?report="+receipt1+"&category=PH")))
	if !strings.Contains(page, ">"+receipt1+"</textarea>") || !strings.Contains(page, `<option value="PH" selected>`) {
		t.Error("the form is not pre-filled from the report")
	}
	for _, nav := range []string{`<a href="/cases">事件</a>`, `<a href="/tasks">自分のタスク</a>`} {
		if !strings.Contains(page, nav) {
			t.Errorf("navigation lacks %s", nav)
		}
	}
	// Refused: the form comes back with the input and the fields marked.
	status, _, page := postCase(t, c, s.URL+"/cases", url.Values{"title": {""}, "summary": {"概要の下書き"}, "category": {"PH"}, "severity": {"high"},
		"reports": {receipt1 + "\n" + osakaReceipt}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "件名を入力してください") || !strings.Contains(page, "この受付番号の通報は見つかりませんでした") ||
		!strings.Contains(page, `id="title" name="title" value="" maxlength="200" required autocomplete="off" aria-invalid="true" aria-describedby="e-title"`) ||
		!strings.Contains(page, "概要の下書き") || !strings.Contains(page, `href="#f-reports"`) {
		t.Fatalf("refused form: %d\n%s", status, page)
	}
	status, loc, _ := postCase(t, c, s.URL+"/cases", url.Values{"title": {"宅配SMSの連続事案"}, "summary": {"二件の通報"}, "category": {"PH"},
		"severity": {"high"}, "reports": {receipt1 + "\n" + receipt2}})
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=case_opened") {
		t.Fatalf("open: %d to %q", status, loc)
	}
	casePath := strings.TrimSuffix(loc, "?done=case_opened")
	page = body(t, must(c.Get(s.URL+loc)))
	m := caseNumberRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no case number:\n%s", page)
	}
	for _, want := range []string{"事件を立てました", "宅配SMSの連続事案", receipt1, receipt2, "フィッシングメール・SMS を保全する", "事件を立てた", "通報を関連付けた"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}

	// Status: a reason is needed to close; "referred" only by a referral.
	status, _, page = postCase(t, c, s.URL+casePath+"/status", url.Values{"status": {"closed"}, "note": {"まだ途中"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "終結理由を選んでください") || !strings.Contains(page, ">まだ途中</textarea>") ||
		!strings.Contains(page, `aria-describedby="h-reason e-reason" aria-invalid="true"`) {
		t.Errorf("closing without a reason: %d", status)
	}
	status, _, page = postCase(t, c, s.URL+casePath+"/status", url.Values{"status": {"referred"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "引継ぎを依頼したときにだけ") {
		t.Errorf("referring by hand: %d", status)
	}
	if status, loc, _ = postCase(t, c, s.URL+casePath+"/status", url.Values{"status": {"investigating"}}); status != http.StatusSeeOther {
		t.Fatalf("to investigating: %d", status)
	}
	// Tasks: an assignee who may not open the case is refused; a task of
	// one's own is added and done.
	osaka, _ := s.App.DB.UserByEmail(context.Background(), "osaka@osaka.example")
	status, _, page = postCase(t, c, s.URL+casePath+"/tasks", url.Values{"title": {"送信元の照会"}, "assignee": {fmt.Sprint(osaka.ID)}, "due": {"2026-04-01"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "担当者にできません") || !strings.Contains(page, `value="送信元の照会"`) {
		t.Errorf("task for Osaka: %d", status)
	}
	me, _ := s.App.DB.UserByEmail(context.Background(), "tokyo@mpd.example")
	if status, _, _ = postCase(t, c, s.URL+casePath+"/tasks", url.Values{"title": {"送信元の照会"}, "assignee": {fmt.Sprint(me.ID)}, "due": {"2026-04-01"}}); status != http.StatusSeeOther {
		t.Fatalf("add task: %d", status)
	}
	page = body(t, must(c.Get(s.URL+casePath)))
	tm := regexp.MustCompile(`action="(/cases/\d+/tasks/(\d+)/done)"[^>]*><button type="submit" class="link">完了にする<span class="sr-only">: 送信元の照会`).FindStringSubmatch(page)
	if tm == nil {
		t.Fatalf("no done button for the new task:\n%s", page)
	}
	if status, _, _ = postCase(t, c, s.URL+tm[1], nil); status != http.StatusSeeOther {
		t.Fatalf("task done: %d", status)
	}
	// Notes: Markdown, rendered with no way to run script.
	status, _, _ = postCase(t, c, s.URL+casePath+"/notes", url.Values{"body": {"## 聴取\n\n<script>alert(1)</script>\n\n被害者は **重要** な証言 <img src=x onerror=alert(1)> [リンク](javascript:alert(1)) [JC3](https://www.jc3.or.jp/)"}})
	if status != http.StatusSeeOther {
		t.Fatalf("note: %d", status)
	}
	if status, _, page = postCase(t, c, s.URL+casePath+"/notes", url.Values{"body": {"  "}}); status != http.StatusUnprocessableEntity || !strings.Contains(page, "メモの内容を入力してください") {
		t.Errorf("empty note: %d", status)
	}
	// Reports: one out of sight is "not found"; one linked twice a conflict.
	if status, _, page = postCase(t, c, s.URL+casePath+"/reports", url.Values{"report": {osakaReceipt}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "見つかりませんでした") || !strings.Contains(page, `value="`+osakaReceipt+`"`) {
		t.Errorf("linking Osaka's report: %d", status)
	}
	if status, _, page = postCase(t, c, s.URL+casePath+"/reports", url.Values{"report": {receipt2}}); status != http.StatusConflict || !strings.Contains(page, "すでに関連付けられています") {
		t.Errorf("linking twice: %d", status)
	}
	if status, _, _ = postCase(t, c, fmt.Sprintf("%s%s/reports/%d/unlink", s.URL, casePath, r1), nil); status != http.StatusSeeOther {
		t.Errorf("unlink: %d", status)
	}
	page = body(t, must(c.Get(s.URL+casePath)))
	for _, want := range []string{"<strong>重要</strong>", `<a href="https://www.jc3.or.jp/" rel="nofollow noopener noreferrer">JC3</a>`, "<h5>聴取</h5>",
		"タスクを完了した", "状態を変更した: 受理 → 捜査中", "通報の関連付けを外した", "メモを追加した"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert", `href="javascript`, "onerror"} {
		if strings.Contains(page, bad) {
			t.Errorf("case page holds %q", bad)
		}
	}
	if english := body(t, must(c.Get(s.URL+casePath+"?lang=en"))); !strings.Contains(english, "Preserve the phishing e-mail") || !strings.Contains(english, "Timeline") {
		t.Error("the case page in English")
	}

	// Lists: filters and mine.
	for q, want := range map[string]bool{"": true, "?status=investigating": true, "?status=closed": false, "?severity=high": true,
		"?severity=low": false, "?category=PH": true, "?category=MW": false, "?mine=1": true} {
		page := body(t, must(c.Get(s.URL+"/cases"+q)))
		if strings.Contains(page, m[1]) != want {
			t.Errorf("/cases%s lists the case: %v, want %v", q, !want, want)
		}
	}
	page = body(t, must(c.Get(s.URL+"/tasks")))
	if strings.Contains(page, "送信元の照会") {
		t.Error("a done task among my open tasks")
	}
	if page = body(t, must(c.Get(s.URL+"/tasks?show=all"))); !strings.Contains(page, "送信元の照会") || !strings.Contains(page, m[1]) {
		t.Error("my tasks lack the done task")
	}

	// Osaka: the case does not exist. The analyst: reads, may not write.
	oc := s.Login(t, "osaka@osaka.example", pw)
	if resp := must(oc.Get(s.URL + casePath)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Osaka reads the case: %d", resp.StatusCode)
	}
	if status, _, _ = postCase(t, oc, s.URL+casePath+"/notes", url.Values{"body": {"x"}}); status != http.StatusNotFound {
		t.Errorf("Osaka writes a note: %d", status)
	}
	if page = body(t, must(oc.Get(s.URL+"/cases"))); strings.Contains(page, m[1]) {
		t.Error("Osaka's list holds the case")
	}
	ac := s.Login(t, "analyst@mpd.example", pw)
	if page = body(t, must(ac.Get(s.URL+casePath))); !strings.Contains(page, "宅配SMSの連続事案") || strings.Contains(page, `action="`+casePath+`/notes"`) {
		t.Error("the analyst's case page")
	}
	if status, _, _ = postCase(t, ac, s.URL+casePath+"/notes", url.Values{"body": {"x"}}); status != http.StatusForbidden {
		t.Errorf("the analyst writes a note: %d", status)
	}
	if resp := must(ac.Get(s.URL + "/cases/99999")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing case: %d", resp.StatusCode)
	}
	if status, _, _ = postCase(t, ac, s.URL+"/cases", url.Values{"title": {"x"}, "category": {"PH"}, "severity": {"low"}}); status != http.StatusForbidden {
		t.Errorf("the analyst opens a case: %d", status)
	}
	// Every page escapes what officers wrote.
	if strings.Contains(html.UnescapeString(page), "<script>alert(1)</script>") {
		t.Error("a note's script reached the page")
	}
}

// TestCaseLegalHold: an investigator sees whether a case is on legal hold
// but has no form and is refused; a supervisor sets it with a reason (none
// is refused, the form marked), sees it on the page and in the timeline,
// and lifts it.
func TestCaseLegalHold(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "inv@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "sup@mpd.example", "pref-13", auth.RoleSupervisor, pw)
	inv, sup := s.Login(t, "inv@mpd.example", pw), s.Login(t, "sup@mpd.example", pw)
	_, receipt := fileReport(t, s, "13", "投資詐欺の勧誘")
	status, loc, _ := postCase(t, inv, s.URL+"/cases", url.Values{"title": {"投資詐欺事件"}, "category": {"FR"}, "severity": {"high"}, "reports": {receipt}})
	if status != http.StatusSeeOther {
		t.Fatalf("open: %d", status)
	}
	casePath := strings.TrimSuffix(loc, "?done=case_opened")
	page := body(t, must(inv.Get(s.URL+casePath)))
	if !strings.Contains(page, "訴訟ホールドは設定されていません") || strings.Contains(page, `id="f-hold"`) {
		t.Errorf("the investigator's page: hold state or form wrong")
	}
	if status, _, _ := postCase(t, inv, s.URL+casePath+"/hold", url.Values{"hold": {"on"}, "reason": {"公判"}}); status != http.StatusForbidden {
		t.Errorf("an investigator set a hold: %d", status)
	}
	page = body(t, must(sup.Get(s.URL+casePath)))
	if !strings.Contains(page, `id="f-hold"`) || !strings.Contains(page, `name="hold" value="on"`) || !strings.Contains(page, "訴訟ホールドを設定</button>") {
		t.Fatalf("the supervisor has no hold form:\n%s", page)
	}
	status, _, page = postCase(t, sup, s.URL+casePath+"/hold", url.Values{"hold": {"on"}, "reason": {" "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "訴訟ホールドの理由を入力してください") ||
		!strings.Contains(page, `aria-invalid="true" aria-describedby="e-hold-reason"`) {
		t.Errorf("a hold without a reason: %d", status)
	}
	status, loc, _ = postCase(t, sup, s.URL+casePath+"/hold", url.Values{"hold": {"on"}, "reason": {"公判係属中のため保全"}})
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=case_hold") {
		t.Fatalf("set hold: %d %q", status, loc)
	}
	page = body(t, must(inv.Get(s.URL+loc)))
	for _, want := range []string{"訴訟ホールドを設定しました", "訴訟ホールド中", "公判係属中のため保全", "訴訟ホールドを設定した: 公判係属中のため保全"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page after the hold lacks %q", want)
		}
	}
	if status, _, page = postCase(t, sup, s.URL+casePath+"/hold", url.Values{"hold": {"on"}, "reason": {"二重"}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "すでに訴訟ホールド中です") {
		t.Errorf("a second hold: %d", status)
	}
	status, loc, _ = postCase(t, sup, s.URL+casePath+"/hold", url.Values{"hold": {"off"}, "reason": {"判決確定"}})
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=case_hold_lifted") {
		t.Fatalf("lift hold: %d %q", status, loc)
	}
	page = body(t, must(sup.Get(s.URL+loc)))
	if !strings.Contains(page, "訴訟ホールドを解除した: 判決確定") || !strings.Contains(page, "訴訟ホールドは設定されていません") {
		t.Errorf("the page after lifting lacks the timeline entry or the state")
	}
}
