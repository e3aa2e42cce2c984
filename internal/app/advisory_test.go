package app_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
)

// An analyst writes an advisory on the desk and sends it for review; a
// supervisor publishes it; the public reads it without an account on its
// page, in the Atom feed and in the JSON Feed, in Japanese and English,
// with the Markdown rendered safely; an amber one stays inside.
func TestAdvisoryThroughPages(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, "correct horse battery")
	s.AddUser(t, "sv@mpd.example", "pref-13", auth.RoleSupervisor, "correct horse battery")
	analyst := s.Login(t, "analyst@mpd.example", "correct horse battery")
	resp, err := analyst.PostForm(s.URL+"/advisories/desk", url.Values{"tlp": {"clear"}, "title_ja": {"宅配便を装うSMSに注意"}, "summary_ja": {""},
		"body_ja": {"リンクを**開かない**でください。"}, "title_en": {"Beware of SMS posing as deliveries"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "入力してください") || !strings.Contains(string(b), "英語版は題名と本文の両方") {
		t.Fatalf("an incomplete advisory: %d", resp.StatusCode)
	}
	form := url.Values{"tlp": {"clear"}, "title_ja": {"宅配便を装うSMSに注意"}, "summary_ja": {"不在通知を装うSMSが増えています。"},
		"body_ja": {"リンクを**開かない**でください。<script>alert(1)</script>"}, "title_en": {"Beware of SMS posing as deliveries"},
		"summary_en": {"SMS posing as missed-delivery notices are rising."}, "body_en": {"Do **not** open the link."}}
	resp, err = analyst.PostForm(s.URL+"/advisories/desk", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/advisories/desk/\d+\?done=advisory_saved$`).MatchString(loc) {
		t.Fatalf("create: %d %q", resp.StatusCode, loc)
	}
	desk := strings.Split(loc, "?")[0]
	post := func(c *http.Client, path string, want int) {
		t.Helper()
		resp, err := c.PostForm(s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	post(analyst, desk+"/submit", http.StatusSeeOther)
	post(analyst, desk+"/publish", http.StatusForbidden) // an analyst does not publish
	public := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if list := getPage(t, public, s.URL+"/advisories", http.StatusOK); strings.Contains(list, "宅配便を装うSMS") {
		t.Fatal("public before publication")
	}
	if home := getPage(t, public, s.URL+"/", http.StatusOK); strings.Contains(home, "宅配便を装うSMS") {
		t.Fatal("on the home page before publication")
	}
	sv := s.Login(t, "sv@mpd.example", "correct horse battery")
	post(sv, desk+"/publish", http.StatusSeeOther)
	list := getPage(t, public, s.URL+"/advisories", http.StatusOK)
	m := regexp.MustCompile(`href="(/advisories/ADV-\d{4}-\d{4})">宅配便を装うSMSに注意`).FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("the public list lacks the advisory:\n%s", list)
	}
	if home := getPage(t, public, s.URL+"/", http.StatusOK); !strings.Contains(home, `href="`+m[1]+`">宅配便を装うSMSに注意</a>`) {
		t.Error("the report form's home page does not name the advisory")
	}
	page := getPage(t, public, s.URL+m[1], http.StatusOK)
	if !strings.Contains(page, "<strong>開かない</strong>") || strings.Contains(page, "<script>alert") {
		t.Errorf("the public page renders the body unsafely or not at all")
	}
	if en := getPage(t, public, s.URL+m[1]+"?lang=en", http.StatusOK); !strings.Contains(en, "Beware of SMS posing as deliveries") {
		t.Error("the English page lacks the English title")
	}
	resp, err = public.Get(s.URL + "/advisories.atom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var feed struct {
		Entries []struct {
			ID    string `xml:"id"`
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &feed); err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") || len(feed.Entries) != 1 ||
		feed.Entries[0].Title != "宅配便を装うSMSに注意" || feed.Entries[0].Link.Href != s.URL+m[1] {
		t.Fatalf("Atom: %v %+v\n%s", err, feed, body)
	}
	resp, err = public.Get(s.URL + "/advisories.json?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	var jf struct {
		Version string `json:"version"`
		Items   []struct {
			ID, Title string
		} `json:"items"`
	}
	err = json.NewDecoder(resp.Body).Decode(&jf)
	resp.Body.Close()
	if err != nil || jf.Version != "https://jsonfeed.org/version/1.1" || len(jf.Items) != 1 || jf.Items[0].ID != feed.Entries[0].ID || jf.Items[0].Title != "Beware of SMS posing as deliveries" {
		t.Errorf("JSON feed: %+v %v", jf, err)
	}
	// An amber advisory, published, stays off the public pages and feeds.
	form.Set("tlp", "amber")
	form.Set("title_ja", "関係機関向けの注意")
	resp, err = analyst.PostForm(s.URL+"/advisories/desk", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	amber := strings.Split(resp.Header.Get("Location"), "?")[0]
	post(analyst, amber+"/submit", http.StatusSeeOther)
	post(sv, amber+"/publish", http.StatusSeeOther)
	if list := getPage(t, public, s.URL+"/advisories.atom", http.StatusOK); strings.Contains(list, "関係機関向け") {
		t.Error("an amber advisory is in the public feed")
	}
	if desk := getPage(t, analyst, s.URL+"/advisories/desk", http.StatusOK); !strings.Contains(desk, "関係機関向けの注意") {
		t.Error("the desk lacks the amber advisory")
	}
}
