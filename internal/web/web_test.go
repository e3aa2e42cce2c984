package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
)

const pw = "correct horse battery staple"

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// formPost sends the public form as a browser would (multipart), with an
// optional file.
func formPost(t *testing.T, c *http.Client, target string, fields map[string]string, fileName string, file []byte) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if fileName != "" {
		fw, _ := mw.CreateFormFile("files", fileName)
		fw.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", target, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

var validForm = map[string]string{
	"kind": "report", "category": "PH", "prefecture": "13", "consent": "yes",
	"description":   "偽の宅配SMSのリンク https://sagawa-check.example.com/login から入力してしまいました。送信元 090-1234-5678",
	"contact_email": "victim@example.jp", "contact_name": "山田 花子",
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82")

// submit files a report through the form and returns the status path.
func submit(t *testing.T, s *apptest.Server, fields map[string]string) string {
	t.Helper()
	resp := formPost(t, s.Client(), s.URL+"/report", fields, "screenshot.png", pngBytes)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/s/kst_") {
		t.Fatalf("submit: %d to %q", resp.StatusCode, loc)
	}
	return strings.TrimSuffix(loc, "?new=1")
}

var receiptRe = regexp.MustCompile(`id="receipt-number">([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z])<`)

func TestPublicFormToReceiptAndStatus(t *testing.T) {
	s := apptest.Start(t)
	c := s.Client()
	path := submit(t, s, validForm)
	page := body(t, must(c.Get(s.URL+path+"?new=1")))
	m := receiptRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no receipt number on the receipt page:\n%s", page)
	}
	for _, want := range []string{"受け付けました", "入力した情報を、すぐに守りましょう", `href="` + path + `"`, "screenshot.png"} {
		if !strings.Contains(page, want) {
			t.Errorf("receipt page lacks %q", want)
		}
	}
	// The reporter adds information with a second file.
	resp := formPost(t, c, s.URL+path, map[string]string{"body": "追加: 相手のLINE IDは scam_jp です"}, "mail.txt", []byte("From: a@example.com\n"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add info: %d %s", resp.StatusCode, body(t, resp))
	}
	resp.Body.Close()
	page = body(t, must(c.Get(s.URL+path)))
	if !strings.Contains(page, "scam_jp") || !strings.Contains(page, "mail.txt") {
		t.Error("added information not shown on the status page")
	}
	// A wrong token is a plain not-found in the reporter's language.
	resp = must(c.Get(s.URL + "/s/kst_" + strings.Repeat("a", 52)))
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body(t, resp), "見つかりませんでした") {
		t.Error("unknown status token must be 404 with a Japanese message")
	}
}

func must(resp *http.Response, err error) *http.Response {
	if err != nil {
		panic(err)
	}
	return resp
}

func TestFormErrorsKeepInput(t *testing.T) {
	s := apptest.Start(t)
	resp := formPost(t, s.Client(), s.URL+"/report?lang=en", with(validForm, "description", "  ", "contact_email", "not-an-address", "prefecture", "99"), "", nil)
	page := body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		"Please check what you entered", "Tell us what happened.", "does not look right", "That prefecture is not valid.",
		`value="not-an-address"`, `value="山田 花子"`, `id="cat-PH" value="PH" checked`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("re-shown form lacks %q", want)
		}
	}
	// An executable disguised as an image is refused by its content.
	resp = formPost(t, s.Client(), s.URL+"/report", validForm, "photo.png", append([]byte("MZ\x90\x00"), make([]byte, 600)...))
	if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "このファイルの種類は添付できません") {
		t.Errorf("disguised executable: %d", resp.StatusCode)
	}
}

func TestSubmissionRateLimit(t *testing.T) {
	s := apptest.Start(t, apptest.WithSubmitLimit(0.001, 2))
	c := s.Client()
	for i := 0; i < 2; i++ {
		formPost(t, c, s.URL+"/report", validForm, "", nil).Body.Close()
	}
	resp := formPost(t, c, s.URL+"/report", with(validForm, "description", "三回目の送信です"), "", nil)
	page := body(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third submission: %d", resp.StatusCode)
	}
	if !strings.Contains(page, "三回目の送信です") || !strings.Contains(page, "少し待って") {
		t.Error("rate-limited form must keep the input and say why")
	}
}

func TestSecurityHeadersAndCrossOrigin(t *testing.T) {
	s := apptest.Start(t)
	resp := must(http.Get(s.URL + "/report"))
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Error("nosniff / no-referrer missing")
	}
	// A cross-site form post is refused before it does anything.
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader("email=a&password=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp = must(http.DefaultClient.Do(req))
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", s.URL+"/report", strings.NewReader("kind=report"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp = must(http.DefaultClient.Do(req))
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign-origin POST: %d, want 403", resp.StatusCode)
	}
}

func reportIDFromQueue(t *testing.T, page, receipt string) string {
	t.Helper()
	m := regexp.MustCompile(`<a href="/reports/(\d+)">` + regexp.QuoteMeta(receipt) + `</a>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestOfficersSeeOnlyTheirJurisdiction(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleIntake, pw)
	s.AddUser(t, "npa@npa.example", "npa", auth.RoleSupervisor, pw)
	s.AddUser(t, "kanto@rpb.example", "rpb-kanto", auth.RoleAnalyst, pw)
	path := submit(t, s, validForm)
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+path))))[1]

	tokyo := s.Login(t, "tokyo@mpd.example", pw)
	id := reportIDFromQueue(t, body(t, must(tokyo.Get(s.URL+"/queue"))), receipt)
	if id == "" {
		t.Fatal("Tokyo officer does not see the Tokyo report in the queue")
	}
	detail := html.UnescapeString(body(t, must(tokyo.Get(s.URL+"/reports/"+id))))
	for _, want := range []string{"+819012345678", "https://sagawa-check.example.com/login", "screenshot.png"} {
		if !strings.Contains(detail, want) {
			t.Errorf("Tokyo detail lacks %q", want)
		}
	}
	// Contact details are shown when the officer asks for them.
	resp := formPost(t, tokyo, s.URL+"/reports/"+id+"/contact", nil, "", nil)
	if page := body(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(page, "victim@example.jp") {
		t.Errorf("Tokyo officer asks for the contact details: %d", resp.StatusCode)
	}
	// Osaka: not in the queue, not by URL, not its files, not through the API.
	osaka := s.Login(t, "osaka@osaka.example", pw)
	if reportIDFromQueue(t, body(t, must(osaka.Get(s.URL+"/queue"))), receipt) != "" {
		t.Error("Osaka officer sees a Tokyo report in the queue")
	}
	for _, p := range []string{"/reports/" + id, "/reports/" + id + "/files/1"} {
		resp := must(osaka.Get(s.URL + p))
		page := body(t, resp)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(page, "victim@example.jp") {
			t.Errorf("Osaka GET %s: %d", p, resp.StatusCode)
		}
	}
	resp = formPost(t, osaka, s.URL+"/reports/"+id+"/reply", map[string]string{"body": "大阪から"}, "", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("Osaka reply to a Tokyo report: %d", resp.StatusCode)
	}
	resp.Body.Close()
	osakaToken := s.Token(t, "osaka@osaka.example")
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/reports/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+osakaToken)
	if resp := must(http.DefaultClient.Do(req)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Osaka API GET: %d", resp.StatusCode)
	}
	// The NPA, above everyone, sees it; the Kanto bureau is not above Tokyo MPD.
	npa := s.Login(t, "npa@npa.example", pw)
	if resp := must(npa.Get(s.URL + "/reports/" + id)); resp.StatusCode != http.StatusOK {
		t.Errorf("NPA: %d", resp.StatusCode)
	}
	kanto := s.Login(t, "kanto@rpb.example", pw)
	if resp := must(kanto.Get(s.URL + "/reports/" + id)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Kanto bureau: %d", resp.StatusCode)
	}
	// The Tokyo officer's view of the contact details is in the audit log.
	hist, err := s.App.DB.AuditOf(context.Background(), "report", id)
	if err != nil {
		t.Fatal(err)
	}
	views := 0
	for _, h := range hist {
		if h.Action == "report.view_personal" && h.Actor == "tokyo@mpd.example" {
			views++
		}
	}
	if views == 0 {
		t.Error("viewing contact details was not audited")
	}
}

func TestTriageActionsAndReplyReachesReporter(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	path := submit(t, s, validForm)
	other := submit(t, s, with(validForm, "description", "同じSMSが届きました https://sagawa-check.example.com/login"))
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+path))))[1]
	otherReceipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+other))))[1]
	c := s.Login(t, "tokyo@mpd.example", pw)
	queue := body(t, must(c.Get(s.URL+"/queue")))
	id, otherID := reportIDFromQueue(t, queue, receipt), reportIDFromQueue(t, queue, otherReceipt)
	post := func(action string, f map[string]string) *http.Response {
		return formPost(t, c, s.URL+"/reports/"+id+"/"+action, f, "", nil)
	}
	for _, step := range []struct {
		action string
		form   map[string]string
		status int
	}{
		{"assign", map[string]string{"assignee": "me"}, http.StatusSeeOther},
		{"category", map[string]string{"category": "FR"}, http.StatusSeeOther},
		{"reply", map[string]string{"body": "警察です。カード会社に連絡してください。"}, http.StatusSeeOther},
		{"reply", map[string]string{"body": "   "}, http.StatusUnprocessableEntity},
		{"close", map[string]string{"reason": "made-up"}, http.StatusUnprocessableEntity},
		{"transfer", map[string]string{"org": "pref-27", "note": ""}, http.StatusUnprocessableEntity},
		{"nonsense", nil, http.StatusNotFound},
	} {
		resp := post(step.action, step.form)
		resp.Body.Close()
		if resp.StatusCode != step.status {
			t.Errorf("%s: %d, want %d", step.action, resp.StatusCode, step.status)
		}
	}
	// The other report is marked a duplicate of this one by receipt number.
	resp := formPost(t, c, s.URL+"/reports/"+otherID+"/duplicate", map[string]string{"duplicate_of": strings.ToLower(receipt)}, "", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("duplicate: %d", resp.StatusCode)
	}
	status := body(t, must(s.Client().Get(s.URL+path)))
	if !strings.Contains(status, "警察です。カード会社に連絡してください。") || !strings.Contains(status, "対応中") {
		t.Error("the reply and the new state do not show on the status page")
	}
	detail := body(t, must(c.Get(s.URL+"/reports/"+id)))
	for _, want := range []string{"担当者を設定", "分類を変更", "通報者へ返信", "詐欺"} {
		if !strings.Contains(detail, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	if !strings.Contains(body(t, must(s.Client().Get(s.URL+other))), "対応終了") {
		t.Error("duplicate should be closed")
	}
	// Transfer to Osaka: the report leaves Tokyo's sight.
	resp = post("transfer", map[string]string{"org": "pref-27", "note": "被害者は大阪在住と判明"})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("transfer: %d", resp.StatusCode)
	}
	if resp := must(c.Get(s.URL + "/reports/" + id)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after transfer Tokyo still sees it: %d", resp.StatusCode)
	}
	res, err := s.App.DB.VerifyAudit(context.Background())
	if err != nil || !res.OK() {
		t.Fatalf("audit chain: %+v %v", res, err)
	}
}

func TestUrgentReportsComeFirst(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	submit(t, s, validForm)
	urgent := submit(t, s, with(validForm, "category", "HR", "description", "SNSで「殺すぞ」と何度もメッセージが来ています。"))
	submit(t, s, with(validForm, "description", "別の迷惑SMSです"))
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+urgent))))[1]
	c := s.Login(t, "tokyo@mpd.example", pw)
	q := body(t, must(c.Get(s.URL+"/queue")))
	first := regexp.MustCompile(`<a href="/reports/\d+">([2-9A-Z-]+)</a>`).FindStringSubmatch(q)
	if first == nil || first[1] != receipt {
		t.Fatalf("first row %v, want the urgent %s", first, receipt)
	}
	if !strings.Contains(q, "badge-urgent") {
		t.Error("urgent badge not shown")
	}
	// The urgent advice (call 110) is on the reporter's page.
	if !strings.Contains(body(t, must(s.Client().Get(s.URL+urgent+"?new=1"))), "110") {
		t.Error("urgent advice missing")
	}
	// Filter: urgent only.
	if q := body(t, must(c.Get(s.URL+"/queue?urgent=1"))); !strings.Contains(q, receipt) || strings.Count(q, `<a href="/reports/`) != 1 {
		t.Error("urgent filter")
	}
}

func TestFreezeWindowShown(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	sent := time.Now().In(s.App.Config.Location).Add(-2 * time.Hour).Format("2006-01-02T15:04")
	path := submit(t, s, with(validForm, "category", "FR", "amount_jpy", "３００，０００", "sent_at", sent))
	page := body(t, must(s.Client().Get(s.URL+path+"?new=1")))
	if !strings.Contains(page, "freeze-box") {
		t.Error("freeze advice missing")
	}
	c := s.Login(t, "tokyo@mpd.example", pw)
	q := body(t, must(c.Get(s.URL+"/queue?freeze=1")))
	if !regexp.MustCompile(`凍結期限 残り(69|70)時間`).MatchString(q) {
		t.Errorf("freeze time left not shown")
	}
}

func TestFilesAreDownloadedNeverInline(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	path := submit(t, s, validForm)
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+path))))[1]
	c := s.Login(t, "tokyo@mpd.example", pw)
	id := reportIDFromQueue(t, body(t, must(c.Get(s.URL+"/queue"))), receipt)
	detail := body(t, must(c.Get(s.URL+"/reports/"+id)))
	m := regexp.MustCompile(`/reports/` + id + `/files/(\d+)`).FindStringSubmatch(detail)
	if m == nil {
		t.Fatal("no file link")
	}
	resp := must(c.Get(s.URL + m[0]))
	got := body(t, resp)
	if got != string(pngBytes) {
		t.Error("file content differs")
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("content type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("disposition %q", cd)
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Error("no sandbox CSP on evidence")
	}
}

func TestLanguageChoiceIsRemembered(t *testing.T) {
	s := apptest.Start(t)
	c := s.Client()
	if page := body(t, must(c.Get(s.URL+"/"))); !strings.Contains(page, `<html lang="ja">`) {
		t.Error("default must be Japanese")
	}
	if page := body(t, must(c.Get(s.URL+"/?lang=en"))); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Report cybercrime") {
		t.Error("?lang=en did not switch")
	}
	if page := body(t, must(c.Get(s.URL+"/report"))); !strings.Contains(page, `<html lang="en">`) {
		t.Error("language not remembered")
	}
	req, _ := http.NewRequest("GET", s.URL+"/", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	if page := body(t, must(http.DefaultClient.Do(req))); !strings.Contains(page, `<html lang="en">`) {
		t.Error("Accept-Language ignored")
	}
}

func TestAdministratorMustUseSecondFactor(t *testing.T) {
	s := apptest.Start(t)
	s.AddUserToEnrol(t, "admin@npa.example", "npa", auth.RoleAdmin, pw)
	c := s.Client()
	resp := must(c.PostForm(s.URL+"/login", url.Values{"email": {"admin@npa.example"}, "password": {pw}}))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/login/enroll" {
		t.Fatalf("admin login went to %q, want enrolment", loc)
	}
	// Before the second factor, the queue is closed.
	if resp := must(c.Get(s.URL + "/queue")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("queue before TOTP: %d", resp.StatusCode)
	}
	page := body(t, must(c.Get(s.URL+"/login/enroll")))
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no secret on the enrolment page:\n%s", page)
	}
	// A mistyped code: the same key again with the error beside the field
	// (before, a new QR code in a green notice, and the user looped).
	resp = must(c.PostForm(s.URL+"/login/enroll", url.Values{"code": {"000000"}}))
	again := body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(again, `id="totp-secret">`+m[1]+`<`) {
		t.Fatalf("wrong enrolment code: %d, and the key shown is not the one scanned", resp.StatusCode)
	}
	if !strings.Contains(again, `aria-invalid="true" aria-describedby="e-code"`) || !strings.Contains(again, `id="e-code"`) {
		t.Error("the wrong code is not marked on its field")
	}
	code, _ := auth.TOTPCode(m[1], time.Now())
	resp = must(c.PostForm(s.URL+"/login/enroll", url.Values{"code": {code}}))
	resp.Body.Close()
	if resp.Header.Get("Location") != "/queue" {
		t.Fatalf("enrolment: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := must(c.Get(s.URL + "/queue")); resp.StatusCode != http.StatusOK {
		t.Fatalf("queue after TOTP: %d", resp.StatusCode)
	}
	// Next time: password, then the code.
	c2 := s.Client()
	resp = must(c2.PostForm(s.URL+"/login", url.Values{"email": {"admin@npa.example"}, "password": {pw}}))
	resp.Body.Close()
	if resp.Header.Get("Location") != "/login/totp" {
		t.Fatalf("second login went to %q", resp.Header.Get("Location"))
	}
	resp = must(c2.PostForm(s.URL+"/login/totp", url.Values{"code": {"000000"}}))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("wrong code: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestLoginLockout(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	c := s.Client()
	for i := 0; i < 5; i++ {
		resp := must(c.PostForm(s.URL+"/login", url.Values{"email": {"tokyo@mpd.example"}, "password": {"wrong password!!"}}))
		page := body(t, resp)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "メールアドレスまたはパスワードが違います") {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	resp := must(c.PostForm(s.URL+"/login", url.Values{"email": {"tokyo@mpd.example"}, "password": {pw}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password on a locked account: %d, want 429", resp.StatusCode)
	}
}

func TestPartnerAPI(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "feed@jc3.example", "npa", auth.RolePartner, pw)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	token := s.Token(t, "feed@jc3.example")
	var nd strings.Builder
	for i := 0; i < 1200; i++ {
		switch {
		case i == 5:
			nd.WriteString("{not json\n")
		case i == 7:
			nd.WriteString(`{"kind":"report","description":"","prefecture":"13"}` + "\n")
		default:
			fmt.Fprintf(&nd, `{"kind":"report","category":"PH","description":"phishing https://p%d.example.com/ from 050-1234-%04d","prefecture":"13","external_id":"jc3-%d"}`+"\n", i, i, i)
		}
	}
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/reports/bulk", strings.NewReader(nd.String()))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp := must(http.DefaultClient.Do(req))
	var out struct {
		Accepted, Rejected int
		Results            []struct {
			Line    int
			Status  string
			Receipt string
			Errors  []struct{ Field, Code string }
		}
	}
	if err := json.Unmarshal([]byte(body(t, resp)), &out); err != nil {
		t.Fatal(err)
	}
	if out.Accepted != 1198 || out.Rejected != 2 || len(out.Results) != 1200 {
		t.Fatalf("accepted %d rejected %d results %d", out.Accepted, out.Rejected, len(out.Results))
	}
	if r := out.Results[5]; r.Line != 6 || r.Status != "rejected" || r.Errors[0].Code != "error.malformed" {
		t.Errorf("line 6: %+v", r)
	}
	if r := out.Results[7]; r.Status != "rejected" || r.Errors[0].Field != "description" {
		t.Errorf("line 8: %+v", r)
	}
	// A partner token cannot read the queue; an officer's token cannot submit as a partner.
	req, _ = http.NewRequest("GET", s.URL+"/api/v1/reports", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp := must(http.DefaultClient.Do(req)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("partner reading queue: %d", resp.StatusCode)
	}
	officer := s.Token(t, "tokyo@mpd.example")
	req, _ = http.NewRequest("POST", s.URL+"/api/v1/reports", strings.NewReader(`{"kind":"report","description":"x"}`))
	req.Header.Set("Authorization", "Bearer "+officer)
	if resp := must(http.DefaultClient.Do(req)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer token submitting: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", s.URL+"/api/v1/reports?limit=5", nil)
	req.Header.Set("Authorization", "Bearer "+officer)
	var q struct{ Total int }
	json.Unmarshal([]byte(body(t, must(http.DefaultClient.Do(req)))), &q)
	if q.Total != 1198 {
		t.Errorf("Tokyo queue total %d, want 1198", q.Total)
	}
	req, _ = http.NewRequest("GET", s.URL+"/api/v1/reports", nil)
	req.Header.Set("Authorization", "Bearer kbn_revoked_or_made_up")
	if resp := must(http.DefaultClient.Do(req)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
}

func TestPublicAPIContract(t *testing.T) {
	s := apptest.Start(t)
	post := func(ct, b string) (*http.Response, map[string]any) {
		resp := must(http.Post(s.URL+"/api/v1/public/reports", ct, strings.NewReader(b)))
		var out map[string]any
		json.Unmarshal([]byte(body(t, resp)), &out)
		return resp, out
	}
	resp, out := post("application/json", `{"kind":"tip","category":"","description":"闇バイトの募集を見ました https://t.me/yami_job","language":"en"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("anonymous tip: %d %v", resp.StatusCode, out)
	}
	for _, k := range []string{"receipt", "token", "status_url", "advice"} {
		if out[k] == nil {
			t.Errorf("response lacks %q", k)
		}
	}
	if adv := out["advice"].([]any); len(adv) == 0 || adv[0].(map[string]any)["title"] == "" {
		t.Error("advice empty")
	}
	resp, out = post("application/json", `{"kind":"report"`)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed: %d", resp.StatusCode)
	}
	resp, out = post("application/json", `{"kind":"report","description":"x","occurred_at":"yesterday","contact":{"email":"a@example.jp"}}`)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", resp.StatusCode)
	}
	errs := out["errors"].([]any)
	fields := map[string]bool{}
	for _, e := range errs {
		fields[e.(map[string]any)["field"].(string)] = true
	}
	if !fields["occurred_at"] {
		t.Errorf("errors by field: %v", errs)
	}
}

func TestStatusLinkUsesConfiguredBaseURL(t *testing.T) {
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.BaseURL = "https://koban.police.example" }))
	path := submit(t, s, validForm)
	page := body(t, must(s.Client().Get(s.URL+path+"?new=1")))
	if !strings.Contains(page, `href="https://koban.police.example`+path+`"`) {
		t.Error("status link does not use KOBAN_BASE_URL")
	}
}

// TestQueueEventsEndWithTheSession: the stream of new reports stops when its
// session ends (signed out, account disabled); before, it went on telling a
// signed-out browser about every report that arrived.
func TestQueueEventsEndWithTheSession(t *testing.T) {
	for _, how := range []string{"sign out", "account disabled"} {
		t.Run(how, func(t *testing.T) {
			s := apptest.Start(t)
			u := s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
			c := s.Login(t, "tokyo@mpd.example", pw)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/queue/events", nil)
			stream := must(c.Do(req))
			defer stream.Body.Close()
			if stream.StatusCode != http.StatusOK {
				t.Fatalf("stream: %d", stream.StatusCode)
			}
			ended := make(chan string, 1)
			go func() {
				b, _ := io.ReadAll(stream.Body)
				ended <- string(b)
			}()
			switch how {
			case "sign out":
				must(c.PostForm(s.URL+"/logout", nil)).Body.Close()
			case "account disabled":
				if err := s.App.DB.SetUserDisabled(context.Background(), u.ID, true, audit.Entry{Actor: audit.System, Action: "user.disable", ObjectType: "user"}); err != nil {
					t.Fatal(err)
				}
			}
			submit(t, s, validForm)
			select {
			case got := <-ended:
				if strings.Contains(got, "event: report") {
					t.Errorf("a report was announced after the session ended:\n%s", got)
				}
			case <-ctx.Done():
				t.Fatal("the stream goes on after the session ended")
			}
		})
	}
}

// Without KOBAN_BASE_URL the status link is relative: it never takes its
// host from the request, which whoever sends the request chooses (a link to
// a phishing host on koban's own receipt page).
func TestStatusLinkIgnoresHostHeader(t *testing.T) {
	s := apptest.Start(t)
	path := submit(t, s, validForm)
	req, _ := http.NewRequest("GET", s.URL+path+"?new=1", nil)
	req.Host = "phish.example"
	page := body(t, must(s.Client().Do(req)))
	if strings.Contains(page, "phish.example") || !strings.Contains(page, `href="`+path+`"`) {
		t.Error("the status link is not relative, or names the request's host")
	}
}

func TestQueueHearsOfNewReports(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	c := s.Login(t, "tokyo@mpd.example", pw)
	if q := body(t, must(c.Get(s.URL+"/queue"))); !strings.Contains(q, `id="live-notice"`) || !strings.Contains(q, "/queue.js") {
		t.Fatal("queue page lacks the live notice and its script")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/queue/events", nil)
	stream := must(c.Do(req))
	defer stream.Body.Close()
	if ct := stream.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	got := make(chan string, 4)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := stream.Body.Read(buf)
			if n > 0 && strings.Contains(string(buf[:n]), "event: report") {
				got <- string(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	submit(t, s, validForm)
	select {
	case e := <-got:
		if !regexp.MustCompile(`data: \{"id":\d+\}`).MatchString(e) {
			t.Errorf("event %q", e)
		}
	case <-ctx.Done():
		t.Fatal("no event for a new Tokyo report")
	}
}

// TestNotFoundPage: an unknown address answers with the site's own page, in
// the visitor's language, with a heading and a way back (Go's default page
// had none, and axe found five violations on it); the favicon is there.
func TestNotFoundPage(t *testing.T) {
	s := apptest.Start(t)
	for _, tc := range []struct{ path, lang, heading string }{
		{"/no-such-page", "ja", "ページが見つかりません"},
		{"/no-such-page?lang=en", "en", "Page not found"},
		{"/static/0000/nope.css", "ja", "ページが見つかりません"},
	} {
		resp := must(s.Client().Get(s.URL + tc.path))
		page := body(t, resp)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(page, `<html lang="`+tc.lang+`">`) ||
			!strings.Contains(page, "<h1>"+tc.heading+"</h1>") || !strings.Contains(page, `<a href="/">`) || !strings.Contains(page, "koban.css") {
			t.Errorf("%s: %d\n%s", tc.path, resp.StatusCode, page)
		}
	}
	// A signed-in officer is offered the way back to the queue.
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	c := s.Login(t, "tokyo@mpd.example", pw)
	if page := body(t, must(c.Get(s.URL+"/reportz"))); !strings.Contains(page, `<a href="/queue">`) {
		t.Error("the officer's 404 page has no way back to the queue")
	}
	resp := must(s.Client().Get(s.URL + "/favicon.ico"))
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusMovedPermanently || !strings.HasSuffix(loc, "/favicon.svg") {
		t.Fatalf("favicon.ico: %d %q", resp.StatusCode, loc)
	}
	resp = must(s.Client().Get(s.URL + loc))
	if b := body(t, resp); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(b, "<svg") {
		t.Errorf("favicon: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if page := body(t, must(s.Client().Get(s.URL+"/"))); !strings.Contains(page, `rel="icon"`) {
		t.Error("pages do not name the icon")
	}
}
