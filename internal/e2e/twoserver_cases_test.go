package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store/pgtest"
)

// events opens a server-sent event stream and passes its event lines on.
func events(t *testing.T, ctx context.Context, c *http.Client, url string) <-chan string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stream %s: %v", url, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	out := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				out <- sc.Text()
			}
		}
		close(out)
	}()
	return out
}

func heard(t *testing.T, ctx context.Context, ch <-chan string, what string) {
	t.Helper()
	select {
	case e := <-ch:
		if e != "event: change" {
			t.Fatalf("%s: event %q", what, e)
		}
	case <-ctx.Done():
		t.Fatalf("%s: never heard on the other server", what)
	}
}

func quiet(t *testing.T, ch <-chan string, what string) {
	t.Helper()
	select {
	case e := <-ch:
		t.Fatalf("%s: %q leaked", what, e)
	case <-time.After(500 * time.Millisecond):
	}
}

// Case changes made on server A reach case and inbox pages open on server
// B (part 8 of issue 11): a note on a case reaches the HQ's open case page,
// a referral to Osaka reaches Osaka's inbox page and not Hokkaido's, and a
// page on a case the officer may not view is never opened.
func TestTwoServersCaseChanges(t *testing.T) {
	dbURL := pgtest.Database(t)
	shared := t.TempDir()
	same := apptest.WithConfig(func(c *config.Config) { c.DatabaseURL, c.DataDir = dbURL, shared })
	a := apptest.Start(t, same)
	b := apptest.Start(t, same)
	npa, _ := a.App.Tree().ByCode("npa")
	if _, err := a.App.Admin.AddOrg(context.Background(), auth.Principal{UserID: 1, OrgID: npa.ID, Role: auth.RoleAdmin},
		admin.NewOrg{Kind: org.KindStation, ParentCode: "pref-14", Code: "pref-14-yokohama", NameJA: "横浜警察署", NameEN: "Yokohama"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := b.App.Tree().ByCode("pref-14-yokohama"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("B never learnt of the station added on A")
		}
		time.Sleep(50 * time.Millisecond)
	}
	const pw = "correct horse battery staple"
	station := a.AddUser(t, "station@kanagawa.example", "pref-14-yokohama", auth.RoleInvestigator, pw)
	a.AddUser(t, "hq@kanagawa.example", "pref-14", auth.RoleInvestigator, pw)
	a.AddUser(t, "osaka@osaka.example", "pref-27", auth.RoleInvestigator, pw)
	a.AddUser(t, "hokkaido@hokkaido.example", "pref-01", auth.RoleInvestigator, pw)
	a.AddUser(t, "tokyo@mpd.example", "pref-13", auth.RoleInvestigator, pw)
	sp := auth.Principal{UserID: station.ID, Email: station.Email, OrgID: station.OrgID, Role: station.Role}
	ctx := context.Background()
	c, err := a.App.Cases.Open(ctx, sp, cases.Opening{Title: "VPN機器経由の侵入", Category: "UA", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.App.Cases.Open(ctx, sp, cases.Opening{Title: "別の事件", Category: "PH", Severity: "low"})
	if err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()

	// Tokyo may not view the case: no stream, on either server.
	tokyo := a.Login(t, "tokyo@mpd.example", pw)
	if resp, err := tokyo.Get(fmt.Sprintf("%s/cases/%d/events", b.URL, c.ID)); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("Tokyo's stream on B: %v %d", err, resp.StatusCode)
	}
	hqPage := events(t, wait, a.Login(t, "hq@kanagawa.example", pw), fmt.Sprintf("%s/cases/%d/events", b.URL, c.ID))
	osakaInbox := events(t, wait, a.Login(t, "osaka@osaka.example", pw), b.URL+"/inbox/events")
	hokkaidoInbox := events(t, wait, a.Login(t, "hokkaido@hokkaido.example", pw), b.URL+"/inbox/events")
	// The streams are open once their first line has gone; a change made
	// before B listens would be missed, so make changes until one is heard.
	for i := 0; ; i++ {
		if _, err := a.App.Cases.AddNote(ctx, sp, c.ID, fmt.Sprintf("メモ %d", i)); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-hqPage:
			if e != "event: change" {
				t.Fatalf("event %q", e)
			}
		case <-time.After(300 * time.Millisecond):
			if wait.Err() != nil {
				t.Fatal("B's case page never heard of a note added on A")
			}
			continue
		}
		break
	}
	for {
		select {
		case <-hqPage: // notes of the warm-up heard late
			continue
		case <-time.After(500 * time.Millisecond):
		}
		break
	}
	if _, err := a.App.Cases.AddNote(ctx, sp, other.ID, "別の事件のメモ"); err != nil {
		t.Fatal(err)
	}
	quiet(t, hqPage, "another case's note")
	osaka, _ := a.App.Tree().ByCode("pref-27")
	if _, err := a.App.Cases.Refer(ctx, sp, c.ID, osaka.ID, "被疑者が大阪在住"); err != nil {
		t.Fatal(err)
	}
	heard(t, wait, osakaInbox, "the referral to Osaka")
	heard(t, wait, hqPage, "the referral on the HQ's case page")
	quiet(t, hokkaidoInbox, "Hokkaido's inbox")
}
