package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// wantProblem is a problem expected by its record and field, with a piece
// of its reason.
type wantProblem struct {
	ref, field, reason string
}

func checkAssets(t *testing.T, got, want []Asset) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d assets, want %d", len(got), len(want))
	}
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w Asset
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("asset %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func checkProblems(t *testing.T, got []Problem, want []wantProblem) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(got), len(want), got)
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		g, w := got[i], want[i]
		if g.Ref != w.ref || g.Field != w.field || !strings.Contains(g.Reason, w.reason) {
			t.Errorf("problem %d: got %q, want ref %q field %q reason containing %q", i, g.Error(), w.ref, w.field, w.reason)
		}
	}
}

func TestReadCSVEnglish(t *testing.T) {
	assets, problems, err := ReadCSV(bytes.NewReader(fixture(t, "assets-en.csv")))
	if err != nil {
		t.Fatal(err)
	}
	checkAssets(t, assets, []Asset{
		{Ref: "line 2", Name: "Apache HTTP Server", Version: "2.4.51", CPE: "cpe:2.3:a:apache:http_server:2.4.51:*:*:*:*:*:*:*",
			Supplier: "Apache Software Foundation", Owner: "B12", Exposure: Internet, Notes: "front web server,\nin the DMZ"},
		{Ref: "line 4", Name: "Log4j", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
			Exposure: Internal, Notes: "case system"},
		{Ref: "line 8", Name: "Nginx", Version: "1.20.1", CPE: "cpe:2.3:a:f5:nginx:1.20.1:*:*:*:*:*:*:*"},
		// A short row, its CPE in the URI binding.
		{Ref: "line 11", Name: "Windows Server", CPE: "cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*"},
	})
	checkProblems(t, problems, []wantProblem{
		{"line 5", "CPE", "cpe"},
		{"line 6", "", "name is missing"},
		{"line 7", "", "neither a CPE nor a purl"},
		{"line 8", "Exposure", `"sometimes"`},
		{"line 10", "purl", "does not parse"},
	})
}

func TestReadCSVShiftJIS(t *testing.T) {
	data := fixture(t, "assets-ja-sjis.csv")
	if bytes.Contains(data, []byte("名称")) {
		t.Fatal("the fixture is meant to be Shift_JIS, not UTF-8")
	}
	assets, problems, err := ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	checkAssets(t, assets, []Asset{
		{Ref: "line 2", Name: "電子申請システム", Version: "2.1", CPE: "cpe:2.3:a:example:e-shinsei:2.1:*:*:*:*:*:*:*",
			Owner: "警視庁", Exposure: Internet, Notes: "本部サーバ室"},
		{Ref: "line 3", Name: "内部ポータル", Version: "5.4", CPE: "cpe:2.3:a:liferay:liferay_portal:7.4:*:*:*:*:*:*:*", Exposure: Internal},
		{Ref: "line 5", Name: "交通管制端末", Version: "10", CPE: "cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*", Owner: "交通部", Exposure: Internal},
		{Ref: "line 6", Name: "受付システム", Version: "3", CPE: "cpe:2.3:a:example:uketsuke:3:*:*:*:*:*:*:*", Notes: "要確認"},
	})
	checkProblems(t, problems, []wantProblem{
		{"line 4", "CPE", "cpe"},
		{"line 6", "公開", `"不明"`},
	})
}

func TestReadCSVHeaders(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Asset
		err  string
	}{
		{name: "UTF-8 with BOM, Japanese aliases, 露出",
			in:   "\ufeff名称,PURL,露出,所管\nlodash,pkg:npm/lodash@4.17.20,インターネット,B01\n",
			want: []Asset{{Ref: "line 2", Name: "lodash", PURL: "pkg:npm/lodash@4.17.20", Exposure: Internet, Owner: "B01"}}},
		{name: "upper case, spaces, any order",
			in:   " PURL , NAME \npkg:pypi/Django@4.2,Django\n",
			want: []Asset{{Ref: "line 2", Name: "Django", PURL: "pkg:pypi/django@4.2"}}},
		{name: "exposure words",
			in: "name,purl,exposure\na,pkg:npm/a,external\nb,pkg:npm/b,public\nc,pkg:npm/c,yes\nd,pkg:npm/d,no\ne,pkg:npm/e,INTERNAL\n",
			want: []Asset{
				{Ref: "line 2", Name: "a", PURL: "pkg:npm/a", Exposure: Internet},
				{Ref: "line 3", Name: "b", PURL: "pkg:npm/b", Exposure: Internet},
				{Ref: "line 4", Name: "c", PURL: "pkg:npm/c", Exposure: Internet},
				{Ref: "line 5", Name: "d", PURL: "pkg:npm/d", Exposure: Internal},
				{Ref: "line 6", Name: "e", PURL: "pkg:npm/e", Exposure: Internal},
			}},
		{name: "header only", in: "name,cpe\n"},
		{name: "empty", in: "", err: "empty"},
		{name: "no name column", in: "product,cpe\nx,cpe:/a:x:y\n", err: "no name column"},
		{name: "no identifier column", in: "name,version\nx,1\n", err: "neither a cpe nor a purl"},
		{name: "a column twice", in: "name,名称,cpe\n", err: "both give the name"},
		{name: "broken quoting", in: "name,cpe\n\"x,cpe:/a:x:y\n", err: "CSV"},
		{name: "neither UTF-8 nor Shift_JIS", in: "name,cpe\n\xff\xfe,cpe:/a:x:y\n", err: "neither UTF-8 nor Shift_JIS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assets, _, err := ReadCSV(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkAssets(t, assets, tt.want)
		})
	}
}

func TestReadCycloneDXJSON(t *testing.T) {
	assets, problems, err := ReadCycloneDX(bytes.NewReader(fixture(t, "cyclonedx-1.5.json")))
	if err != nil {
		t.Fatal(err)
	}
	checkAssets(t, assets, []Asset{
		{Ref: "root", Name: "Records System", Version: "3.2", PURL: "pkg:generic/koban-pref/records-system@3.2"},
		{Ref: "httpd", Name: "Apache HTTP Server", Version: "2.4.51", CPE: "cpe:2.3:a:apache:http_server:2.4.51:*:*:*:*:*:*:*",
			Supplier: "Apache Software Foundation", Owner: "B12", Exposure: Internet},
		{Ref: "log4j-core", Name: "log4j-core", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Supplier: "Apache"},
		{Ref: "components[1].components[0]", Name: "log4j-api", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1"},
		{Ref: "ssh", Name: "OpenSSH", Version: "8.2p1", CPE: "cpe:2.3:a:openbsd:openssh:8.2:p1:*:*:*:*:*:*"},
	})
	checkProblems(t, problems, []wantProblem{
		{"bad-cpe", "cpe", "cpe"},
		{"components[3]", "", "neither a CPE nor a purl"},
		{"bad-purl", "purl", "does not parse"},
		{"ssh", "koban:exposure", `"maybe"`},
	})
}

func TestReadCycloneDXXML(t *testing.T) {
	assets, problems, err := ReadCycloneDX(bytes.NewReader(fixture(t, "cyclonedx-1.4.xml")))
	if err != nil {
		t.Fatal(err)
	}
	checkAssets(t, assets, []Asset{
		{Ref: "fw-01", Name: "FortiGate 60F", Version: "7.0.12", CPE: "cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*",
			Supplier: "Fortinet", Exposure: Internet},
		// The purl's type is lower-cased by canonicalisation.
		{Ref: "lodash", Name: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20", Supplier: "OpenJS Foundation",
			Owner: "C03", Exposure: Internal},
		{Ref: "lodash.merge", Name: "lodash.merge", Version: "4.6.2", PURL: "pkg:npm/lodash.merge@4.6.2"},
	})
	checkProblems(t, problems, []wantProblem{{"bad-cpe", "cpe", "cpe"}})
}

func TestReadCycloneDXRefused(t *testing.T) {
	tests := []struct{ name, in, err string }{
		{"unknown bomFormat", `{"bomFormat":"SPDX","specVersion":"1.5"}`, `bomFormat is "SPDX"`},
		{"no bomFormat", `{"specVersion":"1.5"}`, "bomFormat is none"},
		{"spec 1.1", `{"bomFormat":"CycloneDX","specVersion":"1.1"}`, `"1.1"`},
		{"spec 1.7", `{"bomFormat":"CycloneDX","specVersion":"1.7"}`, `"1.7"`},
		{"bad JSON", `{"bomFormat":"CycloneDX",`, "CycloneDX JSON"},
		{"XML 1.1 namespace", `<bom xmlns="http://cyclonedx.org/schema/bom/1.1"/>`, `"1.1"`},
		{"XML foreign namespace", `<bom xmlns="http://example.com/bom"/>`, "not CycloneDX's"},
		{"XML other root", `<project xmlns="http://cyclonedx.org/schema/bom/1.4"/>`, "want <bom>"},
		{"XML too deep", `<bom xmlns="http://cyclonedx.org/schema/bom/1.4">` + strings.Repeat("<components><component>", 100), "nest deeper"},
		{"neither", "name,cpe\n", "neither JSON nor XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadCycloneDX(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want one containing %q", err, tt.err)
			}
		})
	}
}

func TestReadSPDXJSON(t *testing.T) {
	assets, problems, err := ReadSPDX(bytes.NewReader(fixture(t, "spdx-2.3.json")))
	if err != nil {
		t.Fatal(err)
	}
	checkAssets(t, assets, []Asset{
		{Ref: "SPDXRef-nginx", Name: "nginx", Version: "1.20.1", CPE: "cpe:2.3:a:f5:nginx:1.20.1:*:*:*:*:*:*:*",
			PURL: "pkg:generic/nginx@1.20.1", Supplier: "F5, Inc.", Exposure: Internet},
		// cpe22Type is a URI, kept as the formatted string; NOASSERTION is nothing.
		{Ref: "SPDXRef-openssl", Name: "OpenSSL", CPE: "cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*", Owner: "B07"},
	})
	checkProblems(t, problems, []wantProblem{
		{"SPDXRef-bad", "cpe23Type", "cpe"},
		{"SPDXRef-none", "", "neither a CPE nor a purl"},
	})
}

func TestReadSPDXTagValue(t *testing.T) {
	assets, problems, err := ReadSPDX(bytes.NewReader(fixture(t, "spdx-2.2.spdx")))
	if err != nil {
		t.Fatal(err)
	}
	checkAssets(t, assets, []Asset{
		// The SPDXID inside the comment's <text> and the file's SPDXID are
		// not the package's.
		{Ref: "SPDXRef-openssh", Name: "OpenSSH", Version: "8.2p1", CPE: "cpe:2.3:a:openbsd:openssh:8.2:p1:*:*:*:*:*:*",
			Supplier: "OpenBSD Project", Exposure: Internet},
		{Ref: "SPDXRef-bash", Name: "bash", Version: "5.0", PURL: "pkg:deb/ubuntu/bash@5.0-6ubuntu1?arch=amd64"},
	})
	checkProblems(t, problems, []wantProblem{{"SPDXRef-broken", "purl", "does not parse"}})
}

func TestReadSPDXRefused(t *testing.T) {
	tests := []struct{ name, in, err string }{
		{"SPDX 2.1 JSON", `{"spdxVersion":"SPDX-2.1","packages":[]}`, `"SPDX-2.1"`},
		{"no version JSON", `{"packages":[]}`, "spdxVersion is missing"},
		{"SPDX 3 tag-value", "SPDXVersion: SPDX-3.0\n", `"SPDX-3.0"`},
		{"no version tag-value", "PackageName: x\n", "SPDXVersion is missing"},
		{"not tag-value", "SPDXVersion: SPDX-2.3\njust words\n", "line 2"},
		{"unclosed text", "SPDXVersion: SPDX-2.3\nPackageComment: <text>open\n", "never closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadSPDX(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want one containing %q", err, tt.err)
			}
		})
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		assets int
	}{
		{"assets-en.csv", FormatCSV, 4},
		{"assets-ja-sjis.csv", FormatCSV, 4},
		{"cyclonedx-1.5.json", FormatCycloneDXJSON, 5},
		{"cyclonedx-1.4.xml", FormatCycloneDXXML, 3},
		{"spdx-2.3.json", FormatSPDXJSON, 2},
		{"spdx-2.2.spdx", FormatSPDXTag, 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			// The name says nothing: the content decides.
			assets, _, format, err := Read("upload.bin", bytes.NewReader(fixture(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if format != tt.format || len(assets) != tt.assets {
				t.Errorf("got %s with %d assets, want %s with %d", format, len(assets), tt.format, tt.assets)
			}
		})
	}
	for _, in := range []string{`{"name":"x"}`, `<project/>`, `{"bomFormat":"Other","specVersion":"1.5"}`} {
		if _, _, _, err := Read("upload.json", strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "upload.json") {
			t.Errorf("Read(%q): err = %v, want an error naming the file", in, err)
		}
	}
}

// endless yields n bytes of one line repeated, then fails: a reader that
// reads it to the end has not stopped at MaxBytes.
type endless struct {
	line []byte
	n    int
	off  int
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, fmt.Errorf("read past the end: %w", errors.ErrUnsupported)
	}
	i := 0
	for ; i < len(p) && e.n > 0; i++ {
		p[i] = e.line[e.off%len(e.line)]
		e.off++
		e.n--
	}
	return i, nil
}

func TestLimits(t *testing.T) {
	t.Run("bytes", func(t *testing.T) {
		r := &endless{line: []byte("name,cpe\n"), n: MaxBytes + 100}
		_, _, err := ReadCSV(r)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("CSV rows", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("name,purl\n")
		for i := 0; i <= MaxAssets; i++ {
			b.WriteString("a,pkg:npm/a\n")
		}
		if _, _, err := ReadCSV(&b); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("CycloneDX components", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[`)
		for i := 0; i <= MaxAssets; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"name":"a","purl":"pkg:npm/a"}`)
		}
		b.WriteString("]}")
		if _, _, err := ReadCycloneDX(&b); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("SPDX tag-value packages", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("SPDXVersion: SPDX-2.3\n")
		for i := 0; i <= MaxAssets; i++ {
			b.WriteString("PackageName: a\n")
		}
		if _, _, err := ReadSPDX(&b); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
}

func TestCPECandidate(t *testing.T) {
	tests := []struct{ purl, vendor, product string }{
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "apache", "log4j"},
		{"pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.8", "fasterxml", "jackson-databind"},
		{"pkg:npm/lodash@4.17.20", "lodash", "lodash"},
		{"pkg:npm/%40angular/core@15.0.0", "angular", "core"},
		{"pkg:golang/github.com/gin-gonic/gin@v1.9.0", "gin-gonic", "gin"},
		{"pkg:golang/golang.org/x/net@v0.7.0", "golang", "net"},
		{"pkg:composer/laravel/framework@10.0.0", "laravel", "framework"},
		{"pkg:github/Apache/Struts", "apache", "struts"},
		{"pkg:pypi/Django@4.2", "django", "django"},
		{"pkg:deb/debian/openssl@1.1.1n-0+deb11u3", "openssl", "openssl"},
		{"not a purl", "", ""},
	}
	for _, tt := range tests {
		v, p := CPECandidate(tt.purl)
		if v != tt.vendor || p != tt.product {
			t.Errorf("CPECandidate(%q) = %q, %q, want %q, %q", tt.purl, v, p, tt.vendor, tt.product)
		}
	}
}

func TestProblemError(t *testing.T) {
	if got := (Problem{Ref: "line 3", Field: "cpe", Reason: "bad"}).Error(); got != "line 3: cpe: bad" {
		t.Errorf("got %q", got)
	}
	if got := (Problem{Ref: "line 3", Reason: "bad"}).Error(); got != "line 3: bad" {
		t.Errorf("got %q", got)
	}
}

// A long unclosed <text> is read in one pass: refused at once, not after
// one scan of the text so far per line.
func TestReadSPDXLongText(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("SPDXVersion: SPDX-2.3\nPackageComment: <text>\n")
	for b.Len() < 8<<20 {
		b.WriteString("x\n")
	}
	_, _, err := ReadSPDX(&b)
	if err == nil || !strings.Contains(err.Error(), "never closed") {
		t.Fatalf("err = %v, want an unclosed <text>", err)
	}
}
