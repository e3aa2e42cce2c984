package observe

import "strings"

// normalizeCVE is the CVE normaliser: "CVE-", a four-digit year from 1999
// and a sequence number of four digits or of more without a leading zero.
// Any case and any dash are read; the canonical form is upper case with '-'.
func normalizeCVE(v string) (string, error) {
	id, n := readCVE(v, 0)
	if n != len(v) {
		return "", invalid(CVE, "want CVE-YYYY-NNNN")
	}
	return id, nil
}

// readCVE reads a CVE id at t[i] and returns it and its end, or "" and -1.
func readCVE(t string, i int) (string, int) {
	if i+3 > len(t) || t[i]|0x20 != 'c' || t[i+1]|0x20 != 'v' || t[i+2]|0x20 != 'e' {
		return "", -1
	}
	j := i + 3
	w := isDash(t, j)
	if w == 0 {
		return "", -1
	}
	j += w
	y := j
	for j < len(t) && isDigit(t[j]) {
		j++
	}
	if j-y != 4 || t[y:j] < "1999" {
		return "", -1
	}
	year := t[y:j]
	w = isDash(t, j)
	if w == 0 {
		return "", -1
	}
	j += w
	k := j
	for j < len(t) && isDigit(t[j]) && j-k < 20 {
		j++
	}
	seq := t[k:j]
	if len(seq) < 4 || len(seq) > 19 || len(seq) > 4 && seq[0] == '0' {
		return "", -1
	}
	return "CVE-" + year + "-" + seq, j
}

// scanCVEs finds CVE ids: "cve" in any case, not glued to a letter or digit
// on either side. It looks for the 'v' and 'V' with the vectorised
// strings.IndexByte: they are rare in English and absent from Japanese.
func scanCVEs(s *scanner) {
	t := s.t
	for i := 1; i < len(t); {
		v := nextV(t, i)
		if v == len(t) {
			return
		}
		i = v + 1
		c := v - 1
		if t[c]|0x20 != 'c' || c > 0 && isASCIIAlnum(t[c-1]) {
			continue
		}
		if id, end := readCVE(t, c); end >= 0 && (end == len(t) || !isASCIIAlnum(t[end])) {
			s.add(c, CVE, id)
			i = end
		}
	}
}

// nextV returns the offset of the first 'v' or 'V' at or after t[i], or
// len(t).
func nextV(t string, i int) int {
	lo := strings.IndexByte(t[i:], 'v')
	if lo < 0 {
		lo = len(t) - i
	}
	// Only the part before the 'v' can hold an earlier 'V'.
	if up := strings.IndexByte(t[i:i+lo], 'V'); up >= 0 {
		return i + up
	}
	return i + lo
}
