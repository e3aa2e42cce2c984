package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/koban-project/koban/internal/app/apptest"
)

// formField is one field of the public form, in the order a browser sends it.
type formField struct{ name, value string }

// formFile is one file of the public form.
type formFile struct {
	name string
	data io.Reader
}

// fullForm fills every field of the form, in the page's order (text before
// the file input, as the template puts it).
var fullForm = []formField{
	{"kind", "consultation"}, {"category", "FR"},
	{"description", "投資アプリで出金できず、追加の手数料を求められています。"},
	{"occurred_at", "2026-02-27T21:30"}, {"amount_jpy", "50万円"}, {"sent_at", "2026-02-28T10:15"},
	{"prefecture", "27"}, {"contact_name", "山田 花子"}, {"contact_email", "hanako@example.jp"},
	{"contact_phone", "090-1234-5678"}, {"consent", "yes"},
}

// fieldsWith returns fs with the named fields set (added when missing) or,
// for an empty value, left out.
func fieldsWith(fs []formField, kv ...string) []formField {
	out := slices.Clone(fs)
	for i := 0; i+1 < len(kv); i += 2 {
		j := slices.IndexFunc(out, func(f formField) bool { return f.name == kv[i] })
		switch {
		case j >= 0 && kv[i+1] == "":
			out = slices.Delete(out, j, j+1)
		case j >= 0:
			out[j].value = kv[i+1]
		case kv[i+1] != "":
			out = append([]formField{{kv[i], kv[i+1]}}, out...) // held and remove come first
		}
	}
	return out
}

// browserPost sends the form as a browser does: the fields in order, then
// the files; announced sends the length up front (a browser does), else
// the body is streamed.
func browserPost(t *testing.T, c *http.Client, target string, fields []formField, files []formFile, announced bool) *http.Response {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, f := range fields {
			mw.WriteField(f.name, f.value)
		}
		for _, f := range files {
			fw, _ := mw.CreateFormFile("files", f.name)
			io.Copy(fw, f.data)
		}
		pw.CloseWithError(mw.Close())
	}()
	var rb io.Reader = pr
	if announced {
		b, _ := io.ReadAll(pr)
		rb = bytes.NewReader(b)
	}
	req, _ := http.NewRequest("POST", target, rb)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func png(name string) formFile {
	return formFile{name, bytes.NewReader(append(slices.Clone(pngBytes), name...))}
}

var heldTokenRe = regexp.MustCompile(`<input type="hidden" name="held" value="([0-9a-f]{32})">`)

// heldNames lists the files the page says are held, in order.
func heldNames(page string) []string {
	var out []string
	i := strings.Index(page, `id="held"`)
	if i < 0 {
		return nil
	}
	j := strings.Index(page[i:], "</ul>")
	for _, m := range regexp.MustCompile(`<span class="file-name">([^<]*)</span>`).FindAllStringSubmatch(page[i:i+j], -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// Item 1: a picture attached to a form with a problem is kept for the form
// (listed, with a remove button) and goes with the report when the form is
// sent again; nothing is stored for the refused try, and the held copy is
// gone once the report has its own.
func TestFormKeepsFilesAcrossErrors(t *testing.T) {
	s := apptest.Start(t)
	c := s.Client()
	resp := browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "description", ""), []formFile{png("sms.png")}, true)
	page := body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("forgotten description: %d", resp.StatusCode)
	}
	m := heldTokenRe.FindStringSubmatch(page)
	if m == nil || !slices.Equal(heldNames(page), []string{"sms.png"}) || !strings.Contains(page, `name="remove" value="1"`) ||
		!strings.Contains(page, "次のファイルは受け取ってあります") {
		t.Fatalf("the picture is not listed as kept (held %v):\n%s", heldNames(page), page)
	}
	token := m[1]
	if stored := storedFiles(t, s); len(stored) != 0 || len(heldFiles(t, s)) != 1 {
		t.Fatalf("refused try: %d stored, %d held", len(stored), len(heldFiles(t, s)))
	}

	// Fixed and sent again, without choosing the picture again.
	resp = browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "held", token), nil, true)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/s/") {
		t.Fatalf("second try: %d %s", resp.StatusCode, loc)
	}
	receipt := body(t, must(c.Get(s.URL+loc)))
	if !strings.Contains(receipt, "sms.png") {
		t.Errorf("the receipt does not list the kept picture")
	}
	if left := heldFiles(t, s); len(left) != 0 || len(storedFiles(t, s)) != 1 {
		t.Errorf("after the report: %d held, %d stored", len(left), len(storedFiles(t, s)))
	}
	// The token is spent: sent again, it brings no file.
	resp = browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "held", token, "description", ""), nil, true)
	if page := body(t, resp); len(heldNames(page)) != 0 {
		t.Errorf("a spent token still lists %v", heldNames(page))
	}
}

// Item 1: the remove button takes one held file off the form (a plain
// submit button, no script); the rest go with the report.
func TestFormRemoveHeldFile(t *testing.T) {
	s := apptest.Start(t)
	c := s.Client()
	resp := browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "contact_phone", "12"), []formFile{png("wrong.png"), png("right.png")}, true)
	page := body(t, resp)
	token := heldTokenRe.FindStringSubmatch(page)[1]
	if got := heldNames(page); !slices.Equal(got, []string{"wrong.png", "right.png"}) {
		t.Fatalf("held %v", got)
	}
	resp = browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "held", token, "remove", "1", "contact_phone", "12"), nil, true)
	page = body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "「wrong.png」を外しました。") || !slices.Equal(heldNames(page), []string{"right.png"}) {
		t.Fatalf("remove: %d, held %v", resp.StatusCode, heldNames(page))
	}
	if strings.Contains(page, "error-summary") {
		t.Error("removing a file shows the form's problems as if it had been sent")
	}
	if !strings.Contains(page, `value="12"`) {
		t.Error("removing a file lost what was typed")
	}
	resp = browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "held", token), []formFile{png("more.png")}, true)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", resp.StatusCode)
	}
	st, err := s.App.Intake.Status(context.Background(), strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/s/"), "?new=1"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range st.Report.Files {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"right.png", "more.png"}) {
		t.Errorf("report files %v, want right.png then more.png", names)
	}
}

// Item 1: a form over the rate limit writes no file; the page keeps the
// text, says plainly that the files were not received and names them, and
// still lists the files held before.
func TestFormRateLimitNamesFilesToChooseAgain(t *testing.T) {
	s := apptest.Start(t, apptest.WithSubmitLimit(0.001, 2))
	c := s.Client()
	page := body(t, browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "description", ""), []formFile{png("first.png")}, true))
	token := heldTokenRe.FindStringSubmatch(page)[1]
	browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "description", ""), nil, true).Body.Close()
	resp := browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "held", token, "description", "三回目の送信です"), []formFile{png("second.png")}, true)
	page = body(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third try: %d", resp.StatusCode)
	}
	for _, want := range []string{"三回目の送信です", "少し待って", "次のファイルは受け取れませんでした。もう一度選んでください", `<li class="file-name">second.png</li>`} {
		if !strings.Contains(page, want) {
			t.Errorf("rate-limited page lacks %q", want)
		}
	}
	if strings.Contains(page, "入力した内容は残っています") {
		t.Error("the rate-limit message claims everything was kept")
	}
	if got := heldNames(page); !slices.Equal(got, []string{"first.png"}) {
		t.Errorf("held before the limit: %v", got)
	}
	if len(heldFiles(t, s)) != 1 || len(storedFiles(t, s)) != 0 {
		t.Errorf("over the limit: %d held, %d stored", len(heldFiles(t, s)), len(storedFiles(t, s)))
	}
}

// Item 1: a form carries at most five files, held ones included: the extra
// new file is named to choose again, not silently dropped.
func TestFormTooManyWithHeldFiles(t *testing.T) {
	s := apptest.Start(t)
	c := s.Client()
	page := body(t, browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "description", ""), []formFile{png("1.png"), png("2.png"), png("3.png")}, true))
	token := heldTokenRe.FindStringSubmatch(page)[1]
	resp := browserPost(t, c, s.URL+"/report", fieldsWith(fullForm, "held", token), []formFile{png("4.png"), png("5.png"), png("6.png")}, true)
	page = body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "添付できるファイルの数を超えています") {
		t.Fatalf("six files: %d", resp.StatusCode)
	}
	if got := heldNames(page); len(got) != 5 || !strings.Contains(page, `<li class="file-name">6.png</li>`) {
		t.Errorf("held %v; 6.png must be named to choose again", got)
	}
}

// checkFields fails unless page shows every field of fs as typed.
func checkFields(t *testing.T, what, page string, fs []formField) {
	t.Helper()
	for _, f := range fs {
		var want string
		switch f.name {
		case "kind", "category":
			prefix := map[string]string{"kind": "kind-", "category": "cat-"}[f.name]
			want = fmt.Sprintf(`id="%s%s" value="%s" checked`, prefix, f.value, f.value)
		case "description":
			want = ">" + f.value + "</textarea>"
		case "prefecture":
			want = `<option value="` + f.value + `" selected>`
		case "consent":
			want = `id="consent" name="consent" value="yes" checked`
		case "held", "remove":
			continue
		default:
			want = `name="` + f.name + `" value="` + f.value + `"`
		}
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("%s: %s not shown again (%s)", what, f.name, want)
		}
	}
}

// Item 2: every field comes back after a 413 (announced or found on the
// way) and after each kind of 422 and the 429.
func TestFormEveryFieldComesBack(t *testing.T) {
	s := apptest.Start(t)
	limit := s.App.Intake.Limits().MaxBody()
	huge := func() formFile {
		return formFile{"video.png", io.MultiReader(bytes.NewReader(pngBytes), io.LimitReader(zeros{}, limit))}
	}
	for _, tc := range []struct {
		name      string
		fields    []formField
		files     func() []formFile
		announced bool
		status    int
	}{
		{"too large, announced", fullForm, func() []formFile { return []formFile{huge()} }, true, http.StatusRequestEntityTooLarge},
		{"too large, found on the way", fullForm, func() []formFile { return []formFile{png("a.png"), huge()} }, false, http.StatusRequestEntityTooLarge},
		{"a field wrong", fieldsWith(fullForm, "contact_phone", "12"), nil, true, http.StatusUnprocessableEntity},
		{"an amount unreadable", fieldsWith(fullForm, "amount_jpy", "たくさん"), nil, true, http.StatusUnprocessableEntity},
		{"a date unreadable", fieldsWith(fullForm, "occurred_at", "yesterday"), nil, true, http.StatusUnprocessableEntity},
		{"a file refused", fullForm, func() []formFile { return []formFile{{"virus.png", strings.NewReader("MZ\x90\x00 program")}} }, true, http.StatusUnprocessableEntity},
		{"too many files", fullForm, func() []formFile {
			return []formFile{png("1.png"), png("2.png"), png("3.png"), png("4.png"), png("5.png"), png("6.png")}
		}, true, http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var files []formFile
			if tc.files != nil {
				files = tc.files()
			}
			resp := browserPost(t, s.Client(), s.URL+"/report", tc.fields, files, tc.announced)
			page := body(t, resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			checkFields(t, tc.name, page, tc.fields)
		})
	}
	if stored := storedFiles(t, s); len(stored) != 0 {
		t.Errorf("refused forms stored %d files", len(stored))
	}

	limited := apptest.Start(t, apptest.WithSubmitLimit(0.001, 1))
	browserPost(t, limited.Client(), limited.URL+"/report", fieldsWith(fullForm, "description", ""), nil, true).Body.Close()
	resp := browserPost(t, limited.Client(), limited.URL+"/report", fullForm, []formFile{png("a.png")}, true)
	page := body(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("rate limit: %d", resp.StatusCode)
	}
	checkFields(t, "rate limit", page, fullForm)
}

// Item 3: every problem in one answer, in the order of the form, the
// amount echoed back as understood, the phone saying what is wrong.
func TestFormAllProblemsAtOnce(t *testing.T) {
	s := apptest.Start(t)
	fields := fieldsWith(fullForm, "description", "", "occurred_at", "yesterday", "amount_jpy", "五十万円",
		"contact_email", "hanako@", "contact_phone", "12", "consent", "")
	resp := browserPost(t, s.Client(), s.URL+"/report", fields, []formFile{{"virus.png", strings.NewReader("MZ\x90\x00 program")}}, true)
	page := html.UnescapeString(body(t, resp))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	summary := regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`).FindString(page)
	want := []string{"何があったかを書いてください", "日時の形式が正しくありません", "メールアドレスの形式が正しくありません",
		"電話番号の桁が足りません", "個人情報の取扱いへの同意が必要です", "「virus.png」：このファイルの種類は添付できません"}
	last := -1
	for _, w := range want {
		i := strings.Index(summary, w)
		if i < 0 {
			t.Errorf("the summary lacks %q:\n%s", w, summary)
			continue
		}
		if i < last {
			t.Errorf("%q is out of the form's order in the summary", w)
		}
		last = i
	}
	if !strings.Contains(page, "500,000円として受け付けます。") {
		t.Error("the amount is not echoed as understood")
	}

	for _, tc := range []struct{ amount, understood string }{
		{"50万", "500,000円"}, {"５０万円", "500,000円"}, {"1,234,567円", "1,234,567円"}, {"1万2千円", "12,000円"}, {"¥12,345", "12,345円"},
	} {
		page := body(t, browserPost(t, s.Client(), s.URL+"/report", fieldsWith(fullForm, "amount_jpy", tc.amount, "description", ""), nil, true))
		if !strings.Contains(page, tc.understood+"として受け付けます。") {
			t.Errorf("%s: not echoed as %s", tc.amount, tc.understood)
		}
	}
	for _, tc := range []struct{ amount, msg string }{
		{"たくさん", "金額を読み取れませんでした"}, {"-5000", "マイナスは入力できません"}, {"10.5", "1円単位で"},
	} {
		page := html.UnescapeString(body(t, browserPost(t, s.Client(), s.URL+"/report", fieldsWith(fullForm, "amount_jpy", tc.amount), nil, true)))
		if !strings.Contains(page, tc.msg) {
			t.Errorf("amount %q: the page does not say %q", tc.amount, tc.msg)
		}
	}
	for _, tc := range []struct{ phone, msg string }{
		{"12", "電話番号の桁が足りません"}, {"090-CALL-ME", "数字とハイフン"}, {"0901234567890123", "桁が多すぎます"},
	} {
		page := html.UnescapeString(body(t, browserPost(t, s.Client(), s.URL+"/report?lang=ja", fieldsWith(fullForm, "contact_phone", tc.phone), nil, true)))
		if !strings.Contains(page, tc.msg) {
			t.Errorf("phone %q: the page does not say %q", tc.phone, tc.msg)
		}
	}

	// Understood amounts are stored as the number.
	resp = browserPost(t, s.Client(), s.URL+"/report", fieldsWith(fullForm, "amount_jpy", "1億5000万円"), nil, true)
	resp.Body.Close()
	st, err := s.App.Intake.Status(context.Background(), strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/s/"), "?new=1"))
	if err != nil || st.Report.Money.AmountJPY != 150_000_000 {
		t.Fatalf("stored amount: %v %v", st, err)
	}
}

// Item 4: every control of a field with a problem is aria-invalid and
// described by its message, and the summary links to each control.
func TestFormProblemsTiedToTheirFields(t *testing.T) {
	s := apptest.Start(t)
	fields := fieldsWith(fullForm, "kind", "complaint", "category", "XX", "description", "", "occurred_at", "yesterday",
		"amount_jpy", "たくさん", "sent_at", "2099-01-01T00:00", "prefecture", "99", "contact_name", "山田\x07",
		"contact_email", "hanako@", "contact_phone", "12", "consent", "")
	resp := browserPost(t, s.Client(), s.URL+"/report", fields, []formFile{{"virus.png", strings.NewReader("MZ\x90\x00 program")}}, true)
	doc, err := xhtml.Parse(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*xhtml.Node{}
	var links []string
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode {
			if id := attr(n, "id"); id != "" {
				byID[id] = n
			}
			if n.Data == "a" && strings.HasPrefix(attr(n, "href"), "#") && inSummary(n) {
				links = append(links, strings.TrimPrefix(attr(n, "href"), "#"))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, control := range []string{"kind-report", "kind-tip", "cat-unknown", "cat-PH", "description", "occurred_at", "amount_jpy",
		"sent_at", "prefecture", "contact_name", "contact_email", "contact_phone", "consent", "files"} {
		n := byID[control]
		if n == nil {
			t.Errorf("no control #%s", control)
			continue
		}
		if attr(n, "aria-invalid") != "true" {
			t.Errorf("#%s is not aria-invalid", control)
		}
		described := false
		for _, id := range strings.Fields(attr(n, "aria-describedby")) {
			if m := byID[id]; m != nil && strings.Contains(attr(m, "class"), "field-error") && text(m) != "" {
				described = true
			}
		}
		if !described {
			t.Errorf("#%s is not described by its message (aria-describedby=%q)", control, attr(n, "aria-describedby"))
		}
	}
	for _, want := range []string{"kind-report", "cat-unknown", "description", "occurred_at", "amount_jpy", "sent_at", "prefecture",
		"contact_name", "contact_email", "contact_phone", "consent", "files"} {
		if !slices.Contains(links, want) {
			t.Errorf("the error summary does not link to #%s (links %v)", want, links)
		}
	}
	for _, l := range links {
		if byID[l] == nil {
			t.Errorf("the summary links to #%s, which is not on the page", l)
		}
	}
}

func attr(n *xhtml.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func text(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func inSummary(n *xhtml.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if strings.Contains(attr(p, "class"), "error-summary") {
			return true
		}
	}
	return false
}
