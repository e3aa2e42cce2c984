package app_test

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
)

// TestAccessAnswerIsMailed: when koban sends mail, the officer who asked
// for access is told of the answer, in Japanese then English, with the
// request's number and the page to open, never the value asked about.
func TestAccessAnswerIsMailed(t *testing.T) {
	sink := newSink(t)
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL, c.MailFrom, c.BaseURL = "smtp://"+sink.ln.Addr().String(), "koban@police.example", "https://koban.police.example"
	}))
	const pw = "correct horse battery staple"
	s.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	call := func(email, method, path, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.Token(t, email))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return string(b)
	}
	call("tokyo@mpd.example", "POST", "/api/v1/public/reports", `{"kind":"tip","category":"FR","description":"振込先 090-4321-8765","prefecture":"13"}`)
	out := call("osaka@osaka.example", "POST", "/api/v1/access-requests", `{"type":"phone","value":"090-4321-8765","owner":"pref-13","reason":"同一番号"}`)
	id := strings.Split(strings.Split(out, `"id":`)[1], ",")[0]
	call("tokyo@mpd.example", "POST", "/api/v1/access-requests/"+id+"/grant", `{"days":7}`)
	sink.wait(t, 1)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) != 1 || !strings.Contains(sink.rcpt[0], "osaka@osaka.example") {
		t.Fatalf("mails %d to %v", len(sink.msgs), sink.rcpt)
	}
	m, err := mail.ReadMessage(strings.NewReader(sink.msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if !strings.Contains(subject, "#"+id) {
		t.Errorf("subject %q lacks the request's number", subject)
	}
	var r io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(m.Body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, m.Body)
	}
	text, _ := io.ReadAll(r)
	for _, want := range []string{"自分の照会", "My access requests", "https://koban.police.example/access-requests/mine", "#" + id} {
		if !strings.Contains(string(text), want) {
			t.Errorf("body lacks %q:\n%s", want, text)
		}
	}
	for _, never := range []string{"4321", "8765", "同一番号"} {
		if strings.Contains(string(text), never) {
			t.Errorf("the mail carries %q", never)
		}
	}
}
