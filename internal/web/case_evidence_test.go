package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/bundle"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/locale"
)

// postEvidence sends the evidence form as a browser does (multipart, the
// file last) and returns the status, the redirect and the page.
func postEvidence(t *testing.T, c *http.Client, target string, fields map[string]string, fileName string, content []byte) (int, string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, k := range []string{"kind", "name", "serial", "location", "description", "collected_by", "received_from", "collected_at"} {
		if v, ok := fields[k]; ok {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, target, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp := must(c.Do(req))
	return resp.StatusCode, resp.Header.Get("Location"), body(t, resp)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// openCasePage opens a case through the page and returns its path.
func openCasePage(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	status, loc, _ := postCase(t, c, base+"/cases", url.Values{"title": {"ランサムウェア被害"}, "category": {"MW"}, "severity": {"high"}})
	if status != http.StatusSeeOther {
		t.Fatalf("open case: %d", status)
	}
	return strings.TrimSuffix(loc, "?done=case_opened")
}

// TestCaseEvidencePages: an officer uploads a file and records a seized
// phone on the case page (a refused form keeps its input), downloads the
// file as an attachment that no browser renders, opens the item's page with
// its chain of custody, records a hand-over and a verification; the
// timeline shows it. An analyst may download but not add; another
// prefecture gets 404 for everything; a damaged file is cut off and
// recorded.
func TestCaseEvidencePages(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	c := s.Login(t, "tokyo@mpd.example", pw)
	casePath := openCasePage(t, c, s.URL)

	// An HTML file: stored as it is, never served as HTML.
	note := []byte("<html><script>alert('身代金')</script>YOUR FILES ARE ENCRYPTED</html>")
	status, loc, _ := postEvidence(t, c, s.URL+casePath+"/evidence", map[string]string{"kind": "file", "description": "暗号化されたサーバに残された脅迫文",
		"received_from": "被害企業 情報システム部", "collected_at": "2026-01-05T09:30"}, "README_DECRYPT.html", note)
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=evidence_added#evidence-heading") {
		t.Fatalf("upload: %d to %q", status, loc)
	}
	// A seized phone without where it is kept: refused, input kept.
	status, _, page := postEvidence(t, c, s.URL+casePath+"/evidence", map[string]string{"kind": "physical", "name": "被疑者のスマートフォン",
		"serial": "IMEI 356938035643809"}, "", nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "保管場所を入力してください") ||
		!strings.Contains(page, `value="被疑者のスマートフォン"`) || !strings.Contains(page, `value="physical" checked`) ||
		!strings.Contains(page, `href="#f-location"`) || !regexp.MustCompile(`id="ev-location"[^>]*aria-invalid="true"`).MatchString(page) {
		t.Fatalf("refused item: %d\n%s", status, page)
	}
	status, _, _ = postEvidence(t, c, s.URL+casePath+"/evidence", map[string]string{"kind": "physical", "name": "被疑者のスマートフォン",
		"serial": "IMEI 356938035643809", "location": "証拠品保管庫 A-3"}, "", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("physical item: %d", status)
	}

	page = body(t, must(c.Get(s.URL+casePath)))
	m := regexp.MustCompile(`href="(` + casePath + `/evidence/(\d+))">#\d+ README_DECRYPT.html</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the case page does not list the file:\n%s", page)
	}
	itemPath, fileID := m[1], m[2]
	for _, want := range []string{`<h2 id="evidence-heading">証拠</h2>`, sha(note)[:16] + "…", "被疑者のスマートフォン", "保管場所: 証拠品保管庫 A-3",
		`href="` + itemPath + `/file" download>ダウンロード`, "証拠を登録: <a href=\"" + itemPath + "\">#" + fileID + " README_DECRYPT.html</a>"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}

	// The download: the bytes as uploaded, as an attachment, not sniffed.
	resp := must(c.Get(s.URL + itemPath + "/file"))
	got := body(t, resp)
	h := resp.Header
	if resp.StatusCode != http.StatusOK || got != string(note) || h.Get("Content-Type") != "application/octet-stream" ||
		h.Get("Content-Disposition") != "attachment; filename*=UTF-8''README_DECRYPT.html" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Content-Length") != strconv.Itoa(len(note)) {
		t.Errorf("download: %d %q %v", resp.StatusCode, got, h)
	}

	// The item's page: the hash, and the whole custody log.
	page = body(t, must(c.Get(s.URL+itemPath)))
	for _, want := range []string{`<code class="hash" id="evidence-sha256">` + sha(note) + `</code>`, "被害企業 情報システム部", "収集・押収", "ダウンロード", "閲覧",
		"2026年1月5日 09:30:00 JST", "保管記録は追記のみです"} {
		if !strings.Contains(page, want) {
			t.Errorf("item page lacks %q", want)
		}
	}
	// A hand-over without whom to: refused, kept; then recorded.
	status, _, page = postCase(t, c, s.URL+itemPath+"/custody", url.Values{"action": {"handed_over"}, "note": {"解析依頼"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "相手（受領元・引渡先・還付先）を入力してください") || !strings.Contains(page, ">解析依頼</textarea>") ||
		!strings.Contains(page, `<option value="handed_over" selected>`) {
		t.Errorf("refused hand-over: %d", status)
	}
	if status, loc, _ = postCase(t, c, s.URL+itemPath+"/custody", url.Values{"action": {"handed_over"}, "party": {"科学捜査研究所"}, "note": {"解析依頼"}}); status != http.StatusSeeOther {
		t.Fatalf("hand-over: %d", status)
	}
	if status, loc, _ = postCase(t, c, s.URL+itemPath+"/verify", nil); status != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=evidence_verified") {
		t.Fatalf("verify: %d %q", status, loc)
	}
	page = body(t, must(c.Get(s.URL+loc)))
	for _, want := range []string{"ファイルはSHA-256と一致しました。", "科学捜査研究所 に引渡し中", "ハッシュ照合（一致）"} {
		if !strings.Contains(page, want) {
			t.Errorf("after hand-over and verification the page lacks %q", want)
		}
	}
	page = body(t, must(c.Get(s.URL+casePath)))
	if !strings.Contains(page, "証拠の保管を移転: <a href=\""+itemPath+"\">#"+fileID+" README_DECRYPT.html</a> (引渡し) — 科学捜査研究所") {
		t.Error("the timeline does not show the hand-over")
	}

	// The analyst reads and downloads, adds nothing.
	an := s.Login(t, "analyst@mpd.example", pw)
	if resp := must(an.Get(s.URL + itemPath + "/file")); resp.StatusCode != http.StatusOK || body(t, resp) != string(note) {
		t.Errorf("analyst download: %d", resp.StatusCode)
	}
	if status, _, _ := postEvidence(t, an, s.URL+casePath+"/evidence", map[string]string{"kind": "file"}, "x.txt", []byte("x")); status != http.StatusForbidden {
		t.Errorf("analyst upload: %d", status)
	}
	if status, _, _ := postCase(t, an, s.URL+itemPath+"/custody", url.Values{"action": {"returned"}, "party": {"x"}}); status != http.StatusForbidden {
		t.Errorf("analyst custody: %d", status)
	}
	// Another prefecture: as if nothing were there.
	osk := s.Login(t, "osaka@osaka.example", pw)
	for _, path := range []string{itemPath, itemPath + "/file"} {
		if resp := must(osk.Get(s.URL + path)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("Osaka GET %s: %d", path, resp.StatusCode)
		}
	}
	if status, _, _ := postEvidence(t, osk, s.URL+casePath+"/evidence", map[string]string{"kind": "file"}, "x.txt", []byte("x")); status != http.StatusNotFound {
		t.Errorf("Osaka upload: %d", status)
	}

	// Damaged on disk: the download never completes, and it is recorded.
	damaged := slices.Clone(note)
	damaged[10] ^= 1
	onDisk := filepath.Join(s.Dir, "files", sha(note)[:2], sha(note)[2:4], sha(note))
	if err := writeFile(onDisk, damaged); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Get(s.URL + itemPath + "/file"); err == nil {
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && rerr == nil {
			t.Fatalf("damaged evidence delivered as a complete download (%d bytes)", len(b))
		}
	}
	id, _ := strconv.ParseInt(fileID, 10, 64)
	cs, err := s.App.DB.Custody(context.Background(), id)
	if err != nil || cs[len(cs)-1].Action != cases.CustodyVerifyFailed {
		t.Fatalf("custody after a damaged download: %+v %v", cs, err)
	}
	page = body(t, must(c.Get(s.URL+casePath)))
	if !strings.Contains(page, "証拠ファイルの照合に失敗: <a href=\""+itemPath+"\">#"+fileID+" README_DECRYPT.html</a> (内容がSHA-256と一致しない)") {
		t.Error("the timeline does not show the damaged file")
	}
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }

// A large upload goes to disk as it arrives and comes back whole.
func TestCaseEvidenceLargeUpload(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	c := s.Login(t, "tokyo@mpd.example", pw)
	casePath := openCasePage(t, c, s.URL)
	big := bytes.Repeat([]byte("ディスクイメージの一部 "), 400_000) // about 13 MB
	if status, _, _ := postEvidence(t, c, s.URL+casePath+"/evidence", map[string]string{"kind": "file"}, "image.dd", big); status != http.StatusSeeOther {
		t.Fatalf("upload: %d", status)
	}
	if !s.App.Blobs.Has(sha(big)) {
		t.Fatal("not stored under its SHA-256")
	}
	page := body(t, must(c.Get(s.URL+casePath)))
	m := regexp.MustCompile(`href="(/cases/\d+/evidence/\d+/file)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, fmt.Sprintf("%s バイト", groupDigits(len(big)))) {
		t.Fatal("no download link or size")
	}
	resp := must(c.Get(s.URL + m[1]))
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	resp.Body.Close()
	if err != nil || n != int64(len(big)) || hex.EncodeToString(h.Sum(nil)) != sha(big) {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
}

func groupDigits(n int) string {
	s := strconv.Itoa(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Every key the evidence pages build from the cases package's enumerations
// exists in every language.
func TestEvidenceKeysExist(t *testing.T) {
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range cases.CustodyActions {
		keys = append(keys, "case.custody."+string(a))
	}
	for _, k := range []cases.EvidenceKind{cases.EvidenceFile, cases.EvidencePhysical} {
		keys = append(keys, "case.evidence.kind."+string(k))
	}
	for _, k := range []cases.EventKind{cases.EventEvidenceAdded, cases.EventEvidenceCustody, cases.EventEvidenceDamaged, cases.EventExported} {
		keys = append(keys, "case.event."+string(k))
	}
	for _, a := range []string{"add", "view", "download", "custody", "verify", "verify_failed", "verify_all"} {
		keys = append(keys, "audit.evidence."+a)
	}
	for _, r := range []string{"mismatch", "missing"} {
		keys = append(keys, "case.evidence.damaged."+r)
	}
	for _, n := range []string{"evidence_added", "evidence_custody", "evidence_verified", "evidence_damaged"} {
		keys = append(keys, "notice."+n)
	}
	for _, lang := range locale.Languages {
		for _, k := range keys {
			if !cats.Has(lang, k) {
				t.Errorf("%s: key %q missing", lang, k)
			}
		}
	}
}

// TestCaseExportPage: the investigator downloads the court bundle from the
// case page (a POST); it verifies against the key koban keeps; the analyst
// sees no export form and is refused; another prefecture gets 404.
func TestCaseExportPage(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, "analyst@mpd.example", "pref-13", auth.RoleAnalyst, pw)
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	c := s.Login(t, "tokyo@mpd.example", pw)
	casePath := openCasePage(t, c, s.URL)
	if status, _, _ := postEvidence(t, c, s.URL+casePath+"/evidence", map[string]string{"kind": "file"}, "脅迫文.txt", []byte("身代金を払え")); status != http.StatusSeeOther {
		t.Fatal("upload")
	}
	if page := body(t, must(c.Get(s.URL+casePath))); !strings.Contains(page, `action="`+casePath+`/export"`) || !strings.Contains(page, "裁判用資料（ZIP）をダウンロード") {
		t.Fatal("the case page has no export form")
	}
	resp := must(c.PostForm(s.URL+casePath+"/export", nil))
	zipped := []byte(body(t, resp))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" ||
		!regexp.MustCompile(`^attachment; filename\*=UTF-8''koban-\d{4}-13-\d{5}\.zip$`).MatchString(resp.Header.Get("Content-Disposition")) {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	key, _, err := bundle.LoadOrCreateKey(filepath.Join(s.Dir, bundle.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if r := bundle.Verify(bytes.NewReader(zipped), int64(len(zipped)), key.Public().(ed25519.PublicKey)); !r.OK() || r.Files != 6 {
		t.Fatalf("the bundle does not verify: %+v", r)
	}
	page := body(t, must(c.Get(s.URL+casePath)))
	if !strings.Contains(page, "裁判用資料を出力: 証拠ファイル 1 件を含む") {
		t.Error("the timeline does not show the export")
	}
	an := s.Login(t, "analyst@mpd.example", pw)
	if page := body(t, must(an.Get(s.URL+casePath))); strings.Contains(page, `/export"`) {
		t.Error("the analyst is offered the export")
	}
	if resp := must(an.PostForm(s.URL+casePath+"/export", nil)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("analyst export: %d", resp.StatusCode)
	}
	osk := s.Login(t, "osaka@osaka.example", pw)
	if resp := must(osk.PostForm(s.URL+casePath+"/export", nil)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Osaka export: %d", resp.StatusCode)
	}
}
