package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
)

// betweenKoban is a koban with a Kanagawa station and officers of the
// station, its HQ, Osaka, the National Cyber Unit (an analyst) and Tokyo.
type betweenKoban struct {
	s                                   *apptest.Server
	station, hq, osaka, ncu, tokyo      *http.Client
	stationU, hqU, osakaU, ncuU, tokyoU *auth.User
}

func startBetween(t *testing.T) *betweenKoban {
	t.Helper()
	s := apptest.Start(t)
	npa, _ := s.App.Tree().ByCode("npa")
	if _, err := s.App.Admin.AddOrg(context.Background(), auth.Principal{UserID: 1, OrgID: npa.ID, Role: auth.RoleAdmin},
		admin.NewOrg{Kind: org.KindStation, ParentCode: "pref-14", Code: "pref-14-yokohama", NameJA: "横浜警察署", NameEN: "Yokohama"}); err != nil {
		t.Fatal(err)
	}
	k := &betweenKoban{s: s}
	k.stationU = s.AddUser(t, "station@kanagawa.example", "pref-14-yokohama", auth.RoleInvestigator, pw)
	k.hqU = s.AddUser(t, "hq@kanagawa.example", "pref-14", auth.RoleInvestigator, pw)
	k.osakaU = s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	k.ncuU = s.AddUser(t, "analyst@ncu.example", "ncu", auth.RoleAnalyst, pw)
	k.tokyoU = s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	k.station, k.hq = s.Login(t, k.stationU.Email, pw), s.Login(t, k.hqU.Email, pw)
	k.osaka, k.ncu, k.tokyo = s.Login(t, k.osakaU.Email, pw), s.Login(t, k.ncuU.Email, pw), s.Login(t, k.tokyoU.Email, pw)
	return k
}

func principalOf(u *auth.User) auth.Principal {
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role, IP: "192.0.2.1", Via: "session"}
}

func (k *betweenKoban) orgID(code string) int64 {
	o, _ := k.s.App.Tree().ByCode(code)
	return o.ID
}

// openCase opens a case of the station's.
func (k *betweenKoban) openCase(t *testing.T) *cases.Case {
	t.Helper()
	c, err := k.s.App.Cases.Open(context.Background(), principalOf(k.stationU), cases.Opening{Title: "ランサムウェア被害（製造業）", Category: "MW", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (k *betweenKoban) get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	resp := must(c.Get(k.s.URL + path))
	return resp.StatusCode, body(t, resp)
}

func (k *betweenKoban) refused(t *testing.T, caseID int64) int {
	t.Helper()
	rows, err := k.s.App.DB.AuditOf(context.Background(), "case", strconv.FormatInt(caseID, 10))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Action == "case.refused" {
			n++
		}
	}
	return n
}

var referralRe = regexp.MustCompile(`/referrals/(\d+)/accept`)

// TestReferralPages: a station refers a case to its HQ from the case page;
// a refused form keeps its input and marks its fields; the HQ finds it in
// its inbox, declines without a reason (refused), then accepts; the station
// may not answer its own referral (403, audited) and afterwards only reads
// the case.
func TestReferralPages(t *testing.T) {
	k := startBetween(t)
	c := k.openCase(t)
	path := fmt.Sprintf("/cases/%d", c.ID)
	_, page := k.get(t, k.station, path)
	for _, want := range []string{`id="f-refer"`, `id="f-party"`, `id="f-support"`, `data-events="` + path + `/events"`, "引継ぎの記録はありません", "主管"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %s", want)
		}
	}
	// Refused: no reason, then a partner.
	hq := strconv.FormatInt(k.orgID("pref-14"), 10)
	status, _, page := postCase(t, k.station, k.s.URL+path+"/referrals", url.Values{"to": {hq}, "reason": {"  "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "理由を入力してください") ||
		!strings.Contains(page, `<textarea id="refer-reason" name="reason" rows="3" aria-invalid="true" aria-describedby="e-referral_reason">`) ||
		!strings.Contains(page, `href="#f-referral_reason"`) || !strings.Contains(page, `<option value="`+hq+`" selected>`) {
		t.Fatalf("refused referral: %d\n%s", status, page)
	}
	npa, _ := k.s.App.Tree().ByCode("npa")
	partner, err := k.s.App.Admin.AddOrg(context.Background(), auth.Principal{UserID: 1, OrgID: npa.ID, Role: auth.RoleAdmin},
		admin.NewOrg{Kind: org.KindPartner, Code: "jc3", NameJA: "JC3", NameEN: "JC3"})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, page := postCase(t, k.station, k.s.URL+path+"/referrals", url.Values{"to": {strconv.FormatInt(partner.ID, 10)}, "reason": {"共有"}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "協力組織には事件を引き継げません") {
		t.Errorf("referral to a partner: %d", status)
	}
	status, loc, _ := postCase(t, k.station, k.s.URL+path+"/referrals", url.Values{"to": {hq}, "reason": {"複数署にまたがるため本部で"}})
	if status != http.StatusSeeOther || loc != path+"?done=referral_sent" {
		t.Fatalf("refer: %d %s", status, loc)
	}
	_, page = k.get(t, k.station, loc)
	if !strings.Contains(page, "引継ぎを依頼しました") || !strings.Contains(page, "神奈川県警察本部への引継ぎを依頼中です") || strings.Contains(page, "/accept") ||
		!strings.Contains(page, "/withdraw") || !strings.Contains(page, "引継ぎ中") {
		t.Errorf("station's page of its referral:\n%s", page)
	}
	// The HQ's inbox; Osaka's is empty.
	_, page = k.get(t, k.hq, "/referrals")
	if !strings.Contains(page, c.Number) || !strings.Contains(page, "複数署にまたがるため本部で") || !strings.Contains(page, `data-events="/inbox/events"`) ||
		!strings.Contains(page, `aria-current="page"`) {
		t.Errorf("HQ inbox:\n%s", page)
	}
	if _, page := k.get(t, k.osaka, "/referrals"); strings.Contains(page, c.Number) {
		t.Error("Osaka's inbox shows the Kanagawa referral")
	}
	if _, page := k.get(t, k.station, "/referrals?box=out&status=all"); !strings.Contains(page, c.Number) {
		t.Error("the station's sent list lacks its referral")
	}
	_, page = k.get(t, k.hq, path)
	m := referralRe.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `id="decline-reason"`) {
		t.Fatalf("HQ's case page offers no answer:\n%s", page)
	}
	rid := m[1]
	// The station may not accept its own referral: 403, audited.
	before := k.refused(t, c.ID)
	if status, _, _ := postCase(t, k.station, k.s.URL+path+"/referrals/"+rid+"/accept", nil); status != http.StatusForbidden {
		t.Errorf("the station accepts its own referral: %d", status)
	}
	if status, _, _ := postCase(t, k.osaka, k.s.URL+path+"/referrals/"+rid+"/accept", nil); status != http.StatusNotFound {
		t.Errorf("Osaka accepts: %d", status)
	}
	if k.refused(t, c.ID) != before+2 {
		t.Error("the refusals are not audited")
	}
	status, _, page = postCase(t, k.hq, k.s.URL+path+"/referrals/"+rid+"/decline", url.Values{"reason": {""}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `aria-describedby="e-decline_reason"`) || !strings.Contains(page, `href="#f-decline_reason"`) {
		t.Errorf("decline without reason: %d", status)
	}
	status, loc, _ = postCase(t, k.hq, k.s.URL+path+"/referrals/"+rid+"/accept", nil)
	if status != http.StatusSeeOther || loc != path+"?done=referral_accepted" {
		t.Fatalf("accept: %d %s", status, loc)
	}
	_, page = k.get(t, k.hq, loc)
	if !strings.Contains(page, "引継ぎを受けました") || !strings.Contains(page, "<dd>神奈川県警察本部</dd>") || !strings.Contains(page, "受諾") ||
		!strings.Contains(page, `id="f-body"`) || !strings.Contains(page, "横浜警察署 → 神奈川県警察本部") {
		t.Errorf("HQ's page after accepting:\n%s", page)
	}
	// The station reads, no longer writes.
	status, page = k.get(t, k.station, path)
	if status != http.StatusOK || strings.Contains(page, `id="f-body"`) || strings.Contains(page, `id="f-refer"`) {
		t.Errorf("the station after handing over: %d", status)
	}
	if status, _, _ := postCase(t, k.station, k.s.URL+path+"/notes", url.Values{"body": {"追記"}}); status != http.StatusForbidden {
		t.Errorf("the station writes: %d", status)
	}
}

// TestPartyAndSupportPages: the owner adds Osaka as a joint party, which
// then writes on the case, and removes it; the HQ asks the NCU for
// support; the NCU's analyst finds it in the unit's queue, answers from
// the case page (a refused empty answer keeps the form), and the answer is
// a note; the analyst never writes otherwise.
func TestPartyAndSupportPages(t *testing.T) {
	k := startBetween(t)
	c := k.openCase(t)
	path := fmt.Sprintf("/cases/%d", c.ID)
	osaka := strconv.FormatInt(k.orgID("pref-27"), 10)
	if status, _ := k.get(t, k.osaka, path); status != http.StatusNotFound {
		t.Fatalf("Osaka before taking part: %d", status)
	}
	status, loc, _ := postCase(t, k.station, k.s.URL+path+"/parties", url.Values{"org": {osaka}, "role": {"joint"}})
	if status != http.StatusSeeOther || loc != path+"?done=party_added" {
		t.Fatalf("add party: %d %s", status, loc)
	}
	if status, _, page := postCase(t, k.station, k.s.URL+path+"/parties", url.Values{"org": {osaka}, "role": {"support"}}); status != http.StatusConflict ||
		!strings.Contains(page, "この組織はすでに参加しています") || !strings.Contains(page, `aria-describedby="e-party_org"`) {
		t.Errorf("adding twice: %d", status)
	}
	_, page := k.get(t, k.osaka, path)
	if !strings.Contains(page, "<td>大阪府警察本部</td><td>共同</td>") || !strings.Contains(page, `id="f-body"`) || strings.Contains(page, `id="f-party"`) {
		t.Errorf("Osaka's page as a joint party:\n%s", page)
	}
	if status, _, _ := postCase(t, k.osaka, k.s.URL+path+"/notes", url.Values{"body": {"大阪側の捜査メモ"}}); status != http.StatusSeeOther {
		t.Errorf("a joint party writes: %d", status)
	}
	pid := regexp.MustCompile(`/parties/(\d+)/remove`).FindStringSubmatch(body(t, must(k.station.Get(k.s.URL+path))))
	if pid == nil {
		t.Fatal("no remove button")
	}
	if status, _, _ := postCase(t, k.osaka, k.s.URL+path+"/parties/"+pid[1]+"/remove", nil); status != http.StatusForbidden {
		t.Errorf("the party removes itself: %d", status)
	}
	if status, _, _ := postCase(t, k.station, k.s.URL+path+"/parties/"+pid[1]+"/remove", nil); status != http.StatusSeeOther {
		t.Errorf("remove: %d", status)
	}
	if status, _ := k.get(t, k.osaka, path); status != http.StatusNotFound {
		t.Errorf("Osaka after removal: %d", status)
	}

	// Support: units first in the form.
	_, page = k.get(t, k.hq, path)
	sel := page[strings.Index(page, `id="support-to"`):]
	if i, j := strings.Index(sel, "サイバー特別捜査部"), strings.Index(sel, "警察庁"); i < 0 || i > j {
		t.Error("the support form does not offer the units first")
	}
	ncu := strconv.FormatInt(k.orgID("ncu"), 10)
	status, _, page = postCase(t, k.hq, k.s.URL+path+"/support", url.Values{"to": {ncu}, "kind": {"malware"}, "description": {""}, "due": {"2020-01-01"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "依頼内容を入力してください") || !strings.Contains(page, "期限に過去の日付は指定できません") ||
		!strings.Contains(page, `value="2020-01-01" aria-invalid="true" aria-describedby="e-support_due"`) {
		t.Errorf("refused support request: %d", status)
	}
	due := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	status, loc, _ = postCase(t, k.hq, k.s.URL+path+"/support", url.Values{"to": {ncu}, "kind": {"malware"}, "description": {"検体2点の解析"}, "due": {due}})
	if status != http.StatusSeeOther || loc != path+"?done=support_requested" {
		t.Fatalf("support: %d %s", status, loc)
	}
	// The analyst's way in is the unit's queue: no referral inbox, no sent box.
	if resp := must(k.ncu.Get(k.s.URL + "/between")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/support" {
		t.Errorf("the analyst's entry: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = k.get(t, k.ncu, "/support")
	if strings.Contains(page, `href="/referrals"`) || strings.Contains(page, `id="s-box"`) || !strings.Contains(page, `href="/between"`) {
		t.Error("the analyst is offered pages their role cannot open")
	}
	if !strings.Contains(page, c.Number) || !strings.Contains(page, "検体2点の解析") || !strings.Contains(page, "不正プログラム解析") {
		t.Errorf("the NCU's queue:\n%s", page)
	}
	if _, page := k.get(t, k.osaka, "/support"); strings.Contains(page, c.Number) {
		t.Error("Osaka's queue holds the NCU's request")
	}
	_, page = k.get(t, k.ncu, path)
	sid := regexp.MustCompile(`/support/(\d+)/answer`).FindStringSubmatch(page)
	if sid == nil || strings.Contains(page, `id="f-body"`) {
		t.Fatalf("the analyst's case page:\n%s", page)
	}
	status, _, page = postCase(t, k.ncu, k.s.URL+path+"/support/"+sid[1]+"/answer", url.Values{"answer": {""}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `aria-describedby="h-answer-`+sid[1]+` e-support_answer" aria-invalid="true"`) {
		t.Errorf("empty answer: %d", status)
	}
	// The answer carries a result file, which becomes case evidence.
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	mw.WriteField("answer", "**Emotet** の亜種。C2 は 203.0.113.7")
	fw, _ := mw.CreateFormFile("file", "emotet-analysis.txt")
	io.WriteString(fw, "C2: 203.0.113.7\nhash: 0123456789abcdef")
	mw.Close()
	resp := must(k.ncu.Post(k.s.URL+path+"/support/"+sid[1]+"/answer", mw.FormDataContentType(), &mb))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?done=support_answered" {
		t.Fatalf("answer: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = k.get(t, k.hq, path)
	if !strings.Contains(page, "<strong>Emotet</strong> の亜種") || !strings.Contains(page, "回答済み") || !strings.Contains(page, "サイバー特別捜査部: 不正プログラム解析") {
		t.Errorf("the HQ's page after the answer:\n%s", page)
	}
	if !strings.Contains(page, "emotet-analysis.txt") {
		t.Error("the answer's file is not among the case's evidence")
	}
	// The answer is a note like any other: search finds it.
	if _, found := k.get(t, k.hq, "/search?q=Emotet"); !strings.Contains(found, "Emotet") || !strings.Contains(found, path) {
		t.Error("search does not find the support answer's note")
	}
	if status, _, _ := postCase(t, k.ncu, k.s.URL+path+"/notes", url.Values{"body": {"追記"}}); status != http.StatusForbidden {
		t.Errorf("the analyst writes a note: %d", status)
	}
	if status, _, _ := postCase(t, k.tokyo, k.s.URL+path+"/support/"+sid[1]+"/decline", url.Values{"reason": {"x"}}); status != http.StatusNotFound {
		t.Errorf("Tokyo declines: %d", status)
	}
}

// TestAccessRequestPages: an Osaka officer asks for a Kanagawa record from
// the national index; the HQ answers from its inbox (a bad number of days
// is refused with the form kept), the officer sees the grant on "my
// requests" and opens the record; a stranger gets a 404.
func TestAccessRequestPages(t *testing.T) {
	k := startBetween(t)
	id, receipt := fileReport(t, k.s, "14", "偽の投資サイト 080-5555-1234 に振り込んだ")
	o := observe.Observable{Type: observe.Phone, Value: "+818055551234"}
	resp := must(k.osaka.PostForm(k.s.URL+"/access-requests", url.Values{"type": {string(o.Type)}, "value": {o.Value},
		"owner": {strconv.FormatInt(k.orgID("pref-14"), 10)}, "reason": {"同じ番号の詐欺を捜査中"}}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("request access: %d %s", resp.StatusCode, body(t, resp))
	}
	_, page := k.get(t, k.hq, "/access-requests")
	m := regexp.MustCompile(`href="/access-requests/(\d+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "同じ番号の詐欺を捜査中") || !strings.Contains(page, "大阪府警察本部") {
		t.Fatalf("HQ's access inbox:\n%s", page)
	}
	req := "/access-requests/" + m[1]
	if status, _ := k.get(t, k.tokyo, req); status != http.StatusNotFound {
		t.Errorf("Tokyo reads the request: %d", status)
	}
	status, _, page := postCase(t, k.hq, k.s.URL+req+"/grant", url.Values{"days": {"365"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `value="365" aria-invalid="true" aria-describedby="e-days"`) || !strings.Contains(page, `href="#f-days"`) {
		t.Errorf("365 days: %d\n%s", status, page)
	}
	if status, _, _ := postCase(t, k.osaka, k.s.URL+req+"/grant", url.Values{"days": {"30"}}); status != http.StatusNotFound {
		t.Errorf("the asker grants itself: %d", status)
	}
	status, loc, _ := postCase(t, k.hq, k.s.URL+req+"/grant", url.Values{"days": {"14"}})
	if status != http.StatusSeeOther || loc != req+"?done=access_granted" {
		t.Fatalf("grant: %d %s", status, loc)
	}
	_, page = k.get(t, k.osaka, "/access-requests/mine")
	if !strings.Contains(page, "許可") || !strings.Contains(page, "神奈川県警察本部") {
		t.Errorf("my requests:\n%s", page)
	}
	_, page = k.get(t, k.osaka, req)
	if !strings.Contains(page, receipt) || strings.Contains(page, `id="f-grant"`) {
		t.Errorf("the asker's request page:\n%s", page)
	}
	if status, page := k.get(t, k.osaka, fmt.Sprintf("/reports/%d", id)); status != http.StatusOK || !strings.Contains(page, receipt) {
		t.Errorf("the granted report: %d", status)
	}
	if status, _ := k.get(t, k.tokyo, fmt.Sprintf("/reports/%d", id)); status != http.StatusNotFound {
		t.Errorf("Tokyo opens the report: %d", status)
	}
}

// TestCaseEventsStream: an open case page hears of a change made to its
// case (and nothing of other cases); the stream is refused to those who
// may not view the case, and ends when the case moves out of sight.
func TestCaseEventsStream(t *testing.T) {
	k := startBetween(t)
	c, other := k.openCase(t), k.openCase(t)
	path := fmt.Sprintf("/cases/%d/events", c.ID)
	if status, _ := k.get(t, k.osaka, path); status != http.StatusNotFound {
		t.Fatalf("Osaka's stream: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", k.s.URL+path, nil)
	stream, err := k.hq.Do(req)
	if err != nil || stream.StatusCode != http.StatusOK || stream.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %v", err)
	}
	defer stream.Body.Close()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	p := principalOf(k.stationU)
	if _, err := k.s.App.Cases.AddNote(context.Background(), p, other.ID, "別の事件"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.s.App.Cases.AddNote(context.Background(), p, c.ID, "この事件"); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-lines:
		if l != "event: change" {
			t.Errorf("event %q", l)
		}
	case <-ctx.Done():
		t.Fatal("the case page never heard of the change")
	}
	select {
	case l := <-lines:
		t.Errorf("a second event %q: the other case's change leaked", l)
	case <-time.After(300 * time.Millisecond):
	}
	// Referred to Osaka and accepted: the HQ (above the station) keeps a
	// view through the station's grant, so its page is told; a Tokyo
	// page never opens.
	r, err := k.s.App.Cases.Refer(context.Background(), p, c.ID, k.orgID("pref-27"), "大阪へ")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.s.App.Cases.Accept(context.Background(), principalOf(k.osakaU), r.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-lines:
		if l != "event: change" {
			t.Errorf("event %q", l)
		}
	case <-ctx.Done():
		t.Fatal("the HQ's page never heard of the referral")
	}
}

// TestBetweenCatalogs: every key the work between organisations names in
// its code, and every key built from its enumerations, is in both
// languages.
func TestBetweenCatalogs(t *testing.T) {
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range cases.BetweenKinds {
		keys = append(keys, "case.event."+string(k))
	}
	for _, st := range cases.ReferralStatuses {
		keys = append(keys, "referral.status."+string(st))
	}
	for _, r := range cases.PartyRoles {
		keys = append(keys, "party.role."+string(r))
	}
	for _, k := range cases.SupportKinds {
		keys = append(keys, "support.kind."+string(k))
	}
	for _, st := range cases.SupportStatuses {
		keys = append(keys, "support.status."+string(st))
	}
	for _, a := range []string{"party_add", "party_remove", "support_request", "support_accept", "support_answer", "support_decline"} {
		keys = append(keys, "audit.case."+a)
	}
	for _, n := range []string{"referral_sent", "referral_accepted", "referral_declined", "referral_withdrawn", "party_added", "party_removed",
		"support_requested", "support_accepted", "support_answered", "support_declined", "access_granted", "access_refused"} {
		keys = append(keys, "notice."+n)
	}
	lit := regexp.MustCompile(`"((?:referral|party|support|access_request|access|case)\.[a-z_]+\.[a-z_.]+)"`)
	for _, f := range []string{"../cases/between.go", "../cases/referral.go", "../cases/party.go", "../cases/support.go", "../correlate/requests.go",
		"case_referral.go", "access_inbox.go", "referral_inbox.go", "support_queue.go", "../app/mail_access.go"} {
		b, err := os.ReadFile(filepath.Clean(f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	// Fields the service names and s.text turns into "case.error.<field>_required".
	for _, f := range []string{"reason", "description", "answer"} {
		keys = append(keys, "case.error."+f+"_required")
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	for _, lang := range locale.Languages {
		for _, k := range keys {
			if !cats.Has(lang, k) {
				t.Errorf("%s: key %q missing", lang, k)
			}
		}
	}
}
