package csaf

// phrases are the texts Build adds to a document, in one language.
type phrases struct {
	summary, description, initial, self string
	tlp, amberStrict                    string
	nvd, kev, kevDue, epss, epssDate    string
}

// words holds the phrases of each language Build writes.
var words = map[string]phrases{
	"en": {
		summary:     "Summary",
		description: "Description",
		initial:     "Initial version.",
		self:        "This advisory",
		tlp:         "TLP 2.0 level %s, labelled TLP:%s because CSAF 2.0 knows only the TLP 1.0 labels.",
		amberStrict: "AMBER+STRICT: recipients may share this advisory only inside their own organisation, not with the organisations under it.",
		nvd:         "%s at NVD",
		kev:         "Listed in CISA's Known Exploited Vulnerabilities catalog: exploited in the wild.",
		kevDue:      " Remediation due by %s.",
		epss:        "EPSS probability of exploitation in the next 30 days: %g (percentile %g).",
		epssDate:    " Scored on %s.",
	},
	"ja": {
		summary:     "概要",
		description: "説明",
		initial:     "初版。",
		self:        "本アドバイザリ",
		tlp:         "TLP 2.0 のレベルは %s。CSAF 2.0 は TLP 1.0 のラベルしか扱えないため TLP:%s と表示している。",
		amberStrict: "AMBER+STRICT：受領者は本アドバイザリを自組織の内部でのみ共有でき、下部組織には共有できない。",
		nvd:         "NVD の %s",
		kev:         "CISA の既知の悪用された脆弱性カタログ（KEV）に掲載されており、実際に悪用されている。",
		kevDue:      "対応期限は %s。",
		epss:        "EPSS（今後30日間に悪用される確率）：%g（パーセンタイル %g）。",
		epssDate:    "%s 時点。",
	},
}
