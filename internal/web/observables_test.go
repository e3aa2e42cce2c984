package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/web"
)

// filed submits a report through the public form and returns its receipt and id.
func filed(t *testing.T, s *apptest.Server, fields map[string]string) (string, string) {
	t.Helper()
	path := submit(t, s, fields)
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+path))))[1]
	id, err := s.App.DB.ReportIDByReceipt(context.Background(), receipt)
	if err != nil {
		t.Fatal(err)
	}
	return receipt, strconv.FormatInt(id, 10)
}

// apiGet calls the JSON API with a token and decodes the answer.
func apiGet(t *testing.T, s *apptest.Server, token, path string, into any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp := must(http.DefaultClient.Do(req))
	raw := body(t, resp)
	if into != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(raw), into); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, raw)
		}
	}
	return resp.StatusCode, raw
}

// TestIndexGivesCountsNotContent: an Osaka officer learns that a Tokyo
// report shares the phone number of an Osaka report — how many, where and
// since when — through every path (observable page and API, report page
// and API, graph page and API, search page and API, clusters), and never a
// word of the Tokyo report: not its receipt, id, text or reporter.
func TestIndexGivesCountsNotContent(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	s.AddUser(t, "npa@npa.example", "npa", auth.RoleSupervisor, pw)
	tokyoReceipt, tokyoID := filed(t, s, with(validForm, "description", "東京の被害。東京秘密メモ 犯人の番号は０９０－１２３４－５６７８でした。",
		"contact_email", "tokyo-victim@example.jp"))
	osakaReceipt, osakaID := filed(t, s, with(validForm, "prefecture", "27",
		"description", "大阪の被害。電話 090 1234 5678 から指示された。", "contact_email", "osaka-victim@example.jp"))
	secrets := []string{tokyoReceipt, "東京秘密メモ", "tokyo-victim@example.jp", "/reports/" + tokyoID + `"`, "report:" + tokyoID}
	noSecrets := func(where, page string) {
		t.Helper()
		page = html.UnescapeString(page)
		for _, s := range secrets {
			if strings.Contains(page, s) {
				t.Errorf("%s shows the Tokyo report's %q", where, s)
			}
		}
	}
	osaka := s.Login(t, "osaka@osaka.example", pw)
	token := s.Token(t, "osaka@osaka.example")

	// The observable page, by another spelling of the number.
	resp := must(osaka.Get(s.URL + "/observables/phone/" + url.PathEscape("090-1234-5678")))
	page := html.UnescapeString(body(t, resp))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, osakaReceipt) || !strings.Contains(page, "+819012345678") {
		t.Fatalf("observable page: %d, Osaka receipt shown %v", resp.StatusCode, strings.Contains(page, osakaReceipt))
	}
	for _, want := range []string{`id="hidden-owners"`, "警視庁", "2件の記録", "2都道府県"} {
		if !strings.Contains(page, want) {
			t.Errorf("observable page lacks %q (the counts of what Osaka cannot see)", want)
		}
	}
	noSecrets("observable page", page)

	// The API's answer: the promised fields, the national count, one occurrence.
	var obs struct {
		Type        string `json:"type"`
		Value       string `json:"value"`
		Count       int    `json:"count"`
		Prefectures int    `json:"prefectures"`
		FirstSeen   string `json:"first_seen"`
		LastSeen    string `json:"last_seen"`
		Occurrences []struct {
			ID      int64  `json:"id"`
			Receipt string `json:"receipt"`
			Org     string `json:"org"`
		} `json:"occurrences"`
		Hidden struct {
			Count  int `json:"count"`
			Owners []struct {
				Org   string `json:"org"`
				Count int    `json:"count"`
			} `json:"owners"`
		} `json:"hidden"`
	}
	code, raw := apiGet(t, s, token, "/api/v1/observables/phone/"+url.PathEscape("+81 90-1234-5678"), &obs)
	if code != http.StatusOK || obs.Type != "phone" || obs.Value != "+819012345678" || obs.Count != 2 || obs.Prefectures != 2 ||
		obs.FirstSeen == "" || obs.LastSeen == "" || len(obs.Occurrences) != 1 || obs.Occurrences[0].Receipt != osakaReceipt ||
		obs.Hidden.Count != 1 || len(obs.Hidden.Owners) != 1 || obs.Hidden.Owners[0].Org != "pref-13" {
		t.Errorf("observable API: %d\n%s", code, raw)
	}
	noSecrets("observable API", raw)
	if code, _ := apiGet(t, s, token, "/api/v1/observables/phone/"+url.PathEscape("+819099999999"), nil); code != http.StatusNotFound {
		t.Errorf("a number nobody reported: %d, want 404", code)
	}

	// The Osaka report's page and links: related as a count only.
	page = body(t, must(osaka.Get(s.URL+"/reports/"+osakaID)))
	if !strings.Contains(page, `id="related-hidden"`) {
		t.Error("Osaka report page does not say that a record elsewhere shares its number")
	}
	noSecrets("Osaka report page", page)
	var links struct {
		Related []any `json:"related"`
		Hidden  struct {
			Count int `json:"count"`
		} `json:"hidden"`
		Cluster struct {
			ID   int64 `json:"id"`
			Size int   `json:"size"`
		} `json:"cluster"`
	}
	code, raw = apiGet(t, s, token, "/api/v1/reports/"+osakaID+"/links", &links)
	if code != http.StatusOK || len(links.Related) != 0 || links.Hidden.Count != 1 || links.Cluster.Size != 2 {
		t.Errorf("links API: %d\n%s", code, raw)
	}
	noSecrets("links API", raw)

	// The graph around the number: the Osaka report, and the Tokyo one as a hidden count.
	var g struct {
		Nodes []struct {
			ID      string `json:"id"`
			Kind    string `json:"kind"`
			Records int    `json:"records"`
		} `json:"nodes"`
	}
	code, raw = apiGet(t, s, token, "/api/v1/graph?hops=3&node="+url.QueryEscape("phone:090-1234-5678"), &g)
	kinds := map[string]int{}
	for _, n := range g.Nodes {
		kinds[n.Kind]++
		if n.Kind == "hidden" && n.Records != 1 {
			t.Errorf("hidden node counts %d records, want 1", n.Records)
		}
	}
	if code != http.StatusOK || kinds["record"] != 1 || kinds["hidden"] != 1 {
		t.Errorf("graph API: %d, kinds %v\n%s", code, kinds, raw)
	}
	noSecrets("graph API", raw)
	page = body(t, must(osaka.Get(s.URL+"/graph?node="+url.QueryEscape("report:"+osakaID))))
	if !strings.Contains(page, `id="graph-table"`) || !strings.Contains(page, osakaReceipt) {
		t.Error("graph page lacks its table")
	}
	noSecrets("graph page", page)
	if resp := must(osaka.Get(s.URL + "/graph?node=report:" + tokyoID)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("graph around the Tokyo report: %d, want 404", resp.StatusCode)
	}
	if code, _ := apiGet(t, s, token, "/api/v1/reports/"+tokyoID+"/links", nil); code != http.StatusNotFound {
		t.Errorf("links of the Tokyo report: %d, want 404", code)
	}

	// Search: the Osaka report, and a count of the others.
	page = html.UnescapeString(body(t, must(osaka.Get(s.URL+"/search?q="+url.QueryEscape("090-1234-5678")))))
	if !strings.Contains(page, osakaReceipt) || !strings.Contains(page, `id="search-elsewhere"`) {
		t.Error("search page: the Osaka report or the count of others is missing")
	}
	noSecrets("search page", page)
	var found struct {
		Results   []any `json:"results"`
		Elsewhere struct {
			Hidden struct {
				Count int `json:"count"`
			} `json:"hidden"`
		} `json:"elsewhere"`
	}
	code, raw = apiGet(t, s, token, "/api/v1/search?q="+url.QueryEscape("+819012345678"), &found)
	if code != http.StatusOK || len(found.Results) != 1 || found.Elsewhere.Hidden.Count != 1 {
		t.Errorf("search API: %d\n%s", code, raw)
	}
	noSecrets("search API", raw)

	// Clusters: the cluster's size counts both; its content is Osaka's only.
	code, raw = apiGet(t, s, token, "/api/v1/clusters/"+strconv.FormatInt(links.Cluster.ID, 10), nil)
	if code != http.StatusOK || !strings.Contains(raw, osakaReceipt) || !strings.Contains(raw, `"members_total":1`) {
		t.Errorf("cluster API: %d\n%s", code, raw)
	}
	noSecrets("cluster API", raw)
	page = body(t, must(osaka.Get(s.URL+"/clusters/"+strconv.FormatInt(links.Cluster.ID, 10))))
	noSecrets("cluster page", page)
	if !regexp.MustCompile(`閲覧権限のない記録が1都道府県に1件あります（\d{4}年\d+月\d+日 \d+:\d+以降）`).MatchString(page) {
		t.Error("cluster page does not say since when the records Osaka cannot see date")
	}

	// The NPA sees both in full.
	npa := s.Login(t, "npa@npa.example", pw)
	page = html.UnescapeString(body(t, must(npa.Get(s.URL+"/observables/phone/%2B819012345678"))))
	if !strings.Contains(page, tokyoReceipt) || !strings.Contains(page, osakaReceipt) {
		t.Error("the NPA does not see both reports on the observable page")
	}
}

// TestAccessRequestIsRecorded: asking the owner for access is recorded
// and audited; asking one's own organisation, or without a reason, is refused.
func TestAccessRequestIsRecorded(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	filed(t, s, with(validForm, "description", "電話 090-5555-6666"))
	filed(t, s, with(validForm, "prefecture", "27", "description", "電話 090-5555-6666"))
	osaka := s.Login(t, "osaka@osaka.example", pw)
	tokyoOrg, _ := s.App.Tree().ByCode("pref-13")

	resp := formPost(t, osaka, s.URL+"/access-requests", map[string]string{"type": "phone", "value": "09055556666",
		"owner": strconv.FormatInt(tokyoOrg.ID, 10), "reason": ""}, "", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(t, resp), "理由") {
		t.Errorf("request without a reason: %d", resp.StatusCode)
	}
	resp = formPost(t, osaka, s.URL+"/access-requests", map[string]string{"type": "phone", "value": "09055556666",
		"owner": strconv.FormatInt(tokyoOrg.ID, 10), "reason": "同一番号の捜査のため"}, "", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=access_requested") {
		t.Fatalf("request: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	rows, err := s.App.DB.AuditOf(context.Background(), "observable", "phone:+819055556666")
	if err != nil {
		t.Fatal(err)
	}
	requested := 0
	for _, r := range rows {
		if r.Action == "observable.request_access" && r.Actor == "osaka@osaka.example" {
			requested++
		}
	}
	if requested != 1 {
		t.Errorf("%d audited requests, want 1", requested)
	}

	token := s.Token(t, "osaka@osaka.example")
	post := func(owner string) int {
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/access-requests",
			strings.NewReader(`{"type":"phone","value":"090-5555-6666","owner":"`+owner+`","reason":"捜査"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp := must(http.DefaultClient.Do(req))
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("pref-13"); code != http.StatusCreated {
		t.Errorf("API request to Tokyo: %d, want 201", code)
	}
	if code := post("pref-27"); code != http.StatusUnprocessableEntity {
		t.Errorf("API request to one's own organisation: %d, want 422", code)
	}
	if code := post("pref-01"); code != http.StatusUnprocessableEntity {
		t.Errorf("API request to an organisation without such records: %d, want 422", code)
	}
}

// TestInternationalNamesShownInUnicode: a Japanese domain is stored as
// punycode and shown in Unicode with the stored form beside it.
func TestInternationalNamesShownInUnicode(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	_, id := filed(t, s, with(validForm, "description", "偽サイト https://ドメイン.jp/login に誘導された"))
	tokyo := s.Login(t, "tokyo@mpd.example", pw)
	page := html.UnescapeString(body(t, must(tokyo.Get(s.URL+"/reports/"+id))))
	if !strings.Contains(page, "ドメイン.jp (xn--eckwd4c7c.jp)") {
		t.Error("report page does not show the domain in Unicode beside its stored form")
	}
	page = html.UnescapeString(body(t, must(tokyo.Get(s.URL+"/observables/domain/"+url.PathEscape("ドメイン.jp")))))
	if !strings.Contains(page, "ドメイン.jp (xn--eckwd4c7c.jp)") {
		t.Error("observable page does not show the domain in Unicode")
	}
}

// TestObservableLinksOfURLs: the link to a URL's page (slashes, a query)
// leads to it, from the report page as written there.
func TestObservableLinksOfURLs(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	_, id := filed(t, s, with(validForm, "description", "偽サイト https://kanri-check.jp/a/b?id=1&x=%2F に誘導された"))
	tokyo := s.Login(t, "tokyo@mpd.example", pw)
	page := body(t, must(tokyo.Get(s.URL+"/reports/"+id)))
	link := regexp.MustCompile(`href="(/observables/url[/?][^"]+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("report page has no link to the URL's page")
	}
	resp := must(tokyo.Get(s.URL + html.UnescapeString(link[1])))
	got := html.UnescapeString(body(t, resp))
	if resp.StatusCode != http.StatusOK || !strings.Contains(got, "https://kanri-check.jp/a/b?id=1&amp;x=%2F") && !strings.Contains(got, "https://kanri-check.jp/a/b?id=1&x=%2F") {
		t.Errorf("URL page via %s: %d", link[1], resp.StatusCode)
	}
}

// TestObservableURLForms: a value's page keeps the value in its path,
// slashes and all, where that path is clean; a URL ("//") goes in the query.
func TestObservableURLForms(t *testing.T) {
	for _, c := range []struct {
		o    observe.Observable
		want string
	}{
		{observe.Observable{Type: observe.Phone, Value: "+819012345678"}, "/observables/phone/+819012345678"},
		{observe.Observable{Type: observe.CIDR, Value: "203.0.113.0/24"}, "/observables/cidr/203.0.113.0/24"},
		{observe.Observable{Type: observe.BankAccount, Value: "name:みずほ銀行/新宿支店/当座/1234567"},
			"/observables/bank_account/name:" + url.PathEscape("みずほ銀行") + "/" + url.PathEscape("新宿支店") + "/" + url.PathEscape("当座") + "/1234567"},
		{observe.Observable{Type: observe.URL, Value: "http://a.example/x?y=1"}, "/observables/url?value=http%3A%2F%2Fa.example%2Fx%3Fy%3D1"},
	} {
		if got := web.ObservableURL(c.o); got != c.want {
			t.Errorf("ObservableURL(%s) = %s, want %s", c.o.Value, got, c.want)
		}
	}
}

// TestURLsHoldingSchemesInTheirPath: a URL with "://" in its path or
// query is found however it is asked for — written into the path with its
// slashes, escaped, or in ?value= — on the page and in the API, and the
// report page links to it in a form that arrives whole. Go's ServeMux used
// to redirect the path form to a cleaned path ("http:/…"), and the index
// said nobody had reported the URL. A URL that arrives merged anyway is
// not called "not seen".
func TestURLsHoldingSchemesInTheirPath(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	redirect, nested := "https://kanri-check.jp/redirect?u=https://b-check.jp/x", "http://kanri-check.jp/http://b-check.jp"
	receipt, id := filed(t, s, with(validForm, "description", "偽サイト "+redirect+" に転送され、"+nested+" も開いた"))
	tokyo := s.Login(t, "tokyo@mpd.example", pw)
	token := s.Token(t, "tokyo@mpd.example")
	report := body(t, must(tokyo.Get(s.URL+"/reports/"+id)))
	// In the path, "?" and "%" must be escaped (or they begin a query or
	// an escape); the slashes are written as they are.
	inPath := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace
	for _, u := range []string{redirect, nested} {
		for form, path := range map[string]string{"path": "url/" + inPath(u), "escaped path": "url/" + url.PathEscape(u),
			"query": "url?value=" + url.QueryEscape(u)} {
			resp := must(tokyo.Get(s.URL + "/observables/" + path))
			page := html.UnescapeString(body(t, resp))
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, receipt) || !strings.Contains(page, u) {
				t.Errorf("page of %s, asked in the %s: %d (%s), receipt shown %v", u, form, resp.StatusCode, resp.Header.Get("Location"), strings.Contains(page, receipt))
			}
			req, _ := http.NewRequest("GET", s.URL+"/api/v1/observables/"+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp = must(s.Client().Do(req))
			var got struct {
				Value       string `json:"value"`
				Occurrences []struct {
					Receipt string `json:"receipt"`
				} `json:"occurrences"`
			}
			raw := body(t, resp)
			if resp.StatusCode == http.StatusOK {
				json.Unmarshal([]byte(raw), &got)
			}
			if resp.StatusCode != http.StatusOK || got.Value != u || len(got.Occurrences) != 1 || got.Occurrences[0].Receipt != receipt {
				t.Errorf("API for %s, asked in the %s: %d (%s)\n%s", u, form, resp.StatusCode, resp.Header.Get("Location"), raw)
			}
		}
		// The report page's link to the value leads to it.
		var link string
		for _, m := range regexp.MustCompile(`href="(/observables/url[/?][^"]*)"`).FindAllStringSubmatch(report, -1) {
			page := html.UnescapeString(body(t, must(tokyo.Get(s.URL+html.UnescapeString(m[1])))))
			if strings.Contains(page, `<code class="obs-value">`+html.EscapeString(u)+`</code>`) {
				link = m[1]
			}
		}
		if link == "" {
			t.Errorf("no link on the report page leads to the page of %s", u)
		}
	}

	// Asking the owner for access comes back to the value's page, whole.
	tokyoOrg, _ := s.App.Tree().ByCode("pref-13")
	osaka := s.Login(t, "osaka@osaka.example", pw)
	resp := formPost(t, osaka, s.URL+"/access-requests", map[string]string{"type": "url", "value": nested,
		"owner": strconv.FormatInt(tokyoOrg.ID, 10), "reason": "同一URLの捜査のため"}, "", nil)
	resp.Body.Close()
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(back, "done=access_requested") {
		t.Fatalf("access request: %d to %q", resp.StatusCode, back)
	}
	resp = must(osaka.Get(s.URL + back))
	if page := html.UnescapeString(body(t, resp)); resp.StatusCode != http.StatusOK || !strings.Contains(page, nested) {
		t.Errorf("back from the access request at %s: %d", back, resp.StatusCode)
	}

	// A URL whose "//" a proxy merged before koban saw it is not "not seen".
	resp = must(tokyo.Get(s.URL + "/observables/url/http:/kanri-check.jp/http:/b-check.jp"))
	if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "まとめられて") || strings.Contains(page, "全国にありません") {
		t.Errorf("a merged URL's page: %d", resp.StatusCode)
	}
	code, raw := apiGet(t, s, token, "/api/v1/observables/url?value="+url.QueryEscape("http:/kanri-check.jp/http:/b-check.jp"), nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "observable.error.slash_merged") {
		t.Errorf("a merged URL in the API: %d\n%s", code, raw)
	}
}

// TestRelatedRecordsComeInPages: a report that shares its phone number with
// 60 others lists the 50 closest on its page and the rest on the next, with
// the total said; the API pages the same way and says the total.
func TestRelatedRecordsComeInPages(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "feed@jc3.example", "npa", auth.RolePartner, pw)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	var nd strings.Builder
	for i := range 61 {
		fmt.Fprintf(&nd, `{"kind":"report","category":"PH","description":"SMS from 090-5555-0101 (%d)","prefecture":"13","external_id":"page-%d"}`+"\n", i, i)
	}
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/reports/bulk", strings.NewReader(nd.String()))
	req.Header.Set("Authorization", "Bearer "+s.Token(t, "feed@jc3.example"))
	req.Header.Set("Content-Type", "application/x-ndjson")
	var bulk struct{ Accepted int }
	if err := json.Unmarshal([]byte(body(t, must(http.DefaultClient.Do(req)))), &bulk); err != nil || bulk.Accepted != 61 {
		t.Fatalf("bulk: %d accepted, %v", bulk.Accepted, err)
	}
	var queue struct{ Reports []struct{ ID int64 } }
	token := s.Token(t, "tokyo@mpd.example")
	apiGet(t, s, token, "/api/v1/reports?limit=1", &queue)
	if len(queue.Reports) == 0 {
		t.Fatal("the queue is empty")
	}
	id := strconv.FormatInt(queue.Reports[0].ID, 10)

	tokyo := s.Login(t, "tokyo@mpd.example", pw)
	rows := regexp.MustCompile(`<tr>\s*<td><a href="/reports/\d+">`)
	page := body(t, must(tokyo.Get(s.URL+"/reports/"+id)))
	if n := len(rows.FindAllString(page, -1)); n != 50 || !strings.Contains(page, "60件のうち1〜50件目") ||
		!strings.Contains(page, `href="/reports/`+id+`?page=2#related-heading"`) {
		t.Errorf("first page lists %d related records; range or next link missing", n)
	}
	page = body(t, must(tokyo.Get(s.URL+"/reports/"+id+"?page=2")))
	if n := len(rows.FindAllString(page, -1)); n != 10 || !strings.Contains(page, "60件のうち51〜60件目") {
		t.Errorf("second page lists %d related records, want 10", n)
	}

	var links struct {
		Related       []struct{ ID int64 }
		RelatedTotal  int `json:"related_total"`
		Limit, Offset int
	}
	apiGet(t, s, token, "/api/v1/reports/"+id+"/links?limit=25&offset=50", &links)
	if len(links.Related) != 10 || links.RelatedTotal != 60 || links.Limit != 25 || links.Offset != 50 {
		t.Errorf("API links page: %d related of %d, limit %d offset %d", len(links.Related), links.RelatedTotal, links.Limit, links.Offset)
	}
	apiGet(t, s, token, "/api/v1/reports/"+id+"/links?limit=5000", &links)
	if len(links.Related) != 60 || links.Limit != 200 {
		t.Errorf("API links with a large limit: %d related, limit %d; want all 60, limit 200", len(links.Related), links.Limit)
	}
}

// TestBankAccountsShownAsRead: an account is shown as bank, branch, account
// type in words and number — in Japanese and in English — not in its
// stored form.
func TestBankAccountsShownAsRead(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	_, id := filed(t, s, with(validForm, "description", "振込先は みずほ銀行 新宿支店 当座 1234567。次は 金融機関コード0001 支店番号123 普通 7654321 でした"))
	tokyo := s.Login(t, "tokyo@mpd.example", pw)
	page := html.UnescapeString(body(t, must(tokyo.Get(s.URL+"/reports/"+id))))
	for _, want := range []string{"みずほ銀行 新宿支店 当座 1234567", "銀行コード0001 支店コード123 普通 7654321"} {
		if !strings.Contains(page, want) {
			t.Errorf("Japanese report page lacks %q", want)
		}
	}
	// The stored form is only the second line, under the account as read.
	if regexp.MustCompile(`<a [^>]*><code>name:`).MatchString(page) || !strings.Contains(page, `<span class="canonical"><code>name:みずほ銀行/新宿支店/2/1234567</code></span>`) {
		t.Error("Japanese report page shows an account in its stored form, or not as the second line")
	}
	// The link to the account's page keeps its slashes in the path, and leads there.
	link := regexp.MustCompile(`href="(/observables/bank_account/name:[^"]+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no link to the page of the account named by bank and branch")
	}
	resp := must(tokyo.Get(s.URL + link[1]))
	if got := html.UnescapeString(body(t, resp)); resp.StatusCode != http.StatusOK || !strings.Contains(got, "みずほ銀行 新宿支店 当座 1234567") {
		t.Errorf("the account's page at %s: %d", link[1], resp.StatusCode)
	}
	page = html.UnescapeString(body(t, must(tokyo.Get(s.URL+"/graph?node=report:"+id))))
	if !strings.Contains(page, "みずほ銀行 新宿支店 当座 1234567</a>") {
		t.Error("the graph's table does not show the account as read")
	}
	page = html.UnescapeString(body(t, must(tokyo.Get(s.URL+"/reports/"+id+"?lang=en"))))
	for _, want := range []string{"みずほ銀行 新宿支店 current 1234567", "bank code 0001 branch code 123 ordinary 7654321"} {
		if !strings.Contains(page, want) {
			t.Errorf("English report page lacks %q", want)
		}
	}
}
