package app_test

import (
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/search"
)

// TestSavedSearchMail: a search saved with e-mail asked for sends its
// owner one mail per run that found new matches, naming the search and the
// count and nothing of the records; a search without it sends none.
func TestSavedSearchMail(t *testing.T) {
	sink := newSink(t)
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL, c.MailFrom = "smtp://"+sink.ln.Addr().String(), "koban@police.example"
	}))
	u := s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, "correct horse battery staple")
	p := auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role}
	ctx := context.Background()
	if _, err := s.App.Search.Save(ctx, p, "宅配SMS", search.Query{Text: "宅配"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Search.Save(ctx, p, "静かな検索", search.Query{Text: "宅配"}, false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := s.App.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Category: "PH", Prefecture: "13",
		Description: "宅配業者を名乗る秘密のSMS本文", Language: "ja"}, intake.Origin{Source: "web", IP: "192.0.2.7"}); err != nil {
		t.Fatal(err)
	}
	// The app's own sweep may match first (it runs beside the test); what
	// matters is that after this pass each search holds the new report once.
	if _, err := s.App.Search.MatchSaved(ctx); err != nil {
		t.Fatal(err)
	}
	saved, err := s.App.Search.SavedSearches(ctx, p)
	if err != nil || len(saved) != 2 || saved[0].New != 1 || saved[1].New != 1 {
		t.Fatalf("saved searches after matching: %+v, %v", saved, err)
	}
	sink.wait(t, 1)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) != 1 || !strings.Contains(sink.rcpt[0], "tokyo@mpd.example") {
		t.Fatalf("mails %d to %v", len(sink.msgs), sink.rcpt)
	}
	m, err := mail.ReadMessage(strings.NewReader(sink.msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	var r io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(m.Body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, m.Body)
	}
	text, _ := io.ReadAll(r)
	if !strings.Contains(subject, "宅配SMS") || !strings.Contains(string(text), "1件") || strings.Contains(string(text), "秘密") {
		t.Errorf("mail %q:\n%s", subject, text)
	}
}
