package app_test

import (
	"bufio"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
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

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
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
