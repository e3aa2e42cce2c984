package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/bundle"
)

// upload posts a file as multipart with the given fields.
func (c client) upload(path string, fields map[string]string, name string, content []byte) (int, map[string]any) {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &b)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

func (c client) send(req *http.Request) (int, map[string]any) {
	c.t.Helper()
	req.Header.Set("Accept-Language", "ja")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := decodeBody(resp.Body, &out); err != nil {
		c.t.Fatalf("%s %s: %d, not JSON: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

func decodeBody(r io.Reader, out *map[string]any) error {
	b, err := io.ReadAll(r)
	if err != nil || len(b) == 0 {
		return err
	}
	return json.Unmarshal(b, out)
}

// TestCaseEvidenceAPI: a file by multipart and a seized phone by JSON
// (strictly read), the list, an item with its custody log, a hand-over, a
// verification and the download; an analyst may read but not add, another
// prefecture gets 404.
func TestCaseEvidenceAPI(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, "a long enough passphrase")
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, "a long enough passphrase")
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, "a long enough passphrase")
	tokyo := client{t, s.URL, s.Token(t, "tokyo@mpd.example")}
	analyst := client{t, s.URL, s.Token(t, "analyst@mpd.example")}
	osaka := client{t, s.URL, s.Token(t, "osaka@osaka.example")}
	status, c := tokyo.do("POST", "/api/v1/cases", `{"title": "ランサムウェア被害", "category": "MW", "severity": "high"}`)
	if status != http.StatusCreated {
		t.Fatalf("open: %d %v", status, c)
	}
	base := fmt.Sprintf("/api/v1/cases/%v/evidence", c["id"])

	log := []byte("2026-01-05 03:12:44 vpn login admin from 203.0.113.50\n")
	status, ev := tokyo.upload(base, map[string]string{"description": "VPN機器のログ", "received_from": "被害企業", "collected_at": "2026-01-05T09:30:00+09:00"},
		"vpn.log", log)
	sum := sha256.Sum256(log)
	if status != http.StatusCreated || ev["sha256"] != hex.EncodeToString(sum[:]) || ev["size"] != float64(len(log)) || ev["name"] != "vpn.log" ||
		ev["kind"] != "file" || ev["collected_at"] != "2026-01-05T00:30:00Z" || ev["received_from"] != "被害企業" {
		t.Fatalf("upload: %d %v", status, ev)
	}
	item := fmt.Sprintf("%s/%v", base, ev["id"])
	if status, out := tokyo.upload(base, map[string]string{"description": "no file"}, "", nil); status != http.StatusUnprocessableEntity || firstProblem(out) != "file:case.evidence.error.file_required" {
		t.Errorf("upload without a file: %d %v", status, out)
	}
	status, phone := tokyo.do("POST", base, `{"kind": "physical", "name": "ノートPC", "serial": "SN-1234", "location": "保管庫 A-3"}`)
	if status != http.StatusCreated || phone["location"] != "保管庫 A-3" || phone["kind"] != "physical" {
		t.Fatalf("physical: %d %v", status, phone)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"kind": "physical", "name": "PC", "location": "x", "owner": "me"}`, "400"},
		{`{"kind": "physical", "name": "PC"`, "400"},
		{`{"kind": "file", "name": "PC"}`, "kind:api.error.evidence_kind"},
		{`{"kind": "physical", "name": "PC"}`, "location:case.evidence.error.location_required"},
	} {
		status, out := tokyo.do("POST", base, tc.body)
		if got := firstProblem(out); (tc.want == "400" && status != http.StatusBadRequest) || (tc.want != "400" && got != tc.want) {
			t.Errorf("%s: %d %s", tc.body, status, got)
		}
	}

	status, list := tokyo.do("GET", base, "")
	if items, _ := list["evidence"].([]any); status != http.StatusOK || len(items) != 2 || list["can_export"] != true {
		t.Errorf("list: %d %v", status, list)
	}
	if status, out := tokyo.do("POST", item+"/custody", `{"action": "handed_over", "party": "科学捜査研究所"}`); status != http.StatusCreated || out["action"] != "handed_over" {
		t.Errorf("custody: %d %v", status, out)
	}
	if status, out := tokyo.do("POST", item+"/custody", `{"action": "viewed"}`); status != http.StatusUnprocessableEntity || firstProblem(out) != "action:case.evidence.error.action" {
		t.Errorf("custody by hand of a view: %d %v", status, out)
	}
	if status, out := tokyo.do("POST", item+"/verify", ""); status != http.StatusOK || out["ok"] != true {
		t.Errorf("verify: %d %v", status, out)
	}
	req, _ := http.NewRequest("GET", s.URL+item+"/file", nil)
	req.Header.Set("Authorization", "Bearer "+tokyo.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, log) || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Disposition") != "attachment; filename*=UTF-8''vpn.log" ||
		resp.Header.Get("X-Koban-SHA256") != hex.EncodeToString(sum[:]) {
		t.Errorf("download: %d %q %v", resp.StatusCode, got, resp.Header)
	}
	status, out := analyst.do("GET", item, "")
	var actions []string
	for _, e := range out["custody"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	if status != http.StatusOK || fmt.Sprint(actions) != "[collected handed_over verified downloaded viewed]" || out["evidence"].(map[string]any)["holder"] != "科学捜査研究所" {
		t.Errorf("item as the analyst: %d %v", status, out)
	}
	if status, _ := analyst.upload(base, nil, "x.txt", []byte("x")); status != http.StatusForbidden {
		t.Errorf("analyst upload: %d", status)
	}
	for _, path := range []string{base, item, item + "/file"} {
		if status, _ := osaka.do("GET", path, ""); status != http.StatusNotFound {
			t.Errorf("Osaka GET %s: %d", path, status)
		}
	}
	if status, _ := osaka.upload(base, nil, "x.txt", []byte("x")); status != http.StatusNotFound {
		t.Errorf("Osaka upload: %d", status)
	}
}

// TestCaseExportAPI: POST /api/v1/cases/{id}/export answers the bundle,
// which verifies; the analyst gets 403, another prefecture 404.
func TestCaseExportAPI(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, "a long enough passphrase")
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, "a long enough passphrase")
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, "a long enough passphrase")
	tokyo := client{t, s.URL, s.Token(t, "tokyo@mpd.example")}
	_, c := tokyo.do("POST", "/api/v1/cases", `{"title": "ランサムウェア被害", "category": "MW", "severity": "high"}`)
	path := fmt.Sprintf("/api/v1/cases/%v", c["id"])
	if status, _ := tokyo.upload(path+"/evidence", nil, "note.txt", []byte("身代金を払え")); status != http.StatusCreated {
		t.Fatal("upload")
	}
	req, _ := http.NewRequest("POST", s.URL+path+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+tokyo.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	zipped, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" || resp.Header.Get("X-Koban-Bundle") == "" {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	if r := bundle.Verify(bytes.NewReader(zipped), int64(len(zipped)), nil); !r.OK() || r.Manifest.Case.Number != c["number"] {
		t.Fatalf("the bundle does not verify: %+v", r)
	}
	if status, _ := (client{t, s.URL, s.Token(t, "analyst@mpd.example")}).do("POST", path+"/export", ""); status != http.StatusForbidden {
		t.Errorf("analyst: %d", status)
	}
	if status, _ := (client{t, s.URL, s.Token(t, "osaka@osaka.example")}).do("POST", path+"/export", ""); status != http.StatusNotFound {
		t.Errorf("Osaka: %d", status)
	}
}
