package observe

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// The mixed corpus is what BenchmarkExtractMixed and scripts/bench-extract
// measure: reports as citizens and partners send them, mostly prose with a
// few observables per KB (about one in six sentences carries one), as
// opposed to benchCorpus, which packs an observable into most sentences.
// It is generated, not stored, so that it costs nothing in the repository
// and is the same on every run (a fixed seed).

// mixedJA are sentences of Japanese fraud reports without an observable.
// Several hold what an extractor must not take: dates, amounts, times,
// counts, receipt numbers, versions, full-width and half-width forms.
var mixedJA = []string{
	"昨日の夜、知らない番号から電話があり、銀行の担当者を名乗る人物にキャッシュカードの暗証番号を聞かれました。",
	"宅配業者を装ったSMSが届き、不在通知のリンクを開いてしまいました。",
	"ネットショップで商品を購入しましたが、代金を振り込んだ後に連絡が取れなくなりました。",
	"息子を名乗る人物から「会社のお金を使い込んだ」と電話があり、現金を用意するよう言われました。",
	"パソコンの画面に警告が表示され、サポート窓口に電話するよう求められました。",
	"ＳＮＳで知り合った人から投資の話を持ちかけられ、指定の口座に送金しました。",
	"ｱｶｳﾝﾄが凍結されると書かれたメールが届き、不安になってパスワードを入力しました。",
	"相手は片言の日本語で、「今日中に手続きしないと口座が使えなくなる」と繰り返していました。",
	"コンビニで電子マネーのカードを買うように指示され、番号を伝えてしまいました。",
	"警察官を名乗る男から、あなたの口座が犯罪に使われていると言われました。",
	"不審に思い、家族に相談したところ詐欺ではないかと言われ、こちらに連絡しました。",
	"マッチングアプリで知り合った女性に、暗号資産の取引所に登録するよう勧められました。",
	"最初は少額の利益が出て出金もできたので、信用してしまいました。",
	"その後、出金しようとすると手数料や税金の名目で追加の入金を求められました。",
	"市役所の職員を名乗る人物から、医療費の還付金があるのでＡＴＭに行くよう言われました。",
	"メールの差出人は大手通販サイトの名前でしたが、よく見ると綴りが違っていました。",
	"表示された番号に電話すると、遠隔操作ソフトをインストールするよう指示されました。",
	"カード会社からの本人確認と書かれたメッセージで、カード番号と有効期限を入力しました。",
	"被害に気づいたのは、翌朝カード会社から利用確認の電話があったときです。",
	"同じような被害に遭っている人がいないか心配です。対応をお願いします。",
	"相手のアカウントはすでに削除されていて、やり取りの画面しか残っていません。",
	"警告音が鳴り続け、画面を閉じることができませんでした。",
	"父が一人暮らしをしており、最近このような電話が何度もかかってくるそうです。",
	"添付ファイルを開いたところ、パソコンの動作が急に遅くなりました。",
	"振り込んだ金額は合計で約５０万円です。",
	"２０２４年３月１５日の午後２時ごろに最初の連絡がありました。",
	"被害額は3回に分けて合計120万円、最後の振込は4月2日でした。",
	"受付番号は2024-0315-0012と言われましたが、正規の窓口ではなかったようです。",
	"アプリのバージョンは3.2.1で、OSは最新の状態でした。",
	"約1.5倍になると言われ、最初に10万円を入金しました。",
	"ﾃﾞｨｽﾌﾟﾚｲに表示された電話番号にはつながりませんでした。",
	"通話時間は１５分ほどで、相手は男性二人でした。",
}

// mixedEN are sentences of English phishing and fraud reports without an
// observable.
var mixedEN = []string{
	"The caller claimed to be from the tax office and asked for gift cards.",
	"I clicked the link before I realised the page was fake.",
	"They asked me to install a remote desktop tool so that they could help.",
	"Our SOC received several reports of a credential phishing campaign this morning.",
	"The e-mail impersonated a parcel delivery company and used the recipient's name.",
	"Users who entered their password were redirected to the legitimate site afterwards.",
	"The landing page was hosted behind a CDN and changed every few hours.",
	"At 09:42 UTC we blocked the sender and purged 312 copies from mailboxes.",
	"The attachment was a password-protected ZIP archive containing a shortcut file.",
	"Version 2.4.1 of the loader was observed, compared with 2.3.8 last week.",
	"The victim lost about $4,500 before the bank froze the account.",
	"Please treat this as TLP:AMBER and do not share it outside your organisation.",
	"No further activity was seen after the password reset on March 3, 2025.",
	"The message asked the user to confirm their account within 24 hours.",
	"Analysis of invoice.pdf showed an embedded link to a credential form.",
	"We recommend blocking the indicators below at the proxy and the mail gateway.",
	"The scammer kept the victim on the phone for nearly two hours.",
	"Several employees reported the same text message on their personal phones.",
}

// mixedBanks, mixedBranches and mixedHolders build bank-account sentences.
var (
	mixedBanks    = []string{"みずほ銀行", "三菱UFJ銀行", "三井住友銀行", "りそな銀行", "楽天銀行", "PayPay銀行", "住信SBIネット銀行", "横浜銀行", "城南信用金庫", "京都中央信金"}
	mixedBranches = []string{"新宿支店", "渋谷支店", "本店営業部", "梅田支店", "横浜駅前支店", "第一営業支店", "品川出張所", "池袋東口支店"}
	mixedHolders  = []string{"ヤマダ タロウ", "カ）ミライトレード", "スズキ ハナコ", "ド）アサヒシヨウジ"}
)

// mixedCorpus returns about size bytes of reports, the same for every run:
// Japanese citizens' reports, English phishing reports and analysts'
// notes, separated by blank lines.
func mixedCorpus(size int) string {
	g := corpusGen{r: rand.New(rand.NewPCG(2024, 315))}
	var b strings.Builder
	b.Grow(size + 4096)
	for b.Len() < size {
		switch k := g.r.IntN(10); {
		case k < 6:
			g.reportJA(&b)
		case k < 9:
			g.reportEN(&b)
		default:
			g.notesJA(&b)
		}
		b.WriteByte('\n') // a blank line between reports
	}
	return b.String()
}

// corpusGen draws the parts of the mixed corpus from one random source.
type corpusGen struct{ r *rand.Rand }

func (g corpusGen) pick(words []string) string { return words[g.r.IntN(len(words))] }

// reportJA writes a citizen's report: six to sixteen sentences, one in six
// carrying an observable.
func (g corpusGen) reportJA(b *strings.Builder) {
	fmt.Fprintf(b, "【相談内容】%d月%d日 %d:%02d受付\n", 1+g.r.IntN(12), 1+g.r.IntN(28), 8+g.r.IntN(12), g.r.IntN(60))
	for n := 6 + g.r.IntN(11); n > 0; n-- {
		if g.r.IntN(6) == 0 {
			b.WriteString(g.observableJA())
		} else {
			b.WriteString(g.pick(mixedJA))
		}
		if g.r.IntN(5) == 0 {
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
}

// reportEN writes a partner's phishing report.
func (g corpusGen) reportEN(b *strings.Builder) {
	fmt.Fprintf(b, "Subject: Phishing report #%d\n", 1000+g.r.IntN(9000))
	for n := 6 + g.r.IntN(11); n > 0; n-- {
		if g.r.IntN(6) == 0 {
			b.WriteString(g.observableEN())
		} else {
			b.WriteString(g.pick(mixedEN))
		}
		b.WriteByte(' ')
		if g.r.IntN(4) == 0 {
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
}

// notesJA writes an analyst's note: a little prose, then a list of
// indicators, defanged as analysts write them.
func (g corpusGen) notesJA(b *strings.Builder) {
	b.WriteString("【分析メモ】本件に関連する痕跡を以下に示す。いずれも他の相談でも確認されている。\n")
	for n := 3 + g.r.IntN(4); n > 0; n-- {
		switch g.r.IntN(6) {
		case 0:
			fmt.Fprintf(b, "・接続先: %s\n", defang(g.host()))
		case 1:
			fmt.Fprintf(b, "・C2: %s (%s)\n", strings.ReplaceAll(g.ipv4(), ".", "[.]"), g.asn())
		case 2:
			fmt.Fprintf(b, "・検体 SHA256: %s\n", g.hex(64))
		case 3:
			fmt.Fprintf(b, "・誘導先URL: %s\n", strings.Replace(defang(g.url()), "https", "hxxps", 1))
		case 4:
			fmt.Fprintf(b, "・悪用された脆弱性: CVE-%d-%d\n", 2019+g.r.IntN(7), 1000+g.r.IntN(60000))
		default:
			fmt.Fprintf(b, "・送金先ウォレット: %s\n", g.wallet())
		}
	}
}

// observableJA returns a Japanese sentence that carries one observable, in
// the forms citizens write: full-width, glued to Japanese words, defanged.
func (g corpusGen) observableJA() string {
	switch g.r.IntN(14) {
	case 0:
		return "「" + g.phone() + "に電話してください」と言われました。"
	case 1:
		return "折り返しの電話番号は" + g.phone() + "でした。"
	case 2:
		return "ＳＭＳのリンク先は" + g.url() + "でした。"
	case 3:
		return "本日、" + g.url() + " というサイトに誘導されました。"
	case 4:
		return "送信元のアドレスは" + g.mailbox() + "＠" + g.host() + "でした。"
	case 5:
		return "メールの差出人は " + g.mailbox() + "@" + g.host() + " です。"
	case 6:
		return "振込先は" + g.pick(mixedBanks) + g.pick(mixedBranches) + "の普通口座" + g.digits(7) + "（名義：" + g.pick(mixedHolders) + "）でした。"
	case 7:
		return g.pick(mixedBanks) + " " + g.pick(mixedBranches) + " 普通預金 口座番号" + toFullWidth(g.digits(7)) + "に振り込みました。"
	case 8:
		return "ゆうちょ銀行の記号1" + g.digits(4) + " 番号" + g.digits(7) + "1に送金するよう指示されました。"
	case 9:
		return "偽サイトのドメインは" + toFullWidth(g.host()) + "です。"
	case 10:
		return "不審なドメイン " + defang(g.host()) + " を確認しました。"
	case 11:
		return "ＩＰアドレスは" + toFullWidth(g.ipv4()) + "と表示されていました。"
	case 12:
		return "LINE ID: " + g.handle() + " の人物から連絡がありました。"
	default:
		return "指定された送金先は " + g.wallet() + " というアドレスでした。"
	}
}

// observableEN returns an English sentence that carries one observable.
func (g corpusGen) observableEN() string {
	switch g.r.IntN(12) {
	case 0:
		return "The link pointed to " + g.url() + "."
	case 1:
		return "The mail came from " + g.mailbox() + "@" + g.host() + " and used a lookalike display name."
	case 2:
		return "The phishing kit was hosted at " + strings.Replace(defang(g.url()), "https", "hxxps", 1) + " until Friday."
	case 3:
		return "Connections went to " + g.ipv4() + " on port 443."
	case 4:
		return "The payload (SHA-256 " + g.hex(64) + ") is detected by few engines."
	case 5:
		return "Its MD5 is " + g.hex(32) + " and its SHA-1 is " + g.hex(40) + "."
	case 6:
		return "The domain " + defang(g.host()) + " was registered two days ago."
	case 7:
		return "Victims were asked to call " + g.phoneIntl() + " to cancel the order."
	case 8:
		return "The loader exploits CVE-" + fmt.Sprint(2019+g.r.IntN(7)) + "-" + fmt.Sprint(1000+g.r.IntN(60000)) + " for privilege escalation."
	case 9:
		return "Infrastructure is announced by " + g.asn() + "."
	case 10:
		return "The ransom note asked for payment to " + g.wallet() + "."
	default:
		return "Replies went to " + g.mailbox() + "[@]" + defang(g.host()) + "."
	}
}

// The observables themselves.

var (
	mixedSyllables = []string{"ka", "mi", "to", "ra", "net", "pay", "secure", "login", "bank", "shop", "ex", "am", "ple", "no", "su", "ki", "card", "post", "jp", "smbc", "rakuten", "amzn", "apple", "verify"}
	mixedTLDs      = []string{"com", "com", "com", "jp", "co.jp", "net", "xyz", "top", "shop", "info", "ne.jp", "cn", "online", "icu"}
	mixedPaths     = []string{"/login", "/verify?id=", "/ja/account/update.php?session=", "/", "/redelivery/", "/auth/signin?next=%2Fmypage&token=", "/s/"}
	mixedMailboxes = []string{"support", "info", "no-reply", "security", "admin", "service", "kanri"}
)

func (g corpusGen) host() string {
	var b strings.Builder
	for n := 1 + g.r.IntN(3); n > 0; n-- {
		if b.Len() > 0 && g.r.IntN(4) == 0 {
			b.WriteByte('-')
		}
		b.WriteString(g.pick(mixedSyllables))
	}
	if g.r.IntN(5) == 0 {
		return "www." + b.String() + "." + g.pick(mixedTLDs)
	}
	return b.String() + "." + g.pick(mixedTLDs)
}

func (g corpusGen) url() string {
	scheme := "https://"
	if g.r.IntN(4) == 0 {
		scheme = "http://"
	}
	p := g.pick(mixedPaths)
	if strings.HasSuffix(p, "=") || strings.HasSuffix(p, "/s/") {
		p += g.hex(8 + g.r.IntN(16))
	}
	return scheme + g.host() + p
}

func (g corpusGen) mailbox() string {
	if g.r.IntN(2) == 0 {
		return g.pick(mixedMailboxes)
	}
	return g.pick(mixedMailboxes) + "." + g.hex(4)
}

func (g corpusGen) ipv4() string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g corpusGen) asn() string { return fmt.Sprintf("AS%d", 1000+g.r.IntN(400000)) }

func (g corpusGen) handle() string { return g.pick(mixedMailboxes) + "_" + g.hex(5) }

// phone returns a Japanese number as people write it: mobile, Tokyo and
// Osaka lines, toll-free and IP phone numbers, with dashes, parentheses or
// in full-width forms. Every one is valid for phonenumbers.
func (g corpusGen) phone() string {
	var n string
	switch g.r.IntN(6) {
	case 0, 1:
		n = fmt.Sprintf("0%d0-%d%03d-%04d", 7+g.r.IntN(3), 1+g.r.IntN(9), g.r.IntN(1000), g.r.IntN(10000))
	case 2:
		n = fmt.Sprintf("03-%d%03d-%04d", 1+g.r.IntN(9), g.r.IntN(1000), g.r.IntN(10000))
	case 3:
		n = fmt.Sprintf("06(%d%03d)%04d", 1+g.r.IntN(9), g.r.IntN(1000), g.r.IntN(10000))
	case 4:
		n = fmt.Sprintf("0120-%03d-%03d", g.r.IntN(1000), g.r.IntN(1000))
	default:
		n = fmt.Sprintf("050-%d%03d-%04d", 1+g.r.IntN(9), g.r.IntN(1000), g.r.IntN(10000))
	}
	if g.r.IntN(4) == 0 {
		return toFullWidth(n)
	}
	return n
}

// phoneIntl returns a Japanese mobile number in international form.
func (g corpusGen) phoneIntl() string {
	return fmt.Sprintf("+81 %d0 %d%03d %04d", 7+g.r.IntN(3), 1+g.r.IntN(9), g.r.IntN(1000), g.r.IntN(10000))
}

func (g corpusGen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g corpusGen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

// wallet returns a valid Bitcoin (P2PKH), TRON, Ethereum or (seldom)
// Monero address, with the encoders of crypto_test.go.
func (g corpusGen) wallet() string {
	key := make([]byte, 64)
	for i := range key {
		key[i] = byte(g.r.IntN(256))
	}
	switch g.r.IntN(7) {
	case 0, 1:
		return encodeBase58Check(0x00, key[:20])
	case 2, 3:
		return encodeBase58Check(0x41, key[:20])
	case 4, 5:
		return fmt.Sprintf("0x%x", key[:20])
	default:
		return encodeXMR(18, key)
	}
}

// defang writes every dot of a host name as "[.]".
func defang(host string) string { return strings.ReplaceAll(host, ".", "[.]") }

// corpusOut is where TestWriteBenchCorpus writes the mixed corpus, for
// scripts/bench-extract to hand the same text to other extractors.
var corpusOut = flag.String("corpus-out", "", "write the mixed benchmark corpus to this file (TestWriteBenchCorpus)")

// corpusSize is the size of the mixed corpus the benchmark and the
// comparison script use.
const corpusSize = 4 << 20

// corpusOutSize, when not zero, is the size in bytes of the corpora that
// -corpus-out and -dense-out write: the comparison script times the koban
// extract command on larger ones, so that its start-up weighs little.
var corpusOutSize = flag.Int("corpus-size", 0, "size in bytes of the corpora -corpus-out and -dense-out write (0: the benchmarks' sizes)")

// outSize is corpusOutSize, or size when that is zero.
func outSize(size int) int {
	if *corpusOutSize > 0 {
		return *corpusOutSize
	}
	return size
}

// TestWriteBenchCorpus writes the mixed corpus to -corpus-out; without the
// flag it only checks that the corpus is as dense as intended.
func TestWriteBenchCorpus(t *testing.T) {
	if *corpusOut != "" {
		text := mixedCorpus(outSize(corpusSize))
		if err := os.WriteFile(*corpusOut, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	text := mixedCorpus(corpusSize)
	part := text[:strings.LastIndexByte(text[:256<<10], '\n')+1]
	perKB := float64(len(Extract(part))) / float64(len(part)>>10)
	if perKB < 1 || perKB > 8 {
		t.Errorf("mixed corpus has %.1f observables per KB; want a few", perKB)
	}
}

// BenchmarkExtractMixed runs Extract, in one goroutine, over the mixed
// corpus (4 MiB as one text): mostly prose, a few observables per KB. The
// phone-number cache is emptied before each run, so every number is
// validated afresh.
func BenchmarkExtractMixed(b *testing.B) {
	text := mixedCorpus(corpusSize)
	Extract(text) // warm-up: tables built on first use, buffers grown
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		clearPhoneCache()
		b.StartTimer()
		Extract(text)
	}
}
