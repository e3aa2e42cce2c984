package pattern

import (
	"reflect"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

func obsv(t observe.Type, v string) observe.Observable { return observe.Observable{Type: t, Value: v} }

func TestTerms(t *testing.T) {
	p := MustParse(`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f' OR file:name NOT = 'x' OR file:size > 3] AND [url:value IN ('http://a.example/', 'http://b.example/') AND url:value != 'c']`)
	want := []Term{
		{Type: "file", Path: "hashes.MD5", Value: Value{Kind: String, Str: "cead3f77f6cda6ec00f57d76c9a6879f"}},
		{Type: "url", Path: "value", Value: Value{Kind: String, Str: "http://a.example/"}},
		{Type: "url", Path: "value", Value: Value{Kind: String, Str: "http://b.example/"}},
	}
	if got := p.Terms(); !reflect.DeepEqual(got, want) {
		t.Errorf("Terms:\n got  %+v\n want %+v", got, want)
	}
}

func TestObservables(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    []observe.Observable
	}{
		{`[ipv4-addr:value = '198.51.100.7']`, []observe.Observable{obsv(observe.IPv4, "198.51.100.7")}},
		{`[ipv4-addr:value = '203.0.113.33/32']`, []observe.Observable{obsv(observe.IPv4, "203.0.113.33")}},
		{`[ipv4-addr:value = '198.51.100.9/24']`, []observe.Observable{obsv(observe.CIDR, "198.51.100.0/24")}},
		{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, []observe.Observable{obsv(observe.CIDR, "198.51.100.0/24")}},
		{`[ipv4-addr:value = '2001:db8::1']`, nil},
		{`[ipv6-addr:value = '2001:0DB8::1']`, []observe.Observable{obsv(observe.IPv6, "2001:db8::1")}},
		{`[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`, []observe.Observable{obsv(observe.CIDR, "2001:db8:dead:beef::/64")}},
		{`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'Example.COM']`, []observe.Observable{obsv(observe.Domain, "example.com")}},
		{`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`,
			[]observe.Observable{obsv(observe.Domain, "www.5z8.info"), obsv(observe.IPv4, "198.51.100.1")}},
		{`[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`,
			[]observe.Observable{obsv(observe.URL, "http://example.com/foo"), obsv(observe.URL, "http://example.com/bar")}},
		{`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`, []observe.Observable{obsv(observe.Email, "jdoe@example.com")}},
		{`[email-message:from_ref.value = 'a@example.com'] OR [email-addr:value = 'a@example.com']`, []observe.Observable{obsv(observe.Email, "a@example.com")}},
		{`[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']`,
			[]observe.Observable{obsv(observe.SHA256, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f")}},
		{`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f' OR artifact:hashes.'sha-1' = '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12' OR file:hashes.SHA512 IN ('` + sha512 + `')]`,
			[]observe.Observable{obsv(observe.MD5, "cead3f77f6cda6ec00f57d76c9a6879f"), obsv(observe.SHA1, "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"), obsv(observe.SHA512, sha512)}},
		{`[file:hashes.'SHA3-256' = '` + sha512[:64] + `']`, nil},
		{`[x-koban-phone-number:value = '+81312345678']`, []observe.Observable{obsv(observe.Phone, "+81312345678")}},
		{`[x-koban-bank-account:bank_code = '0001' AND x-koban-bank-account:branch_code = '123' AND x-koban-bank-account:account_type = 'ordinary' AND x-koban-bank-account:account_number = '1234567']`,
			[]observe.Observable{obsv(observe.BankAccount, "0001-123-1-1234567")}},
		{`[x-koban-bank-account:account_number = '1234567']`, nil},
		{`[x-koban-bank-account:value = '0001-123-1-1234567']`, []observe.Observable{obsv(observe.BankAccount, "0001-123-1-1234567")}},
		{`[x-koban-bank-account:value = 'name:みずほ銀行/新宿支店/1/1234567']`, []observe.Observable{obsv(observe.BankAccount, "name:みずほ銀行/新宿支店/1/1234567")}},
		{`[x-koban-cryptocurrency-wallet:value = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa' OR x-koban-cryptocurrency-wallet:value = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t']`,
			[]observe.Observable{obsv(observe.BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), obsv(observe.TRX, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")}},
		{`[x-koban-cryptocurrency-wallet:value = 'not an address']`, nil},
		{`[x-koban-bank-account:bank_code = '0001' AND x-koban-bank-account:branch_code = '123' AND x-koban-bank-account:account_type = '2' AND x-koban-bank-account:account_number = '45']`,
			[]observe.Observable{obsv(observe.BankAccount, "0001-123-2-0000045")}},
		{`[domain-name:value != 'example.com' AND domain-name:value NOT = 'x.example']`, nil},
		{`[domain-name:value = 'not a domain']`, nil},
		{`[file:name = 'a.exe']`, nil},
	} {
		got := MustParse(tc.pattern).Observables()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got  %v\n want %v", tc.pattern, got, tc.want)
		}
	}
}

const sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"

var (
	ip   = obsv(observe.IPv4, "198.51.100.7")
	bank = obsv(observe.BankAccount, "0001-123-1-0012345")
)

// matchObservableCases are patterns, an observable and whether it alone satisfies the pattern.
var matchObservableCases = []struct {
	pattern string
	o       observe.Observable
	want    bool
}{
	{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, ip, true},
	{`[ipv4-addr:value ISSUBSET '198.51.101.0/24']`, ip, false},
	{`[ipv4-addr:value NOT ISSUBSET '198.51.101.0/24']`, ip, true},
	{`[ipv4-addr:value = '198.51.100.7']`, ip, true},
	{`[ipv4-addr:value = '198.51.100.7/32']`, ip, true},
	{`[ipv4-addr:value = '198.51.100.8']`, ip, false},
	{`[ipv4-addr:value != '198.51.100.8']`, ip, true},
	{`[ipv4-addr:value IN ('10.0.0.1', '198.51.100.7')]`, ip, true},
	{`[ipv6-addr:value = '198.51.100.7']`, ip, false},
	{`[network-traffic:dst_ref.value = '198.51.100.7']`, ip, true},
	{`[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']`, ip, true},
	{`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`, obsv(observe.IPv4, "203.0.113.33"), true},
	{`[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`, obsv(observe.IPv4, "203.0.113.33"), false},
	{`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com']`, obsv(observe.Domain, "example.com"), true},
	{`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS`, obsv(observe.Domain, "example.com"), false},
	{`[network-traffic:dst_ref.type = 'ipv6-addr']`, obsv(observe.CIDR, "2001:db8::/32"), true},
	{`[domain-name:resolves_to_refs[*].value = '198.51.100.7']`, ip, true},
	{`[EXISTS ipv4-addr:value]`, ip, true},
	{`[NOT EXISTS ipv4-addr:value]`, ip, false},
	{`[ipv4-addr:value MATCHES '^198\\.51\\.']`, ip, true},
	{`[ipv4-addr:value LIKE '198.51.100.%']`, ip, true},
	{`[ipv4-addr:value = '198.51.100.7' AND ipv4-addr:x_seen = true]`, ip, false},
	{`[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:x_seen = true]`, ip, true},
	{`[ipv4-addr:value = '198.51.100.7'] OR [file:name = 'x']`, ip, true},
	{`[ipv4-addr:value = '198.51.100.7'] AND [file:name = 'x']`, ip, false},
	{`[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.7']`, ip, false},
	{`[ipv4-addr:value = '198.51.100.7'] WITHIN 10 SECONDS`, ip, true},
	{`[ipv4-addr:value = '198.51.100.7'] REPEATS 1 TIMES`, ip, true},
	{`[ipv4-addr:value = '198.51.100.7'] REPEATS 2 TIMES`, ip, false},
	{`[ipv4-addr:value = '198.51.100.7'] START t'2024-01-01T00:00:00Z' STOP t'2025-01-01T00:00:00Z'`, ip, false},
	{`[ipv4-addr:value = '198.51.100.0/24']`, obsv(observe.CIDR, "198.51.100.0/24"), true},
	{`[ipv4-addr:value ISSUBSET '198.51.0.0/16']`, obsv(observe.CIDR, "198.51.100.0/24"), true},
	{`[ipv6-addr:value ISSUBSET '198.51.0.0/16']`, obsv(observe.CIDR, "198.51.100.0/24"), false},
	{`[domain-name:value = 'EXAMPLE.com']`, obsv(observe.Domain, "example.com"), true},
	{`[domain-name:value = 'example.com']`, obsv(observe.URL, "http://example.com/"), false},
	{`[url:value = 'HTTP://Example.com:80/a']`, obsv(observe.URL, "http://example.com/a"), true},
	{`[email-message:from_ref.value = 'jdoe@Example.com']`, obsv(observe.Email, "jdoe@example.com"), true},
	{`[email-message:from_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`, obsv(observe.Email, "jdoe@example.com"), false},
	{`[email-addr:value MATCHES '.+\\@example\\.com$']`, obsv(observe.Email, "jdoe@example.com"), true},
	{`[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']`, obsv(observe.MD5, "cead3f77f6cda6ec00f57d76c9a6879f"), true},
	{`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']`,
		obsv(observe.SHA256, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"), false},
	{`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']`, obsv(observe.SHA1, "cead3f77f6cda6ec00f57d76c9a6879f00000000"), false},
	{`[x-koban-phone-number:value = '+81-3-1234-5678']`, obsv(observe.Phone, "+81312345678"), true},
	{`[x-koban-bank-account:bank_code = '0001' AND x-koban-bank-account:branch_code = '123' AND x-koban-bank-account:account_type = '普通' AND x-koban-bank-account:account_number = '12345']`, bank, true},
	{`[x-koban-bank-account:bank_code = '0001' AND x-koban-bank-account:account_number = '0012345']`, bank, true},
	{`[x-koban-bank-account:bank_code = '0001' AND x-koban-bank-account:account_type = 'current']`, bank, false},
	{`[x-koban-bank-account:account_number = '12345']`, obsv(observe.BankAccount, "name:みずほ銀行/新宿支店/1/0012345"), false},
	{`[x-koban-bank-account:value = 'name:みずほ銀行/新宿支店/1/0012345']`, obsv(observe.BankAccount, "name:みずほ銀行/新宿支店/1/0012345"), true},
	{`[x-koban-cryptocurrency-wallet:value = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa']`, obsv(observe.BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), true},
	{`[x-koban-cryptocurrency-wallet:value = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa']`, obsv(observe.TRX, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"), false},
}

func TestMatchObservable(t *testing.T) {
	for _, tc := range matchObservableCases {
		if got := MatchObservable(MustParse(tc.pattern), tc.o); got != tc.want {
			t.Errorf("%s on %v = %v, want %v", tc.pattern, tc.o, got, tc.want)
		}
	}

	p := MustParse(`[ipv4-addr:value = '198.51.100.7'] START t'2024-01-01T00:00:00Z' STOP t'2025-01-01T00:00:00Z'`)
	if !MatchObservableAt(p, ip, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("seen inside START/STOP: no match")
	}
	if MatchObservableAt(p, ip, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("seen at STOP: match")
	}
}

// When a pattern is Indexable, every observable MatchObservable accepts is
// one Observables lists or lies in a network it lists.
func TestObservablesAgreeWithMatchObservable(t *testing.T) {
	for _, tc := range matchObservableCases {
		p := MustParse(tc.pattern)
		if !p.Indexable() || !MatchObservable(p, tc.o) {
			continue
		}
		if !covered(tc.o, p.Observables()) {
			t.Errorf("%s: indexable, matches %v, but lists only %v", tc.pattern, tc.o, p.Observables())
		}
	}
	indexable := 0
	for _, src := range specExamples(t) {
		if MustParse(src).Indexable() {
			indexable++
		}
	}
	if indexable < 10 {
		t.Errorf("only %d spec examples indexable", indexable)
	}
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`[ipv4-addr:value = '198.51.100.7']`, true},
		{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, true},
		{`[ipv4-addr:value = '198.51.100.7' OR domain-name:value LIKE '%.example']`, false},
		{`[ipv4-addr:value != '198.51.100.7']`, false},
		{`[ipv4-addr:value = '198.51.100.7' AND ipv4-addr:value LIKE '198.%']`, true},
		{`[ipv4-addr:value LIKE '198.%' AND ipv4-addr:value NOT = '1.2.3.4']`, false},
		{`[ipv4-addr:value = '198.51.100.7' AND ipv4-addr:x LIKE '%.example']`, true},
		{`[file:name = 'a' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']`, true},
		{`[file:name = 'a'] AND [file:name LIKE 'b%']`, true},
		{`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] OR [url:value MATCHES 'x']`, false},
		{`[x-koban-bank-account:account_number = '1234567']`, false},
		{`[x-koban-bank-account:value = '0001-123-1-1234567']`, true},
		{`[x-koban-cryptocurrency-wallet:value = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa']`, true},
		{`[x-koban-bank-account:bank_code = '0001' AND x-koban-bank-account:branch_code = '123' AND x-koban-bank-account:account_type = '1' AND x-koban-bank-account:account_number = '1234567']`, true},
	} {
		if got := MustParse(tc.pattern).Indexable(); got != tc.want {
			t.Errorf("Indexable(%s) = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}

// covered reports whether o is one of list or lies in a network of it.
func covered(o observe.Observable, list []observe.Observable) bool {
	for _, x := range list {
		if x == o {
			return true
		}
		if x.Type == observe.CIDR {
			n, ok1 := prefix(x.Value)
			a, ok2 := prefix(o.Value)
			if ok1 && ok2 && a.Bits() >= n.Bits() && n.Contains(a.Addr()) {
				return true
			}
		}
	}
	return false
}
