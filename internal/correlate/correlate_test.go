package correlate

import (
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

func TestIPKeyAndSpan(t *testing.T) {
	v4 := func(s string) observe.Observable { return observe.Observable{Type: observe.IPv4, Value: s} }
	if k := IPKey(v4("203.0.113.9")); k != "cb007109" {
		t.Errorf("IPKey(203.0.113.9) = %q", k)
	}
	span, ok := SpanOf(observe.Observable{Type: observe.CIDR, Value: "203.0.113.0/25"})
	if !ok || span.Type != observe.IPv4 || span.From != "cb007100" || span.To != "cb00717f" {
		t.Errorf("SpanOf(/25) = %+v, %v", span, ok)
	}
	for _, c := range []struct {
		ip   string
		want bool
	}{{"203.0.113.0", true}, {"203.0.113.127", true}, {"203.0.113.128", false}, {"203.0.112.255", false}} {
		k := IPKey(v4(c.ip))
		if in := k >= span.From && k <= span.To; in != c.want {
			t.Errorf("%s in 203.0.113.0/25 by key: %v, want %v", c.ip, in, c.want)
		}
	}
	span6, ok := SpanOf(observe.Observable{Type: observe.CIDR, Value: "2001:db8::/33"})
	if !ok || span6.Type != observe.IPv6 || len(span6.From) != 32 || span6.To != "20010db87fffffffffffffffffffffff" {
		t.Errorf("SpanOf(v6 /33) = %+v", span6)
	}
	if IPKey(observe.Observable{Type: observe.Domain, Value: "example.jp"}) != "" {
		t.Error("a domain has an address key")
	}
}

func TestRanges(t *testing.T) {
	r := Ranges(observe.Observable{Type: observe.IPv4, Value: "198.51.100.7"})
	if len(r) != 25 || r[0] != "198.0.0.0/8" || r[16] != "198.51.100.0/24" || r[24] != "198.51.100.7/32" {
		t.Errorf("Ranges = %v", r)
	}
	if r := Ranges(observe.Observable{Type: observe.IPv6, Value: "2001:db8::1"}); len(r) != 113 || r[0] != "2001::/16" {
		t.Errorf("IPv6 ranges: %d, first %q", len(r), r[0])
	}
	if Ranges(observe.Observable{Type: observe.CIDR, Value: "10.0.0.0/8"}) != nil {
		t.Error("a range has candidate ranges")
	}
}

func TestParseRef(t *testing.T) {
	for _, c := range []struct {
		in   string
		key  Key
		obs  observe.Observable
		okay bool
	}{
		{"report:42", Key{Report, 42}, observe.Observable{}, true},
		{"phone:090-1234-5678", Key{}, observe.Observable{Type: observe.Phone, Value: "+819012345678"}, true},
		{"domain:ＥＸＡＭＰＬＥ．ｊｐ", Key{}, observe.Observable{Type: observe.Domain, Value: "example.jp"}, true},
		{"url:hxxps://evil[.]jp/a", Key{}, observe.Observable{Type: observe.URL, Value: "https://evil.jp/a"}, true},
		{"report:0", Key{}, observe.Observable{}, false},
		{"report:-1", Key{}, observe.Observable{}, false},
		{"report:99999999999999999999", Key{}, observe.Observable{}, false},
		{"case:1", Key{}, observe.Observable{}, false},
		{"phone:not a number", Key{}, observe.Observable{}, false},
		{"phone:", Key{}, observe.Observable{}, false},
		{"090-1234-5678", Key{}, observe.Observable{}, false},
	} {
		k, o, ok := ParseRef(c.in)
		if k != c.key || o != c.obs || ok != c.okay {
			t.Errorf("ParseRef(%q) = %v %v %v, want %v %v %v", c.in, k, o, ok, c.key, c.obs, c.okay)
		}
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"report:1", "phone:090-1234-5678", "url:https://a.jp/", "cidr:10.0.0.0/8", ":", "report:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, o, ok := ParseRef(s)
		if !ok {
			return
		}
		if (k.ID > 0) == (o.Type != "") {
			t.Fatalf("ParseRef(%q) gave both or neither of a record and a value: %v %v", s, k, o)
		}
		if o.Type != "" {
			if again, err := observe.Normalize(o.Type, o.Value); err != nil || again != o.Value {
				t.Fatalf("ParseRef(%q) value %q is not canonical: %q %v", s, o.Value, again, err)
			}
		}
	})
}

func TestPolicy(t *testing.T) {
	var p Policy
	if p.CommonThreshold() != DefaultCommonAt || p.Common(DefaultCommonAt-1) || !p.Common(DefaultCommonAt) {
		t.Error("default common threshold")
	}
	o := observe.Observable{Type: observe.IPv4, Value: "8.8.8.8"}
	if !p.Links(o, 2) || p.Warnings(o) != nil {
		t.Error("without lists every value links")
	}
	p = Policy{Lists: lists{o: true}, CommonAt: 3}
	if p.Links(o, 2) || !p.Links(observe.Observable{Type: observe.IPv4, Value: "8.8.4.4"}, 2) || p.Links(observe.Observable{Type: observe.IPv4, Value: "8.8.4.4"}, 3) {
		t.Error("benign or common values link")
	}
}

type lists map[observe.Observable]bool

func (l lists) Match(o observe.Observable) []string {
	if l[o] {
		return []string{"test"}
	}
	return nil
}

func TestSlashMerged(t *testing.T) {
	for raw, want := range map[string]bool{
		"https:/kanri-check.jp/x":             true,
		"hxxp:/kanri-check.jp/http:/b.jp":     true,
		" http:/kanri-check.jp":               true,
		"https://kanri-check.jp/r?u=https:/b": false, // its own "//" arrived; the rest is how it was written
		"kanri-check.jp/a:/b":                 false,
		"1http:/kanri-check.jp":               false,
		":/kanri-check.jp":                    false,
		"https://kanri-check.jp/http://b.jp/": false,
	} {
		if got := slashMerged(raw); got != want {
			t.Errorf("slashMerged(%q) = %v, want %v", raw, got, want)
		}
	}
}
