package observe

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// syllables build random host names.
var syllables = []string{"ka", "mi", "to", "ra", "net", "pay", "secure", "login", "bank", "shop", "jp", "ex", "am", "ple", "no", "su", "ki", "card"}

// corpusTLDs are the suffixes of random host names.
var corpusTLDs = []string{"com", "jp", "co.jp", "net", "xyz", "top", "shop", "info", "ne.jp", "cn"}

// fillerJA and fillerEN are sentences without observables.
var fillerJA = []string{
	"昨日の夜、知らない番号から電話があり、銀行の担当者を名乗る人物にキャッシュカードの暗証番号を聞かれました。",
	"宅配業者を装ったSMSが届き、リンクを開いてしまいました。",
	"ネットショップで商品を購入しましたが、代金を振り込んだ後に連絡が取れなくなりました。",
	"息子を名乗る人物から「会社のお金を使い込んだ」と電話があり、現金を用意するよう言われました。",
	"パソコンの画面に警告が表示され、サポート窓口に電話するよう求められました。",
	"ＳＮＳで知り合った人から投資の話を持ちかけられ、指定の口座に送金しました。",
	"ｱｶｳﾝﾄが凍結されると書かれたメールが届きました。",
}

var fillerEN = []string{
	"The caller claimed to be from the tax office and asked for gift cards.",
	"I clicked the link before I realised the page was fake.",
	"They asked me to install a remote desktop tool so that they could help.",
}

// corpusPart returns one random sentence, with or without an observable.
func corpusPart(r *rand.Rand) string {
	host := func() string {
		n := 1 + r.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		return b.String() + "." + corpusTLDs[r.IntN(len(corpusTLDs))]
	}
	hex := func(n int) string {
		const digits = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = digits[r.IntN(16)]
		}
		return string(b)
	}
	ip := func() string {
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
	phone := func() string {
		switch r.IntN(3) {
		case 0:
			return fmt.Sprintf("0%d0-%04d-%04d", 7+r.IntN(3), r.IntN(10000), r.IntN(10000))
		case 1:
			return fmt.Sprintf("03-%04d-%04d", 1000+r.IntN(9000), r.IntN(10000))
		default:
			return fmt.Sprintf("０９０－%s－%s", toFullWidth(fmt.Sprintf("%04d", r.IntN(10000))), toFullWidth(fmt.Sprintf("%04d", r.IntN(10000))))
		}
	}
	switch r.IntN(16) {
	case 0:
		return "本日、https://" + host() + "/login?id=" + hex(8) + "というサイトに誘導されました。"
	case 1:
		return "「" + phone() + "に電話してください」と言われました。"
	case 2:
		return "送信元のアドレスは" + hex(4) + "＠" + host() + "でした。"
	case 3:
		return "IPアドレス" + ip() + "からのアクセスがありました。"
	case 4:
		return "添付ファイルのハッシュ値は" + hex(64) + "です。"
	case 5:
		return fmt.Sprintf("CVE-%d-%d の脆弱性が悪用されたようです。", 2015+r.IntN(10), 1000+r.IntN(50000))
	case 6:
		return "不審なドメイン " + strings.ReplaceAll(host(), ".", "[.]") + " を確認しました。"
	case 7:
		return "ＩＰは" + toFullWidth(ip()) + "です。"
	case 8:
		return "We got a phishing mail from support@" + host() + " linking to hxxps://" + host() + "/verify. "
	case 9:
		return "The sample " + hex(32) + " beacons to " + ip() + ":443 every minute. "
	case 10, 11:
		return fillerEN[r.IntN(len(fillerEN))] + " "
	default:
		return fillerJA[r.IntN(len(fillerJA))]
	}
}

// toFullWidth writes ASCII letters, digits and dots in their full-width forms.
func toFullWidth(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c > ' ' && c < 0x7f {
			c += 0xFEE0
		}
		b.WriteRune(c)
	}
	return b.String()
}

// benchCorpus returns about size bytes of mixed Japanese and English report
// text, the same for every run.
func benchCorpus(size int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(corpusPart(r))
		if r.IntN(8) == 0 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// BenchmarkExtract runs Extract over a generated 1 MB mixed Japanese and
// English corpus. The phone-number cache is emptied before each run, so the
// figure is the cold one (every number goes through phonenumbers).
func BenchmarkExtract(b *testing.B) {
	text := benchCorpus(1 << 20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		clearPhoneCache()
		b.StartTimer()
		Extract(text)
	}
}

// BenchmarkExtractReports calls Extract per report of about 2 KB, as intake
// does, with the phone-number cache kept warm between runs.
func BenchmarkExtractReports(b *testing.B) {
	text := benchCorpus(1 << 20)
	var reports []string
	for len(text) > 2048 {
		k := strings.IndexByte(text[2048:], '\n')
		if k < 0 {
			break
		}
		reports = append(reports, text[:2048+k])
		text = text[2048+k+1:]
	}
	n := 0
	for _, r := range reports {
		n += len(r)
	}
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		for _, r := range reports {
			Extract(r)
		}
	}
}
