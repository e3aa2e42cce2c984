package triage

import "slices"

// urgentPhrases are words that put a text in front of an officer whatever
// the urgency model says: a threat to kill, a suicide plan or partner,
// recruitment for robbery, a hospital hit by ransomware. They are matched
// after normalisation, so 「コロス」 and 「ころす」 are the same phrase.
// Each is specific enough that a false alarm costs one look; the model
// catches the paraphrases.
var urgentPhrases = normalizeAll([]string{
	"殺す", "殺してやる", "ころす", "殺害予告", "爆破予告", "爆破する", "刺してやる",
	"一緒に死", "自殺の方法", "楽に死ねる", "死ぬ方法", "練炭", "集団自殺",
	"強盗", "タタキ", "押し込み",
	"病院がランサム", "病院のシステムが暗号化", "電子カルテが暗号化",
	"kill you", "bomb threat",
})

func normalizeAll(phrases []string) [][]rune {
	out := make([][]rune, 0, len(phrases))
	var n normalizer
	for _, p := range phrases {
		out = append(out, n.run(nil, p))
	}
	return out
}

// urgentPhrase reports whether the normalised text holds one of the
// urgent phrases.
func urgentPhrase(text []rune) bool {
	for _, p := range urgentPhrases {
		if len(p) == 0 || len(p) > len(text) {
			continue
		}
		for i := 0; i+len(p) <= len(text); i++ {
			if text[i] == p[0] && slices.Equal(text[i:i+len(p)], p) {
				return true
			}
		}
	}
	return false
}
