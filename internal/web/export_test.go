package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/misp"
	"github.com/koban-project/koban/internal/stix"
)

// TestRecordExportPages: an analyst downloads a report and a case for
// partners from their pages (a form, a POST per format); the download is
// in the report's history; an investigator (no intel.manage) is offered
// no form and refused; another prefecture gets 404.
func TestRecordExportPages(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "analyst@osaka.example", "pref-27", auth.RoleAnalyst, pw)
	id, receipt := fileReport(t, s, "13", "宅配業者を名乗るSMS 090-4444-5555 https://sagawa-delivery.xyz/track")
	reportPath := fmt.Sprintf("/reports/%d", id)

	an := s.Login(t, "analyst@mpd.example", pw)
	page := body(t, must(an.Get(s.URL+reportPath)))
	if !strings.Contains(page, `action="`+reportPath+`/export/stix"`) || !strings.Contains(page, `formaction="`+reportPath+`/export/misp"`) ||
		!strings.Contains(page, "STIX 2.1 でダウンロード") || !strings.Contains(page, "TLP:AMBER") {
		t.Fatal("the report page has no export form")
	}
	resp := must(an.PostForm(s.URL+reportPath+"/export/stix", nil))
	got := []byte(body(t, resp))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/stix+json;version=2.1" ||
		resp.Header.Get("Content-Disposition") != "attachment; filename*=UTF-8''koban-"+receipt+".stix.json" {
		t.Fatalf("stix: %d %v %s", resp.StatusCode, resp.Header, got)
	}
	dec := stix.NewDecoder(bytes.NewReader(got))
	n := 0
	for o, err := dec.Next(); err == nil; o, err = dec.Next() {
		n++
		if ps := stix.Validate(o); len(ps) > 0 {
			t.Errorf("%s: %v", o.ID(), ps)
		}
	}
	if n == 0 || !bytes.Contains(got, []byte("+819044445555")) {
		t.Errorf("%d objects:\n%s", n, got)
	}
	if page := body(t, must(an.Get(s.URL+reportPath))); !strings.Contains(page, "STIXで出力") {
		t.Error("the report's history does not show the export")
	}
	resp = must(an.PostForm(s.URL+reportPath+"/export/misp", nil))
	got = []byte(body(t, resp))
	if ev, err := misp.NewReader(bytes.NewReader(got)).Next(); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
		err != nil || len(misp.Validate(ev)) > 0 {
		t.Errorf("misp: %d %v %v %s", resp.StatusCode, resp.Header, err, got)
	}
	if resp := must(an.PostForm(s.URL+reportPath+"/export/pdf", nil)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown format: %d", resp.StatusCode)
	}

	// The case page, the same way.
	tokyo := s.Login(t, "tokyo@mpd.example", pw)
	p, err := s.App.Auth.TokenPrincipal(context.Background(), s.Token(t, "tokyo@mpd.example"), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.App.Cases.Open(context.Background(), p, cases.Opening{Title: "SMS詐欺", Category: "PH", Severity: "medium", Reports: []string{receipt}})
	if err != nil {
		t.Fatal(err)
	}
	casePath := fmt.Sprintf("/cases/%d", c.ID)
	if page := body(t, must(an.Get(s.URL+casePath))); !strings.Contains(page, `action="`+casePath+`/export/stix"`) {
		t.Fatal("the case page has no export form")
	}
	resp = must(an.PostForm(s.URL+casePath+"/export/misp", nil))
	got = []byte(body(t, resp))
	if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`^attachment; filename\*=UTF-8''koban-\d{4}-13-\d{5}\.misp\.json$`).MatchString(resp.Header.Get("Content-Disposition")) ||
		!bytes.Contains(got, []byte(c.Number)) {
		t.Errorf("case misp: %d %v %s", resp.StatusCode, resp.Header, got)
	}

	// Who may not.
	for _, path := range []string{reportPath, casePath} {
		if page := body(t, must(tokyo.Get(s.URL+path))); strings.Contains(page, "/export/stix") {
			t.Errorf("the investigator is offered the export on %s", path)
		}
		if resp := must(tokyo.PostForm(s.URL+path+"/export/stix", nil)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("investigator export of %s: %d", path, resp.StatusCode)
		}
	}
	osk := s.Login(t, "analyst@osaka.example", pw)
	for _, path := range []string{reportPath, casePath} {
		if resp := must(osk.PostForm(s.URL+path+"/export/stix", nil)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("Osaka export of %s: %d", path, resp.StatusCode)
		}
	}
}
