package e2e_test

// TestBrowserCaseFlow is issue 11's scenario in Chromium: a station officer
// opens a case from two reports and refers it to the prefectural HQ; the HQ
// accepts and asks the National Cyber Unit for support; the unit answers
// with a file; the HQ exports the court bundle, and the bundle verifies
// offline. axe-core checks every page on the way. Top-level names here
// start with "browserCase".

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/org"
)

func TestBrowserCaseFlow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	s := apptest.Start(t)
	const pw = "kaede-sakura-momiji-2026"
	root := s.AddUser(t, "root@npa.example", "npa", auth.RoleAdmin, pw)
	if _, err := s.App.Admin.AddOrg(context.Background(), auth.Principal{UserID: root.ID, OrgID: root.OrgID, Role: auth.RoleAdmin},
		adminStation("pref-13-shinjuku", "新宿警察署")); err != nil {
		t.Fatal(err)
	}
	const station, hq, ncu = "shinjuku.investigator@example.jp", "mpd.investigator@example.jp", "ncu.analyst@example.jp"
	s.AddUser(t, station, "pref-13-shinjuku", auth.RoleInvestigator, pw)
	s.AddUser(t, hq, "pref-13", auth.RoleInvestigator, pw)
	s.AddUser(t, ncu, "ncu", auth.RoleAnalyst, pw)
	tree := s.App.Tree()
	orgID := func(code string) string {
		o, ok := tree.ByCode(code)
		if !ok {
			t.Fatalf("no %s", code)
		}
		return strconv.FormatInt(o.ID, 10)
	}
	// Two reports the station holds (filed to the MPD, handed to the station).
	receipts := make([]string, 2)
	for i := range receipts {
		receipts[i] = browserCaseReport(t, s, fmt.Sprintf("新宿の偽SMS %d 090-3333-444%d https://shinjuku-%d.example.com/", i, i, i))
	}

	b := browserStart(t, ctx, s.URL)
	b.do("a desktop screen", chromedp.EmulateViewport(1366, 900))

	// 1. The station officer opens the case from both reports.
	browserOfficerSignIn(t, b, s, station, pw)
	b.open("/cases/new", http.StatusOK)
	b.checkAxe("new case (/cases/new)")
	b.do("fill in the case", chromedp.SetValue(chromedp.CSS("#title"), "新宿周辺の偽SMS（宅配業者）"),
		chromedp.SetValue(chromedp.CSS("#category"), "PH"), chromedp.SetValue(chromedp.CSS("#severity"), "high"),
		chromedp.SetValue(chromedp.CSS("#reports"), receipts[0]+"\n"+receipts[1]))
	browserOfficerSubmit(t, b, "open the case", `form[action="/cases/new"] button[type=submit], form[action="/cases"] button[type=submit]`)
	casePath := browserEval[string](b, `location.pathname`)
	if !regexp.MustCompile(`^/cases/\d+$`).MatchString(casePath) {
		t.Fatalf("after opening, the browser is at %s: %q", casePath, b.text("main"))
	}
	for _, r := range receipts {
		if !strings.Contains(b.text("main"), r) {
			t.Errorf("the new case does not list report %s", r)
		}
	}
	b.shot("case-opened")
	b.checkAxe("case page (" + casePath + ")")

	// 2. It is referred to the prefectural HQ.
	b.do("refer to the HQ", chromedp.SetValue(chromedp.CSS("#refer-to"), orgID("pref-13")),
		chromedp.SetValue(chromedp.CSS("#refer-reason"), "広域の手口のため本部で一括して捜査してください。"))
	browserOfficerSubmit(t, b, "refer", `form[action="`+casePath+`/referrals"] button[type=submit]`)
	if got := b.text("#case-referrals"); !strings.Contains(got, "警視庁") {
		t.Errorf("the referral is not on the case page: %q", got)
	}

	// 3. The HQ accepts from its inbox.
	browserOfficerSignIn(t, b, s, hq, pw)
	b.open("/referrals", http.StatusOK)
	if !strings.Contains(b.text("main"), "新宿周辺の偽SMS") {
		t.Errorf("the HQ's inbox lacks the referral: %q", b.text("main"))
	}
	b.shot("referral-inbox")
	b.checkAxe("referral inbox (/referrals)")
	b.open(casePath, http.StatusOK)
	browserOfficerSubmit(t, b, "accept the referral", `form[action^="`+casePath+`/referrals/"][action$="/accept"] button`)

	// 4. The HQ asks the National Cyber Unit for support.
	b.do("ask for support", chromedp.SetValue(chromedp.CSS("#support-to"), orgID("ncu")),
		chromedp.SetValue(chromedp.CSS("#support-kind"), "malware"),
		chromedp.SetValue(chromedp.CSS("#support-description"), "SMSのリンク先で配布されたAPKの解析をお願いします。"))
	browserOfficerSubmit(t, b, "request support", `form[action="`+casePath+`/support"] button[type=submit]`)
	b.checkAxe("case page after referral and support request (" + casePath + ")")

	// 5. The unit answers with a file.
	browserOfficerSignIn(t, b, s, ncu, pw)
	b.open("/support", http.StatusOK)
	if !strings.Contains(b.text("main"), "新宿周辺の偽SMS") {
		t.Errorf("the unit's queue lacks the request: %q", b.text("main"))
	}
	b.shot("support-queue")
	b.checkAxe("support queue (/support)")
	b.open(casePath, http.StatusOK)
	result := filepath.Join(t.TempDir(), "apk-analysis.txt")
	if err := os.WriteFile(result, []byte("C2: 198.51.100.23\npackage: jp.example.fakedelivery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	answerForm := `form[action^="` + casePath + `/support/"][action$="/answer"]`
	b.do("answer", chromedp.SetValue(chromedp.CSS(answerForm+" textarea"), "**FakeDelivery** 系のAPK。C2 は 198.51.100.23。"),
		chromedp.SetUploadFiles(chromedp.CSS(answerForm+` input[type=file]`), []string{result}))
	browserOfficerSubmit(t, b, "answer the request", answerForm+` button[type=submit]`)
	b.shot("support-answered")

	// 6. The HQ sees the answer and its file, and exports the bundle.
	browserOfficerSignIn(t, b, s, hq, pw)
	b.open(casePath, http.StatusOK)
	page := b.text("main")
	for _, want := range []string{"FakeDelivery", "apk-analysis.txt", "回答済み"} {
		if !strings.Contains(page, want) {
			t.Errorf("the HQ's case page lacks %q", want)
		}
	}
	b.shot("case-with-answer")
	b.checkAxe("case page with the answer (" + casePath + ")")

	// The export is a download: its bytes are fetched with the HQ's own
	// session, the same POST the page's button sends.
	c := s.Login(t, hq, pw)
	resp, err := c.PostForm(s.URL+casePath+"/export", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	bundle, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(bundle, []byte("PK")) {
		t.Fatalf("export: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(bundle))
	}
	zip := filepath.Join(t.TempDir(), "bundle.zip")
	if err := os.WriteFile(zip, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"export", "verify", zip}, Getenv: func(string) string { return "" },
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("koban export verify: exit %d\n%s%s", code, out.String(), errb.String())
	}
	t.Logf("bundle of %d bytes verifies: %s", len(bundle), strings.TrimSpace(out.String()))
}

// browserCaseReport files a report to the Tokyo MPD and hands it to the
// Shinjuku station, returning its receipt.
func browserCaseReport(t *testing.T, s *apptest.Server, text string) string {
	t.Helper()
	resp, err := http.Post(s.URL+"/api/v1/public/reports", "application/json",
		strings.NewReader(`{"kind":"report","category":"PH","prefecture":"13","description":"`+text+`","contact":{"email":"victim@example.jp"},"consent":true}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`"receipt":"([^"]+)"`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("report: %d %s", resp.StatusCode, b)
	}
	id, err := s.App.DB.ReportIDByReceipt(context.Background(), m[1])
	if err != nil {
		t.Fatal(err)
	}
	hq, _ := s.App.Tree().ByCode("pref-13")
	if err := s.App.Intake.Transfer(context.Background(), auth.Principal{UserID: 1, OrgID: hq.ID, Role: auth.RoleSupervisor}, id, "pref-13-shinjuku", "管轄署へ"); err != nil {
		t.Fatal(err)
	}
	return m[1]
}

func adminStation(code, name string) admin.NewOrg {
	return admin.NewOrg{Code: code, ParentCode: "pref-13", NameJA: name, NameEN: code, Kind: org.KindStation}
}
