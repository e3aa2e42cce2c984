package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

// TestBrowserStatistics: the public statistics on a phone, in Japanese and
// in English — charts drawn by the server, tables beside them, hidden
// counts marked — with axe-core on each.
func TestBrowserStatistics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	jst := time.FixedZone("JST", 9*3600)
	clock := koban.NewFixedClock(time.Date(2026, 1, 12, 10, 0, 0, 0, jst))
	s := apptest.Start(t, apptest.WithClock(clock))
	file := func(n int, category, pref string) {
		t.Helper()
		for range n {
			if _, err := s.App.Intake.Submit(context.Background(), intake.Submission{Kind: intake.KindTip, Category: category, Prefecture: pref,
				Description: "統計の画面の確認", Language: "ja"}, intake.Origin{Source: "web", IP: "192.0.2.9"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	file(24, "PH", "13")
	file(13, "FR", "27")
	file(2, "SU", "01") // hidden
	clock.Advance(31 * 24 * time.Hour)
	file(18, "PH", "13")
	file(11, "UA", "13")
	file(4, "HR", "40") // hidden
	clock.Advance(30 * 24 * time.Hour)

	p := browserStart(t, ctx, s.URL)
	p.open("/", http.StatusOK)
	p.tabTo(`a[href="/statistics"]`, 12)
	if st, loc := p.keysAndWait("follow the statistics link with Enter", "\r"); st != http.StatusOK || !strings.HasSuffix(loc, "/statistics") {
		t.Fatalf("statistics link: status %d at %s", st, loc)
	}
	if h1 := p.text("h1"); h1 != "サイバー犯罪の通報の統計" {
		t.Errorf("heading %q", h1)
	}
	if n := browserEval[int](p, `document.querySelectorAll("svg.chart[role=img] title").length`); n != 4 {
		t.Errorf("%d charts with a title, want 4", n)
	}
	// February: 33 reports, shown; the suicide-inducement category's 2, hidden.
	if got := browserEval[string](p, `document.querySelector("#table-months tbody tr:nth-child(2) td").textContent`); got != "33" {
		t.Errorf("February's total reads %q", got)
	}
	if got := browserEval[string](p, `[...document.querySelectorAll("#table-categories tr")].find(r => r.textContent.includes("自殺を誘う情報")).querySelector("td").textContent`); got != "x（秘匿）" {
		t.Errorf("the hidden category reads %q", got)
	}
	p.shot("statistics")
	p.checkAxe("public statistics (/statistics)")

	p.open("/statistics?lang=en", http.StatusOK)
	if h1 := p.text("h1"); h1 != "Statistics of cybercrime reports" {
		t.Errorf("English heading %q", h1)
	}
	p.shot("statistics-en")
	p.checkAxe("public statistics in English (/statistics?lang=en)")

	// A supervisor's dashboard of their line, reached from the menu.
	const supervisor, password = "tokyo.supervisor@example.jp", "sakura-kaede-momiji-2024"
	s.AddUser(t, supervisor, "pref-13", auth.RoleSupervisor, password)
	p.open("/statistics?lang=ja", http.StatusOK)
	browserOfficerSignIn(t, p, s, supervisor, password)
	p.open("/dashboard", http.StatusOK)
	if h1 := p.text("h1"); h1 != "ダッシュボード" {
		t.Errorf("dashboard heading %q", h1)
	}
	if n := browserEval[int](p, `document.querySelectorAll("#table-intake tbody tr").length`); n != 30 {
		t.Errorf("%d days in the intake table, want 30", n)
	}
	p.shot("dashboard")
	p.checkAxe("supervisor's dashboard (/dashboard)")
}
