package observe

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The passes as they were before they got their fast paths (the digit
// index, the skipping of digit runs too short for a phone number, hashes
// read in the pass for long words, the search for CVE ids by their 'v', the
// cursors over the claims, the early end of a dotted name, the lazy search
// for bank anchors), kept as the reference that TestFastPaths and
// FuzzFastPaths hold the passes to. A change of what one of these passes
// finds is made in its reference too; a change of how fast, only in the
// pass.

// referencePasses are passes with the fast ones replaced by the reference.
func referencePasses() []func(*scanner) {
	return []func(*scanner){
		scanURLs,
		scanEmails,
		scanIPv6,
		refScanDotted,
		refScanPhones,
		refScanHashesAndCVEs,
		refScanCryptoAddresses,
		scanASNs,
		scanSocial,
		refScanBankAccounts,
	}
}

func refScanPhones(s *scanner) {
	scanKanjiPhones(s, refFindKanjiRuns(s.t))
	t := s.t
	for i := 0; i < len(t); {
		c := t[i]
		if !isDigit(c) && (c != '+' && c != '(' || i+1 == len(t) || !isDigit(t[i+1])) {
			i++
			continue
		}
		start := i
		if !phoneLeftOK(t, start) {
			// Skip the whole glued run of digits.
			for i++; i < len(t) && isDigit(t[i]); i++ {
			}
			continue
		}
		// Walk digits and the gaps between them; last is the end of the
		// last digit.
		last := start
		j := start
		if c == '+' || c == '(' {
			j++
		}
		for j < len(t) {
			if isDigit(t[j]) {
				j++
				last = j
				continue
			}
			g := phoneGap(t, j)
			if g == j || g == len(t) || !isDigit(t[g]) {
				break
			}
			j = g
		}
		i = max(last, start+1)
		if !phoneRightOK(t, last) || s.claimed(start, claimURL, claimEmail) {
			continue
		}
		cand := t[start:last]
		if c == '(' && strings.IndexByte(cand, ')') < 0 {
			start++
			cand = cand[1:]
		}
		if e := phoneValue(cand); e != "" {
			s.add(start, Phone, e)
			continue
		}
		// "1234567 090-1234-5678": try the space-separated pieces alone.
		if strings.IndexByte(cand, ' ') < 0 {
			continue
		}
		off := start
		for _, piece := range strings.Split(cand, " ") {
			if p := strings.Trim(piece, "()"); p != "" {
				if e := phoneValue(p); e != "" {
					s.add(off+strings.Index(piece, p), Phone, e)
				}
			}
			off += len(piece) + 1
		}
	}
}

// refFindKanjiRuns is findKanjiRuns reading every rune.
func refFindKanjiRuns(t string) []span {
	var runs []span
	for i := 0; i < len(t); {
		if kanjiDigit(t, i) < 0 {
			_, w := utf8.DecodeRuneInString(t[i:])
			i += w
			continue
		}
		start := i
		for kanjiDigit(t, i) >= 0 {
			i += 3
		}
		if i-start >= 3*minKanjiRun {
			runs = append(runs, span{start, i})
		}
	}
	return runs
}

func refScanHashesAndCVEs(s *scanner) {
	t := s.t
	for i := 0; i < len(t); {
		if byteClass[t[i]]&bHex == 0 {
			i++
			continue
		}
		j := i + 1
		for j < len(t) && byteClass[t[j]]&bHex != 0 {
			j++
		}
		glued := i > 0 && isWordByte(t[i-1])
		if typ, ok := hashTypes[j-i]; ok && !glued && (j == len(t) || !isWordByte(t[j])) {
			s.add(i, typ, strings.ToLower(t[i:j]))
		}
		if t[i]|0x20 == 'c' && j == i+1 && !(i > 0 && isASCIIAlnum(t[i-1])) {
			if id, end := readCVE(t, i); end >= 0 && (end == len(t) || !isASCIIAlnum(t[end])) {
				s.add(i, CVE, id)
				j = end
			}
		}
		i = j
	}
}

func refScanCryptoAddresses(s *scanner) {
	t := s.t
	isAlnum := func(c byte) bool { return byteClass[c]&(bDigit|bAlpha) != 0 }
	// Invariant: i is 0 or follows a byte that is not a letter or digit.
	for i := 0; i+minAddressLen <= len(t); {
		// A run of at least minAddressLen starting in [i, p] holds t[p].
		p := i + minAddressLen - 1
		if !isAlnum(t[p]) {
			i = p + 1
			continue
		}
		start := p
		for start > i && isAlnum(t[start-1]) {
			start--
		}
		end := p + 1
		for end < len(t) && isAlnum(t[end]) {
			end++
		}
		i = end + 1
		n := end - start
		if n < minAddressLen || start > 0 && t[start-1] == '_' || end < len(t) && t[end] == '_' {
			continue
		}
		w := t[start:end]
		switch c := w[0]; {
		case c == '0' && n == 42:
			if v, ok := canonicalETH(w); ok {
				s.add(start, ETH, v)
			}
		case (c == '1' || c == '3') && n <= 35, c|0x20 == 'b':
			if v, ok := canonicalBTC(w); ok {
				s.add(start, BTC, v)
			}
		case c == 'T' && n == 34:
			if v, ok := canonicalTRX(w); ok {
				s.add(start, TRX, v)
			}
		case (c == '4' || c == '8') && n == xmrAddressLen:
			if v, ok := canonicalXMR(w); ok {
				s.add(start, XMR, v)
			}
		}
	}
}

func refScanDotted(s *scanner) {
	t := s.t
	var buf []label
	for i := 0; i < len(t); {
		j := strings.IndexByte(t[i:], '.')
		if j < 0 {
			return
		}
		dot := i + j
		i = dot + 1
		if e := s.claimEnd(dot, claimURL, claimEmail, claimIPv6); e >= 0 {
			i = max(e, i)
			continue
		}
		cls, _ := classBefore(t, dot)
		if cls == classNone {
			continue
		}
		start := dot
		for n := 0; ; n++ {
			c, w := classBefore(t, start)
			if c != cls {
				break
			}
			if n == maxLabelRunes {
				// Too long for a label (a Japanese sentence before "。"):
				// the name can only start after this dot.
				start = dot + 1
				break
			}
			start -= w
		}
		if start == dot+1 {
			if c, _ := classAt(t, start); c == classNone {
				continue
			}
		}
		end, labels := scanName(t, start, buf)
		buf = labels
		if end > i {
			i = end
		}
		if len(labels) < 2 || s.claimed(start, claimURL, claimEmail, claimIPv6) {
			continue
		}
		for len(labels) >= 2 {
			n := s.firstName(labels)
			name := labels[:n]
			labels = labels[n:]
			if allNumeric(t, name) {
				if len(name) == 4 {
					s.dottedIPv4(name[0].start, name[3].end)
				}
				continue
			}
			if e := s.refBareDomain(name); e > i {
				i = e // the profile path after "x.com/" holds no domain
			}
		}
	}
}

func (s *scanner) refBareDomain(labels []label) int {
	t := s.t
	labels = trimName(t, labels, true)
	if len(labels) < 2 {
		return 0
	}
	start, end := labels[0].start, labels[len(labels)-1].end
	if start > 0 && t[start-1] == '\\' || end < len(t) && t[end] == '@' {
		return 0 // a Windows path component, or the local part of an address
	}
	if start > 0 && t[start-1] == '@' && (start == 1 || !isLocalByte(t[start-2])) {
		return 0 // a handle such as "@user.name"
	}
	tld := t[labels[len(labels)-1].start:end]
	if len(labels) == 2 && fileExtTLDs[strings.ToLower(tld)] && !s.defanged(start, end) {
		return 0
	}
	if titleCase(tld) {
		return 0 // "home.It was…": a sentence run into the next, not ".it"
	}
	d, why := canonicalDomain(t[start:end])
	if why != "" {
		return 0
	}
	s.add(start, Domain, d)
	if end+1 < len(t) && t[end] == '/' && isSocialHost(d) {
		// "x.com/handle" written without a scheme names an account too.
		r := end + 1
		for r < len(t) && isURLByte(t[r]) && !(t[r] == '.' && s.kuten(r)) {
			r++
		}
		r = trimURLTail(t, end, r)
		if s.socialURL(start, d, t[end+1:r]) {
			return r
		}
	}
	return 0
}

func refScanBankAccounts(s *scanner) {
	for _, m := range refFindBankAccounts(s.t, func(i int) bool { return s.claimed(i, claimURL, claimEmail) }) {
		s.add(m.start, BankAccount, m.value)
	}
}

func refFindBankAccounts(t string, skipNumber func(int) bool) []bankMatch {
	var out []bankMatch
	var anchors []int
	var names []string
	last := 0 // the end of the last account: anchors before it are spent
	// The runs of digits and of kanji numerals, in order.
	var runs []span
	for i := 0; i < len(t); i++ {
		if isDigit(t[i]) {
			runs = append(runs, span{i, digitRun(t, i)})
			i = runs[len(runs)-1].end
		}
	}
	runs = append(runs, refFindKanjiRuns(t)...)
	slices.SortFunc(runs, func(a, b span) int { return a.start - b.start })
	for _, run := range runs {
		start, e := run.start, run.end
		if !numberCandidate(t, start, e) {
			continue
		}
		if skipNumber != nil && skipNumber(start) {
			continue
		}
		// The anchors in the window before the number, latest first.
		w := max(last, start-bankWindow)
		for w < start && !utf8.RuneStart(t[w]) {
			w++
		}
		anchors, names = anchors[:0], names[:0]
		for _, an := range bankAnchors {
			for k := w; ; {
				j := strings.Index(t[k:start], an)
				if j < 0 {
					break
				}
				anchors = append(anchors, k+j)
				names = append(names, an)
				k += j + len(an)
			}
		}
		if len(anchors) == 0 {
			continue
		}
		order := make([]int, len(anchors))
		for k := range order {
			order[k] = k
		}
		slices.SortFunc(order, func(x, y int) int { return anchors[y] - anchors[x] })
		for _, k := range order {
			p, bs, be, ok := bankAt(t, anchors[k], names[k])
			if !ok || bs < last {
				continue
			}
			_, ne, ok := p.parse(be)
			if !ok || ne != e {
				continue
			}
			v := p.acc.canonical()
			if v == "" {
				continue
			}
			out = append(out, bankMatch{bs, ne, v})
			last = ne
			break
		}
	}
	return out
}

// TestFastPaths holds Extract to the reference passes on the corpora: the
// mixed benchmark corpus and benchCorpus, whole and report by report, and
// the iocextract lines.
func TestFastPaths(t *testing.T) {
	ref := referencePasses()
	if len(ref) != len(passes) {
		t.Fatal("referencePasses does not mirror passes")
	}
	var inputs []string
	for _, c := range []string{mixedCorpus(1 << 20), benchCorpus(256 << 10)} {
		inputs = append(inputs, c)
		inputs = append(inputs, strings.SplitAfter(c, "\n")...)
	}
	for _, name := range []string{"input.txt", "valid.txt", "invalid.txt"} {
		inputs = append(inputs, readLines(t, name)...)
	}
	for _, in := range inputs {
		checkFastPaths(t, ref, in)
	}
}

// FuzzFastPaths holds Extract to the reference passes on any text.
func FuzzFastPaths(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	for _, s := range strings.SplitAfter(mixedCorpus(32<<10), "\n") {
		f.Add(s)
	}
	ref := referencePasses()
	f.Fuzz(func(t *testing.T, text string) {
		tm := watchdog(text)
		defer tm.Stop()
		checkFastPaths(t, ref, text)
	})
}

// checkFastPaths fails when Extract and the reference passes disagree on text.
func checkFastPaths(t *testing.T, ref []func(*scanner), text string) {
	t.Helper()
	got, want := Extract(text), extract(text, ref)
	if !slices.Equal(got, want) {
		t.Fatalf("on %q:\nExtract gives   %v\nthe reference %v", text, got, want)
	}
}
