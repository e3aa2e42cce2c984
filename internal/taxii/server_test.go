package taxii_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/taxii"
	"github.com/koban-project/koban/internal/taxii/memory"
)

const (
	intel   = "91a7b528-80eb-42ed-a74d-c6fbd5a26116" // alice reads and writes, bob reads
	dropbox = "e278b87e-0f9b-4c63-a34c-c8f0b3e91acb" // alice writes only
	secret  = "52892447-4d7e-4f70-b94d-d7f22742ff63" // carol only
)

var epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type fixture struct {
	srv     *httptest.Server
	backend *memory.Backend
	clock   *koban.FixedClock
}

// newFixture starts a TAXII server over a memory backend with one root
// (koban) and three collections.
func newFixture(t testing.TB, opts taxii.Options) *fixture {
	t.Helper()
	clock := koban.NewFixedClock(epoch)
	b := memory.New(clock.Now)
	b.AddCaller("alice", "tok-alice")
	b.AddCaller("bob", "tok-bob")
	b.AddCaller("carol", "tok-carol")
	b.AddRoot(taxii.Root{Name: "koban", APIRoot: taxii.APIRoot{Title: "koban", Description: "Police intel"}})
	b.AddCollection("koban", taxii.Collection{ID: intel, Title: "Indicators"}, map[string]memory.Rights{"alice": {Read: true, Write: true}, "bob": {Read: true}})
	b.AddCollection("koban", taxii.Collection{ID: dropbox, Title: "Drop box"}, map[string]memory.Rights{"alice": {Write: true}})
	b.AddCollection("koban", taxii.Collection{ID: secret, Title: "Secret"}, map[string]memory.Rights{"carol": {Read: true, Write: true}})
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	srv := httptest.NewServer(taxii.NewServer(b, opts))
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, backend: b, clock: clock}
}

// put stores objects, one second apart.
func (f *fixture) put(t testing.TB, coll string, objs ...json.RawMessage) {
	t.Helper()
	for _, o := range objs {
		f.clock.Advance(time.Second)
		if err := f.backend.Put("koban", coll, o); err != nil {
			t.Fatal(err)
		}
	}
}

func objID(typ string, n int) string { return fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, n) }

func stixObject(typ string, n int, modified time.Time) json.RawMessage {
	ts := modified.Format("2006-01-02T15:04:05.000Z")
	return json.RawMessage(fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":%q,"name":"object %d"}`, typ, objID(typ, n), ts, n))
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("body %s: %v", a.body, err)
	}
}

// call makes a request; hdr holds header pairs ("Accept" defaults to TAXII,
// "Authorization" to alice's token).
func (f *fixture) call(t testing.TB, method, path string, body []byte, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", taxii.MediaTAXII)
	req.Header.Set("Authorization", "Bearer tok-alice")
	if body != nil {
		req.Header.Set("Content-Type", taxii.MediaTAXII)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); len(b) > 0 && ct != taxii.MediaTAXII {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// wantError checks an error answer: its status and a TAXII error body.
func wantError(t testing.TB, a answer, status int, code string) taxii.ErrorResource {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d (%s)", a.status, status, a.body)
	}
	var e taxii.ErrorResource
	a.decode(t, &e)
	if e.Title == "" || e.HTTPStatus != fmt.Sprint(status) || e.ErrorCode != code {
		t.Fatalf("error body %+v, want code %s and http_status %d", e, code, status)
	}
	return e
}

const objectsPath = "/taxii2/koban/collections/" + intel + "/objects/"

func TestDiscoveryAndAPIRoot(t *testing.T) {
	f := newFixture(t, taxii.Options{Title: "koban TAXII", Contact: "jc3@example.jp"})
	a := f.call(t, "GET", "/taxii2/", nil)
	var d taxii.Discovery
	a.decode(t, &d)
	if a.status != 200 || d.Title != "koban TAXII" || d.Contact != "jc3@example.jp" || d.Default != "/taxii2/koban/" || len(d.APIRoots) != 1 || d.APIRoots[0] != "/taxii2/koban/" {
		t.Fatalf("discovery %d %+v", a.status, d)
	}
	a = f.call(t, "GET", "/taxii2/koban/", nil)
	var root taxii.APIRoot
	a.decode(t, &root)
	if a.status != 200 || root.Title != "koban" || len(root.Versions) != 1 || root.Versions[0] != taxii.MediaTAXII || root.MaxContentLength != taxii.DefaultMaxContentLength {
		t.Fatalf("api root %d %+v", a.status, root)
	}
	wantError(t, f.call(t, "GET", "/taxii2/other/", nil), 404, "taxii.not_found")
	wantError(t, f.call(t, "GET", "/taxii2/koban/nothing/here/", nil), 404, "taxii.not_found")

	g := newFixture(t, taxii.Options{BaseURL: "https://koban.example.jp/"})
	g.call(t, "GET", "/taxii2", nil).decode(t, &d)
	if d.Default != "https://koban.example.jp/taxii2/koban/" {
		t.Fatalf("absolute root URL: %+v", d)
	}
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, taxii.Options{})
	a := f.call(t, "GET", "/taxii2/", nil, "Authorization", "")
	wantError(t, a, 401, "taxii.unauthorized")
	if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
	}
	wantError(t, f.call(t, "GET", "/taxii2/", nil, "Authorization", "Bearer wrong"), 401, "taxii.unauthorized")
	// Unauthenticated callers learn nothing, not even that a root is missing.
	wantError(t, f.call(t, "GET", "/taxii2/other/", nil, "Authorization", ""), 401, "taxii.unauthorized")
	basic := "Basic " + base64("bob:tok-bob")
	if a := f.call(t, "GET", "/taxii2/koban/collections/", nil, "Authorization", basic); a.status != 200 {
		t.Fatalf("basic with the token as password: %d %s", a.status, a.body)
	}
}

func base64(s string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	user, pass, _ := strings.Cut(s, ":")
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestContentNegotiation(t *testing.T) {
	f := newFixture(t, taxii.Options{})
	for _, tc := range []struct {
		accept string
		ok     bool
	}{
		{taxii.MediaTAXII, true},
		{"application/taxii+json", true},
		{"application/taxii+json; version=2.1", true},
		{"text/html, */*;q=0.1", true},
		{"application/*", true},
		{"", true}, // no Accept: anything
		{"application/json", false},
		{"application/taxii+json;version=2.0", false},
		{"application/stix+json;version=2.1", false},
		{"application/taxii+json;version=2.1;q=0", false},
		{"text/html", false},
	} {
		a := f.call(t, "GET", "/taxii2/koban/collections/", nil, "Accept", tc.accept)
		if tc.ok && a.status != 200 {
			t.Errorf("Accept %q: %d", tc.accept, a.status)
		}
		if !tc.ok {
			wantError(t, a, 406, "taxii.not_acceptable")
		}
	}
}

func TestCollectionsByCaller(t *testing.T) {
	f := newFixture(t, taxii.Options{})
	var list struct{ Collections []taxii.Collection }
	f.call(t, "GET", "/taxii2/koban/collections/", nil).decode(t, &list)
	if len(list.Collections) != 2 || list.Collections[0].ID != intel || !list.Collections[0].CanRead || !list.Collections[0].CanWrite ||
		list.Collections[1].ID != dropbox || list.Collections[1].CanRead || !list.Collections[1].CanWrite {
		t.Fatalf("alice's collections %+v", list.Collections)
	}
	f.call(t, "GET", "/taxii2/koban/collections/", nil, "Authorization", "Bearer tok-bob").decode(t, &list)
	if len(list.Collections) != 1 || list.Collections[0].ID != intel || list.Collections[0].CanWrite {
		t.Fatalf("bob's collections %+v", list.Collections)
	}
	var c taxii.Collection
	a := f.call(t, "GET", "/taxii2/koban/collections/"+intel, nil) // without the final slash
	a.decode(t, &c)
	if a.status != 200 || c.ID != intel || c.Title != "Indicators" || len(c.MediaTypes) != 1 {
		t.Fatalf("collection %d %+v", a.status, c)
	}
	// A collection alice may not see answers exactly like a missing one.
	hidden := f.call(t, "GET", "/taxii2/koban/collections/"+secret+"/", nil)
	missing := f.call(t, "GET", "/taxii2/koban/collections/00000000-0000-4000-8000-000000000000/", nil)
	wantError(t, hidden, 404, "taxii.not_found")
	if !bytes.Equal(hidden.body, missing.body) {
		t.Errorf("hidden %s, missing %s", hidden.body, missing.body)
	}
	wantError(t, f.call(t, "GET", "/taxii2/koban/collections/"+secret+"/objects/", nil), 404, "taxii.not_found")
	wantError(t, f.call(t, "GET", "/taxii2/other/collections/", nil), 404, "taxii.not_found")
	// Seen but not readable: 403.
	wantError(t, f.call(t, "GET", "/taxii2/koban/collections/"+dropbox+"/objects/", nil), 403, "taxii.forbidden")
	wantError(t, f.call(t, "GET", "/taxii2/koban/collections/"+dropbox+"/manifest/", nil), 403, "taxii.forbidden")
}

type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

func ids(t testing.TB, objs []json.RawMessage) []string {
	var out []string
	for _, o := range objs {
		p, err := taxii.ParseObject(o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.ID+"@"+p.Version)
	}
	return out
}

func TestObjectsPaging(t *testing.T) {
	f := newFixture(t, taxii.Options{PageSize: 20})
	for i := 1; i <= 25; i++ {
		f.put(t, intel, stixObject("indicator", i, epoch))
	}
	var all []string
	next := ""
	pages := 0
	for {
		q := url.Values{"limit": {"10"}}
		if next != "" {
			q.Set("next", next)
		}
		a := f.call(t, "GET", objectsPath+"?"+q.Encode(), nil)
		var env envelope
		a.decode(t, &env)
		pages++
		if a.status != 200 || len(env.Objects) == 0 {
			t.Fatalf("page %d: %d %s", pages, a.status, a.body)
		}
		got := ids(t, env.Objects)
		all = append(all, got...)
		first, last := a.header.Get(taxii.HeaderDateAddedFirst), a.header.Get(taxii.HeaderDateAddedLast)
		wantFirst := taxii.FormatTimestamp(epoch.Add(time.Duration(len(all)-len(got)+1) * time.Second))
		wantLast := taxii.FormatTimestamp(epoch.Add(time.Duration(len(all)) * time.Second))
		if first != wantFirst || last != wantLast {
			t.Errorf("page %d: date added %s…%s, want %s…%s", pages, first, last, wantFirst, wantLast)
		}
		if env.More != (env.Next != "") {
			t.Errorf("page %d: more %v with next %q", pages, env.More, env.Next)
		}
		if !env.More {
			break
		}
		next = env.Next
	}
	if pages != 3 || len(all) != 25 {
		t.Fatalf("%d pages, %d objects", pages, len(all))
	}
	for i, id := range all {
		if !strings.HasPrefix(id, objID("indicator", i+1)) {
			t.Fatalf("object %d is %s: not in date_added order", i, id)
		}
	}
	// A limit above the page size is cut to it.
	var env envelope
	f.call(t, "GET", objectsPath+"?limit=500", nil).decode(t, &env)
	if len(env.Objects) != 20 || !env.More {
		t.Fatalf("limit 500 with page size 20: %d objects, more %v", len(env.Objects), env.More)
	}
	// No limit: the page size.
	f.call(t, "GET", objectsPath, nil).decode(t, &env)
	if len(env.Objects) != 20 {
		t.Fatalf("no limit: %d objects", len(env.Objects))
	}
	wantError(t, f.call(t, "GET", objectsPath+"?next=not-a-cursor", nil), 400, "taxii.bad_cursor")
}

func TestEmptyCollection(t *testing.T) {
	f := newFixture(t, taxii.Options{})
	a := f.call(t, "GET", objectsPath, nil)
	if a.status != 200 || strings.TrimSpace(string(a.body)) != `{"more":false}` || a.header.Get(taxii.HeaderDateAddedFirst) != "" {
		t.Fatalf("empty page: %d %s %v", a.status, a.body, a.header)
	}
}

// seedVersions stores three versions of indicator 1, one malware and
// indicator 2, in that order.
func seedVersions(t testing.TB, f *fixture) {
	f.put(t, intel,
		stixObject("indicator", 1, epoch.Add(-3*time.Hour)),
		stixObject("malware", 1, epoch),
		stixObject("indicator", 1, epoch.Add(-2*time.Hour)),
		stixObject("indicator", 2, epoch),
		stixObject("indicator", 1, epoch.Add(-1*time.Hour)),
	)
}

func TestObjectFilters(t *testing.T) {
	f := newFixture(t, taxii.Options{})
	seedVersions(t, f)
	ind1, ind2, mal1 := objID("indicator", 1), objID("indicator", 2), objID("malware", 1)
	v := func(h int) string { return epoch.Add(time.Duration(h) * time.Hour).Format("2006-01-02T15:04:05.000Z") }
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{mal1 + "@" + v(0), ind2 + "@" + v(0), ind1 + "@" + v(-1)}},
		{"match[version]=last", []string{mal1 + "@" + v(0), ind2 + "@" + v(0), ind1 + "@" + v(-1)}},
		{"match[version]=first", []string{ind1 + "@" + v(-3), mal1 + "@" + v(0), ind2 + "@" + v(0)}},
		{"match[version]=all", []string{ind1 + "@" + v(-3), mal1 + "@" + v(0), ind1 + "@" + v(-2), ind2 + "@" + v(0), ind1 + "@" + v(-1)}},
		{"match[version]=first,last&match[id]=" + ind1, []string{ind1 + "@" + v(-3), ind1 + "@" + v(-1)}},
		{"match[version]=" + v(-2), []string{ind1 + "@" + v(-2)}},
		{"match[version]=2026-03-01T07:00:00Z", []string{ind1 + "@" + v(-2)}}, // same instant, other spelling
		{"match[type]=malware", []string{mal1 + "@" + v(0)}},
		{"match[type]=malware,indicator&match[id]=" + ind2, []string{ind2 + "@" + v(0)}},
		{"match[id]=" + ind1 + "," + mal1, []string{mal1 + "@" + v(0), ind1 + "@" + v(-1)}},
		{"match[id]=" + ind1 + "&match[id]=" + ind2, []string{ind2 + "@" + v(0), ind1 + "@" + v(-1)}},
		{"match[spec_version]=2.1&match[type]=malware", []string{mal1 + "@" + v(0)}},
		{"match[spec_version]=2.0", nil},
		// Added after the third object (epoch+3s): the last two.
		{"added_after=" + taxii.FormatTimestamp(epoch.Add(3*time.Second)) + "&match[version]=all", []string{ind2 + "@" + v(0), ind1 + "@" + v(-1)}},
		{"added_after=2030-01-01T00:00:00Z", nil},
		{"match[foo]=bar&match[type]=malware", []string{mal1 + "@" + v(0)}}, // unknown filters are ignored
	} {
		a := f.call(t, "GET", objectsPath+"?"+tc.query, nil)
		var env envelope
		a.decode(t, &env)
		got := ids(t, env.Objects)
		if a.status != 200 || strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: %d\n got %v\nwant %v", tc.query, a.status, got, tc.want)
		}
	}
}

func TestBadParameters(t *testing.T) {
	f := newFixture(t, taxii.Options{})
	for _, tc := range []struct{ query, param string }{
		{"limit=0", "limit"},
		{"limit=-5", "limit"},
		{"limit=ten", "limit"},
		{"added_after=yesterday", "added_after"},
		{"added_after=2026-13-01T00:00:00Z", "added_after"},
		{"match[version]=newest", "match[version]"},
		{"match[version]=last,", "match[version]"},
		{"match[type]=Indicator!", "match[type]"},
		{"match[spec_version]=two", "match[spec_version]"},
		{"match[id]=nothing", "match[id]"},
	} {
		for _, path := range []string{objectsPath, "/taxii2/koban/collections/" + intel + "/manifest/"} {
			e := wantError(t, f.call(t, "GET", path+"?"+tc.query, nil), 400, "taxii.bad_parameter")
			if e.Details["param"] != tc.param {
				t.Errorf("%s: details %v, want param %s", tc.query, e.Details, tc.param)
			}
		}
	}
}

func TestObjectVersionsAndManifest(t *testing.T) {
	f := newFixture(t, taxii.Options{})
	seedVersions(t, f)
	ind1 := objID("indicator", 1)
	objPath := objectsPath + ind1 + "/"

	var env envelope
	a := f.call(t, "GET", objPath, nil)
	a.decode(t, &env)
	if got := ids(t, env.Objects); len(got) != 1 || !strings.HasSuffix(got[0], "T08:00:00.000Z") {
		t.Fatalf("object: %v", got)
	}
	if a.header.Get(taxii.HeaderDateAddedFirst) != taxii.FormatTimestamp(epoch.Add(5*time.Second)) {
		t.Errorf("object date added %q", a.header.Get(taxii.HeaderDateAddedFirst))
	}
	f.call(t, "GET", objPath+"?match[version]=all&limit=2", nil).decode(t, &env)
	if len(env.Objects) != 2 || !env.More {
		t.Fatalf("object, all versions, limit 2: %d more=%v", len(env.Objects), env.More)
	}
	wantError(t, f.call(t, "GET", objectsPath+objID("indicator", 99)+"/", nil), 404, "taxii.not_found")

	var vers struct {
		More     bool
		Versions []string
	}
	a = f.call(t, "GET", objPath+"versions/", nil)
	a.decode(t, &vers)
	want := "2026-03-01T06:00:00.000Z 2026-03-01T07:00:00.000Z 2026-03-01T08:00:00.000Z"
	if a.status != 200 || vers.More || strings.Join(vers.Versions, " ") != want {
		t.Fatalf("versions %d %+v", a.status, vers)
	}
	if a.header.Get(taxii.HeaderDateAddedFirst) != taxii.FormatTimestamp(epoch.Add(time.Second)) || a.header.Get(taxii.HeaderDateAddedLast) != taxii.FormatTimestamp(epoch.Add(5*time.Second)) {
		t.Errorf("versions headers %v", a.header)
	}
	wantError(t, f.call(t, "GET", objectsPath+objID("indicator", 99)+"/versions/", nil), 404, "taxii.not_found")

	var man struct {
		More    bool
		Objects []taxii.ManifestRecord
	}
	a = f.call(t, "GET", "/taxii2/koban/collections/"+intel+"/manifest/?match[version]=all&limit=4", nil)
	a.decode(t, &man)
	if a.status != 200 || !man.More || len(man.Objects) != 4 {
		t.Fatalf("manifest %d %+v", a.status, man)
	}
	m := man.Objects[0]
	added, err := m.Added()
	if m.ID != ind1 || m.Version != "2026-03-01T06:00:00.000Z" || m.MediaType != taxii.MediaSTIX || err != nil || !added.Equal(epoch.Add(time.Second)) {
		t.Fatalf("manifest record %+v (%v)", m, err)
	}
	if strings.Contains(string(a.body), `"name"`) {
		t.Error("the manifest carries object contents")
	}
}

func envelopeOf(objs ...string) []byte {
	return []byte(`{"objects":[` + strings.Join(objs, ",") + `]}`)
}

func TestAddObjects(t *testing.T) {
	f := newFixture(t, taxii.Options{MaxContentLength: 4000})
	good1, good2 := string(stixObject("indicator", 1, epoch)), string(stixObject("malware", 2, epoch))
	noSpec := `{"type":"indicator","id":"` + objID("indicator", 3) + `","created":"2026-01-01T00:00:00Z"}`
	wrongPrefix := `{"type":"malware","spec_version":"2.1","id":"` + objID("indicator", 4) + `"}`
	a := f.call(t, "POST", objectsPath, envelopeOf(good1, noSpec, good2, wrongPrefix, `"just a string"`))
	var st taxii.Status
	a.decode(t, &st)
	if a.status != 202 || st.Status != taxii.StatusComplete || st.TotalCount != 5 || st.SuccessCount != 2 || st.FailureCount != 3 || st.PendingCount != 0 || st.ID == "" {
		t.Fatalf("add: %d %+v", a.status, st)
	}
	if st.Successes[0].ID != objID("indicator", 1) || st.Failures[0].ID != objID("indicator", 3) || !strings.Contains(st.Failures[0].Message, "spec_version") ||
		st.Failures[2].ID != "objects[4]" || st.RequestTimestamp != taxii.FormatTimestamp(epoch) {
		t.Fatalf("details: %+v", st)
	}
	var got taxii.Status
	f.call(t, "GET", "/taxii2/koban/status/"+st.ID+"/", nil).decode(t, &got)
	if got.ID != st.ID || got.SuccessCount != 2 || got.FailureCount != 3 {
		t.Fatalf("status %+v", got)
	}
	wantError(t, f.call(t, "GET", "/taxii2/koban/status/"+st.ID+"/", nil, "Authorization", "Bearer tok-bob"), 404, "taxii.not_found")

	// The same objects again: accepted, not stored twice.
	f.call(t, "POST", objectsPath, envelopeOf(good1))
	var env envelope
	f.call(t, "GET", objectsPath+"?match[version]=all", nil).decode(t, &env)
	if len(env.Objects) != 2 {
		t.Fatalf("%d objects stored, want 2", len(env.Objects))
	}
	// Write-only collection takes objects too.
	if a := f.call(t, "POST", "/taxii2/koban/collections/"+dropbox+"/objects/", envelopeOf(good1)); a.status != 202 {
		t.Fatalf("drop box: %d %s", a.status, a.body)
	}

	wantError(t, f.call(t, "POST", objectsPath, envelopeOf(good1), "Authorization", "Bearer tok-bob"), 403, "taxii.forbidden")
	wantError(t, f.call(t, "POST", "/taxii2/koban/collections/"+secret+"/objects/", envelopeOf(good1)), 404, "taxii.not_found")
	wantError(t, f.call(t, "POST", objectsPath, envelopeOf(good1), "Content-Type", "application/json"), 415, "taxii.unsupported_media_type")
	wantError(t, f.call(t, "POST", objectsPath, envelopeOf(good1), "Content-Type", "application/taxii+json;version=2.0"), 415, "taxii.unsupported_media_type")
	big := envelopeOf(strings.Repeat(good1+",", 40) + good1)
	wantError(t, f.call(t, "POST", objectsPath, big), 413, "taxii.too_large")
	wantError(t, f.call(t, "POST", objectsPath, []byte(`{"objects":[{"type":`)), 400, "taxii.bad_json")
	wantError(t, f.call(t, "POST", objectsPath, []byte(`[1,2,3]`)), 422, "taxii.not_envelope")
	wantError(t, f.call(t, "POST", objectsPath, []byte(`{"objects":{}}`)), 422, "taxii.not_envelope")
	wantError(t, f.call(t, "PUT", objectsPath, envelopeOf(good1)), 405, "taxii.method_not_allowed")
}

// TestAddObjectsTooLargeWithoutLength sends a body with no Content-Length:
// the limit is found while reading.
func TestAddObjectsTooLargeWithoutLength(t *testing.T) {
	f := newFixture(t, taxii.Options{MaxContentLength: 1000})
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"objects":[`))
		for i := 0; i < 50; i++ {
			pw.Write([]byte(string(stixObject("indicator", i, epoch)) + ","))
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", f.srv.URL+objectsPath, pr)
	req.Header.Set("Accept", taxii.MediaTAXII)
	req.Header.Set("Content-Type", taxii.MediaTAXII)
	req.Header.Set("Authorization", "Bearer tok-alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	wantError(t, answer{resp.StatusCode, resp.Header, b}, 413, "taxii.too_large")
}

func TestDeleteObject(t *testing.T) {
	f := newFixture(t, taxii.Options{})
	seedVersions(t, f)
	ind1 := objID("indicator", 1)
	objPath := objectsPath + ind1 + "/"
	wantError(t, f.call(t, "DELETE", objPath, nil, "Authorization", "Bearer tok-bob"), 403, "taxii.forbidden")
	if a := f.call(t, "DELETE", objPath+"?match[version]=first", nil); a.status != 200 {
		t.Fatalf("delete first: %d %s", a.status, a.body)
	}
	var vers struct{ Versions []string }
	f.call(t, "GET", objPath+"versions/", nil).decode(t, &vers)
	if len(vers.Versions) != 2 || vers.Versions[0] != "2026-03-01T07:00:00.000Z" {
		t.Fatalf("after deleting the first: %v", vers.Versions)
	}
	if a := f.call(t, "DELETE", objPath, nil); a.status != 200 {
		t.Fatalf("delete all: %d", a.status)
	}
	wantError(t, f.call(t, "GET", objPath, nil), 404, "taxii.not_found")
	wantError(t, f.call(t, "DELETE", objPath, nil), 404, "taxii.not_found")
	var env envelope
	f.call(t, "GET", objectsPath, nil).decode(t, &env)
	if len(env.Objects) != 2 {
		t.Fatalf("the other objects: %d", len(env.Objects))
	}
}
