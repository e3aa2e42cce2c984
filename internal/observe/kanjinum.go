package observe

import "strings"

// Kanji numerals.
//
// Victims sometimes write a number one kanji numeral a digit
// ("〇九〇―一二三四―五六七八", "普通 一二三四五六七"). The phone and
// bank-account passes read such numerals as digits, starting from runs of
// at least minKanjiRun of them: every phone number has a group of four
// digits, and an account number is longer. A number written with 十, 百, 千
// or 万 ("百二十三万") is an amount, and is not read.

// minKanjiRun is the fewest numerals in a row that start a number.
const minKanjiRun = 4

// kanjiProbe is the stride at which findKanjiRuns looks for a numeral: the
// bytes of minKanjiRun numerals, so that every such run holds one probe.
const kanjiProbe = 3 * minKanjiRun

// kanjiDigit returns the value of the kanji numeral (〇一二三四五六七八九)
// whose UTF-8 form starts at t[i], or -1.
func kanjiDigit(t string, i int) int {
	if i < 0 || i+3 > len(t) {
		return -1
	}
	lo := uint16(t[i+1])<<8 | uint16(t[i+2])
	switch t[i] {
	case 0xE3:
		if lo == 0x8087 {
			return 0
		}
	case 0xE4:
		switch lo {
		case 0xB880:
			return 1
		case 0xBA8C:
			return 2
		case 0xB889:
			return 3
		case 0xBA94:
			return 5
		case 0xB883:
			return 7
		case 0xB99D:
			return 9
		}
	case 0xE5:
		switch lo {
		case 0x9B9B:
			return 4
		case 0x85AD:
			return 6
		case 0x85AB:
			return 8
		}
	}
	return -1
}

// kanjiMagnitudes are the numerals that make an amount of the digits
// next to them.
const kanjiMagnitudes = "十百千万億"

// magnitudeAt reports whether one of kanjiMagnitudes starts at t[i].
func magnitudeAt(t string, i int) bool {
	if i < 0 || i+3 > len(t) || t[i] < 0xE4 {
		return false
	}
	return strings.Contains(kanjiMagnitudes, t[i:i+3])
}

// numeralPairs holds one bit for each pair of bytes that stand next to
// each other in a numeral's UTF-8 form: its first and second, and its
// second and third.
var numeralPairs = func() (bits [1 << 16 / 64]uint64) {
	for _, r := range kanjiDigits {
		b := string(r)
		for k := 0; k < 2; k++ {
			pair := uint16(b[k])<<8 | uint16(b[k+1])
			bits[pair/64] |= 1 << (pair % 64)
		}
	}
	return bits
}()

// findKanjiRuns returns, in memory of runs, the maximal runs of at least
// minKanjiRun kanji numerals in t. It looks at one byte in kanjiProbe,
// with its neighbours, and around it only when a pair of them may be part
// of a numeral.
func findKanjiRuns(t string, runs []span) []span {
	runs = runs[:0]
	for p := kanjiProbe - 1; p < len(t); p += kanjiProbe {
		// The numeral p is in starts at p (then t[p] and t[p+1] are a
		// pair), p-1 or p-2 (then t[p-1] and t[p] are).
		before := uint16(t[p-1])<<8 | uint16(t[p])
		var after uint16
		if p+1 < len(t) {
			after = uint16(t[p])<<8 | uint16(t[p+1])
		}
		q := p
		switch {
		case numeralPairs[before/64]&(1<<(before%64)) != 0:
			q = p - 1
			if t[p-1] < 0xE3 {
				q = p - 2
			}
		case numeralPairs[after/64]&(1<<(after%64)) == 0:
			continue
		}
		if kanjiDigit(t, q) < 0 {
			continue
		}
		start, end := q, q+3
		for kanjiDigit(t, start-3) >= 0 {
			start -= 3
		}
		for kanjiDigit(t, end) >= 0 {
			end += 3
		}
		if end-start >= kanjiProbe {
			runs = append(runs, span{start, end})
		}
		for p+kanjiProbe < end {
			p += kanjiProbe
		}
	}
	return runs
}

// kanjiToDigits returns s with its kanji numerals written as ASCII digits.
func kanjiToDigits(s string) string {
	var b []byte
	last := 0
	for i := 0; i < len(s); i++ {
		if d := kanjiDigit(s, i); d >= 0 {
			b = append(b, s[last:i]...)
			b = append(b, byte('0'+d))
			i += 2
			last = i + 1
		}
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}
