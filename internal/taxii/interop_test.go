package taxii_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/taxii"
)

// TestInteroperability runs koban's client against koban's server over
// loopback (through the egress client): the client pushes objects, the
// server stores them, the client polls them back page by page with
// filters, and a second poll resumes where the first stopped.
func TestInteroperability(t *testing.T) {
	f := newFixture(t, taxii.Options{PageSize: 1000})
	ctx := context.Background()
	c, err := taxii.NewClient(loopbackEgress(), f.srv.URL+"/taxii2/", taxii.Auth{Token: "tok-alice"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Discovery(ctx)
	if err != nil || len(d.APIRoots) != 1 {
		t.Fatalf("discovery %+v %v", d, err)
	}
	root := d.APIRoots[0] // relative, as the server wrote it
	cols, err := c.Collections(ctx, root)
	if err != nil || len(cols) != 2 || !cols[0].CanWrite {
		t.Fatalf("collections %+v %v", cols, err)
	}

	// Push 20 indicators, 5 malware, and two more versions of indicator 1,
	// in two envelopes (a minute apart on the server's clock).
	var first, second []json.RawMessage
	for i := 1; i <= 20; i++ {
		first = append(first, stixObject("indicator", i, epoch))
	}
	for i := 1; i <= 5; i++ {
		second = append(second, stixObject("malware", i, epoch))
	}
	second = append(second, stixObject("indicator", 1, epoch.Add(time.Hour)), stixObject("indicator", 1, epoch.Add(2*time.Hour)),
		json.RawMessage(`{"type":"indicator","id":"indicator--bad"}`))
	st, err := c.AddObjects(ctx, root, intel, first)
	if err != nil || st.SuccessCount != 20 || st.FailureCount != 0 {
		t.Fatalf("first push %+v %v", st, err)
	}
	f.clock.Advance(time.Minute)
	st, err = c.AddObjects(ctx, root, intel, second)
	if err != nil || st.SuccessCount != 7 || st.FailureCount != 1 || st.Failures[0].ID != "indicator--bad" {
		t.Fatalf("second push %+v %v", st, err)
	}
	if again, err := c.GetStatus(ctx, root, st.ID); err != nil || again.TotalCount != 8 {
		t.Fatalf("status %+v %v", again, err)
	}

	poll := func(q taxii.Query) ([]string, taxii.Poll) {
		t.Helper()
		var got []string
		p, err := c.EachPage(ctx, root, intel, q, func(p *taxii.ObjectsPage) error {
			got = append(got, ids(t, p.Objects)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, p
	}

	// Everything, 7 at a time: the last version of each of 25 objects.
	got, p := poll(taxii.Query{Limit: 7})
	if len(got) != 25 || p.Pages != 4 || !strings.HasSuffix(got[24], "T11:00:00.000Z") {
		t.Fatalf("all: %d objects in %d pages, last %v", len(got), p.Pages, got[len(got)-1])
	}
	// Every version: 27.
	if got, _ := poll(taxii.Query{Limit: 7, Match: taxii.Match{Versions: []taxii.Version{{Kind: taxii.VersionAll}}}}); len(got) != 27 {
		t.Fatalf("all versions: %d", len(got))
	}
	// Types and ids.
	if got, _ := poll(taxii.Query{Limit: 2, Match: taxii.Match{Types: []string{"malware"}}}); len(got) != 5 || !strings.HasPrefix(got[0], "malware--") {
		t.Fatalf("malware: %v", got)
	}
	ind1 := objID("indicator", 1)
	got, _ = poll(taxii.Query{Match: taxii.Match{IDs: []string{ind1}, Versions: []taxii.Version{{Kind: taxii.VersionAll}}}})
	if len(got) != 3 {
		t.Fatalf("versions of indicator 1: %v", got)
	}
	// Resuming: after the first envelope's last date_added, only the second's.
	firstPoll, _ := c.GetObjects(ctx, root, intel, taxii.Query{Limit: 20, Match: taxii.Match{Versions: []taxii.Version{{Kind: taxii.VersionAll}}}})
	got, p = poll(taxii.Query{Limit: 3, AddedAfter: firstPoll.DateAddedLast})
	if len(got) != 6 { // 5 malware and indicator 1's last version
		t.Fatalf("added after the first push: %v", got)
	}
	// Nothing new: the next poll from LastAdded finds nothing.
	if got, _ := poll(taxii.Query{AddedAfter: p.LastAdded}); len(got) != 0 {
		t.Fatalf("after the last: %v", got)
	}
	// The object endpoint and the manifest agree.
	one, err := c.GetObject(ctx, root, intel, ind1, taxii.Query{Match: taxii.Match{Versions: []taxii.Version{{Kind: taxii.VersionFirst}}}})
	if err != nil || len(one.Objects) != 1 || !strings.Contains(string(one.Objects[0]), `"modified":"2026-03-01T09:00:00.000Z"`) {
		t.Fatalf("first version of indicator 1: %v %v", one, err)
	}
	man, err := c.Manifest(ctx, root, intel, taxii.Query{Limit: 30})
	if err != nil || len(man.Records) != 25 || man.More {
		t.Fatalf("manifest %d %v", len(man.Records), err)
	}
	// Delete the first version; then all.
	if err := c.DeleteObject(ctx, root, intel, ind1, taxii.Query{Match: taxii.Match{Versions: []taxii.Version{{Kind: taxii.VersionFirst}}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := poll(taxii.Query{Match: taxii.Match{IDs: []string{ind1}, Versions: []taxii.Version{{Kind: taxii.VersionAll}}}}); len(got) != 2 {
		t.Fatalf("after deleting the first version: %v", got)
	}
	// Bob may read but not write: the server's 403 comes back as such.
	bob, _ := taxii.NewClient(loopbackEgress(), f.srv.URL+"/taxii2/", taxii.Auth{Username: "bob", Password: "tok-bob"})
	if _, err := bob.AddObjects(ctx, root, intel, first[:1]); err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("bob writes: %v", err)
	}
}

// BenchmarkObjectsPage serves a page of 1,000 objects from the memory
// backend through the whole handler (no network).
func BenchmarkObjectsPage(b *testing.B) {
	f := newFixture(b, taxii.Options{})
	var objs []json.RawMessage
	for i := 0; i < 1000; i++ {
		objs = append(objs, json.RawMessage(strings.Replace(string(stixObject("indicator", i, epoch)), `"name"`,
			`"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","name"`, 1)))
	}
	if err := f.backend.Put("koban", intel, objs...); err != nil {
		b.Fatal(err)
	}
	h := taxii.NewServer(f.backend, taxii.Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", objectsPath+"?limit=1000", nil)
		req.Header.Set("Accept", taxii.MediaTAXII)
		req.Header.Set("Authorization", "Bearer tok-alice")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || w.Body.Len() < 1000*100 {
			b.Fatalf("%d, %d bytes", w.Code, w.Body.Len())
		}
	}
}
