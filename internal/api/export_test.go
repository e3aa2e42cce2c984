package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/misp"
	"github.com/koban-project/koban/internal/stix"
)

// download GETs a path with a token and returns the answer whole.
func download(t *testing.T, url, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// errorCode is the code of the first problem of an error answer.
func errorCode(t *testing.T, b []byte) string {
	t.Helper()
	var out struct{ Errors []problem }
	if err := json.Unmarshal(b, &out); err != nil || len(out.Errors) == 0 {
		t.Fatalf("not an error answer: %s", b)
	}
	return out.Errors[0].Code
}

func TestExportAPI(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	s.AddUser(t, "investigator@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "analyst@osaka.example", "pref-27", auth.RoleAnalyst, pw)
	analyst, investigator, osaka := s.Token(t, "analyst@mpd.example"), s.Token(t, "investigator@mpd.example"), s.Token(t, "analyst@osaka.example")
	rc, err := s.App.Intake.Submit(ctx, intake.Submission{Kind: intake.KindReport, Category: "FR", Prefecture: "13",
		Description: "電話 090-4444-5555 の男に みずほ銀行（0001） 新宿支店（001） 普通 1234567 へ振り込まされた。私の番号は 090-1111-2222 です。",
		Contact:     intake.Contact{Name: "山田花子", Phone: "090-1111-2222", Email: "hanako@yamada-family.jp"}, Consent: true,
		OccurredAt: time.Now().Add(-time.Hour)}, intake.Origin{Source: "web", IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	report := fmt.Sprintf("%s/api/v1/reports/%d", s.URL, rc.ReportID)

	// STIX: a bundle to download, every object valid and marked, nothing of
	// the reporter.
	resp, body := download(t, report+"/stix", analyst)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stix: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/stix+json;version=2.1" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != "attachment; filename*=UTF-8''koban-"+rc.Receipt+".stix.json" {
		t.Errorf("Content-Disposition %q", cd)
	}
	if resp.Header.Get("X-Koban-TLP") != "TLP:AMBER" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", resp.Header)
	}
	objects := 0
	dec := stix.NewDecoder(bytes.NewReader(body))
	for o, err := dec.Next(); err == nil; o, err = dec.Next() {
		objects++
		if ps := stix.Validate(o); len(ps) > 0 {
			t.Errorf("%s: %v", o.ID(), ps)
		}
		if o.Type() != "marking-definition" && o.Type() != "extension-definition" && o.Type() != "identity" && stix.TLPOf(o) != stix.TLPAmber {
			t.Errorf("%s marked %v", o.ID(), stix.TLPOf(o))
		}
	}
	for _, bit := range []string{"山田", "花子", "9011112222", "hanako", "yamada-family"} {
		if bytes.Contains(body, []byte(bit)) {
			t.Errorf("the export holds the reporter's %q", bit)
		}
	}
	if !bytes.Contains(body, []byte("+819044445555")) || !bytes.Contains(body, []byte("0001-001-1-1234567")) {
		t.Errorf("the export lacks the report's values:\n%s", body)
	}
	rows, err := s.App.DB.AuditOf(ctx, "report", strconv.FormatInt(rc.ReportID, 10))
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, r := range rows {
		if r.Action == "report.export_stix" && strings.Contains(r.Detail, fmt.Sprintf(`"objects":%d`, objects)) && strings.Contains(r.Detail, `"format":"stix"`) {
			audited = true
		}
	}
	if !audited {
		t.Errorf("no report.export_stix row with %d objects: %+v", objects, rows)
	}

	// MISP: one event koban's validator accepts.
	resp, body = download(t, report+"/misp", analyst)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("misp: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	ev, err := misp.NewReader(bytes.NewReader(body)).Next()
	if err != nil {
		t.Fatal(err)
	}
	if ps := misp.Validate(ev); len(ps) > 0 || misp.TLP(ev.Tags) != "amber" || len(ev.Attributes) == 0 {
		t.Errorf("event: %v %+v", ps, ev)
	}

	// Who may: a token, the role (403 whatever the record), the record in
	// sight (404 exactly like a missing one).
	if resp, b := download(t, report+"/stix", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d %s", resp.StatusCode, b)
	}
	if resp, b := download(t, report+"/stix", investigator); resp.StatusCode != http.StatusForbidden || errorCode(t, b) != "error.forbidden" {
		t.Errorf("investigator: %d %s", resp.StatusCode, b)
	}
	_, hidden := download(t, report+"/misp", osaka)
	resp, missing := download(t, s.URL+"/api/v1/reports/99999999/misp", osaka)
	if resp.StatusCode != http.StatusNotFound || !bytes.Equal(hidden, missing) || errorCode(t, missing) != "error.not_found" {
		t.Errorf("out of sight %s, missing %d %s", hidden, resp.StatusCode, missing)
	}

	// A case, with its report.
	p, err := s.App.Auth.TokenPrincipal(ctx, investigator, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.App.Cases.Open(ctx, p, cases.Opening{Title: "宅配業者を装う詐欺", Category: "FR", Severity: "high", Reports: []string{rc.Receipt}})
	if err != nil {
		t.Fatal(err)
	}
	kase := fmt.Sprintf("%s/api/v1/cases/%d", s.URL, c.ID)
	resp, body = download(t, kase+"/stix", analyst)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"type":"incident"`)) || !bytes.Contains(body, []byte(`"type":"grouping"`)) ||
		!bytes.Contains(body, []byte(rc.Receipt)) || !strings.Contains(resp.Header.Get("Content-Disposition"), "koban-"+c.Number+".stix.json") {
		t.Errorf("case stix: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	resp, body = download(t, kase+"/misp", analyst)
	if ev, err := misp.NewReader(bytes.NewReader(body)).Next(); resp.StatusCode != http.StatusOK || err != nil || len(misp.Validate(ev)) > 0 {
		t.Errorf("case misp: %d %v %s", resp.StatusCode, err, body)
	}
	caseRows, _ := s.App.DB.AuditOf(ctx, "case", strconv.FormatInt(c.ID, 10))
	var actions []string
	for _, r := range caseRows {
		actions = append(actions, r.Action)
	}
	if !strings.Contains(strings.Join(actions, " "), "case.export_stix case.export_misp") {
		t.Errorf("case audit %v", actions)
	}
	if resp, b := download(t, kase+"/stix", investigator); resp.StatusCode != http.StatusForbidden {
		t.Errorf("investigator, case: %d %s", resp.StatusCode, b)
	}
	_, hidden = download(t, kase+"/stix", osaka)
	resp, missing = download(t, s.URL+"/api/v1/cases/99999999/stix", osaka)
	if resp.StatusCode != http.StatusNotFound || !bytes.Equal(hidden, missing) {
		t.Errorf("case out of sight %s, missing %d %s", hidden, resp.StatusCode, missing)
	}
}
