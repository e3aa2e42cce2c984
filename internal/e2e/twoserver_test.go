package e2e_test

import (
	"bufio"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store/pgtest"
)

// Two koban servers on one PostgreSQL database and one shared file folder,
// as behind a load balancer: a session from one works on the other, the
// public rate limit is one limit, a report filed on A is announced at once to
// a queue page open on B, and a background job runs once.
func TestTwoServersOneDatabase(t *testing.T) {
	dbURL := pgtest.Database(t)
	shared := t.TempDir()
	same := apptest.WithConfig(func(c *config.Config) { c.DatabaseURL, c.DataDir = dbURL, shared })
	limit := apptest.WithSubmitLimit(0.0001, 3)
	a := apptest.Start(t, same, limit)
	b := apptest.Start(t, same, limit)
	const pw = "correct horse battery staple"
	a.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleIntake, pw)

	// Signed in on A, the same cookie works on B (cookies ignore the port).
	c := a.Login(t, "tokyo@mpd.example", pw)
	if resp, err := c.Get(b.URL + "/queue"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("session from A on B: %v %v", err, resp.StatusCode)
	}

	// A queue page open on B listens for new reports.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.URL+"/queue/events", nil)
	stream, err := c.Do(req)
	if err != nil || stream.StatusCode != http.StatusOK {
		t.Fatalf("event stream on B: %v", err)
	}
	defer stream.Body.Close()
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				events <- sc.Text()
			}
		}
		close(events)
	}()

	submit := func(s *apptest.Server, pref string) *http.Response {
		resp, err := http.Post(s.URL+"/api/v1/public/reports", "application/json", strings.NewReader(
			`{"kind":"report","category":"PH","description":"偽SMS https://a.example.com","prefecture":"`+pref+`","contact":{"email":"v@example.jp"},"consent":true}`))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// An Osaka report is not announced to a Tokyo officer; a Tokyo one is.
	if r := submit(a, "27"); r.StatusCode != http.StatusCreated {
		t.Fatalf("submit on A: %d", r.StatusCode)
	}
	if r := submit(a, "13"); r.StatusCode != http.StatusCreated {
		t.Fatalf("submit on A: %d", r.StatusCode)
	}
	select {
	case e := <-events:
		q, _ := c.Get(b.URL + "/queue")
		page := bufio.NewScanner(q.Body)
		var body strings.Builder
		for page.Scan() {
			body.WriteString(page.Text())
		}
		id := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(e)
		if id == nil || !strings.Contains(body.String(), `/reports/`+id[1]+`"`) {
			t.Fatalf("event %q is not the Tokyo report in B's queue", e)
		}
	case <-ctx.Done():
		t.Fatal("B never heard of the report filed on A")
	}
	select {
	case e := <-events:
		t.Fatalf("a second event %q: the Osaka report leaked to a Tokyo officer", e)
	case <-time.After(500 * time.Millisecond):
	}

	// The public rate limit (burst 3) is shared: the third submission
	// overall was the last one allowed, whichever server takes it.
	if r := submit(b, "13"); r.StatusCode != http.StatusCreated {
		t.Fatalf("third submission on B: %d", r.StatusCode)
	}
	if r := submit(b, "13"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("fourth submission on B: %d, want 429 (the limit must be shared)", r.StatusCode)
	}

	// A background job due on both servers runs once.
	var runs atomic.Int32
	var wg sync.WaitGroup
	for _, s := range []*apptest.Server{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.App.RunJob(context.Background(), "two-server-test", time.Hour, func(context.Context) error { runs.Add(1); return nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("job ran %d times, want once", runs.Load())
	}

	// A station added on A is known to B without a restart.
	npa, _ := a.App.Tree().ByCode("npa")
	adminP := auth.Principal{UserID: 1, OrgID: npa.ID, Role: auth.RoleAdmin, Email: "admin@npa.example"}
	if _, err := a.App.Admin.AddOrg(context.Background(), adminP, admin.NewOrg{Kind: org.KindStation, ParentCode: "pref-13", Code: "pref-13-shinjuku", NameJA: "新宿警察署", NameEN: "Shinjuku"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := b.App.Tree().ByCode("pref-13-shinjuku"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("B never learnt of the station added on A")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
