package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// apiSearch calls GET /api/v1/search with a bearer token and returns the
// status and the decoded body.
func apiSearch(t *testing.T, s *apptest.Server, token, query string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/search?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp := must(http.DefaultClient.Do(req))
	var out map[string]any
	if err := json.Unmarshal([]byte(body(t, resp)), &out); err != nil {
		t.Fatalf("search %s: %v", query, err)
	}
	return resp.StatusCode, out
}

func TestSearchPage(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleIntake, pw)
	path := submit(t, s, validForm)
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+path))))[1]
	submit(t, s, with(validForm, "prefecture", "27", "description", "大阪で偽の宅配SMSを受け取った"))

	// The queue page offers a search box that leads to the search page.
	tokyo := s.Login(t, "tokyo@mpd.example", pw)
	queue := body(t, must(tokyo.Get(s.URL+"/queue")))
	for _, want := range []string{`action="/search" role="search"`, `<label for="queue-search">`, `id="queue-search" name="q"`} {
		if !strings.Contains(queue, want) {
			t.Errorf("queue page lacks %s", want)
		}
	}
	// The empty search page: a labelled box and no results yet.
	page := body(t, must(tokyo.Get(s.URL+"/search")))
	for _, want := range []string{`<label for="q">検索語</label>`, `aria-describedby="h-q"`, `role="search"`} {
		if !strings.Contains(page, want) {
			t.Errorf("empty search page lacks %s", want)
		}
	}
	if strings.Contains(page, `id="search-count"`) {
		t.Error("the empty search page shows a result count")
	}

	// The Tokyo officer finds the Tokyo report, full-width query and all.
	resp := must(tokyo.Get(s.URL + "/search?q=" + url.QueryEscape("宅配　ＳＭＳ")))
	page = body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search: %d", resp.StatusCode)
	}
	if reportIDFromQueue(t, page, receipt) == "" {
		t.Errorf("Tokyo search does not list the Tokyo report %s:\n%s", receipt, page)
	}
	for _, want := range []string{"「宅配　ＳＭＳ」の検索結果：1件", `偽の<mark>宅配SMS</mark>のリンク`, `<th scope="col">一致した箇所</th>`,
		`aria-labelledby="search-count"`, `value="宅配　ＳＭＳ"`} {
		if !strings.Contains(page, want) {
			t.Errorf("Tokyo results lack %s", want)
		}
	}
	if strings.Contains(page, "大阪で偽の") {
		t.Error("Tokyo results show the Osaka report")
	}
	// The reporter's contact details are not searchable and not shown.
	page = body(t, must(tokyo.Get(s.URL+"/search?q=victim%40example.jp")))
	if !strings.Contains(page, "：0件") || strings.Contains(page, "<mark>") {
		t.Error("contact e-mail found by search")
	}

	// Osaka: zero results for the Tokyo report's words.
	osaka := s.Login(t, "osaka@osaka.example", pw)
	page = body(t, must(osaka.Get(s.URL+"/search?q="+url.QueryEscape("sagawa-check"))))
	if !strings.Contains(page, "「sagawa-check」の検索結果：0件") || !strings.Contains(page, "一致する記録はありません") || strings.Contains(page, receipt) {
		t.Errorf("Osaka search for a Tokyo report:\n%s", page)
	}
	// An empty query is an error at the box, in English as well.
	resp = must(osaka.Get(s.URL + "/search?q=+&lang=en"))
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Enter a search term.") ||
		!strings.Contains(page, `href="#f-q"`) || !strings.Contains(page, `aria-invalid="true"`) {
		t.Errorf("empty query: %d\n%s", resp.StatusCode, page)
	}
	// Signed out: to the sign-in page.
	if resp := must(s.Client().Get(s.URL + "/search?q=sms")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// What the reporter adds on the status page becomes searchable.
	resp = formPost(t, s.Client(), s.URL+path, map[string]string{"body": "追加: 相手のLINE IDは scam_jp です"}, "", nil)
	resp.Body.Close()
	page = body(t, must(tokyo.Get(s.URL+"/search?q=scam")))
	if reportIDFromQueue(t, page, receipt) == "" {
		t.Error("the reporter's added information is not found")
	}
}

func TestSearchAPI(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleIntake, pw)
	s.AddUser(t, "feed@jc3.example", "npa", auth.RolePartner, pw)
	path := submit(t, s, validForm)
	receipt := receiptRe.FindStringSubmatch(body(t, must(s.Client().Get(s.URL+path))))[1]
	submit(t, s, with(validForm, "description", "二件目：宅配業者を装うSMS"))
	tokyo, osaka, partner := s.Token(t, "tokyo@mpd.example"), s.Token(t, "osaka@osaka.example"), s.Token(t, "feed@jc3.example")

	// The phone number as the extractor normalised it (+ must be escaped in a URL).
	status, out := apiSearch(t, s, tokyo, "q="+url.QueryEscape("+819012345678"))
	if status != http.StatusOK || out["total"] != float64(1) {
		t.Fatalf("phone search: %d %v", status, out)
	}
	results, _ := out["results"].([]any)
	if len(results) != 1 {
		t.Fatalf("results: %v", out["results"])
	}
	hit := results[0].(map[string]any)
	var keys []string
	for k := range hit {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"category", "created_at", "id", "kind", "org", "prefecture", "receipt", "snippet", "status", "type", "urgent"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("result fields %v, want %v", keys, want)
	}
	if hit["receipt"] != receipt || hit["org"] != "pref-13" || hit["prefecture"] != "13" || hit["kind"] != "report" || hit["type"] != "report" ||
		hit["category"] != "PH" || hit["status"] != "new" || !strings.Contains(hit["snippet"].(string), "送信元 090-1234-5678") {
		t.Errorf("hit %v", hit)
	}
	if strings.Contains(hit["snippet"].(string), "victim") {
		t.Errorf("snippet shows contact details: %v", hit["snippet"])
	}

	// Newest first, with paging by cursor; total counts all.
	status, out = apiSearch(t, s, tokyo, "q=sms&limit=1")
	next, _ := out["next"].(string)
	if status != http.StatusOK || out["total"] != float64(2) || out["total_is_lower_bound"] != false || next == "" {
		t.Fatalf("first page of one: %d %v", status, out)
	}
	status, out = apiSearch(t, s, tokyo, "q=sms&limit=1&cursor="+url.QueryEscape(next))
	results, _ = out["results"].([]any)
	if status != http.StatusOK || out["total"] != float64(2) || len(results) != 1 || results[0].(map[string]any)["receipt"] != receipt ||
		out["next"] != nil {
		t.Errorf("second page of one: %d %v", status, out)
	}
	if status, out := apiSearch(t, s, tokyo, "q=sms&cursor=12.nope.3"); status != http.StatusUnprocessableEntity ||
		!strings.Contains(mustJSON(out), "search.error.cursor") {
		t.Errorf("bad cursor: %d %v", status, out)
	}
	status, out = apiSearch(t, s, tokyo, "q=sms")
	results, _ = out["results"].([]any)
	if len(results) != 2 || results[1].(map[string]any)["receipt"] != receipt {
		t.Errorf("newest first: %v", out)
	}

	// Osaka: an empty list, not null, for the same query.
	status, out = apiSearch(t, s, osaka, "q=sms")
	if status != http.StatusOK || out["total"] != float64(0) || out["results"] == nil || len(out["results"].([]any)) != 0 {
		t.Errorf("Osaka: %d %v", status, out)
	}
	// An empty query: 422 naming the field; a partner: 403; no token: 401.
	status, out = apiSearch(t, s, tokyo, "q=%E3%80%80&lang=en")
	errs, _ := out["errors"].([]any)
	if status != http.StatusUnprocessableEntity || len(errs) != 1 || errs[0].(map[string]any)["field"] != "q" ||
		errs[0].(map[string]any)["code"] != "search.error.empty" || errs[0].(map[string]any)["message"] != "Enter a search term." {
		t.Errorf("empty query: %d %v", status, out)
	}
	status, out = apiSearch(t, s, tokyo, "q=1+2+3+4+5+6+7+8+9+10+11")
	if status != http.StatusUnprocessableEntity || !strings.Contains(mustJSON(out), "search.error.too_many_terms") {
		t.Errorf("eleven terms: %d %v", status, out)
	}
	if status, _ := apiSearch(t, s, partner, "q=sms"); status != http.StatusForbidden {
		t.Errorf("partner: %d", status)
	}
	if status, _ := apiSearch(t, s, "kbn_made_up", "q=sms"); status != http.StatusUnauthorized {
		t.Errorf("bad token: %d", status)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
