package egress

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want Reason
	}{
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"2606:4700:4700::1111", ""},
		{"127.0.0.1", Loopback},
		{"127.255.255.254", Loopback},
		{"::1", Loopback},
		{"::ffff:127.0.0.1", Loopback},
		{"::ffff:7f00:1", Loopback},
		{"::ffff:10.1.2.3", Private},
		{"::ffff:8.8.8.8", ""},
		{"10.0.0.1", Private},
		{"172.31.255.255", Private},
		{"172.32.0.1", ""},
		{"192.168.1.1", Private},
		{"fd00:ec2::254", Private},
		{"fc00::1", Private},
		{"fec0::1", Private},
		{"169.254.169.254", LinkLocal},
		{"fe80::1", LinkLocal},
		{"fe80::1%eth0", LinkLocal},
		{"0.0.0.0", Unspecified},
		{"0.1.2.3", Unspecified},
		{"::", Unspecified},
		{"224.0.0.1", Multicast},
		{"239.255.255.250", Multicast},
		{"ff02::1", Multicast},
		{"255.255.255.255", Broadcast},
		{"100.64.0.1", Shared},
		{"100.127.255.255", Shared},
		{"100.128.0.1", ""},
		{"198.18.0.1", Benchmarking},
		{"198.19.255.255", Benchmarking},
		{"2001:2::1", Benchmarking},
		{"192.0.2.1", Documentation},
		{"198.51.100.7", Documentation},
		{"203.0.113.9", Documentation},
		{"2001:db8::1", Documentation},
		{"3fff::1", Documentation},
		{"240.0.0.1", Reserved},
		{"192.0.0.8", Reserved},
		{"::127.0.0.1", Reserved}, // IPv4-compatible, deprecated
		{"100::1", Reserved},
		{"4000::1", Reserved}, // outside global unicast
		{"2001::1", Tunnel},
		// NAT64 and 6to4 are judged by the IPv4 address inside.
		{"64:ff9b::7f00:1", Loopback},
		{"64:ff9b::a9fe:a9fe", LinkLocal},
		{"64:ff9b::808:808", ""},
		{"64:ff9b:1::1", Private},
		{"2002:c0a8:101::1", Private},
		{"2002:808:808::1", ""},
	} {
		a := netip.MustParseAddr(tc.addr)
		if got := Classify(a); got != tc.want {
			t.Errorf("Classify(%s) = %q, want %q", tc.addr, got, tc.want)
		}
	}
	if got := Classify(netip.Addr{}); got != Reserved {
		t.Errorf("the zero address: %q", got)
	}
}

// TestClassifyWarningLists checks the special-purpose ranges MISP's warning
// lists name (RFC 1918, RFC 5735, RFC 6598, RFC 3849, multicast, IPv6
// link-local): the first and last address of each is refused, and so is
// its IPv4-mapped form.
func TestClassifyWarningLists(t *testing.T) {
	for _, name := range []string{"rfc1918", "rfc5735", "rfc6598", "rfc3849", "multicast", "ipv6-linklocal"} {
		for _, p := range warningList(t, name) {
			first, last := p.Masked().Addr(), lastAddr(p)
			for _, a := range []netip.Addr{first, last} {
				if r := Classify(a); r == "" {
					t.Errorf("%s: %s (from %s) classified public", name, a, p)
				}
				if a.Is4() {
					m := netip.AddrFrom16(a.As16())
					if Classify(m) != Classify(a) {
						t.Errorf("%s: mapped %s classified %q, unmapped %q", name, m, Classify(m), Classify(a))
					}
				}
			}
		}
	}
	// Public resolvers are public (the few that sit in special ranges
	// are counted, not allowed, and must stay few).
	for _, name := range []string{"public-dns-v4", "public-dns-v6"} {
		list := warningList(t, name)
		refused := 0
		for _, p := range list {
			if Classify(p.Addr()) != "" {
				refused++
			}
		}
		if len(list) < 100 || refused*1000 > len(list) {
			t.Errorf("%s: %d of %d addresses refused", name, refused, len(list))
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func warningList(t testing.TB, name string) []netip.Prefix {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedData(t), "misp", "misp-warninglists", "lists", name, "list.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wl struct {
		List []string `json:"list"`
	}
	if err := json.Unmarshal(b, &wl); err != nil {
		t.Fatal(err)
	}
	var out []netip.Prefix
	for _, s := range wl.List {
		ps, err := ParseAllow(s)
		if err != nil || len(ps) != 1 {
			t.Fatalf("%s: %q: %v", name, s, err)
		}
		out = append(out, ps[0])
	}
	return out
}

// sharedData is ../shared/data seen from the module root.
func sharedData(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package")
		}
		dir = parent
	}
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow(" 10.20.0.0/16, 192.0.2.7 ,,::ffff:172.16.0.0/108, 2001:db8::/32 ")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.20.0.0/16", "192.0.2.7/32", "172.16.0.0/12", "2001:db8::/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("item %d = %s, want %s", i, got[i], want[i])
		}
	}
	if !allowed(got, netip.MustParseAddr("::ffff:10.20.3.4")) || allowed(got, netip.MustParseAddr("10.21.0.1")) {
		t.Error("allowed() does not follow the list")
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0/8", "::ffff:10.0.0.0/8"} {
		if _, err := ParseAllow(bad); err == nil {
			t.Errorf("ParseAllow(%q) accepted", bad)
		}
	}
	if ps, err := ParseAllow(""); err != nil || len(ps) != 0 {
		t.Errorf("empty list: %v, %v", ps, err)
	}
}

func FuzzParseAllow(f *testing.F) {
	for _, name := range []string{"rfc1918", "rfc5735", "rfc3849", "ipv6-linklocal"} {
		for _, p := range warningList(f, name) {
			f.Add(p.String())
		}
	}
	f.Add("10.0.0.1, ::ffff:10.0.0.0/104,2001:db8::1")
	f.Add("fe80::1%eth0")
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseAllow(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() {
				t.Fatalf("ParseAllow(%q) gave %v", s, p)
			}
			// Every allowed prefix's own address is allowed.
			if !allowed(ps, p.Addr()) {
				t.Fatalf("%v not allowed by its own list", p)
			}
		}
	})
}

func FuzzClassify(f *testing.F) {
	for _, name := range []string{"rfc5735", "rfc3849", "ipv6-linklocal"} {
		for _, p := range warningList(f, name) {
			f.Add(p.Addr().AsSlice())
		}
	}
	f.Add([]byte{8, 8, 8, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		r := Classify(a)
		if a.Is4() && Classify(netip.AddrFrom16(a.As16())) != r {
			t.Fatalf("%s and its mapped form differ", a)
		}
		if a.Is4() {
			// The NAT64 form of an address is judged like the address.
			v4 := a.As4()
			n := netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 10: 0, 11: 0, 12: v4[0], 13: v4[1], 14: v4[2], 15: v4[3]})
			if Classify(n) != r {
				t.Fatalf("%s: NAT64 %s classified %q, want %q", a, n, Classify(n), r)
			}
		}
	})
}
