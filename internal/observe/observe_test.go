package observe

import (
	"errors"
	"reflect"
	"testing"
)

// o builds an Observable for the tables.
func o(t Type, v string) Observable { return Observable{t, v} }

type extractCase struct {
	name string
	in   string
	want []Observable
}

func runExtract(t *testing.T, cases []extractCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Extract(c.in)
			if len(got) == 0 && len(c.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Extract(%q)\n got  %v\n want %v", c.in, got, c.want)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	runExtract(t, []extractCase{
		// IPv4
		{"ipv4/plain", "from 192.168.0.1 today", []Observable{o(IPv4, "192.168.0.1")}},
		{"ipv4/leading zeros", "010.001.002.003", []Observable{o(IPv4, "10.1.2.3")}},
		{"ipv4/with port", "192.168.0.1:9090", []Observable{o(IPv4, "192.168.0.1")}},
		{"ipv4/sentence end", "It came from 8.8.8.8.", []Observable{o(IPv4, "8.8.8.8")}},
		{"ipv4/defanged [.]", "1[.]1[.]1[.]1", []Observable{o(IPv4, "1.1.1.1")}},
		{"ipv4/defanged (.)", "1(.)1(.)1(.)1", []Observable{o(IPv4, "1.1.1.1")}},
		{"ipv4/defanged [dot]", "192[.]168[dot]0[.]1", []Observable{o(IPv4, "192.168.0.1")}},
		{"ipv4/mixed defang", "111[.]111.111[.]111", []Observable{o(IPv4, "111.111.111.111")}},
		{"ipv4/octet over 255", "256.1.1.1", nil},
		{"ipv4/five parts", "1.2.3.4.5", nil},
		{"ipv4/v prefix", "v1.2.3.4", nil},
		{"ipv4/version word", "version 1.2.3.4", nil},
		{"ipv4/Ver. word", "Ver. 10.0.19045.3570", nil},
		{"ipv4/server is not ver", "server 10.0.0.1", []Observable{o(IPv4, "10.0.0.1")}},
		{"ipv4/cidr is not a host", "100.20.30.0/24", []Observable{o(CIDR, "100.20.30.0/24")}},
		{"ipv4/path is not cidr", "192.168.0.1/some/url", []Observable{o(IPv4, "192.168.0.1")}},
		{"ipv4/three parts", "85.85.85", nil},

		// IPv6
		{"ipv6/full", "fdc4:2581:575b:5a72:0000:0000:0000:0001", []Observable{o(IPv6, "fdc4:2581:575b:5a72::1")}},
		{"ipv6/upper case", "2001:DB8::1", []Observable{o(IPv6, "2001:db8::1")}},
		{"ipv6/bracketed with port", "[2001:db8::1]:80/path", []Observable{o(IPv6, "2001:db8::1")}},
		{"ipv6/rfc5952 longest run", "2001:db8:0:0:1:0:0:1", []Observable{o(IPv6, "2001:db8::1:0:0:1")}},
		{"ipv6/mapped ipv4", "::ffff:192.0.2.1", []Observable{o(IPv6, "::ffff:192.0.2.1")}},
		{"ipv6/sentence colon", "address 2001:db8::1: blocked", []Observable{o(IPv6, "2001:db8::1")}},
		{"ipv6/cidr is not a host", "2001:db8::/32", []Observable{o(CIDR, "2001:db8::/32")}},
		{"ipv6/time is not", "at 12:30:45", nil},
		{"ipv6/mac is not", "00:1a:2b:3c:4d:5e", nil},
		{"ipv6/c++ scope is not", "std::vector", nil},
		{"ipv6/bare :: is not", "a :: b", nil},

		// Domain
		{"domain/plain", "visit example.com now", []Observable{o(Domain, "example.com")}},
		{"domain/upper case", "EXAMPLE.COM", []Observable{o(Domain, "example.com")}},
		{"domain/subdomain", "login.secure-bank.co.jp", []Observable{o(Domain, "login.secure-bank.co.jp")}},
		{"domain/trailing dot", "see example.com.", []Observable{o(Domain, "example.com")}},
		{"domain/defanged [.]", "example[.]com", []Observable{o(Domain, "example.com")}},
		{"domain/defanged (.)", "example(.)com", []Observable{o(Domain, "example.com")}},
		{"domain/defanged [dot]", "example[dot]com", []Observable{o(Domain, "example.com")}},
		{"domain/defanged {.}", "example{.}com", []Observable{o(Domain, "example.com")}},
		{"domain/nested defang", "example[[.]]com", []Observable{o(Domain, "example.com")}},
		{"domain/IDN unicode", "bücher.de", []Observable{o(Domain, "xn--bcher-kva.de")}},
		{"domain/punycode kept", "xn--bcher-kva.de", []Observable{o(Domain, "xn--bcher-kva.de")}},
		{"domain/private suffix", "foo.blogspot.com", []Observable{o(Domain, "foo.blogspot.com")}},
		{"domain/short ccTLD", "short[.]is", []Observable{o(Domain, "short.is")}},
		{"domain/onion", "abcdefghijklmnop.onion", []Observable{o(Domain, "abcdefghijklmnop.onion")}},
		{"domain/not a public suffix", "example.tld", nil},
		{"domain/public suffix alone", "co.jp", nil},
		{"domain/wildcard-only ccTLD", "shop.example.com.np and evil.co.ck", []Observable{o(Domain, "shop.example.com.np"), o(Domain, "evil.co.ck")}},
		{"domain/wildcard ccTLD's suffix alone", "com.np", nil},
		{"domain/file pdf", "report.pdf", nil},
		{"domain/file png", "image.png", nil},
		{"domain/file json", "config.json", nil},
		{"domain/version", "v1.2.3", nil},
		{"domain/file zip", "invoice.zip", nil},
		{"domain/file py", "setup.py", nil},
		{"domain/file md", "README.md", nil},
		{"domain/file sh", "install.sh", nil},
		{"domain/zip defanged", "evil[.]zip", []Observable{o(Domain, "evil.zip")}},
		{"domain/zip with subdomain", "www.evil.zip", []Observable{o(Domain, "www.evil.zip")}},
		{"domain/title-case TLD", "I went home.It was late.", nil},
		{"domain/underscores around", "__example.com__", []Observable{o(Domain, "example.com")}},
		{"domain/hyphens before", "--example.com", []Observable{o(Domain, "example.com")}},
		{"domain/handle is not", "Instagram @user.name", []Observable{o(Instagram, "user.name")}},
		{"domain/bare handle is not", "follow @user.name", nil},
		{"domain/windows path", `C:\Users\me\evil.com`, nil},
		{"domain/underscore", "_____.tld", nil},
		{"domain/too short", "tooshor.t", nil},
		{"domain/x.x.x.x", "x.x.x.x", nil},
		{"domain/unbalanced defang", "example[.com", nil},
		{"domain/comma is not a dot", "example,com", nil},

		// URL
		{"url/plain", "http://example.com/path", []Observable{o(URL, "http://example.com/path"), o(Domain, "example.com")}},
		{"url/case", "HTTPS://Example.COM/Path", []Observable{o(URL, "https://example.com/Path"), o(Domain, "example.com")}},
		{"url/hxxp", "hxxp://example[.]com/a", []Observable{o(URL, "http://example.com/a"), o(Domain, "example.com")}},
		{"url/hxxps", "hXXps://example[dot]com/", []Observable{o(URL, "https://example.com/"), o(Domain, "example.com")}},
		{"url/[:]//", "http[:]//example.com/x", []Observable{o(URL, "http://example.com/x"), o(Domain, "example.com")}},
		{"url/[://]", "https[://]example.com/x", []Observable{o(URL, "https://example.com/x"), o(Domain, "example.com")}},
		{"url/[/]", "http://example.com[/]test", []Observable{o(URL, "http://example.com/test"), o(Domain, "example.com")}},
		{"url/ttp", "ttp://example.com/", []Observable{o(URL, "http://example.com/"), o(Domain, "example.com")}},
		{"url/default port", "http://example.com:80/path", []Observable{o(URL, "http://example.com/path"), o(Domain, "example.com")}},
		{"url/default https port", "https://example.com:443", []Observable{o(URL, "https://example.com"), o(Domain, "example.com")}},
		{"url/other port kept", "http://example.com:8080/", []Observable{o(URL, "http://example.com:8080/"), o(Domain, "example.com")}},
		{"url/fragment dropped", "https://example.com/a?b=1#top", []Observable{o(URL, "https://example.com/a?b=1"), o(Domain, "example.com")}},
		{"url/trailing period", "https://example.com.", []Observable{o(URL, "https://example.com"), o(Domain, "example.com")}},
		{"url/trailing punctuation", "(see https://example.com/a?q=test???)", []Observable{o(URL, "https://example.com/a?q=test"), o(Domain, "example.com")}},
		{"url/balanced parens", "https://en.wikipedia.org/wiki/Foo_(bar)", []Observable{o(URL, "https://en.wikipedia.org/wiki/Foo_(bar)"), o(Domain, "en.wikipedia.org")}},
		{"url/quoted", `"https://example.com/x"`, []Observable{o(URL, "https://example.com/x"), o(Domain, "example.com")}},
		{"url/inner punctuation kept", "https://example.com/a!b,c;d", []Observable{o(URL, "https://example.com/a!b,c;d"), o(Domain, "example.com")}},
		{"url/ends at space", "http://example.com test /test", []Observable{o(URL, "http://example.com"), o(Domain, "example.com")}},
		{"url/ends at backslash", `http://example.com\bad.doc`, []Observable{o(URL, "http://example.com"), o(Domain, "example.com")}},
		{"url/ipv4 host", "http://192[.]168[.]0[.]1:80/path", []Observable{o(URL, "http://192.168.0.1/path"), o(IPv4, "192.168.0.1")}},
		{"url/ipv6 host", "http://[fdc4:2581:575b:5a72:0000:0000:0000:0001]:80/path", []Observable{o(URL, "http://[fdc4:2581:575b:5a72::1]/path"), o(IPv6, "fdc4:2581:575b:5a72::1")}},
		{"url/ipv6 unbracketed", "http://fdc4:2581:575b:5a72:0000:0000:0000:0001", []Observable{o(URL, "http://[fdc4:2581:575b:5a72::1]"), o(IPv6, "fdc4:2581:575b:5a72::1")}},
		{"url/tcp keeps port", "tcp://192[.]168[.]0[.]1:80/path", []Observable{o(URL, "tcp://192.168.0.1:80/path"), o(IPv4, "192.168.0.1")}},
		{"url/userinfo", "http://paypal.com@evil.example.com/login", []Observable{o(URL, "http://paypal.com@evil.example.com/login"), o(Domain, "evil.example.com")}},
		{"url/zip host", "https://evil.zip/x", []Observable{o(URL, "https://evil.zip/x"), o(Domain, "evil.zip")}},
		{"url/IDN host", "http://bücher.de/", []Observable{o(URL, "http://xn--bcher-kva.de/"), o(Domain, "xn--bcher-kva.de")}},
		{"url/path defang", "http://example[.]com/test[.]htm", []Observable{o(URL, "http://example.com/test.htm"), o(Domain, "example.com")}},
		{"url/unknown scheme", "gopher://example.com/", []Observable{o(Domain, "example.com")}},
		{"url/no valid host", "http://localhost/admin", nil},
		{"url/unknown tld", "http://example.tld/", nil},
		{"url/unclosed bracket before the host", "http://[example.com", []Observable{o(URL, "http://example.com"), o(Domain, "example.com")}},
		{"url/unclosed bracket beside a dot", "hxxp://example[.com/login と", []Observable{o(URL, "http://example.com/login"), o(Domain, "example.com")}},
		{"url/unopened bracket beside a dot", "hxxps://evil.]co.jp/a?b=1.", []Observable{o(URL, "https://evil.co.jp/a?b=1"), o(Domain, "evil.co.jp")}},
		{"url/comma for the only dot", "http://example,com/", []Observable{o(URL, "http://example.com/"), o(Domain, "example.com")}},
		{"url/comma after a dotted host is a list", "http://a.com,b.com", []Observable{o(URL, "http://a.com"), o(Domain, "a.com"), o(Domain, "b.com")}},
		{"url/two commas are not mended", "http://ex,ample,com/", nil},
		{"url/IPv6 literal not mended", "http://[2001:db8::1]:8080/x", []Observable{o(URL, "http://[2001:db8::1]:8080/x"), o(IPv6, "2001:db8::1")}},
		{"url/hash inside", "https://www.virustotal.com/gui/file/d41d8cd98f00b204e9800998ecf8427e", []Observable{
			o(URL, "https://www.virustotal.com/gui/file/d41d8cd98f00b204e9800998ecf8427e"), o(Domain, "www.virustotal.com"), o(MD5, "d41d8cd98f00b204e9800998ecf8427e")}},
		{"url/cve inside", "https://nvd.nist.gov/vuln/detail/CVE-2021-44228", []Observable{
			o(URL, "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"), o(Domain, "nvd.nist.gov"), o(CVE, "CVE-2021-44228")}},
		{"url/no domain from path", "https://example.com/news.google.com/x", []Observable{o(URL, "https://example.com/news.google.com/x"), o(Domain, "example.com")}},
		{"url/no phone from path", "https://example.com/09012345678", []Observable{o(URL, "https://example.com/09012345678"), o(Domain, "example.com")}},

		// E-mail
		{"email/plain", "mail me at user@example.com.", []Observable{o(Email, "user@example.com"), o(Domain, "example.com")}},
		{"email/local part as written", "John.Doe+tag@Example.COM", []Observable{o(Email, "John.Doe+tag@example.com"), o(Domain, "example.com")}},
		{"email/[@]", "myuser[@]example.com", []Observable{o(Email, "myuser@example.com"), o(Domain, "example.com")}},
		{"email/(at)", "myuser(at)example[.]com", []Observable{o(Email, "myuser@example.com"), o(Domain, "example.com")}},
		{"email/[at]", "myuser[AT]example[.]com[.]tld", nil},
		{"email/defanged domain", "myuser@example[.]co[.]jp", []Observable{o(Email, "myuser@example.co.jp"), o(Domain, "example.co.jp")}},
		{"email/zip domain", "a@evil.zip", []Observable{o(Email, "a@evil.zip"), o(Domain, "evil.zip")}},
		{"email/sentence punctuation", "myuser@example.com!!!???", []Observable{o(Email, "myuser@example.com"), o(Domain, "example.com")}},
		{"email/tokyo local part is not a domain", "john.tokyo@localhost", nil},
		{"email/double dot", "a..b@example.com", []Observable{o(Domain, "example.com")}},
		{"email/ip literal unsupported", "a@127.0.0.1", []Observable{o(IPv4, "127.0.0.1")}},
		{"email/phone-shaped local part", "09012345678@docomo.ne.jp", []Observable{o(Email, "09012345678@docomo.ne.jp"), o(Domain, "docomo.ne.jp")}},

		// Phone
		{"phone/mobile", "090-1234-5678", []Observable{o(Phone, "+819012345678")}},
		{"phone/landline parens", "03(1234)5678", []Observable{o(Phone, "+81312345678")}},
		{"phone/area code parens", "(03)1234-5678", []Observable{o(Phone, "+81312345678")}},
		{"phone/toll free", "0120-123-456", []Observable{o(Phone, "+81120123456")}},
		{"phone/international", "+81 90 1234 5678", []Observable{o(Phone, "+819012345678")}},
		{"phone/international trunk zero", "+81 (0)90-1234-5678", []Observable{o(Phone, "+819012345678")}},
		{"phone/compact", "09012345678", []Observable{o(Phone, "+819012345678")}},
		{"phone/foreign", "call +1 415-555-2671", []Observable{o(Phone, "+14155552671")}},
		{"phone/two numbers", "090-1234-5678 03-1234-5678", []Observable{o(Phone, "+819012345678"), o(Phone, "+81312345678")}},
		{"phone/after other digits", "1234567 090-1234-5678", []Observable{o(Phone, "+819012345678")}},
		{"phone/seven digits", "1234567", nil},
		{"phone/us local", "456-7890", nil},
		{"phone/us in jp region", "(123) 456-7890", nil},
		{"phone/date", "2024-01-15", nil},
		{"phone/decimal", "3.1415926535", nil},
		{"phone/invalid prefix", "011-123-4567", nil},
		{"phone/glued to word", "ID09012345678", nil},

		// Hashes
		{"md5", "68b329da9893e34099c7d8ad5cb9c940", []Observable{o(MD5, "68b329da9893e34099c7d8ad5cb9c940")}},
		{"md5/upper case", "68B329DA9893E34099C7D8AD5CB9C940", []Observable{o(MD5, "68b329da9893e34099c7d8ad5cb9c940")}},
		{"sha1", "sha1:adc83b19e793491b1c6ea0fd8b46cd9f32e592fc", []Observable{o(SHA1, "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc")}},
		{"sha256", "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b", []Observable{o(SHA256, "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b")}},
		{"sha512", "be688838ca8686e5c90689bf2ab585cef1137c999b48c70b92f67a5c34dc15697b5d11c982ed6d71be1e1e7f7b4e0733884aa97c3f7a339a8ed03577cf74be09", []Observable{o(SHA512, "be688838ca8686e5c90689bf2ab585cef1137c999b48c70b92f67a5c34dc15697b5d11c982ed6d71be1e1e7f7b4e0733884aa97c3f7a339a8ed03577cf74be09")}},
		{"hash/34 hex is none", "adc83b191b1c6ea0fd8b46cd9f32e592fc", nil},
		{"hash/inside longer hex run", "68b329da9893e34099c7d8ad5cb9c940ab", nil},
		{"hash/glued to letters", "x68b329da9893e34099c7d8ad5cb9c940", nil},
		{"hash/0x prefix", "0x68b329da9893e34099c7d8ad5cb9c940", nil},
		{"hash/32 non-hex", "zyxwvutsrqponmlkjihgzyxwvutsrqpo", nil},
		{"hash/32 mostly hex", "68b329da9893e34099c7d8ad5cb9c94g", nil},

		// CVE
		{"cve", "CVE-2021-44228", []Observable{o(CVE, "CVE-2021-44228")}},
		{"cve/lower case", "cve-2014-0160", []Observable{o(CVE, "CVE-2014-0160")}},
		{"cve/long id", "CVE-2024-1234567", []Observable{o(CVE, "CVE-2024-1234567")}},
		{"cve/unicode dash", "CVE‐2021‐44228", []Observable{o(CVE, "CVE-2021-44228")}},
		{"cve/short id", "CVE-2021-123", nil},
		{"cve/leading zero long id", "CVE-2021-044228", nil},
		{"cve/year too early", "CVE-1988-1234", nil},
		{"cve/glued", "XCVE-2021-44228", nil},

		// Mixed, order and de-duplication
		{"mixed/order of appearance", "1.2.3.4 then example.com then 1.2.3.4 and CVE-2020-0601", []Observable{
			o(IPv4, "1.2.3.4"), o(Domain, "example.com"), o(CVE, "CVE-2020-0601")}},
		{"mixed/url then same domain", "https://example.com/a and example.com", []Observable{o(URL, "https://example.com/a"), o(Domain, "example.com")}},
		{"mixed/iocextract invalid lines", "AAAAA +example.tld+ 85 85.85 _____ tooshor.", nil},
		{"empty", "", nil},
	})
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		name string
		typ  Type
		in   string
		want string // "" means an error is wanted
	}{
		{"ipv4", IPv4, "192.168.000.001", "192.168.0.1"},
		{"ipv4/full-width", IPv4, "１９２．１６８．０．１", "192.168.0.1"},
		{"ipv4/defanged", IPv4, "10[.]0[.]0[.]1", "10.0.0.1"},
		{"ipv4/space around", IPv4, "  8.8.8.8\n", "8.8.8.8"},
		{"ipv4/bad octet", IPv4, "1.2.3.256", ""},
		{"ipv4/too few", IPv4, "1.2.3", ""},
		{"ipv4/junk", IPv4, "1.2.3.4x", ""},
		{"ipv6", IPv6, "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{"ipv6/brackets", IPv6, "[::1]", "::1"},
		{"ipv6/zone", IPv6, "fe80::1%eth0", ""},
		{"ipv6/ipv4", IPv6, "1.2.3.4", ""},
		{"domain", Domain, "Example.COM.", "example.com"},
		{"domain/IDN", Domain, "例え.jp", "xn--r8jz45g.jp"},
		{"domain/full-width defanged", Domain, "ｅｘａｍｐｌｅ［．］ｃｏｍ", "example.com"},
		{"domain/zip is fine here", Domain, "evil.zip", "evil.zip"},
		{"domain/unknown tld", Domain, "example.tld", ""},
		{"domain/single label", Domain, "localhost", ""},
		{"domain/public suffix", Domain, "co.jp", ""},
		{"domain/under a wildcard ccTLD", Domain, "Example.COM.BD", "example.com.bd"},
		{"domain/wildcard suffix alone", Domain, "com.bd", ""},
		{"domain/hyphen", Domain, "-bad.com", ""},
		{"domain/space", Domain, "exa mple.com", ""},
		{"domain/long label", Domain, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", ""},
		{"url", URL, "HXXPS://Example[.]com:443/a/B?c=D#frag", "https://example.com/a/B?c=D"},
		{"url/half-defanged host", URL, "hxxp://Example[.com/x", "http://example.com/x"},
		{"url/comma host", URL, "http://example,com", "http://example.com"},
		{"url/port", URL, "http://example.com:8080", "http://example.com:8080"},
		{"url/empty port", URL, "http://example.com:/x", "http://example.com/x"},
		{"url/trailing dot kept", URL, "http://example.com/a.", "http://example.com/a."},
		{"url/ipv6", URL, "http://[2001:DB8::1]:80/", "http://[2001:db8::1]/"},
		{"url/no scheme", URL, "example.com/path", ""},
		{"url/unknown scheme", URL, "file://example.com/", ""},
		{"url/space", URL, "http://example.com/a b", ""},
		{"url/non-ascii path", URL, "http://example.com/パス", ""},
		{"url/bad port", URL, "http://example.com:99999/", ""},
		{"email", Email, "User.Name@EXAMPLE.com", "User.Name@example.com"},
		{"email/full-width at", Email, "user＠example.com", "user@example.com"},
		{"email/(at)", Email, "user(at)example[.]com", "user@example.com"},
		{"email/no at", Email, "user.example.com", ""},
		{"email/bad local", Email, "us er@example.com", ""},
		{"email/bad domain", Email, "user@localhost", ""},
		{"phone", Phone, "090-1234-5678", "+819012345678"},
		{"phone/full-width", Phone, "０９０－１２３４－５６７８", "+819012345678"},
		{"phone/e164", Phone, "+819012345678", "+819012345678"},
		{"phone/prolonged sound mark", Phone, "090ー1234ー5678", "+819012345678"},
		{"phone/kanji numerals", Phone, "〇九〇―一二三四―五六七八", "+819012345678"},
		{"phone/invalid", Phone, "1234567", ""},
		{"phone/letters", Phone, "090-1234-5678 (mobile)", ""},
		{"md5", MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"},
		{"md5/length", MD5, "d41d8cd98f00b204e9800998ecf8427", ""},
		{"md5/non-hex", MD5, "z41d8cd98f00b204e9800998ecf8427e", ""},
		{"sha1", SHA1, "ADC83B19E793491B1C6EA0FD8B46CD9F32E592FC", "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc"},
		{"sha1/is not md5", MD5, "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc", ""},
		{"sha256", SHA256, "01BA4719C80B6FE911B091A7C05124B64EEECE964E09C058EF8F9805DACA546B", "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b"},
		{"sha512/short", SHA512, "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b", ""},
		{"cve", CVE, "cve-2021-44228", "CVE-2021-44228"},
		{"cve/full-width", CVE, "ＣＶＥ－２０２１－４４２２８", "CVE-2021-44228"},
		{"cve/junk", CVE, "CVE-2021-44228a", ""},
		{"empty", Domain, "   ", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Normalize(c.typ, c.in)
			if c.want == "" {
				if err == nil {
					t.Fatalf("Normalize(%s, %q) = %q, want an error", c.typ, c.in, got)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("error %v does not wrap ErrInvalid", err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Normalize(%s, %q) = %q, %v; want %q", c.typ, c.in, got, err, c.want)
			}
			again, err := Normalize(c.typ, got)
			if err != nil || again != got {
				t.Errorf("Normalize is not idempotent: %q → %q, %v", got, again, err)
			}
		})
	}
}

func TestNormalizeUnknownType(t *testing.T) {
	if _, err := Normalize("bitcoin", "x"); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("err = %v, want ErrUnknownType", err)
	}
}

// TestExtractConcurrent runs Extract from several goroutines, for the race
// detector (the phone and TLD caches are shared).
func TestExtractConcurrent(t *testing.T) {
	text := benchCorpus(32 << 10)
	want := Extract(text)
	done := make(chan []Observable)
	for range 4 {
		go func() { done <- Extract(text) }()
	}
	for range 4 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Fatal("concurrent Extract differs")
		}
	}
}

func TestTypes(t *testing.T) {
	// The order of the API documentation (BRIEF "Interfaces").
	want := []Type{IPv4, IPv6, CIDR, Domain, URL, Email, Phone, BankAccount, BTC, ETH, TRX, XMR,
		MD5, SHA1, SHA256, SHA512, CVE, ASN, X, Instagram, Telegram, Line, TikTok}
	if got := Types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Types() = %v, want %v", got, want)
	}
	for _, ty := range want {
		if !ty.Valid() {
			t.Errorf("%s.Valid() = false", ty)
		}
	}
	if Type("bitcoin").Valid() {
		t.Error(`Type("bitcoin").Valid() = true`)
	}
}
