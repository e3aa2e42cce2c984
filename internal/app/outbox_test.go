package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
)

// A reply's mail goes through the outbox: the officer's request returns
// with the mail queued, a relay that is down is tried again after the
// back-off (each attempt recorded with the relay's answer), and once sent
// the job keeps no address.
func TestMailOutboxRetries(t *testing.T) {
	sink := newSink(t)
	sink.down = 1
	clock := koban.NewFixedClock(time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC))
	s := apptest.Start(t, apptest.WithClock(clock), apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL, c.MailFrom = "smtp://"+sink.ln.Addr().String(), "koban@police.example"
	}))
	ctx := context.Background()
	s.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, "correct horse battery staple")
	rc, err := s.App.Intake.Submit(ctx, intake.Submission{Kind: intake.KindReport, Category: "PH", Prefecture: "13", Language: "ja", Description: "偽SMS",
		Contact: intake.Contact{Email: "victim@example.jp"}, Consent: true}, intake.Origin{Source: "web", IP: "203.0.113.5"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Login(t, "tokyo@mpd.example", "correct horse battery staple")
	r, err := c.PostForm(s.URL+"/reports/"+itoa(rc.ReportID)+"/reply", map[string][]string{"body": {"ご連絡ありがとうございます"}})
	if err != nil || r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %v %v", err, r)
	}
	// The runner's first attempt meets the relay down. The mail is not
	// the only job: the triage suggestions' recurring one is there too.
	var job jobs.Job
	var id int64
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		for n := int64(1); n <= 5 && id == 0; n++ {
			if j, err := s.App.DB.Job(ctx, n); err == nil && j.Kind == app.MailJob {
				id = n
			}
		}
		if job, err = s.App.DB.Job(ctx, id); err == nil && job.LastError != "" {
			break
		}
	}
	if job.Kind != app.MailJob || job.State != jobs.Ready || !strings.Contains(job.LastError, "421") || !job.RunAt.Equal(clock.Now().Add(30*time.Second)) {
		t.Fatalf("after the relay turned it away: %+v", job)
	}
	sink.mu.Lock()
	n := len(sink.msgs)
	sink.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d mails arrived through a relay that was down", n)
	}
	// Thirty seconds on, the next attempt is delivered.
	clock.Advance(30 * time.Second)
	if _, err := s.App.Jobs.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	sink.wait(t, 1)
	job, _ = s.App.DB.Job(ctx, id)
	if job.State != jobs.Done || string(job.Payload) != "{}" {
		t.Errorf("after delivery: %+v; want done, the address scrubbed", job)
	}
	atts, _ := s.App.DB.JobAttempts(ctx, id)
	if len(atts) != 2 || !strings.Contains(atts[0].Error, "421") || atts[1].Error != "" {
		t.Errorf("attempts = %+v; want the refused one, then the delivered one", atts)
	}
}
