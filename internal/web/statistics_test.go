package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

// fileMany stores n public tips of a category from a prefecture at the
// clock's time.
func fileMany(t *testing.T, s *apptest.Server, n int, category, prefecture, text string) {
	t.Helper()
	for i := range n {
		_, err := s.App.Intake.Submit(context.Background(), intake.Submission{Kind: intake.KindTip, Category: category, Prefecture: prefecture,
			Description: text + " " + strconv.Itoa(i), Language: "ja"}, intake.Origin{Source: "web", IP: "192.0.2.8"})
		if err != nil {
			t.Fatal(err)
		}
	}
}

var (
	numCell = regexp.MustCompile(`<td class="num">([^<]*)(<span class="sr-only">[^<]*</span>)?</td>`)
	svgText = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	digits  = regexp.MustCompile(`^[0-9,]+$`)
)

// countsOn returns every count a page shows in its tables and draws in its
// charts (hidden ones as "x").
func countsOn(page string) (cells, drawn []string) {
	for _, m := range numCell.FindAllStringSubmatch(page, -1) {
		cells = append(cells, m[1])
	}
	for _, m := range svgText.FindAllStringSubmatch(page, -1) {
		if digits.MatchString(m[1]) || m[1] == "x" {
			drawn = append(drawn, m[1])
		}
	}
	return cells, drawn
}

// smallCount reports whether a shown count is from 1 to k−1.
func smallCount(s string, k int) bool {
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return err == nil && n > 0 && n < k
}

// TestStatisticsPage: the public statistics of the months that are over,
// in Japanese and English, as a page and as CSV; no count below k appears
// anywhere (tables, charts, CSV), nor anything of a report but counts.
func TestStatisticsPage(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	clock := koban.NewFixedClock(time.Date(2026, 1, 10, 10, 0, 0, 0, jst))
	s := apptest.Start(t, apptest.WithClock(clock))
	const secret = "秘密の電話番号 090-9876-5432"
	fileMany(t, s, 25, "PH", "13", secret)
	fileMany(t, s, 12, "FR", "27", "投資詐欺")
	fileMany(t, s, 3, "MW", "01", "ランサムウェア") // small: hidden, and Hokkaido is "other"
	fileMany(t, s, 2, "", "", "分からない")       // no category, no prefecture: "other" too
	// Other would hold 5, so Kanagawa's 11 (below) join it: 16.
	clock.Advance(31 * 24 * time.Hour) // February
	fileMany(t, s, 15, "PH", "13", "SMS")
	fileMany(t, s, 11, "UA", "14", "乗っ取り")
	clock.Advance(28 * 24 * time.Hour)  // March: January and February are over
	fileMany(t, s, 4, "PH", "13", "三月") // the current month: not published

	c := s.Client()
	resp := must(c.Get(s.URL + "/statistics"))
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/statistics: %d\n%s", resp.StatusCode, page)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "public") || !strings.Contains(cc, "max-age=") {
		t.Errorf("Cache-Control %q: the page is public and cacheable", cc)
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") || resp.Header.Get("ETag") == "" {
		t.Errorf("Vary %q, ETag %q", resp.Header.Get("Vary"), resp.Header.Get("ETag"))
	}
	for _, want := range []string{`<html lang="ja">`, "サイバー犯罪の通報の統計", "2026年1月〜2月", "2026年1月", "2026年2月",
		`role="img" aria-labelledby="chart-months-title chart-months-desc"`, `<title id="chart-months-title">`, `<desc id="chart-categories-desc">`,
		`id="table-months"`, `id="table-law"`, `id="table-categories"`, `id="table-areas"`, "不正アクセス禁止法違反", "フィッシング", "東京都", "大阪府",
		`href="/statistics.csv?year=2026"`, "その他（10件未満の都道府県と、都道府県の分からない通報）"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, not := range []string{secret, "090-9876-5432", "北海道", "神奈川県", ">2026年3月<"} {
		if strings.Contains(page, not) {
			t.Errorf("page shows %q", not)
		}
	}
	// January: 42 reports; February: 26; the year so far 68. Tokyo 40.
	for _, want := range []string{">42<", ">26<", ">68<", ">40<"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks the count %s", want)
		}
	}
	cells, drawn := countsOn(page)
	if len(cells) < 30 || len(drawn) < 10 {
		t.Fatalf("found %d table counts and %d drawn counts: is the pattern still right?", len(cells), len(drawn))
	}
	hidden := 0
	for _, v := range append(cells, drawn...) {
		if smallCount(v, 10) {
			t.Errorf("a count of %s is on the page", v)
		}
		if v == "x" {
			hidden++
		}
	}
	if hidden == 0 {
		t.Error("nothing hidden, although 3 malware reports and 2 uncategorised ones were filed in January")
	}
	// The malware row says x, and its bar is not drawn.
	if !regexp.MustCompile(`ウイルス・ランサムウェア・不正アプリ</th><td class="num">x<span class="sr-only">（秘匿）</span>`).MatchString(page) {
		t.Error("the malware category is not shown hidden")
	}
	if regexp.MustCompile(`ウイルス・ランサムウェア・不正アプリ</text><rect`).MatchString(page) {
		t.Error("the malware category has a bar")
	}

	// Revalidation costs no body.
	req, _ := http.NewRequest("GET", s.URL+"/statistics", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if r2 := must(c.Do(req)); r2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", r2.StatusCode)
	}

	// English.
	page = body(t, must(c.Get(s.URL+"/statistics?lang=en&year=2026")))
	for _, want := range []string{`<html lang="en">`, "Statistics of cybercrime reports", "January to February 2026", "Jan 2026", "Phishing", "Tokyo"} {
		if !strings.Contains(page, want) {
			t.Errorf("English page lacks %q", want)
		}
	}

	// The CSV: no byte-order mark, the documented header, the same numbers.
	resp = must(c.Get(s.URL + "/statistics.csv?year=2026"))
	raw := body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv; charset=utf-8") {
		t.Fatalf("CSV: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(raw, "year,month,dimension,code,name_ja,name_en,reports,hidden\n") {
		t.Errorf("CSV starts %q: want the header, without a byte-order mark", raw[:min(len(raw), 80)])
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "public") || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("CSV headers: %v", resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	find := func(month, dim, code string) []string {
		for _, r := range rows {
			if r[1] == month && r[2] == dim && r[3] == code {
				return r
			}
		}
		return nil
	}
	for _, c := range []struct {
		month, dim, code, reports, hidden string
	}{
		{"", "total", "", "68", "false"},
		{"2026-01", "total", "", "42", "false"},
		{"2026-02", "total", "", "26", "false"},
		{"", "category", "PH", "40", "false"},
		{"", "category", "MW", "", "true"},
		{"", "category", "unclassified", "", "true"},
		{"", "prefecture", "13", "40", "false"},
		{"", "prefecture", "27", "12", "false"},
		{"", "prefecture", "other", "16", "false"},
	} {
		r := find(c.month, c.dim, c.code)
		if r == nil || r[6] != c.reports || r[7] != c.hidden {
			t.Errorf("CSV %s %s %s = %v, want reports %q hidden %s", c.month, c.dim, c.code, r, c.reports, c.hidden)
		}
	}
	if r := find("", "prefecture", "14"); r != nil {
		t.Errorf("Kanagawa's 11 are counted in other, yet the CSV names it: %v", r)
	}
	if r := find("", "category", "PH"); r != nil && (r[4] != "フィッシング" || r[5] != "Phishing") {
		t.Errorf("PH names %q, %q", r[4], r[5])
	}
	for _, r := range rows[1:] {
		if smallCount(r[6], 10) {
			t.Errorf("CSV line %v publishes a count below 10", r)
		}
		if (r[6] == "") != (r[7] == "true") {
			t.Errorf("CSV line %v: an empty count must be hidden, and only then", r)
		}
		if r[1] == "2026-03" {
			t.Errorf("CSV line %v is of the current month", r)
		}
	}
	if strings.Contains(raw, "090-9876-5432") {
		t.Error("the CSV holds a report's text")
	}

	// Years koban does not publish.
	for _, y := range []string{"2027", "1999", "abc"} {
		if resp := must(c.Get(s.URL + "/statistics?year=" + y)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("year %s: %d, want 404", y, resp.StatusCode)
		}
	}
	// The home page links here.
	if !strings.Contains(body(t, must(c.Get(s.URL+"/"))), `href="/statistics"`) {
		t.Error("the home page does not link to the statistics")
	}
}
