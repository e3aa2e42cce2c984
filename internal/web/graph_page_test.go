package web_test

import (
	"encoding/json"
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

// graphDrawn is what the graph page hands its script.
type graphDrawn struct {
	Root  string `json:"root"`
	Hops  int    `json:"hops"`
	Nodes []struct {
		ID, Label, Kind, Class, Link string
		Depth                        int
	} `json:"nodes"`
	Edges []struct{ From, To string } `json:"edges"`
}

var drawnRe = regexp.MustCompile(`data-graph="([^"]*)"`)

// drawnOf reads the drawing out of a graph page.
func drawnOf(t *testing.T, page string) graphDrawn {
	t.Helper()
	m := drawnRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the graph page carries no drawing")
	}
	var d graphDrawn
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &d); err != nil {
		t.Fatalf("the drawing is not JSON: %v\n%s", err, m[1])
	}
	return d
}

// tableOf returns the text of the graph's table, tags removed.
func tableOf(page string) string {
	i := strings.Index(page, `id="graph-table"`)
	j := strings.Index(page, "</table>")
	if i < 0 || j < i {
		return ""
	}
	return html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page[i:j], " "))
}

// TestGraphPageSpeaksInWords: the graph starts from the receipt number as
// officers write it (or a bare value), names every node in words — a
// report by its receipt and category in the page's language, a value by
// its type and as officers read it — never by koban's codes, shows the
// step of each link as the walk took it, and is linked from the menu.
func TestGraphPageSpeaksInWords(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	receipt, id := filed(t, s, validForm)
	other, _ := filed(t, s, with(validForm, "category", "FR", "description", "電話 090-1234-5678 から還付金の案内。口座は みずほ銀行 新宿支店 普通 1234567"))
	osakaReceipt, _ := filed(t, s, with(validForm, "prefecture", "27", "description", "大阪の件 09011112222"))
	tokyo := s.Login(t, "tokyo@mpd.example", pw)

	if page := body(t, must(tokyo.Get(s.URL+"/queue"))); !strings.Contains(page, `href="/graph"`) {
		t.Error("the menu has no link to the graph")
	}

	// The receipt, as an officer might type it: lower case, no hyphens.
	spelled := strings.ToLower(strings.ReplaceAll(receipt, "-", ""))
	resp := must(tokyo.Get(s.URL + "/graph?hops=2&node=" + url.QueryEscape(spelled)))
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("graph from %q: %d", spelled, resp.StatusCode)
	}
	d := drawnOf(t, page)
	table := tableOf(page)
	for _, want := range []string{receipt + "（フィッシング）", other + "（詐欺）", "電話番号：090-1234-5678",
		"URL：https://sagawa-check.example.com/login", "ドメイン：sagawa-check.example.com"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	labels := map[string]string{}
	for _, n := range d.Nodes {
		labels[n.ID] = n.Label
		for _, code := range []string{"report:", "phone:", "url:", "domain:", "bank_account", "hidden:"} {
			if strings.Contains(n.Label, code) {
				t.Errorf("node %s is labelled %q, with koban's code %q", n.ID, n.Label, code)
			}
		}
	}
	if d.Root != "report:"+id || labels[d.Root] != receipt+"（フィッシング）" {
		t.Errorf("root %s labelled %q", d.Root, labels[d.Root])
	}
	visible := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page[strings.Index(page, "<main"):], " ")
	for _, code := range []string{"report:" + id, "bank_account", "phone:+81"} {
		if strings.Contains(html.UnescapeString(visible), code) {
			t.Errorf("the page shows koban's code %q", code)
		}
	}
	// The steps: what the page says is what was drawn.
	count := regexp.MustCompile(`(?s)id="graph-count"[^>]*>(.*?)</p>`).FindStringSubmatch(page)
	if count == nil || !strings.Contains(html.UnescapeString(count[1]), "「"+receipt+"（フィッシング）」から2段まで") || d.Hops != 2 {
		t.Errorf("the count says %q, the drawing has %d steps", count, d.Hops)
	}
	if !strings.Contains(page, `<option value="2" selected>2段</option>`) {
		t.Error("the steps chosen are not the ones selected in the form")
	}
	steps := regexp.MustCompile(`<td>([0-9])</td>\s*</tr>`).FindAllStringSubmatch(page, -1)
	seen := map[string]bool{}
	for _, m := range steps {
		seen[m[1]] = true
	}
	if len(steps) != len(d.Edges) || !seen["1"] || !seen["2"] || seen["0"] || seen["3"] {
		t.Errorf("the table's steps %v for %d links: want 1 and 2 only, one per link", seen, len(d.Edges))
	}
	// The start box is a styled text field; nothing sets a style inline,
	// and cytoscape finds the one rule it needs in koban's own stylesheet.
	if !strings.Contains(page, `<input type="text" id="node" name="node" value="`+spelled+`"`) {
		t.Error("the start box is not a text field keeping what was typed")
	}
	if strings.Contains(page, " style=") || strings.Contains(page, "<style") {
		t.Error("the graph page has an inline style")
	}
	if !strings.Contains(page, `id="__________cytoscape_stylesheet"`) {
		t.Error("the graph page does not give cytoscape its stylesheet")
	}

	// A bank account reads as bank, branch, type in words and number.
	account := ""
	for _, n := range drawnOf(t, body(t, must(tokyo.Get(s.URL+"/graph?hops=1&node="+url.QueryEscape(other))))).Nodes {
		if n.ID == "bank_account:name:みずほ銀行/新宿支店/1/1234567" {
			account = n.Label
		}
	}
	if account != "銀行口座：みずほ銀行 新宿支店 普通 1234567" {
		t.Errorf("the bank account is labelled %q", account)
	}

	// In English, the category and the type are English.
	page = body(t, must(tokyo.Get(s.URL+"/graph?lang=en&node="+url.QueryEscape(receipt))))
	if table := tableOf(page); !strings.Contains(table, receipt+" (Phishing)") || !strings.Contains(table, "Phone number: 090-1234-5678") {
		t.Errorf("the English table:\n%s", table)
	}

	// A bare value: the phone number as written in the report.
	page = body(t, must(tokyo.Get(s.URL+"/graph?lang=ja&node="+url.QueryEscape("090-1234-5678"))))
	if d := drawnOf(t, page); d.Root != "phone:+819012345678" {
		t.Errorf("graph from a bare phone number starts at %s", d.Root)
	}
	page = body(t, must(tokyo.Get(s.URL+"/graph?node="+url.QueryEscape("https://sagawa-check.example.com/login"))))
	if d := drawnOf(t, page); d.Root != "url:https://sagawa-check.example.com/login" {
		t.Errorf("graph from a bare URL starts at %s", d.Root)
	}

	// The API starts from the receipt too, keeps one step when one is
	// asked for, and gives records their category and links their step.
	var g struct {
		Root  string
		Hops  int
		Nodes []struct{ ID, Category string }
		Edges []struct{ Depth int }
	}
	token := s.Token(t, "tokyo@mpd.example")
	if code, raw := apiGet(t, s, token, "/api/v1/graph?hops=1&node="+url.QueryEscape(spelled), &g); code != http.StatusOK ||
		g.Root != "report:"+id || g.Hops != 1 || len(g.Edges) == 0 || g.Nodes[0].Category != "PH" {
		t.Errorf("graph API from a receipt: %d\n%s", code, raw)
	}
	for _, e := range g.Edges {
		if e.Depth != 1 {
			t.Errorf("a link of a one-step graph at step %d", e.Depth)
		}
	}
	if code, _ := apiGet(t, s, token, "/api/v1/graph?node="+osakaReceipt, nil); code != http.StatusNotFound {
		t.Errorf("graph API from Osaka's receipt: %d", code)
	}

	// Nonsense is a form error; Osaka's receipt is not found, exactly like
	// a receipt nobody was given.
	resp = must(tokyo.Get(s.URL + "/graph?node=" + url.QueryEscape("振り込め詐欺")))
	if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "受付番号か、値を一つだけ") {
		t.Errorf("graph from words: %d", resp.StatusCode)
	}
	unused := unusedReceiptFor(t, s)
	hidden := must(tokyo.Get(s.URL + "/graph?node=" + osakaReceipt))
	hiddenPage := strings.ReplaceAll(body(t, hidden), osakaReceipt, "RECEIPT")
	missing := must(tokyo.Get(s.URL + "/graph?node=" + unused))
	missingPage := strings.ReplaceAll(body(t, missing), unused, "RECEIPT")
	if hidden.StatusCode != http.StatusNotFound || missing.StatusCode != http.StatusNotFound || hiddenPage != missingPage {
		t.Errorf("Osaka's receipt: %d, an unused one: %d; the pages differ: %v", hidden.StatusCode, missing.StatusCode, hiddenPage != missingPage)
	}
}

// unusedReceiptFor returns a valid receipt number no report of s holds.
func unusedReceiptFor(t *testing.T, s *apptest.Server) string {
	t.Helper()
	for range 100 {
		r := intake.NewReceipt()
		if _, err := s.App.DB.ReportIDByReceipt(t.Context(), r); err != nil {
			return r
		}
	}
	t.Fatal("no unused receipt")
	return ""
}
