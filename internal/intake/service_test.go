package intake_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/koban-project/koban/internal/access"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
)

// now0 is the fixed "now" of every intake test.
var now0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// env is an intake service on a real store and blob store.
type env struct {
	t     *testing.T
	dir   string
	ctx   context.Context
	db    *store.DB
	blobs *blob.Store
	clock *koban.FixedClock
	tree  *org.Tree
	svc   *intake.Service
	mail  *recordingNotifier
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	ctx := t.Context()
	clock := koban.NewFixedClock(now0)
	db, err := store.Open(ctx, store.Options{DataDir: dir, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, ctx: ctx, db: db, blobs: blobs, clock: clock, mail: &recordingNotifier{}}
	e.reloadTree()
	e.svc = intake.NewService(db, blobs, func() *org.Tree { return e.tree }, clock, slog.New(slog.DiscardHandler))
	e.svc.SetNotifier(e.mail)
	return e
}

func (e *env) reloadTree() {
	e.t.Helper()
	orgs, err := e.db.Orgs(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if e.tree, err = org.NewTree(orgs); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) orgID(code string) int64 {
	e.t.Helper()
	o, ok := e.tree.ByCode(code)
	if !ok {
		e.t.Fatalf("no organisation %s", code)
	}
	return o.ID
}

// officer creates an account and returns its principal.
func (e *env) officer(email, orgCode string, role auth.Role) auth.Principal {
	e.t.Helper()
	if _, ok := e.tree.ByCode(orgCode); !ok && role == auth.RolePartner {
		o := org.Org{Code: orgCode, Kind: org.KindPartner, NameJA: orgCode, NameEN: orgCode}
		if err := e.db.CreateOrg(e.ctx, &o, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
			e.t.Fatal(err)
		}
		e.reloadTree()
	}
	u := &auth.User{Email: email, Name: email, OrgID: e.orgID(orgCode), Role: role, PasswordHash: "unused", CreatedAt: now0}
	if err := e.db.CreateUser(e.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		e.t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: role, IP: "203.0.113.9", Via: "session"}
}

// lookup is the AssigneeLookup the web handlers give Assign.
func (e *env) lookup(ctx context.Context, id int64) (*auth.User, error) { return e.db.User(ctx, id) }

var public = intake.Origin{Source: "web", IP: "192.0.2.44"}

// validSub is a report from the public that passes validation.
func validSub() intake.Submission {
	return intake.Submission{
		Kind: intake.KindReport, Category: "PH", Prefecture: "13",
		Description: "銀行を名乗るSMSのリンク https://bank-login.example.com/verify からIDとパスワードを入力してしまった。",
		OccurredAt:  now0.Add(-2 * time.Hour),
		Contact:     intake.Contact{Name: "山田 太郎", Email: "taro@example.jp"}, Consent: true,
	}
}

// submit stores a submission from the public and returns its receipt.
func (e *env) submit(s intake.Submission) *intake.Receipt {
	e.t.Helper()
	rc, err := e.svc.Submit(e.ctx, s, public)
	if err != nil {
		e.t.Fatalf("Submit: %v", err)
	}
	return rc
}

func (e *env) load(id int64) *intake.Report {
	e.t.Helper()
	r, err := e.db.Report(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Report(%d): %v", id, err)
	}
	return r
}

// actions lists the audit actions recorded about a report.
func (e *env) actions(id int64) []string {
	e.t.Helper()
	rows, err := e.db.AuditOf(e.ctx, "report", strconv.FormatInt(id, 10))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Action)
	}
	return out
}

// auditRows counts the whole audit log and checks the chain.
func (e *env) auditRows() int64 {
	e.t.Helper()
	res, err := e.db.VerifyAudit(e.ctx)
	if err != nil || !res.OK() {
		e.t.Fatalf("VerifyAudit = %+v, %v", res, err)
	}
	return res.Rows
}

// problems returns the field errors of a validation error, field -> key.
func problems(t *testing.T, err error) map[string]string {
	t.Helper()
	var pe *koban.ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a list of problems", err)
	}
	out := map[string]string{}
	for _, p := range pe.Problems {
		if p.Code != koban.Invalid {
			t.Errorf("problem %+v has code %s", p, p.Code)
		}
		if prev, dup := out[p.Field]; dup {
			out[p.Field] = prev + "," + p.Key
		} else {
			out[p.Field] = p.Key
		}
	}
	return out
}

func wantCode(t *testing.T, what string, err error, want koban.Code) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s", what, want)
		return
	}
	if got := koban.ErrorCode(err); got != want {
		t.Errorf("%s: %v has code %s, want %s", what, err, got, want)
	}
}

func wantField(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	var ke *koban.Error
	if !errors.As(err, &ke) || ke.Code != koban.Invalid || ke.Field != field || ke.Key != key {
		t.Errorf("%s: got %v, want invalid %s %s", what, err, field, key)
	}
}

// recordingNotifier records the replies it was asked to announce.
type recordingNotifier struct {
	mu   sync.Mutex
	sent []string // "to language receipt"
	err  error
}

func (n *recordingNotifier) NotifyReply(_ context.Context, to, language, receipt string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, to+" "+language+" "+receipt)
	return n.err
}

func (n *recordingNotifier) MailStatusLink(_ context.Context, to, language, receipt, link string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, to+" "+language+" "+receipt+" "+link)
	return n.err
}

func (n *recordingNotifier) calls() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}

// pngBytes is a real 2x2 PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func upload(name string, data []byte) intake.Upload {
	return intake.Upload{Name: name, Body: bytes.NewReader(data)}
}

func sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// --- Submission -------------------------------------------------------------

func TestSubmitStoresReport(t *testing.T) {
	e := newEnv(t)
	s := validSub()
	s.Language = "en"
	s.Money = intake.Money{AmountJPY: 300_000, SentAt: now0.Add(-3 * time.Hour)}
	rc := e.submit(s)
	if rc.ReportID == 0 || rc.Receipt == "" || !auth.PlausibleStatusToken(rc.Token) {
		t.Fatalf("receipt %+v", rc)
	}
	if _, ok := intake.NormalizeReceipt(rc.Receipt); !ok {
		t.Errorf("receipt number %q is not valid", rc.Receipt)
	}
	r := e.load(rc.ReportID)
	if r.TokenHash != auth.HashToken(rc.Token) || strings.Contains(r.TokenHash, rc.Token) {
		t.Error("the stored token hash does not match the token, or the token is stored")
	}
	if r.Kind != intake.KindReport || r.Category != "PH" || r.ReportedCategory != "PH" || r.Status != intake.StatusNew ||
		r.Source != "web" || r.SubmittedBy != 0 || r.Language != "en" || r.Contact != s.Contact || !r.Consent ||
		!r.CreatedAt.Equal(now0) || !r.UpdatedAt.Equal(now0) || !r.OccurredAt.Equal(s.OccurredAt) || r.Money != s.Money {
		t.Errorf("stored report %+v", r)
	}
	if !slices.Contains(r.Observables, observe.Observable{Type: observe.URL, Value: "https://bank-login.example.com/verify"}) {
		t.Errorf("observables %v lack the URL of the description", r.Observables)
	}
	if got := e.actions(r.ID); !slices.Equal(got, []string{"report.create"}) {
		t.Errorf("audit %v", got)
	}
	// Defaults: Japanese when no language is given.
	s = validSub()
	if r := e.load(e.submit(s).ReportID); r.Language != "ja" {
		t.Errorf("default language %q", r.Language)
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ pref, owner string }{
		{"13", "pref-13"},
		{"27", "pref-27"},
		{"01", "pref-01"},
		{"", org.NationalQueueCode},
	} {
		s := validSub()
		s.Prefecture = c.pref
		r := e.load(e.submit(s).ReportID)
		if r.OrgID != e.orgID(c.owner) || r.Prefecture != c.pref {
			t.Errorf("prefecture %q: owned by %d with prefecture %q, want %s", c.pref, r.OrgID, r.Prefecture, c.owner)
		}
	}
}

func TestFreezeWindowOnSubmit(t *testing.T) {
	e := newEnv(t)
	s := validSub()
	s.Money = intake.Money{AmountJPY: 500_000, SentAt: now0.Add(-71 * time.Hour)}
	rc := e.submit(s)
	if want := now0.Add(time.Hour); !rc.Report.FreezeDeadline.Equal(want) || !e.load(rc.ReportID).FreezeDeadline.Equal(want) {
		t.Errorf("sent 71 h ago: deadline %v, want %v", rc.Report.FreezeDeadline, want)
	}
	if len(rc.Advice) < 1 || rc.Advice[0].Key != "advice.freeze" || !rc.Advice[0].Deadline.Equal(now0.Add(time.Hour)) {
		t.Errorf("advice %+v does not start with the freeze deadline", rc.Advice)
	}

	s.Money.SentAt = now0.Add(-73 * time.Hour)
	rc = e.submit(s)
	if !e.load(rc.ReportID).FreezeDeadline.IsZero() {
		t.Errorf("sent 73 h ago: deadline %v, want none", rc.Report.FreezeDeadline)
	}
	for _, a := range rc.Advice {
		if a.Key == "advice.freeze" {
			t.Error("freeze advice for a closed window")
		}
	}

	s.Money.SentAt = now0.Add(time.Hour)
	_, err := e.svc.Submit(e.ctx, s, public)
	if got := problems(t, err); len(got) != 1 || got["money.sent_at"] != "intake.error.future" {
		t.Errorf("money sent in the future: %v", got)
	}
}

func TestUrgentOnSubmit(t *testing.T) {
	e := newEnv(t)
	s := validSub()
	s.Category = "su"
	rc := e.submit(s)
	if r := e.load(rc.ReportID); !r.Urgent || r.Category != "SU" {
		t.Errorf("SU report: urgent %v category %q", r.Urgent, r.Category)
	}
	if len(rc.Advice) == 0 || rc.Advice[0].Key != "advice.urgent" {
		t.Errorf("advice %+v", rc.Advice)
	}
	s = validSub()
	s.Category, s.Description = "HR", "元交際相手から「殺すぞ」とメッセージが来た"
	if r := e.load(e.submit(s).ReportID); !r.Urgent {
		t.Error("a death threat is not urgent")
	}
	if r := e.load(e.submit(validSub()).ReportID); r.Urgent {
		t.Error("a phishing report is urgent")
	}
}

// --- Files ------------------------------------------------------------------

func TestFileAcceptedByContent(t *testing.T) {
	e := newEnv(t)
	img := pngBytes(t)
	pdf := []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")
	s := validSub()
	// The name does not decide the type: a PNG named .dat is a PNG.
	s.Files = []intake.Upload{upload("screenshot.png", img), upload("scan.dat", img), upload(`C:\Users\taro\請求書.pdf`, pdf)}
	rc := e.submit(s)
	r := e.load(rc.ReportID)
	if len(r.Files) != 3 {
		t.Fatalf("%d files stored", len(r.Files))
	}
	for i, c := range []struct {
		name, ct string
		data     []byte
	}{
		{"screenshot.png", "image/png", img},
		{"scan.dat", "image/png", img},
		{"請求書.pdf", "application/pdf", pdf},
	} {
		f := r.Files[i]
		if f.Name != c.name || f.ContentType != c.ct || f.Size != int64(len(c.data)) || f.SHA256 != sum(c.data) ||
			f.AddedBy != "reporter" || !f.CreatedAt.Equal(now0) {
			t.Errorf("file %d: %+v", i, f)
		}
		rd, err := e.blobs.Open(f.SHA256)
		if err != nil {
			t.Fatalf("file %d not in the blob store: %v", i, err)
		}
		got, _ := io.ReadAll(rd)
		rd.Close()
		if !bytes.Equal(got, c.data) {
			t.Errorf("file %d: blob content differs", i)
		}
	}
	if r.Files[0].SHA256 != r.Files[1].SHA256 {
		t.Error("the same content got two sums")
	}
}

func TestFileRejectedByContent(t *testing.T) {
	e := newEnv(t)
	elf := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 200)...)
	pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), []byte("This program cannot be run in DOS mode.\r\r\n$")...)
	html := []byte("<!DOCTYPE html><html><body><script>document.location='https://evil.example/'</script></body></html>")
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`)
	zip := []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")
	before := e.auditRows()
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"photo.png", elf}, {"photo.png", pe}, {"photo.png", html}, {"image.png", svg}, {"docs.png", zip},
	} {
		s := validSub()
		s.Files = []intake.Upload{upload("ok.png", pngBytes(t)), upload(c.name, c.data)}
		_, err := e.svc.Submit(e.ctx, s, public)
		if got := problems(t, err); len(got) != 1 || got["files.1"] != "intake.error.file_type" {
			t.Errorf("%q starting %q: problems %v, want files.1 intake.error.file_type", c.name, c.data[:4], got)
		}
	}
	if e.auditRows() != before {
		t.Error("a submission with a rejected file was stored")
	}
}

func TestFileSizeLimits(t *testing.T) {
	e := newEnv(t)
	limit := e.svc.Limits().FileBytes
	if limit != 10<<20 {
		t.Fatalf("file limit %d, want 10 MiB", limit)
	}
	head := pngBytes(t)
	sized := func(n int64) io.Reader {
		return io.MultiReader(bytes.NewReader(head), io.LimitReader(zeros{}, n-int64(len(head))))
	}
	s := validSub()
	s.Files = []intake.Upload{{Name: "big.png", Body: sized(limit + 1)}}
	_, err := e.svc.Submit(e.ctx, s, public)
	if got := problems(t, err); len(got) != 1 || got["files.0"] != "intake.error.file_too_large" {
		t.Errorf("a file one byte over the limit: %v", got)
	}
	s = validSub()
	s.Files = []intake.Upload{{Name: "exact.png", Body: sized(limit)}}
	rc := e.submit(s)
	if f := e.load(rc.ReportID).Files; len(f) != 1 || f[0].Size != limit {
		t.Errorf("a file of exactly the limit: %+v", f)
	}

	s = validSub()
	s.Files = []intake.Upload{upload("empty.png", nil)}
	_, err = e.svc.Submit(e.ctx, s, public)
	if got := problems(t, err); len(got) != 1 || got["files.0"] != "intake.error.file_empty" {
		t.Errorf("an empty file: %v", got)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestFileTextExtracted(t *testing.T) {
	e := newEnv(t)
	eml := []byte("From: \"Support\" <support@evil-bank.example.com>\r\nTo: taro@example.jp\r\nSubject: =?UTF-8?B?5pys5Lq656K66KqN?=\r\n\r\n" +
		"Please verify at https://evil-bank.example.com/verify?id=1 now. Server 198.51.100.23\r\n")
	log := []byte("2026-03-01 12:00:01 login from 203.0.113.77 via hxxp://phish[.]example[.]net/a\n")
	s := validSub()
	s.Description = "添付のメールを受け取りました。"
	s.Files = []intake.Upload{upload("mail.EML", eml), upload("access.log.txt", log)}
	rc := e.submit(s)
	r := e.load(rc.ReportID)
	if len(r.Files) != 2 || r.Files[0].ContentType != "message/rfc822" || r.Files[1].ContentType != "text/plain" {
		t.Fatalf("files %+v: want message/rfc822 and text/plain", r.Files)
	}
	for _, o := range []observe.Observable{
		{Type: observe.Email, Value: "support@evil-bank.example.com"},
		{Type: observe.URL, Value: "https://evil-bank.example.com/verify?id=1"},
		{Type: observe.IPv4, Value: "198.51.100.23"},
		{Type: observe.IPv4, Value: "203.0.113.77"},
		{Type: observe.Domain, Value: "phish.example.net"},
	} {
		if !slices.Contains(r.Observables, o) {
			t.Errorf("observable %v from the files not extracted; have %v", o, r.Observables)
		}
	}
	// The message is read as e-mail, not as text: its sender's domain comes
	// from the header, its Subject is decoded.
	if !slices.Contains(r.Observables, observe.Observable{Type: observe.Domain, Value: "evil-bank.example.com"}) {
		t.Errorf("the sender's domain was not taken from the header; have %v", r.Observables)
	}
	if slices.ContainsFunc(r.Observables, func(o observe.Observable) bool { return o.Value == "5pys5Lq656K66KqN" }) {
		t.Error("the encoded Subject was read as text")
	}
}

func TestFileNamesCleaned(t *testing.T) {
	e := newEnv(t)
	img := pngBytes(t)
	s := validSub()
	s.Files = []intake.Upload{
		upload("../../etc/passwd.png", img),
		upload(`..\..\Windows\"evil"`+"\x00\r\nname.png", img),
		upload("", img),
		upload(strings.Repeat("長", 130)+".png", img),
	}
	r := e.load(e.submit(s).ReportID)
	want := []string{"passwd.png", "evilname.png", "file", strings.Repeat("長", 120)}
	for i, w := range want {
		if i >= len(r.Files) || r.Files[i].Name != w {
			t.Errorf("file %d named %q, want %q", i, r.Files[i].Name, w)
		}
	}
}

// --- Batches, status page, more information --------------------------------

func TestSubmitBatch(t *testing.T) {
	e := newEnv(t)
	partner := e.officer("api@jc3.example.jp", "jc3", auth.RolePartner)
	o := intake.Origin{Source: "partner", SubmittedBy: partner.UserID, OrgID: partner.OrgID, Label: partner.Email, IP: "198.51.100.8"}
	good1 := validSub()
	good1.Contact, good1.Consent, good1.ExternalID = intake.Contact{}, false, "jc3-1" // partners need no contact
	bad := validSub()
	bad.Description, bad.Prefecture = "", "99"
	good2 := validSub()
	good2.Kind, good2.Prefecture, good2.ExternalID = intake.KindTip, "27", "jc3-2"
	rcs, errs := e.svc.SubmitBatch(e.ctx, []intake.Submission{good1, bad, good2}, o)
	if len(rcs) != 3 || len(errs) != 3 {
		t.Fatalf("%d receipts, %d errors for 3 submissions", len(rcs), len(errs))
	}
	if errs[0] != nil || errs[2] != nil || rcs[0] == nil || rcs[2] == nil {
		t.Fatalf("valid submissions refused: %v", errs)
	}
	if rcs[1] != nil {
		t.Error("a receipt for the invalid submission")
	}
	if got := problems(t, errs[1]); got["description"] != "intake.error.description_required" || got["prefecture"] != "intake.error.prefecture" {
		t.Errorf("problems of the invalid one: %v", got)
	}
	for i, want := range map[int]struct{ ext, org string }{0: {"jc3-1", "pref-13"}, 2: {"jc3-2", "pref-27"}} {
		r := e.load(rcs[i].ReportID)
		if r.Source != "partner" || r.SubmittedBy != partner.UserID || r.ExternalID != want.ext || r.OrgID != e.orgID(want.org) || r.Receipt != rcs[i].Receipt {
			t.Errorf("report %d: %+v", i, r)
		}
		rows, _ := e.db.AuditOf(e.ctx, "report", strconv.FormatInt(r.ID, 10))
		if len(rows) != 1 || rows[0].Action != "report.create" || rows[0].ActorID != partner.UserID || rows[0].Actor != partner.Email || rows[0].OrgID != partner.OrgID {
			t.Errorf("audit of report %d: %+v", i, rows)
		}
		if _, err := e.svc.Status(e.ctx, rcs[i].Token); err != nil {
			t.Errorf("status of report %d: %v", i, err)
		}
	}
	// A batch of only invalid submissions stores nothing.
	before := e.auditRows()
	_, errs = e.svc.SubmitBatch(e.ctx, []intake.Submission{bad, bad}, o)
	if errs[0] == nil || errs[1] == nil || e.auditRows() != before {
		t.Errorf("all-invalid batch: %v, audit rows %d -> %d", errs, before, e.auditRows())
	}
}

func TestStatus(t *testing.T) {
	e := newEnv(t)
	rc := e.submit(validSub())
	view, err := e.svc.Status(e.ctx, rc.Token)
	if err != nil || view.Report.ID != rc.ReportID || len(view.Advice) == 0 || view.Advice[len(view.Advice)-1].Key != "advice.PH" {
		t.Fatalf("Status = %+v, %v", view, err)
	}
	unknown, _ := auth.NewStatusToken()
	for _, tok := range []string{"", "garbage", "kst_short", unknown, strings.ToUpper(rc.Token), rc.Token + "a", "kbn_" + rc.Token[4:]} {
		_, err := e.svc.Status(e.ctx, tok)
		wantCode(t, "Status("+tok+")", err, koban.NotFound)
	}
}

func TestAddInfo(t *testing.T) {
	e := newEnv(t)
	rc := e.submit(validSub())
	e.clock.Advance(time.Hour)
	img := pngBytes(t)
	if err := e.svc.AddInfo(e.ctx, rc.Token, "  振込先は 〇〇銀行 でした。  ", []intake.Upload{upload("receipt.png", img)}, "192.0.2.99"); err != nil {
		t.Fatalf("AddInfo: %v", err)
	}
	r := e.load(rc.ReportID)
	if len(r.Messages) != 1 || r.Messages[0].Author != "reporter" || r.Messages[0].Body != "振込先は 〇〇銀行 でした。" ||
		r.Messages[0].UserID != 0 || !r.Messages[0].CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("messages %+v", r.Messages)
	}
	if len(r.Files) != 1 || r.Files[0].SHA256 != sum(img) || r.Files[0].AddedBy != "reporter" || !e.blobs.Has(sum(img)) {
		t.Errorf("files %+v", r.Files)
	}
	if r.Status != intake.StatusNew || !r.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("status %s updated %v", r.Status, r.UpdatedAt)
	}
	rows, _ := e.db.AuditOf(e.ctx, "report", strconv.FormatInt(r.ID, 10))
	if len(rows) != 2 || rows[1].Action != "report.add_info" || rows[1].Actor != "public" || rows[1].IP != "192.0.2.99" {
		t.Errorf("audit %+v", rows)
	}
	// A file alone is enough.
	if err := e.svc.AddInfo(e.ctx, rc.Token, "", []intake.Upload{upload("more.png", img)}, "192.0.2.99"); err != nil {
		t.Errorf("AddInfo with only a file: %v", err)
	}

	before := e.auditRows()
	err := e.svc.AddInfo(e.ctx, rc.Token, "   ", nil, "192.0.2.99")
	if got := problems(t, err); got["body"] != "status.error.empty" {
		t.Errorf("empty AddInfo: %v", got)
	}
	err = e.svc.AddInfo(e.ctx, rc.Token, strings.Repeat("長", 20001), nil, "192.0.2.99")
	if got := problems(t, err); got["body"] != "intake.error.description_too_long" {
		t.Errorf("too long AddInfo: %v", got)
	}
	err = e.svc.AddInfo(e.ctx, rc.Token, "see file", []intake.Upload{upload("x.png", []byte("<html><script></script></html>"))}, "192.0.2.99")
	if got := problems(t, err); got["files.0"] != "intake.error.file_type" {
		t.Errorf("AddInfo with an HTML file: %v", got)
	}
	var many []intake.Upload
	for i := 0; i < 14; i++ { // 2 stored + 14 > 3 x 5
		many = append(many, upload("p.png", img))
	}
	err = e.svc.AddInfo(e.ctx, rc.Token, "", many, "192.0.2.99")
	if got := problems(t, err); got["files"] != "intake.error.too_many_files" {
		t.Errorf("AddInfo with too many files: %v", got)
	}
	unknown, _ := auth.NewStatusToken()
	wantCode(t, "AddInfo with an unknown token", e.svc.AddInfo(e.ctx, unknown, "hello", nil, "192.0.2.99"), koban.NotFound)
	wantCode(t, "AddInfo with a malformed token", e.svc.AddInfo(e.ctx, "nope", "hello", nil, "192.0.2.99"), koban.NotFound)
	if e.auditRows() != before {
		t.Error("a refused AddInfo wrote to the audit log")
	}
}

// TestAddInfoControlCharacters: the description refuses control characters
// (intake.error.description_invalid); text added later is shown next to it
// and must meet the same rule.
func TestAddInfoControlCharacters(t *testing.T) {
	e := newEnv(t)
	rc := e.submit(validSub())
	for _, text := range []string{"bell\x07", "nul\x00byte", "\x1b[2Jterminal escape", "bad utf-8 \xff"} {
		err := e.svc.AddInfo(e.ctx, rc.Token, text, nil, "192.0.2.99")
		if err == nil {
			t.Errorf("AddInfo accepted %q", text)
			continue
		}
		wantCode(t, "AddInfo "+strconv.Quote(text), err, koban.Invalid)
	}
}

// --- Officer actions --------------------------------------------------------

// officers is a cast of principals around two reports in pref-13.
type officers struct {
	off13, inv13, ana13, off27, npa, partner auth.Principal
	r13, tip13                               *intake.Receipt
}

func cast(e *env) *officers {
	e.t.Helper()
	c := &officers{
		off13:   e.officer("intake@pref13.example.jp", "pref-13", auth.RoleIntake),
		inv13:   e.officer("investigator@pref13.example.jp", "pref-13", auth.RoleInvestigator),
		ana13:   e.officer("analyst@pref13.example.jp", "pref-13", auth.RoleAnalyst),
		off27:   e.officer("intake@pref27.example.jp", "pref-27", auth.RoleIntake),
		npa:     e.officer("supervisor@npa.example.jp", "npa", auth.RoleSupervisor),
		partner: e.officer("api@jc3.example.jp", "jc3", auth.RolePartner),
	}
	s := validSub()
	s.Language = "en"
	c.r13 = e.submit(s)
	tip := validSub()
	tip.Kind, tip.Contact, tip.Consent = intake.KindTip, intake.Contact{}, false
	c.tip13 = e.submit(tip)
	return c
}

func TestOtherPrefectureSeesNothing(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	id := c.r13.ReportID
	s := validSub()
	s.Prefecture = "27"
	osaka := e.submit(s)
	before := e.load(id)
	rows := e.auditRows()
	p := c.off27
	checks := map[string]func(id int64) error{
		"Get":           func(id int64) error { _, err := e.svc.Get(e.ctx, p, id); return err },
		"RevealContact": func(id int64) error { _, err := e.svc.RevealContact(e.ctx, p, id); return err },
		"History":       func(id int64) error { _, err := e.svc.History(e.ctx, p, id); return err },
		"FileOf":        func(id int64) error { _, err := e.svc.FileOf(e.ctx, p, id, 1); return err },
		"Assign nobody": func(id int64) error { return e.svc.Assign(e.ctx, p, id, 0, e.lookup) },
		"Assign pref-13 officer": func(id int64) error {
			return e.svc.Assign(e.ctx, p, id, c.off13.UserID, e.lookup)
		},
		"Reply":       func(id int64) error { return e.svc.Reply(e.ctx, p, id, "こんにちは") },
		"Close":       func(id int64) error { return e.svc.Close(e.ctx, p, id, "resolved", "") },
		"Reopen":      func(id int64) error { return e.svc.Reopen(e.ctx, p, id) },
		"SetCategory": func(id int64) error { return e.svc.SetCategory(e.ctx, p, id, "FR") },
		"Transfer":    func(id int64) error { return e.svc.Transfer(e.ctx, p, id, "pref-27", "ours now") },
		"MarkDuplicate onto a report it sees": func(id int64) error {
			return e.svc.MarkDuplicate(e.ctx, p, id, osaka.Receipt)
		},
	}
	for name, fn := range checks {
		err := fn(id)
		wantCode(t, name+" of another prefecture's report", err, koban.NotFound)
		// The answer is the same as for a report that does not exist.
		if missing := fn(987_654); koban.ErrorKey(err) != koban.ErrorKey(missing) {
			t.Errorf("%s: key %q for a hidden report, %q for a missing one", name, koban.ErrorKey(err), koban.ErrorKey(missing))
		}
	}
	if d := e.load(id); d.Status != before.Status || d.OrgID != before.OrgID || len(d.Messages) != 0 || d.Category != before.Category {
		t.Errorf("report changed: %+v", d)
	}
	if e.auditRows() != rows {
		t.Error("refused actions wrote to the audit log")
	}
	if len(e.mail.calls()) != 0 {
		t.Error("a refused reply sent mail")
	}
}

// TestAssignHiddenReportDoesNotLeak: an officer assigning a colleague of
// their own prefecture to a report of another prefecture must get the same
// NotFound as for a report that does not exist.
func TestAssignHiddenReportDoesNotLeak(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	colleague := e.officer("colleague@pref27.example.jp", "pref-27", auth.RoleIntake)
	hidden := e.svc.Assign(e.ctx, c.off27, c.r13.ReportID, colleague.UserID, e.lookup)
	missing := e.svc.Assign(e.ctx, c.off27, 987_654, colleague.UserID, e.lookup)
	wantCode(t, "Assign of a hidden report", hidden, koban.NotFound)
	wantCode(t, "Assign of a missing report", missing, koban.NotFound)
}

func TestNationalSeesAll(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	r, err := e.svc.Get(e.ctx, c.npa, c.r13.ReportID)
	if err != nil || !r.Given.Email {
		t.Fatalf("NPA Get = %+v, %v", r, err)
	}
	if got, err := e.svc.RevealContact(e.ctx, c.npa, c.r13.ReportID); err != nil || got.Email != "taro@example.jp" {
		t.Fatalf("NPA RevealContact = %+v, %v", got, err)
	}
	items, total, err := e.svc.Queue(e.ctx, c.npa, intake.QueueFilter{})
	if err != nil || total != 2 || len(items) != 2 {
		t.Errorf("NPA queue: %d items, total %d, %v", len(items), total, err)
	}
	items, total, err = e.svc.Queue(e.ctx, c.off27, intake.QueueFilter{})
	if err != nil || total != 0 || len(items) != 0 {
		t.Errorf("pref-27 queue: %d items, total %d, %v", len(items), total, err)
	}
	items, total, err = e.svc.Queue(e.ctx, c.off13, intake.QueueFilter{Limit: 1})
	if err != nil || total != 2 || len(items) != 1 {
		t.Errorf("pref-13 queue with limit 1: %d items, total %d, %v", len(items), total, err)
	}
	_, _, err = e.svc.Queue(e.ctx, c.partner, intake.QueueFilter{})
	wantCode(t, "partner queue", err, koban.Forbidden)
	_, err = e.svc.Get(e.ctx, c.partner, c.r13.ReportID)
	wantCode(t, "partner Get", err, koban.Forbidden)
}

func TestPersonalDataViews(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	id := c.r13.ReportID
	views := func() []audit.Row {
		t.Helper()
		rows, err := e.db.AuditOf(e.ctx, "report", strconv.FormatInt(id, 10))
		if err != nil {
			t.Fatal(err)
		}
		var out []audit.Row
		for _, r := range rows {
			if r.Action == "report.view_personal" {
				out = append(out, r)
			}
		}
		return out
	}

	// Get leaves contact details out for every role, and says which were
	// given; it audits nothing.
	for _, p := range []auth.Principal{c.ana13, c.off13, c.inv13} {
		r, err := e.svc.Get(e.ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Contact.Empty() || r.Given != (intake.ContactGiven{Name: true, Email: true}) || r.Description == "" {
			t.Errorf("%s: Get = contact %+v, given %+v", p.Email, r.Contact, r.Given)
		}
	}
	if len(views()) != 0 {
		t.Error("Get was audited as a view of personal data")
	}

	// An analyst may not reveal them.
	_, err := e.svc.RevealContact(e.ctx, c.ana13, id)
	wantCode(t, "analyst RevealContact", err, koban.Forbidden)

	// An officer reveals them: one audit row for the day, however often.
	for range 3 {
		got, err := e.svc.RevealContact(e.ctx, c.off13, id)
		if err != nil || got.Email != "taro@example.jp" || got.Name != "山田 太郎" {
			t.Fatalf("intake officer RevealContact = %+v, %v", got, err)
		}
		e.clock.Advance(time.Minute)
	}
	v := views()
	if len(v) != 1 || v[0].ActorID != c.off13.UserID || v[0].Actor != c.off13.Email || v[0].OrgID != c.off13.OrgID || v[0].IP != c.off13.IP {
		t.Errorf("view_personal rows %+v", v)
	}
	// Another officer's reveal is theirs to account for.
	if _, err := e.svc.RevealContact(e.ctx, c.inv13, id); err != nil {
		t.Fatal(err)
	}
	if len(views()) != 2 {
		t.Error("each officer's view of personal data is audited")
	}

	// No contact given: nothing personal to audit.
	if got, err := e.svc.RevealContact(e.ctx, c.off13, c.tip13.ReportID); err != nil || !got.Empty() {
		t.Fatalf("RevealContact of an anonymous tip = %+v, %v", got, err)
	}
	if got := e.actions(c.tip13.ReportID); !slices.Equal(got, []string{"report.create"}) {
		t.Errorf("audit of an anonymous tip after a view: %v", got)
	}

	// Nobody's view cleared the stored contact.
	if e.load(id).Contact.Email != "taro@example.jp" {
		t.Error("contact lost")
	}
}

// TestContactViewsAuditedOncePerDayInJapan: the day of "once a day" is
// Japan's: a reveal just before midnight JST and one just after are two
// days, two rows; two on the same JST day, one.
func TestContactViewsAuditedOncePerDayInJapan(t *testing.T) {
	e := newEnv(t)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	e.svc.SetZone(tokyo)
	c := cast(e)
	id := c.r13.ReportID
	views := func() int {
		t.Helper()
		n := 0
		for _, a := range e.actions(id) {
			if a == "report.view_personal" {
				n++
			}
		}
		return n
	}
	reveal := func() {
		t.Helper()
		if got, err := e.svc.RevealContact(e.ctx, c.off13, id); err != nil || got.Email == "" {
			t.Fatalf("RevealContact at %s: %+v, %v", e.clock.Now().In(tokyo), got, err)
		}
	}
	// now0 is 19:00 JST on 2 March; move to 23:58.
	e.clock.Advance(4*time.Hour + 58*time.Minute)
	reveal()
	e.clock.Advance(90 * time.Second) // 23:59:30
	reveal()
	if n := views(); n != 1 {
		t.Fatalf("two reveals before midnight JST: %d rows, want 1", n)
	}
	e.clock.Advance(30 * time.Second) // 00:00:00 JST on 3 March (15:00 UTC, still 2 March in UTC)
	reveal()
	if n := views(); n != 2 {
		t.Fatalf("a reveal after midnight JST: %d rows, want 2", n)
	}
	e.clock.Advance(23*time.Hour + 59*time.Minute) // 23:59 JST on 3 March
	reveal()
	if n := views(); n != 2 {
		t.Errorf("a reveal later the same JST day: %d rows, want 2", n)
	}
}

func TestAssign(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	id := c.r13.ReportID
	rows := e.auditRows()
	err := e.svc.Assign(e.ctx, c.off13, id, c.off27.UserID, e.lookup)
	wantField(t, "assign to another prefecture's officer", err, "assignee", "triage.error.assignee")
	err = e.svc.Assign(e.ctx, c.off13, id, 987_654, e.lookup)
	wantField(t, "assign to an unknown user", err, "assignee", "triage.error.assignee")
	// Accounts of the right organisation that could never open the report:
	// a disabled officer, and a machine account given the partner role.
	disabled := e.officer("retired@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	if err := e.db.SetUserDisabled(e.ctx, disabled.UserID, true, audit.Entry{Actor: audit.System, Action: "user.disable", ObjectType: "user"}); err != nil {
		t.Fatal(err)
	}
	machine := e.officer("feed@pref13.example.jp", "pref-13", auth.RolePartner)
	rows = e.auditRows()
	err = e.svc.Assign(e.ctx, c.off13, id, disabled.UserID, e.lookup)
	wantField(t, "assign to a disabled account", err, "assignee", "triage.error.assignee")
	err = e.svc.Assign(e.ctx, c.off13, id, machine.UserID, e.lookup)
	wantField(t, "assign to a partner-role account", err, "assignee", "triage.error.assignee")
	wantCode(t, "analyst assigns", e.svc.Assign(e.ctx, c.ana13, id, 0, e.lookup), koban.Forbidden)
	if e.auditRows() != rows {
		t.Error("refused assignments were audited")
	}

	e.clock.Advance(time.Minute)
	if err := e.svc.Assign(e.ctx, c.off13, id, c.inv13.UserID, e.lookup); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	r := e.load(id)
	if r.AssigneeID != c.inv13.UserID || r.Status != intake.StatusInProgress || !r.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("after Assign: assignee %d status %s updated %v", r.AssigneeID, r.Status, r.UpdatedAt)
	}
	// The NPA sees the report, so an NPA officer may take it.
	if err := e.svc.Assign(e.ctx, c.off13, id, c.npa.UserID, e.lookup); err != nil {
		t.Errorf("Assign to NPA officer: %v", err)
	}
	if err := e.svc.Assign(e.ctx, c.off13, id, 0, e.lookup); err != nil {
		t.Fatal(err)
	}
	r = e.load(id)
	if r.AssigneeID != 0 || r.Status != intake.StatusInProgress {
		t.Errorf("after unassigning: assignee %d status %s", r.AssigneeID, r.Status)
	}
	audits, _ := e.db.AuditOf(e.ctx, "report", strconv.FormatInt(id, 10))
	if len(audits) != 4 || audits[1].Action != "report.assign" || audits[1].ActorID != c.off13.UserID {
		t.Fatalf("audit %+v", audits)
	}
	if want := `{"from":0,"to":` + strconv.FormatInt(c.inv13.UserID, 10) + `}`; audits[1].Detail != want {
		t.Errorf("assign detail %s, want %s", audits[1].Detail, want)
	}
}

func TestSetCategory(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	id := c.r13.ReportID
	wantField(t, "unknown category", e.svc.SetCategory(e.ctx, c.off13, id, "XX"), "category", "intake.error.category")
	if err := e.svc.SetCategory(e.ctx, c.off13, id, " su "); err != nil {
		t.Fatal(err)
	}
	if r := e.load(id); r.Category != "SU" || !r.Urgent || r.ReportedCategory != "PH" {
		t.Errorf("after SetCategory SU: %q urgent %v reported %q", r.Category, r.Urgent, r.ReportedCategory)
	}
	if err := e.svc.SetCategory(e.ctx, c.off13, id, ""); err != nil {
		t.Fatal(err)
	}
	if r := e.load(id); r.Category != "" || !r.Urgent {
		t.Errorf("an urgent report stays urgent when the category is cleared: %q urgent %v", r.Category, r.Urgent)
	}
	wantCode(t, "analyst sets category", e.svc.SetCategory(e.ctx, c.ana13, id, "FR"), koban.Forbidden)
}

func TestMarkDuplicate(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	first, second := c.r13, c.tip13
	s := validSub()
	s.Prefecture = "27"
	osaka := e.submit(s)
	rows := e.auditRows()

	wantField(t, "self", e.svc.MarkDuplicate(e.ctx, c.off13, first.ReportID, first.Receipt), "duplicate_of", "triage.error.duplicate_self")
	wantField(t, "hidden target", e.svc.MarkDuplicate(e.ctx, c.off13, first.ReportID, osaka.Receipt), "duplicate_of", "triage.error.duplicate_target")
	wantField(t, "hidden target by id", e.svc.MarkDuplicate(e.ctx, c.off13, first.ReportID, strconv.FormatInt(osaka.ReportID, 10)), "duplicate_of", "triage.error.duplicate_target")
	wantField(t, "garbage", e.svc.MarkDuplicate(e.ctx, c.off13, first.ReportID, "no such thing"), "duplicate_of", "triage.error.duplicate_target")
	bad := []byte(first.Receipt)
	bad[0] = map[bool]byte{true: '3', false: '2'}[bad[0] == '2'] // wrong check character
	wantField(t, "mistyped receipt", e.svc.MarkDuplicate(e.ctx, c.off13, second.ReportID, string(bad)), "duplicate_of", "triage.error.duplicate_target")
	if e.auditRows() != rows {
		t.Error("refused MarkDuplicate wrote to the audit log")
	}

	// A receipt as a person types it: lower case, no dashes.
	typed := strings.ToLower(strings.ReplaceAll(first.Receipt, "-", ""))
	if err := e.svc.MarkDuplicate(e.ctx, c.off13, second.ReportID, typed); err != nil {
		t.Fatalf("MarkDuplicate by receipt: %v", err)
	}
	r := e.load(second.ReportID)
	if r.DuplicateOf != first.ReportID || r.Status != intake.StatusClosed || r.CloseReason != "duplicate" {
		t.Errorf("after MarkDuplicate: of %d status %s reason %q", r.DuplicateOf, r.Status, r.CloseReason)
	}
	if got := e.actions(second.ReportID); !slices.Equal(got, []string{"report.create", "report.duplicate"}) {
		t.Errorf("audit %v", got)
	}
	if err := e.svc.Reopen(e.ctx, c.off13, second.ReportID); err != nil {
		t.Fatal(err)
	}
	if r := e.load(second.ReportID); r.DuplicateOf != 0 || r.Status != intake.StatusInProgress || r.CloseReason != "" {
		t.Errorf("after Reopen: %+v", r)
	}
	if err := e.svc.MarkDuplicate(e.ctx, c.off13, second.ReportID, strconv.FormatInt(first.ReportID, 10)); err != nil {
		t.Errorf("MarkDuplicate by id: %v", err)
	}
}

func TestClose(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	id := c.r13.ReportID
	rows := e.auditRows()
	for _, reason := range []string{"", "because", "Resolved", "resolved "} {
		wantField(t, "reason "+strconv.Quote(reason), e.svc.Close(e.ctx, c.off13, id, reason, ""), "reason", "triage.error.close_reason")
	}
	if e.auditRows() != rows {
		t.Error("refused Close wrote to the audit log")
	}
	wantCode(t, "analyst closes", e.svc.Close(e.ctx, c.ana13, id, "resolved", ""), koban.Forbidden)
	if err := e.svc.Close(e.ctx, c.off13, id, "advice_given", "  電話で助言済み "); err != nil {
		t.Fatal(err)
	}
	if r := e.load(id); r.Status != intake.StatusClosed || r.CloseReason != "advice_given" {
		t.Errorf("after Close: %s %q", r.Status, r.CloseReason)
	}
	audits, _ := e.db.AuditOf(e.ctx, "report", strconv.FormatInt(id, 10))
	if last := audits[len(audits)-1]; last.Action != "report.close" || last.Detail != `{"note":"電話で助言済み","reason":"advice_given"}` {
		t.Errorf("close audit %+v", last)
	}
}

func TestTransfer(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	id := c.r13.ReportID
	if err := e.svc.Assign(e.ctx, c.off13, id, c.inv13.UserID, e.lookup); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Close(e.ctx, c.off13, id, "referred", ""); err != nil {
		t.Fatal(err)
	}
	e.officer("feed@jc3.example", "jc3", auth.RolePartner)
	rows := e.auditRows()
	wantField(t, "no note", e.svc.Transfer(e.ctx, c.off13, id, "pref-27", ""), "note", "triage.error.note_required")
	wantField(t, "blank note", e.svc.Transfer(e.ctx, c.off13, id, "pref-27", " \n\t "), "note", "triage.error.note_required")
	wantField(t, "note too long", e.svc.Transfer(e.ctx, c.off13, id, "pref-27", strings.Repeat("長", 2001)), "note", "triage.error.note_required")
	wantField(t, "unknown org", e.svc.Transfer(e.ctx, c.off13, id, "pref-99", "note"), "org", "triage.error.org")
	wantField(t, "same org", e.svc.Transfer(e.ctx, c.off13, id, "pref-13", "note"), "org", "triage.error.same_org")
	// A partner organisation is a root of the tree: no police account would
	// see the report again.
	wantField(t, "partner org", e.svc.Transfer(e.ctx, c.off13, id, "jc3", "フィード事業者へ"), "org", "triage.error.org_partner")
	wantCode(t, "analyst transfers", e.svc.Transfer(e.ctx, c.ana13, id, "pref-27", "note"), koban.Forbidden)
	if e.auditRows() != rows {
		t.Error("refused Transfer wrote to the audit log")
	}

	if err := e.svc.Transfer(e.ctx, c.off13, id, " pref-27 ", "大阪府内の事業者への送金のため"); err != nil {
		t.Fatalf("Transfer: %v", err)
	}
	r := e.load(id)
	if r.OrgID != e.orgID("pref-27") || r.AssigneeID != 0 || r.Status != intake.StatusInProgress || r.Prefecture != "13" {
		t.Errorf("after Transfer: org %d assignee %d status %s prefecture %s", r.OrgID, r.AssigneeID, r.Status, r.Prefecture)
	}
	_, err := e.svc.Get(e.ctx, c.off13, id)
	wantCode(t, "old owner Get after Transfer", err, koban.NotFound)
	wantCode(t, "old owner Reply after Transfer", e.svc.Reply(e.ctx, c.off13, id, "hello"), koban.NotFound)
	if _, err := e.svc.Get(e.ctx, c.off27, id); err != nil {
		t.Errorf("new owner Get: %v", err)
	}
	if _, err := e.svc.Get(e.ctx, c.npa, id); err != nil {
		t.Errorf("NPA Get: %v", err)
	}
	audits, _ := e.db.AuditOf(e.ctx, "report", strconv.FormatInt(id, 10))
	var last audit.Row
	for _, a := range audits {
		if a.Action == "report.transfer" {
			last = a
		}
	}
	want := `{"from":` + strconv.FormatInt(e.orgID("pref-13"), 10) + `,"note":"大阪府内の事業者への送金のため","to":` + strconv.FormatInt(e.orgID("pref-27"), 10) + `}`
	if last.Action != "report.transfer" || last.Detail != want {
		t.Errorf("transfer audit %s %s, want %s", last.Action, last.Detail, want)
	}
}

func TestReply(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	id := c.r13.ReportID
	wantField(t, "empty reply", e.svc.Reply(e.ctx, c.off13, id, "  "), "body", "triage.error.reply_required")
	wantField(t, "long reply", e.svc.Reply(e.ctx, c.off13, id, strings.Repeat("長", 10001)), "body", "triage.error.reply_required")
	wantCode(t, "analyst replies", e.svc.Reply(e.ctx, c.ana13, id, "hello"), koban.Forbidden)
	if n := len(e.mail.calls()); n != 0 {
		t.Fatalf("%d mails for refused replies", n)
	}

	e.clock.Advance(time.Hour)
	if err := e.svc.Reply(e.ctx, c.off13, id, "  ご連絡ありがとうございます。 "); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	r := e.load(id)
	if r.Status != intake.StatusInProgress || len(r.Messages) != 1 {
		t.Fatalf("after Reply: status %s, %d messages", r.Status, len(r.Messages))
	}
	if m := r.Messages[0]; m.Author != "officer" || m.UserID != c.off13.UserID || m.Body != "ご連絡ありがとうございます。" || !m.CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("message %+v", m)
	}
	if got, want := e.mail.calls(), []string{"taro@example.jp en " + c.r13.Receipt}; !slices.Equal(got, want) {
		t.Errorf("notifications %q, want %q", got, want)
	}
	if got := e.actions(id); !slices.Equal(got, []string{"report.create", "report.reply"}) {
		t.Errorf("audit %v", got)
	}
	// The reporter sees the reply on the status page.
	view, err := e.svc.Status(e.ctx, c.r13.Token)
	if err != nil || len(view.Report.Messages) != 1 || view.Report.Messages[0].Author != "officer" {
		t.Errorf("status page after reply: %+v, %v", view, err)
	}

	// A closed report stays closed when the police write to the reporter.
	if err := e.svc.Close(e.ctx, c.off13, id, "resolved", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Reply(e.ctx, c.off13, id, "念のためご連絡します。"); err != nil {
		t.Fatal(err)
	}
	if r := e.load(id); r.Status != intake.StatusClosed || len(r.Messages) != 2 {
		t.Errorf("reply to a closed report: status %s, %d messages", r.Status, len(r.Messages))
	}

	// A mail failure does not undo the reply.
	e.mail.err = errors.New("smtp down")
	if err := e.svc.Reply(e.ctx, c.off13, id, "三通目"); err != nil {
		t.Errorf("Reply with a failing mailer: %v", err)
	}
	if r := e.load(id); len(r.Messages) != 3 {
		t.Errorf("%d messages after the mail failure", len(r.Messages))
	}
	e.mail.err = nil

	// No e-mail address: nothing to send.
	n := len(e.mail.calls())
	s := validSub()
	s.Contact = intake.Contact{Phone: "03-1234-5678"}
	byPhone := e.submit(s)
	if err := e.svc.Reply(e.ctx, c.off13, byPhone.ReportID, "お電話します。"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Reply(e.ctx, c.off13, c.tip13.ReportID, "情報提供ありがとうございます。"); err != nil {
		t.Fatal(err)
	}
	if got := e.mail.calls(); len(got) != n {
		t.Errorf("mail sent to a reporter without an address: %q", got[n:])
	}
	if r := e.load(byPhone.ReportID); r.Status != intake.StatusInProgress || len(r.Messages) != 1 {
		t.Errorf("reply without mail: status %s, %d messages", r.Status, len(r.Messages))
	}
}

// TestTransferReopensCleanly: a transfer puts a closed report back in
// progress, as Reopen does; like Reopen it must drop the close reason and the
// duplicate link, which the detail page shows whenever they are set.
func TestTransferReopensCleanly(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	if err := e.svc.MarkDuplicate(e.ctx, c.off13, c.r13.ReportID, c.tip13.Receipt); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Transfer(e.ctx, c.off13, c.r13.ReportID, "pref-27", "大阪の事案"); err != nil {
		t.Fatal(err)
	}
	r := e.load(c.r13.ReportID)
	if r.Status != intake.StatusInProgress {
		t.Fatalf("status %s after transferring a closed report", r.Status)
	}
	if r.CloseReason != "" || r.DuplicateOf != 0 {
		t.Errorf("report in progress still says closed as %q, duplicate of %d", r.CloseReason, r.DuplicateOf)
	}
}

// TestStatusFreezeAdviceExpires: the status page must not keep urging the
// reporter to ask for a freeze once the window has closed.
func TestStatusFreezeAdviceExpires(t *testing.T) {
	e := newEnv(t)
	s := validSub()
	s.Money = intake.Money{AmountJPY: 800_000, SentAt: now0.Add(-71 * time.Hour)}
	rc := e.submit(s)
	view, err := e.svc.Status(e.ctx, rc.Token)
	if err != nil || len(view.Advice) == 0 || view.Advice[0].Key != "advice.freeze" {
		t.Fatalf("status within the window: %+v, %v", view, err)
	}
	e.clock.Advance(2 * time.Hour)
	view, err = e.svc.Status(e.ctx, rc.Token)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range view.Advice {
		if a.Key == "advice.freeze" {
			t.Errorf("freeze advice with deadline %v shown at %v, after the window closed", a.Deadline, e.clock.Now())
		}
	}
}

// TestGrantOpensAReport: a report shared with another prefecture by a grant
// (an answer to an access request, a joint investigation) opens for that
// prefecture through the same decision as its own reports — the page, the
// queue and search — with the rights granted and no more, until it expires.
func TestGrantOpensAReport(t *testing.T) {
	e := newEnv(t)
	c := cast(e)
	id := c.r13.ReportID
	_, err := e.svc.Get(e.ctx, c.off27, id)
	wantCode(t, "Osaka before the grant", err, koban.NotFound)
	g := &access.GrantRow{ObjectType: "report", ObjectID: id, OrgID: e.orgID("pref-27"), Rights: []access.Right{access.View},
		ExpiresAt: e.clock.Now().Add(24 * time.Hour), Reason: "同一口座の事件を捜査中", CreatedAt: e.clock.Now()}
	if err := e.db.CreateGrant(e.ctx, g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(e.ctx, c.off27, id); err != nil {
		t.Errorf("Osaka with a view grant: %v", err)
	}
	items, total, err := e.svc.Queue(e.ctx, c.off27, intake.QueueFilter{})
	if err != nil || !slices.ContainsFunc(items, func(it intake.QueueItem) bool { return it.ID == id }) {
		t.Errorf("the granted report is not in Osaka's queue (%d items, %v)", total, err)
	}
	hits, _, err := e.svc.Search(e.ctx, c.off27, "bank-login.example.com", 10, 0)
	if err != nil || !slices.ContainsFunc(hits, func(h intake.SearchHit) bool { return h.ID == id }) {
		t.Errorf("search does not find the granted report for Osaka: %v", err)
	}
	// View was granted, not the right to act on it.
	wantCode(t, "Osaka categorises a report it may only view", e.svc.SetCategory(e.ctx, c.off27, id, "FR"), koban.Forbidden)
	// Another prefecture holds nothing.
	_, err = e.svc.Get(e.ctx, e.officer("intake@pref01.example.jp", "pref-01", auth.RoleIntake), id)
	wantCode(t, "Hokkaido", err, koban.NotFound)
	// The grant ends by itself.
	e.clock.Advance(25 * time.Hour)
	_, err = e.svc.Get(e.ctx, c.off27, id)
	wantCode(t, "Osaka after the grant expired", err, koban.NotFound)
	if items, _, _ := e.svc.Queue(e.ctx, c.off27, intake.QueueFilter{}); slices.ContainsFunc(items, func(it intake.QueueItem) bool { return it.ID == id }) {
		t.Error("the expired grant still lists the report in Osaka's queue")
	}
}
