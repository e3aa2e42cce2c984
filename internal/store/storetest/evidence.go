package storetest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/observe"
)

func evidenceEntry(u *auth.User, action string, id int64) audit.Entry {
	e := audit.Entry{Actor: actorOf(u), Action: action, ObjectType: cases.EvidenceObjectType}
	if id != 0 {
		e.ObjectID = strconv.FormatInt(id, 10)
	}
	return e
}

// addEvidence stores an item on a case, a minute after the last change.
func (f *fixture) addEvidence(c *cases.Case, u *auth.User, ev cases.Evidence, first cases.Custody) (*cases.Evidence, *cases.Custody) {
	f.t.Helper()
	f.clock.Advance(time.Minute)
	ev.CaseID, ev.AddedBy, ev.CreatedAt = c.ID, u.ID, f.clock.Now()
	first.At, first.ActorID, first.Action = ev.CreatedAt, u.ID, cases.CustodyCollected
	if err := f.db.AddEvidence(f.ctx, &ev, &first, evidenceEntry(u, "evidence.add", 0)); err != nil {
		f.t.Fatalf("AddEvidence: %v", err)
	}
	if ev.ID == 0 || first.ID == 0 || first.EvidenceID != ev.ID {
		f.t.Fatalf("AddEvidence set item %d, entry %d of item %d", ev.ID, first.ID, first.EvidenceID)
	}
	return &ev, &first
}

func (f *fixture) custody(evidenceID int64) []cases.Custody {
	f.t.Helper()
	cs, err := f.db.Custody(f.ctx, evidenceID)
	if err != nil {
		f.t.Fatalf("Custody(%d): %v", evidenceID, err)
	}
	return cs
}

func custodyActions(cs []cases.Custody) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c.Action)
	}
	return out
}

// testEvidenceRoundTrip: a file and a physical item read back whole, each
// with its first custody entry, a timeline entry and an audit row whose
// object is the item; an item of another case, or a missing case, is not
// found.
func testEvidenceRoundTrip(t *testing.T, f *fixture) {
	u := f.user("inv@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	c, other := f.newCase("pref-13", "2026-13"), f.newCase("pref-13", "2026-13")
	collected := time.Date(2026, 3, 1, 23, 15, 0, 0, time.UTC)
	sum := strings.Repeat("ab", 32)
	file, first := f.addEvidence(c, u, cases.Evidence{Kind: cases.EvidenceFile, Name: "スクリーンショット.png", Description: "被害者の画面",
		SHA256: sum, Size: 12345, CollectedBy: "巡査 山田", ReceivedFrom: "被害者 田中", CollectedAt: collected},
		cases.Custody{Party: "被害者 田中", Note: "任意提出"})
	phone, _ := f.addEvidence(c, u, cases.Evidence{Kind: cases.EvidencePhysical, Name: "スマートフォン（黒）", Serial: "IMEI 356938035643809",
		CollectedBy: "巡査 山田", CollectedAt: collected}, cases.Custody{Location: "証拠品保管庫 A-3"})

	got, err := f.db.EvidenceItem(f.ctx, c.ID, file.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(file, got); d != nil {
		t.Errorf("file item differs:\n%s", strings.Join(d, "\n"))
	}
	want := *phone
	want.Location = "証拠品保管庫 A-3"
	list, err := f.db.EvidenceList(f.ctx, c.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("EvidenceList = %+v, %v", list, err)
	}
	if d := diff(&want, &list[1]); d != nil || list[0].ID != file.ID {
		t.Errorf("physical item differs:\n%s", strings.Join(d, "\n"))
	}
	if cs := f.custody(file.ID); len(cs) != 1 || cs[0] != *first {
		t.Errorf("custody = %+v, want %+v", cs, *first)
	}
	if l, err := f.db.EvidenceList(f.ctx, other.ID); err != nil || len(l) != 0 {
		t.Errorf("the other case lists %+v, %v", l, err)
	}
	_, err = f.db.EvidenceItem(f.ctx, other.ID, file.ID)
	wantNotFound(t, "EvidenceItem of another case", err)
	_, err = f.db.EvidenceItem(f.ctx, c.ID, 987_654)
	wantNotFound(t, "EvidenceItem missing", err)

	evs := f.timeline(c.ID)
	if k := kinds(evs); !slices.Equal(k[len(k)-2:], []string{"evidence_added", "evidence_added"}) {
		t.Fatalf("timeline %v", k)
	}
	if e := evs[len(evs)-2]; e.RefID != file.ID || e.ActorID != u.ID || !e.At.Equal(file.CreatedAt) || e.RefLabel != "" || e.RefOrgID != 0 {
		t.Errorf("timeline entry %+v", e)
	}
	if cs, _ := f.db.Case(f.ctx, c.ID); !cs.UpdatedAt.Equal(phone.CreatedAt) {
		t.Errorf("case updated at %v, want %v", cs.UpdatedAt, phone.CreatedAt)
	}
	if a := actions(f.auditOf("evidence", file.ID)); !slices.Equal(a, []string{"evidence.add"}) {
		t.Errorf("audit of the item: %v", a)
	}

	before := f.verified()
	ev := cases.Evidence{CaseID: 987_654, Kind: cases.EvidenceFile, Name: "x", SHA256: sum, Size: 1, CreatedAt: f.clock.Now()}
	err = f.db.AddEvidence(f.ctx, &ev, &cases.Custody{At: f.clock.Now(), Action: cases.CustodyCollected}, evidenceEntry(u, "evidence.add", 0))
	wantNotFound(t, "AddEvidence to a missing case", err)
	if n := f.verified(); n != before {
		t.Errorf("a refused AddEvidence wrote %d audit rows", n-before)
	}
}

// testEvidenceCustody: entries are appended (with or without a timeline
// entry and an audit row), a transfer moves where the item is and who
// holds it, and an entry for an item of another case stores nothing.
func testEvidenceCustody(t *testing.T, f *fixture) {
	u := f.user("inv@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	c, other := f.newCase("pref-13", "2026-13"), f.newCase("pref-13", "2026-13")
	phone, _ := f.addEvidence(c, u, cases.Evidence{Kind: cases.EvidencePhysical, Name: "ノートPC", CollectedBy: "巡査部長 佐藤",
		CollectedAt: t0}, cases.Custody{Location: "保管庫 1"})
	theirs, _ := f.addEvidence(other, u, cases.Evidence{Kind: cases.EvidencePhysical, Name: "USBメモリ", CollectedAt: t0}, cases.Custody{Location: "保管庫 2"})
	state := func() (string, string, bool) {
		t.Helper()
		ev, err := f.db.EvidenceItem(f.ctx, c.ID, phone.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ev.Location, ev.Holder, ev.Returned
	}

	// A view: custody and audit, no timeline entry.
	f.clock.Advance(time.Minute)
	events := len(f.timeline(c.ID))
	view := []cases.Custody{{EvidenceID: phone.ID, At: f.clock.Now(), ActorID: u.ID, Action: cases.CustodyViewed}}
	if err := f.db.AddCustody(f.ctx, c.ID, view, cases.Event{}, evidenceEntry(u, "evidence.view", phone.ID)); err != nil {
		t.Fatal(err)
	}
	if view[0].ID == 0 || len(f.timeline(c.ID)) != events {
		t.Errorf("a view: id %d, timeline grew", view[0].ID)
	}
	// Handed to the lab: the lab holds it, at the lab.
	f.clock.Advance(time.Minute)
	hand := []cases.Custody{{EvidenceID: phone.ID, At: f.clock.Now(), ActorID: u.ID, Action: cases.CustodyHandedOver, Party: "科学捜査研究所",
		Location: "科捜研 解析室", Note: "解析依頼"}}
	ev := cases.Event{At: f.clock.Now(), ActorID: u.ID, Kind: cases.EventEvidenceCustody, RefID: phone.ID, To: "handed_over", Text: "科学捜査研究所"}
	if err := f.db.AddCustody(f.ctx, c.ID, hand, ev, evidenceEntry(u, "evidence.custody", phone.ID)); err != nil {
		t.Fatal(err)
	}
	if l, h, r := state(); l != "科捜研 解析室" || h != "科学捜査研究所" || r {
		t.Errorf("after handing over: at %q, held by %q, returned %v", l, h, r)
	}
	if tl := f.timeline(c.ID); tl[len(tl)-1].Kind != cases.EventEvidenceCustody || tl[len(tl)-1].To != "handed_over" || tl[len(tl)-1].RefID != phone.ID {
		t.Errorf("timeline entry %+v", tl[len(tl)-1])
	}
	// Received back, then kept elsewhere, then returned to its owner.
	for _, e := range []cases.Custody{
		{Action: cases.CustodyReceived, Party: "科学捜査研究所"},
		{Action: cases.CustodyStored, Location: "保管庫 7"},
		{Action: cases.CustodyReturned, Party: "所有者 鈴木"},
	} {
		f.clock.Advance(time.Minute)
		e.EvidenceID, e.At, e.ActorID = phone.ID, f.clock.Now(), u.ID
		if err := f.db.AddCustody(f.ctx, c.ID, []cases.Custody{e}, cases.Event{}, audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		l, h, r := state()
		switch e.Action {
		case cases.CustodyReceived:
			if l != "科捜研 解析室" || h != "" || r {
				t.Errorf("after receiving back: at %q, held by %q, returned %v", l, h, r)
			}
		case cases.CustodyStored:
			if l != "保管庫 7" || h != "" {
				t.Errorf("after storing: at %q, held by %q", l, h)
			}
		case cases.CustodyReturned:
			if l != "保管庫 7" || h != "所有者 鈴木" || !r {
				t.Errorf("after returning: at %q, held by %q, returned %v", l, h, r)
			}
		}
	}
	want := []string{"collected", "viewed", "handed_over", "received", "stored", "returned"}
	cs := f.custody(phone.ID)
	if got := custodyActions(cs); !slices.Equal(got, want) {
		t.Errorf("custody %v, want %v", got, want)
	}
	if cs[2] != hand[0] {
		t.Errorf("entry %+v, want %+v", cs[2], hand[0])
	}
	if a := actions(f.auditOf("evidence", phone.ID)); !slices.Equal(a, []string{"evidence.add", "evidence.view", "evidence.custody"}) {
		t.Errorf("audit of the item: %v", a)
	}

	// An entry for an item of another case (beside a good one): nothing.
	before := f.verified()
	err := f.db.AddCustody(f.ctx, c.ID, []cases.Custody{
		{EvidenceID: phone.ID, At: f.clock.Now(), ActorID: u.ID, Action: cases.CustodyViewed},
		{EvidenceID: theirs.ID, At: f.clock.Now(), ActorID: u.ID, Action: cases.CustodyViewed},
	}, cases.Event{Kind: cases.EventEvidenceCustody, At: f.clock.Now()}, evidenceEntry(u, "evidence.view", phone.ID))
	wantNotFound(t, "AddCustody to another case's item", err)
	if n := f.verified(); n != before || len(f.custody(phone.ID)) != len(want) || len(f.custody(theirs.ID)) != 1 {
		t.Error("a refused AddCustody stored something")
	}
	// Koban itself (no actor) verifies.
	sys := []cases.Custody{{EvidenceID: phone.ID, At: f.clock.Now(), Action: cases.CustodyVerified, SHA256: strings.Repeat("0", 64)}}
	if err := f.db.AddCustody(f.ctx, c.ID, sys, cases.Event{}, audit.Entry{Actor: audit.System, Action: "evidence.verify"}); err != nil {
		t.Fatal(err)
	}
	if cs := f.custody(phone.ID); cs[len(cs)-1] != sys[0] {
		t.Errorf("koban's entry = %+v", cs[len(cs)-1])
	}
}

// testEvidenceAppendOnly: the database itself refuses to change or remove
// evidence items and custody entries, whoever asks.
func testEvidenceAppendOnly(t *testing.T, f *fixture) {
	u := f.user("inv@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	c := f.newCase("pref-13", "2026-13")
	ev, _ := f.addEvidence(c, u, cases.Evidence{Kind: cases.EvidenceFile, Name: "a.bin", SHA256: strings.Repeat("1", 64), Size: 3, CollectedAt: t0}, cases.Custody{})
	if err := f.h.Exec(t, f.db, `UPDATE orgs SET name_en = name_en WHERE id = -1`); err != nil {
		t.Fatalf("Exec of a harmless statement: %v", err)
	}
	for _, q := range []string{
		`UPDATE evidence_custody SET party = 'someone else'`,
		`UPDATE evidence_custody SET action = 'returned' WHERE id = 1`,
		`UPDATE evidence_custody SET note = note`,
		`DELETE FROM evidence_custody WHERE id = 1`,
		`DELETE FROM evidence_custody`,
		`TRUNCATE evidence_custody`,
		`UPDATE case_evidence SET sha256 = '` + strings.Repeat("2", 64) + `'`,
		`UPDATE case_evidence SET name = name`,
		`DELETE FROM case_evidence`,
		`TRUNCATE case_evidence CASCADE`,
	} {
		if err := f.h.Exec(t, f.db, q); err == nil {
			t.Errorf("the database accepted %q", q)
		}
	}
	got, err := f.db.EvidenceItem(f.ctx, c.ID, ev.ID)
	if err != nil || got.SHA256 != ev.SHA256 || got.Name != ev.Name {
		t.Errorf("item after refused changes: %+v, %v", got, err)
	}
	if cs := f.custody(ev.ID); len(cs) != 1 || cs[0].Action != cases.CustodyCollected || cs[0].Party != "" {
		t.Errorf("custody after refused changes: %+v", cs)
	}
	// Inserting is what the log is for.
	if err := f.h.Exec(t, f.db, `INSERT INTO evidence_custody (evidence_id, at, action) VALUES (`+strconv.FormatInt(ev.ID, 10)+`, 1, 'viewed')`); err != nil {
		t.Errorf("an INSERT was refused: %v", err)
	}
}

// testStoredFiles: every file a report or a case names, one row per
// holder, in byte order of SHA-256; FileSums (the orphan sweep) keeps case
// evidence too.
func testStoredFiles(t *testing.T, f *fixture) {
	u := f.user("inv@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	shared, own, rep := "a"+strings.Repeat("0", 63), "0"+strings.Repeat("f", 63), "9"+strings.Repeat("1", 63)
	r := f.newReport("pref-13")
	r.Files = []intake.File{{SHA256: shared, Name: "a.png", ContentType: "image/png", Size: 10, AddedBy: "reporter", CreatedAt: t0},
		{SHA256: rep, Name: "b.txt", ContentType: "text/plain", Size: 20, AddedBy: "reporter", CreatedAt: t0}}
	f.create(r)
	c := f.newCase("pref-13", "2026-13")
	a, _ := f.addEvidence(c, u, cases.Evidence{Kind: cases.EvidenceFile, Name: "copy.png", SHA256: shared, Size: 10, CollectedAt: t0}, cases.Custody{})
	b, _ := f.addEvidence(c, u, cases.Evidence{Kind: cases.EvidenceFile, Name: "dump.bin", SHA256: own, Size: 30, CollectedAt: t0}, cases.Custody{})
	f.addEvidence(c, u, cases.Evidence{Kind: cases.EvidencePhysical, Name: "phone", CollectedAt: t0}, cases.Custody{Location: "x"})
	var got []cases.StoredFile
	for sf, err := range f.db.StoredFiles(f.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, sf)
	}
	want := []cases.StoredFile{
		{SHA256: own, Size: 30, CaseID: c.ID, CaseNumber: c.Number, EvidenceID: b.ID},
		{SHA256: rep, Size: 20, ReportID: r.ID, Receipt: r.Receipt},
		{SHA256: shared, Size: 10, ReportID: r.ID, Receipt: r.Receipt},
		{SHA256: shared, Size: 10, CaseID: c.ID, CaseNumber: c.Number, EvidenceID: a.ID},
	}
	if !slices.Equal(got, want) {
		t.Errorf("StoredFiles =\n%+v\nwant\n%+v", got, want)
	}
	var sums []string
	for s, err := range f.db.FileSums(f.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, s)
	}
	if !slices.Equal(sums, []string{own, rep, shared}) {
		t.Errorf("FileSums = %q", sums)
	}
}

// testReportObservables: each report's observables, in type and value
// order; a report without any is left out.
func testReportObservables(t *testing.T, f *fixture) {
	phone := observe.Observable{Type: observe.Phone, Value: "+819012345678"}
	url := observe.Observable{Type: observe.URL, Value: "https://sagawa-x.example.top/"}
	dom := observe.Observable{Type: observe.Domain, Value: "sagawa-x.example.top"}
	r1, r2, r3 := f.newReport("pref-13"), f.newReport("pref-27"), f.newReport("pref-13")
	r1.Observables, r2.Observables = []observe.Observable{url, phone, dom}, []observe.Observable{phone}
	f.create(r1, r2, r3)
	got, err := f.db.ReportObservables(f.ctx, []int64{r1.ID, r2.ID, r3.ID, r1.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Equal(got[r1.ID], sortedObservables(r1.Observables)) || !slices.Equal(got[r2.ID], r2.Observables) {
		t.Errorf("ReportObservables = %+v", got)
	}
	if got, err := f.db.ReportObservables(f.ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("ReportObservables(nil) = %v, %v", got, err)
	}
}
