package warnlist

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

// testLists are one small list of each kind, parsed from MISP JSON.
func testLists() []List {
	var lists []List
	for _, data := range [][]byte{
		mispJSON("nets", "cidr", []string{"ip-src", "ip-dst"}, "10.0.0.0/8", "192.0.2.1", "2001:db8::/32"),
		mispJSON("hosts", "hostname", []string{"domain", "url"}, "example.com", ".bmw.de"),
		mispJSON("mail hosts", "hostname", nil, "example.org"),
		mispJSON("strings", "string", []string{"domain", "url", "email-src"}, "google.com", ".google.ad", "https://www.google.com/maps", "Abuse@Example.net"),
		mispJSON("hashes", "string", []string{"md5", "sha256"}, "d41d8cd98f00b204e9800998ecf8427e"),
		mispJSON("pieces", "substring", []string{"domain", "url", "email-dst"}, "virustotal", "0815.ru"),
		mispJSON("fictional phones", "regex", []string{"phone-number"}, `/((?:\+|00)1)?([0-9]{3})55501([0-9]{2})/g`),
		mispJSON("contacts", "regex", []string{"email-dst"}, `/^(security|abuse)\@.*$/i`),
	} {
		l, err := ParseMISP(data)
		if err != nil {
			panic(err) // the test data above is wrong
		}
		lists = append(lists, l)
	}
	return lists
}

func TestMatch(t *testing.T) {
	m := NewMatcher(testLists())
	tests := []struct {
		typ   observe.Type
		value string
		want  []string
	}{
		// cidr lists: containment, for addresses and networks.
		{observe.IPv4, "10.1.2.3", []string{"nets"}},
		{observe.IPv4, "11.0.0.1", nil},
		{observe.IPv4, "192.0.2.1", []string{"nets"}},
		{observe.IPv4, "192.0.2.2", nil},
		{observe.IPv6, "2001:db8::1", []string{"nets"}},
		{observe.IPv6, "2001:db9::1", nil},
		{observe.IPv6, "::ffff:10.0.0.1", []string{"nets"}},
		{observe.CIDR, "10.1.0.0/16", []string{"nets"}},
		{observe.CIDR, "10.0.0.0/8", []string{"nets"}},
		{observe.CIDR, "10.0.0.0/7", nil},
		{observe.CIDR, "192.0.2.0/24", nil},
		{observe.CIDR, "2001:db8:1::/48", []string{"nets"}},
		{observe.URL, "http://10.0.0.1/", nil}, // the MISP list is about addresses, not URLs

		// hostname lists: the name and every name under it, on label boundaries.
		{observe.Domain, "example.com", []string{"hosts"}},
		{observe.Domain, "www.example.com", []string{"hosts"}},
		{observe.Domain, "evil-example.com", nil},
		{observe.Domain, "example.com.evil.jp", nil},
		{observe.Domain, "bmw.de", []string{"hosts"}},
		{observe.Domain, "m.bmw.de", []string{"hosts"}},
		{observe.URL, "https://www.example.com/", []string{"hosts"}},
		{observe.URL, "https://example.com", []string{"hosts"}},
		{observe.URL, "https://example.com/login", nil},
		{observe.URL, "https://example.com/?q=1", nil},
		{observe.URL, "https://user@example.com/", nil},
		{observe.URL, "https://example.com:8443/", nil},
		{observe.Email, "taro@example.com", nil}, // the list does not name e-mail
		{observe.Email, "taro@mail.example.org", []string{"mail hosts"}},
		{observe.Domain, "example.org", []string{"mail hosts"}},

		// string lists: whole values; ".name" entries cover names under them.
		{observe.Domain, "google.com", []string{"strings"}},
		{observe.Domain, "www.google.com", nil},
		{observe.Domain, "google.ad", []string{"strings"}},
		{observe.Domain, "www.google.ad", []string{"strings"}},
		{observe.URL, "https://google.com/", []string{"strings"}},
		{observe.URL, "https://www.google.com/maps", []string{"strings"}},
		{observe.URL, "https://www.google.com/maps/x", nil},
		{observe.Email, "abuse@example.net", []string{"strings", "contacts"}},
		{observe.Email, "ABUSE@example.net", []string{"strings", "contacts"}},
		{observe.Email, "taro@google.com", nil},
		{observe.MD5, "d41d8cd98f00b204e9800998ecf8427e", []string{"hashes"}},
		{observe.SHA1, "d41d8cd98f00b204e9800998ecf8427e", nil},

		// substring lists: anywhere in the value, but only the host of a URL.
		{observe.Domain, "www.virustotal.com", []string{"pieces"}},
		{observe.Domain, "virustotal.evil.jp", []string{"pieces"}},
		{observe.Domain, "WWW.VIRUSTOTAL.COM", []string{"pieces"}},
		{observe.URL, "https://virustotal.com/", []string{"pieces"}},
		{observe.URL, "https://evil.jp/virustotal", nil},
		{observe.Email, "x@0815.ru", []string{"pieces"}},
		{observe.X, "virustotal", nil},

		// regex lists: the whole value.
		{observe.Phone, "+12125550123", []string{"fictional phones"}},
		{observe.Phone, "+819055501234", nil}, // "55501" inside a Japanese number
		{observe.Email, "security@foo.jp", []string{"contacts"}},
		{observe.Email, "x.security@foo.jp", nil},
		{observe.Domain, "security.jp", nil},

		// values no list is about.
		{observe.Phone, "+819012345678", nil},
		{observe.Type("nosuch"), "example.com", nil},
		{observe.Domain, "", nil},
	}
	for _, tt := range tests {
		got := m.Match(observe.Observable{Type: tt.typ, Value: tt.value})
		if !slices.Equal(got, tt.want) {
			t.Errorf("Match(%s %q) = %q, want %q", tt.typ, tt.value, got, tt.want)
		}
	}
	var nilMatcher *Matcher
	if got := nilMatcher.Match(observe.Observable{Type: observe.Domain, Value: "example.com"}); got != nil {
		t.Errorf("nil Matcher: %q", got)
	}
}

func TestMatchOrder(t *testing.T) {
	var lists []List
	for _, data := range [][]byte{
		mispJSON("b", "hostname", nil, "example.com"),
		mispJSON("a", "string", []string{"domain"}, "example.com", ".example.com"),
		mispJSON("b", "string", []string{"domain"}, "example.com"),
		mispJSON("c", "substring", []string{"domain"}, "exam", "ample", "example"),
	} {
		l, err := ParseMISP(data)
		if err != nil {
			t.Fatal(err)
		}
		lists = append(lists, l)
	}
	got := NewMatcher(lists).Match(observe.Observable{Type: observe.Domain, Value: "example.com"})
	if want := []string{"b", "a", "c"}; !slices.Equal(got, want) {
		t.Errorf("Match = %q, want %q: list order, each name once", got, want)
	}
}

func TestMatchAllocs(t *testing.T) {
	m := NewMatcher(append(Builtin(), testLists()...))
	for _, o := range []observe.Observable{
		{Type: observe.Domain, Value: "www.koban-test.jp"},
		{Type: observe.IPv4, Value: "203.0.114.1"},
		{Type: observe.URL, Value: "https://koban-test.jp/"},
		{Type: observe.Email, Value: "taro@koban-test.jp"},
		{Type: observe.Phone, Value: "+819012345678"},
	} {
		if n := testing.AllocsPerRun(100, func() { m.Match(o) }); n != 0 {
			t.Errorf("Match(%v) allocates %v times when nothing matches", o, n)
		}
	}
}

// TestSubstrings checks the automaton against strings.Contains on random
// entries and values over a small alphabet, where overlaps are frequent.
func TestSubstrings(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, 1+r.IntN(n))
		for i := range b {
			b[i] = "abAB."[r.IntN(5)]
		}
		return string(b)
	}
	for round := 0; round < 200; round++ {
		a := newSubstrings()
		entries := make([]string, 1+r.IntN(20))
		for i := range entries {
			entries[i] = strings.ToLower(word(6))
			a.add(entries[i], int32(i))
		}
		a.finish()
		for range 20 {
			v := word(30)
			var want []int32
			for i, e := range entries {
				if strings.Contains(strings.ToLower(v), e) {
					want = append(want, int32(i))
				}
			}
			got := a.find(nil, v)
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, want) {
				t.Fatalf("entries %q, value %q: found %v, want %v", entries, v, got, want)
			}
		}
	}
}
