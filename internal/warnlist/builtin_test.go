package warnlist

import (
	"slices"
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

func TestBuiltin(t *testing.T) {
	lists := Builtin()
	if len(lists) == 0 {
		t.Fatal("no builtin lists")
	}
	seen := map[string]bool{}
	for _, l := range lists {
		if l.Source != SourceKoban || l.Name == "" || l.Description == "" || len(l.Entries) == 0 || len(l.Skipped) != 0 {
			t.Errorf("bad builtin list: %s", describe(l))
		}
		if seen[l.Name] {
			t.Errorf("two builtin lists named %q", l.Name)
		}
		seen[l.Name] = true
	}

	// Builtin hands out copies: changing one does not change the next.
	lists[0].Entries[0] = "changed"
	lists[0].Types[0] = observe.Phone
	if again := Builtin(); again[0].Entries[0] == "changed" || again[0].Types[0] == observe.Phone {
		t.Error("Builtin returned shared slices")
	}
}

func TestBuiltinMatch(t *testing.T) {
	m := NewMatcher(Builtin())
	const (
		special   = "koban: special-use IP ranges"
		resolvers = "koban: public DNS resolvers"
		examples  = "koban: reserved example names"
		platforms = "koban: major platforms"
	)
	tests := []struct {
		typ   observe.Type
		value string
		want  []string
	}{
		{observe.IPv4, "10.0.0.1", []string{special}},
		{observe.IPv4, "192.168.1.1", []string{special}},
		{observe.IPv4, "172.31.255.255", []string{special}},
		{observe.IPv4, "172.32.0.1", nil},
		{observe.IPv4, "100.64.0.1", []string{special}},
		{observe.IPv4, "100.128.0.1", nil},
		{observe.IPv4, "127.0.0.1", []string{special}},
		{observe.IPv4, "169.254.169.254", []string{special}},
		{observe.IPv4, "192.0.2.10", []string{special}},
		{observe.IPv4, "198.51.100.7", []string{special}},
		{observe.IPv4, "203.0.113.255", []string{special}},
		{observe.IPv4, "203.0.114.1", nil},
		{observe.IPv4, "224.0.0.251", []string{special}},
		{observe.IPv4, "255.255.255.255", []string{special}},
		{observe.IPv4, "0.0.0.0", []string{special}},
		{observe.IPv6, "::", []string{special}},
		{observe.IPv6, "::1", []string{special}},
		{observe.IPv6, "2001:db8::1", []string{special}},
		{observe.IPv6, "fe80::1", []string{special}},
		{observe.IPv6, "fd12:3456::1", []string{special}},
		{observe.IPv6, "ff02::1", []string{special}},
		{observe.IPv6, "::ffff:192.168.0.1", []string{special}},
		{observe.IPv6, "2400:4050::1", nil},
		{observe.CIDR, "192.168.0.0/24", []string{special}},
		{observe.CIDR, "8.0.0.0/8", nil},
		{observe.URL, "http://192.168.1.1/", []string{special}},
		{observe.URL, "http://192.168.1.1/admin", nil},

		{observe.IPv4, "8.8.8.8", []string{resolvers}},
		{observe.IPv4, "8.8.8.9", nil},
		{observe.IPv4, "1.1.1.1", []string{resolvers}},
		{observe.IPv4, "208.67.222.222", []string{resolvers}},
		{observe.IPv6, "2001:4860:4860::8888", []string{resolvers}},
		{observe.IPv6, "2606:4700:4700::1111", []string{resolvers}},
		{observe.CIDR, "8.8.8.8/32", []string{resolvers}},
		{observe.URL, "https://1.1.1.1/", []string{resolvers}},

		{observe.Domain, "example.com", []string{examples}},
		{observe.Domain, "www.example.org", []string{examples}},
		{observe.Email, "taro@example.com", []string{examples}},
		{observe.Domain, "evil-example.jp", nil},
		{observe.Domain, "example.com.evil.jp", nil},

		{observe.Domain, "www.google.com", []string{platforms}},
		{observe.Domain, "line.me", []string{platforms}},
		{observe.Domain, "amazon.co.jp", []string{platforms}},
		{observe.Domain, "gmail.com", []string{platforms}},
		{observe.Domain, "docomo.ne.jp", []string{platforms}},
		{observe.URL, "https://www.google.com/", []string{platforms}},
		{observe.URL, "https://www.amazon.co.jp", []string{platforms}},
		{observe.URL, "https://docs.google.com/forms/d/e/1FAIpQL/viewform", nil},
		{observe.URL, "https://www.google.com/url?q=https://evil.jp/", nil},
		{observe.URL, "https://accounts.google.com.evil.jp/", nil},
		{observe.Domain, "amazon-co-jp.top", nil},
		{observe.Domain, "evil.blogspot.com", nil},
		{observe.Email, "taro@gmail.com", nil},
		{observe.Email, "yamada@docomo.ne.jp", nil},

		{observe.Phone, "+819012345678", nil},
	}
	for _, tt := range tests {
		got := m.Match(observe.Observable{Type: tt.typ, Value: tt.value})
		if !slices.Equal(got, tt.want) {
			t.Errorf("Match(%s %q) = %q, want %q", tt.typ, tt.value, got, tt.want)
		}
	}
}

func TestParseKobanErrors(t *testing.T) {
	for _, data := range []string{
		`{"lists":[{"name":"x","kind":"cidr","types":["ipv4"],"list":["10.0.0.0/8","bad"]}]}`,
		`{"lists":[{"name":"x","kind":"cidr","types":["nosuch"],"list":["10.0.0.0/8"]}]}`,
		`{"lists":[{"name":"","kind":"cidr","types":["ipv4"],"list":["10.0.0.0/8"]}]}`,
		`{"lists":`,
	} {
		if _, err := parseKoban([]byte(data)); err == nil {
			t.Errorf("parseKoban accepted %s", data)
		}
	}
}
