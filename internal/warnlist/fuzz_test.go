package warnlist

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

func FuzzParseMISP(f *testing.F) {
	f.Add(mispJSON("nets", "cidr", nil, "10.0.0.0/8", "8.8.8.8", "2001:db8::/32"))
	f.Add(mispJSON("hosts", "hostname", []string{"domain"}, ".example.com", "例え.jp"))
	f.Add(mispJSON("strings", "string", []string{"domain", "url", "md5"}, "google.com", ".google.ad", "d41d8cd98f00b204e9800998ecf8427e"))
	f.Add(mispJSON("pieces", "substring", []string{"email-src"}, "0815.ru"))
	f.Add(mispJSON("re", "regex", []string{"phone-number"}, `/^\+1555/i`))
	f.Add([]byte(`{"name":"x","type":"cidr","list":[]}`))
	// Small real lists, read by path: never embedded.
	for _, name := range []string{"rfc1918", "rfc6761", "common-contact-emails", "phone_numbers", "automated-malware-analysis", "empty-hashes"} {
		if data, err := os.ReadFile(filepath.Join(mispDir, "lists", name, "list.json")); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseMISP(data)
		if err != nil {
			return
		}
		if l.Name == "" || len(l.Entries) == 0 || len(l.Types) == 0 || l.Source != SourceMISP {
			t.Fatalf("accepted a list without name, entries or types: %s", describe(l))
		}
		m := NewMatcher([]List{l})
		// A list matches its own entries, where an entry is a value.
		for _, e := range l.Entries {
			var o observe.Observable
			switch {
			case l.Kind == KindHostname && slices.Contains(l.Types, observe.Domain):
				o = observe.Observable{Type: observe.Domain, Value: e}
			case l.Kind == KindCIDR && slices.Contains(l.Types, observe.CIDR):
				o = observe.Observable{Type: observe.CIDR, Value: e}
			default:
				continue
			}
			if got := m.Match(o); !slices.Equal(got, []string{l.Name}) {
				t.Fatalf("list %s does not match its entry %v: %q", describe(l), o, got)
			}
		}
	})
}

// fuzzMatcher holds one list of each kind: koban's own and the test lists.
var fuzzMatcher = sync.OnceValue(func() *Matcher {
	return NewMatcher(append(Builtin(), testLists()...))
})

func FuzzMatch(f *testing.F) {
	types := observe.Types()
	for _, s := range []struct {
		t observe.Type
		v string
	}{
		{observe.IPv4, "10.1.2.3"}, {observe.IPv6, "::ffff:10.0.0.1"}, {observe.CIDR, "10.0.0.0/7"},
		{observe.Domain, "www.example.com"}, {observe.URL, "https://[2001:db8::1]/"}, {observe.URL, "https://example.com:8443/"},
		{observe.Email, "ABUSE@example.net"}, {observe.Phone, "+12125550123"}, {observe.MD5, "d41d8cd98f00b204e9800998ecf8427e"},
		{observe.URL, "https://virustotal.com/"}, {observe.Domain, ".."}, {observe.URL, "://"},
	} {
		f.Add(uint8(slices.Index(types, s.t)), s.v)
	}
	f.Fuzz(func(t *testing.T, ti uint8, v string) {
		m := fuzzMatcher()
		typ := types[int(ti)%len(types)]
		check := func(v string) {
			got := m.Match(observe.Observable{Type: typ, Value: v})
			if got != nil && len(got) == 0 {
				t.Fatalf("Match(%s %q) returned an empty non-nil slice", typ, v)
			}
			seen := map[string]bool{}
			for _, n := range got {
				if seen[n] {
					t.Fatalf("Match(%s %q) = %q: %q twice", typ, v, got, n)
				}
				seen[n] = true
			}
		}
		check(v)
		if c, err := observe.Normalize(typ, v); err == nil {
			check(c)
		}
	})
}
