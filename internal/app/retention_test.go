package app_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/patrol"
	"github.com/koban-project/koban/internal/retention"
)

// TestRetentionPlanAndRun: records made twelve years ago under a policy of
// ten (eleven for evidence and audit rows): the plan names what would go
// and changes nothing; the run deletes a closed report, a closed case with
// its evidence and the report linked only to it, and an old patrol capture,
// each under a tombstone holding the hash of its row as it was; it keeps a
// held case and its reports, an open report and the item's latest capture;
// it prunes the audit log's old rows behind a checkpoint, and koban audit
// verify passes before and after.
func TestRetentionPlanAndRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	policy := filepath.Join(dir, "retention.json")
	if err := os.WriteFile(policy, []byte(`{"label": "test", "reports": {"report": "10y", "consultation": "10y", "tip": "10y"},
		"cases": "10y", "evidence": "11y", "audit": "11y", "patrol_captures": "90d"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.RetentionPolicy = dir, policy
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	past := time.Now().UTC().AddDate(-12, 0, 0)
	clock := koban.NewFixedClock(past)
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	user := func(email string, role auth.Role) auth.Principal {
		u, err := a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Email: email, Name: "警察官", OrgCode: "pref-13", Role: role, Password: "a long enough passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: u.Role}
	}
	inv, sup := user("inv@mpd.example", auth.RoleInvestigator), user("sup@mpd.example", auth.RoleSupervisor)
	report := func(text string, closed bool) (int64, string) {
		rc, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Description: text + " 090-1234-5678", Language: "ja", Prefecture: "13"},
			intake.Origin{Source: "web", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if closed {
			if err := a.Intake.Close(ctx, inv, rc.ReportID, "resolved", ""); err != nil {
				t.Fatal(err)
			}
		}
		return rc.ReportID, rc.Receipt
	}
	lone, _ := report("単独の通報", true)
	heldRep, heldReceipt := report("保全事件の通報", true)
	goneRep, goneReceipt := report("終結事件の通報", true)
	// Last, so that the reports' highest id (which stays) is one kept anyway.
	open, _ := report("未処理の通報", false)
	openCase := func(title, receipt string) *cases.Case {
		var reports []string
		if receipt != "" {
			reports = []string{receipt}
		}
		c, err := a.Cases.Open(ctx, inv, cases.Opening{Title: title, Category: "FR", Severity: "high", Reports: reports})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	held, gone := openCase("保全する事件", heldReceipt), openCase("終結する事件", goneReceipt)
	evidence := func(c *cases.Case, content string) *cases.Evidence {
		st, err := a.Evidence.Stage(strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ev, err := a.Evidence.AddFile(ctx, inv, c.ID, "meisai.txt", cases.NewEvidence{}, st)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	ev := evidence(gone, "振込明細")
	// The cases' and the evidence's highest ids stay: a case still open
	// holds them.
	evidence(openCase("捜査中の事件", ""), "別件の資料")
	for _, c := range []*cases.Case{held, gone} {
		if _, err := a.Cases.SetStatus(ctx, inv, c.ID, cases.StatusClosed, "arrested", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Cases.SetHold(ctx, inv, held.ID, true, "公判中"); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("an investigator set a legal hold: %v", err)
	}
	if _, err := a.Cases.SetHold(ctx, sup, held.ID, true, ""); koban.ErrorCode(err) != koban.Invalid {
		t.Errorf("a hold without a reason: %v", err)
	}
	if c, err := a.Cases.SetHold(ctx, sup, held.ID, true, "公判中のため保全"); err != nil || !c.Hold {
		t.Fatalf("SetHold: %+v, %v", c, err)
	}
	it := &patrol.Item{OrgID: inv.OrgID, Kind: patrol.KindURL, Target: "https://shop.example.jp/", Every: time.Hour, Profile: patrol.ProfileDefault,
		Enabled: true, CreatedAt: past, UpdatedAt: past}
	if err := a.DB.CreatePatrolItem(ctx, it, audit.Entry{Actor: audit.System, Action: "patrol.item_create"}); err != nil {
		t.Fatal(err)
	}
	var capIDs []int64
	for i, at := range []time.Time{past, time.Now().UTC()} {
		c := &patrol.Capture{ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, FinalURL: it.Target, Status: 200, Headers: []byte(`{}`),
			SHA256: strings.Repeat(strconv.Itoa(i+1), 64), Size: 10, Profile: patrol.ProfileDefault, UserAgent: "koban/test", Route: "direct", FetchedAt: at}
		if err := a.DB.AddCapture(ctx, c); err != nil {
			t.Fatal(err)
		}
		capIDs = append(capIDs, c.ID)
	}
	hashes := map[string]string{}
	for _, x := range []struct {
		table, typ string
		id         int64
	}{{"reports", "report", lone}, {"reports", "report", goneRep}, {"cases", "case", gone.ID}, {"case_evidence", "evidence", ev.ID},
		{"patrol_captures", "patrol_capture", capIDs[0]}} {
		h, err := a.DB.RowHash(ctx, x.table, x.id)
		if err != nil {
			t.Fatal(err)
		}
		hashes[x.typ+" "+strconv.FormatInt(x.id, 10)] = h
	}
	auditHead, _, err := a.DB.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A head noted early on (row 3), and one noted now.
	early, err := a.DB.AuditOf(ctx, "user", strconv.FormatInt(sup.UserID, 10))
	if err != nil || len(early) == 0 {
		t.Fatalf("audit of the supervisor: %+v, %v", early, err)
	}
	earlyHead := strconv.FormatInt(early[0].ID, 10) + ":" + early[0].Hash
	a.Close()

	env := map[string]string{"KOBAN_DATA_DIR": dir, "KOBAN_RETENTION_POLICY": policy}
	if code, out, errs := run(t, env, "", "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify before: %d %q %q", code, out, errs)
	}
	code, out, errs := run(t, env, "", "retention", "plan")
	if code != 0 {
		t.Fatalf("retention plan: %d %q %q", code, out, errs)
	}
	for _, want := range []string{
		"4 records are past their retention period and would be deleted (policy test@",
		"case / case.evidence: 1 (ids " + strconv.FormatInt(gone.ID, 10) + ")",
		"report / report.tip: 2 (ids " + strconv.FormatInt(lone, 10) + ", " + strconv.FormatInt(goneRep, 10) + ")",
		"case: not closed: 1 (ids 3)",
		"patrol_capture / patrol_capture: 1 (ids " + strconv.FormatInt(capIDs[0], 10) + ")",
		"report: its case is on legal hold: 1 (ids " + strconv.FormatInt(heldRep, 10) + ")",
		"case: its case is on legal hold: 1 (ids " + strconv.FormatInt(held.ID, 10) + ")",
		"report: not closed: 1 (ids " + strconv.FormatInt(open, 10) + ")",
		"audit log's oldest rows (up to id " + strconv.FormatInt(auditHead-1, 10) + ") go behind a checkpoint",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	// The plan changed nothing: the same plan again, every record there.
	if _, again, _ := run(t, env, "", "retention", "plan"); again != out {
		t.Errorf("a second plan differs:\n%s\nafter\n%s", again, out)
	}
	b, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{lone, goneRep} {
		if _, err := b.DB.Report(ctx, id); err != nil {
			t.Errorf("report %d after the plan: %v", id, err)
		}
	}
	if ts, _ := b.DB.Tombstones(ctx, "report"); len(ts) != 0 {
		t.Errorf("tombstones after a plan: %+v", ts)
	}
	b.Close()

	code, out, errs = run(t, env, "", "retention", "run")
	if code != 0 || !strings.Contains(out, "4 records past their retention period were deleted") {
		t.Fatalf("retention run: %d %q %q", code, out, errs)
	}
	code, out, errs = run(t, env, "", "audit", "verify", "--expect-head", earlyHead)
	if code != 0 || !strings.Contains(out, "intact") || !strings.Contains(out, "Rows up to id "+strconv.FormatInt(auditHead-1, 10)+" ") ||
		!strings.Contains(out, "pruned by retention") || !strings.Contains(out, "1 anchor on pruned rows is covered by the checkpoint") ||
		!strings.Contains(out, "Row "+strconv.FormatInt(early[0].ID, 10)+" was pruned by retention") {
		t.Fatalf("audit verify after the run: %d %q %q", code, out, errs)
	}
	// An expected head that was never in the chain still fails when it
	// is on the checkpoint's own row.
	if code, out, _ := run(t, env, "", "audit", "verify", "--expect-head", strconv.FormatInt(auditHead-1, 10)+":"+strings.Repeat("0", 64)); code == 0 {
		t.Errorf("a wrong head on the checkpoint's row passed: %q", out)
	}

	b, err = app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, id := range []int64{lone, goneRep} {
		if _, err := b.DB.Report(ctx, id); koban.ErrorCode(err) != koban.NotFound {
			t.Errorf("report %d after the run: %v", id, err)
		}
	}
	for _, id := range []int64{open, heldRep} {
		if _, err := b.DB.Report(ctx, id); err != nil {
			t.Errorf("kept report %d: %v", id, err)
		}
	}
	if _, err := b.DB.Case(ctx, gone.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("the closed case after the run: %v", err)
	}
	if c, err := b.DB.Case(ctx, held.ID); err != nil || !c.Hold || c.HoldReason != "公判中のため保全" {
		t.Errorf("the held case: %+v, %v", c, err)
	}
	left, err := b.DB.Captures(ctx, it.ID, 10)
	if err != nil || len(left) != 1 || left[0].ID != capIDs[1] {
		t.Errorf("captures left: %+v, %v", left, err)
	}
	for _, typ := range []string{retention.TypeReport, retention.TypeCase, retention.TypeEvidence, retention.TypeCapture} {
		ts, err := b.DB.Tombstones(ctx, typ)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range ts {
			key := typ + " " + strconv.FormatInt(tb.ID, 10)
			if want, ok := hashes[key]; !ok || tb.RowHash != want || !strings.HasPrefix(tb.Version, "test@") {
				t.Errorf("tombstone %s: %+v, want hash %s", key, tb, want)
			}
			delete(hashes, key)
		}
	}
	if len(hashes) > 0 {
		t.Errorf("no tombstones for %v", hashes)
	}
	rows, err := b.DB.AuditOf(ctx, "report", strconv.FormatInt(lone, 10))
	if err != nil || len(rows) != 1 || rows[0].Action != "retention.delete" || !strings.Contains(rows[0].Detail, `"row_hash"`) {
		t.Errorf("audit of the deleted report: %+v, %v", rows, err)
	}
	if rows, err := b.DB.AuditOf(ctx, "audit_log", strconv.FormatInt(auditHead-1, 10)); err != nil || len(rows) != 1 || rows[0].Action != "retention.audit_pruned" {
		t.Errorf("the pruning's audit row: %+v, %v", rows, err)
	}
	// A second run finds nothing more, and the chain still verifies.
	if code, out, _ := run(t, env, "", "retention", "run"); code != 0 || !strings.Contains(out, "0 records") {
		t.Errorf("second run: %d %q", code, out)
	}
	if code, out, errs := run(t, env, "", "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify after the second run: %d %q %q", code, out, errs)
	}
}
