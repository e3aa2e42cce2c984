package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/locale"
)

const pw = "correct horse battery staple"

type problem struct{ Field, Code, Message string }

type answer struct {
	Status    int
	Errors    []problem
	StatusURL string `json:"status_url"`
	Accepted  int
	Rejected  int
	Results   []struct {
		Line   int
		Status string
		Errors []problem
	}
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%d answer is not JSON: %q", resp.StatusCode, b)
	}
	for _, p := range a.Errors {
		if p.Message == "" || p.Message == p.Code {
			t.Errorf("problem %+v has no message from the catalogs", p)
		}
	}
	return a
}

func postJSON(t *testing.T, url, token, body string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

// multipartBody builds a multipart body: the report part (when not "") and
// one part per file, named "files".
func multipartBody(report string, files ...[]byte) (string, *bytes.Buffer) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if report != "" {
		mw.WriteField("report", report)
	}
	for i, f := range files {
		fw, _ := mw.CreateFormFile("files", fmt.Sprintf("file%d.png", i))
		fw.Write(f)
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}

func fieldsOf(ps []problem) map[string]string {
	out := map[string]string{}
	for _, p := range ps {
		out[p.Field] = p.Code
	}
	return out
}

type server struct {
	*apptest.Server
	partner string // a partner's API token
}

func start(t *testing.T) server {
	s := apptest.Start(t)
	s.AddUser(t, "feed@jc3.example", "npa", auth.RolePartner, pw)
	return server{Server: s, partner: s.Token(t, "feed@jc3.example")}
}

const tip = `{"kind":"tip","description":"闇バイトの募集を見ました https://t.me/yami_job"`

// A typo in a field name loses nothing silently: the report is refused with
// a 400 that names the field, on every way in.
func TestUnknownFieldsAreNamed(t *testing.T) {
	s := start(t)
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"top level", tip + `,"contact_email":"victim@example.jp"}`, []string{"contact_email"}},
		{"nested", tip + `,"contact":{"mail":"victim@example.jp"},"consent":true}`, []string{"contact.mail"}},
		{"several", tip + `,"Kind":"report","money":{"amount":5000,"sent_at":""}}`, []string{"Kind", "money.amount"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			check := func(how string, a answer) {
				t.Helper()
				got := fieldsOf(a.Errors)
				if a.Status != http.StatusBadRequest || len(got) != len(c.want) {
					t.Fatalf("%s: %d %+v, want 400 naming %v", how, a.Status, a.Errors, c.want)
				}
				for _, f := range c.want {
					if got[f] != "api.error.unknown_field" {
						t.Errorf("%s: %v does not name %s", how, got, f)
					}
				}
			}
			check("public", postJSON(t, s.URL+"/api/v1/public/reports", "", c.body))
			check("partner", postJSON(t, s.URL+"/api/v1/reports", s.partner, c.body))
			ct, b := multipartBody(c.body)
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/public/reports", b)
			req.Header.Set("Content-Type", ct)
			check("multipart", do(t, req))

			bulk := postJSON(t, s.URL+"/api/v1/reports/bulk", s.partner, tip+"}\n"+c.body+"\n")
			if bulk.Status != http.StatusOK || bulk.Accepted != 1 || bulk.Rejected != 1 {
				t.Fatalf("bulk: %+v", bulk)
			}
			line := bulk.Results[1]
			if got := fieldsOf(line.Errors); line.Line != 2 || line.Status != "rejected" || len(got) != len(c.want) || got[c.want[0]] != "api.error.unknown_field" {
				t.Errorf("bulk line 2: %+v, want it rejected naming %v", line, c.want)
			}
		})
	}
	// A multipart part of another name than report and files is refused
	// the same way: evidence sent as "file" would otherwise be lost.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("report", tip+"}")
	fw, _ := mw.CreateFormFile("file", "screenshot.png")
	fw.Write([]byte("\x89PNG\r\n\x1a\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/public/reports", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if a := do(t, req); a.Status != http.StatusBadRequest || fieldsOf(a.Errors)["file"] != "api.error.unknown_field" {
		t.Errorf("multipart part \"file\": %d %+v", a.Status, a.Errors)
	}
}

// Text that is not valid UTF-8, lone surrogates and control characters are
// refused by field, not stored rewritten.
func TestInvalidTextIsRefusedByField(t *testing.T) {
	s := start(t)
	for _, c := range []struct {
		name, body, field string
		partner           bool
	}{
		{"invalid UTF-8 in the description", `{"kind":"tip","description":"偽サイト ` + "\xff\xfe" + ` https://x.example"}`, "description", false},
		{"a lone surrogate in the description", `{"kind":"tip","description":"偽サイト \ud800 https://x.example"}`, "description", false},
		{"a lone low surrogate in the name", `{"kind":"report","description":"x","contact":{"name":"山田\udc00","email":"a@example.jp"},"consent":true}`, "contact.name", false},
		{"a control character in the name", `{"kind":"report","description":"x","contact":{"name":"山田\u0007花子","email":"a@example.jp"},"consent":true}`, "contact.name", false},
		{"a newline in the name", `{"kind":"report","description":"x","contact":{"name":"山田\n花子","email":"a@example.jp"},"consent":true}`, "contact.name", false},
		{"a control character in the external id", `{"kind":"report","description":"x","external_id":"jc3-\u001b[31m1"}`, "external_id", true},
		{"invalid UTF-8 in the external id", `{"kind":"report","description":"x","external_id":"jc3-` + "\xc3" + `"}`, "external_id", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			url, token := s.URL+"/api/v1/public/reports", ""
			if c.partner {
				url, token = s.URL+"/api/v1/reports", s.partner
			}
			a := postJSON(t, url, token, c.body)
			if a.Status != http.StatusUnprocessableEntity || fieldsOf(a.Errors)[c.field] == "" {
				t.Fatalf("%d %+v, want 422 naming %s", a.Status, a.Errors, c.field)
			}
		})
	}
	// A valid surrogate pair, and tabs and newlines in the description, are text.
	a := postJSON(t, s.URL+"/api/v1/public/reports", "", `{"kind":"tip","description":"絵文字 \ud83d\ude00 です\n\t二行目"}`)
	if a.Status != http.StatusCreated {
		t.Fatalf("valid text refused: %d %+v", a.Status, a.Errors)
	}
}

// A JSON body over the cap is refused with a 413 before it is read, and
// while it is read when its length was not announced.
func TestJSONBodyCap(t *testing.T) {
	s := start(t)
	big := tip + `,"external_id":"` + strings.Repeat("a", 2<<20) + `"}`
	check := func(how string, a answer) {
		t.Helper()
		if a.Status != http.StatusRequestEntityTooLarge || len(a.Errors) != 1 || a.Errors[0].Code != "api.error.json_too_large" {
			t.Errorf("%s: %d %+v, want 413 api.error.json_too_large", how, a.Status, a.Errors)
		}
	}
	check("with a length", postJSON(t, s.URL+"/api/v1/public/reports", "", big))
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/reports", io.MultiReader(strings.NewReader(big))) // no length: chunked
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.partner)
	check("chunked", do(t, req))
	ct, b := multipartBody(big)
	req, _ = http.NewRequest("POST", s.URL+"/api/v1/public/reports", b)
	req.Header.Set("Content-Type", ct)
	check("multipart report part", do(t, req))
}

// A bulk body announced over its cap is refused before it is read; a line
// over the JSON cap ends the reading there, the lines before it handled.
func TestBulkCaps(t *testing.T) {
	s := start(t)
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/reports/bulk", io.LimitReader(zeros{}, 65<<20))
	req.ContentLength = 65 << 20
	req.Header.Set("Authorization", "Bearer "+s.partner)
	if a := do(t, req); a.Status != http.StatusRequestEntityTooLarge || a.Errors[0].Code != "api.error.bulk_too_large" {
		t.Errorf("65 MiB announced: %d %+v, want 413 api.error.bulk_too_large", a.Status, a.Errors)
	}
	body := tip + "}\n" + tip + `,"external_id":"` + strings.Repeat("a", 1<<20) + `"}` + "\n" + tip + "}\n"
	a := postJSON(t, s.URL+"/api/v1/reports/bulk", s.partner, body)
	if a.Status != http.StatusOK || a.Accepted != 1 || a.Rejected != 1 || a.Results[1].Line != 2 || a.Results[1].Errors[0].Code != "api.error.bulk_unreadable" {
		t.Errorf("a line over 1 MiB: %+v", a)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// An empty bulk body is a mistake, not a success with nothing in it.
func TestEmptyBulkIsMalformed(t *testing.T) {
	s := start(t)
	for _, body := range []string{"", "\n\n  \n"} {
		if a := postJSON(t, s.URL+"/api/v1/reports/bulk", s.partner, body); a.Status != http.StatusBadRequest || a.Errors[0].Code != "api.error.bulk_empty" {
			t.Errorf("bulk body %q: %d %+v, want 400 api.error.bulk_empty", body, a.Status, a.Errors)
		}
	}
}

// The status link never takes its host from the request: without
// KOBAN_BASE_URL it is relative.
func TestStatusURLIgnoresHostHeader(t *testing.T) {
	s := start(t)
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/public/reports", strings.NewReader(tip+"}"))
	req.Header.Set("Content-Type", "application/json")
	req.Host = "phish.example"
	a := do(t, req)
	if a.Status != http.StatusCreated || !strings.HasPrefix(a.StatusURL, "/s/kst_") {
		t.Errorf("status_url %q (status %d), want /s/kst_…", a.StatusURL, a.Status)
	}
}

// A multipart submission whose second file is refused stores neither.
func TestRefusedMultipartStoresNoFile(t *testing.T) {
	s := start(t)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR first file, fine")
	ct, b := multipartBody(tip+"}", png, []byte("MZ\x90\x00 a Windows program"))
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/public/reports", b)
	req.Header.Set("Content-Type", ct)
	if a := do(t, req); a.Status != http.StatusUnprocessableEntity || fieldsOf(a.Errors)["files.1"] != "intake.error.file_type" {
		t.Fatalf("%d %+v, want 422 files.1", a.Status, a.Errors)
	}
	var left []string
	filepath.WalkDir(filepath.Join(s.Dir, "files"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("files left on disk by a refused submission: %v", left)
	}
}

// Deep nesting is refused before it costs anything.
func TestDeepNestingIsMalformed(t *testing.T) {
	s := start(t)
	body := `{"kind":"tip","description":"x","contact":` + strings.Repeat("[", 500_000) + strings.Repeat("]", 500_000) + `}`
	if a := postJSON(t, s.URL+"/api/v1/public/reports", "", body); a.Status != http.StatusBadRequest {
		t.Errorf("half a million nested arrays: %d %+v, want 400", a.Status, a.Errors)
	}
}

// A refused report's errors are in the language the report asks for when
// the client sends no Accept-Language (scripts seldom do); ?lang= decides
// before the report.
func TestErrorsInTheReportsLanguage(t *testing.T) {
	s := start(t)
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, language, want string }{
		{"", "en", "en"},
		{"", "ja", "ja"},
		{"", "", "ja"},
		{"?lang=ja", "en", "ja"},
		{"?lang=en", "ja", "en"},
	} {
		body := `{"kind":"tip","consent":true}`
		if c.language != "" {
			body = `{"kind":"tip","consent":true,"language":"` + c.language + `"}`
		}
		a := postJSON(t, s.URL+"/api/v1/public/reports"+c.query, "", body)
		if a.Status != http.StatusUnprocessableEntity || len(a.Errors) == 0 {
			t.Fatalf("%s %s: %d %+v, want 422", c.query, body, a.Status, a.Errors)
		}
		for _, p := range a.Errors {
			if want := cat.T(c.want, p.Code); p.Message != want {
				t.Errorf("%s %s: %s says %q, want %q (%s)", c.query, body, p.Code, p.Message, want, c.want)
			}
		}
	}
}
