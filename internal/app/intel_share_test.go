package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/taxii"
)

// An officer runs the sharing side from the pages: makes a collection for
// a partner bank, brings in a bundle, finds its objects in the intel
// browser, shares the GREEN one (the bank then reads it over TAXII) and is
// told why the AMBER one may not go into a GREEN collection. A CSV feed
// source is made with its column mapping, and a mapping at fault is shown
// field by field.
func TestIntelSharingThroughPages(t *testing.T) {
	s := apptest.Start(t)
	a, ctx := s.App, context.Background()
	adm, ap := withPartner(t, s, "share@npa.example", "bank-y", "ワイ銀行")
	web := s.Login(t, adm.Email, "correct horse battery")
	post := func(path string, form url.Values, want int) string {
		t.Helper()
		resp, err := web.PostForm(s.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d\n%s", path, resp.StatusCode, want, b)
		}
		return string(b)
	}

	// A collection with an unknown member is refused, what was typed kept.
	body := post("/intel/collections", url.Values{"title": {"銀行向け"}, "max_tlp": {"green"}, "readers": {"bank-y, no-such-org"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "その組織はありません") || !strings.Contains(body, `value="bank-y, no-such-org"`) {
		t.Error("a refused collection form does not name the member at fault or lost what was typed")
	}
	post("/intel/collections", url.Values{"title": {"銀行向け"}, "max_tlp": {"green"}, "readers": {"bank-y"}}, http.StatusSeeOther)
	body = getPage(t, web, s.URL+"/intel/collections?done=collection_created", http.StatusOK)
	if !strings.Contains(body, "コレクションを作りました") || !strings.Contains(body, "ワイ銀行 (読む)") || !strings.Contains(body, "/taxii2/koban/collections/") {
		t.Error("the collections page does not show the new collection with its reader and URL")
	}
	cs, err := a.Intel.CollectionList(ctx, ap)
	if err != nil || len(cs) != 1 {
		t.Fatalf("collections = %+v, %v", cs, err)
	}

	// A bundle brought in through the page: one GREEN indicator, one
	// unmarked (the source's default, AMBER).
	files, err := a.Intel.CreateSource(ctx, ap, intel.SourceInput{Name: "捜査で得た指標", Kind: intel.SourceFile})
	if err != nil {
		t.Fatal(err)
	}
	const greenID, amberID = "indicator--7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "indicator--7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e50"
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("format", "stix")
	fw, _ := mw.CreateFormFile("file", "bundle.json")
	io.WriteString(fw, `{"type":"bundle","id":"bundle--2e7c6c5a-2b8f-4f3e-9a1d-5c4b3a2f1e0d","objects":[`+
		`{"type":"indicator","spec_version":"2.1","id":"`+greenID+`","created":"2026-12-02T00:00:00.000Z","modified":"2026-12-02T00:00:00.000Z","name":"偽の宅配サイト","pattern":"[domain-name:value = 'sagawa-ex.buzz']","pattern_type":"stix","valid_from":"2026-12-02T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},`+
		`{"type":"indicator","spec_version":"2.1","id":"`+amberID+`","created":"2026-12-02T00:00:00.000Z","modified":"2026-12-02T00:00:00.000Z","name":"受け子の口座","pattern":"[domain-name:value = 'mule-gate.top']","pattern_type":"stix","valid_from":"2026-12-02T00:00:00Z"}]}`)
	mw.Close()
	resp, err := web.Post(fmt.Sprintf("%s/intel/sources/%d/import", s.URL, files.ID), mw.FormDataContentType(), &form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// The browser lists both, newest first; the TLP filter narrows.
	body = getPage(t, web, s.URL+"/intel/objects", http.StatusOK)
	if !strings.Contains(body, "偽の宅配サイト") || !strings.Contains(body, "受け子の口座") || !strings.Contains(body, "捜査で得た指標") {
		t.Error("the intel browser does not list both indicators with their source")
	}
	body = getPage(t, web, s.URL+"/intel/objects?tlp=green", http.StatusOK)
	if !strings.Contains(body, "偽の宅配サイト") || strings.Contains(body, "受け子の口座") {
		t.Error("the TLP filter does not narrow to the GREEN indicator")
	}
	getPage(t, web, s.URL+"/intel/objects?tlp=orange", http.StatusBadRequest)

	green, _ := a.DB.IntelLatest(ctx, greenID)
	amber, _ := a.DB.IntelLatest(ctx, amberID)
	body = getPage(t, web, fmt.Sprintf("%s/intel/objects/%d", s.URL, green.ID), http.StatusOK)
	if !strings.Contains(body, `action="/intel/objects/`+fmt.Sprint(green.ID)+`/share"`) || !strings.Contains(body, "銀行向け (TLP:GREEN)") {
		t.Error("the indicator's page offers no share form with the collection")
	}
	body = post(fmt.Sprintf("/intel/objects/%d/share", amber.ID), url.Values{"collection": {cs[0].UUID}}, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "このTLPではこのコレクションに入れられません") {
		t.Error("sharing AMBER into a GREEN collection is not refused with the reason")
	}
	post(fmt.Sprintf("/intel/objects/%d/share", green.ID), url.Values{"collection": {cs[0].UUID}}, http.StatusSeeOther)
	body = getPage(t, web, fmt.Sprintf("%s/intel/objects/%d?done=intel_shared", s.URL, green.ID), http.StatusOK)
	if !strings.Contains(body, "コレクションに入れました") {
		t.Error("no notice after sharing")
	}
	bank, _ := taxii.NewClient(http.DefaultClient, s.URL+"/taxii2/", taxii.Auth{Token: s.Token(t, "feed@bank-y.example")})
	page, err := bank.GetObjects(ctx, intel.RootName, cs[0].UUID, taxii.Query{})
	if err != nil || len(page.Objects) != 1 || !strings.Contains(string(page.Objects[0]), greenID) {
		t.Fatalf("the bank reads %d objects, %v; want the GREEN indicator only", len(page.Objects), err)
	}
	rows, _ := a.DB.AuditOf(ctx, intel.ObjectType, fmt.Sprint(green.ID))
	if !slices.ContainsFunc(rows, func(r audit.Row) bool {
		return r.Action == "intel.share" && strings.Contains(string(r.Detail), cs[0].UUID)
	}) {
		t.Errorf("the share is not audited with its collection: %+v", rows)
	}

	// A CSV feed: the mapping's faults shown field by field, then made.
	body = post("/intel/sources", url.Values{"name": {"フィッシングCSV"}, "kind": {"csv"}, "url": {"https://feeds.example.jp/phish.csv"},
		"csv_value": {"0"}, "csv_type": {"no-such-type"}, "csv_delimiter": {";"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "列番号は1から200") || !strings.Contains(body, "MISPの属性タイプでないか") || !strings.Contains(body, `value="no-such-type"`) {
		t.Error("a refused CSV mapping does not name its faults or lost what was typed")
	}
	post("/intel/sources", url.Values{"name": {"フィッシングCSV"}, "kind": {"csv"}, "url": {"https://feeds.example.jp/phish.csv"},
		"csv_value": {"2"}, "csv_type": {"url"}, "csv_first_seen": {"1"}, "csv_delimiter": {";"}, "csv_header": {"1"}}, http.StatusSeeOther)
	srcs, _ := a.Intel.Sources(ctx, ap)
	var mapping string
	for _, v := range srcs {
		if v.Name == "フィッシングCSV" {
			mapping = string(v.Settings)
		}
	}
	if mapping != `{"delimiter":";","header":true,"value":2,"type":"url","first_seen":1}` {
		t.Errorf("stored mapping = %s", mapping)
	}
}
