package csaf

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// docVersion is a document version: an integer ("3") or a semantic version
// ("1.4.0-rc.1+build").
type docVersion struct {
	integer             bool
	major, minor, patch uint64
	pre                 string // pre-release, without the "-"
}

var (
	integerVersion  = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	semanticVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

// parseVersion reads a version as the schema's version_t allows it; ok is
// false for anything else, numbers too large included.
func parseVersion(s string) (docVersion, bool) {
	if integerVersion.MatchString(s) {
		n, err := strconv.ParseUint(s, 10, 64)
		return docVersion{integer: true, major: n}, err == nil
	}
	m := semanticVersion.FindStringSubmatch(s)
	if m == nil {
		return docVersion{}, false
	}
	var v docVersion
	var err1, err2, err3 error
	v.major, err1 = strconv.ParseUint(m[1], 10, 64)
	v.minor, err2 = strconv.ParseUint(m[2], 10, 64)
	v.patch, err3 = strconv.ParseUint(m[3], 10, 64)
	v.pre = m[4]
	return v, err1 == nil && err2 == nil && err3 == nil
}

// compareVersions orders versions by semantic versioning's precedence
// (build metadata ignored); an integer n ranks as n.0.0.
func compareVersions(a, b docVersion) int {
	if c := cmp.Compare(a.major, b.major); c != 0 {
		return c
	}
	if c := cmp.Compare(a.minor, b.minor); c != 0 {
		return c
	}
	if c := cmp.Compare(a.patch, b.patch); c != 0 {
		return c
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	as, bs := strings.Split(a.pre, "."), strings.Split(b.pre, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		an, aNum := numericIdentifier(as[i])
		bn, bNum := numericIdentifier(bs[i])
		switch {
		case aNum && bNum:
			if c := cmp.Compare(len(an), len(bn)); c != 0 {
				return c
			}
			if c := strings.Compare(an, bn); c != 0 {
				return c
			}
		case aNum:
			return -1
		case bNum:
			return 1
		default:
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(len(as), len(bs))
}

// numericIdentifier reports whether a pre-release identifier is a number;
// the number comes back without leading zeros, for comparing by length.
func numericIdentifier(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return strings.TrimLeft(s, "0"), true
}

// compareDates orders RFC 3339 times; anything unreadable by its text.
func compareDates(a, b string) int {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b)
	}
	return ta.Compare(tb)
}

// historyItem is a revision with its index and parsed number.
type historyItem struct {
	i   int
	rev Revision
	v   docVersion
	ok  bool
}

func (c *checker) history() []historyItem {
	var out []historyItem
	for i, r := range c.d.Document.Tracking.RevisionHistory {
		v, ok := parseVersion(r.Number)
		out = append(out, historyItem{i, r, v, ok})
	}
	return out
}

func historyPath(i int) string {
	return fmt.Sprintf("/document/tracking/revision_history/%d", i)
}

// byDate sorts the history by date, then by number, as 6.1.14 and 6.1.16
// read it.
func byDate(items []historyItem) []historyItem {
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b historyItem) int {
		if c := compareDates(a.rev.Date, b.rev.Date); c != 0 {
			return c
		}
		if a.ok && b.ok {
			return compareVersions(a.v, b.v)
		}
		return 0
	})
	return out
}

// revisionHistory runs the tests on tracking.version and the revision
// history: 6.1.14, 6.1.16 to 6.1.22 and 6.1.30.
func (c *checker) revisionHistory() {
	t := c.d.Document.Tracking
	items := c.history()
	version, versionOK := parseVersion(t.Version)
	released := t.Status == "final" || t.Status == "interim"

	// 6.1.30: one scheme for all versions.
	integers, semantics := 0, 0
	count := func(v docVersion, ok bool) {
		switch {
		case !ok:
		case v.integer:
			integers++
		default:
			semantics++
		}
	}
	count(version, versionOK)
	for _, it := range items {
		count(it.v, it.ok)
	}
	mixed := integers > 0 && semantics > 0
	if mixed {
		c.add("6.1.30", "/document/tracking/version", "the document mixes integer and semantic versions")
	}

	// 6.1.22: each number once.
	seen := map[string]int{}
	for _, it := range items {
		if j, dup := seen[it.rev.Number]; dup {
			c.add("6.1.22", historyPath(it.i)+"/number", "version %s is already in the history at %s", it.rev.Number, historyPath(j))
			continue
		}
		seen[it.rev.Number] = it.i
	}

	// 6.1.14: sorted by date, the numbers ascend.
	sorted := byDate(items)
	for k := 1; k < len(sorted); k++ {
		a, b := sorted[k-1], sorted[k]
		if a.ok && b.ok && compareVersions(a.v, b.v) > 0 {
			c.add("6.1.14", historyPath(b.i)+"/number", "version %s is dated after version %s but is lower", b.rev.Number, a.rev.Number)
		}
	}

	// 6.1.16: the latest revision is the document's version.
	if len(sorted) > 0 && versionOK {
		last := sorted[len(sorted)-1]
		if last.ok {
			a, b := version, last.v
			if t.Status == "draft" {
				a.pre, b.pre = "", ""
			}
			if compareVersions(a, b) != 0 || a.integer != b.integer {
				c.add("6.1.16", "/document/tracking/version", "the version is %s but the latest revision is %s", t.Version, last.rev.Number)
			}
		}
	}

	// 6.1.17: version 0, 0.y.z or a pre-release is a draft.
	if versionOK && (version.major == 0 || version.pre != "") && t.Status != "draft" {
		c.add("6.1.17", "/document/tracking/status", "version %s is a draft's, but the status is %s", t.Version, t.Status)
	}
	// 6.1.20: a released document has no pre-release version.
	if versionOK && released && version.pre != "" {
		c.add("6.1.20", "/document/tracking/version", "a %s document cannot have the pre-release version %s", t.Status, t.Version)
	}
	for _, it := range items {
		if !it.ok {
			continue
		}
		// 6.1.18: a released document's history has no version 0 or 0.y.z.
		if released && it.v.major == 0 {
			c.add("6.1.18", historyPath(it.i)+"/number", "a %s document's history cannot hold version %s", t.Status, it.rev.Number)
		}
		// 6.1.19: the history has no pre-release versions.
		if it.v.pre != "" {
			c.add("6.1.19", historyPath(it.i)+"/number", "the history cannot hold the pre-release version %s", it.rev.Number)
		}
	}

	// 6.1.21: no version is missing: the first is 0 or 1 (major 0 or 1) and
	// each next one (each next major) is one more.
	if mixed {
		return
	}
	var numbered []historyItem
	for _, it := range items {
		if !it.ok {
			return
		}
		numbered = append(numbered, it)
	}
	slices.SortStableFunc(numbered, func(a, b historyItem) int { return compareVersions(a.v, b.v) })
	for k, it := range numbered {
		if k == 0 {
			if it.v.major > 1 {
				c.add("6.1.21", historyPath(it.i)+"/number", "the history starts at version %s, not at 0 or 1", it.rev.Number)
			}
			continue
		}
		prev := numbered[k-1].v
		if it.v.major > prev.major+1 {
			c.add("6.1.21", historyPath(it.i)+"/number", "the history goes from version %s to %s", numbered[k-1].rev.Number, it.rev.Number)
		}
	}
}
