package observe

import (
	"errors"
	"testing"
)

func TestExtractBankAccounts(t *testing.T) {
	b := func(v string) []Observable { return []Observable{o(BankAccount, v)} }
	runExtract(t, []extractCase{
		{"names with spaces", "みずほ銀行 新宿支店 普通 1234567", b("name:みずほ銀行/新宿支店/1/1234567")},
		{"普通預金 and 口座番号", "三菱UFJ銀行 渋谷支店 普通預金 口座番号1234567", b("name:三菱UFJ銀行/渋谷支店/1/1234567")},
		{"full-width and ideographic spaces", "振込先：三井住友銀行　品川支店　普通　１２３４５６７", b("name:三井住友銀行/品川支店/1/1234567")},
		{"glued to particles", "振込先はみずほ銀行新宿支店の普通口座1234567です。", b("name:みずほ銀行/新宿支店/1/1234567")},
		{"読点 between parts", "きらぼし銀行、新宿支店、普通、1234567", b("name:きらぼし銀行/新宿支店/1/1234567")},
		{"no account type is ordinary", "みずほ銀行 新宿支店 1234567", b("name:みずほ銀行/新宿支店/1/1234567")},
		{"当座", "みずほ銀行(0001) 新宿支店(123) 当座 7654321", b("0001-123-2-7654321")},
		{"貯蓄 and 本店営業部", "りそな銀行 本店営業部 貯蓄預金 1111111", b("name:りそな銀行/本店営業部/4/1111111")},
		{"codes by label", "銀行コード0001 支店コード123 普通 1234567", b("0001-123-1-1234567")},
		{"full-width codes", "金融機関コード：０００５　支店番号：１２３　普通　口座番号：０１２３４５６", b("0005-123-1-0123456")},
		{"店番", "PayPay銀行 店番003 普通 1234567", b("name:PAYPAY銀行/003/1/1234567")},
		{"ASCII and kanji branch name after a label", "楽天銀行 支店名：ABC新宿 普通 1234567", b("name:楽天銀行/ABC新宿支店/1/1234567")},
		{"ASCII and kanji bank name after a label", "銀行名：ABC銀行 支店名：Shinjuku 普通 1234567", b("name:ABC銀行/SHINJUKU支店/1/1234567")},
		{"short number after a label", "みずほ銀行 新宿支店 普通 口座番号12345", b("name:みずほ銀行/新宿支店/1/0012345")},
		{"信金 written out", "城南信金 蒲田支店 普通 0012345", b("name:城南信用金庫/蒲田支店/1/0012345")},
		{"信用組合", "第一勧業信用組合 本店 普通 7777777", b("name:第一勧業信用組合/本店/1/7777777")},
		{"JA", "JA東京中央 本店 普通 1234567", b("name:JA東京中央/本店/1/1234567")},
		{"labelled lines", "【振込先】\n銀行名：楽天銀行\n支店名：第一営業\n種別：普通\n口座番号：7654321\n名義：ヤマダ　タロウ",
			b("name:楽天銀行/第一営業支店/1/7654321")},
		{"ゆうちょ 記号 番号", "ゆうちょ銀行 記号12345 番号12345671", b("9900-238-1-1234567")},
		{"ゆうちょ 記号-番号", "ゆうちょ 12345-12345671 に振り込んで", b("9900-238-1-1234567")},
		{"ゆうちょ short 番号", "ゆうちょ銀行の記号10230、番号1234561", b("9900-028-1-0123456")},
		{"ゆうちょ 振替口座 kept", "ゆうちょ銀行 記号01234 番号123456", b("yucho:01234-00123456")},
		{"ゆうちょ by branch numerals", "ゆうちょ銀行 〇一八店 普通 1234567", b("9900-018-1-1234567")},
		{"two accounts", "みずほ銀行 新宿支店 普通 1234567、次に楽天銀行 ジャズ支店 普通 7654321", []Observable{
			o(BankAccount, "name:みずほ銀行/新宿支店/1/1234567"), o(BankAccount, "name:楽天銀行/ジャズ支店/1/7654321")}},
		{"with a phone", "みずほ銀行 新宿支店 普通 1234567 連絡先090-1234-5678", []Observable{
			o(BankAccount, "name:みずほ銀行/新宿支店/1/1234567"), o(Phone, "+819012345678")}},

		{"bare seven digits", "1234567", nil},
		{"member number", "会員番号1234567を聞かれた", nil},
		{"bank named, number elsewhere", "みずほ銀行を名乗る電話があり、会員番号1234567を聞かれた", nil},
		{"no branch", "みずほ銀行 1234567", nil},
		{"generic bank word", "ネット銀行 新宿支店 普通 1234567", nil},
		{"bank words without a name", "銀行の担当者から口座番号1234567を教えるよう言われた", nil},
		{"eight digits", "みずほ銀行 新宿支店 普通 12345678", nil},
		{"phone after a bank", "みずほ銀行 新宿支店 090-1234-5678", []Observable{o(Phone, "+819012345678")}},
		{"decimal", "みずほ銀行 新宿支店 1234567.5", nil},
		{"an amount", "みずほ銀行 新宿支店で1234567円を引き出した", nil},
		{"an amount after the bank", "2024年10月13日に三井住友銀行から1000000円を振り込んだ", nil},
		{"a receipt number", "みずほ銀行新宿支店の受付番号1234567", nil},
		{"online is not LINE nor a bank", "オンライン 新宿支店 普通 1234567", nil},
	})
}

func TestNormalizeBankAccount(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0001-123-1-1234567", "0001-123-1-1234567"},
		{"0001 123 1 1234567", "0001-123-1-1234567"},
		{"０００１－１２３－２－１２３４５", "0001-123-2-0012345"},
		{"name:みずほ銀行/新宿支店/1/1234567", "name:みずほ銀行/新宿支店/1/1234567"},
		{"name:みずほ/新宿/4/123", "name:みずほ銀行/新宿支店/4/0000123"},
		{"name:城南信金/蒲田支店/1/1234567", "name:城南信用金庫/蒲田支店/1/1234567"},
		{"name:0001/123/1/1234567", "0001-123-1-1234567"},
		{"name:ゆうちょ銀行/〇一八店/1/1234567", "9900-018-1-1234567"},
		{"yucho:12345-12345671", "9900-238-1-1234567"},
		{"yucho:01234-123456", "yucho:01234-00123456"},
		{"みずほ銀行 新宿支店 普通 1234567", "name:みずほ銀行/新宿支店/1/1234567"},
		{"ゆうちょ銀行 記号12345 番号12345671", "9900-238-1-1234567"},
		{"みずほ銀行 新宿支店 普通 一二三四五六七", "name:みずほ銀行/新宿支店/1/1234567"},
		{"みずほ銀行 新宿支店 普通 1234567 名義 ヤマダ タロウ", "name:みずほ銀行/新宿支店/1/1234567"},
		{"みずほ銀行 新宿支店 1234567（当座）", "name:みずほ銀行/新宿支店/2/1234567"},

		{"0001-123-3-1234567", ""},
		{"0001-12-1-1234567", ""},
		{"1234567", ""},
		{"name:ネット銀行/新宿支店/1/1234567", ""},
		{"name:みずほ銀行/新宿支店/1", ""},
		{"name:みずほ銀行/新/宿支店/1/1234567", ""},
		{"name:みずほ銀行/新宿支店/1/12345678", ""},
		{"yucho:1234-1234567", ""},
		{"みずほ銀行 新宿支店 普通 1234567 と 7654321", ""},
		{"みずほ銀行 新宿支店 普通 1234567 口座番号 7654321", ""},
		{"みずほ銀行 新宿支店 普通 1234567 名義 ヤマダ 7654321", ""},
	}
	for _, c := range cases {
		got, err := Normalize(BankAccount, c.in)
		if c.want == "" {
			if err == nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("Normalize(bank_account, %q) = %q, %v; want an ErrInvalid", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Normalize(bank_account, %q) = %q, %v; want %q", c.in, got, err, c.want)
			continue
		}
		if again, err := Normalize(BankAccount, got); err != nil || again != got {
			t.Errorf("Normalize(bank_account, %q) = %q, %v: not idempotent", got, again, err)
		}
	}
}
