package observe

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fuzzSeeds returns seed inputs: the iocextract corpus lines (failing if
// the corpus is missing) and Japanese report snippets.
func fuzzSeeds(f *testing.F) []string {
	f.Helper()
	var seeds []string
	for _, name := range []string{"input.txt", "valid.txt", "invalid.txt"} {
		data, err := os.ReadFile(filepath.Join(iocextractDir, "test_data", name))
		if err != nil {
			f.Fatalf("iocextract corpus missing: %v", err)
		}
		seeds = append(seeds, strings.Split(string(data), "\n")...)
	}
	seeds = append(seeds,
		"「090-1234-5678に電話してください」",
		"ｅｘａｍｐｌｅ［．］ｃｏｍ １９２．１６８．０．１ ｕｓｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ",
		"https://example.com/pathまで。例え。jp しました。example.com",
		"support@bank-login.xyz。IPは198.51.100.7。",
		"ｶﾞ か\uFF9E e\u0301 Ａ\u0301 [[.]] (at) [://] ttps://例え.jp/",
		"::ffff:1.2.3.4 fe80::1%eth0 CVE‐2021‐44228 ０３（１２３４）５６７８",
		"203.0.113.5/24 2001:db8::1/48 AS64500 ＡＳＮ ６４５０１",
		"振込先：みずほ銀行　新宿支店　普通　１２３４５６７ ゆうちょ銀行 記号12345 番号12345671",
		"銀行名：楽天銀行\n支店名：第一営業\n種別：普通\n口座番号：7654321",
		// Prose: holders, kanji numerals, English, labels around phones.
		"りそな銀行 新宿支店 普通 名義：ヤマダ タロウ 1234567 名義 カ）エフエックス 1234567（当座）",
		"■銀行名：住信SBIネット銀行\n■支店名：法人第一支店\n■口座番号：1234567 ゆうちょ銀行 店名 〇一八（ゼロイチハチ）",
		"みずほ銀行 新宿支店 普通 一二三四五六七 ゆうちょ銀行 記号一〇一二〇 番号一二三四五六七一 百二十三万四千",
		"〇九〇―一二三四―五六七八 〇三（一二三四）五六七八 電話は〇八〇一一一一二二二二から 〒一五〇―〇〇〇二",
		"Mizuho Bank Shinjuku branch, ordinary 7654321. The Bank of Yokohama, Head Office, Account No.: 1234567",
		"Bank: MUFG Bank / Branch: Shibuya / Account type: Savings / Account No.: 1234567 Japan Post Bank 10120-12345671",
		"TEL090-1234-5678 Tel.03-1234-5678 090 - 1234 - 5678 090-1234-\n5678 HOTEL09012345678",
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
		"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t "+xmrFund,
		"Xの@scam_user インスタ @shop.jp テレグラム @scam_support LINE ID: scam-01 TikTok @tok.tok",
		"https://x.com/abc t.me/joinchat/x line.me/R/ti/p/@123abcde tiktok.com/@abc",
	)
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		seeds = append(seeds, corpusPart(r))
	}
	return seeds
}

// checkExtract checks the invariants of Extract on one input.
func checkExtract(t *testing.T, text string) {
	checkNFKC(t, text)
	p := prepare(text)
	if again := prepare(p.text).text; again != p.text {
		t.Fatalf("prepare is not idempotent: %q → %q → %q", text, p.text, again)
	}
	seen := map[Observable]bool{}
	for _, ob := range Extract(text) {
		if seen[ob] {
			t.Fatalf("Extract(%q) repeats %v", text, ob)
		}
		seen[ob] = true
		v, err := Normalize(ob.Type, ob.Value)
		if err != nil || v != ob.Value {
			t.Fatalf("Extract(%q) gave %v, which normalises to %q, %v", text, ob, v, err)
		}
	}
}

// checkNFKC checks nfkc against the norm package, and the offsets of "。"
// the normaliser notes on the way against a search of its result.
func checkNFKC(t *testing.T, text string) {
	t.Helper()
	var n normaliser
	got := n.normalise(text)
	if want := norm.NFKC.String(text); got != want {
		t.Fatalf("nfkc(%q) = %q, norm gives %q", text, got, want)
	}
	if want := kutenOffsets(got); !slices.Equal(n.kuten, want) {
		t.Fatalf("nfkc(%q) noted 。 at %v, want %v", text, n.kuten, want)
	}
}

// watchdog crashes the fuzzing worker, so that the input is saved, when
// one input takes longer than any should: Go's fuzzing has no per-input
// time limit, and a hang would only show as a stalled exec count.
func watchdog[T string | []byte](in T) *time.Timer {
	return time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("input took over 10 s: %q", in)) })
}

func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tm := watchdog(text)
		defer tm.Stop()
		checkExtract(t, text)
	})
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(uint8(0), s)
	}
	types := Types()
	for ty, s := range map[Type]string{
		IPv4: "192.168.0.1", IPv6: "2001:db8::1", CIDR: "203.0.113.5/24", Domain: "例え.jp",
		URL: "HXXPS://Example[.]com:443/a#b", Email: "a@b.co.jp", Phone: "090-1234-5678",
		BankAccount: "name:みずほ銀行/新宿支店/1/1234567", BTC: "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
		ETH: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", TRX: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", XMR: xmrFund,
		MD5: "D41D8CD98F00B204E9800998ECF8427E", SHA1: "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc",
		SHA256: "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b", SHA512: strings.Repeat("ab", 64),
		CVE: "cve-2021-44228", ASN: "ASN 64500", X: "https://twitter.com/Jack", Instagram: "@Shop.JP",
		Telegram: "t.me/durov", Line: "@123abcde", TikTok: "tiktok.com/@scam.tok",
	} {
		i := slices.Index(types, ty)
		f.Add(uint8(i), s)
	}
	for _, s := range []string{"yucho:12345-12345671", "0001-123-1-1234567", "name:0001/123/4/12",
		"みずほ銀行 新宿支店 普通 1234567", "ゆうちょ銀行 〇一八店 普通 1234567",
		"みずほ銀行 新宿支店 普通 一二三四五六七 名義 ヤマダ タロウ", "Mizuho Bank Shinjuku branch 1234567 (current)",
		"name:MIZUHO銀行/SHINJUKU支店/1/1234567"} {
		f.Add(uint8(slices.Index(types, BankAccount)), s)
	}
	f.Add(uint8(slices.Index(types, Phone)), "〇九〇―一二三四―五六七八")
	f.Add(uint8(slices.Index(types, Phone)), "090 - 1234 - \n5678")
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		ty := types[int(k)%len(types)]
		v, err := Normalize(ty, value)
		if err != nil {
			return
		}
		if v == "" || !utf8.ValidString(v) {
			t.Fatalf("Normalize(%s, %q) = %q", ty, value, v)
		}
		again, err := Normalize(ty, v)
		if err != nil || again != v {
			t.Fatalf("Normalize(%s, %q) = %q, but Normalize(%s, %q) = %q, %v", ty, value, v, ty, v, again, err)
		}
	})
}

// TestExtractInvariants runs the fuzz invariants over the seeds and the
// benchmark corpus, so that plain go test checks them too.
func TestExtractInvariants(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(iocextractDir, "test_data", "input.txt"))
	if err != nil {
		t.Fatalf("iocextract corpus missing: %v", err)
	}
	checkExtract(t, string(data))
	corpus := benchCorpus(64 << 10)
	checkExtract(t, corpus)
	for len(corpus) > 0 {
		k := strings.IndexByte(corpus, '\n')
		if k < 0 {
			k = len(corpus) - 1
		}
		checkExtract(t, corpus[:k+1])
		corpus = corpus[k+1:]
	}
}

// TestStableRunes checks nfkc's assumptions against the norm package: the
// stable runes are their own NFKC form and start a segment, and full-width
// ASCII maps to ASCII.
func TestStableRunes(t *testing.T) {
	for r := rune(0); r <= 0xFFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if stableRune(r) {
			if norm.NFKC.String(s) != s {
				t.Errorf("stable rune %U is changed by NFKC", r)
			}
			if !norm.NFKC.PropertiesString(s).BoundaryBefore() {
				t.Errorf("stable rune %U may combine with the rune before it", r)
			}
		}
		if a, ok := wideASCII(r); ok {
			if got := norm.NFKC.String(s); got != string(rune(a)) {
				t.Errorf("NFKC(%U) = %q, wideASCII gives %q", r, got, a)
			}
		}
	}
}

func TestNFKCMatchesNorm(t *testing.T) {
	alphabet := []rune("aA0.-@[]()ｶﾞﾟか\u3099\u309Aが\uFF9E\uFF9F１．Ａ＠（）\u3000\u0301\u0338=<e。｡例①㈱ﾊﾟ\u00A0ﬁ\uFFFDｳｰ｢｣､･ｧﾝ【】・〒\u302A")
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		n := r.IntN(12)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		if r.IntN(10) == 0 {
			b.WriteByte(0xff) // invalid UTF-8
		}
		s := b.String()
		checkNFKC(t, s)
	}
}

func FuzzExtractEmail(f *testing.F) {
	for _, name := range []string{"phish_iso2022jp.eml", "alternative_html.eml", "attachment.eml", "broken.eml"} {
		f.Add(readEML(f, name))
	}
	f.Add([]byte("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--"))
	f.Add([]byte("Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\n\n\x1b$B$3$s$K$A$O\x1b(B"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tm := watchdog(raw)
		defer tm.Stop()
		ev, _ := ExtractEmail(raw)
		for _, w := range ev.Warnings {
			if strings.HasPrefix(w, "internal error") {
				t.Fatalf("ExtractEmail panicked: %s", w)
			}
		}
		checkEvidence(t, ev)
	})
}
