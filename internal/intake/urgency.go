package intake

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/koban-project/koban/internal/taxonomy"
)

// FreezeWindow is how long after a transfer a bank can still be asked to
// freeze the receiving account with a good chance of the money being there.
const FreezeWindow = 72 * time.Hour

// Words that mark a threat to life in the reporter's own words, matched after
// NFKC and lower-casing so that full-width and upper-case forms count.
// Japanese is written without spaces, so its words match anywhere; English
// words match only as whole words ("troubleshooting" is not "shoot").
var (
	lifeThreatJA = []string{"死にたい", "自殺", "消えたい", "殺す", "殺して", "殺される", "殺害", "爆破", "爆弾", "刺す", "命を狙", "首を吊"}
	lifeThreatEN = []string{"suicide", "suicidal", "kill myself", "end my life", "kill you", "going to kill", "bomb", "shoot"}
)

// Urgent reports whether a report must go to the top of the queue: a
// life-safety category, or wording that speaks of a threat to life.
func Urgent(category, description string) bool {
	if c, ok := taxonomy.Lookup(category); ok && c.LifeSafety {
		return true
	}
	d := strings.ToLower(norm.NFKC.String(description))
	for _, w := range lifeThreatJA {
		if strings.Contains(d, w) {
			return true
		}
	}
	for _, w := range lifeThreatEN {
		if containsWord(d, w) {
			return true
		}
	}
	return false
}

// containsWord reports whether w occurs in s with no letter or digit
// directly before or after it.
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		i = start + 1
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// FreezeDeadline returns when the freeze window of money sent at sentAt
// closes, or zero when the window had already closed at now.
func FreezeDeadline(sentAt, now time.Time) time.Time {
	if sentAt.IsZero() {
		return time.Time{}
	}
	deadline := sentAt.Add(FreezeWindow)
	if !deadline.After(now) {
		return time.Time{}
	}
	return deadline
}

// Advice is one piece of first advice, named by its catalog key prefix.
type Advice struct {
	Key      string // "advice.urgent", "advice.freeze", "advice.PH", "advice.general"
	Deadline time.Time
}

// AdviceFor returns the first advice for a report at now, most pressing first.
func AdviceFor(r *Report, now time.Time) []Advice {
	var a []Advice
	if r.Urgent {
		a = append(a, Advice{Key: "advice.urgent"})
	}
	if r.FreezeDeadline.After(now) && r.Status != StatusClosed {
		a = append(a, Advice{Key: "advice.freeze", Deadline: r.FreezeDeadline})
	}
	if _, ok := taxonomy.Lookup(r.Category); ok {
		a = append(a, Advice{Key: "advice." + r.Category})
	} else {
		a = append(a, Advice{Key: "advice.general"})
	}
	return a
}
