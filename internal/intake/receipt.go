package intake

import (
	"crypto/rand"
	"strings"
)

// receiptAlphabet has 32 characters that are hard to confuse when read aloud
// or copied by hand: no 0, 1, I or O.
const receiptAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

const receiptBody = 8 // random characters; the check character follows

// NewReceipt returns a receipt number such as "K7M2-Q9XH-3": eight random
// characters (40 bits) and a Luhn mod 32 check character, which catches every
// single mistyped character and most swaps of neighbours.
func NewReceipt() string {
	var b [receiptBody]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	body := make([]byte, receiptBody)
	for i, x := range b {
		body[i] = receiptAlphabet[int(x)%len(receiptAlphabet)] // 256 is a multiple of 32: no bias
	}
	full := string(body) + string(receiptCheck(string(body)))
	return full[:4] + "-" + full[4:8] + "-" + full[8:]
}

// NormalizeReceipt turns what a person typed into the canonical form, or
// returns false when it is not a receipt number (wrong length, characters or
// check character).
func NormalizeReceipt(s string) (string, bool) {
	s = strings.ToUpper(strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '－' || r == '　':
			return -1
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r >= 'Ａ' && r <= 'Ｚ':
			return r - 'Ａ' + 'A'
		case r >= 'ａ' && r <= 'ｚ':
			return r - 'ａ' + 'a'
		}
		return r
	}, s))
	if len(s) != receiptBody+1 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(receiptAlphabet, s[i]) < 0 {
			return "", false
		}
	}
	if receiptCheck(s[:receiptBody]) != s[receiptBody] {
		return "", false
	}
	return s[:4] + "-" + s[4:8] + "-" + s[8:], true
}

// receiptCheck computes the Luhn mod N check character over body.
func receiptCheck(body string) byte {
	n := len(receiptAlphabet)
	factor, sum := 2, 0
	for i := len(body) - 1; i >= 0; i-- {
		addend := factor * strings.IndexByte(receiptAlphabet, body[i])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += addend/n + addend%n
	}
	return receiptAlphabet[(n-sum%n)%n]
}
