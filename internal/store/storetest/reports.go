package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
)

const (
	sumA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	sumB = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
)

// checkReport loads a report by id, token hash and receipt and compares it with want.
func (f *fixture) checkReport(want *intake.Report) {
	f.t.Helper()
	got, err := f.db.Report(f.ctx, want.ID)
	if err != nil {
		f.t.Fatalf("Report(%d): %v", want.ID, err)
	}
	if d := diff(want, got); d != nil {
		f.t.Errorf("Report(%d) differs:\n%s", want.ID, strings.Join(d, "\n"))
	}
	got, err = f.db.ReportByTokenHash(f.ctx, want.TokenHash)
	if err != nil {
		f.t.Fatalf("ReportByTokenHash: %v", err)
	}
	if d := diff(want, got); d != nil {
		f.t.Errorf("ReportByTokenHash differs:\n%s", strings.Join(d, "\n"))
	}
	id, err := f.db.ReportIDByReceipt(f.ctx, want.Receipt)
	if err != nil || id != want.ID {
		f.t.Errorf("ReportIDByReceipt(%q) = %d, %v; want %d", want.Receipt, id, err, want.ID)
	}
}

func testReportRoundTrip(t *testing.T, f *fixture) {
	assignee := f.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	partnerOrg := org.Org{Code: "jc3", Kind: org.KindPartner, NameJA: "日本サイバー犯罪対策センター", NameEN: "JC3"}
	if err := f.db.CreateOrg(f.ctx, &partnerOrg, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
		t.Fatal(err)
	}
	f.reloadTree()
	partner := f.user("api@jc3.example.jp", "jc3", auth.RolePartner)

	// A report with nothing optional set comes back with zero values.
	first := f.newReport("npa-cab")
	f.create(first)
	want := *first
	f.checkReport(&want)

	jst := time.FixedZone("JST", 9*60*60)
	sent := t0.Add(-5*time.Hour + 321*time.Microsecond)
	_, hash := auth.NewStatusToken()
	r := &intake.Report{
		TokenHash: hash, Kind: intake.KindConsultation, Category: "FR", ReportedCategory: "PH",
		TLP:         "amber",
		Description: "投資サイト https://evil.example/login に送金。連絡先 scam@evil.example\n二行目\tタブ",
		OccurredAt:  time.Date(2026, 2, 27, 22, 15, 0, 987654000, jst), // not UTC: must come back as the same instant
		Prefecture:  "13", OrgID: f.orgID("pref-13"),
		Money:          intake.Money{AmountJPY: 9_876_543_210, SentAt: sent},
		FreezeDeadline: sent.Add(intake.FreezeWindow), Urgent: true,
		Status: intake.StatusInProgress, CloseReason: "other", DuplicateOf: first.ID, AssigneeID: assignee.ID,
		Contact: intake.Contact{Name: "山田 太郎", Email: "taro@example.jp", Phone: "090-1234-5678"}, Consent: true,
		Language: "en", Source: "partner", SubmittedBy: partner.ID, ExternalID: "jc3-0042",
		CreatedAt: t0, UpdatedAt: t0.Add(time.Second + time.Microsecond),
		Files: []intake.File{
			{SHA256: sumA, Name: "スクリーンショット.png", ContentType: "image/png", Size: 123456, AddedBy: "reporter", CreatedAt: t0},
			{SHA256: sumB, Name: "mail.eml", ContentType: "message/rfc822", Size: 2048, AddedBy: "reporter", CreatedAt: t0.Add(time.Microsecond)},
		},
		Observables: []observe.Observable{
			{Type: observe.URL, Value: "https://evil.example/login"},
			{Type: observe.Domain, Value: "evil.example"},
			{Type: observe.Email, Value: "scam@evil.example"},
			{Type: observe.Domain, Value: "evil.example"}, // a repeat is stored once
		},
	}
	f.create(r)
	for i, fl := range r.Files {
		if fl.ID == 0 || fl.ReportID != r.ID {
			t.Errorf("file %d: ID %d ReportID %d after CreateReports (report %d)", i, fl.ID, fl.ReportID, r.ID)
		}
	}
	want = *r
	want.Observables = sortedObservables(r.Observables[:3])
	f.checkReport(&want)
	if got := f.load(r.ID); got.OccurredAt.Location() != time.UTC {
		t.Errorf("times come back in %v, want UTC", got.OccurredAt.Location())
	}

	rows := f.auditOf("report", r.ID)
	if len(rows) != 1 || rows[0].Action != "report.create" || rows[0].Actor != "public" || rows[0].IP != "192.0.2.10" {
		t.Fatalf("audit of created report: %+v", rows)
	}
	var detail map[string]any
	if err := json.Unmarshal([]byte(rows[0].Detail), &detail); err != nil || detail["receipt"] != r.Receipt {
		t.Errorf("audit detail %q does not name receipt %s (%v)", rows[0].Detail, r.Receipt, err)
	}
	if !rows[0].At.Equal(f.clock.Now()) {
		t.Errorf("audit row at %v, want the clock's %v", rows[0].At, f.clock.Now())
	}
}

func testReceiptsUnique(t *testing.T, f *fixture) {
	seen := map[string]int64{}
	for batch := 0; batch < 3; batch++ {
		var rs []*intake.Report
		for i := 0; i < 100; i++ {
			rs = append(rs, f.newReport("pref-13"))
		}
		f.create(rs...)
		for _, r := range rs {
			if norm, ok := intake.NormalizeReceipt(r.Receipt); !ok || norm != r.Receipt {
				t.Errorf("receipt %q is not a canonical receipt number", r.Receipt)
			}
			if other, dup := seen[r.Receipt]; dup {
				t.Errorf("receipt %s given to reports %d and %d", r.Receipt, other, r.ID)
			}
			seen[r.Receipt] = r.ID
		}
	}
	for receipt, want := range seen {
		if id, err := f.db.ReportIDByReceipt(f.ctx, receipt); err != nil || id != want {
			t.Fatalf("ReportIDByReceipt(%s) = %d, %v; want %d", receipt, id, err, want)
		}
	}
}

func testBatchAtomic(t *testing.T, f *fixture) {
	before := f.verified()
	check := func(name string, rs []*intake.Report) {
		t.Helper()
		entries := make([]audit.Entry, len(rs))
		for i := range entries {
			entries[i] = createEntry()
		}
		if err := f.db.CreateReports(f.ctx, rs, entries); err == nil {
			t.Fatalf("%s: CreateReports succeeded", name)
		}
		for i, r := range rs {
			if _, err := f.db.ReportByTokenHash(f.ctx, r.TokenHash); koban.ErrorCode(err) != koban.NotFound {
				t.Errorf("%s: report %d of the failed batch was stored (err %v)", name, i, err)
			}
		}
		if n := f.verified(); n != before {
			t.Errorf("%s: failed batch left %d audit rows", name, n-before)
		}
		items, total, err := f.db.Queue(f.ctx, intake.QueueFilter{Scope: f.scope(f.tree.Visible(f.orgID("npa"))), Limit: 100})
		if err != nil || total != 0 || len(items) != 0 {
			t.Errorf("%s: queue after failed batch: %d items, total %d, %v", name, len(items), total, err)
		}
	}

	bad := f.newReport("pref-13")
	bad.OrgID = 999_999 // no such organisation
	check("unknown org", []*intake.Report{f.newReport("pref-13"), f.newReport("pref-27"), bad})

	a, b := f.newReport("pref-13"), f.newReport("pref-13")
	b.TokenHash = a.TokenHash // token hashes are unique
	check("duplicate token hash", []*intake.Report{a, b})

	withFile := f.newReport("pref-13")
	withFile.Files = []intake.File{{SHA256: sumA, Name: "a.png", ContentType: "image/png", Size: 1, AddedBy: "reporter", CreatedAt: t0}}
	unknownAssignee := f.newReport("pref-13")
	unknownAssignee.AssigneeID = 424_242
	check("unknown assignee", []*intake.Report{withFile, unknownAssignee})

	// The store is still usable and the chain continues from the last committed row.
	ok := f.newReport("pref-13")
	f.create(ok)
	if n := f.verified(); n != before+1 {
		t.Errorf("audit rows after a good batch: %d, want %d", n, before+1)
	}
}

func testBatchLengthMismatch(t *testing.T, f *fixture) {
	before := f.verified()
	r := f.newReport("pref-13")
	if err := f.db.CreateReports(f.ctx, []*intake.Report{r}, nil); err == nil {
		t.Fatal("CreateReports accepted one report with no audit entry")
	}
	if _, err := f.db.ReportByTokenHash(f.ctx, r.TokenHash); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("report stored without its audit entry (err %v)", err)
	}
	if n := f.verified(); n != before {
		t.Errorf("audit rows changed by %d", n-before)
	}
}

// officer is u as the audit log records them.
func officer(u *auth.User) audit.Actor {
	return audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email, IP: "203.0.113.5"}
}

func testUpdateReport(t *testing.T, f *fixture) {
	u := f.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	other := f.newReport("pref-13")
	r := f.newReport("pref-13")
	r.Contact = intake.Contact{Email: "reporter@example.jp"}
	r.Consent = true
	f.create(other, r)
	before := f.verified()

	f.clock.Advance(time.Hour)
	later := f.clock.Now()
	calls := 0
	err := f.db.UpdateReport(f.ctx, r.ID, func(cur *intake.Report) (audit.Entry, error) {
		calls++
		if cur.ID != r.ID || cur.Receipt != r.Receipt || cur.Description != r.Description || cur.Contact != r.Contact {
			t.Errorf("fn was given %+v, want the stored report %d", cur, r.ID)
		}
		cur.Category, cur.OrgID, cur.Urgent = "HR", f.orgID("pref-27"), true
		cur.Status, cur.CloseReason, cur.DuplicateOf, cur.AssigneeID = intake.StatusClosed, "duplicate", other.ID, u.ID
		cur.UpdatedAt = later
		return audit.Entry{Actor: officer(u), Action: "report.triage_test", ObjectType: "report",
			ObjectID: strconv.FormatInt(cur.ID, 10), Detail: map[string]any{"step": 1}}, nil
	})
	if err != nil {
		t.Fatalf("UpdateReport: %v", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times", calls)
	}
	want := *r
	want.Category, want.OrgID, want.Urgent = "HR", f.orgID("pref-27"), true
	want.Status, want.CloseReason, want.DuplicateOf, want.AssigneeID = intake.StatusClosed, "duplicate", other.ID, u.ID
	want.UpdatedAt = later
	f.checkReport(&want)

	// Back to unassigned and not a duplicate: zero ids are stored as "none".
	err = f.db.UpdateReport(f.ctx, r.ID, func(cur *intake.Report) (audit.Entry, error) {
		cur.DuplicateOf, cur.AssigneeID, cur.Status, cur.CloseReason = 0, 0, intake.StatusInProgress, ""
		return audit.Entry{Actor: officer(u), Action: "report.reopen", ObjectType: "report", ObjectID: strconv.FormatInt(cur.ID, 10)}, nil
	})
	if err != nil {
		t.Fatalf("UpdateReport: %v", err)
	}
	want.DuplicateOf, want.AssigneeID, want.Status, want.CloseReason = 0, 0, intake.StatusInProgress, ""
	f.checkReport(&want)

	rows := f.auditOf("report", r.ID)
	if got := strings.Join(actions(rows), " "); got != "report.create report.triage_test report.reopen" {
		t.Errorf("audit actions %q", got)
	}
	if n := f.verified(); n != before+2 {
		t.Errorf("two updates wrote %d audit rows", n-before)
	}
	row := rows[1]
	if row.ActorID != u.ID || row.OrgID != u.OrgID || row.IP != "203.0.113.5" || row.Detail != `{"step":1}` || !row.At.Equal(later) {
		t.Errorf("update audit row %+v", row)
	}
}

func testUpdateReportRollback(t *testing.T, f *fixture) {
	r := f.newReport("pref-13")
	f.create(r)
	want := *r
	before := f.verified()
	entry := func(cur *intake.Report) audit.Entry {
		return audit.Entry{Actor: audit.System, Action: "report.x", ObjectType: "report", ObjectID: strconv.FormatInt(cur.ID, 10)}
	}
	unchanged := func(what string) {
		t.Helper()
		f.checkReport(&want)
		if n := f.verified(); n != before {
			t.Errorf("%s: %d audit rows written", what, n-before)
		}
	}

	boom := errors.New("boom")
	err := f.db.UpdateReport(f.ctx, r.ID, func(cur *intake.Report) (audit.Entry, error) {
		cur.Status, cur.Category = intake.StatusClosed, "SP"
		return entry(cur), boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("UpdateReport returned %v, want fn's error", err)
	}
	unchanged("fn error")

	err = f.db.UpdateReport(f.ctx, r.ID, func(cur *intake.Report) (audit.Entry, error) {
		cur.Status = intake.StatusClosed
		return audit.Entry{}, koban.FieldError("reason", "triage.error.close_reason")
	})
	wantFieldError(t, "fn field error", err, koban.Invalid, "reason", "triage.error.close_reason")
	unchanged("fn field error")

	// A change the database refuses rolls back too.
	err = f.db.UpdateReport(f.ctx, r.ID, func(cur *intake.Report) (audit.Entry, error) {
		cur.Status, cur.DuplicateOf = intake.StatusClosed, 987_654
		return entry(cur), nil
	})
	if err == nil {
		t.Error("UpdateReport stored a duplicate_of naming no report")
	}
	unchanged("foreign key")

	called := false
	err = f.db.UpdateReport(f.ctx, 987_654, func(cur *intake.Report) (audit.Entry, error) {
		called = true
		return entry(cur), nil
	})
	wantNotFound(t, "UpdateReport of a missing report", err)
	if called {
		t.Error("fn called for a missing report")
	}
	unchanged("missing report")
}

func testAddToReport(t *testing.T, f *fixture) {
	u := f.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	r := f.newReport("pref-13")
	f.create(r)
	f.clock.Advance(5 * time.Minute)
	now := f.clock.Now()

	msgs := []intake.Message{
		{ReportID: r.ID, Author: "reporter", Body: "追加の情報です。", CreatedAt: now.Add(-time.Minute)},
		{ReportID: r.ID, Author: "officer", UserID: u.ID, Body: "確認しました。", CreatedAt: now},
	}
	files := []intake.File{{SHA256: sumB, Name: "追加.pdf", ContentType: "application/pdf", Size: 999, AddedBy: "officer", CreatedAt: now}}
	e := audit.Entry{Actor: audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email}, Action: "report.reply", ObjectType: "report", ObjectID: strconv.FormatInt(r.ID, 10)}
	if err := f.db.AddToReport(f.ctx, r.ID, intake.Addition{Messages: msgs, Files: files, Status: intake.StatusInProgress}, e); err != nil {
		t.Fatalf("AddToReport: %v", err)
	}
	for i, m := range msgs {
		if m.ID == 0 {
			t.Errorf("message %d has no ID after AddToReport", i)
		}
	}
	if files[0].ID == 0 || files[0].ReportID != r.ID {
		t.Errorf("file after AddToReport: %+v", files[0])
	}
	want := *r
	want.Status, want.UpdatedAt = intake.StatusInProgress, now
	want.Messages = append([]intake.Message(nil), msgs...)
	want.Files = append([]intake.File(nil), files...)
	f.checkReport(&want)

	// No status: the status stays; messages keep their order.
	f.clock.Advance(time.Minute)
	more := []intake.Message{{ReportID: r.ID, Author: "reporter", Body: "もう一つ", CreatedAt: f.clock.Now()}}
	e.Action, e.Actor = "report.add_info", audit.Public("192.0.2.77")
	if err := f.db.AddToReport(f.ctx, r.ID, intake.Addition{Messages: more}, e); err != nil {
		t.Fatalf("AddToReport: %v", err)
	}
	want.UpdatedAt = f.clock.Now()
	want.Messages = append(want.Messages, more...)
	f.checkReport(&want)

	if got := strings.Join(actions(f.auditOf("report", r.ID)), " "); got != "report.create report.reply report.add_info" {
		t.Errorf("audit actions %q", got)
	}
}

// testFileSums: every evidence file named by a report, once each, in byte
// order: the orphan sweep walks the file store in that order beside it.
func testFileSums(t *testing.T, f *fixture) {
	// Sums chosen so that byte order differs from a locale's, were it used
	// (digits against letters, and the same prefix).
	sums := []string{
		strings.Repeat("f", 64), strings.Repeat("0", 64), "a" + strings.Repeat("0", 63), "9" + strings.Repeat("f", 63),
		"0" + strings.Repeat("1", 63),
	}
	for i, s := range sums {
		r := f.newReport("pref-13")
		r.Files = []intake.File{{SHA256: s, Name: "a.png", ContentType: "image/png", Size: 1, AddedBy: "reporter", CreatedAt: t0}}
		if i%2 == 0 { // the same file on a second report is listed once
			r.Files = append(r.Files, intake.File{SHA256: sums[0], Name: "b.png", ContentType: "image/png", Size: 1, AddedBy: "reporter", CreatedAt: t0})
		}
		f.create(r)
	}
	var got []string
	for s, err := range f.db.FileSums(f.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	want := slices.Clone(sums)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("FileSums = %q,\nwant %q", got, want)
	}
}

func testNotFound(t *testing.T, f *fixture) {
	before := f.verified()
	const missing = 987_654
	_, err := f.db.Report(f.ctx, missing)
	wantNotFound(t, "Report", err)
	_, err = f.db.ReportByTokenHash(f.ctx, auth.HashToken("kst_nothing"))
	wantNotFound(t, "ReportByTokenHash", err)
	_, err = f.db.ReportIDByReceipt(f.ctx, intake.NewReceipt())
	wantNotFound(t, "ReportIDByReceipt", err)
	e := audit.Entry{Actor: audit.System, Action: "x", ObjectType: "report", ObjectID: strconv.Itoa(missing)}
	err = f.db.UpdateReport(f.ctx, missing, func(*intake.Report) (audit.Entry, error) { return e, nil })
	wantNotFound(t, "UpdateReport", err)
	err = f.db.AddToReport(f.ctx, missing, intake.Addition{Status: intake.StatusInProgress}, e)
	wantNotFound(t, "AddToReport", err)
	_, err = f.db.User(f.ctx, missing)
	wantNotFound(t, "User", err)
	_, err = f.db.UserByEmail(f.ctx, "nobody@example.jp")
	wantNotFound(t, "UserByEmail", err)
	_, err = f.db.Session(f.ctx, auth.HashToken("kss_nothing"))
	wantNotFound(t, "Session", err)
	_, err = f.db.TokenByHash(f.ctx, auth.HashToken("kbn_nothing"))
	wantNotFound(t, "TokenByHash", err)
	err = f.db.RevokeToken(f.ctx, missing, audit.Entry{Actor: audit.System, Action: "token.revoke", ObjectType: "token"})
	wantNotFound(t, "RevokeToken", err)
	if n := f.verified(); n != before {
		t.Errorf("failed calls wrote %d audit rows", n-before)
	}
}

// testAddToMissingReportWithContent: the intake Store contract says methods
// return NotFound for a missing report, whatever they are asked to add.
func testAddToMissingReportWithContent(t *testing.T, f *fixture) {
	before := f.verified()
	const missing = 987_654
	e := audit.Entry{Actor: audit.Public("192.0.2.1"), Action: "report.add_info", ObjectType: "report", ObjectID: strconv.Itoa(missing)}
	msgs := []intake.Message{{Author: "reporter", Body: "hello", CreatedAt: t0}}
	err := f.db.AddToReport(f.ctx, missing, intake.Addition{Messages: msgs}, e)
	wantNotFound(t, "AddToReport with a message", err)
	files := []intake.File{{SHA256: sumA, Name: "a.png", ContentType: "image/png", Size: 1, AddedBy: "reporter", CreatedAt: t0}}
	err = f.db.AddToReport(f.ctx, missing, intake.Addition{Files: files}, e)
	wantNotFound(t, "AddToReport with a file", err)
	if n := f.verified(); n != before {
		t.Errorf("failed calls wrote %d audit rows", n-before)
	}
}
