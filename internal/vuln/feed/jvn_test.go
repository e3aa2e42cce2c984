package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openJVN(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(dataPath(t, "myjvn", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestJVNRSS(t *testing.T) {
	feed, err := ReadJVNRSS(openJVN(t, "hnd/getVulnOverviewList_hnd.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Vulns) != 2 || feed.Status.TotalResRet != 2 || feed.Lang != "ja" || feed.Status.RetCd != "0" {
		t.Fatalf("feed: %d vulns, lang %q, status %+v", len(feed.Vulns), feed.Lang, feed.Status)
	}
	for _, v := range feed.Vulns {
		if !strings.HasPrefix(v.ID, "JVNDB-") || v.Source != SourceJVN || v.Title == "" || v.LastModified.IsZero() {
			t.Errorf("incomplete %+v", v)
		}
	}
	t.Logf("first: %+v", feed.Vulns[0])
}

func TestJVNRSSFields(t *testing.T) {
	// The upstream feed is malformed only in its status element; the same
	// item, well-formed, checks the fields.
	const doc = `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" xmlns:status="http://jvndb.jvn.jp/myjvn/Status" xml:lang="ja">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"><title>JVNDB RSS Feed - New Entry</title>
    <dcterms:modified>2025-04-13T12:00:23+09:00</dcterms:modified></channel>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-028579.html">
    <title>Contiki-NG における再帰制御に関する脆弱性</title>
    <link>https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-028579.html</link>
    <description>Contiki-NG には、再帰制御に関する脆弱性が存在します。</description>
    <sec:identifier>JVNDB-2023-028579</sec:identifier>
    <sec:references source="CVE" id="CVE-2023-29001">https://www.cve.org/CVERecord?id=CVE-2023-29001</sec:references>
    <sec:references source="NVD" id="CVE-2023-29001">https://nvd.nist.gov/vuln/detail/CVE-2023-29001</sec:references>
    <sec:references title="不適切な再帰制御(CWE-674)" id="CWE-674">
      https://cwe.mitre.org/data/definitions/674.html</sec:references>
    <sec:cpe version="2.2" vendor="Contiki-NG" product="Contiki-NG">cpe:/o:contiki-ng:contiki-ng</sec:cpe>
    <sec:cpe-item name="cpe:/a:example:tool"><sec:title>Tool</sec:title><sec:vname>Example</sec:vname></sec:cpe-item>
    <sec:cvss version="3.0" score="7.5" type="Base" severity="High" vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" />
    <dc:date>2025-04-11T23:52+09:00</dc:date>
    <dcterms:issued>2025-04-10T23:52+09:00</dcterms:issued>
    <dcterms:modified>2025-04-11T23:52+09:00</dcterms:modified>
  </item>
  <status:Status version="3.3" method="getVulnOverviewList" retCd="0" errCd="" errMsg="" totalRes="26432" totalResRet="1" firstRes="1"/>
</rdf:RDF>`
	feed, err := ReadJVNRSS(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if feed.Status.TotalRes != 26432 || feed.Title != "JVNDB RSS Feed - New Entry" {
		t.Errorf("feed = %+v", feed)
	}
	v := feed.Vulns[0]
	if v.ID != "JVNDB-2023-028579" || v.Descriptions["ja"] != "Contiki-NG には、再帰制御に関する脆弱性が存在します。" {
		t.Errorf("id/description = %q %v", v.ID, v.Descriptions)
	}
	if len(v.Aliases) != 1 || v.Aliases[0] != "CVE-2023-29001" || len(v.CWEs) != 1 || v.CWEs[0] != "CWE-674" {
		t.Errorf("aliases %v, cwes %v", v.Aliases, v.CWEs)
	}
	if v.References[2].URL != "https://cwe.mitre.org/data/definitions/674.html" {
		t.Errorf("reference = %+v", v.References[2])
	}
	if len(v.Affected) != 2 || v.Affected[0].CPEs[0] != "cpe:/o:contiki-ng:contiki-ng" || v.Affected[1].CPEs[0] != "cpe:/a:example:tool" {
		t.Errorf("affected = %+v", v.Affected)
	}
	if len(v.Metrics) != 1 || v.Metrics[0].BaseScore != 7.5 || v.Metrics[0].Version != "3.0" {
		t.Errorf("metrics = %+v", v.Metrics)
	}
	if !v.Published.Equal(time.Date(2025, 4, 10, 14, 52, 0, 0, time.UTC)) || v.LastModified.Location() != time.UTC {
		t.Errorf("published = %v, modified = %v", v.Published, v.LastModified)
	}
}

func TestVULDEF(t *testing.T) {
	tests := []struct {
		file  string
		count int
	}{
		{"hnd/dataFeed_jvndb_detail_hnd.xml", 7},
		{"hnd/getVulnDetailInfo_hnd_JVNDB-2017-009608.xml", 1},
		{"hnd/getVulnDetailInfo_hnd_JVNDB-2018-009328.xml", 1},
		{"hnd/getVulnDetailInfo_hnd_JVNDB-2021-002774.xml", 1},
		{"hnd/getVulnDetailInfo_hnd_JVNDB-2022-000097.xml", 1},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			feed, err := ReadVULDEF(openJVN(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Vulns) != tt.count {
				t.Fatalf("vulns = %d, want %d", len(feed.Vulns), tt.count)
			}
			for _, v := range feed.Vulns {
				if !strings.HasPrefix(v.ID, "JVNDB-") || v.Title == "" || v.Published.IsZero() || v.Descriptions["ja"] == "" {
					t.Errorf("incomplete %+v", v)
				}
			}
		})
	}
	feed, err := ReadVULDEF(openJVN(t, "hnd/getVulnDetailInfo_hnd_JVNDB-2022-000097.xml"))
	if err != nil {
		t.Fatal(err)
	}
	v := feed.Vulns[0]
	if v.Title != "電子入札コアシステムにおける複数の脆弱性" {
		t.Errorf("title = %q", v.Title)
	}
	if strings.Join(v.Aliases, " ") != "CVE-2022-41993 CVE-2022-46287 CVE-2022-46288" || strings.Join(v.CWEs, " ") != "CWE-79 CWE-20" {
		t.Errorf("aliases %v, cwes %v", v.Aliases, v.CWEs)
	}
	if len(v.Metrics) != 2 || v.Metrics[1].Vector != "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N" || v.Metrics[1].BaseScore != 6.1 {
		t.Errorf("metrics = %+v", v.Metrics)
	}
	a := v.Affected[0]
	if a.Product != "電子入札コアシステム" || a.CPEs[0] != "cpe:/a:jacic:electronic_bidding_core_system" || a.Versions[0].Version != "v6 R4 およびそれ以前のバージョン" {
		t.Errorf("affected = %+v", a)
	}
	if !v.LastModified.Equal(time.Date(2024, 5, 29, 8, 39, 51, 0, time.UTC)) {
		t.Errorf("last modified = %v", v.LastModified)
	}
}

func TestJVNMalformed(t *testing.T) {
	// The MyJVN examples that are broken upstream must fail, with an error
	// that says where.
	_, err := ReadJVNRSS(openJVN(t, "hnd/dataFeed_jvndb_rss_hnd.xml"))
	if err == nil || !strings.Contains(err.Error(), "line 116") {
		t.Errorf("dataFeed_jvndb_rss_hnd.xml: err = %v, want a syntax error at line 116", err)
	}
	bad := map[string]struct {
		read func(string) error
		doc  string
	}{
		"wrong root":    {rss, `<VULDEF-Document/>`},
		"not xml":       {rss, `{"json": true}`},
		"empty":         {vuldef, ``},
		"no identifier": {rss, `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><item><title>x</title></item></rdf:RDF>`},
		"bad score":     {vuldef, `<VULDEF-Document><Vulinfo><VulinfoID>JVNDB-1</VulinfoID><VulinfoData><Impact><Cvss><Base>high</Base></Cvss></Impact></VulinfoData></Vulinfo></VULDEF-Document>`},
		"api error":     {vuldef, `<VULDEF-Document><Status retCd="1" errCd="..." errMsg="パラメータが不正です"/></VULDEF-Document>`},
		"truncated":     {vuldef, `<VULDEF-Document><Vulinfo><VulinfoID>JVNDB-1</VulinfoID>`},
		"too deep":      {vuldef, `<VULDEF-Document>` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</VULDEF-Document>`},
		"bad date":      {vuldef, `<VULDEF-Document><Vulinfo><VulinfoID>JVNDB-1</VulinfoID><VulinfoData><DateLastUpdated>昨日</DateLastUpdated></VulinfoData></Vulinfo></VULDEF-Document>`},
	}
	for name, tt := range bad {
		t.Run(name, func(t *testing.T) {
			if err := tt.read(tt.doc); err == nil {
				t.Fatal("want an error")
			} else {
				t.Log(err)
			}
		})
	}
}

func rss(doc string) error    { _, err := ReadJVNRSS(strings.NewReader(doc)); return err }
func vuldef(doc string) error { _, err := ReadVULDEF(strings.NewReader(doc)); return err }

func FuzzJVNRSS(f *testing.F) {
	for _, name := range []string{"getVulnOverviewList_hnd.xml", "dataFeed_jvndb_rss_hnd.xml"} {
		if b, err := os.ReadFile(filepath.Join(vulnData, "myjvn", "examples", "hnd", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<rdf:RDF><item><identifier>JVNDB-1</identifier></item></rdf:RDF>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := ReadJVNRSS(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, v := range feed.Vulns {
			if v.ID == "" {
				t.Fatal("accepted an item without an id")
			}
		}
	})
}

func FuzzVULDEF(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(vulnData, "myjvn", "examples", "hnd", "getVulnDetailInfo_hnd_JVNDB-2022-000097.xml")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := ReadVULDEF(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, v := range feed.Vulns {
			if v.ID == "" {
				t.Fatal("accepted a Vulinfo without an id")
			}
		}
	})
}

func TestJVNFeedJSON(t *testing.T) {
	for _, name := range []string{"oka/dataFeed_jvndb_rss_oka.json", "oka/getVulnOverviewList_oka.json"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			feed, err := ReadJVNFeedJSON(openJVN(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Vulns) != 3 || feed.Status.TotalRes != 6 {
				t.Fatalf("feed: %d vulns, status %+v", len(feed.Vulns), feed.Status)
			}
			first := feed.Vulns[0]
			if first.ID != "JVNDB-2025-000000" || first.Descriptions["ja"] != "MyJVN API は、APIを介してセキュリティ情報を提供するシステムです。" {
				t.Errorf("first = %+v", first)
			}
			if len(first.Metrics) != 3 || first.Metrics[0].Version != "4.0" || first.Metrics[2].BaseScore != 10 {
				t.Errorf("metrics = %+v", first.Metrics)
			}
			if first.Affected[1].CPEs[0] != "cpe:2.3:a:dendai.ac.jp:myjvn_api:4.0.0:*:*:*:*:*:*:*" || first.CWEs[0] != "CWE-502" {
				t.Errorf("affected %+v, cwes %v", first.Affected, first.CWEs)
			}
			if second := feed.Vulns[1]; len(second.Aliases) != 1 || second.Aliases[0] != "CVE-2025-31084" {
				t.Errorf("aliases = %v", second.Aliases)
			}
		})
	}
}

func TestJVNJSONMalformed(t *testing.T) {
	// Three MyJVN 4.0 examples are broken upstream ("retMax": ,): each must
	// fail with the line where it breaks.
	for name, line := range map[string]string{
		"oka/dataFeed_jvndb_detail_oka.json":          "line 1377",
		"oka/dataFeed_myjvn_product_oka.json":         "line 143",
		"oka/dataFeed_myjvn_product_version_oka.json": "line 178",
	} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			_, err := ReadJVNFeedJSON(openJVN(t, name))
			if err == nil || !strings.Contains(err.Error(), line) {
				t.Fatalf("err = %v, want a syntax error at %s", err, line)
			}
			t.Log(err)
		})
	}
	if _, err := ReadJVNFeedJSON(strings.NewReader(`{"status":{"retCd":1,"errMsg":"不正"},"feed":{}}`)); err == nil {
		t.Error("an error status: want an error")
	}
	if _, err := ReadJVNFeedJSON(strings.NewReader(`{"type":"bundle"}`)); err == nil {
		t.Error("no feed: want an error")
	}
}
