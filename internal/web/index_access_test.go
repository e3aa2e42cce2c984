package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// indexViewer is an officer of one organisation, signed in on the pages and
// holding an API token, with the values the records they may see hold.
type indexViewer struct {
	org   string
	holds []string // values of the records the officer may see
	own   string   // the id of a report the officer may see
	token string
	web   *http.Client
}

// mentions reports whether page names value v on its own: 203.0.113.1 is
// not mentioned by 203.0.113.13.
func mentions(page, v string) bool {
	for i := 0; ; {
		j := strings.Index(page[i:], v)
		if j < 0 {
			return false
		}
		end := i + j + len(v)
		if end == len(page) || !strings.ContainsRune("0123456789abcdefghijklmnopqrstuvwxyz", rune(page[end])) {
			return true
		}
		i = end
	}
}

var codeRe = regexp.MustCompile(`<code[^>]*>([^<]*)</code>`)

// codesIn returns the values shown in <code> inside the element with id.
func codesIn(page, id string) []string {
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		return []string{}
	}
	rest := page[start:]
	if end := strings.Index(rest, "</ul>"); end >= 0 {
		rest = rest[:end]
	}
	out := []string{}
	for _, m := range codeRe.FindAllStringSubmatch(rest, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestIndexListsOnlyValuesTheViewerMaySee: officers of Tokyo, Osaka and
// Hokkaido and of the NPA read the index through every page and API call
// that lists values — a range's addresses, an address's ranges, a report's
// links, a cluster's top values, the graph, the list of clusters — and
// see the values of the records they may see, and of the others only how
// many there are. Before, looking up 0.0.0.0/0 listed every stored address
// whoever held it.
func TestIndexListsOnlyValuesTheViewerMaySee(t *testing.T) {
	s := apptest.Start(t)
	const phone = "+819044441111"
	tokyo := []string{phone, "0.0.0.0/0", "203.0.113.0/28", "203.0.113.13", "boss@tokyo-gang.jp"}
	osaka := []string{phone, "203.0.113.0/24", "203.0.113.27", "boss@osaka-gang.jp"}
	hokkaido := []string{phone, "203.0.113.1", "boss@sapporo-gang.jp"}
	_, tokyoID := filed(t, s, with(validForm, "prefecture", "13",
		"description", "電話 090-4444-1111 の指示で 0.0.0.0/0 と 203.0.113.0/28 を調べたら、サーバ 203.0.113.13 と boss@tokyo-gang.jp が出てきた"))
	_, osakaID := filed(t, s, with(validForm, "prefecture", "27",
		"description", "電話 090-4444-1111 から。範囲 203.0.113.0/24 のサーバ 203.0.113.27、連絡先 boss@osaka-gang.jp"))
	_, hokkaidoID := filed(t, s, with(validForm, "prefecture", "01",
		"description", "電話 090-4444-1111 から。サーバ 203.0.113.1、連絡先 boss@sapporo-gang.jp"))
	everything := slices.Concat(tokyo, osaka, hokkaido)
	viewers := map[string]*indexViewer{
		"pref-13": {holds: tokyo, own: tokyoID},
		"pref-27": {holds: osaka, own: osakaID},
		"pref-01": {holds: hokkaido, own: hokkaidoID},
		"npa":     {holds: everything, own: tokyoID},
	}
	for code, v := range viewers {
		email := code + "@police.example"
		s.AddUser(t, email, code, auth.RoleInvestigator, pw)
		v.org, v.token, v.web = code, s.Token(t, email), s.Login(t, email, pw)
	}

	for _, c := range []struct {
		viewer, path string
		related      []string
		hidden       int
	}{
		{"pref-13", "cidr/0.0.0.0/0", []string{"203.0.113.13"}, 2},
		{"pref-27", "cidr/0.0.0.0/0", []string{"203.0.113.27"}, 2},
		{"pref-01", "cidr/0.0.0.0/0", []string{"203.0.113.1"}, 2},
		{"npa", "cidr/0.0.0.0/0", []string{"203.0.113.1", "203.0.113.13", "203.0.113.27"}, 0},
		{"pref-27", "cidr/203.0.113.0/28", []string{}, 2},
		{"pref-13", "ipv4/203.0.113.1", []string{"203.0.113.0/28"}, 1},
		{"pref-27", "ipv4/203.0.113.1", []string{"203.0.113.0/24"}, 1},
		{"pref-01", "ipv4/203.0.113.1", []string{}, 2},
		{"npa", "ipv4/203.0.113.1", []string{"203.0.113.0/24", "203.0.113.0/28"}, 0},
	} {
		t.Run(c.viewer+" looks up "+c.path, func(t *testing.T) {
			v := viewers[c.viewer]
			looked := c.path[strings.Index(c.path, "/")+1:]
			var got struct {
				Related []struct {
					Value string `json:"value"`
				} `json:"related"`
				RelatedHidden int `json:"related_hidden"`
			}
			code, raw := apiGet(t, s, v.token, "/api/v1/observables/"+c.path, &got)
			values := []string{}
			for _, r := range got.Related {
				values = append(values, r.Value)
			}
			if code != http.StatusOK || !slices.Equal(values, c.related) || got.RelatedHidden != c.hidden {
				t.Errorf("API: %d, related %v and %d more; want %v and %d more\n%s", code, values, got.RelatedHidden, c.related, c.hidden, raw)
			}
			resp := must(v.web.Get(s.URL + "/observables/" + c.path))
			page := body(t, resp)
			if shown := codesIn(page, "related-values"); resp.StatusCode != http.StatusOK || !slices.Equal(shown, c.related) {
				t.Errorf("page: %d, related %v, want %v", resp.StatusCode, shown, c.related)
			}
			said := regexp.MustCompile(`id="related-values-hidden">[^<]*が` + strconv.Itoa(c.hidden) + `件あります`).MatchString(page)
			if c.hidden > 0 && !said {
				t.Errorf("page does not say that %d more are in records the officer cannot see", c.hidden)
			}
			if c.hidden == 0 && strings.Contains(page, `id="related-values-hidden"`) {
				t.Error("page counts hidden related values where there are none")
			}
			for _, f := range everything {
				if f != looked && !slices.Contains(v.holds, f) && (mentions(raw, f) || mentions(html.UnescapeString(page), f)) {
					t.Errorf("the lookup of %s names %s, which only records %s may not see hold", looked, f, c.viewer)
				}
			}
		})
	}

	for _, code := range []string{"pref-13", "pref-27", "pref-01", "npa"} {
		v := viewers[code]
		t.Run(code+" reads links, clusters and graphs", func(t *testing.T) {
			noLeak := func(where, text string, except ...string) {
				t.Helper()
				text = html.UnescapeString(text)
				for _, f := range everything {
					if !slices.Contains(v.holds, f) && !slices.Contains(except, f) && mentions(text, f) {
						t.Errorf("%s names %s, which only records %s may not see hold", where, f, code)
					}
				}
			}
			var links struct {
				Observables []struct {
					Value string `json:"value"`
				} `json:"observables"`
				Cluster struct {
					ID   int64 `json:"id"`
					Size int   `json:"size"`
				} `json:"cluster"`
			}
			status, raw := apiGet(t, s, v.token, "/api/v1/reports/"+v.own+"/links", &links)
			if status != http.StatusOK || len(links.Observables) == 0 || links.Cluster.Size != 3 {
				t.Fatalf("links API: %d\n%s", status, raw)
			}
			noLeak("links API", raw)
			noLeak("report page", body(t, must(v.web.Get(s.URL+"/reports/"+v.own))))

			cluster := strconv.FormatInt(links.Cluster.ID, 10)
			var c struct {
				Top []struct {
					Value string `json:"value"`
				} `json:"top_observables"`
			}
			status, raw = apiGet(t, s, v.token, "/api/v1/clusters/"+cluster, &c)
			if status != http.StatusOK || !slices.ContainsFunc(c.Top, func(o struct {
				Value string `json:"value"`
			}) bool {
				return o.Value == phone
			}) {
				t.Errorf("cluster API: %d, want the shared number among its top values\n%s", status, raw)
			}
			noLeak("cluster API", raw)
			noLeak("cluster page", body(t, must(v.web.Get(s.URL+"/clusters/"+cluster))))
			for _, order := range []string{"size", "growth"} {
				_, raw = apiGet(t, s, v.token, "/api/v1/clusters?order="+order, nil)
				noLeak("clusters API", raw)
				noLeak("clusters page", body(t, must(v.web.Get(s.URL+"/clusters?order="+order))))
			}

			for _, root := range []string{"phone:" + phone, "report:" + v.own, "cidr:0.0.0.0/0", "ipv4:203.0.113.1"} {
				_, value, _ := strings.Cut(root, ":")
				var g struct {
					Nodes []struct {
						Kind, Type, Label string
					} `json:"nodes"`
				}
				q := url.Values{"node": {root}, "hops": {"4"}}.Encode()
				status, raw = apiGet(t, s, v.token, "/api/v1/graph?"+q, &g)
				if status != http.StatusOK || len(g.Nodes) == 0 {
					t.Errorf("graph API from %s: %d\n%s", root, status, raw)
				}
				noLeak(fmt.Sprintf("graph API from %s", root), raw, value)
				noLeak(fmt.Sprintf("graph page from %s", root), body(t, must(v.web.Get(s.URL+"/graph?"+q))), value)
			}
		})
	}
}
