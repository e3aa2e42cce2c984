package cases_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

// evidenceEnv is the cases env with the evidence service on a file store
// in a temporary folder; logged lines are kept to check that a damaged
// file is reported loudly.
type evidenceEnv struct {
	*env
	ev    *cases.EvidenceService
	blobs *blob.Store
	dir   string
	log   *bytes.Buffer
}

func newEvidenceEnv(t *testing.T) *evidenceEnv {
	e := newEnv(t)
	dir := t.TempDir()
	blobs, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	ev := cases.NewEvidenceService(e.svc, e.db, blobs, slog.New(slog.NewTextHandler(&logged, nil)), cases.ExportConfig{})
	return &evidenceEnv{env: e, ev: ev, blobs: blobs, dir: dir, log: &logged}
}

// upload adds a file to a case as p.
func (e *evidenceEnv) upload(p auth.Principal, caseID int64, name, content string, in cases.NewEvidence) (*cases.Evidence, error) {
	e.t.Helper()
	st, err := e.ev.Stage(strings.NewReader(content))
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	return e.ev.AddFile(e.ctx, p, caseID, name, in, st)
}

func (e *evidenceEnv) custodyOf(id int64) []string {
	e.t.Helper()
	cs, err := e.db.Custody(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, string(c.Action))
	}
	return out
}

func (e *evidenceEnv) evidenceAudit(id int64) []string {
	e.t.Helper()
	rows, err := e.db.AuditOf(e.ctx, "evidence", idStr(id))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Action)
	}
	return out
}

func idStr(n int64) string { return id(n) }

func (e *evidenceEnv) onDisk(sum string) string { return filepath.Join(e.dir, sum[:2], sum[2:4], sum) }

func sumOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// readAll downloads an item as p and returns its content.
func (e *evidenceEnv) download(p auth.Principal, caseID, evID int64) (string, error) {
	e.t.Helper()
	d, err := e.ev.Open(e.ctx, p, caseID, evID)
	if err != nil {
		return "", err
	}
	defer d.Body.Close()
	b, err := io.ReadAll(d.Body)
	return string(b), err
}

// TestEvidenceAccess: who may list, add, download and record custody, on a
// case owned by a station: the station, its HQ, an analyst of the HQ (view
// and download, no changes), another prefecture (as if the case did not
// exist), and organisations granted the case with and without the
// download right.
func TestEvidenceAccess(t *testing.T) {
	e := newEvidenceEnv(t)
	owner := e.officer("pref-13-shinjuku", auth.RoleInvestigator)
	hq := e.officer("pref-13", auth.RoleInvestigator)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	osaka := e.officer("pref-27", auth.RoleInvestigator)
	viewOnly := e.officer("pref-01", auth.RoleInvestigator)
	downloader := e.officer("pref-40", auth.RoleInvestigator)
	c := e.open(owner, "MW")
	e.grant(c.ID, access.GrantRow{OrgID: viewOnly.OrgID, Rights: []access.Right{access.View}})
	e.grant(c.ID, access.GrantRow{OrgID: downloader.OrgID, Rights: []access.Right{access.View, access.DownloadEvidence}})
	item, err := e.upload(owner, c.ID, "ransom_note.txt", "YOUR FILES ARE ENCRYPTED", cases.NewEvidence{})
	if err != nil {
		t.Fatal(err)
	}
	const forbidden, notFound = string(koban.Forbidden), string(koban.NotFound)
	for _, tc := range []struct {
		name                    string
		p                       auth.Principal
		list, add, get, custody string // "" for allowed; else the code
		canAdd, canDL, canEx    bool
	}{
		{"owner", owner, "", "", "", "", true, true, true},
		{"HQ above the station", hq, "", "", "", "", true, true, true},
		{"analyst of the HQ", analyst, "", forbidden, "", forbidden, false, true, false},
		{"another prefecture", osaka, notFound, notFound, notFound, notFound, false, false, false},
		{"granted view only", viewOnly, "", forbidden, forbidden, forbidden, false, false, false},
		{"granted view and download", downloader, "", forbidden, "", forbidden, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := e.ev.List(e.ctx, tc.p, c.ID)
			if code(err) != tc.list {
				t.Fatalf("List: %v, want %q", err, tc.list)
			}
			if err == nil && (len(l.Items) < 1 || l.CanAdd != tc.canAdd || l.CanDownload != tc.canDL || l.CanExport != tc.canEx) {
				t.Errorf("List = %d items, add %v download %v export %v", len(l.Items), l.CanAdd, l.CanDownload, l.CanExport)
			}
			if err := e.ev.MayAdd(e.ctx, tc.p, c.ID); code(err) != tc.add {
				t.Errorf("MayAdd: %v, want %q", err, tc.add)
			}
			if _, err := e.upload(tc.p, c.ID, "x.bin", "x", cases.NewEvidence{}); code(err) != tc.add {
				t.Errorf("AddFile: %v, want %q", err, tc.add)
			}
			if _, err := e.ev.AddPhysical(e.ctx, tc.p, c.ID, cases.NewEvidence{Name: "PC", Location: "保管庫"}); code(err) != tc.add {
				t.Errorf("AddPhysical: %v, want %q", err, tc.add)
			}
			got, err := e.download(tc.p, c.ID, item.ID)
			if code(err) != tc.get || (err == nil && got != "YOUR FILES ARE ENCRYPTED") {
				t.Errorf("download: %q, %v, want %q", got, err, tc.get)
			}
			_, err = e.ev.RecordTransfer(e.ctx, tc.p, c.ID, item.ID, cases.Transfer{Action: cases.CustodyHandedOver, Party: "科捜研"})
			if code(err) != tc.custody {
				t.Errorf("RecordTransfer: %v, want %q", err, tc.custody)
			}
			_, err = e.ev.Item(e.ctx, tc.p, c.ID, item.ID)
			if code(err) != tc.list {
				t.Errorf("Item: %v, want %q", err, tc.list)
			}
		})
	}
	// Every refusal is audited on the case, with the right refused.
	rows, err := e.db.AuditOf(e.ctx, "case", id(c.ID))
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]int{}
	for _, r := range rows {
		if r.Action == "case.refused" && r.ActorID == osaka.UserID {
			refused[r.Detail]++
		}
	}
	if len(refused) < 3 {
		t.Errorf("refusals of another prefecture audited: %v", refused)
	}
	// Each download is in the item's custody log and the audit log: the
	// owner, the HQ, the analyst and the granted downloader.
	var downloads int
	for _, a := range e.custodyOf(item.ID) {
		if a == "downloaded" {
			downloads++
		}
	}
	if n := strings.Count(strings.Join(e.evidenceAudit(item.ID), " "), "evidence.download"); downloads != 4 || n != 4 {
		t.Errorf("%d downloads in custody, %d audited; want 4", downloads, n)
	}
}

// TestEvidenceFile: an upload is stored under its SHA-256 with its first
// custody entry and a timeline entry; views, downloads and verifications
// are recorded; a damaged file is never delivered whole, and the failure is
// logged loudly, put in the custody log, the timeline and the audit log; a
// missing one likewise.
func TestEvidenceFile(t *testing.T) {
	e := newEvidenceEnv(t)
	p := e.officer("pref-13", auth.RoleInvestigator)
	c := e.open(p, "PH")
	content := strings.Repeat("偽SMSのスクリーンショット", 5000)
	item, err := e.upload(p, c.ID, `C:\Users\victim\Desktop\sms.png`, content, cases.NewEvidence{Description: "被害者のスマートフォンの画面",
		ReceivedFrom: "被害者 田中", CollectedAt: "2026-03-02T18:30"})
	if err != nil {
		t.Fatal(err)
	}
	if item.Name != "sms.png" || item.SHA256 != sumOf(content) || item.Size != int64(len(content)) || item.CollectedBy != p.Name ||
		!item.CollectedAt.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) || item.Kind != cases.EvidenceFile {
		t.Errorf("item %+v", item)
	}
	if got, err := os.ReadFile(e.onDisk(item.SHA256)); err != nil || string(got) != content {
		t.Fatalf("stored file: %v", err)
	}
	v, err := e.ev.Item(e.ctx, p, c.ID, item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Custody) != 2 || v.Custody[0].Party != "被害者 田中" || v.Custody[1].Action != cases.CustodyViewed || v.People[p.UserID].Name != p.Name {
		t.Errorf("item view %+v", v)
	}
	if got, err := e.download(p, c.ID, item.ID); err != nil || got != content {
		t.Fatalf("download: %d bytes, %v", len(got), err)
	}
	if ok, err := e.ev.Verify(e.ctx, p, c.ID, item.ID); !ok || err != nil {
		t.Fatalf("Verify intact: %v %v", ok, err)
	}

	// Damaged on disk: the download stops with an error, never io.EOF.
	damaged := []byte(content)
	damaged[len(damaged)/2] ^= 1
	if err := os.WriteFile(e.onDisk(item.SHA256), damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := e.download(p, c.ID, item.ID)
	if !errors.Is(err, blob.ErrDamaged) || len(got) >= len(content) {
		t.Fatalf("damaged download: %d of %d bytes, %v", len(got), len(content), err)
	}
	if ok, err := e.ev.Verify(e.ctx, p, c.ID, item.ID); ok || err != nil {
		t.Fatalf("Verify damaged: %v %v", ok, err)
	}
	// Gone from disk: refused at once.
	if err := os.Remove(e.onDisk(item.SHA256)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ev.Open(e.ctx, p, c.ID, item.ID); koban.ErrorKey(err) != "case.evidence.error.damaged" {
		t.Fatalf("missing file: %v", err)
	}
	want := []string{"collected", "viewed", "downloaded", "verified", "downloaded", "verification_failed", "verification_failed",
		"downloaded", "verification_failed"}
	if got := e.custodyOf(item.ID); !slices.Equal(got, want) {
		t.Errorf("custody %v\nwant    %v", got, want)
	}
	cs, _ := e.db.Custody(e.ctx, item.ID)
	if cs[6].SHA256 != sumOf(string(damaged)) || cs[6].Note != "mismatch" || cs[8].Note != "missing" || cs[3].SHA256 != item.SHA256 {
		t.Errorf("verification entries %+v", cs)
	}
	if a := e.evidenceAudit(item.ID); !slices.Equal(a, []string{"evidence.add", "evidence.view", "evidence.download", "evidence.verify",
		"evidence.download", "evidence.verify_failed", "evidence.verify_failed", "evidence.download", "evidence.verify_failed"}) {
		t.Errorf("audit %v", a)
	}
	var kinds []string
	tl, _ := e.db.Timeline(e.ctx, c.ID)
	for _, ev := range tl {
		if ev.RefID == item.ID && strings.HasPrefix(string(ev.Kind), "evidence") {
			kinds = append(kinds, string(ev.Kind))
		}
	}
	if !slices.Equal(kinds, []string{"evidence_added", "evidence_damaged", "evidence_damaged", "evidence_damaged"}) {
		t.Errorf("timeline %v", kinds)
	}
	if n := strings.Count(e.log.String(), "EVIDENCE FILE DAMAGED"); n != 3 || !strings.Contains(e.log.String(), "level=ERROR") {
		t.Errorf("logged %d damaged lines:\n%s", n, e.log.String())
	}
}

// TestPhysicalEvidence: a seized device with where it is kept, handed to
// the lab, received back and returned, each in its custody log and the
// timeline; it has no file to download or verify.
func TestPhysicalEvidence(t *testing.T) {
	e := newEvidenceEnv(t)
	p := e.officer("pref-13", auth.RoleInvestigator)
	c := e.open(p, "MW")
	phone, err := e.ev.AddPhysical(e.ctx, p, c.ID, cases.NewEvidence{Name: "スマートフォン（黒、画面割れ）", Serial: "IMEI 356938035643809",
		CollectedBy: "巡査部長 佐藤", ReceivedFrom: "被疑者", Location: "証拠品保管庫 A-3"})
	if err != nil {
		t.Fatal(err)
	}
	if phone.Kind != cases.EvidencePhysical || phone.Location != "証拠品保管庫 A-3" || phone.CollectedBy != "巡査部長 佐藤" || phone.SHA256 != "" {
		t.Errorf("item %+v", phone)
	}
	for _, tr := range []cases.Transfer{
		{Action: cases.CustodyHandedOver, Party: "科学捜査研究所", Location: "科捜研", Note: "データ抽出を依頼"},
		{Action: cases.CustodyReceived, Party: "科学捜査研究所"},
		{Action: cases.CustodyStored, Location: "証拠品保管庫 B-1"},
		{Action: cases.CustodyReturned, Party: "所有者"},
	} {
		e.clock.Advance(time.Hour)
		if _, err := e.ev.RecordTransfer(e.ctx, p, c.ID, phone.ID, tr); err != nil {
			t.Fatalf("%s: %v", tr.Action, err)
		}
	}
	l, err := e.ev.List(e.ctx, p, c.ID)
	if err != nil || len(l.Items) != 1 {
		t.Fatal(err)
	}
	if it := l.Items[0]; it.Location != "証拠品保管庫 B-1" || it.Holder != "所有者" || !it.Returned {
		t.Errorf("after return %+v", it)
	}
	if got := e.custodyOf(phone.ID); !slices.Equal(got, []string{"collected", "handed_over", "received", "stored", "returned"}) {
		t.Errorf("custody %v", got)
	}
	tl, _ := e.db.Timeline(e.ctx, c.ID)
	var tos []string
	for _, ev := range tl {
		if ev.Kind == cases.EventEvidenceCustody {
			tos = append(tos, ev.To+":"+ev.Text)
		}
	}
	if !slices.Equal(tos, []string{"handed_over:科学捜査研究所", "received:科学捜査研究所", "stored:証拠品保管庫 B-1", "returned:所有者"}) {
		t.Errorf("timeline %v", tos)
	}
	if _, err := e.ev.Open(e.ctx, p, c.ID, phone.ID); code(err) != string(koban.NotFound) {
		t.Errorf("download of a physical item: %v", err)
	}
	if _, err := e.ev.Verify(e.ctx, p, c.ID, phone.ID); field(err) != "evidence:case.evidence.error.no_file" {
		t.Errorf("verify a physical item: %v", err)
	}
}

func TestEvidenceRefusals(t *testing.T) {
	e := newEvidenceEnv(t)
	p := e.officer("pref-13", auth.RoleInvestigator)
	c, other := e.open(p, "PH"), e.open(p, "PH")
	item, err := e.upload(p, c.ID, "a.txt", "a", cases.NewEvidence{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"an empty file", func() error { _, err := e.upload(p, c.ID, "a.txt", "", cases.NewEvidence{}); return err }, "file:case.evidence.error.file_empty"},
		{"no file", func() error { _, err := e.ev.AddFile(e.ctx, p, c.ID, "a", cases.NewEvidence{}, nil); return err }, "file:case.evidence.error.file_required"},
		{"collected in the future", func() error {
			_, err := e.upload(p, c.ID, "a.txt", "a", cases.NewEvidence{CollectedAt: "2026-03-04T10:00"})
			return err
		}, "collected_at:case.evidence.error.collected_future"},
		{"not a time", func() error {
			_, err := e.upload(p, c.ID, "a.txt", "a", cases.NewEvidence{CollectedAt: "yesterday"})
			return err
		}, "collected_at:case.evidence.error.collected_at"},
		{"a physical item without a place", func() error {
			_, err := e.ev.AddPhysical(e.ctx, p, c.ID, cases.NewEvidence{Name: "PC"})
			return err
		}, "location:case.evidence.error.location_required"},
		{"a physical item without a name", func() error {
			_, err := e.ev.AddPhysical(e.ctx, p, c.ID, cases.NewEvidence{Location: "保管庫"})
			return err
		}, "name:case.evidence.error.name_required"},
		{"handed to nobody", func() error {
			_, err := e.ev.RecordTransfer(e.ctx, p, c.ID, item.ID, cases.Transfer{Action: cases.CustodyHandedOver})
			return err
		}, "party:case.evidence.error.party_required"},
		{"stored nowhere", func() error {
			_, err := e.ev.RecordTransfer(e.ctx, p, c.ID, item.ID, cases.Transfer{Action: cases.CustodyStored})
			return err
		}, "location:case.evidence.error.location_required"},
		{"a view is not recorded by hand", func() error {
			_, err := e.ev.RecordTransfer(e.ctx, p, c.ID, item.ID, cases.Transfer{Action: cases.CustodyViewed, Party: "x"})
			return err
		}, "action:case.evidence.error.action"},
		{"an item of another case", func() error { _, err := e.ev.Item(e.ctx, p, other.ID, item.ID); return err }, "not_found"},
		{"a missing case", func() error { _, err := e.ev.List(e.ctx, p, 999); return err }, "not_found"},
	} {
		if got := field(tc.err()); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := e.custodyOf(item.ID); !slices.Equal(got, []string{"collected"}) {
		t.Errorf("refusals left custody entries: %v", got)
	}
	// Over the size limit: a 413 on the file.
	e.ev.MaxBytes = 10
	if _, err := e.ev.Stage(strings.NewReader(strings.Repeat("x", 11))); field(err) != "file:case.evidence.error.too_large" || code(err) != string(koban.TooLarge) {
		t.Errorf("too large: %v", err)
	}
}

// TestVerifyAll: every stored file (report files and case evidence) is
// hashed once; a damaged and a deleted file are named with the reports and
// cases that hold them, and each case item gets its custody entry.
func TestVerifyAll(t *testing.T) {
	e := newEvidenceEnv(t)
	p := e.officer("pref-13", auth.RoleInvestigator)
	c := e.open(p, "PH")
	shared, lost, fine := "同じ画像", "消えるファイル", "無事なファイル"
	a, err := e.upload(p, c.ID, "a.png", shared, cases.NewEvidence{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.upload(p, c.ID, "b.bin", lost, cases.NewEvidence{})
	ok, _ := e.upload(p, c.ID, "c.txt", fine, cases.NewEvidence{})
	r := e.report("pref-13")
	// A report naming the same file as the case (stored straight through
	// the store: the public form checks types, the case does not).
	if err := e.db.AddToReport(e.ctx, r.ID, intake.Addition{Files: []intake.File{{SHA256: sumOf(shared), Name: "x.png", ContentType: "image/png",
		Size: int64(len(shared)), AddedBy: "reporter", CreatedAt: now0}}}, audit.Entry{Actor: audit.Public("192.0.2.1"), Action: "report.add_info", ObjectType: "report"}); err != nil {
		t.Fatal(err)
	}
	bad := []byte(shared)
	bad[0] ^= 1
	os.WriteFile(e.onDisk(sumOf(shared)), bad, 0o600)
	os.Remove(e.onDisk(sumOf(lost)))

	var found []cases.Finding
	sum, err := e.ev.VerifyAll(e.ctx, func(f cases.Finding) { found = append(found, f) })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 3 || sum.Evidence != 3 || sum.Reports != 1 || sum.Damaged != 2 || len(found) != 2 {
		t.Fatalf("summary %+v, findings %+v", sum, found)
	}
	byProblem := map[string]cases.Finding{}
	for _, f := range found {
		byProblem[f.Problem] = f
	}
	m, gone := byProblem["mismatch"], byProblem["missing"]
	if m.SHA256 != sumOf(shared) || m.Found != sumOf(string(bad)) || len(m.Holders) != 2 || m.Holders[0].Receipt != r.Receipt ||
		m.Holders[1].CaseNumber != c.Number || m.Holders[1].EvidenceID != a.ID {
		t.Errorf("mismatch %+v", m)
	}
	if gone.SHA256 != sumOf(lost) || gone.Found != "" || len(gone.Holders) != 1 || gone.Holders[0].EvidenceID != b.ID {
		t.Errorf("missing %+v", gone)
	}
	for item, want := range map[int64]string{a.ID: "verification_failed", b.ID: "verification_failed", ok.ID: "verified"} {
		if got := e.custodyOf(item); got[len(got)-1] != want {
			t.Errorf("item %d: custody %v, want it to end in %s", item, got, want)
		}
	}
	rows, _ := e.db.AuditOf(e.ctx, "evidence", "")
	if len(rows) != 1 || rows[0].Action != "evidence.verify_all" {
		t.Errorf("run audited as %+v", rows)
	}
}

// TestSupportAnswerFilesBecomeEvidence: the files a unit sends back with
// its answer to a technical-support request land in the case's evidence,
// received from the unit, with a custody entry, though the unit holds
// only view and download on the case; the unit may then download them,
// and another prefecture still sees nothing.
func TestSupportAnswerFilesBecomeEvidence(t *testing.T) {
	e := newEvidenceEnv(t)
	e.svc.SetSupportEvidence(e.ev)
	station := e.officer("pref-13", auth.RoleInvestigator)
	ncu := e.officer("ncu", auth.RoleInvestigator)
	c := e.open(station, "MW")
	r, err := e.svc.RequestSupport(e.ctx, station, c.ID, cases.NewSupport{ToOrgID: e.orgID("ncu"), Kind: "malware", Description: "検体の解析", Due: "2026-03-10"})
	if err != nil {
		t.Fatal(err)
	}
	// The unit may not add evidence of its own accord.
	if _, err := e.upload(ncu, c.ID, "own.txt", "勝手な追加", cases.NewEvidence{}); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("the unit adding evidence outside an answer: %v, want Forbidden", err)
	}
	if _, err := e.svc.AnswerSupport(e.ctx, ncu, r.ID, "解析結果を添付します。", []cases.ResultFile{{Name: "report.txt", Body: strings.NewReader("C2: 198.51.100.7")}}); err != nil {
		t.Fatal(err)
	}
	list, err := e.ev.List(e.ctx, station, c.ID)
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("case evidence after the answer: %+v, %v", list, err)
	}
	it := list.Items[0]
	if it.Name != "report.txt" || it.ReceivedFrom != "サイバー特別捜査部" || !strings.Contains(it.Description, "技術支援依頼") {
		t.Errorf("the answer's file as evidence: %+v", it)
	}
	if got := e.custodyOf(it.ID); len(got) == 0 || got[0] != "collected" {
		t.Errorf("custody of the answer's file: %v", got)
	}
	d, err := e.ev.Open(e.ctx, ncu, c.ID, it.ID)
	if err != nil {
		t.Fatalf("the unit downloads its own answer: %v", err)
	}
	d.Body.Close()
	if _, err := e.ev.List(e.ctx, e.officer("pref-27", auth.RoleInvestigator), c.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("another prefecture lists the evidence: %v", err)
	}
}

// A file koban already keeps becomes evidence under the hash its content
// has now: a file changed on disk since it was kept, or gone, is refused
// and nothing is recorded; an officer who may not edit the case adds
// nothing.
func TestKeptFileBecomesEvidence(t *testing.T) {
	e := newEvidenceEnv(t)
	p := e.officer("pref-13", auth.RoleInvestigator)
	osaka := e.officer("pref-27", auth.RoleInvestigator)
	c := e.open(p, "IL")
	good, _, err := e.blobs.Put(strings.NewReader("kept page"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bad, _, err := e.blobs.Put(strings.NewReader("page changed later"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.onDisk(bad), []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	kept := func(sum string) []cases.KeptFile {
		return []cases.KeptFile{{SHA256: sum, NewEvidence: cases.NewEvidence{Name: "page.html", CollectedBy: "patrol", CollectedAt: "2026-01-02T03:04:05Z"}}}
	}
	if _, err := e.ev.AddKept(e.ctx, osaka, c.ID, kept(good), nil); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("another prefecture: %v", err)
	}
	if _, err := e.ev.AddKept(e.ctx, p, c.ID, kept(bad), nil); err == nil {
		t.Error("a file whose content changed was added")
	}
	if _, err := e.ev.AddKept(e.ctx, p, c.ID, kept(sumOf("never stored")), nil); err == nil {
		t.Error("a missing file was added")
	}
	evs, err := e.ev.AddKept(e.ctx, p, c.ID, kept(good), map[string]any{"finding": 7})
	if err != nil || len(evs) != 1 || evs[0].SHA256 != good || evs[0].Size != int64(len("kept page")) || evs[0].CollectedBy != "patrol" ||
		!evs[0].CollectedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("kept file: %+v, %v", evs, err)
	}
	if l, _ := e.ev.List(e.ctx, p, c.ID); len(l.Items) != 1 {
		t.Errorf("%d items; want only the good one", len(l.Items))
	}
	if got := e.custodyOf(evs[0].ID); len(got) != 1 || !strings.HasPrefix(got[0], "collected") {
		t.Errorf("custody %v", got)
	}
}
