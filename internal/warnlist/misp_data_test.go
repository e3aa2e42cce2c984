package warnlist

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

// mispDir is the copy of MISP's misp-warninglists shared by koban's tests;
// it is read from disk and never embedded.
const mispDir = "../../../shared/data/misp/misp-warninglists"

// mispLists reads mispDir once for all tests and benchmarks.
var mispLists = sync.OnceValues(func() ([]List, []error) { return ReadMISPDir(mispDir) })

// needMISP skips a test when the shared data is not there.
func needMISP(t testing.TB) ([]List, []error) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(mispDir, "lists")); err != nil {
		t.Skipf("no MISP warning lists: %v", err)
	}
	return mispLists()
}

func TestReadMISPDirAll(t *testing.T) {
	start := time.Now()
	lists, errs := needMISP(t)
	took := time.Since(start)
	files, _ := filepath.Glob(filepath.Join(mispDir, "lists", "*", "list.json"))
	if len(lists)+len(errs) != len(files) {
		t.Fatalf("%d lists + %d errors for %d files", len(lists), len(errs), len(files))
	}
	entries, skipped := 0, 0
	for _, l := range lists {
		entries += len(l.Entries)
		skipped += len(l.Skipped)
		if l.Source != SourceMISP || l.Name == "" || len(l.Entries) == 0 || len(l.Types) == 0 {
			t.Errorf("bad list: %s", describe(l))
		}
		if len(l.Skipped) > 0 {
			t.Logf("%s; first skipped %q: %s", describe(l), l.Skipped[0].Entry, l.Skipped[0].Reason)
		}
	}
	for _, err := range errs {
		// Every rejection must name its file and say why.
		if !strings.Contains(err.Error(), "list.json") || !strings.Contains(err.Error(), ErrInvalid.Error()) {
			t.Errorf("unclear error: %v", err)
		}
		t.Logf("rejected: %v", err)
	}
	t.Logf("%d files: %d lists parsed, %d rejected; %d entries kept, %d skipped; read in %v",
		len(files), len(lists), len(errs), entries, skipped, took)

	// The copy koban tests with has 136 lists; two of them are about
	// nothing koban can hold.
	if len(files) != 136 {
		t.Errorf("%d list files, want 136", len(files))
	}
	rejected := map[string]string{
		"microsoft-azure-appid": "applies to no observable type koban has", // Azure application ids
		"tlds":                  "none of its 1438 entries is usable",      // bare TLDs are never domains
	}
	for _, err := range errs {
		dir := filepath.Base(filepath.Dir(strings.SplitN(err.Error(), ":", 2)[0]))
		if want, ok := rejected[dir]; !ok || !strings.Contains(err.Error(), want) {
			t.Errorf("unexpected rejection: %v", err)
		}
	}
}

func TestMISPWellKnown(t *testing.T) {
	lists, _ := needMISP(t)
	m := NewMatcher(lists)
	tests := []struct {
		typ   observe.Type
		value string
		in    []string // lists that must match
		notIn []string // lists that must not
	}{
		{observe.IPv4, "8.8.8.8", []string{"List of known IPv4 public DNS resolvers"}, []string{"List of RFC 1918 CIDR blocks"}},
		{observe.IPv4, "1.1.1.1", []string{"List of known IPv4 public DNS resolvers"}, nil},
		{observe.IPv6, "2001:4860:4860::8888", []string{"List of known IPv6 public DNS resolvers"}, nil},
		{observe.IPv4, "10.1.2.3", []string{"List of RFC 1918 CIDR blocks", "List of RFC 5735 CIDR blocks"}, nil},
		{observe.CIDR, "192.168.10.0/24", []string{"List of RFC 1918 CIDR blocks"}, nil},
		{observe.IPv4, "100.64.1.1", []string{"List of RFC 6598 CIDR blocks"}, []string{"List of RFC 1918 CIDR blocks"}},
		{observe.IPv4, "239.255.255.250", []string{"List of RFC 5771 multicast CIDR blocks"}, nil},
		{observe.IPv6, "2001:db8::1", []string{"List of RFC 3849 CIDR blocks"}, nil},
		{observe.IPv6, "fe80::1", []string{"List of IPv6 link local blocks"}, nil},
		{observe.IPv4, "104.16.0.1", []string{"List of known Cloudflare IP ranges"}, nil},
		{observe.Domain, "google.com", []string{"List of known google domains", "Top 1000 website from Alexa"}, nil},
		{observe.Domain, "www.google.com", []string{"List of known google domains"}, nil},
		{observe.Domain, "example.com", []string{"List of RFC 6761 Special-Use Domain Names"}, nil},
		{observe.Domain, "bit.ly", []string{"List of known URL Shorteners domains"}, nil},
		{observe.URL, "https://bit.ly/", []string{"List of known URL Shorteners domains"}, nil},
		{observe.URL, "https://bit.ly/3abcDEF", nil, []string{"List of known URL Shorteners domains"}},
		{observe.Domain, "ocsp.comodoca.com", []string{"CRL and OCSP domains"}, nil},
		{observe.MD5, "d41d8cd98f00b204e9800998ecf8427e", []string{"List of known hashes for empty files"}, nil},
		{observe.SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", []string{"List of known hashes for empty files"}, nil},
		{observe.MD5, "44d88612fea8a8f36de82e1278abb02f", []string{"List of hashes for EICAR test virus"}, nil},
		{observe.Email, "someone@0815.ru", []string{"List of disposable email domains"}, nil},
		{observe.Email, "abuse@example.co.jp", []string{"Common contact e-mail addresses"}, nil},
		{observe.Phone, "+12125550123", []string{"Unattributed phone number."}, nil},
		{observe.Phone, "+819055501234", nil, []string{"Unattributed phone number."}},
	}
	for _, tt := range tests {
		got := m.Match(observe.Observable{Type: tt.typ, Value: tt.value})
		for _, n := range tt.in {
			if !slices.Contains(got, n) {
				t.Errorf("Match(%s %q) = %q, want %q in it", tt.typ, tt.value, got, n)
			}
		}
		for _, n := range tt.notIn {
			if slices.Contains(got, n) {
				t.Errorf("Match(%s %q) = %q, want no %q", tt.typ, tt.value, got, n)
			}
		}
	}
	for _, o := range []observe.Observable{
		{Type: observe.Domain, Value: "koban-nonexistent-test-name.jp"},
		{Type: observe.Phone, Value: "+819012345678"},
		{Type: observe.Email, Value: "koban.test.1234@koban-nonexistent-test-name.jp"},
		{Type: observe.SHA256, Value: strings.Repeat("ab", 32)},
	} {
		if got := m.Match(o); got != nil {
			t.Errorf("Match(%v) = %q, want nil", o, got)
		}
	}
}

// describe is a one-line summary of a list for test output.
func describe(l List) string {
	return fmt.Sprintf("%s (%s; %v): %d entries, %d skipped", l.Name, l.Kind, l.Types, len(l.Entries), len(l.Skipped))
}

// TestMISPSharedHosting pins down why loading every MISP list is a policy
// choice (see the package documentation): MISP's semantics mark sites
// that anyone can create.
func TestMISPSharedHosting(t *testing.T) {
	lists, _ := needMISP(t)
	m := NewMatcher(lists)
	for _, tt := range []struct{ value, list string }{
		{"phish-amazon-jp.blogspot.com", "Top 10K most-used sites from Tranco"},
		{"phish-amazon-jp.web.app", "Top 10K most-used sites from Tranco"},
		{"evil.duckdns.org", "List of known dynamic DNS domains"},
		{"virustotal.com.evil.jp", "List of known domains used by automated malware analysis services & security vendors"},
	} {
		if got := m.Match(observe.Observable{Type: observe.Domain, Value: tt.value}); !slices.Contains(got, tt.list) {
			t.Errorf("Match(%q) = %q, expected %q in it (MISP semantics)", tt.value, got, tt.list)
		}
	}
}
