package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/patrol"
)

// Patrol: a host's request slot is taken by one server at a time (eight
// asking at once: one gets it, the rest learn when the next is), a
// Retry-After only ever pushes it later, and a capture, once written, is
// never changed.
func testPatrol(t *testing.T, f *fixture) {
	now := f.clock.Now()
	it := &patrol.Item{OrgID: f.orgID("pref-13"), Kind: patrol.KindURL, Target: "https://yami.example.jp/", Every: time.Hour, Profile: patrol.ProfileDefault,
		Enabled: true, CreatedAt: now, UpdatedAt: now, Tags: []string{"闇バイト"}}
	if err := f.db.CreatePatrolItem(f.ctx, it, audit.Entry{Actor: audit.System, Action: "patrol.item_create"}); err != nil {
		t.Fatal(err)
	}
	dup := *it
	if err := f.db.CreatePatrolItem(f.ctx, &dup, audit.Entry{Actor: audit.System, Action: "patrol.item_create"}); err == nil {
		t.Error("the same item twice was stored")
	}
	var mu sync.Mutex
	won := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, next, err := f.db.ReserveHost(f.ctx, "yami.example.jp", now)
			if err != nil {
				t.Error(err)
				return
			}
			if !next.Equal(now.Add(time.Second)) {
				t.Errorf("next slot %v", next)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d servers took the same slot", won)
	}
	if err := f.db.SetHostRobots(f.ctx, "yami.example.jp", "User-agent: *\nCrawl-delay: 5\n", 200, 5*time.Second, now); err != nil {
		t.Fatal(err)
	}
	if ok, next, _ := f.db.ReserveHost(f.ctx, "yami.example.jp", now.Add(time.Second)); !ok || !next.Equal(now.Add(6*time.Second)) {
		t.Errorf("slot after a Crawl-delay of 5 s: %v, %v", ok, next)
	}
	f.db.DeferHost(f.ctx, "yami.example.jp", now.Add(time.Hour))
	f.db.DeferHost(f.ctx, "yami.example.jp", now.Add(time.Minute)) // earlier: no effect
	if h, err := f.db.PatrolHost(f.ctx, "yami.example.jp"); err != nil || !h.NextAt.Equal(now.Add(time.Hour)) || h.RobotsStatus != 200 || h.Delay != 5*time.Second {
		t.Errorf("host = %+v, %v", h, err)
	}
	c := &patrol.Capture{ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, FinalURL: it.Target, Status: 200, Headers: []byte(`{"Content-Type":["text/html"]}`),
		Redirects: []string{"https://yami.example.jp/r"}, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Size: 4,
		Profile: patrol.ProfileDefault, UserAgent: "koban/test", Route: "direct", FetchedAt: now, Duration: 120 * time.Millisecond, Changed: true}
	if err := f.db.AddCapture(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.Captures(f.ctx, it.ID, 5)
	if err != nil || len(got) != 1 || got[0].Redirects[0] != "https://yami.example.jp/r" || got[0].Duration != 120*time.Millisecond || !got[0].Changed {
		t.Fatalf("captures = %+v, %v", got, err)
	}
	if item, _ := f.db.PatrolItem(f.ctx, it.ID); item.LastSHA256 != c.SHA256 || item.LastStatus != 200 || !slices.Equal(item.Tags, []string{"闇バイト"}) {
		t.Errorf("item after the capture = %+v", item)
	}
	if err := f.h.Exec(t, f.db, `UPDATE patrol_captures SET status = 404`); err == nil {
		t.Error("a capture was changed")
	}
	// Retention: of three old captures, the one a finding names and the
	// item's latest stay; the other goes, audited.
	old := now.Add(-100 * 24 * time.Hour)
	var caps []*patrol.Capture
	for i := range 3 {
		c := &patrol.Capture{ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, FinalURL: it.Target, Status: 200, Headers: []byte(`{}`),
			SHA256: fmt.Sprintf("%064x", i+1), Size: 4, Profile: patrol.ProfileDefault, UserAgent: "koban/test", Route: "direct", FetchedAt: old.Add(time.Duration(i) * time.Hour)}
		if err := f.db.AddCapture(f.ctx, c); err != nil {
			t.Fatal(err)
		}
		caps = append(caps, c)
	}
	if err := f.db.AddFinding(f.ctx, &patrol.Finding{CaptureID: caps[0].ID, ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, Category: "yamibaito", Score: 0.9,
		SimHash: 1, State: patrol.FindingNew, TLP: "amber", CreatedAt: now}, 14); err != nil {
		t.Fatal(err)
	}
	// The first capture (now) is the newest by time but the oldest row;
	// the latest row is caps[2].
	expire := func() int {
		n, err := f.db.ExpireCaptures(f.ctx, now, 90*24*time.Hour, 100, audit.Entry{Actor: audit.System, Action: "patrol.captures_expired", ObjectType: "patrol_capture"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Under legal hold nothing goes; lifted, the one capture nothing holds.
	if err := f.db.SetHold(f.ctx, it.ID, true, audit.Entry{Actor: audit.System, Action: "patrol.hold"}); err != nil {
		t.Fatal(err)
	}
	if n := expire(); n != 0 {
		t.Fatalf("expired %d under legal hold", n)
	}
	f.db.SetHold(f.ctx, it.ID, false, audit.Entry{Actor: audit.System, Action: "patrol.hold_lifted"})
	if n := expire(); n != 1 {
		t.Fatalf("expired %d; want the one capture nothing holds", n)
	}
	left, _ := f.db.Captures(f.ctx, it.ID, 10)
	if len(left) != 3 {
		t.Errorf("%d captures left, want 3 (the recent one, the finding's, the latest)", len(left))
	}
	// An item kept a year: its 100-day-old captures stay.
	long := &patrol.Item{OrgID: f.orgID("pref-13"), Kind: patrol.KindURL, Target: "https://kept.example.jp/", Every: time.Hour, Profile: patrol.ProfileDefault,
		Enabled: true, CreatedAt: now, UpdatedAt: now, Retention: 365 * 24 * time.Hour}
	if err := f.db.CreatePatrolItem(f.ctx, long, audit.Entry{Actor: audit.System, Action: "patrol.item_create"}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		f.db.AddCapture(f.ctx, &patrol.Capture{ItemID: long.ID, OrgID: long.OrgID, URL: long.Target, FinalURL: long.Target, Status: 200, Headers: []byte(`{}`),
			SHA256: fmt.Sprintf("%064x", 100+i), Size: 4, Profile: patrol.ProfileDefault, UserAgent: "koban/test", Route: "direct", FetchedAt: old.Add(time.Duration(i) * time.Hour)})
	}
	if n := expire(); n != 0 {
		t.Errorf("expired %d of an item kept a year", n)
	}
}
