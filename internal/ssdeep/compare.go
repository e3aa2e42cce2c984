package ssdeep

import (
	"errors"
	"strconv"
	"strings"
)

// ErrSyntax is returned by Compare for a string that is no ssdeep digest.
var ErrSyntax = errors.New("ssdeep: not an ssdeep digest")

// digest is a parsed "blocksize:first:second".
type digest struct {
	bs            uint64
	first, second string
}

// parse reads a digest as String writes it; a ",filename" after it, as in
// the ssdeep command's listings, is ignored.
func parse(s string) (digest, error) {
	bsText, rest, ok := strings.Cut(s, ":")
	if !ok {
		return digest{}, ErrSyntax
	}
	bs, err := strconv.ParseUint(bsText, 10, 64)
	if err != nil || bs == 0 || bs > blockSize(numBlocks-1) {
		return digest{}, ErrSyntax
	}
	first, second, ok := strings.Cut(rest, ":")
	if !ok {
		return digest{}, ErrSyntax
	}
	if i := strings.IndexByte(second, ','); i >= 0 {
		second = second[:i]
	}
	if len(first) > maxChars || len(second) > maxChars || strings.IndexByte(second, ':') >= 0 {
		return digest{}, ErrSyntax
	}
	return digest{bs, first, second}, nil
}

// Compare scores how alike the inputs of two digests are, from 0 (nothing
// in common that the digests show) to 100 (alike as far as the digests
// tell). Digests are comparable only at equal block sizes or when one is
// twice the other; others score 0. It fails for a string that is no digest.
func Compare(a, b string) (int, error) {
	da, err := parse(a)
	if err != nil {
		return 0, err
	}
	db, err := parse(b)
	if err != nil {
		return 0, err
	}
	if da.bs != db.bs && da.bs != 2*db.bs && db.bs != 2*da.bs {
		return 0, nil
	}
	// Long runs of one character say little about likeness (they come
	// from runs of the same content): keep at most three.
	a1, a2 := collapseRuns(da.first), collapseRuns(da.second)
	b1, b2 := collapseRuns(db.first), collapseRuns(db.second)
	switch {
	case da.bs == db.bs && a1 == b1 && a2 == b2:
		return 100, nil
	case da.bs == db.bs:
		return max(score(a1, b1, da.bs), score(a2, b2, 2*da.bs)), nil
	case da.bs == 2*db.bs:
		return score(a1, b2, da.bs), nil
	default:
		return score(a2, b1, db.bs), nil
	}
}

// collapseRuns shortens every run of more than three equal characters to
// three.
func collapseRuns(s string) string {
	run := 0
	for i := 3; i < len(s); i++ {
		if s[i] == s[i-1] && s[i] == s[i-2] && s[i] == s[i-3] {
			run++
		}
	}
	if run == 0 {
		return s
	}
	out := make([]byte, 0, len(s)-run)
	for i := range len(s) {
		if i >= 3 && s[i] == s[i-1] && s[i] == s[i-2] && s[i] == s[i-3] {
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

// score compares two parts made at block size bs.
func score(s1, s2 string, bs uint64) int {
	// Without seven characters in common, the likeness of the rest is
	// chance: no score.
	if !commonSubstring(s1, s2) {
		return 0
	}
	// The edit distance (insertions and deletions 1, a change 2) scaled to
	// the parts' lengths, then to 0–100 and turned into a likeness.
	d := uint64(editDistance(s1, s2))
	d = d * maxChars / uint64(len(s1)+len(s2))
	d = 100 * d / maxChars
	if d >= 100 {
		return 0
	}
	sc := 100 - d
	// At small block sizes a few equal characters are likely by chance:
	// the score may not exceed what the shorter part can show.
	const smallBlock = (99 + windowSize) / windowSize * minBlock
	if bs < smallBlock {
		sc = min(sc, bs/minBlock*uint64(min(len(s1), len(s2))))
	}
	return int(sc)
}

// commonSubstring reports whether s1 and s2 share a substring of the
// rolling hash's window length.
func commonSubstring(s1, s2 string) bool {
	if len(s1) < windowSize || len(s2) < windowSize {
		return false
	}
	for i := 0; i+windowSize <= len(s1); i++ {
		if strings.Contains(s2, s1[i:i+windowSize]) {
			return true
		}
	}
	return false
}

// editDistance is the Levenshtein distance with a change costing as much
// as a deletion and an insertion. Both strings have at most 64 bytes.
func editDistance(s1, s2 string) int {
	var rows [2][maxChars + 1]int
	prev, cur := &rows[0], &rows[1]
	for j := range len(s2) + 1 {
		prev[j] = j
	}
	for i := 1; i <= len(s1); i++ {
		cur[0] = i
		for j := 1; j <= len(s2); j++ {
			change := 0
			if s1[i-1] != s2[j-1] {
				change = 2
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+change)
		}
		prev, cur = cur, prev
	}
	return prev[len(s2)]
}
