package intel_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/tlp"
)

func sharedData(t *testing.T, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "shared", "data"}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test data: %v", err)
	}
	return p
}

func (e *env) fileSource(p auth.Principal, name, defaultTLP string) *intel.Source {
	e.t.Helper()
	src, err := e.svc.CreateSource(e.ctx, p, intel.SourceInput{Name: name, Kind: intel.SourceFile, DefaultTLP: defaultTLP})
	if err != nil {
		e.t.Fatal(err)
	}
	return src
}

// Every example bundle of the STIX 2.1 schemas (the threat reports too)
// imports whole; the C2
// indicator's address goes into the national index.
func TestImportSTIXExamples(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	src := e.fileSource(analyst, "schemas examples", "green")
	dir := sharedData(t, "stix", "cti-stix2-json-schemas", "examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	reports, _ := filepath.Glob(filepath.Join(dir, "threat-reports", "*.json"))
	files = append(files, reports...)
	if len(files) < 8 {
		t.Fatalf("only %d example files", len(files))
	}
	total := 0
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.ImportFile(e.ctx, analyst, src.ID, r)
		r.Close()
		if err != nil || res.Broken != nil || res.Rejected != 0 {
			t.Errorf("%s: %+v, %v", filepath.Base(f), res, err)
		}
		total += res.Stored.Added
	}
	if total < 20 {
		t.Errorf("the examples stored %d objects", total)
	}
	ind, err := e.db.IntelLatest(e.ctx, "indicator--33fe3b22-0201-47cf-85d0-97c02164528d")
	if err != nil || ind.SourceID != src.ID || ind.TLP != tlp.Green || ind.OrgID != e.orgID("pref-13") {
		t.Fatalf("the C2 indicator: %+v, %v", ind, err)
	}
	// A report of the same address, filed later, sights it.
	e.report("pref-13", observe.Observable{Type: observe.IPv4, Value: "10.0.0.0"})
	v, err := e.svc.Get(e.ctx, analyst, ind.ID)
	if err != nil || len(v.Sightings) != 1 {
		t.Errorf("sightings of the C2 indicator: %+v, %v", v, err)
	}
	// Imported again: nothing new.
	r, _ := os.Open(filepath.Join(dir, "indicator-for-c2-ip-address.json"))
	defer r.Close()
	res, err := e.svc.ImportFile(e.ctx, analyst, src.ID, r)
	if err != nil || res.Stored.Added != 0 || res.Stored.Duplicates == 0 {
		t.Errorf("imported twice: %+v, %v", res, err)
	}
}

// A MISP event's attributes become indicators with the attribute's UUID,
// TLP from its tags (else the event's, else the source's), a deleted
// attribute revoked, an unreadable value refused; a report holding a
// hash is sighted.
func TestImportMISP(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-27", auth.RoleAnalyst)
	src := e.fileSource(analyst, "misp", "amber")
	sha := "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68"
	rep := e.report("pref-27", observe.Observable{Type: observe.SHA256, Value: sha})

	r, err := os.Open(filepath.Join(sharedData(t, "misp", "PyMISP", "tests"), "57c4445b-c548-4654-af0b-4be3950d210f.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := e.svc.ImportMISP(e.ctx, audit.System, src, r)
	if err != nil || res.Broken != nil {
		t.Fatalf("import: %+v, %v", res, err)
	}
	for _, id := range []string{"57c4448b-454c-4d17-90d1-4d2f950d210f", "57c4448a-bef0-4ba7-a071-444e950d210f", "57c4448b-3fa4-4d65-9ccc-4afa950d210f"} {
		o, err := e.db.IntelLatest(e.ctx, "indicator--"+id)
		if err != nil {
			t.Errorf("the hash attribute %s: %v", id, err)
			continue
		}
		if !strings.Contains(string(o.Body), `"external_id":"57c4445b-c548-4654-af0b-4be3950d210f"`) {
			t.Errorf("%s does not name its MISP event: %s", id, o.Body)
		}
	}
	ind, _ := e.db.IntelLatest(e.ctx, "indicator--57c4448b-3fa4-4d65-9ccc-4afa950d210f")
	if v, err := e.svc.Get(e.ctx, analyst, ind.ID); err != nil || len(v.Sightings) != 1 || v.Sightings[0].ID != rep.ID {
		t.Errorf("the sha256 indicator's sightings: %+v, %v; want report %d", v, err, rep.ID)
	}

	event := `{"Event":{"uuid":"8a1c0e62-3f0b-4d7e-9a55-0c7b2f1e4d30","info":"宅配SMSフィッシング","timestamp":"1764979200",
	  "Tag":[{"name":"tlp:amber"}],
	  "Attribute":[
	    {"uuid":"0b7e1a52-9c1e-4f7a-8d3e-2a9b5c6d7e01","type":"domain","category":"Network activity","value":"sagawa-delivery-jp.top","to_ids":true,"timestamp":"1764979200","Tag":[{"name":"tlp:green"}]},
	    {"uuid":"0b7e1a52-9c1e-4f7a-8d3e-2a9b5c6d7e02","type":"ip-dst","category":"Network activity","value":"999.1.1.1","timestamp":"1764979200"},
	    {"uuid":"0b7e1a52-9c1e-4f7a-8d3e-2a9b5c6d7e03","type":"url","category":"Network activity","value":"https://sagawa-delivery-jp.top/login","timestamp":"1764979200","deleted":true},
	    {"uuid":"0b7e1a52-9c1e-4f7a-8d3e-2a9b5c6d7e04","type":"ip-dst","category":"Network activity","value":"203.0.113.7","timestamp":"1764979200","Tag":[{"name":"tlp:amber+strict"}]}
	  ]}}`
	res, err = e.svc.ImportMISP(e.ctx, audit.System, src, strings.NewReader(event))
	if err != nil || res.Stored.Added != 3 || res.Rejected != 1 {
		t.Fatalf("the hand-made event: %+v, %v; want 3 stored, the impossible address refused", res, err)
	}
	want := map[string]tlp.Level{"02": "", "01": tlp.Green, "03": tlp.Amber, "04": tlp.AmberStrict}
	for suffix, level := range want {
		o, err := e.db.IntelLatest(e.ctx, "indicator--0b7e1a52-9c1e-4f7a-8d3e-2a9b5c6d7e"+suffix)
		if level == "" {
			if err == nil {
				t.Errorf("the impossible address was stored")
			}
			continue
		}
		if err != nil || o.TLP != level {
			t.Errorf("attribute %s: %+v, %v; want TLP %s", suffix, o, err, level)
			continue
		}
		if (suffix == "03") != o.Revoked {
			t.Errorf("attribute %s revoked = %v", suffix, o.Revoked)
		}
	}
	// The same event again adds nothing.
	res, err = e.svc.ImportMISP(e.ctx, audit.System, src, strings.NewReader(event))
	if err != nil || res.Stored.Added != 0 || res.Stored.Duplicates != 3 {
		t.Errorf("imported twice: %+v, %v", res, err)
	}
}

// A MISP source is fetched through the egress client with its key, and
// its events imported; a refusal by the server is recorded on the poll.
func TestPollMISP(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-27", auth.RoleAnalyst)
	key := "3b1fa0c5d2e44f6a8b9c0d1e2f3a4b5c6d7e8f90"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != key {
			http.Error(w, `{"message":"Authentication failed."}`, http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"response":[{"Event":{"uuid":"8a1c0e62-3f0b-4d7e-9a55-0c7b2f1e4d30","info":"SMS","timestamp":"1764979200","Attribute":[
			{"uuid":"0b7e1a52-9c1e-4f7a-8d3e-2a9b5c6d7e11","type":"domain","category":"Network activity","value":"kuroneko-jp.top","timestamp":"1764979200"},
			{"uuid":"0b7e1a52-9c1e-4f7a-8d3e-2a9b5c6d7e12","type":"ip-dst","category":"Network activity","value":"not an address","timestamp":"1764979200"}]}}]}`)
	}))
	defer srv.Close()
	eg := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	mk := func(name, secret string) *intel.Source {
		src, err := e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Name: name, Kind: intel.SourceMISP, URL: srv.URL + "/events/restSearch", Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		if polled, err := e.svc.PollDue(e.ctx, eg, "test"); !polled {
			t.Fatalf("PollDue = %v, %v", polled, err)
		}
		return src
	}
	good := mk("misp ok", key)
	ps, err := e.db.Polls(e.ctx, good.ID, 1)
	if err != nil || len(ps) != 1 || ps[0].Seen != 2 || ps[0].Added != 1 || ps[0].Rejected != 1 || ps[0].Error != "" {
		t.Errorf("poll = %+v, %v; want 2 seen, 1 added, 1 refused", ps, err)
	}
	if _, err := e.db.IntelLatest(e.ctx, "indicator--0b7e1a52-9c1e-4f7a-8d3e-2a9b5c6d7e11"); err != nil {
		t.Errorf("the domain attribute: %v", err)
	}
	bad := mk("misp wrong key", "wrong")
	ps, _ = e.db.Polls(e.ctx, bad.ID, 1)
	if len(ps) != 1 || !strings.Contains(ps[0].Error, "403") {
		t.Errorf("poll with a wrong key = %+v; want the 403 recorded", ps)
	}
}

// A CSV feed with a column mapping: polled through the egress client,
// each line an indicator of the source with its first-seen time as its
// version, a bad line counted with its number, and the feed read again at
// the next poll adding nothing.
func TestPollCSV(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-27", auth.RoleAnalyst)
	feed := "# phishing sites, reported to JC3\n" +
		"first_seen;url;note;tags\n" +
		"2026-12-01 09:30:00;hxxps://kuroneko-jp[.]top/login;SMS lure;tlp:green\n" +
		"2026-12-01 10:00:00;https://sagawa-ex.buzz/track;;phishing,sms\n" +
		"2026-12-02;not a url at all;;\n" +
		"2026-12-02 11:00:00\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, feed)
	}))
	defer srv.Close()
	eg := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	src, err := e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Name: "phishing csv", Kind: intel.SourceCSV, URL: srv.URL + "/feed.csv",
		CSV: intel.CSVInput{Delimiter: ";", Header: true, Value: "2", Type: "url", FirstSeen: "1", Comment: "3", Tags: "4"}})
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		if polled, err := e.svc.PollDue(e.ctx, eg, "test"); !polled || err != nil {
			t.Fatalf("poll %d: PollDue = %v, %v", run, polled, err)
		}
		ps, err := e.db.Polls(e.ctx, src.ID, 1)
		want := 2
		if run == 2 {
			want = 0 // the same lines are the same versions
		}
		if err != nil || len(ps) != 1 || ps[0].Seen != 4 || ps[0].Added != want || ps[0].Rejected != 2 || ps[0].Error != "" {
			t.Fatalf("poll %d = %+v, %v; want 4 seen, %d added, 2 refused", run, ps, err, want)
		}
		e.clock.Advance(2 * time.Hour)
	}
	got, err := e.svc.Browse(e.ctx, analyst, intel.BrowseQuery{Source: src.ID})
	if err != nil || len(got.Objects) != 2 {
		t.Fatalf("browse = %+v, %v; want the two indicators", got, err)
	}
	var green *intel.Object
	for _, o := range got.Objects {
		if strings.Contains(o.Name, "kuroneko") {
			green = o
		}
	}
	if green == nil || green.TLP != tlp.Green || green.Modified != "2026-12-01T09:30:00.000Z" {
		t.Fatalf("the first line's indicator = %+v; want TLP:GREEN from its tag, version its first-seen time", green)
	}
	v, err := e.svc.Get(e.ctx, analyst, green.ID)
	if err != nil || len(v.Observables) != 1 || v.Observables[0].Value != "https://kuroneko-jp.top/login" {
		t.Fatalf("observables = %+v, %v; want the refanged URL", v, err)
	}
}

// A CSV source's mapping is checked when it is made: every field at fault
// named at once.
func TestCSVMappingRefused(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-27", auth.RoleAnalyst)
	_, err := e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Name: "bad csv", Kind: intel.SourceCSV,
		CSV: intel.CSVInput{Delimiter: "x", Value: "0", Type: "no-such-type", FirstSeen: "two"}})
	var probs *koban.ProblemsError
	if !errors.As(err, &probs) {
		t.Fatalf("err = %v; want problems", err)
	}
	for _, f := range []string{"csv_value", "csv_delimiter", "csv_type", "csv_first_seen"} {
		if !slices.ContainsFunc(probs.Problems, func(p *koban.Error) bool { return p.Field == f }) {
			t.Errorf("no problem for %s in %v", f, probs)
		}
	}
	// Without a URL a CSV source takes files only, read with its mapping.
	src, err := e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Name: "csv files", Kind: intel.SourceCSV,
		CSV: intel.CSVInput{Value: "1", Type: "domain"}})
	if err != nil || src.Enabled {
		t.Fatalf("file-only CSV source = %+v, %v; want made, not polled", src, err)
	}
	res, err := e.svc.ImportFileCSV(e.ctx, analyst, src.ID, strings.NewReader("kuroneko-jp.top\nsagawa-ex[.]buzz\n"))
	if err != nil || res.Stored.Added != 2 {
		t.Fatalf("import = %+v, %v; want 2 added", res, err)
	}
}

// batchStore is the real store, its AddIntel watched: it records the size
// of each batch, what had been read when it was called, and fails the
// call named by failAt (1-based; 0: none).
type batchStore struct {
	intel.Store
	read    *atomic.Int64
	batches []int
	readAt  []int
	failAt  int
}

func (b *batchStore) AddIntel(ctx context.Context, objs []*intel.Object, e audit.Entry) (intel.Stored, error) {
	b.batches = append(b.batches, len(objs))
	b.readAt = append(b.readAt, int(b.read.Load()))
	if len(b.batches) == b.failAt {
		return intel.Stored{}, errors.New("the disk is full")
	}
	return b.Store.AddIntel(ctx, objs, e)
}

// indicatorStream is a stream of n valid indicators, each naming its own
// domain, counting the objects read; at index broken, an object that
// cannot be read, and at index end, a stream that cannot go on.
func indicatorStream(t *testing.T, n, broken, end int, read *atomic.Int64) intel.Next {
	return func() (*stix.Object, error) {
		i := int(read.Load())
		if i == n {
			return nil, io.EOF
		}
		read.Store(int64(i + 1))
		switch i {
		case broken:
			return nil, &stix.ObjectError{Index: i, Err: errors.New("not JSON")}
		case end:
			return nil, errors.New("the connection broke")
		}
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-000000000000",
			"created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[domain-name:value = 'd%d.batch.jp']",
			"pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"}`, i, i))
		if err != nil {
			t.Fatal(err)
		}
		return o, nil
	}
}

// ImportSTIX stores a stream in batches of 2,000, each stored before the
// next; it reads at most one batch ahead of the store, and when the store
// fails the batch read ahead is neither stored nor counted.
func TestImportSTIXBatches(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	src := e.fileSource(analyst, "batches", "green")
	var read atomic.Int64
	bs := &batchStore{Store: e.db, read: &read}
	svc := intel.NewService(bs, access.New(e.db, func() *org.Tree { return e.tree }, e.clock), func() *org.Tree { return e.tree }, e.clock, nil)

	res, err := svc.ImportSTIX(e.ctx, analyst.Actor(), src, indicatorStream(t, 5000, 2500, -1, &read))
	if err != nil || res.Seen != 5000 || res.Rejected != 1 || res.Stored.Added != 4999 || res.Broken == nil {
		t.Fatalf("5,000 objects, one broken: %+v, %v", res, err)
	}
	if fmt.Sprint(bs.batches) != "[2000 2000 999]" {
		t.Errorf("batches %v, want 2000, 2000 and the rest", bs.batches)
	}
	for i, at := range bs.readAt {
		if at > (i+2)*2000+1 {
			t.Errorf("batch %d stored with %d objects read: more than one batch ahead", i+1, at)
		}
	}

	// The store fails on the second batch: the first is stored, the third
	// (read ahead, perhaps) is not counted, and nothing is read after.
	read.Store(0)
	bs.batches, bs.readAt, bs.failAt = nil, nil, 2
	res, err = svc.ImportSTIX(e.ctx, analyst.Actor(), src, indicatorStream(t, 7000, -1, -1, &read))
	if err == nil || res.Seen != 4000 || res.Stored.Added != 0 || res.Stored.Duplicates != 2000 {
		t.Errorf("the store failing on the second batch: %+v, %v; want 4,000 seen, the first batch (held already) stored", res, err)
	}
	if after := read.Load(); after > 6000 {
		t.Errorf("%d objects read: more than one batch beyond the one that failed", after)
	}
	stopped := read.Load()
	time.Sleep(50 * time.Millisecond)
	if read.Load() != stopped {
		t.Errorf("the stream was read after ImportSTIX returned")
	}

	// A stream that cannot go on: what was read before is stored.
	read.Store(0)
	bs.batches, bs.readAt, bs.failAt = nil, nil, 0
	res, err = svc.ImportSTIX(e.ctx, analyst.Actor(), src, indicatorStream(t, 5000, -1, 3000, &read))
	if err != nil || res.Seen != 3000 || res.Broken == nil || !strings.Contains(res.Broken.Error(), "connection broke") ||
		fmt.Sprint(bs.batches) != "[2000 1000]" || res.Stored.Added+res.Stored.Duplicates != 3000 {
		t.Errorf("a broken stream: %+v, %v, batches %v", res, err, bs.batches)
	}

	// A panic while reading reaches the caller.
	defer func() {
		if recover() == nil {
			t.Error("a panic in next did not reach the caller")
		}
	}()
	svc.ImportSTIX(e.ctx, analyst.Actor(), src, func() (*stix.Object, error) { panic("the reader broke") })
}
