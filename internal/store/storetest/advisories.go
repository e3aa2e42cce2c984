package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/advisory"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
)

// An advisory's working copy and its published versions: the public reads
// the latest version published, not the revision being written; only the
// level asked for is listed; a withdrawal moves it to the top, marked.
func testAdvisories(t *testing.T, f *fixture) {
	now := f.clock.Now().Truncate(time.Microsecond)
	org := f.orgID("pref-13")
	entry := func(action string) audit.Entry { return audit.Entry{Actor: audit.System, Action: action} }
	a := &advisory.Advisory{OrgID: org, State: advisory.Draft, TLP: tlp.Clear, CreatedAt: now, UpdatedAt: now,
		Text: advisory.Text{TitleJA: "宅配便を装うSMSに注意", SummaryJA: "不在通知を装うSMSが増えています。", BodyJA: "**リンクを開かないでください。**"}}
	if err := f.db.CreateAdvisory(f.ctx, a, entry("advisory.create")); err != nil {
		t.Fatal(err)
	}
	if a.Number != advisory.Number(now, a.ID) {
		t.Errorf("number %q", a.Number)
	}
	if _, err := f.db.PublicVersion(f.ctx, a.Number); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a draft is public: %v", err)
	}
	publish := func(at time.Time) {
		t.Helper()
		a.State, a.Version, a.RevisedAt, a.UpdatedAt = advisory.Published, a.Version+1, at, at
		if a.PublishedAt.IsZero() {
			a.PublishedAt = at
		}
		if err := f.db.UpdateAdvisory(f.ctx, a, true, entry("advisory.publish")); err != nil {
			t.Fatal(err)
		}
	}
	publish(now.Add(time.Hour))
	// A revision in progress: the public still reads version 1.
	a.State, a.Text.TitleJA, a.UpdatedAt = advisory.Draft, "宅配便・通販を装うSMSに注意", now.Add(2*time.Hour)
	if err := f.db.UpdateAdvisory(f.ctx, a, false, entry("advisory.edit")); err != nil {
		t.Fatal(err)
	}
	v, err := f.db.PublicVersion(f.ctx, a.Number)
	if err != nil || v.Version != 1 || v.Text.TitleJA != "宅配便を装うSMSに注意" || !v.PublishedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("during the revision: %+v, %v", v, err)
	}
	publish(now.Add(3 * time.Hour))
	v, _ = f.db.PublicVersion(f.ctx, a.Number)
	if v.Version != 2 || v.Text.TitleJA != "宅配便・通販を装うSMSに注意" || !v.PublishedAt.Equal(now.Add(time.Hour)) || !v.RevisedAt.Equal(now.Add(3*time.Hour)) {
		t.Errorf("version 2: %+v", v)
	}
	// A second advisory, at green: never in the clear list.
	g := &advisory.Advisory{OrgID: org, State: advisory.Draft, TLP: tlp.Green, CreatedAt: now, UpdatedAt: now,
		Text: advisory.Text{TitleJA: "関係機関向け", SummaryJA: "要約", BodyJA: "本文"}}
	if err := f.db.CreateAdvisory(f.ctx, g, entry("advisory.create")); err != nil {
		t.Fatal(err)
	}
	g.State, g.Version, g.PublishedAt, g.RevisedAt = advisory.Published, 1, now.Add(4*time.Hour), now.Add(4*time.Hour)
	if err := f.db.UpdateAdvisory(f.ctx, g, true, entry("advisory.publish")); err != nil {
		t.Fatal(err)
	}
	third := &advisory.Advisory{OrgID: org, State: advisory.Published, TLP: tlp.Clear, CreatedAt: now, UpdatedAt: now,
		Text: advisory.Text{TitleJA: "投資詐欺に注意", SummaryJA: "要約", BodyJA: "本文"}}
	if err := f.db.CreateAdvisory(f.ctx, third, entry("advisory.create")); err != nil {
		t.Fatal(err)
	}
	third.Version, third.PublishedAt, third.RevisedAt = 1, now.Add(5*time.Hour), now.Add(5*time.Hour)
	if err := f.db.UpdateAdvisory(f.ctx, third, true, entry("advisory.publish")); err != nil {
		t.Fatal(err)
	}
	numbers := func() []string {
		t.Helper()
		vs, err := f.db.PublicVersions(f.ctx, tlp.Clear, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range vs {
			out = append(out, v.Number+"/"+strconv.Itoa(v.Version))
		}
		return out
	}
	if got := numbers(); len(got) != 2 || got[0] != third.Number+"/1" || got[1] != a.Number+"/2" {
		t.Errorf("public list %v", got)
	}
	a.State, a.WithdrawnAt = advisory.Withdrawn, now.Add(6*time.Hour)
	if err := f.db.UpdateAdvisory(f.ctx, a, false, entry("advisory.withdraw")); err != nil {
		t.Fatal(err)
	}
	if got := numbers(); len(got) != 2 || got[0] != a.Number+"/2" {
		t.Errorf("after the withdrawal %v", got)
	}
	if v, _ := f.db.PublicVersion(f.ctx, a.Number); !v.WithdrawnAt.Equal(now.Add(6 * time.Hour)) {
		t.Errorf("withdrawn at %s", v.WithdrawnAt)
	}
	if list, _ := f.db.Advisories(f.ctx, []int64{org}, 10); len(list) != 3 || list[0].ID != a.ID {
		t.Errorf("the working list: %d", len(list))
	}
	if rows, _ := f.db.AuditOf(f.ctx, advisory.ObjectType, strconv.FormatInt(a.ID, 10)); len(rows) != 5 {
		t.Errorf("%d audit rows, want 5", len(rows))
	}
}
