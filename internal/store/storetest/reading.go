package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/reading"
)

// Reading: a feed's items are stored once per stable id, updated in place
// when their title or date changes (never for an older date), listed
// newest first across feeds or for one, a page at a time; a fetch's
// outcome is recorded on its feed, which keeps its validators unless told;
// enabling draws the next job generation; removing takes the items along.
func testReading(t *testing.T, f *fixture) {
	now := f.clock.Now()
	entry := func(a string) audit.Entry { return audit.Entry{Actor: audit.System, Action: a} }
	jp := &reading.Feed{OrgID: f.orgID("npa"), URL: "https://www.jpcert.or.jp/rss/jpcert.rdf", Name: "JPCERT/CC", Every: time.Hour, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := f.db.CreateReadingFeed(f.ctx, jp, entry("reading.feed_add")); err != nil || jp.ID == 0 || jp.Gen != 1 {
		t.Fatalf("create: %v, %+v", err, jp)
	}
	dup := *jp
	dup.ID = 0
	if err := f.db.CreateReadingFeed(f.ctx, &dup, entry("reading.feed_add")); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("the same URL twice: %v", err)
	}
	ipa := &reading.Feed{OrgID: f.orgID("pref-13"), URL: "https://www.ipa.go.jp/security/alert-rss.rdf", Name: "IPA", Every: 2 * time.Hour, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := f.db.CreateReadingFeed(f.ctx, ipa, entry("reading.feed_add")); err != nil {
		t.Fatal(err)
	}

	h := func(n int) time.Time { return now.Add(time.Duration(n) * -time.Hour) }
	a := reading.Entry{ID: "https://www.jpcert.or.jp/at/2026/at260031.html", Title: "注意喚起 (公開)", Link: "https://www.jpcert.or.jp/at/2026/at260031.html",
		Summary: "概要", Published: h(5), Language: "ja"}
	b := reading.Entry{ID: "https://www.jpcert.or.jp/wr/2026/wr263501.html", Title: "WEEKLY REPORT", Published: h(20)}
	undated := reading.Entry{ID: "no-date", Title: "日付のない項目"}
	future := reading.Entry{ID: "future", Title: "未来の日付", Published: now.Add(240 * time.Hour)}
	ok := reading.Fetch{At: now, Status: 200, OK: true, Validators: true, ETag: `"v1"`, LastModified: "Wed, 02 Sep 2026 01:00:00 GMT", Failures: 0,
		NextAt: now.Add(time.Hour), Title: "JPCERT/CC", Parsed: true, Dropped: []reading.Dropped{{Index: 3, ID: "javascript:x", Code: reading.DropBadLink}}, DroppedCount: 1}
	st, err := f.db.RecordReadingFetch(f.ctx, jp.ID, []reading.Entry{a, b, a, undated, future}, ok)
	if err != nil || st != (reading.Stored{Added: 4}) {
		t.Fatalf("first fetch: %+v, %v", st, err)
	}
	got, err := f.db.ReadingFeed(f.ctx, jp.ID)
	if err != nil || got.ETag != `"v1"` || got.LastModified != ok.LastModified || !got.CheckedAt.Equal(now) || !got.OKAt.Equal(now) ||
		!got.NextAt.Equal(now.Add(time.Hour)) || got.Status != 200 || got.Title != "JPCERT/CC" || got.DroppedCount != 1 ||
		!slices.Equal(got.Dropped, ok.Dropped) || got.LastError != "" {
		t.Fatalf("the feed after a fetch: %+v, %v", got, err)
	}
	// The same items again change nothing.
	if st, err := f.db.RecordReadingFetch(f.ctx, jp.ID, []reading.Entry{a, b, undated, future}, ok); err != nil || st != (reading.Stored{}) {
		t.Errorf("the same fetch again: %+v, %v", st, err)
	}

	// An IPA item between the two.
	c := reading.Entry{ID: "https://www.ipa.go.jp/security/security-alert/2026/0903-vpn.html", Title: "VPN 製品の脆弱性対策について", Published: h(10)}
	f.clock.Advance(time.Minute)
	later := f.clock.Now()
	if st, err := f.db.RecordReadingFetch(f.ctx, ipa.ID, []reading.Entry{c}, reading.Fetch{At: later, Status: 200, OK: true, Parsed: true}); err != nil || st.Added != 1 {
		t.Fatalf("IPA: %+v, %v", st, err)
	}
	list, err := f.db.ReadingItems(f.ctx, reading.Query{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Newest first: the future date and the undated item at the first
	// fetch's time, then by date; ties by id, the later stored first.
	if ids := guids(list); !slices.Equal(ids, []string{"future", "no-date", a.ID, c.ID, b.ID}) {
		t.Fatalf("list = %v", ids)
	}
	if l := list[2]; l.FeedName != "JPCERT/CC" || l.Title != a.Title || l.Link != a.Link || l.Summary != "概要" || l.Language != "ja" ||
		!l.Published.Equal(a.Published) || !l.At.Equal(a.Published) || !l.FirstSeenAt.Equal(now) || !l.ChangedAt.IsZero() {
		t.Errorf("an item as listed: %+v", l)
	}
	if !list[0].At.Equal(now) || !list[0].Published.Equal(future.Published) {
		t.Errorf("a date in the future is listed at %v", list[0].At)
	}

	// Paging: two at a time, each page after the last one's place.
	var paged []string
	var after reading.Cursor
	for range 5 {
		page, err := f.db.ReadingItems(f.ctx, reading.Query{After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, guids(page)...)
		last := page[len(page)-1]
		after = reading.Cursor{At: last.At, ID: last.ID}
	}
	if !slices.Equal(paged, guids(list)) {
		t.Errorf("pages = %v, want %v", paged, guids(list))
	}
	// One feed.
	if only, err := f.db.ReadingItems(f.ctx, reading.Query{FeedID: ipa.ID, Limit: 10}); err != nil || !slices.Equal(guids(only), []string{c.ID}) {
		t.Errorf("IPA's items: %v, %v", guids(only), err)
	}

	// An update: a new title, then a later date, moves nothing twice and
	// adds nothing; an older date is no update.
	f.clock.Advance(time.Hour)
	then := f.clock.Now()
	a2 := a
	a2.Title = "注意喚起 (更新)"
	st, err = f.db.RecordReadingFetch(f.ctx, jp.ID, []reading.Entry{a2, b}, reading.Fetch{At: then, Status: 200, OK: true})
	if err != nil || st != (reading.Stored{Updated: 1}) {
		t.Errorf("a new title: %+v, %v", st, err)
	}
	b2 := b
	b2.Published = h(1)
	if st, _ := f.db.RecordReadingFetch(f.ctx, jp.ID, []reading.Entry{b2}, reading.Fetch{At: then, Status: 200, OK: true}); st != (reading.Stored{Updated: 1}) {
		t.Errorf("a later date: %+v", st)
	}
	b3 := b
	b3.Published = h(30)
	if st, _ := f.db.RecordReadingFetch(f.ctx, jp.ID, []reading.Entry{b3}, reading.Fetch{At: then, Status: 200, OK: true}); st != (reading.Stored{}) {
		t.Errorf("an older date: %+v", st)
	}
	list, _ = f.db.ReadingItems(f.ctx, reading.Query{FeedID: jp.ID, Limit: 10})
	if len(list) != 4 {
		t.Fatalf("an update added an item: %v", guids(list))
	}
	for _, it := range list {
		switch it.GUID {
		case a.ID:
			if it.Title != a2.Title || !it.ChangedAt.Equal(then) || !it.FirstSeenAt.Equal(now) {
				t.Errorf("updated title: %+v", it)
			}
		case b.ID:
			if !it.Published.Equal(b2.Published) || !it.At.Equal(b2.Published) {
				t.Errorf("updated date: %+v", it)
			}
		}
	}

	// A failed fetch keeps the validators, the title and what was
	// dropped; a body that was no feed empties the validators.
	fail := reading.Fetch{At: then, Status: 503, Error: "reading.last.http_status\t503 Service Unavailable", Failures: 2, NextAt: then.Add(4 * time.Hour)}
	if _, err := f.db.RecordReadingFetch(f.ctx, jp.ID, nil, fail); err != nil {
		t.Fatal(err)
	}
	got, _ = f.db.ReadingFeed(f.ctx, jp.ID)
	if got.ETag != `"v1"` || got.Title != "JPCERT/CC" || got.LastError != fail.Error || got.Failures != 2 || got.Status != 503 ||
		!got.OKAt.Equal(then) || !got.CheckedAt.Equal(then) || got.DroppedCount != 1 {
		t.Errorf("after a failure: %+v", got)
	}
	if _, err := f.db.RecordReadingFetch(f.ctx, jp.ID, nil, reading.Fetch{At: then, Status: 200, Validators: true, Error: "reading.parse.html", Failures: 3}); err != nil {
		t.Fatal(err)
	}
	if got, _ = f.db.ReadingFeed(f.ctx, jp.ID); got.ETag != "" || got.LastModified != "" {
		t.Errorf("validators of a body that was no feed: %+v", got)
	}

	// Disabling keeps the generation; enabling draws the next.
	if g, err := f.db.SetReadingFeedEnabled(f.ctx, jp.ID, false, then, entry("reading.feed_disable")); err != nil || g.Enabled || g.Gen != 1 {
		t.Errorf("disable: %+v, %v", g, err)
	}
	if g, err := f.db.SetReadingFeedEnabled(f.ctx, jp.ID, true, then, entry("reading.feed_enable")); err != nil || !g.Enabled || g.Gen != 2 {
		t.Errorf("enable: %+v, %v", g, err)
	}
	if _, err := f.db.SetReadingFeedEnabled(f.ctx, 9999, true, then, entry("reading.feed_enable")); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("enable a missing feed: %v", err)
	}
	feeds, err := f.db.ReadingFeeds(f.ctx)
	if err != nil || len(feeds) != 2 || feeds[0].Name != "IPA" || feeds[0].Items != 1 || feeds[1].Items != 4 {
		t.Fatalf("feeds: %+v, %v", feeds, err)
	}

	// Removing takes its items; a fetch of a removed feed is NotFound.
	if err := f.db.DeleteReadingFeed(f.ctx, jp.ID, entry("reading.feed_remove")); err != nil {
		t.Fatal(err)
	}
	if err := f.db.DeleteReadingFeed(f.ctx, jp.ID, entry("reading.feed_remove")); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("remove twice: %v", err)
	}
	if list, _ := f.db.ReadingItems(f.ctx, reading.Query{Limit: 10}); !slices.Equal(guids(list), []string{c.ID}) {
		t.Errorf("after removal: %v", guids(list))
	}
	if _, err := f.db.RecordReadingFetch(f.ctx, jp.ID, []reading.Entry{a}, ok); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a fetch of a removed feed: %v", err)
	}
	rows, _ := f.db.AuditOf(f.ctx, reading.ObjectType, itoa(jp.ID))
	var actions []string
	for _, r := range rows {
		actions = append(actions, r.Action)
	}
	if !slices.Equal(actions, []string{"reading.feed_add", "reading.feed_disable", "reading.feed_enable", "reading.feed_remove"}) {
		t.Errorf("audit = %v", actions)
	}
}

func guids(items []*reading.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.GUID
	}
	return out
}
