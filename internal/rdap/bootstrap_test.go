package rdap

import (
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sharedRDAP = "../../../shared/data/rdap"

// newBootstrap loads IANA's registries from the project's test data.
func newBootstrap(t *testing.T) *Bootstrap {
	t.Helper()
	b, err := LoadBootstrap(filepath.Join(sharedRDAP, "iana-bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// The registries load with the publication stamps PROVENANCE.md lists; a
// new Bootstrap holds none (koban ships no copy).
func TestLoadBootstrap(t *testing.T) {
	b := newBootstrap(t)
	for k, want := range map[Kind]string{DNS: "2024-11-20T17:00:02Z", ASN: "2024-04-10T20:00:01Z", IPv4: "2019-06-07T19:00:02Z", IPv6: "2024-11-01T22:00:01Z"} {
		if got := b.Publication(k).Format(time.RFC3339); got != want {
			t.Errorf("%s publication %s, want %s", k, got, want)
		}
	}
	if e := NewBootstrap(); e.Loaded(DNS) || len(e.DomainServers("example.com")) != 0 {
		t.Error("a new Bootstrap holds a registry")
	}
	if _, err := LoadBootstrap(t.TempDir()); err == nil {
		t.Error("loading from an empty folder succeeded")
	}
}

func TestDomainServers(t *testing.T) {
	b := newBootstrap(t)
	for _, tc := range []struct{ name, in, want string }{
		{"gTLD", "example.com", "https://rdap.verisign.com/com/v1/"},
		{"upper case and final dot", "WWW.Example.COM.", "https://rdap.verisign.com/com/v1/"},
		{"new gTLD", "microsoft.click", "https://whois.uniregistry.net/rdap/"},
		{"Japanese city gTLD", "shibuya.tokyo", "https://rdap.gmoregistry.net/rdap/"},
		{"ccTLD", "afnic.fr", "https://rdap.nic.fr/"},
		{"deep name", "a.b.c.d.example.org", "https://rdap.publicinterestregistry.org/rdap/"},
		{"IDN TLD in Unicode", "例え.みんな", "https://www.registry.google/rdap/"},
		{"IDN TLD as A-label", "example.xn--q9jyb4c", "https://www.registry.google/rdap/"},
		{"katakana TLD", "テスト.コム", "https://tld-rdap.verisign.com/xn--tckwe/v1/"},
		{".jp has no RDAP", "example.co.jp", ""},
		{"unknown TLD", "example.invalid", ""},
		{"empty", "", ""},
		{"bad name", "exa mple.com", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := first(b.DomainServers(tc.in)); got != tc.want {
				t.Errorf("DomainServers(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestIPServers(t *testing.T) {
	b := newBootstrap(t)
	for _, tc := range []struct{ in, want string }{
		{"133.205.1.1", "https://rdap.apnic.net/"}, // a Japanese /8 (JPNIC, under APNIC)
		{"126.0.0.1", "https://rdap.apnic.net/"},
		{"74.125.225.229", "https://rdap.arin.net/registry/"},
		{"62.239.237.1", "https://rdap.db.ripe.net/"},
		{"196.11.240.215", "https://rdap.afrinic.net/rdap/"},
		{"200.1.1.1", "https://rdap.lacnic.net/rdap/"},
		{"::ffff:133.205.1.1", "https://rdap.apnic.net/"}, // IPv4-mapped: looked up as IPv4
		{"2001:240:10c:1::ca20:9d1d", "https://rdap.apnic.net/"},
		{"2c0f:f000::1", "https://rdap.afrinic.net/rdap/"},
		{"10.0.0.1", ""},
		{"fe80::1", ""},
	} {
		if got := first(b.IPServers(netip.MustParseAddr(tc.in))); got != tc.want {
			t.Errorf("IPServers(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestASNServers(t *testing.T) {
	b := newBootstrap(t)
	for _, tc := range []struct {
		in   uint32
		want string
	}{
		{16509, "https://rdap.arin.net/registry/"},
		{1, "https://rdap.arin.net/registry/"},
		{1876, "https://rdap.arin.net/registry/"},
		{1877, "https://rdap.db.ripe.net/"},
		{2043, "https://rdap.db.ripe.net/"}, // a single-number entry
		{4608, "https://rdap.apnic.net/"},
		{7722, "https://rdap.apnic.net/"}, // the end of a range
		{0, ""},
		{4294967295, ""},
	} {
		if got := first(b.ASNServers(tc.in)); got != tc.want {
			t.Errorf("ASNServers(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestServersPreferHTTPS(t *testing.T) {
	b := newBootstrap(t)
	got := b.IPServers(netip.MustParseAddr("196.11.240.215"))
	if len(got) != 2 || !strings.HasPrefix(got[0], "https://") || !strings.HasPrefix(got[1], "http://") {
		t.Errorf("servers %v: want https first, then http", got)
	}
}

func TestUpdate(t *testing.T) {
	b := newBootstrap(t)
	newer := `{"version":"1.0","publication":"2030-01-01T00:00:00Z","services":[
		[["co.uk"],["https://rdap.co-uk.example/"]],
		[["uk"],["http://rdap.uk.example/","https://rdap.uk.example/"]],
		[["jp"],["https://rdap.jp.example"]]]}`
	k, err := b.Update(strings.NewReader(newer))
	if err != nil || k != DNS {
		t.Fatalf("Update = %s, %v", k, err)
	}
	for in, want := range map[string]string{
		"shop.example.co.uk": "https://rdap.co-uk.example/", // the longest suffix wins
		"example.org.uk":     "https://rdap.uk.example/",    // https first, whatever the file's order
		"example.jp":         "https://rdap.jp.example/",    // a final slash added
		"example.com":        "",                            // the whole registry was replaced
	} {
		if got := first(b.DomainServers(in)); got != want {
			t.Errorf("after update, DomainServers(%q) = %q, want %q", in, got, want)
		}
	}

	// The same publication again: no change, no error.
	if _, err := b.Update(strings.NewReader(newer)); err != nil {
		t.Errorf("same publication: %v", err)
	}
	// An older one is refused and leaves the newer in place.
	older := `{"version":"1.0","publication":"2029-12-31T23:59:59Z","services":[[["com"],["https://old.example/"]]]}`
	_, err = b.Update(strings.NewReader(older))
	var stale *StaleError
	if !errors.As(err, &stale) || stale.Kind != DNS {
		t.Fatalf("older registry: %v", err)
	}
	if got := first(b.DomainServers("example.com")); got != "" {
		t.Errorf("older registry applied: %q", got)
	}

	// Longest prefix for IPv6, with a newer registry.
	v6 := `{"version":"1.0","publication":"2030-01-01T00:00:00Z","services":[
		[["2001:200::/23"],["https://wide.example/"]],
		[["2001::/16"],["https://narrow.example/"]]]}`
	if k, err := b.Update(strings.NewReader(v6)); err != nil || k != IPv6 {
		t.Fatalf("v6 Update = %s, %v", k, err)
	}
	for in, want := range map[string]string{"2001:240::1": "https://wide.example/", "2001:4000::1": "https://narrow.example/"} {
		if got := first(b.IPServers(netip.MustParseAddr(in))); got != want {
			t.Errorf("IPServers(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestUpdateRefusesBrokenRegistries(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":         `<html>`,
		"no publication":   `{"services":[[["com"],["https://x.example/"]]]}`,
		"no services":      `{"publication":"2030-01-01T00:00:00Z","services":[]}`,
		"mixed kinds":      `{"publication":"2030-01-01T00:00:00Z","services":[[["com","10.0.0.0/8"],["https://x.example/"]]]}`,
		"bad prefix":       `{"publication":"2030-01-01T00:00:00Z","services":[[["300.0.0.0/8"],["https://x.example/"]]]}`,
		"reversed range":   `{"publication":"2030-01-01T00:00:00Z","services":[[["20-10"],["https://x.example/"]]]}`,
		"overlapping ASNs": `{"publication":"2030-01-01T00:00:00Z","services":[[["1-10"],["https://x.example/"]],[["5-20"],["https://y.example/"]]]}`,
		"ftp server":       `{"publication":"2030-01-01T00:00:00Z","services":[[["com"],["ftp://x.example/"]]]}`,
		"no server":        `{"publication":"2030-01-01T00:00:00Z","services":[[["com"],[]]]}`,
		"short service":    `{"publication":"2030-01-01T00:00:00Z","services":[[["com"]]]}`,
	} {
		t.Run(name, func(t *testing.T) {
			b := newBootstrap(t)
			_, err := b.Update(strings.NewReader(body))
			var be *BootstrapError
			if !errors.As(err, &be) {
				t.Fatalf("Update = %v, want a BootstrapError", err)
			}
			if got := first(b.DomainServers("example.com")); got == "" {
				t.Error("a refused registry changed the one in use")
			}
		})
	}
}
