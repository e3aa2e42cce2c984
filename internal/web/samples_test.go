package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
)

// uploadSample sends the upload form as a browser would.
func uploadSample(t *testing.T, c *http.Client, target string, fields map[string]string, name string, file []byte) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", target, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// sampleFile is bytes a sample might be: a C2 address among varied bytes.
func sampleFile(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, 6000)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	copy(b[2000:], "\x00http://c2.evil-example.jp/gate.php\x00")
	return b
}

var sampleLink = regexp.MustCompile(`^/samples/(\d+)\?done=sample_added$`)

// TestSamplePages: an investigator adds a sample from a case's page; the
// sample's page shows its hashes, its analysis (strings found and
// searchable), the case holding it, in Japanese and English; the list
// finds it by MD5; a family name is saved; another prefecture is told it
// is not there; the intake desk has no samples pages at all.
func TestSamplePages(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	s.AddUser(t, "desk@mpd.example", "pref-13", auth.RoleIntake, pw)
	c := s.Login(t, "tokyo@mpd.example", pw)
	status, loc, _ := postCase(t, c, s.URL+"/cases", url.Values{"title": {"ランサムウェア被害"}, "category": {"MW"}, "severity": {"high"}})
	if status != http.StatusSeeOther {
		t.Fatalf("open case: %d", status)
	}
	casePage := officerPage(t, c, s.URL+loc)
	if !strings.Contains(casePage, `id="f-case-sample"`) || !strings.Contains(casePage, "この事件に検体はありません。") {
		t.Fatal("the case page offers no sample upload")
	}
	caseID := strings.TrimPrefix(strings.Split(loc, "?")[0], "/cases/")
	file := sampleFile(1)
	resp := uploadSample(t, c, s.URL+"/samples", map[string]string{"case": caseID, "tlp": "amber"}, `C:\Temp\請求書.exe`, file)
	resp.Body.Close()
	m := sampleLink.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	id := m[1]
	page := officerPage(t, c, s.URL+"/samples/"+id+"?done=sample_added")
	for _, want := range []string{"<h1>請求書.exe</h1>", "検体を登録しました。", "この検体は koban では実行されません。", `id="sample-hashes"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the sample's page lacks %q", want)
		}
	}
	sha := regexp.MustCompile(`<th scope="row">SHA-256</th><td><code class="hash">([0-9a-f]{64})</code>`).FindStringSubmatch(page)
	md5 := regexp.MustCompile(`<th scope="row">MD5</th><td><code class="hash">([0-9a-f]{32})</code>`).FindStringSubmatch(page)
	if sha == nil || md5 == nil {
		t.Fatalf("hashes not shown")
	}
	if err := s.App.Malware.Analyse(context.Background(), sha[1]); err != nil {
		t.Fatal(err)
	}
	page = officerPage(t, c, s.URL+"/samples/"+id+"?s=GATE")
	for _, want := range []string{`id="sample-state">解析済み`, "<code>http://c2.evil-example.jp/gate.php</code>", `<ul id="sample-cases">`, "2026-13-"} {
		if !strings.Contains(page, want) {
			t.Errorf("after analysis the page lacks %q", want)
		}
	}
	if none := officerPage(t, c, s.URL+"/samples/"+id+"?s=nothing-like-this"); !strings.Contains(none, `id="strings-none"`) {
		t.Error("a strings search that finds nothing says nothing")
	}
	if en := officerPage(t, c, s.URL+"/samples/"+id+"?lang=en"); !strings.Contains(en, "Similar samples (TLSH)") || !strings.Contains(en, "koban never runs this sample.") {
		t.Error("the English page")
	}
	list := officerPage(t, c, s.URL+"/samples?lang=ja&hash="+strings.ToUpper(md5[1]))
	if !strings.Contains(list, fmt.Sprintf(`<a href="/samples/%s">請求書.exe</a>`, id)) || !strings.Contains(list, "1 件見つかりました。") {
		t.Error("the search by MD5 does not list the sample")
	}
	if bad := must(c.Get(s.URL + "/samples?hash=" + url.QueryEscape("<script>"))); bad.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a malformed hash: %d", bad.StatusCode)
	} else {
		bad.Body.Close()
	}
	resp = must(c.PostForm(s.URL+"/samples/"+id+"/family", url.Values{"family": {"  LockBit   3.0 "}}))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("family: %d", resp.StatusCode)
	}
	if page := officerPage(t, c, s.URL+"/samples/"+id); !strings.Contains(page, `id="sample-family">LockBit 3.0<`) {
		t.Error("the family is not shown")
	}
	if cp := officerPage(t, c, s.URL+loc); !strings.Contains(cp, fmt.Sprintf(`<a href="/samples/%s">請求書.exe</a>`, id)) {
		t.Error("the case page does not list its sample")
	}
	// The investigator is offered no download; an analyst of the line gets
	// the ZIP, never the file as it is.
	if strings.Contains(page, `id="sample-download"`) {
		t.Error("an investigator is offered the download")
	}
	if r := must(c.Get(s.URL + "/samples/" + id + "/download")); r.StatusCode != http.StatusForbidden {
		t.Errorf("the investigator's download: %d", r.StatusCode)
	} else {
		r.Body.Close()
	}
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	ac := s.Login(t, "analyst@mpd.example", pw)
	if ap := officerPage(t, ac, s.URL+"/samples/"+id); !strings.Contains(ap, `id="sample-download"`) {
		t.Error("the analyst is not offered the download")
	}
	dl := must(ac.Get(s.URL + "/samples/" + id + "/download"))
	zipped := body(t, dl)
	if dl.StatusCode != http.StatusOK || dl.Header.Get("Content-Type") != "application/zip" ||
		dl.Header.Get("Content-Disposition") != `attachment; filename=`+sha[1]+`.zip` || !strings.HasPrefix(zipped, "PK\x03\x04") ||
		strings.Contains(zipped, "c2.evil-example.jp") {
		t.Errorf("the download: %d %q %q", dl.StatusCode, dl.Header.Get("Content-Type"), dl.Header.Get("Content-Disposition"))
	}
	osaka := s.Login(t, "osaka@osaka.example", pw)
	if r := must(osaka.Get(s.URL + "/samples/" + id)); r.StatusCode != http.StatusNotFound {
		t.Errorf("Osaka opened Tokyo's sample: %d", r.StatusCode)
	} else {
		r.Body.Close()
	}
	desk := s.Login(t, "desk@mpd.example", pw)
	if r := must(desk.Get(s.URL + "/samples")); r.StatusCode != http.StatusForbidden {
		t.Errorf("the intake desk's samples page: %d", r.StatusCode)
	} else {
		r.Body.Close()
	}
	if q := officerPage(t, desk, s.URL+"/queue"); strings.Contains(q, `href="/samples"`) {
		t.Error("the intake desk is offered the samples page")
	}
	r := uploadSample(t, desk, s.URL+"/samples", nil, "x.bin", file)
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("the intake desk's upload: %d", r.StatusCode)
	}
	r.Body.Close()
}

// TestSamplePagePE: a Windows executable (a Go cross-build, signed with
// osslsigncode when it and openssl are installed, as CI does) shows its
// PE structure, sections with their entropy, its imports and, signed, its
// signer and that it is unchanged since signing.
func TestSamplePagePE(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"http://c2.evil-example.jp/beacon\") }\n"), 0o600)
	exe := filepath.Join(dir, "beacon.exe")
	build := exec.Command("go", "build", "-o", exe, src)
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	signed := false
	if _, e1 := exec.LookPath("osslsigncode"); e1 == nil {
		if _, e2 := exec.LookPath("openssl"); e2 == nil {
			key, cert := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
			for _, args := range [][]string{
				{"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=Beacon Soft/O=Example"},
				{"osslsigncode", "sign", "-certs", cert, "-key", key, "-h", "sha256", "-in", exe, "-out", exe + ".signed"},
			} {
				if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", args[0], err, out)
				}
			}
			exe, signed = exe+".signed", true
		}
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t)
	s.AddUser(t, "analyst@ncu.example", "ncu", auth.RoleAnalyst, pw)
	c := s.Login(t, "analyst@ncu.example", pw)
	resp := uploadSample(t, c, s.URL+"/samples", nil, "beacon.exe", b)
	resp.Body.Close()
	m := sampleLink.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("upload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	sum := sha256.Sum256(b)
	if err := s.App.Malware.Analyse(context.Background(), hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	page := officerPage(t, c, s.URL+"/samples/"+m[1])
	want := []string{`id="sample-type">pe<`, "PE の構造", "amd64 (PE32+)", `<code>.text</code>`, `<meter min="0" max="8"`, "<code>kernel32.dll</code>", `id="sample-imphash"`}
	if signed {
		want = append(want, `id="sample-signer">Beacon Soft (Example)<`, `id="sample-image-hash">署名後に変更されていません<`)
	} else {
		t.Log("osslsigncode or openssl not installed: the signature's display is not checked (CI installs them)")
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("the PE sample's page lacks %q", w)
		}
	}
	if en := officerPage(t, c, s.URL+"/samples/"+m[1]+"?lang=en"); !strings.Contains(en, "PE structure") {
		t.Error("the English PE section")
	}
}

// TestYaraRulesPage: with Debian's yara, the rules page lists koban's own
// set (Apache-2.0, author koban) and an operator's set from
// KOBAN_YARA_RULES with its licence and author, and marks the rule yara
// warns is slow.
func TestYaraRulesPage(t *testing.T) {
	if _, err := exec.LookPath("yara"); err != nil {
		t.Skip("yara is not installed (CI installs it)")
	}
	dir := t.TempDir()
	// The second rule's regular expression starts with no fixed atom: yara
	// warns it slows every scan down.
	slow := "rule quick { strings: $a = \"gate.php?id=\" condition: $a }\n" +
		"rule crawl { strings: $b = /[A-Za-z0-9+\\/]{200,}/ condition: $b }\n"
	os.WriteFile(filepath.Join(dir, "bench.yar"), []byte(slow), 0o600)
	os.WriteFile(filepath.Join(dir, "sets.json"), []byte(`[{"file": "bench.yar", "name": "bench", "licence": "MIT", "author": "Bench Team", "source": "shared/data"}]`), 0o600)
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.YaraRules = dir }))
	s.AddUser(t, "analyst@ncu.example", "ncu", auth.RoleAnalyst, pw)
	c := s.Login(t, "analyst@ncu.example", pw)
	page := officerPage(t, c, s.URL+"/samples/rules")
	for _, want := range []string{`id="set-koban"`, "<code>eicar_test_file</code>", "Apache-2.0", `id="set-bench"`, "Bench Team", "遅いルール", "<strong>遅い</strong>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the rules page lacks %q", want)
		}
	}
	if strings.Count(page, "<strong>遅い</strong>") != 1 {
		t.Errorf("%d rules marked slow, want the one", strings.Count(page, "<strong>遅い</strong>"))
	}
}
