package intake_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

func TestSearchTerms(t *testing.T) {
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"闇バイト", []string{"闇バイト"}},
		{"  京都　報酬 ", []string{"京都", "報酬"}},           // ASCII and ideographic spaces
		{"ＵＲＬ", []string{"url"}},                     // full-width → ASCII, lower case
		{"ｶｰﾄﾞ", []string{"カード"}},                    // half-width katakana → full-width
		{"ばいと バイト", []string{"ばいと", "バイト"}},          // hiragana and katakana stay distinct
		{"PayPay paypay ＰａｙＰａｙ", []string{"paypay"}}, // repeats once
		{"50%_off", []string{"50", "off"}},           // LIKE wildcards separate terms
		{`a\b`, []string{"a", "b"}},
		{"a\x00b\tc\nd", []string{"a", "b", "c", "d"}}, // control characters too
		{"x\xffy", []string{"x", "y"}},                 // and bytes that are not UTF-8
		{"+81 90-1234-5678", []string{"+81", "90-1234-5678"}},
		{"㈱", []string{"(株)"}},
		{strings.Repeat("a ", 10), []string{"a"}},
		{strings.TrimSpace(strings.Repeat("語 ", 100)), []string{"語"}}, // 199 characters
	} {
		got, err := intake.SearchTerms(c.q)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("SearchTerms(%q) = %q, %v; want %q", c.q, got, err, c.want)
		}
	}
	tenTerms := "1 2 3 4 5 6 7 8 9 10"
	if got, err := intake.SearchTerms(tenTerms); err != nil || len(got) != 10 {
		t.Errorf("ten terms: %q, %v", got, err)
	}
	if _, err := intake.SearchTerms(strings.Repeat("あ", intake.SearchMaxRunes)); err != nil {
		t.Errorf("a query of %d characters: %v", intake.SearchMaxRunes, err)
	}
	for _, c := range []struct{ q, key string }{
		{"", "search.error.empty"},
		{" \u3000\t", "search.error.empty"},
		{"%%__\\", "search.error.empty"},
		{tenTerms + " 11", "search.error.too_many_terms"},
		{strings.Repeat("あ", intake.SearchMaxRunes+1), "search.error.too_long"},
		{strings.Repeat(" ", intake.SearchMaxRunes+1), "search.error.too_long"},
	} {
		_, err := intake.SearchTerms(c.q)
		wantField(t, "SearchTerms("+c.q+")", err, "q", c.key)
	}
}

func TestSearchText(t *testing.T) {
	got := intake.SearchText("ＳＭＳで届いたＵＲＬ\n二行目", []string{"+819012345678", "https://example.com/A"}, []string{"追加：ＬＩＮＥ"})
	want := "smsで届いたurl\n二行目\n+819012345678\nhttps://example.com/a\n追加:line"
	if got != want {
		t.Errorf("SearchText = %q, want %q", got, want)
	}
	// Values the text already holds are not repeated.
	got = intake.SearchText("ＳＭＳ: https://Bank.example/login から", []string{"bank.example", "https://bank.example/login", "+819012345678"}, nil)
	if want := "sms: https://bank.example/login から\n+819012345678"; got != want {
		t.Errorf("SearchText = %q, want %q", got, want)
	}
	if got := intake.SearchText("a\xffb", nil, nil); !utf8.ValidString(got) {
		t.Errorf("SearchText of invalid UTF-8 = %q", got)
	}
}

// marked returns a snippet as text with each match in [brackets].
func marked(parts []intake.SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Match {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func TestExcerpt(t *testing.T) {
	terms := func(q string) []string {
		t.Helper()
		ts, err := intake.SearchTerms(q)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	for _, c := range []struct {
		name, text, q, want string
	}{
		// The text as written, the match marked where it is: not the
		// lower-cased, folded search text.
		{"as written", "SNSで勧誘されました", "sns", "[SNS]で勧誘されました"},
		{"full width", "ＳＮＳで勧誘された", "sns", "[ＳＮＳ]で勧誘された"},
		{"half-width kana in the text", "ﾐｽﾞﾎ銀行を名乗る", "ミズホ", "[ﾐｽﾞﾎ]銀行を名乗る"},
		{"half-width kana in the query", "ミズホ銀行を名乗る", "ﾐｽﾞﾎ", "[ミズホ]銀行を名乗る"},
		{"every term, every place", "LINEで誘われ、LINEのグループへ", "line グループ", "[LINE]で誘われ、[LINE]の[グループ]へ"},
		{"a character that expands", "㍿テストから電話", "会社", "[㍿]テストから電話"},
		{"line breaks become a space", "説明\n\n追加：相手は scam_jp", "scam", "説明 追加：相手は [scam]_jp"},
		{"no match shows the start", "あいうえお", "かき", "あいうえお"},
	} {
		if got := marked(intake.Excerpt(c.text, terms(c.q), 80)); got != c.want {
			t.Errorf("%s: Excerpt(%q, %q) = %q, want %q", c.name, c.text, c.q, got, c.want)
		}
	}

	long := strings.Repeat("前", 100) + "闇バイト" + strings.Repeat("後", 100)
	s := intake.SnippetText(intake.Excerpt(long, []string{"闇バイト"}, 80))
	if !strings.HasPrefix(s, "…前") || !strings.HasSuffix(s, "後…") || !strings.Contains(s, "闇バイト") {
		t.Errorf("middle: %q", s)
	}
	if n := utf8.RuneCountInString(s); n != 82 {
		t.Errorf("middle: %d characters, want 80 and two …", n)
	}
	// The match is not at the very edge: some text before it shows.
	if i := strings.Index(s, "闇"); utf8.RuneCountInString(s[:i]) < 10 {
		t.Errorf("middle: too little before the match: %q", s)
	}
	// Near the start or the end, the window moves so that it stays full.
	if s := intake.SnippetText(intake.Excerpt(long, []string{"前前"}, 80)); strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || utf8.RuneCountInString(s) != 81 {
		t.Errorf("start: %q", s)
	}
	end := strings.Repeat("前", 100) + "終わり"
	if s := intake.SnippetText(intake.Excerpt(end, []string{"終わり"}, 80)); s != "…"+string([]rune(end)[23:]) {
		t.Errorf("end: %q", s)
	}
	// No match: the start, nothing marked.
	if p := intake.Excerpt(long, []string{"ない"}, 10); marked(p) != strings.Repeat("前", 10)+"…" {
		t.Errorf("no match: %q", marked(p))
	}
	// A term longer than the window: it starts the snippet.
	if s := intake.SnippetText(intake.Excerpt(long, []string{strings.Repeat("前", 50) + "闇"}, 20)); !strings.HasPrefix(s, "…前") || utf8.RuneCountInString(s) != 22 {
		t.Errorf("long term: %q", s)
	}
	// Text that is not UTF-8 is cut safely.
	if s := intake.SnippetText(intake.Excerpt("a\xffb", []string{"b"}, 80)); !utf8.ValidString(s) {
		t.Errorf("invalid UTF-8: %q", s)
	}
}

func TestSearchService(t *testing.T) {
	e := newEnv(t)
	c := cast(e) // two pref-13 reports with the bank SMS text
	s := validSub()
	s.Prefecture, s.Description = "27", "大阪で銀行を名乗るSMSが届いた。送信元 090-1234-5678"
	osaka := e.submit(s)

	hits, total, err := e.svc.Search(e.ctx, c.off13, "銀行　ＳＭＳ", 0, 0)
	if err != nil || total != 2 || len(hits) != 2 {
		t.Fatalf("Tokyo officer: %d hits, total %d, %v", len(hits), total, err)
	}
	for _, h := range hits {
		if h.ID == osaka.ReportID || !strings.Contains(marked(h.Snippet), "[SMS]") || h.Text != "" {
			t.Errorf("Tokyo hit %+v", h)
		}
	}
	// Osaka sees only its own; the phone number is found by its canonical form.
	hits, total, err = e.svc.Search(e.ctx, c.off27, "+819012345678", 10, 0)
	if err != nil || total != 1 || hits[0].ID != osaka.ReportID {
		t.Fatalf("Osaka officer: %+v, total %d, %v", hits, total, err)
	}
	// The snippet marks the number as the reporter wrote it.
	if got := marked(hits[0].Snippet); !strings.Contains(got, "[090-1234-5678]") {
		t.Errorf("snippet for the canonical number: %q", got)
	}
	if _, total, _ := e.svc.Search(e.ctx, c.off27, "bank-login.example.com", 10, 0); total != 0 {
		t.Errorf("Osaka officer finds %d Tokyo reports", total)
	}
	// The NPA sees all three; an analyst may search; paging is clamped.
	if _, total, _ := e.svc.Search(e.ctx, c.npa, "sms", 1, -5); total != 3 {
		t.Errorf("NPA total %d, want 3", total)
	}
	if hits, _, err := e.svc.Search(e.ctx, c.ana13, "sms", 1, 1); err != nil || len(hits) != 1 {
		t.Errorf("analyst, second page of one: %d hits, %v", len(hits), err)
	}
	// Contact details are not searchable.
	if _, total, _ := e.svc.Search(e.ctx, c.off13, "taro@example.jp", 10, 0); total != 0 {
		t.Errorf("contact e-mail found %d reports", total)
	}
	// What the reporter adds becomes searchable.
	if err := e.svc.AddInfo(e.ctx, c.r13.Token, "相手の口座は ゆうちょ銀行 です", nil, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if hits, total, _ := e.svc.Search(e.ctx, c.off13, "ゆうちょ", 10, 0); total != 1 || hits[0].ID != c.r13.ReportID {
		t.Errorf("reporter's added text: total %d", total)
	}
	// A partner may not search; an empty query is refused with the field.
	_, _, err = e.svc.Search(e.ctx, c.partner, "sms", 10, 0)
	wantCode(t, "partner search", err, koban.Forbidden)
	_, _, err = e.svc.Search(e.ctx, c.off13, "　", 10, 0)
	wantField(t, "empty query", err, "q", "search.error.empty")
	_, _, err = e.svc.Search(e.ctx, auth.Principal{}, "sms", 10, 0)
	wantCode(t, "nobody", err, koban.Forbidden)
	// Searching is not audited (no contact details are shown).
	if got := e.actions(c.r13.ReportID); slices.Contains(got, "report.view_personal") {
		t.Errorf("search audited a personal-data view: %v", got)
	}
	// Half-width katakana and full-width letters find their other forms.
	s.Description = "ﾐｽﾞﾎ銀行を名乗るＳＭＳが届いた"
	kana := e.submit(s)
	for _, q := range []string{"ミズホ", "ﾐｽﾞﾎ", "sms ミズホ", "ｓｍｓ"} {
		hits, _, err := e.svc.Search(e.ctx, c.off27, q, 10, 0)
		if err != nil || len(hits) == 0 || hits[0].ID != kana.ReportID {
			t.Errorf("query %q does not find %q: %+v, %v", q, s.Description, hits, err)
		}
	}
	s.Description = "ミズホ銀行を名乗るSMSが届いた（2通目）"
	full := e.submit(s)
	if hits, _, err := e.svc.Search(e.ctx, c.off27, "ﾐｽﾞﾎ 2通目", 10, 0); err != nil || len(hits) != 1 || hits[0].ID != full.ReportID {
		t.Errorf("half-width query does not find the full-width text: %+v, %v", hits, err)
	}
}
