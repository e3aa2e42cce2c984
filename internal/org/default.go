package org

// Seed is one row of the default tree; ParentCode "" means a root.
type Seed struct {
	Code, ParentCode string
	Kind             Kind
	NameJA, NameEN   string
	Prefecture       string
}

// NationalQueueCode is the code of the organisation that owns reports whose
// prefecture is unknown: the Cyber Affairs Bureau.
const NationalQueueCode = "npa-cab"

// Prefecture is one of the 47 JIS X 0401 prefectures, for forms and routing.
type Prefecture struct {
	Code, NameJA, NameEN string // Code is "01".."47"
}

// prefectures is indexed by JIS code minus one.
var prefectures = [47]Prefecture{
	{"01", "北海道", "Hokkaido"},
	{"02", "青森県", "Aomori"},
	{"03", "岩手県", "Iwate"},
	{"04", "宮城県", "Miyagi"},
	{"05", "秋田県", "Akita"},
	{"06", "山形県", "Yamagata"},
	{"07", "福島県", "Fukushima"},
	{"08", "茨城県", "Ibaraki"},
	{"09", "栃木県", "Tochigi"},
	{"10", "群馬県", "Gunma"},
	{"11", "埼玉県", "Saitama"},
	{"12", "千葉県", "Chiba"},
	{"13", "東京都", "Tokyo"},
	{"14", "神奈川県", "Kanagawa"},
	{"15", "新潟県", "Niigata"},
	{"16", "富山県", "Toyama"},
	{"17", "石川県", "Ishikawa"},
	{"18", "福井県", "Fukui"},
	{"19", "山梨県", "Yamanashi"},
	{"20", "長野県", "Nagano"},
	{"21", "岐阜県", "Gifu"},
	{"22", "静岡県", "Shizuoka"},
	{"23", "愛知県", "Aichi"},
	{"24", "三重県", "Mie"},
	{"25", "滋賀県", "Shiga"},
	{"26", "京都府", "Kyoto"},
	{"27", "大阪府", "Osaka"},
	{"28", "兵庫県", "Hyogo"},
	{"29", "奈良県", "Nara"},
	{"30", "和歌山県", "Wakayama"},
	{"31", "鳥取県", "Tottori"},
	{"32", "島根県", "Shimane"},
	{"33", "岡山県", "Okayama"},
	{"34", "広島県", "Hiroshima"},
	{"35", "山口県", "Yamaguchi"},
	{"36", "徳島県", "Tokushima"},
	{"37", "香川県", "Kagawa"},
	{"38", "愛媛県", "Ehime"},
	{"39", "高知県", "Kochi"},
	{"40", "福岡県", "Fukuoka"},
	{"41", "佐賀県", "Saga"},
	{"42", "長崎県", "Nagasaki"},
	{"43", "熊本県", "Kumamoto"},
	{"44", "大分県", "Oita"},
	{"45", "宮崎県", "Miyazaki"},
	{"46", "鹿児島県", "Kagoshima"},
	{"47", "沖縄県", "Okinawa"},
}

// Prefectures returns the 47 prefectures in code order.
func Prefectures() []Prefecture {
	out := make([]Prefecture, len(prefectures))
	copy(out, prefectures[:])
	return out
}

// PrefectureByCode returns the prefecture with a two-digit JIS code such as "13".
func PrefectureByCode(code string) (Prefecture, bool) {
	if len(code) != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' {
		return Prefecture{}, false
	}
	n := int(code[0]-'0')*10 + int(code[1]-'0')
	if n < 1 || n > len(prefectures) {
		return Prefecture{}, false
	}
	return prefectures[n-1], true
}

// OrgCodeForPrefecture returns the code of a prefecture's HQ: "13" -> "pref-13".
func OrgCodeForPrefecture(jis string) string { return "pref-" + jis }

// regionalBureau is one 管区警察局 and the prefectures it supervises.
type regionalBureau struct {
	code, nameJA, nameEN string
	prefectures          []string
}

// regionalBureaus lists the regional police bureaus. There have been six
// since April 2019, when the 中国 and 四国 bureaus merged into 中国四国管区警察局.
// The product brief says "7", the count before that merger. The tree is data
// that admins can change, so this is only the starting point of a fresh
// install. Hokkaido (01) and the Tokyo MPD (13) have no regional bureau and
// sit directly under the NPA.
var regionalBureaus = []regionalBureau{
	{"rpb-tohoku", "東北管区警察局", "Tohoku Regional Police Bureau",
		[]string{"02", "03", "04", "05", "06", "07"}},
	{"rpb-kanto", "関東管区警察局", "Kanto Regional Police Bureau",
		[]string{"08", "09", "10", "11", "12", "14", "15", "19", "20", "22"}},
	{"rpb-chubu", "中部管区警察局", "Chubu Regional Police Bureau",
		[]string{"16", "17", "18", "21", "23", "24"}},
	{"rpb-kinki", "近畿管区警察局", "Kinki Regional Police Bureau",
		[]string{"25", "26", "27", "28", "29", "30"}},
	{"rpb-chugoku-shikoku", "中国四国管区警察局", "Chugoku-Shikoku Regional Police Bureau",
		[]string{"31", "32", "33", "34", "35", "36", "37", "38", "39"}},
	{"rpb-kyushu", "九州管区警察局", "Kyushu Regional Police Bureau",
		[]string{"40", "41", "42", "43", "44", "45", "46", "47"}},
}

// DefaultTree returns the default organisation tree, parents before children.
func DefaultTree() []Seed {
	parentOf := make(map[string]string, len(prefectures))
	for _, p := range prefectures {
		parentOf[p.Code] = "npa" // Hokkaido and Tokyo; overwritten below for the rest
	}
	seeds := []Seed{
		{Code: "npa", Kind: KindNational, NameJA: "警察庁", NameEN: "National Police Agency"},
		{Code: NationalQueueCode, ParentCode: "npa", Kind: KindBureau, NameJA: "サイバー警察局", NameEN: "Cyber Affairs Bureau"},
	}
	for _, rb := range regionalBureaus {
		seeds = append(seeds, Seed{Code: rb.code, ParentCode: "npa", Kind: KindRegional, NameJA: rb.nameJA, NameEN: rb.nameEN})
		for _, jis := range rb.prefectures {
			parentOf[jis] = rb.code
		}
	}
	// The National Cyber Unit was set up in April 2022 as サイバー特別捜査隊
	// and became サイバー特別捜査部 in April 2024; it is still part of the
	// Kanto Regional Police Bureau. The code stays "ncu".
	seeds = append(seeds, Seed{Code: "ncu", ParentCode: "rpb-kanto", Kind: KindUnit, NameJA: "サイバー特別捜査部", NameEN: "National Cyber Unit"})
	for _, p := range prefectures {
		s := Seed{
			Code:       OrgCodeForPrefecture(p.Code),
			ParentCode: parentOf[p.Code],
			Kind:       KindPrefecture,
			NameJA:     p.NameJA + "警察本部",
			NameEN:     p.NameEN + " Prefectural Police HQ",
			Prefecture: p.Code,
		}
		if p.Code == "13" {
			s.NameJA = "警視庁"
			s.NameEN = "Tokyo Metropolitan Police Department"
		}
		seeds = append(seeds, s)
	}
	return seeds
}
