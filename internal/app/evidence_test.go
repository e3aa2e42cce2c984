package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
)

func hexSum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func blobPath(dir, sum string) string { return filepath.Join(dir, "files", sum[:2], sum[2:4], sum) }

// evidenceKoban is a closed SQLite koban whose case holds three files (one
// also a report's) and a seized phone.
type evidenceKoban struct {
	dir                 string
	caseID              int64
	receipt, caseNumber string
	shared, lost, fine  string // contents
	ids                 map[string]int64
}

func buildEvidenceKoban(t *testing.T) *evidenceKoban {
	t.Helper()
	ctx := context.Background()
	k := &evidenceKoban{dir: t.TempDir(), shared: "偽SMSの画面（通報者提出）", lost: "VPNログ 2026-01-05", fine: "身代金要求文", ids: map[string]int64{}}
	cfg := config.Default()
	cfg.DataDir = k.dir
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Email: "inv@mpd.example", Name: "捜査員", OrgCode: "pref-13", Role: auth.RoleInvestigator,
		Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: u.Role}
	rc, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Description: "偽SMS", Language: "ja", Prefecture: "13",
		Files: []intake.Upload{{Name: "sms.txt", Body: strings.NewReader(k.shared)}}}, intake.Origin{Source: "web", IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	k.receipt = rc.Receipt
	c, err := a.Cases.Open(ctx, p, cases.Opening{Title: "ランサムウェア", Category: "MW", Severity: "high", Reports: []string{rc.Receipt}})
	if err != nil {
		t.Fatal(err)
	}
	k.caseNumber, k.caseID = c.Number, c.ID
	for _, content := range []string{k.shared, k.lost, k.fine} {
		st, err := a.Evidence.Stage(strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := a.Evidence.AddFile(ctx, p, c.ID, "file.bin", cases.NewEvidence{}, st)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		k.ids[content] = ev.ID
	}
	if _, err := a.Evidence.AddPhysical(ctx, p, c.ID, cases.NewEvidence{Name: "スマートフォン", Location: "保管庫"}); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestEvidenceVerifyCommand: koban evidence verify names a damaged file
// with the report and the case that hold it, and a deleted one with its
// case, and exits 1; once they are put back it exits 0. The case's items
// have each check in their custody logs.
func TestEvidenceVerifyCommand(t *testing.T) {
	k := buildEvidenceKoban(t)
	env := map[string]string{"KOBAN_DATA_DIR": k.dir}
	code, out, errs := run(t, env, "", "evidence", "verify")
	if code != 0 || !strings.Contains(out, "3 files hashed (1 report file, 3 case evidence items).") || !strings.Contains(out, "Every evidence file matches its SHA-256.") {
		t.Fatalf("intact: exit %d\n%s\n%s", code, out, errs)
	}

	damaged := []byte(k.shared)
	damaged[3] ^= 1
	if err := os.WriteFile(blobPath(k.dir, hexSum(k.shared)), damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(blobPath(k.dir, hexSum(k.lost))); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, env, "", "evidence", "verify")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 3 {
		t.Fatalf("damaged: exit %d\n%s\n%s", code, out, errs)
	}
	wantMismatch := "Evidence file " + hexSum(k.shared) + " no longer matches its SHA-256 (its content now hashes to " + hexSum(string(damaged)) +
		"). Held by: report " + k.receipt + ", case " + k.caseNumber + ", evidence #" + itoa(k.ids[k.shared])
	wantMissing := "Evidence file " + hexSum(k.lost) + " is missing. Held by: case " + k.caseNumber + ", evidence #" + itoa(k.ids[k.lost])
	if !contains(lines, wantMismatch) || !contains(lines, wantMissing) {
		t.Errorf("lines:\n%s\nwant:\n%s\n%s", out, wantMismatch, wantMissing)
	}
	if !strings.Contains(errs, "2 evidence files are missing or no longer match their SHA-256") {
		t.Errorf("stderr: %q", errs)
	}
	// In Japanese for a Japanese terminal.
	_, out, _ = run(t, map[string]string{"KOBAN_DATA_DIR": k.dir, "LANG": "ja_JP.UTF-8"}, "", "evidence", "verify")
	if !strings.Contains(out, "証拠ファイル "+hexSum(k.lost)+" が見つかりません。保持している記録: 事件 "+k.caseNumber+" の証拠 #"+itoa(k.ids[k.lost])) {
		t.Errorf("Japanese:\n%s", out)
	}

	// Put back: all good again.
	os.WriteFile(blobPath(k.dir, hexSum(k.shared)), []byte(k.shared), 0o600)
	os.WriteFile(blobPath(k.dir, hexSum(k.lost)), []byte(k.lost), 0o600)
	if code, out, _ := run(t, env, "", "evidence", "verify"); code != 0 {
		t.Errorf("restored: exit %d\n%s", code, out)
	}
	if code, _, _ := run(t, env, "", "evidence"); code != 2 {
		t.Errorf("koban evidence: exit %d, want 2 (usage)", code)
	}

	// Each run is in the items' custody logs.
	a := openKoban(t, k.dir)
	for content, want := range map[string]string{
		k.shared: "verified verification_failed verification_failed verified",
		k.lost:   "verified verification_failed verification_failed verified",
		k.fine:   "verified verified verified verified",
	} {
		cs, err := a.DB.Custody(context.Background(), k.ids[content])
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs[1:] {
			got = append(got, string(c.Action))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("custody of %q: %v, want %s", content, got, want)
		}
	}
}

// The hourly sweep of files no report names keeps files only a case names.
func TestSweepKeepsCaseEvidence(t *testing.T) {
	k := buildEvidenceKoban(t)
	old := time.Now().Add(-48 * time.Hour)
	for _, c := range []string{k.shared, k.lost, k.fine} {
		if err := os.Chtimes(blobPath(k.dir, hexSum(c)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	a := openKoban(t, k.dir)
	n, err := a.SweepFiles(context.Background(), time.Hour)
	if err != nil || n != 0 {
		t.Fatalf("SweepFiles removed %d, %v", n, err)
	}
	for _, c := range []string{k.shared, k.lost, k.fine} {
		if !a.Blobs.Has(hexSum(c)) {
			t.Errorf("the sweep removed a case's evidence %q", c)
		}
	}
}

func openKoban(t *testing.T, dir string) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dir
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
