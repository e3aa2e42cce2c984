package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/patrol"
)

// Retention by tag in the sweep: an item's own setting beats its tags; of
// its tags the longest wins; with neither, 90 days; a legal hold and a
// finding keep captures whatever their age; another organisation's tag
// retention does not apply, nor one whose tag is only part of the item's.
// What the sweep does agrees with patrol.Retain, which the item's page
// shows; batches of any size remove the same captures, each audited.
func testPatrolTagRetention(t *testing.T, f *fixture) {
	now := f.clock.Now()
	tokyo, osaka := f.orgID("pref-13"), f.orgID("pref-27")
	set := func(orgID int64, tag string, days int) {
		t.Helper()
		err := f.db.SetTagRetention(f.ctx, &patrol.TagRetention{OrgID: orgID, Tag: tag, Days: days, SetAt: now},
			audit.Entry{Actor: audit.System, Action: "patrol.tag_retention_set", ObjectType: "org", ObjectID: strconv.FormatInt(orgID, 10),
				Detail: map[string]any{"tag": tag, "days": days}})
		if err != nil {
			t.Fatal(err)
		}
	}
	set(tokyo, "闇バイト", 20) // replaced below: the audit row says what it was
	set(tokyo, "闇バイト", 30)
	set(tokyo, "証拠保全", 365)
	set(tokyo, "短期", 10)
	set(osaka, "長期", 365)
	set(osaka, "削除予定", 5)
	rows, err := f.db.AuditOf(f.ctx, "org", strconv.FormatInt(tokyo, 10))
	if err != nil || len(rows) != 4 || !strings.Contains(rows[1].Detail, `"before":20`) || !strings.Contains(rows[1].Detail, `"tag":"闇バイト"`) {
		t.Errorf("audit of Tokyo's tag retentions = %+v, %v", rows, err)
	}
	if err := f.db.RemoveTagRetention(f.ctx, osaka, "削除予定", audit.Entry{Actor: audit.System, Action: "patrol.tag_retention_removed",
		ObjectType: "org", ObjectID: strconv.FormatInt(osaka, 10)}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.RemoveTagRetention(f.ctx, osaka, "削除予定", audit.Entry{Actor: audit.System, Action: "patrol.tag_retention_removed"}); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("removing it twice: %v", err)
	}
	all, err := f.db.TagRetentions(f.ctx, []int64{tokyo, osaka})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range all {
		listed = append(listed, fmt.Sprintf("%d:%s:%d", r.OrgID, r.Tag, r.Days))
	}
	if want := []string{fmt.Sprintf("%d:短期:10", tokyo), fmt.Sprintf("%d:証拠保全:365", tokyo), fmt.Sprintf("%d:闇バイト:30", tokyo),
		fmt.Sprintf("%d:長期:365", osaka)}; !slices.Equal(listed, want) {
		t.Errorf("tag retentions = %v, want %v", listed, want)
	}
	if only, _ := f.db.TagRetentions(f.ctx, []int64{osaka}); len(only) != 1 {
		t.Errorf("Osaka's tag retentions = %+v", only)
	}

	// Each item has a capture of now (its latest) and old ones of the
	// given ages in days, each of which either stays or goes.
	type old struct {
		days  int
		stays bool
	}
	type item struct {
		name      string
		orgID     int64
		tags      []string
		own       int // days; 0: none
		hold      bool
		finding   int // the age of an old capture a finding names; 0: none
		kept      patrol.Kept
		captures  []old
		it        *patrol.Item
		oldIDs    []int64
		findingID int64
	}
	items := []*item{
		{name: "own beats tags", orgID: tokyo, tags: []string{"証拠保全"}, own: 20, kept: patrol.Kept{Days: 20, Because: patrol.KeptOwn},
			captures: []old{{25, false}, {15, true}}},
		{name: "longest tag wins", orgID: tokyo, tags: []string{"短期", "闇バイト", "証拠保全"}, kept: patrol.Kept{Days: 365, Because: patrol.KeptTag, Tag: "証拠保全"},
			captures: []old{{100, true}, {364, true}, {400, false}}},
		{name: "shorter of two tags loses", orgID: tokyo, tags: []string{"短期", "闇バイト"}, kept: patrol.Kept{Days: 30, Because: patrol.KeptTag, Tag: "闇バイト"},
			captures: []old{{20, true}, {40, false}}},
		{name: "default", orgID: tokyo, tags: []string{"東京"}, kept: patrol.Kept{Days: 90, Because: patrol.KeptDefault},
			captures: []old{{80, true}, {100, false}}},
		{name: "no tags", orgID: tokyo, kept: patrol.Kept{Days: 90, Because: patrol.KeptDefault},
			captures: []old{{89, true}, {91, false}}},
		{name: "another organisation's tag", orgID: tokyo, tags: []string{"長期"}, kept: patrol.Kept{Days: 90, Because: patrol.KeptDefault},
			captures: []old{{100, false}}},
		{name: "Tokyo's tag on an Osaka item", orgID: osaka, tags: []string{"闇バイト"}, kept: patrol.Kept{Days: 90, Because: patrol.KeptDefault},
			captures: []old{{40, true}, {100, false}}},
		{name: "part of a tag", orgID: tokyo, tags: []string{"闇バイト2", "旧闇バイト"}, kept: patrol.Kept{Days: 90, Because: patrol.KeptDefault},
			captures: []old{{40, true}}},
		{name: "legal hold", orgID: tokyo, tags: []string{"短期"}, hold: true, kept: patrol.Kept{Days: 10, Because: patrol.KeptTag, Tag: "短期"},
			captures: []old{{40, true}, {400, true}}},
		{name: "finding", orgID: tokyo, tags: []string{"短期"}, finding: 40, kept: patrol.Kept{Days: 10, Because: patrol.KeptTag, Tag: "短期"},
			captures: []old{{40, true}, {41, false}, {5, true}}},
	}
	seq := 0
	capture := func(it *patrol.Item, at time.Time) *patrol.Capture {
		t.Helper()
		seq++
		c := &patrol.Capture{ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, FinalURL: it.Target, Status: 200, Headers: []byte(`{}`),
			SHA256: fmt.Sprintf("%064x", seq), Size: 10, Profile: patrol.ProfileDefault, UserAgent: "koban/test", Route: "direct", FetchedAt: at}
		if err := f.db.AddCapture(f.ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	want := 0
	for n, x := range items {
		x.it = &patrol.Item{OrgID: x.orgID, Kind: patrol.KindURL, Target: fmt.Sprintf("https://item%d.example.jp/", n), Every: time.Hour,
			Profile: patrol.ProfileDefault, Enabled: true, CreatedAt: now, UpdatedAt: now, Tags: x.tags, Retention: time.Duration(x.own) * 24 * time.Hour}
		if err := f.db.CreatePatrolItem(f.ctx, x.it, audit.Entry{Actor: audit.System, Action: "patrol.item_create"}); err != nil {
			t.Fatal(err)
		}
		for _, o := range x.captures {
			c := capture(x.it, now.Add(-time.Duration(o.days)*24*time.Hour))
			x.oldIDs = append(x.oldIDs, c.ID)
			if o.days == x.finding && x.findingID == 0 {
				x.findingID = c.ID
				if err := f.db.AddFinding(f.ctx, &patrol.Finding{CaptureID: c.ID, ItemID: x.it.ID, OrgID: x.orgID, URL: x.it.Target, Category: "yamibaito",
					Score: 0.9, SimHash: uint64(n), State: patrol.FindingNew, TLP: "amber", CreatedAt: now}, 0); err != nil {
					t.Fatal(err)
				}
			}
			if !o.stays {
				want++
			}
		}
		capture(x.it, now) // the latest
		if x.hold {
			if err := f.db.SetHold(f.ctx, x.it.ID, true, audit.Entry{Actor: audit.System, Action: "patrol.hold"}); err != nil {
				t.Fatal(err)
			}
		}
		stored, _ := f.db.PatrolItem(f.ctx, x.it.ID)
		if got := patrol.Retain(stored, all); got != x.kept {
			t.Errorf("%s: Retain = %+v, want %+v", x.name, got, x.kept)
		}
	}
	// Two at a time: the caller asks again while a batch comes back full.
	gone := 0
	for batches := 1; ; batches++ {
		n, err := f.db.ExpireCaptures(f.ctx, now, patrol.CaptureRetention, 2, audit.Entry{Actor: audit.System, Action: "patrol.captures_expired", ObjectType: "patrol_capture"})
		if err != nil {
			t.Fatal(err)
		}
		if n > 2 || batches > 20 {
			t.Fatalf("batch %d deleted %d", batches, n)
		}
		gone += n
		if n < 2 {
			break
		}
	}
	if gone != want {
		t.Errorf("%d captures expired, want %d", gone, want)
	}
	for _, x := range items {
		left, err := f.db.Captures(f.ctx, x.it.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int64]bool{}
		for _, c := range left {
			ids[c.ID] = true
		}
		if len(left) == 0 || !left[0].FetchedAt.Equal(now) {
			t.Errorf("%s: the latest capture went", x.name)
		}
		for i, o := range x.captures {
			if ids[x.oldIDs[i]] != o.stays {
				t.Errorf("%s: the capture of %d days ago stays = %v, want %v", x.name, o.days, ids[x.oldIDs[i]], o.stays)
			}
		}
	}
	// Nothing more to do: a second sweep deletes nothing and audits nothing.
	if n, err := f.db.ExpireCaptures(f.ctx, now, patrol.CaptureRetention, 100, audit.Entry{Actor: audit.System, Action: "patrol.captures_expired"}); err != nil || n != 0 {
		t.Errorf("second sweep: %d, %v", n, err)
	}
	// Lifting the tag retention of 短期 leaves its items to the default.
	if err := f.db.RemoveTagRetention(f.ctx, tokyo, "短期", audit.Entry{Actor: audit.System, Action: "patrol.tag_retention_removed"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.db.ExpireCaptures(f.ctx, now, patrol.CaptureRetention, 100, audit.Entry{Actor: audit.System, Action: "patrol.captures_expired"}); n != 0 {
		t.Errorf("after 短期 was removed %d more went; want none (its 5-day-old capture is within 90 days)", n)
	}
}

// Usage: each stored file counted once however many captures name it,
// screenshots too; the alarm level recorded with it, and the one in force
// before handed back.
func testPatrolUsage(t *testing.T, f *fixture) {
	now := f.clock.Now()
	if used, err := f.db.PatrolUsage(f.ctx); err != nil || used != 0 {
		t.Fatalf("usage of nothing = %d, %v", used, err)
	}
	if _, err := f.db.LastPatrolUsage(f.ctx); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("last usage before any: %v", err)
	}
	it := &patrol.Item{OrgID: f.orgID("pref-13"), Kind: patrol.KindURL, Target: "https://usage.example.jp/", Every: time.Hour, Profile: patrol.ProfileDefault,
		Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := f.db.CreatePatrolItem(f.ctx, it, audit.Entry{Actor: audit.System, Action: "patrol.item_create"}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		sum, shot      string
		size, shotSize int64
	}{
		{"a", "", 1000, 0},
		{"a", "s", 1000, 300}, // the same page: its body once
		{"b", "s", 200, 300},  // the same screenshot: once
		{"c", "t", 50, 7},
	} {
		cp := &patrol.Capture{ItemID: it.ID, OrgID: it.OrgID, URL: it.Target, FinalURL: it.Target, Status: 200, Headers: []byte(`{}`),
			SHA256: strings.Repeat(c.sum, 64), Size: c.size, Profile: patrol.ProfileDefault, UserAgent: "koban/test", Route: "direct",
			FetchedAt: now.Add(time.Duration(i) * time.Minute)}
		if c.shot != "" {
			cp.ScreenshotSHA256, cp.ScreenshotSize = strings.Repeat(c.shot, 64), c.shotSize
		}
		if err := f.db.AddCapture(f.ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := f.db.Captures(f.ctx, it.ID, 1); len(got) != 1 || got[0].ScreenshotSize != 7 {
		t.Errorf("latest capture = %+v; want its screenshot's size kept", got)
	}
	if used, err := f.db.PatrolUsage(f.ctx); err != nil || used != 1000+200+50+300+7 {
		t.Errorf("usage = %d, %v; want 1557", used, err)
	}
	for i, step := range []struct{ level, before int }{{patrol.QuotaWarn, 0}, {patrol.QuotaFull, patrol.QuotaWarn}, {patrol.QuotaQuiet, patrol.QuotaFull}} {
		at := now.Add(time.Duration(i) * time.Hour)
		before, err := f.db.RecordPatrolUsage(f.ctx, patrol.Usage{Used: int64(1557 + i), Level: step.level, At: at})
		if err != nil || before != step.before {
			t.Errorf("record level %d: before = %d, %v; want %d", step.level, before, err, step.before)
		}
		if u, err := f.db.LastPatrolUsage(f.ctx); err != nil || u.Used != int64(1557+i) || u.Level != step.level || !u.At.Equal(at) {
			t.Errorf("last usage = %+v, %v", u, err)
		}
	}
}
