package cases_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/bundle"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/observe"
)

// ipaGothic is where Debian's fonts-ipafont-gothic puts the font (.ci/run
// installs it).
const ipaGothic = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"

var exportKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

func exportConfig(t *testing.T, font func() ([]byte, error)) cases.ExportConfig {
	t.Helper()
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	if font == nil {
		font = func() ([]byte, error) { return os.ReadFile(ipaGothic) }
		if _, err := os.Stat(ipaGothic); err != nil {
			t.Fatalf("the Japanese font is missing (%v): install Debian's fonts-ipafont-gothic", err)
		}
	}
	return cases.ExportConfig{
		Key:       func() (ed25519.PrivateKey, string, error) { return exportKey, "generated", nil },
		Font:      font,
		T:         func(k string, p ...string) string { return cats.T("ja", k, p...) },
		Generator: "koban test",
	}
}

func (e *evidenceEnv) withExport(cfg cases.ExportConfig) *cases.EvidenceService {
	return cases.NewEvidenceService(e.svc, e.db, e.blobs, nil, cfg)
}

// unzip reads a bundle's files.
func unzip(t *testing.T, b *cases.Bundle) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(b.File, b.Size)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

// TestExport: a case with reports, observables, a file and a seized phone
// is exported; the bundle verifies against the signing key, holds the
// evidence as stored, the audit rows (the export's own among them), a
// case.json and a PDF in Japanese set in the IPA font; the export is in the
// custody logs and the timeline.
func TestExport(t *testing.T) {
	e := newEvidenceEnv(t)
	ev := e.withExport(exportConfig(t, nil))
	p := e.officer("pref-13", auth.RoleInvestigator)
	phoneNo := observe.Observable{Type: observe.Phone, Value: "+819011112222"}
	r := e.report("pref-13", phoneNo)
	c, err := e.svc.Open(e.ctx, p, cases.Opening{Title: "宅配業者を装うSMSによるフィッシング", Summary: "二件の通報。送信元は同じ番号。", Category: "PH",
		Severity: "high", Reports: []string{r.Receipt}})
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("偽SMSのスクリーンショット", 100)
	file, err := e.upload(p, c.ID, "スクリーンショット.png", content, cases.NewEvidence{ReceivedFrom: "被害者 田中"})
	if err != nil {
		t.Fatal(err)
	}
	phone, err := ev.AddPhysical(e.ctx, p, c.ID, cases.NewEvidence{Name: "被疑者のスマートフォン", Serial: "IMEI 356938035643809", Location: "証拠品保管庫 A-3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.RecordTransfer(e.ctx, p, c.ID, phone.ID, cases.Transfer{Action: cases.CustodyHandedOver, Party: "科学捜査研究所"}); err != nil {
		t.Fatal(err)
	}

	b, err := ev.Export(e.ctx, p, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Name != "koban-"+c.Number+".zip" || b.Manifest.Case.Number != c.Number || b.Manifest.CreatedBy != p.Email || b.Manifest.Key.Source != "generated" {
		t.Errorf("bundle %s, manifest %+v", b.Name, b.Manifest)
	}
	res := bundle.Verify(b.File, b.Size, exportKey.Public().(ed25519.PublicKey))
	if !res.OK() || res.Files != 6 {
		t.Fatalf("the bundle does not verify: %+v", res)
	}
	files := unzip(t, b)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	wantNames := []string{"README.txt", "audit.jsonl", "case.json", "evidence/" + pad(file.ID) + "-スクリーンショット.png", "manifest.json", "manifest.sig",
		"public-key.pem", "summary.pdf"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("files %v\nwant  %v", names, wantNames)
	}
	if string(files["evidence/"+pad(file.ID)+"-スクリーンショット.png"]) != content {
		t.Error("the evidence is not as stored")
	}

	// The audit rows: the case's and the items', the export among them.
	var actions []string
	sc := bufio.NewScanner(bytes.NewReader(files["audit.jsonl"]))
	for sc.Scan() {
		var row struct {
			Action, Hash string
			Detail       map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		if len(row.Hash) != 64 {
			t.Errorf("row without its hash: %s", sc.Text())
		}
		if row.Action == "case.export" && row.Detail["bundle"] != b.Manifest.BundleID {
			t.Errorf("export row %v, bundle %s", row.Detail, b.Manifest.BundleID)
		}
		actions = append(actions, row.Action)
	}
	for _, want := range []string{"case.open", "case.view", "evidence.add", "evidence.custody", "case.export"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit.jsonl lacks %s: %v", want, actions)
		}
	}
	var cj struct {
		Case    map[string]any
		Reports []struct {
			Receipt     string
			Observables []observe.Observable
		}
		Evidence []struct {
			SHA256, Path string
			Custody      []struct{ Action string }
		}
	}
	if err := json.Unmarshal(files["case.json"], &cj); err != nil {
		t.Fatal(err)
	}
	if cj.Case["number"] != c.Number || len(cj.Reports) != 1 || cj.Reports[0].Receipt != r.Receipt || !slices.Equal(cj.Reports[0].Observables, []observe.Observable{phoneNo}) ||
		len(cj.Evidence) != 2 || cj.Evidence[0].SHA256 != file.SHA256 || cj.Evidence[0].Path == "" || cj.Evidence[1].Custody[len(cj.Evidence[1].Custody)-1].Action != "exported" {
		t.Errorf("case.json %+v", cj)
	}
	if !strings.Contains(string(files["README.txt"]), "koban export verify") {
		t.Error("README.txt does not say how to check the bundle")
	}

	// The PDF: the IPA font embedded, the Japanese text in it.
	pdf := files["summary.pdf"]
	want := []string{"事件記録（証拠一覧・保管記録）", c.Number, "宅配業者を装うSMSによるフィッシング", "フィッシング", r.Receipt, "090-1111-2222",
		"スクリーンショット.png", file.SHA256, "被疑者のスマートフォン", "IMEI 356938035643809", "科学捜査研究所", "引渡し", "裁判用資料に出力", "収集・押収",
		b.Manifest.Key.SHA256, "証拠を登録"}
	checkPDF(t, pdf, want)

	for _, id := range []int64{file.ID, phone.ID} {
		if got := e.custodyOf(id); got[len(got)-1] != "exported" {
			t.Errorf("custody of %d: %v", id, got)
		}
	}
	tl, _ := e.db.Timeline(e.ctx, c.ID)
	if last := tl[len(tl)-1]; last.Kind != cases.EventExported || last.Text != "1" {
		t.Errorf("timeline ends with %+v", last)
	}
}

func pad(id int64) string { return strings.Repeat("0", 4-len(idStr(id))) + idStr(id) }

// checkPDF shows that the PDF holds each of want as text: extracted by
// pdftotext (poppler-utils) when it is there, and in any case by the PDF's
// own structure: the IPA font embedded (FontFile2) and each Japanese string
// written in its content streams as the UTF-16 that fpdf sets it in.
func checkPDF(t *testing.T, pdf []byte, want []string) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	if !bytes.Contains(pdf, []byte("/FontFile2")) || !regexp.MustCompile(`/BaseFont /[A-Z]{6}\+?utf8ipag|/BaseFont /utf8ipag`).Match(pdf) {
		t.Error("the IPA font is not embedded")
	}
	var streams bytes.Buffer
	for _, m := range regexp.MustCompile(`(?s)stream\r?\n(.*?)endstream`).FindAllSubmatch(pdf, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			streams.Write(m[1])
			continue
		}
		io.Copy(&streams, zr)
	}
	for _, w := range want {
		if !bytes.Contains(streams.Bytes(), pdfString(w)) && !bytes.Contains(streams.Bytes(), []byte(w)) {
			t.Errorf("the PDF's content does not set %q", w)
		}
	}
	text, err := pdftotext(t, pdf)
	if err != nil {
		t.Logf("pdftotext not run (%v): the structure above is the check", err)
		return
	}
	flat := strings.Join(strings.Fields(text), "")
	for _, w := range want {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), "")) {
			t.Errorf("pdftotext does not find %q in:\n%s", w, text)
		}
	}
	if !regexp.MustCompile(`1 / \d+ ページ`).MatchString(text) || strings.Contains(text, "{nb}") {
		t.Error("the page footer does not count the pages")
	}
}

// pdfString is s as fpdf writes it in a content stream with a UTF-8 font:
// UTF-16 big-endian, with ( ) and \ escaped.
func pdfString(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		var two [2]byte
		binary.BigEndian.PutUint16(two[:], u)
		for _, c := range two {
			switch c {
			case '(', ')', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\r':
				b.WriteString(`\r`)
			default:
				b.WriteByte(c)
			}
		}
	}
	return b.Bytes()
}

func pdftotext(t *testing.T, pdf []byte) (string, error) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return "", err
	}
	path := filepath.Join(t.TempDir(), "summary.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		return "", err
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	return string(out), err
}

// Text from officers that fpdf would choke on (characters outside the
// Basic Multilingual Plane, control characters, very long words) still
// makes a PDF, with nothing dropped at line ends.
func TestExportOddText(t *testing.T) {
	e := newEvidenceEnv(t)
	ev := e.withExport(exportConfig(t, nil))
	p := e.officer("pref-13", auth.RoleInvestigator)
	long := strings.Repeat("あいうえおかきくけこさしすせそたちつてと", 12)
	c, err := e.svc.Open(e.ctx, p, cases.Opening{Title: "絵文字😀と𠮷野家", Summary: long + "\n" + strings.Repeat("x", 300) + "\tタブ", Category: "FR", Severity: "low"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ev.Export(e.ctx, p, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	pdf := unzip(t, b)["summary.pdf"]
	text, err := pdftotext(t, pdf)
	if err != nil {
		checkPDF(t, pdf, []string{"絵文字〓と〓野家"})
		return
	}
	flat := strings.Join(strings.Fields(text), "")
	if !strings.Contains(flat, "絵文字〓と〓野家") || !strings.Contains(flat, long) || !strings.Contains(flat, strings.Repeat("x", 300)) {
		t.Errorf("text lost:\n%s", text)
	}
}

// Who may export: the owner and the HQ; not an analyst, not an
// organisation granted the case without the export right, not another
// prefecture (404). A damaged file or a missing font stops the export,
// which then leaves no export record.
func TestExportRefusals(t *testing.T) {
	e := newEvidenceEnv(t)
	ev := e.withExport(exportConfig(t, nil))
	owner := e.officer("pref-13-shinjuku", auth.RoleInvestigator)
	hq := e.officer("pref-13", auth.RoleSupervisor)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	osaka := e.officer("pref-27", auth.RoleInvestigator)
	granted := e.officer("pref-01", auth.RoleInvestigator)
	exporter := e.officer("pref-40", auth.RoleInvestigator)
	c := e.open(owner, "MW")
	e.grant(c.ID, access.GrantRow{OrgID: granted.OrgID, Rights: []access.Right{access.View, access.DownloadEvidence}})
	e.grant(c.ID, access.GrantRow{OrgID: exporter.OrgID, Rights: []access.Right{access.View, access.Export}})
	item, err := e.upload(owner, c.ID, "note.txt", "身代金要求", cases.NewEvidence{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    auth.Principal
		want string
	}{
		{"owner", owner, ""}, {"HQ", hq, ""}, {"granted the export right", exporter, ""},
		{"analyst", analyst, "forbidden"}, {"granted without the export right", granted, "forbidden"}, {"another prefecture", osaka, "not_found"},
	} {
		b, err := ev.Export(e.ctx, tc.p, c.ID)
		if code(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if b != nil {
			b.Close()
		}
	}
	exports := func() int {
		rows, _ := e.db.AuditOf(e.ctx, "case", idStr(c.ID))
		n := 0
		for _, r := range rows {
			if r.Action == "case.export" {
				n++
			}
		}
		return n
	}
	if n := exports(); n != 3 {
		t.Errorf("%d exports audited, want 3", n)
	}

	noFont := e.withExport(exportConfig(t, func() ([]byte, error) { return nil, os.ErrNotExist }))
	if _, err := noFont.Export(e.ctx, owner, c.ID); koban.ErrorKey(err) != "case.export.error.font" || code(err) != string(koban.Unavailable) {
		t.Errorf("without a font: %v", err)
	}
	badFont := e.withExport(exportConfig(t, func() ([]byte, error) { return []byte("not a font"), nil }))
	if _, err := badFont.Export(e.ctx, owner, c.ID); koban.ErrorKey(err) != "case.export.error.font" {
		t.Errorf("with a broken font: %v", err)
	}

	bad := []byte("身代金要求")
	bad[0] ^= 1
	os.WriteFile(e.onDisk(item.SHA256), bad, 0o600)
	if _, err := ev.Export(e.ctx, owner, c.ID); koban.ErrorKey(err) != "case.evidence.error.damaged" || !errors.Is(err, blob.ErrDamaged) {
		t.Errorf("with a damaged file: %v", err)
	}
	if got := e.custodyOf(item.ID); got[len(got)-1] != "verification_failed" {
		t.Errorf("custody after a damaged export: %v", got)
	}
	if n := exports(); n != 3 {
		t.Errorf("a refused export was audited as one (%d)", n)
	}
	matches, _ := filepath.Glob(filepath.Join(e.dir, "tmp", "export-*"))
	if len(matches) != 0 {
		t.Errorf("temporary bundles left behind: %v", matches)
	}
}
