package observe

import "testing"

// TestExtractJapanese covers Japanese report text: full-width forms, "。"
// as a dot, and observables written with no space before or after Japanese
// words. No public corpus covers these; the cases are koban's own.
func TestExtractJapanese(t *testing.T) {
	runExtract(t, []extractCase{
		{"full-width IPv4", "不審なアクセス元は１９２．１６８．０．１です。", []Observable{o(IPv4, "192.168.0.1")}},
		{"full-width IPv4 with ideographic space", "ＩＰ：　２０３．０．１１３．５", []Observable{o(IPv4, "203.0.113.5")}},
		{"full-width domain with ［．］", "ｅｘａｍｐｌｅ［．］ｃｏｍというサイト", []Observable{o(Domain, "example.com")}},
		{"full-width domain with （ｄｏｔ）", "ｅｘａｍｐｌｅ（ｄｏｔ）ｃｏ（ｄｏｔ）ｊｐ", []Observable{o(Domain, "example.co.jp")}},
		{"。 as dot", "example。com にアクセスしました", []Observable{o(Domain, "example.com")}},
		{"half-width ｡ as dot", "example｡co｡jp", []Observable{o(Domain, "example.co.jp")}},
		{"。 ends a sentence before a domain", "連絡がありました。example.comから", []Observable{o(Domain, "example.com")}},
		{"。 ends a sentence after a domain", "サイトはexample.comです。次に電話がありました。", []Observable{o(Domain, "example.com")}},
		{"。 between Japanese words stays", "確認しました。次に", nil},
		{"。 after an IPv4 address", "アクセス元は192.0.2.1。3回ありました", []Observable{o(IPv4, "192.0.2.1")}},
		{"。 after a domain, sentence starts in ASCII", "example.com。Amazonを装ったメール", []Observable{o(Domain, "example.com")}},
		{"。 after an e-mail address", "差出人はsupport@example.xyz。IPは不明", []Observable{o(Email, "support@example.xyz"), o(Domain, "example.xyz")}},
		{"。 throughout a .co.jp domain", "www。example。co。jp", []Observable{o(Domain, "www.example.co.jp")}},
		{"。 after a URL path", "https://example.com/login。IDを入力", []Observable{o(URL, "https://example.com/login"), o(Domain, "example.com")}},
		{"。 before an e-mail address", "確認abc。user@example.com", []Observable{o(Email, "user@example.com"), o(Domain, "example.com")}},
		{"domain glued to Japanese on both sides", "詳しくはexample.comへ", []Observable{o(Domain, "example.com")}},
		{"URL followed by まで", "https://example.com/pathまで。", []Observable{o(URL, "https://example.com/path"), o(Domain, "example.com")}},
		{"URL followed by を", "https://example.com/login?id=1を開いた", []Observable{o(URL, "https://example.com/login?id=1"), o(Domain, "example.com")}},
		{"URL followed by です", "リンク先はhttps://example.co.jp/aです。", []Observable{o(URL, "https://example.co.jp/a"), o(Domain, "example.co.jp")}},
		{"URL in 「」", "「http://example.com/」をクリック", []Observable{o(URL, "http://example.com/"), o(Domain, "example.com")}},
		{"URL in full-width parentheses", "（https://example.com/x）", []Observable{o(URL, "https://example.com/x"), o(Domain, "example.com")}},
		{"URL host followed by へ", "https://example.comへアクセス", []Observable{o(URL, "https://example.com"), o(Domain, "example.com")}},
		{"h抜き URL", "ttps://example.com/abc を参照", []Observable{o(URL, "https://example.com/abc"), o(Domain, "example.com")}},
		{"defanged URL in Japanese", "hxxps://example[.]com/verifyに誘導された", []Observable{o(URL, "https://example.com/verify"), o(Domain, "example.com")}},
		{"phone in a sentence", "「090-1234-5678に電話してください」", []Observable{o(Phone, "+819012345678")}},
		{"full-width phone", "電話番号は０９０－１２３４－５６７８です", []Observable{o(Phone, "+819012345678")}},
		{"phone with ー", "０３ー１２３４ー５６７８から着信", []Observable{o(Phone, "+81312345678")}},
		{"phone with full-width parentheses", "０３（１２３４）５６７８", []Observable{o(Phone, "+81312345678")}},
		{"toll-free in a sentence", "サポート窓口0120-123-456へ", []Observable{o(Phone, "+81120123456")}},
		{"phone after TEL：", "TEL：090-1234-5678", []Observable{o(Phone, "+819012345678")}},
		{"international phone in Japanese", "＋８１ ９０ １２３４ ５６７８から", []Observable{o(Phone, "+819012345678")}},
		{"e-mail with ＠", "送信元はｓｕｐｐｏｒｔ＠ｅｘａｍｐｌｅ．ｃｏｍでした", []Observable{o(Email, "support@example.com"), o(Domain, "example.com")}},
		{"e-mail with （at）", "user（at）example.co.jp宛", []Observable{o(Email, "user@example.co.jp"), o(Domain, "example.co.jp")}},
		{"e-mail glued to Japanese", "連絡先user@example.comまで", []Observable{o(Email, "user@example.com"), o(Domain, "example.com")}},
		{"IDN domain", "例え.jp を見た", []Observable{o(Domain, "xn--r8jz45g.jp")}},
		{"IDN domain with 。", "例え。jp", []Observable{o(Domain, "xn--r8jz45g.jp")}},
		{"IDN domain followed by Japanese", "例え.jpにアクセス", []Observable{o(Domain, "xn--r8jz45g.jp")}},
		{"Japanese TLD", "example.コム", []Observable{o(Domain, "example.xn--tckwe")}},
		{"IDN URL", "https://例え.jp/パス", []Observable{o(URL, "https://xn--r8jz45g.jp/"), o(Domain, "xn--r8jz45g.jp")}},
		{"hash in a sentence", "ハッシュ値はd41d8cd98f00b204e9800998ecf8427eです", []Observable{o(MD5, "d41d8cd98f00b204e9800998ecf8427e")}},
		{"full-width CVE", "ＣＶＥ－２０２１－４４２２８の脆弱性", []Observable{o(CVE, "CVE-2021-44228")}},
		{"version in Japanese", "バージョン1.2.3.4に更新", nil},
		{"file name in Japanese", "添付のreport.pdfとinvoice.zipを開いた", nil},
		{"short number is not a phone", "暗証番号1234567を聞かれた", nil},
		{"IPv6 in Japanese", "IPv6アドレス2001:db8::1からの通信", []Observable{o(IPv6, "2001:db8::1")}},
		{"mixed report", "昨日、hxxp://bank-login[.]xyz/auth から「口座が凍結」とSMS。送信元は080-1111-2222、" +
			"問い合わせ先はsupport＠bank-login．xyz。IPは１９８．５１．１００．７。", []Observable{
			o(URL, "http://bank-login.xyz/auth"), o(Domain, "bank-login.xyz"), o(Phone, "+818011112222"),
			o(Email, "support@bank-login.xyz"), o(IPv4, "198.51.100.7")}},
	})
}
