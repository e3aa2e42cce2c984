package observe

import (
	"errors"
	"testing"
)

func TestExtractCIDR(t *testing.T) {
	runExtract(t, []extractCase{
		{"ipv4 network", "203.0.113.0/24", []Observable{o(CIDR, "203.0.113.0/24")}},
		{"host bits cleared", "block 203.0.113.5/24 now", []Observable{o(CIDR, "203.0.113.0/24")}},
		{"leading zeros", "010.001.000.000/8", []Observable{o(CIDR, "10.0.0.0/8")}},
		{"sentence end", "範囲は10.0.0.0/8.", []Observable{o(CIDR, "10.0.0.0/8")}},
		{"full-width", "１９８．５１．１００．０／２４からの攻撃", []Observable{o(CIDR, "198.51.100.0/24")}},
		{"defanged", "198[.]51[.]100[.]0/24", []Observable{o(CIDR, "198.51.100.0/24")}},
		{"/32 is a network of one", "192.0.2.1/32", []Observable{o(CIDR, "192.0.2.1/32")}},
		{"ipv6", "2001:db8::1/48", []Observable{o(CIDR, "2001:db8::/48")}},
		{"ipv6 mapped", "::ffff:192.0.2.1/120", []Observable{o(CIDR, "::ffff:192.0.2.0/120")}},
		{"ipv4 too long a prefix is a path", "192.0.2.1/33", []Observable{o(IPv4, "192.0.2.1")}},
		{"ipv4 path", "192.0.2.1/24/index.html", []Observable{o(IPv4, "192.0.2.1")}},
		{"ipv6 too long a prefix is not one", "2001:db8::1/129", []Observable{o(IPv6, "2001:db8::1")}},
		{"version", "version 1.2.3.4/24", nil},
		{"date is not", "2024/10/13", nil},
	})
}

func TestNormalizeCIDR(t *testing.T) {
	cases := []struct{ in, want string }{
		{"203.0.113.5/24", "203.0.113.0/24"},
		{"１９８．５１．１００．７／１６", "198.51.0.0/16"},
		{"0.0.0.0/0", "0.0.0.0/0"},
		{"2001:DB8::1/32", "2001:db8::/32"},
		{"192.0.2.1", ""},
		{"192.0.2.1/33", ""},
		{"192.0.2.1/024", ""},
		{"192.0.2.1/", ""},
		{"2001:db8::1%eth0/64", ""},
		{"/24", ""},
	}
	for _, c := range cases {
		got, err := Normalize(CIDR, c.in)
		if c.want == "" {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Normalize(cidr, %q) = %q, %v; want an error", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Normalize(cidr, %q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestContainsIP(t *testing.T) {
	cases := []struct {
		cidr, ip string
		want     bool
	}{
		{"203.0.113.0/24", "203.0.113.200", true},
		{"203.0.113.0/24", "203.0.114.1", false},
		{"203.0.113.5/24", "203.0.113.1", true},
		{"10.0.0.0/8", "010.1.2.3", true},
		{"１９８．５１．１００．０／２４", "198[.]51[.]100[.]9", true},
		{"192.0.2.0/24", "::ffff:192.0.2.1", true},
		{"2001:db8::/32", "2001:db8:1::1", true},
		{"2001:db8::/32", "[2001:db8::1]", true},
		{"2001:db8::/32", "2001:db9::1", false},
		{"::ffff:192.0.2.0/120", "192.0.2.1", false}, // an IPv6 network holds IPv6 addresses
		{"0.0.0.0/0", "8.8.8.8", true},
		{"0.0.0.0/0", "2001:db8::1", false},
		{"203.0.113.0/24", "example.com", false},
		{"203.0.113.0", "203.0.113.0", false},
		{"garbage", "1.2.3.4", false},
	}
	for _, c := range cases {
		if got := ContainsIP(c.cidr, c.ip); got != c.want {
			t.Errorf("ContainsIP(%q, %q) = %v, want %v", c.cidr, c.ip, got, c.want)
		}
	}
}

func TestExtractASN(t *testing.T) {
	runExtract(t, []extractCase{
		{"AS", "AS64500", []Observable{o(ASN, "AS64500")}},
		{"ASN space", "ASN 64500", []Observable{o(ASN, "AS64500")}},
		{"AS space", "AS 64500", []Observable{o(ASN, "AS64500")}},
		{"ASN colon", "ASN: 13335 (Cloudflare)", []Observable{o(ASN, "AS13335")}},
		{"full-width in Japanese", "接続元はＡＳ４５０９０の回線でした", []Observable{o(ASN, "AS45090")}},
		{"32-bit", "AS4200000000", []Observable{o(ASN, "AS4200000000")}},
		{"in a URL", "https://bgp.he.net/AS15169", []Observable{
			o(URL, "https://bgp.he.net/AS15169"), o(Domain, "bgp.he.net"), o(ASN, "AS15169")}},
		{"lower case is a word", "as 100 people said", nil},
		{"glued", "GAS100 and BASN 64500", nil},
		{"zero", "AS0", nil},
		{"leading zero", "AS064500", nil},
		{"too large", "AS4294967296", nil},
		{"decimal", "AS 1.5", nil},
		{"glued letter after", "AS64500x", nil},
		{"bare number", "64500", nil},
	})
	for in, want := range map[string]string{"as64500": "AS64500", "ASN 64500": "AS64500", "64500": "AS64500", "AsN:1": "AS1"} {
		if got, err := Normalize(ASN, in); err != nil || got != want {
			t.Errorf("Normalize(asn, %q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"AS", "AS0", "AS 01", "ASX1", "AS-1", "4294967296"} {
		if got, err := Normalize(ASN, in); err == nil {
			t.Errorf("Normalize(asn, %q) = %q, want an error", in, got)
		}
	}
}

func TestExtractSocial(t *testing.T) {
	runExtract(t, []extractCase{
		// X
		{"x/Xの@", "Xの@Scam_User123からDMが来た", []Observable{o(X, "scam_user123")}},
		{"x/ツイッター", "ツイッター @abc_def で見た", []Observable{o(X, "abc_def")}},
		{"x/旧Twitter", "X(旧Twitter)の@def_1", []Observable{o(X, "def_1")}},
		{"x/Twitter colon", "Twitter: @jack", []Observable{o(X, "jack")}},
		{"x/profile url", "https://x.com/Scammer/status/1234567890", []Observable{
			o(URL, "https://x.com/Scammer/status/1234567890"), o(X, "scammer"), o(Domain, "x.com")}},
		{"x/twitter.com without scheme", "twitter.com/scam_jp", []Observable{o(Domain, "twitter.com"), o(X, "scam_jp")}},
		{"x/mobile", "https://mobile.twitter.com/abc", []Observable{
			o(URL, "https://mobile.twitter.com/abc"), o(X, "abc"), o(Domain, "mobile.twitter.com")}},
		{"x/reserved home", "https://x.com/home", []Observable{o(URL, "https://x.com/home"), o(Domain, "x.com")}},
		{"x/reserved search", "x.com/search?q=abc", []Observable{o(Domain, "x.com")}},
		{"x/reserved intent", "https://twitter.com/intent/tweet", []Observable{o(URL, "https://twitter.com/intent/tweet"), o(Domain, "twitter.com")}},
		{"x/handle too long", "Xの@abcdefghijklmnop", nil},
		{"x/bare handle", "@scam_user からDM", nil},
		{"x/letter X in a word", "BOX @abc", nil},
		{"x/e-mail is not", "X: abc@example.com", []Observable{o(Email, "abc@example.com"), o(Domain, "example.com")}},
		// Instagram
		{"instagram/インスタ", "インスタ @scam.shop_jp で購入", []Observable{o(Instagram, "scam.shop_jp")}},
		{"instagram/インスタグラム", "インスタグラムのアカウント @Brand.Outlet", []Observable{o(Instagram, "brand.outlet")}},
		{"instagram/url", "https://www.instagram.com/scam.shop/", []Observable{
			o(URL, "https://www.instagram.com/scam.shop/"), o(Instagram, "scam.shop"), o(Domain, "www.instagram.com")}},
		{"instagram/bare url", "instagram.com/scam.shop", []Observable{o(Domain, "instagram.com"), o(Instagram, "scam.shop")}},
		{"instagram/post", "https://www.instagram.com/p/Cabc123/", []Observable{
			o(URL, "https://www.instagram.com/p/Cabc123/"), o(Domain, "www.instagram.com")}},
		{"instagram/インスタント is not", "インスタント @abc", nil},
		{"instagram/trailing dot", "insta: @shop.jp.", []Observable{o(Instagram, "shop.jp")}},
		// Telegram
		{"telegram/テレグラム", "テレグラム @scam_support へ誘導", []Observable{o(Telegram, "scam_support")}},
		{"telegram/t.me", "https://t.me/Scam_Channel", []Observable{
			o(URL, "https://t.me/Scam_Channel"), o(Telegram, "scam_channel"), o(Domain, "t.me")}},
		{"telegram/t.me bare", "t.me/scam_channel に参加", []Observable{o(Domain, "t.me"), o(Telegram, "scam_channel")}},
		{"telegram/telegram.me", "telegram.me/scam_bot", []Observable{o(Domain, "telegram.me"), o(Telegram, "scam_bot")}},
		{"telegram/joinchat", "https://t.me/joinchat/AAAAAE", []Observable{o(URL, "https://t.me/joinchat/AAAAAE"), o(Domain, "t.me")}},
		{"telegram/preview", "t.me/s/channel_name", []Observable{o(Domain, "t.me")}},
		{"telegram/invite", "https://t.me/+AbCdEf", []Observable{o(URL, "https://t.me/+AbCdEf"), o(Domain, "t.me")}},
		{"telegram/too short", "Telegram @abcd", nil},
		// LINE
		{"line/LINE ID", "LINE ID: scam-01 を追加", []Observable{o(Line, "scam-01")}},
		{"line/LINEのID", "LINEのID abc1234", []Observable{o(Line, "abc1234")}},
		{"line/ライン ID", "ライン ID Abc_1234 に連絡", []Observable{o(Line, "abc_1234")}},
		{"line/full-width", "ＬＩＮＥ　ＩＤ：ｓｃａｍ１２３", []Observable{o(Line, "scam123")}},
		{"line/official @", "LINE @123abcde を友だち追加", []Observable{o(Line, "@123abcde")}},
		{"line/url ~id", "https://line.me/ti/p/~scam_id", []Observable{
			o(URL, "https://line.me/ti/p/~scam_id"), o(Line, "scam_id"), o(Domain, "line.me")}},
		{"line/url official", "https://line.me/R/ti/p/@123abcde", []Observable{
			o(URL, "https://line.me/R/ti/p/@123abcde"), o(Line, "@123abcde"), o(Domain, "line.me")}},
		{"line/url %40", "https://line.me/R/ti/p/%40123abcde", []Observable{
			o(URL, "https://line.me/R/ti/p/%40123abcde"), o(Line, "@123abcde"), o(Domain, "line.me")}},
		{"line/qr token", "https://line.me/ti/p/AbCdEfGhIj", []Observable{o(URL, "https://line.me/ti/p/AbCdEfGhIj"), o(Domain, "line.me")}},
		{"line/オンライン is not", "オンライン ID abc1234", nil},
		{"line/lower-case line is a word", "line ID abc1234", nil},
		{"line/no ID", "LINEで連絡を取った", nil},
		// TikTok
		{"tiktok/handle", "TikTok @scam.tok で宣伝", []Observable{o(TikTok, "scam.tok")}},
		{"tiktok/ティックトック", "ティックトックの@Scam_Tok", []Observable{o(TikTok, "scam_tok")}},
		{"tiktok/url", "https://www.tiktok.com/@scam.tok/video/7000000000000000000", []Observable{
			o(URL, "https://www.tiktok.com/@scam.tok/video/7000000000000000000"), o(TikTok, "scam.tok"), o(Domain, "www.tiktok.com")}},
		{"tiktok/url without @", "https://www.tiktok.com/discover", []Observable{o(URL, "https://www.tiktok.com/discover"), o(Domain, "www.tiktok.com")}},
	})
}

func TestNormalizeSocial(t *testing.T) {
	cases := []struct {
		typ      Type
		in, want string
	}{
		{X, "@Jack", "jack"},
		{X, "https://twitter.com/Jack/status/1", "jack"},
		{X, "x.com/jack", "jack"},
		{X, "ｊａｃｋ", "jack"},
		{Instagram, "@Shop.JP", "shop.jp"},
		{Instagram, "https://www.instagram.com/shop.jp/", "shop.jp"},
		{Telegram, "t.me/Durov", "durov"},
		{Line, "Abc-123", "abc-123"},
		{Line, "@123abcde", "@123abcde"},
		{Line, "https://line.me/R/ti/p/~abc123", "abc123"},
		{TikTok, "@Scam.Tok", "scam.tok"},
		{TikTok, "tiktok.com/@scam.tok", "scam.tok"},

		{X, "abcdefghijklmnop", ""},
		{X, "ab.c", ""},
		{X, "https://x.com/home", ""},
		{X, "https://instagram.com/jack", ""},
		{Instagram, "shop..jp", ""},
		{Instagram, ".shop", ""},
		{Telegram, "1abcde", ""},
		{Telegram, "abcd", ""},
		{Line, "abc", ""},
		{TikTok, "tiktok.com/scam", ""},
		{TikTok, "a", ""},
	}
	for _, c := range cases {
		got, err := Normalize(c.typ, c.in)
		if c.want == "" {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Normalize(%s, %q) = %q, %v; want an error", c.typ, c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Normalize(%s, %q) = %q, %v; want %q", c.typ, c.in, got, err, c.want)
		}
	}
}
