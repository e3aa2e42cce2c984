package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
)

// TestBrowserEvidencePages: the evidence section of a case page, the same
// page after the evidence form was refused (errors linked from the summary,
// input kept), and an item's page with its chain of custody, in Chromium at
// 1366 and 390 px; axe-core checks each (issue 11, part 4).
func TestBrowserEvidencePages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := apptest.Start(t)
	const officer, password = "tokyo.investigator@example.jp", "sakura-kaede-momiji-2024"
	u := s.AddUser(t, officer, "pref-13", auth.RoleInvestigator, password)
	p := auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: u.Role}
	bg := context.Background()
	c, err := s.App.Cases.Open(bg, p, cases.Opening{Title: "ランサムウェア被害（製造業）", Category: "MW", Severity: "critical"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.App.Evidence.Stage(strings.NewReader("YOUR FILES ARE ENCRYPTED 身代金要求"))
	if err != nil {
		t.Fatal(err)
	}
	file, err := s.App.Evidence.AddFile(bg, p, c.ID, "README_DECRYPT.txt", cases.NewEvidence{ReceivedFrom: "被害企業 情報システム部"}, st)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	phone, err := s.App.Evidence.AddPhysical(bg, p, c.ID, cases.NewEvidence{Name: "被疑者のノートPC", Serial: "SN-4F2A-77", Location: "証拠品保管庫 A-3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Evidence.RecordTransfer(bg, p, c.ID, phone.ID, cases.Transfer{Action: cases.CustodyHandedOver, Party: "科学捜査研究所",
		Note: "ディスクイメージの作成を依頼"}); err != nil {
		t.Fatal(err)
	}

	b := browserStart(t, ctx, s.URL)
	browserOfficerSignIn(t, b, s, officer, password)
	casePath := fmt.Sprintf("/cases/%d", c.ID)
	itemPath := fmt.Sprintf("%s/evidence/%d", casePath, file.ID)
	for _, w := range []struct{ width, height int64 }{{1366, 768}, {390, 844}} {
		b.do(fmt.Sprintf("a %d px screen", w.width), chromedp.EmulateViewport(w.width, w.height))
		b.open(casePath, http.StatusOK)
		if got := b.text("#case-evidence"); !strings.Contains(got, "README_DECRYPT.txt") || !strings.Contains(got, "科学捜査研究所 に引渡し中") {
			t.Errorf("%d px: evidence table reads %q", w.width, got)
		}
		if over := browserEval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); over {
			// Not the tables, which scroll in their regions: what sticks out of them.
			wide := browserEval[[]string](b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 &&
				!(e.closest(".table-scroll") && getComputedStyle(e).position !== "absolute")).slice(0, 8).map(e => e.tagName + "." + e.className)`)
			t.Errorf("%d px: the case page is wider than the screen: %v", w.width, wide)
		}
		b.shot(fmt.Sprintf("evidence-case-%d", w.width))
		b.checkAxe(fmt.Sprintf("case with evidence at %d px (%s)", w.width, casePath))

		b.open(itemPath, http.StatusOK)
		if got := b.text("#custody"); !strings.Contains(got, "収集・押収") || !strings.Contains(got, "閲覧") {
			t.Errorf("%d px: custody log reads %q", w.width, got)
		}
		b.shot(fmt.Sprintf("evidence-item-%d", w.width))
		b.checkAxe(fmt.Sprintf("evidence item at %d px (%s)", w.width, itemPath))
	}

	// The form refused: a physical item with no place to keep it.
	b.do("a 1366 px screen", chromedp.EmulateViewport(1366, 768))
	b.open(casePath, http.StatusOK)
	b.do("choose a physical item", chromedp.Click(chromedp.CSS(`#f-kind input[value="physical"]`)))
	b.do("name it", chromedp.SendKeys(chromedp.CSS("#ev-name"), "押収したUSBメモリ"))
	sctx, scancel := context.WithTimeout(b.ctx, browserStepTimeout)
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(`#f-evidence button[type="submit"]`)))
	scancel()
	if err != nil || resp == nil || resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("refused evidence form: %v %v", browserStatusOf(resp), err)
	}
	if got := b.text(".error-summary"); !strings.Contains(got, "保管場所を入力してください") {
		t.Errorf("error summary %q", got)
	}
	if v := browserEval[string](b, `document.getElementById("ev-name").value`); v != "押収したUSBメモリ" {
		t.Errorf("the name typed was not kept: %q", v)
	}
	b.shot("evidence-form-refused")
	b.checkAxe("case with the evidence form refused (POST " + casePath + "/evidence)")
}
