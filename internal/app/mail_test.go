package app_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
)

// smtpSink is a minimal SMTP server on loopback that keeps what it receives.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
	rcpt []string
	// down is how many connections are still turned away with 421 (a
	// relay that is down for now).
	down int
}

func newSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

// wait waits until the sink holds n mails (the outbox sends them from the
// job runner, a moment after the request that queued them).
func (s *smtpSink) wait(t *testing.T, n int) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		got := len(s.msgs)
		s.mu.Unlock()
		if got >= n {
			return
		}
	}
	t.Fatalf("%d mails did not arrive", n)
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	s.mu.Lock()
	down := s.down > 0
	if down {
		s.down--
	}
	s.mu.Unlock()
	if down {
		say("421 sink: service not available, try later")
		return
	}
	say("220 sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-sink")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			s.mu.Lock()
			s.rcpt = append(s.rcpt, strings.TrimSpace(line[len("RCPT TO:"):]))
			s.mu.Unlock()
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func TestReplyIsMailedToTheReporter(t *testing.T) {
	sink := newSink(t)
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL, c.MailFrom = "smtp://"+sink.ln.Addr().String(), "koban@police.example"
	}))
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, "correct horse battery staple")
	resp, err := http.Post(s.URL+"/api/v1/public/reports", "application/json", strings.NewReader(
		`{"kind":"report","category":"PH","description":"偽SMS","prefecture":"13","contact":{"email":"victim@example.jp"},"consent":true}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %v %d", err, resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	receipt := regexp.MustCompile(`"receipt":"([^"]+)"`).FindStringSubmatch(string(b))[1]
	c := s.Login(t, "tokyo@mpd.example", "correct horse battery staple")
	q, _ := c.Get(s.URL + "/queue")
	qb, _ := io.ReadAll(q.Body)
	id := regexp.MustCompile(`/reports/(\d+)">` + receipt).FindStringSubmatch(string(qb))[1]
	r, err := c.PostForm(s.URL+"/reports/"+id+"/reply", url.Values{"body": {"秘密の返信本文"}})
	if err != nil || r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %v %d", err, r.StatusCode)
	}
	sink.wait(t, 1)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) != 1 || !strings.Contains(sink.rcpt[0], "victim@example.jp") {
		t.Fatalf("mails %d to %v", len(sink.msgs), sink.rcpt)
	}
	m, err := mail.ReadMessage(strings.NewReader(sink.msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if !strings.Contains(subject, receipt) {
		t.Errorf("subject %q lacks the receipt", subject)
	}
	var bodyReader io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		bodyReader = quotedprintable.NewReader(m.Body)
	case "base64":
		bodyReader = base64.NewDecoder(base64.StdEncoding, m.Body)
	}
	text, _ := io.ReadAll(bodyReader)
	if !strings.Contains(string(text), receipt) || !strings.Contains(string(text), "状況確認ページ") {
		t.Errorf("body does not name the receipt and the status page:\n%s", text)
	}
	if strings.Contains(string(text), "秘密の返信本文") || strings.Contains(string(text), "kst_") {
		t.Error("the mail must carry neither the reply nor the status secret")
	}
}

// The status link is mailed when the reporter asks on the status page, to
// the address on the report and nowhere else (an address in the request is
// ignored), once in ten minutes, each request audited; it is offered only
// with mail and a public address set up, and only to a reporter who gave an
// address.
func TestStatusLinkIsMailedOnlyToTheReporter(t *testing.T) {
	sink := newSink(t)
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL, c.MailFrom, c.BaseURL = "smtp://"+sink.ln.Addr().String(), "koban@police.example", "https://koban.police.example"
	}))
	c := s.Client()
	post := func(path string, form url.Values) *http.Response {
		t.Helper()
		r, err := c.PostForm(s.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	form := url.Values{"kind": {"report"}, "description": {"偽SMS"}, "prefecture": {"13"}, "contact_email": {"victim@example.jp"}, "consent": {"yes"}}
	r := post("/report", form)
	token := strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("Location"), "/s/"), "?new=1")
	page, _ := c.Get(s.URL + "/s/" + token + "?new=1")
	pb, _ := io.ReadAll(page.Body)
	if !strings.Contains(string(pb), `id="f-mail"`) || !strings.Contains(string(pb), "v***@example.jp") || strings.Contains(string(pb), "victim@example.jp") {
		t.Fatalf("the receipt does not offer to mail the link to the masked address")
	}
	r = post("/s/"+token+"/mail?lang=ja", url.Values{"to": {"attacker@example.com"}, "contact_email": {"attacker@example.com"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/s/"+token+"?done=mailed&lang=ja" {
		t.Fatalf("mail the link: %d to %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r = post("/s/"+token+"/mail", nil); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second request at once: %d, want 429", r.StatusCode)
	}
	sink.mu.Lock()
	msgs, rcpt := slices.Clone(sink.msgs), slices.Clone(sink.rcpt)
	sink.mu.Unlock()
	if len(msgs) != 1 || len(rcpt) != 1 || !strings.Contains(rcpt[0], "victim@example.jp") {
		t.Fatalf("mails %d to %v", len(msgs), rcpt)
	}
	m, err := mail.ReadMessage(strings.NewReader(msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	var bodyReader io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		bodyReader = quotedprintable.NewReader(m.Body)
	case "base64":
		bodyReader = base64.NewDecoder(base64.StdEncoding, m.Body)
	}
	text, _ := io.ReadAll(bodyReader)
	if !strings.Contains(string(text), "https://koban.police.example/s/"+token) || !strings.Contains(string(text), "他の人に教えないでください") {
		t.Errorf("the mail lacks the link or the caution:\n%s", text)
	}
	st, err := s.App.Intake.Status(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.App.DB.AuditOf(context.Background(), "report", strconv.FormatInt(st.Report.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, row := range rows {
		if row.Action == "report.mail_link" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d report.mail_link audit rows, want 1", n)
	}

	// A reporter who gave only a phone number is not offered it, and a
	// request anyway sends nothing.
	form.Del("contact_email")
	form.Set("contact_phone", "090-1234-5678")
	r = post("/report", form)
	phoneOnly := strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("Location"), "/s/"), "?new=1")
	page, _ = c.Get(s.URL + "/s/" + phoneOnly)
	pb, _ = io.ReadAll(page.Body)
	if strings.Contains(string(pb), `id="f-mail"`) {
		t.Error("mailing offered to a reporter with no address")
	}
	if r = post("/s/"+phoneOnly+"/mail", nil); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("mail for a report without an address: %d, want 422", r.StatusCode)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) != 1 {
		t.Errorf("%d mails in all, want 1", len(sink.msgs))
	}
}

// Without a public address (KOBAN_BASE_URL) the link would be relative and
// of no use in a mailbox: mailing it is not offered.
func TestStatusLinkNotMailedWithoutBaseURL(t *testing.T) {
	sink := newSink(t)
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL, c.MailFrom = "smtp://"+sink.ln.Addr().String(), "koban@police.example"
	}))
	c := s.Client()
	r, err := c.PostForm(s.URL+"/report", url.Values{"kind": {"report"}, "description": {"偽SMS"}, "contact_email": {"victim@example.jp"}, "consent": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	loc := r.Header.Get("Location")
	page, _ := c.Get(s.URL + loc)
	pb, _ := io.ReadAll(page.Body)
	if strings.Contains(string(pb), `id="f-mail"`) {
		t.Error("mailing offered without a public address")
	}
	r, _ = c.PostForm(s.URL+strings.TrimSuffix(loc, "?new=1")+"/mail", nil)
	r.Body.Close()
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("mail without a public address: %d, want 422", r.StatusCode)
	}
}
