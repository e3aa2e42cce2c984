package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/taxii"
)

// The STIX objects a partner bank adds to koban's collection: an indicator
// naming a phone number victims reported (green), a domain with no marking
// (amber by default), an indicator marked red (above the collection's
// ceiling: refused) and one that is not valid STIX (refused).
const (
	phoneIndicator = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	redIndicator   = "indicator--1a0c4b5e-7a8d-4c63-9f52-3c8e1f7d2a90"
	badIndicator   = "indicator--b3c2d1e0-1234-4abc-8def-0123456789ab"
	fakeDomain     = "domain-name--dd3a6a0c-0c9e-5a4b-8d2f-7c1e4b9a6f01"
)

func partnerObjects() []json.RawMessage {
	return []json.RawMessage{
		json.RawMessage(`{"type":"indicator","spec_version":"2.1","id":"` + phoneIndicator + `","created":"2026-12-01T09:00:00.000Z","modified":"2026-12-01T09:00:00.000Z",
			"name":"宅配業者を装うSMSの発信番号","pattern":"[x-koban-phone-number:value = '+819044445555']","pattern_type":"stix","valid_from":"2026-12-01T09:00:00Z",
			"indicator_types":["malicious-activity"],"object_marking_refs":["` + stix.TLP1Green + `"]}`),
		json.RawMessage(`{"type":"domain-name","spec_version":"2.1","id":"` + fakeDomain + `","value":"sagawa-delivery.example"}`),
		json.RawMessage(`{"type":"indicator","spec_version":"2.1","id":"` + redIndicator + `","created":"2026-12-01T09:00:00.000Z","modified":"2026-12-01T09:00:00.000Z",
			"pattern":"[domain-name:value = 'secret.example']","pattern_type":"stix","valid_from":"2026-12-01T09:00:00Z","object_marking_refs":["` + stix.TLP1Red + `"]}`),
		json.RawMessage(`{"type":"indicator","spec_version":"2.1","id":"` + badIndicator + `","created":"2026-12-01T09:00:00.000Z","modified":"2026-12-01T09:00:00.000Z",
			"pattern":"[domain-name:value = ","pattern_type":"stix","valid_from":"2026-12-01T09:00:00Z"}`),
	}
}

// exchanged is what one round of intel exchange left behind.
type exchanged struct {
	collection *intel.Collection
	status     taxii.Status
	source     *intel.Source
}

// exchangeIntel runs one round of intel exchange on a koban served at
// baseURL: the NPA opens a collection the partner bank reads and writes,
// the bank adds objects over TAXII, and a police source polls the
// collection back over TAXII through the egress client (loopback allowed,
// as for a partner on a private network).
func exchangeIntel(t testing.TB, a *app.App, baseURL string, ap auth.Principal, partnerEmail string) exchanged {
	t.Helper()
	ctx := context.Background()
	c, err := a.Intel.CreateCollection(ctx, ap, intel.CollectionInput{Title: "フィッシング指標", Description: "銀行と共有", MaxTLP: "amber",
		Readers: []string{"bank-x"}, Writers: []string{"bank-x"}})
	if err != nil {
		t.Fatal(err)
	}
	partnerTok, _, err := a.Auth.CreateToken(ctx, audit.System, partnerEmail, "taxii")
	if err != nil {
		t.Fatal(err)
	}
	bank, err := taxii.NewClient(http.DefaultClient, baseURL+"/taxii2/", taxii.Auth{Token: partnerTok})
	if err != nil {
		t.Fatal(err)
	}
	st, err := bank.AddObjects(ctx, intel.RootName, c.UUID, partnerObjects())
	if err != nil {
		t.Fatal(err)
	}
	policeTok, _, err := a.Auth.CreateToken(ctx, audit.System, ap.Email, "taxii poll")
	if err != nil {
		t.Fatal(err)
	}
	src, err := a.Intel.CreateSource(ctx, ap, intel.SourceInput{Name: "koban itself", Kind: intel.SourceTAXII,
		URL: baseURL + "/taxii2/koban/", Collection: c.UUID, Secret: policeTok, DefaultTLP: "amber"})
	if err != nil {
		t.Fatal(err)
	}
	eg := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 10 * time.Second})
	if polled, err := a.Intel.PollDue(ctx, eg, "test"); err != nil || !polled {
		t.Fatalf("PollDue = %v, %v; want the new source polled", polled, err)
	}
	return exchanged{collection: c, status: st, source: src}
}

func TestTAXIIExchange(t *testing.T) {
	s := apptest.Start(t)
	a, ctx := s.App, context.Background()
	adm, ap := withPartner(t, s, "intel@npa.example", "bank-x", "エックス銀行")
	// A victim reported the number the bank's indicator names.
	rc, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Category: "PH", Prefecture: "13", Language: "ja",
		Description: "宅配業者を名乗るSMSが 090-4444-5555 から届き、リンクを開いてしまいました。"}, intake.Origin{Source: "web", IP: "203.0.113.5"})
	if err != nil {
		t.Fatal(err)
	}

	x := exchangeIntel(t, a, s.URL, ap, "feed@bank-x.example")
	if x.status.TotalCount != 4 || x.status.SuccessCount != 2 || x.status.FailureCount != 2 {
		t.Fatalf("add status = %+v; want 2 stored, the red and the broken indicator refused", x.status)
	}
	why := map[string]string{}
	for _, f := range x.status.Failures {
		why[f.ID] = f.Message
	}
	if !strings.Contains(why[redIndicator], "TLP:RED") || why[badIndicator] == "" {
		t.Errorf("failures say %q; want the red one refused for its marking and the broken one with a reason", why)
	}

	// The indicator is sighted by the report that holds its number, and the
	// officer reads it with that sighting.
	ind, err := a.DB.IntelLatest(ctx, phoneIndicator)
	if err != nil {
		t.Fatal(err)
	}
	if ind.TLP != "green" || ind.OrgID != adm.OrgID {
		t.Errorf("stored indicator: TLP %s, owner %d; want green, owned by the collection's keeper", ind.TLP, ind.OrgID)
	}
	v, err := a.Intel.Get(ctx, ap, ind.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Sightings) != 1 || v.Sightings[0].ID != rc.ReportID {
		t.Errorf("sightings = %+v; want report %d", v.Sightings, rc.ReportID)
	}
	if dom, err := a.DB.IntelLatest(ctx, fakeDomain); err != nil || dom.TLP != "amber" {
		t.Errorf("the unmarked domain: %+v, %v; want amber", dom, err)
	}
	if _, err := a.DB.IntelLatest(ctx, redIndicator); err == nil {
		t.Error("the red indicator was stored")
	}

	// The poll read both objects back through TAXII and added nothing new.
	views, err := a.Intel.Sources(ctx, ap)
	if err != nil {
		t.Fatal(err)
	}
	var polls []intel.Poll
	for _, sv := range views {
		if sv.Source.ID == x.source.ID {
			polls = sv.Polls
			if sv.Source.Secret != "set" {
				t.Errorf("the source's secret is shown as %q, want only that one is set", sv.Source.Secret)
			}
		}
	}
	if len(polls) != 1 || polls[0].Seen != 2 || polls[0].Added != 0 || polls[0].Error != "" {
		t.Fatalf("polls = %+v; want one poll that saw the 2 objects, all held already", polls)
	}
	src, err := a.DB.Source(ctx, x.source.ID)
	if err != nil || src.Cursor == "" {
		t.Fatalf("source after the poll: %+v, %v; want a cursor", src, err)
	}
	// Polled again at once, from the cursor: nothing new comes.
	if err := a.Intel.PollSource(ctx, egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}), src, "test"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := a.DB.Polls(ctx, src.ID, 1); len(ps) != 1 || ps[0].Seen != 0 {
		t.Errorf("second poll = %+v; want nothing seen after the cursor", ps)
	}

	// The feed status page shows the last poll (the second, which found
	// nothing new); the indicator's page its
	// sighting; a refused source form says why and keeps what was typed.
	web := s.Login(t, adm.Email, "correct horse battery")
	body := getPage(t, web, s.URL+"/intel", http.StatusOK)
	for _, want := range []string{"koban itself", "0件を確認、0件を追加、0件を拒否", "TLP:AMBER"} {
		if !strings.Contains(body, want) {
			t.Errorf("/intel does not show %q", want)
		}
	}
	body = getPage(t, web, fmt.Sprintf("%s/intel/objects/%d", s.URL, ind.ID), http.StatusOK)
	for _, want := range []string{"宅配業者を装うSMSの発信番号", "TLP:GREEN", "現在のスコア", "新たな確認がなければ", fmt.Sprintf(`href="/reports/%d"`, rc.ReportID), "/observables/phone?value=%2b819044445555"} {
		if !strings.Contains(body, want) {
			t.Errorf("the indicator's page does not show %q", want)
		}
	}
	resp, err := web.PostForm(s.URL+"/intel/sources", url.Values{"name": {"JC3 フィード"}, "kind": {"taxii"}, "url": {"ftp://jc3.example/"}, "secret": {"hunter2"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "JC3 フィード") || !strings.Contains(string(b), "https:// で始まるURL") ||
		!strings.Contains(string(b), "コレクションIDを入力") || strings.Contains(string(b), "hunter2") {
		t.Errorf("a refused source form: %d; want 422 naming the URL and the collection, the name kept, the secret not echoed", resp.StatusCode)
	}

	// An officer brings in a STIX bundle through the page, read as it
	// arrives: the indicator inside is stored and the page says so.
	files, err := a.Intel.CreateSource(ctx, ap, intel.SourceInput{Name: "手持ちのファイル", Kind: intel.SourceFile})
	if err != nil {
		t.Fatal(err)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("format", "stix")
	fw, _ := mw.CreateFormFile("file", "bundle.json")
	io.WriteString(fw, `{"type":"bundle","id":"bundle--1e7c6c5a-2b8f-4f3e-9a1d-5c4b3a2f1e0d","objects":[`+
		`{"type":"indicator","spec_version":"2.1","id":"indicator--4f5e6d7c-8b9a-4c0d-9e1f-2a3b4c5d6e7f","created":"2026-12-02T00:00:00.000Z","modified":"2026-12-02T00:00:00.000Z","pattern":"[domain-name:value = 'kuroneko-jp.top']","pattern_type":"stix","valid_from":"2026-12-02T00:00:00Z"},`+
		`{"type":"indicator","spec_version":"2.1","id":"indicator--nope","created":"2026-12-02T00:00:00.000Z","modified":"2026-12-02T00:00:00.000Z","pattern":"[x]","pattern_type":"stix","valid_from":"2026-12-02T00:00:00Z"}]}`)
	mw.Close()
	resp, err = web.Post(fmt.Sprintf("%s/intel/sources/%d/import", s.URL, files.ID), mw.FormDataContentType(), &form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "2件を読み、1件を追加しました") || !strings.Contains(string(b), "拒否 1件") {
		t.Errorf("import through the page: %d; want 2 read, 1 added, 1 refused", resp.StatusCode)
	}
	if _, err := a.DB.IntelLatest(ctx, "indicator--4f5e6d7c-8b9a-4c0d-9e1f-2a3b4c5d6e7f"); err != nil {
		t.Errorf("the imported indicator: %v", err)
	}

	// Without a token, or with a token of an organisation that is not a
	// member, the collection is not there.
	resp, err = http.Get(s.URL + "/taxii2/koban/collections/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	s.AddUser(t, "officer@okinawa.example", "pref-47", auth.RoleInvestigator, "correct horse battery")
	other, _ := taxii.NewClient(http.DefaultClient, s.URL+"/taxii2/", taxii.Auth{Token: s.Token(t, "officer@okinawa.example")})
	if cs, err := other.Collections(ctx, intel.RootName); err != nil || len(cs) != 0 {
		t.Errorf("a prefecture that is no member lists %+v, %v", cs, err)
	}
	if _, err := other.GetObjects(ctx, intel.RootName, x.collection.UUID, taxii.Query{}); err == nil {
		t.Error("a prefecture that is no member read the collection")
	}
	// The bank reads the collection back: the green indicator and the amber
	// domain it added, nothing else.
	bank, _ := taxii.NewClient(http.DefaultClient, s.URL+"/taxii2/", taxii.Auth{Token: s.Token(t, "feed@bank-x.example")})
	page, err := bank.GetObjects(ctx, intel.RootName, x.collection.UUID, taxii.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range page.Objects {
		var head struct{ ID string }
		json.Unmarshal(o, &head)
		ids = append(ids, head.ID)
	}
	if fmt.Sprint(ids) != fmt.Sprint([]string{phoneIndicator, fakeDomain}) {
		t.Errorf("the bank reads %v", ids)
	}
	// What left koban, and to whom, is in the audit log; so is the
	// officer's view of the indicator.
	rows, err := a.DB.AuditOf(ctx, "taxii_collection", fmt.Sprint(x.collection.ID))
	if err != nil {
		t.Fatal(err)
	}
	readers := map[string]bool{}
	for _, r := range rows {
		if r.Action == "taxii.read" {
			readers[r.Actor] = true
		}
	}
	if !readers["feed@bank-x.example"] || !readers[adm.Email] {
		t.Errorf("taxii.read rows by %v; want the bank's and the police poller's", readers)
	}
	if rows, _ := a.DB.AuditOf(ctx, intel.ObjectType, fmt.Sprint(ind.ID)); len(rows) == 0 || rows[len(rows)-1].Action != "intel.view" {
		t.Errorf("the indicator's audit rows: %+v; want its view", rows)
	}
}

// A partner's TAXII server is reached only through the egress client: a
// source pointing at a private address is refused and the refusal is
// recorded on the poll, not retried against the address.
func TestTAXIIPollRefusesPrivateAddresses(t *testing.T) {
	s := apptest.Start(t)
	a, ctx := s.App, context.Background()
	adm := s.AddUser(t, "intel@npa.example", "npa", auth.RoleAdmin, "correct horse battery")
	ap := auth.Principal{UserID: adm.ID, Email: adm.Email, OrgID: adm.OrgID, Role: adm.Role, IP: "192.0.2.10", Via: "session"}
	hits := 0
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer partner.Close()
	src, err := a.Intel.CreateSource(ctx, ap, intel.SourceInput{Name: "internal", Kind: intel.SourceTAXII, URL: partner.URL + "/api1/", Collection: "c1", Secret: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if polled, err := a.Intel.PollDue(ctx, a.Egress, "test"); !polled || err == nil {
		t.Fatalf("PollDue = %v, %v; want the poll refused", polled, err)
	}
	if hits != 0 {
		t.Errorf("the private server was reached %d times", hits)
	}
	ps, err := a.DB.Polls(ctx, src.ID, 5)
	if err != nil || len(ps) != 1 || !strings.Contains(ps[0].Error, "refused") {
		t.Errorf("polls = %+v, %v; want the refusal recorded", ps, err)
	}
}

// withPartner adds an NPA administrator (email) and a partner
// organisation (code, with its feed account feed@<code>.example), and
// returns the administrator as a user and as a principal.
func withPartner(t *testing.T, s *apptest.Server, email, code, nameJA string) (*auth.User, auth.Principal) {
	t.Helper()
	a, ctx := s.App, context.Background()
	adm := s.AddUser(t, email, "npa", auth.RoleAdmin, "correct horse battery")
	ap := auth.Principal{UserID: adm.ID, Email: adm.Email, OrgID: adm.OrgID, Role: adm.Role, IP: "192.0.2.10", Via: "session"}
	if _, err := a.Admin.AddOrg(ctx, ap, admin.NewOrg{Code: code, NameJA: nameJA, NameEN: code, Kind: org.KindPartner}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admin.AddUser(ctx, ap, auth.NewUser{Email: "feed@" + code + ".example", OrgCode: code, Role: auth.RolePartner, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	return adm, ap
}

func getPage(t *testing.T, c *http.Client, u string, want int) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d", u, resp.StatusCode, want)
	}
	return string(b)
}

// BenchmarkTAXIIPage reads pages of 1,000 objects from a collection of
// 5,000 over HTTP from a real koban (SQLite), as a partner does, and
// reports the p95 of a page.
func BenchmarkTAXIIPage(b *testing.B) {
	s := apptest.Start(b)
	a, ctx := s.App, context.Background()
	adm := s.AddUser(b, "intel@npa.example", "npa", auth.RoleAdmin, "correct horse battery")
	ap := auth.Principal{UserID: adm.ID, Email: adm.Email, OrgID: adm.OrgID, Role: adm.Role, IP: "192.0.2.10", Via: "session"}
	if _, err := a.Admin.AddOrg(ctx, ap, admin.NewOrg{Code: "bank-x", NameJA: "エックス銀行", NameEN: "Bank X", Kind: org.KindPartner}); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Admin.AddUser(ctx, ap, auth.NewUser{Email: "feed@bank-x.example", OrgCode: "bank-x", Role: auth.RolePartner, Password: "correct horse battery"}); err != nil {
		b.Fatal(err)
	}
	c, err := a.Intel.CreateCollection(ctx, ap, intel.CollectionInput{Title: "bench", MaxTLP: "amber", Readers: []string{"bank-x"}, Writers: []string{"bank-x"}})
	if err != nil {
		b.Fatal(err)
	}
	bank, _ := taxii.NewClient(http.DefaultClient, s.URL+"/taxii2/", taxii.Auth{Token: s.Token(b, "feed@bank-x.example")})
	for batch := range 5 {
		objs := make([]json.RawMessage, 1000)
		for i := range objs {
			n := batch*1000 + i
			objs[i] = json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x","created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z","pattern":"[domain-name:value = 'phish-%d.example.com']","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z"}`, n, n, n))
		}
		if st, err := bank.AddObjects(ctx, intel.RootName, c.UUID, objs); err != nil || st.SuccessCount != 1000 {
			b.Fatalf("add: %+v, %v", st, err)
		}
	}
	var times []time.Duration
	b.ResetTimer()
	for range b.N {
		q := taxii.Query{Limit: 1000}
		t0 := time.Now()
		page, err := bank.GetObjects(ctx, intel.RootName, c.UUID, q)
		times = append(times, time.Since(t0))
		if err != nil || len(page.Objects) != 1000 {
			b.Fatalf("page: %v objects, %v", len(page.Objects), err)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
}
