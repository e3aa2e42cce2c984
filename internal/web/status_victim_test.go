package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
)

// jaClient is a browser whose language is Japanese (and no cookie yet).
func jaGet(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Language", "ja-JP,ja;q=0.9")
	resp := must(c.Do(req))
	return resp.StatusCode, body(t, resp)
}

// Item 5: the language switch keeps the query; on the form it is a submit
// button of the form (after the form's hidden default button, so Enter
// still sends), which shows everything typed again in the other language,
// the chosen file held; the status page opens in the language its report
// was filed in, switch and all, and its switch keeps the text being added.
func TestLanguageSwitchKeepsQueryAndText(t *testing.T) {
	s := apptest.Start(t)
	c := s.Client()
	_, page := jaGet(t, c, s.URL+"/report?kind=tip")
	sw := strings.Index(page, `name="switch_lang" value="en"`)
	def := strings.Index(page, `<button type="submit" form="f-form" hidden>`)
	if sw < 0 || !strings.Contains(page, `form="f-form" formaction="/report?kind=tip&amp;lang=en"`) {
		t.Fatalf("the form page's switch is not a button of the form keeping ?kind=tip:\n%s", page[:min(len(page), 2000)])
	}
	if def < 0 || def > sw {
		t.Error("the form's hidden default button does not come before the language switch")
	}
	if _, home := jaGet(t, c, s.URL+"/?from=poster"); !strings.Contains(home, `href="/?from=poster&amp;lang=en"`) {
		t.Error("the home page's switch drops the query")
	}

	typed := fieldsWith(fullForm, "kind", "tip", "switch_lang", "en")
	resp := browserPost(t, c, s.URL+"/report?kind=tip&lang=en", typed, []formFile{png("sms.png")}, true)
	page = body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<html lang="en">`) || strings.Contains(page, "error-summary") {
		t.Fatalf("switch to English: %d", resp.StatusCode)
	}
	checkFields(t, "after the switch", page, fieldsWith(typed, "switch_lang", ""))
	if !strings.Contains(page, "These files have been received") || !slicesEqual(heldNames(page), "sms.png") {
		t.Errorf("the chosen file is not held across the switch: %v", heldNames(page))
	}

	// Filed in English: the status link opens in English for a Japanese
	// browser, with the switch to Japanese there.
	resp = browserPost(t, c, s.URL+"/report?lang=en", fullForm, nil, true)
	resp.Body.Close()
	path := strings.TrimSuffix(resp.Header.Get("Location"), "?new=1")
	fresh := s.Client()
	if _, st := jaGet(t, fresh, s.URL+path); !strings.Contains(st, `<html lang="en">`) || !strings.Contains(st, `formaction="`+path+`?lang=ja"`) {
		t.Errorf("the status link does not open in the report's language with a switch")
	}
	if _, st := jaGet(t, fresh, s.URL+path+"?lang=ja"); !strings.Contains(st, `<html lang="ja">`) {
		t.Error("?lang=ja on the status page is not Japanese")
	}
	// The switch on the status page keeps the text being added, and adds
	// nothing.
	resp = browserPost(t, fresh, s.URL+path+"?lang=ja", []formField{{"switch_lang", "ja"}, {"body", "相手から新しいSMSが届きました"}}, nil, true)
	st := body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(st, `<html lang="ja">`) || !strings.Contains(st, ">相手から新しいSMSが届きました</textarea>") {
		t.Errorf("switch on the status page: %d, text kept: %v", resp.StatusCode, strings.Contains(st, "相手から新しいSMSが届きました"))
	}
	if strings.Contains(st, `class="message message-reporter"`) {
		t.Error("switching the language added the text as information")
	}
}

func slicesEqual(got []string, want ...string) bool {
	return strings.Join(got, "\x00") == strings.Join(want, "\x00")
}

// Item 6: the receipt says who has the report, what happens next for its
// kind and roughly when, shows what was sent, offers a copy button (shown by
// a script; the link is text without it), and makes 110 and #9110 links to
// call; with no mail set up there is no offer to mail the link.
func TestReceiptSaysWhoAndWhatNext(t *testing.T) {
	s := apptest.Start(t)
	c := s.Client()
	resp := browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "prefecture", "13"), []formFile{png("sms.png")}, true)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	_, page := jaGet(t, c, s.URL+loc)
	page = html.UnescapeString(page)
	for _, want := range []string{
		"この通報・相談は、警視庁が担当します。", `<dd id="report-org">警視庁</dd>`,
		"警視庁の相談担当者が内容を確認し、おおむね3営業日", // consultation
		`<a href="tel:%239110" class="tel">#9110</a>`, `<a href="tel:110" class="tel">110</a>`,
		`id="copy-link"`, "URLをコピー", `/status.js"`,
		`<dd id="sent-category">詐欺</dd>`, "投資アプリで出金できず", `<dd id="sent-amount">500,000円</dd>`,
		`<span class="file-name">sms.png</span> <span class="file-size">(`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("receipt lacks %q", want)
		}
	}
	if !regexp.MustCompile(`<button type="button" class="small" id="copy-link"[^>]* hidden>`).MatchString(page) {
		t.Error("the copy button is not hidden until its script shows it")
	}
	if strings.Contains(page, `id="f-mail"`) {
		t.Error("mailing the link is offered with no mail set up")
	}
	if _, en := jaGet(t, s.Client(), s.URL+loc+"&lang=en"); !strings.Contains(en, "The Tokyo Metropolitan Police Department is handling your report.") {
		t.Error("the English receipt does not name the Tokyo MPD")
	}

	// A tip from someone who does not say where they live: the national
	// queue has it, and says it will pass it on.
	resp = browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "kind", "tip", "prefecture", ""), nil, true)
	if b := body(t, resp); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tip: %d\n%s", resp.StatusCode, b)
	}
	_, page = jaGet(t, c, s.URL+strings.TrimSuffix(resp.Header.Get("Location"), "?new=1"))
	for _, want := range []string{`<dd id="report-org">サイバー警察局</dd>`, "都道府県がわからないため", "原則として個別にお返事しません"} {
		if !strings.Contains(page, want) {
			t.Errorf("status page of a national tip lacks %q", want)
		}
	}
}

// An addition over the rate limit is not taken, but the page shows the text
// again and names the file to choose again; nothing is written to disk.
func TestStatusAddOverRateLimitKeepsText(t *testing.T) {
	s := apptest.Start(t, apptest.WithSubmitLimit(0.001, 2))
	c := s.Client()
	path := submit(t, s, validForm)
	stored := len(storedFiles(t, s))
	browserPost(t, c, s.URL+path, []formField{{"body", "一回目"}}, nil, true).Body.Close()
	resp := browserPost(t, c, s.URL+path, []formField{{"body", "相手の口座は 三井住友銀行 渋谷支店 普通 7777777"}}, []formFile{png("receipt.png")}, true)
	page := body(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d", resp.StatusCode)
	}
	for _, want := range []string{">相手の口座は 三井住友銀行 渋谷支店 普通 7777777</textarea>", "少し待って", `<li class="file-name">receipt.png</li>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page over the limit lacks %q", want)
		}
	}
	if n := len(storedFiles(t, s)); n != stored {
		t.Errorf("files on disk went from %d to %d", stored, n)
	}
}
