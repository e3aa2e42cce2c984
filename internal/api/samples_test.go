package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/zipcrypto"
)

// raw posts a body as application/octet-stream.
func (c client) raw(path string, body []byte) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/octet-stream")
	return c.send(req)
}

// TestSamplesAPI: a sample posted as the body of a request, into a case;
// an infected ZIP opened into its file; the list by hash; one sample with
// its analysis and case; the download only as an encrypted ZIP and only
// for a role that takes samples out; another prefecture gets 404.
func TestSamplesAPI(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, "a long enough passphrase")
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, "a long enough passphrase")
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, "a long enough passphrase")
	tokyo := client{t, s.URL, s.Token(t, "tokyo@mpd.example")}
	analyst := client{t, s.URL, s.Token(t, "analyst@mpd.example")}
	osaka := client{t, s.URL, s.Token(t, "osaka@osaka.example")}
	_, c := tokyo.do("POST", "/api/v1/cases", `{"title": "情報窃取型マルウェア", "category": "MW", "severity": "high"}`)
	r := rand.New(rand.NewPCG(3, 3))
	file := make([]byte, 4096)
	for i := range file {
		file[i] = byte(r.IntN(256))
	}
	copy(file[1000:], "\x00https://exfil.evil-example.jp/upload\x00")
	sum := sha256.Sum256(file)
	status, out := tokyo.raw(fmt.Sprintf("/api/v1/samples?name=stealer.exe&case=%v&tlp=amber", c["id"]), file)
	list, _ := out["samples"].([]any)
	if status != http.StatusCreated || len(list) != 1 {
		t.Fatalf("add: %d %v", status, out)
	}
	sm := list[0].(map[string]any)
	if sm["sha256"] != hex.EncodeToString(sum[:]) || sm["name"] != "stealer.exe" || sm["origin"] != "api" || sm["owner"] != "pref-13" || sm["state"] != "pending" {
		t.Errorf("the sample: %v", sm)
	}
	if err := s.App.Malware.Analyse(context.Background(), hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	status, one := tokyo.do("GET", fmt.Sprintf("/api/v1/samples/%v", sm["id"]), "")
	if status != http.StatusOK || one["state"] != "analysed" || one["strings"] == float64(0) || fmt.Sprint(one["cases"]) != fmt.Sprintf("[%v]", c["id"]) {
		t.Errorf("one sample: %d %v", status, one)
	}
	var zipped bytes.Buffer
	inner := bytes.Repeat([]byte("second sample "), 100)
	if err := zipcrypto.Write(&zipped, "loader.dll", s.App.Clock.Now(), bytes.NewReader(inner), zipcrypto.Password); err != nil {
		t.Fatal(err)
	}
	status, out = tokyo.raw("/api/v1/samples?name=bundle.zip", zipped.Bytes())
	if list, _ := out["samples"].([]any); status != http.StatusCreated || len(list) != 1 || list[0].(map[string]any)["name"] != "loader.dll" {
		t.Errorf("an infected ZIP: %d %v", status, out)
	}
	if status, out := tokyo.raw("/api/v1/samples?name=bundle.zip&password=wrong", zipped.Bytes()); status != http.StatusUnprocessableEntity {
		t.Errorf("a wrong password: %d %v", status, out)
	}
	status, found := tokyo.do("GET", "/api/v1/samples?hash="+fmt.Sprint(sm["md5"]), "")
	if l, _ := found["samples"].([]any); status != http.StatusOK || len(l) != 1 {
		t.Errorf("by MD5: %d %v", status, found)
	}
	if status, _ := osaka.do("GET", fmt.Sprintf("/api/v1/samples/%v", sm["id"]), ""); status != http.StatusNotFound {
		t.Errorf("Osaka: %d", status)
	}
	if status, _ := tokyo.do("GET", fmt.Sprintf("/api/v1/samples/%v/download", sm["id"]), ""); status != http.StatusForbidden {
		t.Errorf("an investigator's download: %d", status)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/samples/%v/download", s.URL, sm["id"]), nil)
	req.Header.Set("Authorization", "Bearer "+analyst.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	arc, err := zipcrypto.Open(bytes.NewReader(b), int64(len(b)))
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("the analyst's download: %d %v", resp.StatusCode, err)
	}
	rc, err := arc.Open(0, zipcrypto.Password)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := io.ReadAll(rc)
	if !bytes.Equal(back, file) {
		t.Error("the downloaded sample differs")
	}
}
