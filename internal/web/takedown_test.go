package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
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
