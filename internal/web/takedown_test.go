package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/takedown"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/web"
)

// TestTakedownLinksOnReport: each URL and domain of a report gets a link to
// the draft form, filled in with the value and the report as its source, in
// Japanese and in English; the form names the report it comes from; an
// officer who may not see the report cannot draft from it.
func TestTakedownLinksOnReport(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	id, _ := fileReport(t, s, "13", "偽の宅配SMSのリンク https://sagawa-check.example.com/login から入力してしまいました。")
	c := s.Login(t, "tokyo@mpd.example", pw)
	src := fmt.Sprintf("report%%3A%d", id)
	urlLink := `href="/takedown?source=` + src + `&target=https%3A%2F%2Fsagawa-check.example.com%2Flogin" class="request-link">削除依頼を作る`
	domainLink := `href="/takedown?source=` + src + `&target=https%3A%2F%2Fsagawa-check.example.com%2F" class="request-link">削除依頼を作る`
	page := officerPage(t, c, fmt.Sprintf("%s/reports/%d", s.URL, id))
	for _, want := range []string{`<th scope="col">事業者への依頼</th>`, urlLink, domainLink} {
		if !strings.Contains(page, want) {
			t.Errorf("the report page lacks %s", want)
		}
	}
	form := officerPage(t, c, fmt.Sprintf("%s/takedown?source=report:%d&target=%s", s.URL, id, url.QueryEscape("https://sagawa-check.example.com/login")))
	for _, want := range []string{`value="https://sagawa-check.example.com/login"`, fmt.Sprintf(`name="source" value="report:%d"`, id),
		fmt.Sprintf(`元の記録： <a href="/reports/%d">通報 #%d</a>`, id, id)} {
		if !strings.Contains(form, want) {
			t.Errorf("the draft form lacks %s", want)
		}
	}
	// In English (the choice is kept from here on).
	page = officerPage(t, c, fmt.Sprintf("%s/reports/%d?lang=en", s.URL, id))
	if !strings.Contains(page, strings.ReplaceAll(urlLink, "削除依頼を作る", "Request takedown")) || !strings.Contains(page, "Request to a provider") {
		t.Error("the English report page lacks the request link")
	}

	if form := officerPage(t, c, fmt.Sprintf("%s/takedown?lang=en&source=report:%d&target=x", s.URL, id)); !strings.Contains(form, fmt.Sprintf(`From: <a href="/reports/%d">Report #%d</a>`, id, id)) {
		t.Error("the English draft form does not name the report")
	}

	// Osaka does not see Tokyo's report: no request from it.
	osaka := s.Login(t, "osaka@osaka.example", pw)
	resp := must(osaka.PostForm(s.URL+"/takedown", url.Values{"kind": {"phishing"}, "target": {"https://sagawa-check.example.com/login"},
		"source": {fmt.Sprintf("report:%d", id)}}))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("Osaka drafting from Tokyo's report: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

// TestTakedownOnCasePage: the case page lists the case's requests with
// their ticket and state, and offers a request for each URL and domain of
// its reports, from that report and for the case, in Japanese and in
// English; the draft form and the request's page lead back to the case.
func TestTakedownOnCasePage(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	id, receipt := fileReport(t, s, "13", "偽の宅配SMSのリンク https://sagawa-check.example.com/login から入力してしまいました。")
	c := s.Login(t, "tokyo@mpd.example", pw)
	status, loc, _ := postCase(t, c, s.URL+"/cases", url.Values{"title": {"宅配SMSの連続事案"}, "category": {"PH"}, "severity": {"high"}, "reports": {receipt}})
	if status != http.StatusSeeOther {
		t.Fatalf("open the case: %d", status)
	}
	casePath := strings.TrimSuffix(loc, "?done=case_opened")
	caseID, _ := strconv.ParseInt(strings.TrimPrefix(casePath, "/cases/"), 10, 64)

	page := officerPage(t, c, s.URL+casePath)
	link := fmt.Sprintf(`href="/takedown?case=%d&source=report%%3A%d&target=https%%3A%%2F%%2Fsagawa-check.example.com%%2Flogin" class="request-link">削除依頼を作る`, caseID, id)
	for _, want := range []string{`<h2 id="takedown-heading">事業者への依頼（削除・凍結等）</h2>`, "この事件の依頼はまだありません。", link,
		"<code>https://sagawa-check.example.com/login</code> (" + receipt + ")"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %s", want)
		}
	}
	form := officerPage(t, c, fmt.Sprintf("%s/takedown?case=%d&source=report:%d&target=x", s.URL, caseID, id))
	if !strings.Contains(form, fmt.Sprintf(`name="case" value="%d"`, caseID)) || !strings.Contains(form, fmt.Sprintf(`事件： <a href="/cases/%d">この依頼の事件</a>`, caseID)) {
		t.Error("the draft form does not name the case")
	}

	// A request of the case (stored as the service would: the page's
	// draft asks RDAP, which no test reaches) is listed with its ticket.
	me, _ := s.App.DB.UserByEmail(context.Background(), "tokyo@mpd.example")
	req := &takedown.Request{OrgID: me.OrgID, Kind: takedown.Phishing, Target: "https://sagawa-check.example.com/login", CaseID: caseID,
		Source: correlate.Key{Type: correlate.Report, ID: id}, State: takedown.Draft, CreatedBy: me.ID, CreatedAt: time.Now()}
	if err := s.App.DB.CreateTakedown(context.Background(), req, audit.Entry{Actor: audit.System, Action: "takedown.draft"}); err != nil {
		t.Fatal(err)
	}
	page = officerPage(t, c, s.URL+casePath)
	row := fmt.Sprintf(`<td><a href="/takedown/%d">%s</a></td><td>フィッシング</td><td>https://sagawa-check.example.com/login</td>`, req.ID, req.Ticket)
	if !strings.Contains(page, row) || !strings.Contains(page, "<td>下書き</td>") || strings.Contains(page, "この事件の依頼はまだありません。") {
		t.Errorf("the case page does not list the request:\n%s", page)
	}
	reqPage := officerPage(t, c, fmt.Sprintf("%s/takedown/%d", s.URL, req.ID))
	if !strings.Contains(reqPage, fmt.Sprintf(`<a href="/cases/%d" id="takedown-case">この依頼の事件</a>`, caseID)) ||
		!strings.Contains(reqPage, fmt.Sprintf(`<a href="/reports/%d" id="takedown-source">通報 #%d</a>`, id, id)) {
		t.Error("the request's page does not lead back to its case and report")
	}
	page = officerPage(t, c, s.URL+casePath+"?lang=en")
	for _, want := range []string{"Requests to providers (takedown, freezing, …)", strings.ReplaceAll(row, "フィッシング", "Phishing"), "<td>draft</td>",
		strings.ReplaceAll(link, "削除依頼を作る", "Request takedown"), "Draft a request about a value of the linked reports"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English case page lacks %s", want)
		}
	}
	if reqPage := officerPage(t, c, fmt.Sprintf("%s/takedown/%d", s.URL, req.ID)); !strings.Contains(reqPage, "The case this request belongs to") {
		t.Error("the English request page does not lead back to its case")
	}
}

// TestTakedownOnObservablePage: a URL's and a domain's pages offer a
// request whose source the officer picks among the records they see
// holding the value, those marked AMBER+STRICT left out (and counted); a
// value seen only in such records offers none; in Japanese and English.
func TestTakedownOnObservablePage(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	const shop = "https://fake-shop.example.com/sale"
	page := func(level tlp.Level, orgCode string, values ...observe.Observable) *intake.Report {
		t.Helper()
		o, _ := s.App.Tree().ByCode(orgCode)
		r := &intake.Report{TokenHash: fmt.Sprint(time.Now().UnixNano()), Kind: intake.KindReport, Category: "FR", Description: "偽の通販サイト",
			OrgID: o.ID, Prefecture: o.Prefecture, Status: intake.StatusNew, Language: "ja", Source: "web", TLP: string(level),
			CreatedAt: time.Now(), UpdatedAt: time.Now(), Observables: values}
		if err := s.App.DB.CreateReports(context.Background(), []*intake.Report{r}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	u := observe.Observable{Type: observe.URL, Value: shop}
	d := observe.Observable{Type: observe.Domain, Value: "fake-shop.example.com"}
	ph := observe.Observable{Type: observe.Phone, Value: "+819012345678"}
	amber := page(tlp.Amber, "pref-13", u, d, ph)
	strict := page(tlp.AmberStrict, "pref-13", u, d)
	page(tlp.Amber, "pref-27", u, d) // out of sight
	only := observe.Observable{Type: observe.URL, Value: "https://strict-only.example.com/"}
	page(tlp.AmberStrict, "pref-13", only)
	c := s.Login(t, "tokyo@mpd.example", pw)

	got := officerPage(t, c, s.URL+web.ObservableURL(u))
	for _, want := range []string{`<h2 id="request-heading">事業者への依頼</h2>`, `<form method="get" action="/takedown"`, `name="target" value="` + shop + `"`,
		fmt.Sprintf(`<option value="report:%d">%s · 警視庁 · TLP:amber · `, amber.ID, amber.Receipt), "削除依頼を作る</button>",
		"TLP:RED または TLP:AMBER+STRICT の記録は依頼の元にできないため、1件を選択肢から除いています。"} {
		if !strings.Contains(got, want) {
			t.Errorf("the URL's page lacks %s", want)
		}
	}
	if strings.Contains(got, fmt.Sprintf(`value="report:%d"`, strict.ID)) {
		t.Error("an AMBER+STRICT report is offered as a source")
	}
	if got := officerPage(t, c, s.URL+web.ObservableURL(d)); !strings.Contains(got, `name="target" value="https://fake-shop.example.com/"`) ||
		!strings.Contains(got, fmt.Sprintf(`value="report:%d"`, amber.ID)) {
		t.Error("the domain's page does not offer a request about its site")
	}
	if got := officerPage(t, c, s.URL+web.ObservableURL(ph)); !strings.Contains(got, `name="target" value="+819012345678"><input type="hidden" name="kind" value="phone_measures">`) ||
		!strings.Contains(got, "利用停止等の依頼を作る</button>") {
		t.Error("the phone number's page does not offer measures")
	}
	got = officerPage(t, c, s.URL+web.ObservableURL(only))
	if !strings.Contains(got, `id="takedown-no-source">この値を含む記録のうち、あなたが見られるものはすべて`) || strings.Contains(got, `action="/takedown"`) {
		t.Error("a value seen only in AMBER+STRICT records offers a request")
	}
	// Picking the source leads to the draft form with it (a GET of the form).
	form := officerPage(t, c, fmt.Sprintf("%s/takedown?target=%s&source=report:%d", s.URL, url.QueryEscape(shop), amber.ID))
	if !strings.Contains(form, fmt.Sprintf(`<a href="/reports/%d">通報 #%d</a>`, amber.ID, amber.ID)) {
		t.Error("the draft form does not name the picked record")
	}
	got = officerPage(t, c, s.URL+web.ObservableURL(u)+"&lang=en")
	for _, want := range []string{"Request to a provider", "Record the request comes from", "Request takedown</button>",
		"cannot be the source of a request: 1 of them are not offered"} {
		if !strings.Contains(got, want) {
			t.Errorf("the English URL page lacks %s", want)
		}
	}
}

// TestMeasurePages: a report's bank account and phone number get the
// matching request links (never the reporter's own number, even written in
// the text), on the report's page and the case's; the draft form comes
// filled in for a freeze; a bad account is refused on its field with the
// input kept; the request's page speaks of the account and its reason,
// asks for the bank's address, and records the answer (a note required);
// the takedown page counts freezes apart from removals; in Japanese and
// English.
func TestMeasurePages(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	receipt, id := filed(t, s, with(validForm, "description",
		"投資の話を信じて みずほ銀行 新宿支店 普通 1234567 に振り込みました。相手の番号は 090-1234-5678 です。私の番号は 080-5555-6666 です。",
		"contact_phone", "080-5555-6666"))
	c := s.Login(t, "tokyo@mpd.example", pw)
	account := url.QueryEscape("name:みずほ銀行/新宿支店/1/1234567")
	freeze := `href="/takedown?kind=account_freeze&source=report%3A` + id + `&target=` + account + `" class="request-link">口座凍結の依頼を作る`
	measures := `href="/takedown?kind=phone_measures&source=report%3A` + id + `&target=%2B819012345678" class="request-link">利用停止等の依頼を作る`
	page := officerPage(t, c, s.URL+"/reports/"+id)
	for _, want := range []string{freeze, measures} {
		if !strings.Contains(page, want) {
			t.Errorf("the report page lacks %s", want)
		}
	}
	if !strings.Contains(page, `href="/observables/phone/+818055556666"`) || strings.Contains(page, "target=%2B818055556666") {
		t.Error("the reporter's own number, listed among the values, is offered for a request")
	}

	// The case's page offers them too, for the case.
	status, loc, _ := postCase(t, c, s.URL+"/cases", url.Values{"title": {"投資詐欺"}, "category": {"FR"}, "severity": {"high"}, "reports": {receipt}})
	if status != http.StatusSeeOther {
		t.Fatalf("open the case: %d", status)
	}
	casePath := strings.TrimSuffix(loc, "?done=case_opened")
	caseID := strings.TrimPrefix(casePath, "/cases/")
	page = officerPage(t, c, s.URL+casePath)
	if !strings.Contains(page, `href="/takedown?case=`+caseID+`&kind=account_freeze&source=report%3A`+id+`&target=`+account+`"`) ||
		!strings.Contains(page, "<code>みずほ銀行 新宿支店 普通 1234567</code> ("+receipt+")") || strings.Contains(page, "target=%2B818055556666") {
		t.Error("the case page does not offer the freeze")
	}

	// The draft form, filled in from the link.
	form := officerPage(t, c, s.URL+"/takedown?kind=account_freeze&source=report:"+id+"&target="+account)
	for _, want := range []string{`<option value="account_freeze" selected>口座凍結</option>`, `value="name:みずほ銀行/新宿支店/1/1234567"`,
		`<optgroup label="口座凍結">`, `<option value="fraud_transfer">詐欺の被害金の振込先</option>`, `<optgroup label="電話の利用停止等">`} {
		if !strings.Contains(form, want) {
			t.Errorf("the draft form lacks %s", want)
		}
	}
	// A bad account: the field marked, the input kept.
	resp := must(c.PostForm(s.URL+"/takedown", url.Values{"kind": {"account_freeze"}, "target": {"みずほ銀行 1234567"}, "reason": {"fraud_transfer"},
		"source": {"report:" + id}}))
	got := body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, "金融機関・支店・種目・口座番号で入力してください") ||
		!strings.Contains(got, `value="みずほ銀行 1234567"`) || !strings.Contains(got, `aria-invalid="true"`) {
		t.Errorf("a bad account: %d", resp.StatusCode)
	}
	resp = must(c.PostForm(s.URL+"/takedown", url.Values{"kind": {"account_freeze"}, "target": {"みずほ銀行 新宿支店 普通 1234567"}, "reason": {"fraud_transfer"},
		"note": {"被害金の振込先です。"}, "source": {"report:" + id}, "case": {caseID}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("draft: %d", resp.StatusCode)
	}
	reqPath := strings.Split(resp.Header.Get("Location"), "?")[0]
	page = officerPage(t, c, s.URL+reqPath)
	for _, want := range []string{": みずほ銀行 新宿支店 普通 1234567</h1>", "<dd>口座凍結</dd>", `<dd id="reason">詐欺の被害金の振込先</dd>`,
		"口座凍結の依頼を受け付ける金融機関の窓口のアドレスを入力してください", `<a href="/cases/` + caseID + `" id="takedown-case">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the request's page lacks %s", want)
		}
	}
	for _, unwanted := range []string{"証拠（保存したページ）", "ページの確認"} {
		if strings.Contains(page, unwanted) {
			t.Errorf("a freeze's page speaks of %s", unwanted)
		}
	}

	// Sent (as the outbox would record it; no mail is set up here), then
	// answered: a note is required, and kept when missing.
	reqID, _ := strconv.ParseInt(strings.TrimPrefix(reqPath, "/takedown/"), 10, 64)
	r, err := s.App.DB.Takedown(context.Background(), reqID)
	if err != nil {
		t.Fatal(err)
	}
	r.State, r.SentAt, r.RecipientEmail = takedown.Sent, time.Now(), "fraud@bank.example.jp"
	if err := s.App.DB.UpdateTakedown(context.Background(), r, audit.Entry{Actor: audit.System, Action: "takedown.send"}); err != nil {
		t.Fatal(err)
	}
	resp = must(c.PostForm(s.URL+reqPath+"/done", url.Values{"outcome_note": {" "}}))
	if got := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, "誰から、いつ、どう答えがあったか") {
		t.Errorf("done without a note: %d", resp.StatusCode)
	}
	resp = must(c.PostForm(s.URL+reqPath+"/done", url.Values{"outcome_note": {"12月9日、同行から電話で凍結済みとの回答。"}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("done: %d", resp.StatusCode)
	}
	page = officerPage(t, c, s.URL+reqPath)
	if !strings.Contains(page, `<dd id="state">措置済み（凍結・利用停止等）</dd>`) || !strings.Contains(page, `<dd id="outcome-note">12月9日、同行から電話で凍結済みとの回答。</dd>`) ||
		strings.Contains(page, `id="withdraw"`) {
		t.Error("the request's page does not show the answer")
	}
	page = officerPage(t, c, s.URL+"/takedown")
	if !strings.Contains(page, `<h2 id="measures-heading">口座凍結・電話の利用停止等</h2>`) || !strings.Contains(page, "<td>口座凍結</td><td>1</td><td>0</td><td>1</td><td>0</td><td>0</td>") ||
		strings.Contains(page, `id="stats-all"`) {
		t.Errorf("the takedown page does not count the freeze apart:\n%s", page)
	}
	page = officerPage(t, c, s.URL+reqPath+"?lang=en")
	for _, want := range []string{": みずほ銀行 新宿支店 ordinary 1234567</h1>", "<dd>Account freeze</dd>", `<dd id="reason">Victims&#39; money was transferred to it</dd>`,
		`<dd id="state">done (frozen, measures taken)</dd>`} {
		if !strings.Contains(page, strings.ReplaceAll(want, "&#39;", "'")) {
			t.Errorf("the English request page lacks %s", want)
		}
	}
	if page := officerPage(t, c, s.URL+"/reports/"+id); !strings.Contains(page, ">Request a freeze<") || !strings.Contains(page, ">Request measures<") {
		t.Error("the English report page lacks the freeze and measures links")
	}
	if page := officerPage(t, c, s.URL+"/takedown"); !strings.Contains(page, "Account freezes and phone measures") {
		t.Error("the English takedown page does not count freezes")
	}
}
