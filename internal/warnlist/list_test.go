package warnlist

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

// mispJSON builds a list.json for tests.
func mispJSON(name, kind string, attrs []string, entries ...string) []byte {
	q := func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
		}
		return "[" + strings.Join(out, ",") + "]"
	}
	s := `{"name":"` + name + `","description":"test","version":1,"type":"` + kind + `","list":` + q(entries)
	if attrs != nil {
		s += `,"matching_attributes":` + q(attrs)
	}
	return []byte(s + "}")
}

func TestParseMISPErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // in the error
	}{
		{"not JSON", `{"name":`, "not a MISP warning list"},
		{"not an object", `[1,2]`, "not a MISP warning list"},
		{"entry not a string", `{"name":"x","type":"string","list":[1]}`, "not a MISP warning list"},
		{"no name", `{"type":"cidr","list":["10.0.0.0/8"]}`, "no name"},
		{"blank name", `{"name":"  ","type":"cidr","list":["10.0.0.0/8"]}`, "no name"},
		{"no type", `{"name":"x","list":["10.0.0.0/8"]}`, `"x": no type`},
		{"unknown type", `{"name":"x","type":"ip","list":["10.0.0.0/8"]}`, `unknown type "ip"`},
		{"no list", `{"name":"x","type":"cidr"}`, "empty list"},
		{"empty list", `{"name":"x","type":"cidr","list":[]}`, "empty list"},
		{"no koban type", string(mispJSON("x", "string", []string{"azure-application-id"}, "14d82eec-204b-4c2f-b7e8-296a70dab67e")), "applies to no observable type"},
		{"no attributes for a string list", `{"name":"x","type":"string","list":["a"]}`, "applies to no observable type"},
		{"only bad networks", string(mispJSON("x", "cidr", nil, "10.0.0.0/33", "not-an-ip")), `none of its 2 entries is usable (first: "10.0.0.0/33": not a network`},
		{"only bad regexes", string(mispJSON("x", "regex", []string{"email-src"}, `/(?<=a)b/`)), "not a regex RE2 can run"},
		{"only public suffixes", string(mispJSON("x", "hostname", nil, "co.jp", ".com")), "a public suffix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseMISP([]byte(tt.data))
			if err == nil {
				t.Fatalf("ParseMISP accepted %s", describe(l))
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want ErrInvalid and %q", err, tt.want)
			}
		})
	}
}

func TestParseMISPTypes(t *testing.T) {
	tests := []struct {
		name  string
		kind  string
		attrs []string
		entry string
		want  []observe.Type
	}{
		{"addresses", "cidr", []string{"ip-src", "ip-dst|port", "domain|ip"}, "10.0.0.0/8", []observe.Type{observe.IPv4, observe.IPv6, observe.CIDR}},
		{"cidr without attributes", "cidr", nil, "10.0.0.0/8", []observe.Type{observe.IPv4, observe.IPv6, observe.CIDR}},
		{"cidr with only domain attributes", "cidr", []string{"domain"}, "10.0.0.0/8", []observe.Type{observe.IPv4, observe.IPv6, observe.CIDR}},
		{"hostname without attributes", "hostname", nil, "example.com", []observe.Type{observe.Domain, observe.URL, observe.Email}},
		{"hostname for domains and URLs", "hostname", []string{"hostname", "domain|ip", "uri"}, "example.com", []observe.Type{observe.Domain, observe.URL}},
		{"hostname with address attributes", "hostname", []string{"ip-src"}, "example.com", []observe.Type{observe.Domain, observe.URL, observe.Email}},
		{"hashes", "string", []string{"sha1", "md5", "filename|sha256", "ssdeep", "sha224"}, "d41d8cd98f00b204e9800998ecf8427e", []observe.Type{observe.MD5, observe.SHA1, observe.SHA256}},
		{"e-mail", "regex", []string{"email-dst", "target-email"}, "/^abuse@/", []observe.Type{observe.Email}},
		{"phones", "regex", []string{"phone-number", "whois-registrant-phone"}, "/555/", []observe.Type{observe.Phone}},
		{"ASN and bitcoin", "string", []string{"AS", "btc"}, "AS64500", []observe.Type{observe.BTC, observe.ASN}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseMISP(mispJSON("x", tt.kind, tt.attrs, tt.entry))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Types, tt.want) {
				t.Errorf("types %v, want %v", l.Types, tt.want)
			}
			if l.Source != SourceMISP || l.Name != "x" || l.Version != 1 || l.Description != "test" || string(l.Kind) != tt.kind {
				t.Errorf("list %+v", l)
			}
		})
	}
}

func TestParseMISPEntries(t *testing.T) {
	tests := []struct {
		name    string
		kind    string
		attrs   []string
		entries []string
		want    []string
		skipped []string
	}{
		{
			name: "cidr", kind: "cidr", attrs: []string{"ip-src"},
			entries: []string{"10.0.0.0/8", " 192.168.1.7/16 ", "8.8.8.8", "2001:DB8::/32", "::ffff:192.0.2.0/120", "10.0.0.0/8",
				"fe80::1%eth0", "10.0.0.0/33", "010.0.0.1", "", "example.com"},
			want:    []string{"10.0.0.0/8", "192.168.0.0/16", "8.8.8.8/32", "2001:db8::/32", "192.0.2.0/24"},
			skipped: []string{"fe80::1%eth0", "10.0.0.0/33", "010.0.0.1", "", "example.com"},
		},
		{
			name: "hostname", kind: "hostname", attrs: []string{"domain"},
			entries: []string{"Example.COM.", ".bmw.de", "*.foo.co.jp", "例え.jp", "example.com", "co.jp", "localhost", "corona helden", "10.0.0.1"},
			want:    []string{"example.com", "bmw.de", "foo.co.jp", "xn--r8jz45g.jp"},
			skipped: []string{"co.jp", "localhost", "corona helden", "10.0.0.1"},
		},
		{
			name: "string domains", kind: "string", attrs: []string{"domain", "url", "domain|ip"},
			entries: []string{"GOOGLE.com", "google.com.", ".google.ad", "*.Akamai.net", "https://Example.COM:443/Path", "192.0.2.1", "ab.ca", ".co.jp"},
			want:    []string{"google.com", ".google.ad", ".akamai.net", "https://example.com/Path", "192.0.2.1"},
			skipped: []string{"ab.ca", ".co.jp"},
		},
		{
			name: "string hashes", kind: "string", attrs: []string{"md5", "sha1"},
			entries: []string{"D41D8CD98F00B204E9800998ECF8427E", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "3::", "d41d8cd98f00b204e9800998ecf8427"},
			want:    []string{"d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
			skipped: []string{"3::", "d41d8cd98f00b204e9800998ecf8427"},
		},
		{
			name: "string e-mail", kind: "string", attrs: []string{"email-src"},
			entries: []string{"Abuse@Example.COM", "abuse@example.com", "no-at-sign"},
			want:    []string{"abuse@example.com"},
			skipped: []string{"no-at-sign"},
		},
		{
			name: "substring", kind: "substring", attrs: []string{"domain"},
			entries: []string{"VirusTotal.com", "ab", "virustotal.com"},
			want:    []string{"virustotal.com"},
			skipped: []string{"ab"},
		},
		{
			name: "regex", kind: "regex", attrs: []string{"email-src"},
			entries: []string{`/^abuse\@/i`, "/a+/g", "plain", "/a/is", `/(?=x)/`, "/a/x", "/unclosed", "/(/"},
			want:    []string{`(?i)^abuse\@`, "a+", "plain", "(?is)a"},
			skipped: []string{`/(?=x)/`, "/a/x", "/unclosed", "/(/"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseMISP(mispJSON("x", tt.kind, tt.attrs, tt.entries...))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Entries, tt.want) {
				t.Errorf("entries %q, want %q", l.Entries, tt.want)
			}
			var skipped []string
			for _, s := range l.Skipped {
				skipped = append(skipped, s.Entry)
				if s.Reason == "" {
					t.Errorf("no reason for skipping %q", s.Entry)
				}
			}
			if !slices.Equal(skipped, tt.skipped) {
				t.Errorf("skipped %q, want %q", skipped, tt.skipped)
			}
		})
	}
}

func TestReadMISPDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, "lists", name, "list.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b-private", mispJSON("private", "cidr", nil, "10.0.0.0/8"))
	write("a-hosts", mispJSON("hosts", "hostname", nil, "example.com"))
	write("c-broken", []byte(`{"name":"broken","type":"cidr","list":[]}`))
	if err := os.WriteFile(filepath.Join(dir, "lists", "README.md"), []byte("not a list"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, d := range []string{dir, filepath.Join(dir, "lists")} {
		lists, errs := ReadMISPDir(d)
		var names []string
		for _, l := range lists {
			names = append(names, l.Name)
		}
		if !slices.Equal(names, []string{"hosts", "private"}) {
			t.Errorf("ReadMISPDir(%s) lists %q, want hosts and private in folder order", d, names)
		}
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), filepath.Join("c-broken", "list.json")) || !errors.Is(errs[0], ErrInvalid) {
			t.Errorf("ReadMISPDir(%s) errors %v, want one naming c-broken/list.json", d, errs)
		}
	}

	if lists, errs := ReadMISPDir(filepath.Join(dir, "missing")); len(lists) != 0 || len(errs) != 1 {
		t.Errorf("missing folder: %d lists, errors %v", len(lists), errs)
	}
	if lists, errs := ReadMISPDir(filepath.Join(dir, "lists", "a-hosts")); len(lists) != 0 || len(errs) != 1 {
		t.Errorf("folder without lists: %d lists, errors %v", len(lists), errs)
	}
}
