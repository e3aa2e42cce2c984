package observe

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
// on either side. It looks only at the digit runs of four digits (the
// year) with a dash and "cve" before them: the runs are found once for
// the passes that read digits.
func scanCVEs(s *scanner) {
	t := s.t
	done := 0 // where the last id found ends
	for _, r := range s.digitRuns().runs {
		if r.end-r.start != 4 || r.start < done {
			continue
		}
		c := cveBefore(t, r.start)
		if c < 0 || c > 0 && isASCIIAlnum(t[c-1]) {
			continue
		}
		if id, end := readCVE(t, c); end >= 0 && (end == len(t) || !isASCIIAlnum(t[end])) {
			s.add(c, CVE, id)
			done = end
		}
	}
}

// cveBefore returns where "cve" and a dash (isDash) end at the year t[y],
// or -1.
func cveBefore(t string, y int) int {
	for _, w := range [2]int{1, 3} {
		c := y - w - 3
		if c >= 0 && t[c]|0x20 == 'c' && t[c+1]|0x20 == 'v' && t[c+2]|0x20 == 'e' && isDash(t, c+3) == w {
			return c
		}
	}
	return -1
}
