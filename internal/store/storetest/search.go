package storetest

import (
	"github.com/koban-project/koban/internal/access"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/observe"
)

// searchSet is a named set of stored reports for the search tests.
type searchSet struct {
	q *queueSet
}

func newSearchSet(f *fixture) *searchSet {
	return &searchSet{q: &queueSet{f: f, names: map[int64]string{}}}
}

// add stores a report under name, owned by orgCode, created at t0+age,
// with description and observables.
func (s *searchSet) add(name, orgCode string, age time.Duration, description string, obs ...observe.Observable) *intake.Report {
	s.q.f.t.Helper()
	return s.q.add(name, orgCode, age, func(r *intake.Report) {
		r.Description, r.Observables = description, obs
	})
}

// find searches as an officer of orgCode would (what the intake service
// does: the visible organisations, the query normalised into terms) and
// returns the names found, newest first, and the total.
func (s *searchSet) find(orgCode, query string, limit, offset int) (string, int) {
	f := s.q.f
	f.t.Helper()
	hits, total := s.hits(orgCode, query, limit, offset)
	names := make([]string, len(hits))
	for i, h := range hits {
		names[i] = s.q.names[h.ID]
	}
	return strings.Join(names, " "), total
}

func (s *searchSet) hits(orgCode, query string, limit, offset int) ([]intake.SearchHit, int) {
	f := s.q.f
	f.t.Helper()
	terms, err := intake.SearchTerms(query)
	if err != nil {
		f.t.Fatalf("SearchTerms(%q): %v", query, err)
	}
	if limit == 0 {
		limit = 100
	}
	hits, total, err := f.db.SearchReports(f.ctx, f.scope(f.tree.Visible(f.orgID(orgCode))), terms, limit, offset)
	if err != nil {
		f.t.Fatalf("SearchReports(%q): %v", query, err)
	}
	return hits, total
}

// expect checks what an officer of orgCode finds for each query.
func (s *searchSet) expect(t *testing.T, orgCode string, cases map[string]string) {
	t.Helper()
	for query, want := range cases {
		got, total := s.find(orgCode, query, 0, 0)
		if got != want {
			t.Errorf("%s searching %q: found %q, want %q", orgCode, query, got, want)
		}
		if n := len(strings.Fields(want)); total != n {
			t.Errorf("%s searching %q: total %d, want %d", orgCode, query, total, n)
		}
	}
}

func testSearchJapanese(t *testing.T, f *fixture) {
	s := newSearchSet(f)
	s.add("A", "pref-13", -3*time.Hour, "SNSで「高額報酬」の闇バイトに応募してしまい、身分証の写真を送った。")
	s.add("B", "pref-13", -2*time.Hour, "東京都内のATMで現金を引き出すよう指示された。")
	s.add("C", "pref-13", -time.Hour, "京都の旅館を名乗る予約確認メールが届いた。")
	s.add("D", "pref-13", -30*time.Minute, "ｶｰﾄﾞ番号を入力してしまった（半角カナで書かれたSMS）。")
	s.expect(t, "pref-13", map[string]string{
		"報酬":     "A",
		"闇バイト":   "A",
		"京都":     "C B", // substring: 東京都内 holds 京都 (documented), newest first
		"東京都":    "B",
		"京都の旅館":  "C",
		"カード番号":  "D", // half-width katakana in the text is folded by NFKC
		"ｶｰﾄﾞ":   "D", // and in the query
		"sms":    "D",
		"ＳＮＳ":    "A", // full-width query
		"ばいと":    "",  // hiragana does not find katakana: they are kept distinct
		"バイト":    "A",
		"身分証 写真": "A",
		"atm 京都": "B",
		"闇":      "A", // one character
		"都":      "C B",
		"現金":     "B", // two characters
		"送った。":   "A",
		"存在しない語": "",
	})
}

func testSearchNormalisation(t *testing.T, f *fixture) {
	s := newSearchSet(f)
	s.add("A", "pref-13", -2*time.Hour, "メールのURLを開いたら偽サイトだった。送信元 090-1234-5678",
		observe.Observable{Type: observe.Phone, Value: "+819012345678"},
		observe.Observable{Type: observe.URL, Value: "https://sagawa-check.example.com/login"})
	s.add("B", "pref-13", -time.Hour, "ＰａｙＰａｙで送金を求められた。ID：ＡＢＣ１２３")
	s.expect(t, "pref-13", map[string]string{
		"ＵＲＬ":                          "A", // full-width query, ASCII upper case in the text
		"url":                          "A",
		"Url":                          "A",
		"+819012345678":                "A", // the observable's canonical value
		"819012345678":                 "A",
		"090-1234-5678":                "A", // as written in the text
		"sagawa-check.example.com":     "A",
		"HTTPS://SAGAWA-CHECK":         "A",
		"paypay":                       "B", // full-width text found by an ASCII query
		"abc123":                       "B",
		"ＡＢＣ１２３":                       "B",
		"id:abc":                       "B", // the full-width colon is folded too
		"送金\u3000paypay":               "B", // ideographic space separates terms
		"50%_off":                      "",  // % and _ separate terms: 50, off
		"sagawa%check":                 "A",
		`sagawa\check`:                 "A",
		"+819012345678 sagawa-check":   "A",
		"+819012345678 paypay":         "",
		"ab":                           "B", // two ASCII characters
		"x":                            "A", // one: in sagawa-check.example.com
		"https://sagawa-check.example": "A",
	})
}

func testSearchNoContactDetails(t *testing.T, f *fixture) {
	s := newSearchSet(f)
	s.q.add("A", "pref-13", -time.Hour, func(r *intake.Report) {
		r.Description = "不審なSMSが届いた"
		r.Contact = intake.Contact{Name: "山田 花子", Email: "hanako@example.jp", Phone: "080-9999-0000"}
		r.Consent = true
	})
	s.expect(t, "pref-13", map[string]string{"不審": "A", "hanako": "", "山田": "", "080-9999": ""})
	hits, _ := s.hits("pref-13", "不審", 0, 0)
	if len(hits) == 1 && (strings.Contains(hits[0].Text, "hanako") || strings.Contains(hits[0].Text, "山田")) {
		t.Errorf("hit text %q shows contact details", hits[0].Text)
	}
}

func testSearchVisibility(t *testing.T, f *fixture) {
	s := newSearchSet(f)
	s.add("T", "pref-13", -2*time.Hour, "闇バイトの募集を見た（東京）")
	s.add("O", "pref-27", -time.Hour, "闇バイトの募集を見た（大阪）")
	s.add("N", "npa-cab", -30*time.Minute, "闇バイトの募集を見た（都道府県不明）")
	s.expect(t, "pref-13", map[string]string{"闇バイト": "T", "大阪": ""})
	s.expect(t, "pref-27", map[string]string{"闇バイト": "O", "東京": ""})
	s.expect(t, "npa", map[string]string{"闇バイト": "N O T"})
	s.expect(t, "rpb-kanto", map[string]string{"闇バイト": ""}) // the Kanto bureau is not above Tokyo MPD
	// No organisations: nothing, whatever matches.
	if hits, total, err := f.db.SearchReports(f.ctx, access.Scope{}, []string{"闇バイト"}, 10, 0); err != nil || total != 0 || len(hits) != 0 {
		t.Errorf("no organisations: %d hits, total %d, %v", len(hits), total, err)
	}
}

func testSearchOrderAndPaging(t *testing.T, f *fixture) {
	s := newSearchSet(f)
	for i, age := range []time.Duration{-5 * time.Hour, -time.Hour, -3 * time.Hour, -2 * time.Hour, -4 * time.Hour} {
		s.add(string(rune('A'+i)), "pref-13", age, "偽ショップで購入した（"+strconv.Itoa(i)+"）")
	}
	s.add("X", "pref-13", 0, "関係のない相談")
	// Two reports created at the same moment keep a stable order by id.
	s.add("F", "pref-14", -time.Hour, "偽ショップ")
	s.add("G", "pref-14", -time.Hour, "偽ショップ")
	for _, c := range []struct {
		org           string
		limit, offset int
		want          string
		total         int
	}{
		{"pref-13", 0, 0, "B D C E A", 5},
		{"pref-13", 2, 0, "B D", 5},
		{"pref-13", 2, 2, "C E", 5},
		{"pref-13", 2, 4, "A", 5},
		{"pref-13", 2, 5, "", 5},
		{"pref-13", 2, 50, "", 5},
		{"pref-14", 0, 0, "G F", 2},
	} {
		if got, total := s.find(c.org, "偽ショップ", c.limit, c.offset); got != c.want || total != c.total {
			t.Errorf("%s limit %d offset %d: %q total %d, want %q total %d", c.org, c.limit, c.offset, got, total, c.want, c.total)
		}
	}
}

func testSearchHitFields(t *testing.T, f *fixture) {
	u := f.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	r := f.newReport("pref-13")
	r.Kind, r.Category, r.Prefecture, r.Urgent = intake.KindConsultation, "FR", "13", true
	r.FreezeDeadline, r.Status, r.AssigneeID = t0.Add(time.Hour), intake.StatusInProgress, u.ID
	r.Description = strings.Repeat("前置きの文章です。", 30) + "投資詐欺のＬＩＮＥグループに誘われた。" + strings.Repeat("後の文章です。", 30)
	r.CreatedAt = t0.Add(-time.Minute)
	f.create(r)
	terms, err := intake.SearchTerms("ｌｉｎｅグループ 投資")
	if err != nil {
		t.Fatal(err)
	}
	hits, total, err := f.db.SearchReports(f.ctx, f.scope(f.tree.Visible(f.orgID("pref-13"))), terms, 10, 0)
	if err != nil || total != 1 || len(hits) != 1 {
		t.Fatalf("SearchReports: %d hits, total %d, %v", len(hits), total, err)
	}
	h := hits[0]
	want := intake.QueueItem{
		ID: r.ID, Receipt: r.Receipt, Kind: r.Kind, Category: r.Category, Prefecture: r.Prefecture, OrgID: r.OrgID,
		Urgent: true, FreezeDeadline: r.FreezeDeadline, Status: r.Status, AssigneeID: u.ID,
		Summary: string([]rune(r.Description)[:120]), CreatedAt: r.CreatedAt,
	}
	if d := diff(want, h.QueueItem); d != nil {
		t.Errorf("hit differs from the queue item: %v", d)
	}
	// The text: the description as the reporter wrote it, not normalised.
	if h.Text != r.Description {
		t.Errorf("hit text %q, want the description as written", h.Text)
	}
}

func testSearchReporterMessages(t *testing.T, f *fixture) {
	u := f.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	s := newSearchSet(f)
	r := s.add("A", "pref-13", -time.Hour, "ロマンス詐欺の相談", observe.Observable{Type: observe.Domain, Value: "love-invest.example"})
	s.expect(t, "pref-13", map[string]string{"scam_jp": "", "love-invest": "A"})

	f.clock.Advance(time.Minute)
	msgs := []intake.Message{
		{ReportID: r.ID, Author: "reporter", Body: "追加：相手のLINE IDは Scam_JP です", CreatedAt: f.clock.Now()},
		{ReportID: r.ID, Author: "officer", UserID: u.ID, Body: "確認しました（内部メモ）", CreatedAt: f.clock.Now()},
	}
	if err := f.db.AddToReport(f.ctx, r.ID, intake.Addition{Messages: msgs}, audit.Entry{Actor: audit.Public("192.0.2.1"), Action: "report.add_info",
		ObjectType: "report", ObjectID: strconv.FormatInt(r.ID, 10)}); err != nil {
		t.Fatalf("AddToReport: %v", err)
	}
	// The reporter's words are found; the officer's are not part of the text.
	// The query's _ separates terms: scam and jp.
	s.expect(t, "pref-13", map[string]string{"scam_jp": "A", "line id": "A", "内部メモ": "", "ロマンス": "A", "love-invest": "A"})

	// A second message is added to the text, the first stays.
	f.clock.Advance(time.Minute)
	if err := f.db.AddToReport(f.ctx, r.ID, intake.Addition{Messages: []intake.Message{{ReportID: r.ID, Author: "reporter", Body: "振込先は楽天銀行です", CreatedAt: f.clock.Now()}}},
		audit.Entry{Actor: audit.Public("192.0.2.1"), Action: "report.add_info", ObjectType: "report", ObjectID: strconv.FormatInt(r.ID, 10)}); err != nil {
		t.Fatalf("AddToReport: %v", err)
	}
	s.expect(t, "pref-13", map[string]string{"楽天銀行": "A", "line id": "A", "ロマンス 楽天": "A"})

	// An officer's reply alone leaves the text as it was.
	if err := f.db.AddToReport(f.ctx, r.ID, intake.Addition{Messages: []intake.Message{{ReportID: r.ID, Author: "officer", UserID: u.ID, Body: "返信文", CreatedAt: f.clock.Now()}},
		Status: intake.StatusInProgress}, audit.Entry{Actor: audit.System, Action: "report.reply", ObjectType: "report", ObjectID: strconv.FormatInt(r.ID, 10)}); err != nil {
		t.Fatalf("AddToReport: %v", err)
	}
	s.expect(t, "pref-13", map[string]string{"返信文": "", "楽天銀行": "A"})
	// The hit carries the reporter's words as written, one message a line,
	// and none of the officer's.
	hits, _ := s.hits("pref-13", "楽天銀行", 0, 0)
	if want := "ロマンス詐欺の相談\n追加：相手のLINE IDは Scam_JP です\n振込先は楽天銀行です"; len(hits) != 1 || hits[0].Text != want {
		t.Errorf("hit text %q, want %q", hitTexts(hits), want)
	}
}

func hitTexts(hits []intake.SearchHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Text)
	}
	return out
}

func testSearchBatchAndGroups(t *testing.T, f *fixture) {
	// Reports stored together in one call, and many calls at once (the
	// group committer's multi-row path), are all indexed.
	var rs []*intake.Report
	for i := 0; i < 30; i++ {
		r := f.newReport("pref-13")
		r.Description = "一括 " + strconv.Itoa(i) + " 番目のフィッシング報告"
		rs = append(rs, r)
	}
	f.create(rs...)
	var each []*intake.Report
	for i := 0; i < 50; i++ {
		r := f.newReport("pref-27")
		r.Description = "同時 " + strconv.Itoa(i) + " 番目のフィッシング報告"
		each = append(each, r)
	}
	done := make(chan error, len(each))
	for _, r := range each {
		go func() { done <- f.db.CreateReports(f.ctx, []*intake.Report{r}, []audit.Entry{createEntry()}) }()
	}
	for i := 0; i < 50; i++ {
		if err := <-done; err != nil {
			t.Fatalf("CreateReports: %v", err)
		}
	}
	s := newSearchSet(f)
	if _, total := s.find("pref-13", "フィッシング", 5, 0); total != 30 {
		t.Errorf("pref-13: %d reports found, want 30", total)
	}
	if _, total := s.find("pref-27", "フィッシング", 5, 0); total != 50 {
		t.Errorf("pref-27: %d reports found, want 50", total)
	}
	if _, total := s.find("npa", "一括 17 番目", 5, 0); total != 1 {
		t.Errorf("npa, one report by its number: total %d, want 1", total)
	}
}
