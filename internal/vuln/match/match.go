package match

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/koban-project/koban/internal/vuln/cpe"
	"github.com/koban-project/koban/internal/vuln/version"
)

// Match matches an asset against one configuration, the asset's platform
// unknown: criteria for other products (the OS an application runs on)
// become conditions of a low-confidence Yes.
func Match(asset cpe.Name, conf Configuration) Result {
	return MatchOn(asset, nil, conf)
}

// MatchOn matches an asset running on the given platforms. A nil slice
// means the platform is not known (as Match); a non-nil one, even empty,
// is all there is, so a criterion it does not meet fails.
func MatchOn(asset cpe.Name, platforms []cpe.Name, conf Configuration) Result {
	return matcher{asset: asset, platforms: platforms}.configuration(conf)
}

func (m matcher) configuration(conf Configuration) Result {
	if !m.concerns(conf) {
		return no("the configuration names the asset's product in no vulnerable criterion")
	}
	rs := make([]Result, len(conf.Nodes))
	for i, n := range conf.Nodes {
		rs[i] = m.node(n)
	}
	var r Result
	if strings.EqualFold(conf.Operator, "AND") {
		r = and(rs)
	} else {
		r = or(rs)
	}
	if conf.Negate {
		r = not(r)
	}
	if r.Matched == Yes && !r.hit {
		return no("the asset meets no vulnerable criterion of the configuration")
	}
	if r.Matched == Yes && len(r.Conditions) > 0 {
		r.Confidence = Low
	}
	return r
}

// MatchAll matches an asset against every configuration of a CVE; any one
// suffices. A CVE without configurations (NVD has not analysed it yet)
// gives Unknown: the caller may fall back to the CVE record's "affected"
// products (see MatchVendorProduct).
func MatchAll(asset cpe.Name, platforms []cpe.Name, confs []Configuration) Result {
	if len(confs) == 0 {
		return unknown("NVD has no configurations for this CVE (not analysed yet)")
	}
	rs := make([]Result, len(confs))
	for i, c := range confs {
		rs[i] = MatchOn(asset, platforms, c)
	}
	return or(rs)
}

// MatchVendorProduct is the fallback when only a vendor and product are
// known for a CVE (a CVE 5 "affected" entry without usable versions): a
// low-confidence Yes when they agree with the asset's, case folded.
func MatchVendorProduct(asset cpe.Name, vendor, product string) Result {
	v, p := asset.Get(cpe.Vendor).Plain(), asset.Get(cpe.Product).Plain()
	if v == "" || p == "" || !strings.EqualFold(v, vendor) || !strings.EqualFold(p, product) {
		return no("vendor and product differ")
	}
	return Result{Matched: Yes, How: VendorProduct, Confidence: Low, hit: true,
		Reason: "only vendor and product are known for this CVE; the version was not checked"}
}

type matcher struct {
	asset     cpe.Name
	platforms []cpe.Name
	parsed    map[string]parsedCriterion // from an Index; nil parses each time
}

type parsedCriterion struct {
	name cpe.Name
	err  error
}

func (m matcher) criterion(s string) (cpe.Name, error) {
	if p, ok := m.parsed[s]; ok {
		return p.name, p.err
	}
	return cpe.ParseFS(s)
}

func (m matcher) node(n Node) Result {
	rs := make([]Result, len(n.CPEMatch))
	for i, c := range n.CPEMatch {
		rs[i] = m.entry(c)
	}
	var r Result
	if strings.EqualFold(n.Operator, "AND") {
		r = and(rs)
	} else {
		r = or(rs)
	}
	if n.Negate {
		r = not(r)
	}
	return r
}

// entry decides one criterion: the asset itself, or else — when the
// criterion names another product — the platform.
func (m matcher) entry(c CPEMatch) Result {
	crit, err := m.criterion(c.Criteria)
	if err != nil {
		return unknown(fmt.Sprintf("criterion %q cannot be read: %v", c.Criteria, err))
	}
	r := One(m.asset, crit, c)
	if r.Matched == Yes {
		r.hit = c.Vulnerable
		r.Criteria = c.Criteria
		return r
	}
	if r.Matched == Unknown || sameProduct(m.asset, crit) {
		return r
	}
	if m.platforms == nil {
		return Result{Matched: Yes, Confidence: Low, Criteria: c.Criteria,
			Reason:     "the platform is not known",
			Conditions: []string{"runs on " + c.describe()}}
	}
	out := no("no platform of the asset meets " + c.describe())
	for _, p := range m.platforms {
		rp := One(p, crit, c)
		if rp.Matched == Yes {
			rp.Criteria = c.Criteria
			return rp
		}
		if rp.Matched == Unknown {
			out = rp
		}
	}
	return out
}

func sameProduct(a, crit cpe.Name) bool {
	return strings.EqualFold(a.Get(cpe.Vendor).S, crit.Get(cpe.Vendor).S) &&
		strings.EqualFold(a.Get(cpe.Product).S, crit.Get(cpe.Product).S)
}

var (
	reJavaUpdate    = regexp.MustCompile(`^update_?(\d+)$`)
	reJavaHasUpdate = regexp.MustCompile(`(?i)^(.*?)(?:_|u| ?update ?_?)\d+(?:-b\d+)?$`)
)

// One matches a single name (an asset) against one parsed criterion and
// its version bounds, ignoring the vulnerable flag.
func One(asset, crit cpe.Name, c CPEMatch) Result {
	for _, a := range []cpe.Attr{cpe.Part, cpe.Vendor, cpe.Product} {
		switch cpe.CompareValues(crit.Get(a), asset.Get(a)) {
		case cpe.Disjoint:
			return no(fmt.Sprintf("%s differs", a))
		case cpe.Equal, cpe.Superset:
		default:
			return unknown(fmt.Sprintf("the asset's %s is not known", a))
		}
	}
	vendor, product := crit.Get(cpe.Vendor).Plain(), crit.Get(cpe.Product).Plain()
	av, cv := asset.Get(cpe.Version), crit.Get(cpe.Version)
	scheme := version.Guess(vendor, product, boundsAnd(c, av.Plain(), cv.Plain())...)

	// Java writes its update in the update attribute (1.8.0:update301) or
	// in the version (8u301): fold both into the version.
	javaFolded := false
	if scheme == version.Java {
		av, javaFolded = foldJava(av, asset.Get(cpe.Update))
		var f bool
		cv, f = foldJava(cv, crit.Get(cpe.Update))
		javaFolded = javaFolded || f
		// A release with every update (1.8.0, update ANY) covers 8u301.
		if !f && crit.Get(cpe.Update).Kind == cpe.Any && cv.Kind == cpe.Str && !reJavaHasUpdate.MatchString(cv.Plain()) {
			if m := reJavaHasUpdate.FindStringSubmatch(av.Plain()); m != nil {
				av = cpe.Literal(m[1])
			}
		}
	}

	var conds []string
	for a := cpe.Update; a <= cpe.Other; a++ {
		if a == cpe.Update && javaFolded {
			continue
		}
		switch cpe.CompareValues(crit.Get(a), asset.Get(a)) {
		case cpe.Disjoint:
			return no(fmt.Sprintf("%s differs (%s, the asset has %s)", a, crit.Get(a), asset.Get(a)))
		case cpe.Subset:
			conds = append(conds, fmt.Sprintf("%s is %s", a, crit.Get(a).Plain()))
		case cpe.Undefined:
			return unknown(fmt.Sprintf("the asset's %s holds a wildcard", a))
		}
	}

	r := matchVersion(scheme, av, cv, c)
	if r.Matched == Yes && len(conds) > 0 {
		r.Conditions = append(r.Conditions, conds...)
		r.Confidence = Low
		r.Reason += "; the asset's CPE does not say whether " + strings.Join(conds, " and ")
	}
	return r
}

func boundsAnd(c CPEMatch, vs ...string) []string {
	out := make([]string, 0, 6)
	for _, v := range append([]string{c.VersionStartIncluding, c.VersionStartExcluding, c.VersionEndIncluding, c.VersionEndExcluding}, vs...) {
		if v != "" && v != "*" && v != "-" {
			out = append(out, v)
		}
	}
	return out
}

func foldJava(v, update cpe.Value) (cpe.Value, bool) {
	m := reJavaUpdate.FindStringSubmatch(strings.ToLower(update.Plain()))
	if v.Kind != cpe.Str || m == nil {
		return v, false
	}
	return cpe.Literal(v.Plain() + "_" + m[1]), true
}

func matchVersion(scheme version.Scheme, av, cv cpe.Value, c CPEMatch) Result {
	switch {
	case cv.Kind == cpe.Any && !c.hasRange():
		return Result{Matched: Yes, How: VendorProduct, Confidence: Medium,
			Reason: "NVD names every version of the product"}
	case cv.Kind == cpe.NA:
		// NVD writes "-" for a product that has no version in its name
		// (hardware, a firmware's device). NISTIR 7696 would call a versioned
		// asset disjoint; koban reports the product, low.
		if av.Kind == cpe.NA {
			return Result{Matched: Yes, How: Exact, Confidence: High, Reason: "neither names a version"}
		}
		return Result{Matched: Yes, How: VendorProduct, Confidence: Low,
			Reason: "NVD names the product without a version ('-'); the asset's version was not checked"}
	case av.Kind == cpe.Any:
		return Result{Matched: Yes, How: VendorProduct, Confidence: Low,
			Reason:     "the asset's version is not known",
			Conditions: []string{"version " + versionText(cv, c)}}
	case av.Kind == cpe.NA:
		return unknown("the asset's CPE says it has no version, the criterion asks for one")
	case av.HasWildcards():
		return unknown("the asset's version holds a wildcard")
	case cv.Kind == cpe.Any:
		return inRange(scheme, av.Plain(), c)
	case cv.HasWildcards():
		if rel := cpe.CompareValues(cv, av); rel == cpe.Superset {
			return Result{Matched: Yes, How: Exact, Confidence: Medium,
				Reason: fmt.Sprintf("version %s fits the pattern %s", av.Plain(), cv.Plain())}
		}
		return no(fmt.Sprintf("version %s does not fit %s", av.Plain(), cv.Plain()))
	}
	a, want := av.Plain(), cv.Plain()
	if strings.EqualFold(a, want) {
		return Result{Matched: Yes, How: Exact, Confidence: High, Reason: "the versions are the same (" + a + ")"}
	}
	cmp, err := version.Compare(scheme, upstream(scheme, a, want), want)
	if err != nil {
		return unknown(fmt.Sprintf("versions %q and %q cannot be compared: %v", a, want, err))
	}
	if cmp != 0 {
		return no(fmt.Sprintf("version %s is not %s", a, want))
	}
	return Result{Matched: Yes, How: Exact, Confidence: High,
		Reason: fmt.Sprintf("version %s is %s under %s ordering", a, want, scheme)}
}

func versionText(cv cpe.Value, c CPEMatch) string {
	if cv.Kind == cpe.Str {
		return "is " + cv.Plain()
	}
	d := c.describe()
	if i := strings.Index(d, " version "); i >= 0 {
		return d[i+len(" version "):]
	}
	return d
}

// inRange checks the four bounds; a bound or version the scheme cannot
// read makes the answer unknown.
func inRange(scheme version.Scheme, v string, c CPEMatch) Result {
	bounds := []struct {
		b  string
		ok func(int) bool
		op string
	}{
		{c.VersionStartIncluding, func(x int) bool { return x >= 0 }, ">="},
		{c.VersionStartExcluding, func(x int) bool { return x > 0 }, ">"},
		{c.VersionEndIncluding, func(x int) bool { return x <= 0 }, "<="},
		{c.VersionEndExcluding, func(x int) bool { return x < 0 }, "<"},
	}
	var held []string
	for _, b := range bounds {
		if b.b == "" {
			continue
		}
		cmp, err := version.Compare(scheme, upstream(scheme, v, b.b), b.b)
		if err != nil {
			return unknown(fmt.Sprintf("version %q against bound %s %q: %v", v, b.op, b.b, err))
		}
		if !b.ok(cmp) {
			return no(fmt.Sprintf("version %s is not %s %s (%s ordering)", v, b.op, b.b, scheme))
		}
		held = append(held, b.op+" "+b.b)
	}
	return Result{Matched: Yes, How: VersionRange, Confidence: High,
		Reason: fmt.Sprintf("version %s is %s (%s ordering)", v, strings.Join(held, " and "), scheme)}
}

// upstream drops from a distribution package version what NVD's bound
// does not carry: the epoch ("1:") and the Debian revision or RPM release
// ("-1"). NVD bounds are upstream releases; an epoch only orders one
// package's history and would put 1:2.2-1 above 2.3.
func upstream(scheme version.Scheme, v, bound string) string {
	if scheme != version.Debian && scheme != version.RPM {
		return v
	}
	if !strings.Contains(bound, ":") {
		if i := strings.IndexByte(v, ':'); i >= 0 {
			v = v[i+1:]
		}
	}
	if !strings.Contains(bound, "-") {
		if i := strings.LastIndexByte(v, '-'); i >= 0 {
			v = v[:i]
		}
	}
	return v
}

// concerns reports whether a vulnerable criterion of a node that is not
// negated could name the asset (part, vendor and product not disjoint):
// only then can the configuration be anything but No for it, whatever
// its platform criteria or negations leave open.
func (mt matcher) concerns(conf Configuration) bool {
	if conf.Negate {
		return true
	}
	for _, n := range conf.Nodes {
		if n.Negate {
			continue
		}
		for _, m := range n.CPEMatch {
			if !m.Vulnerable {
				continue
			}
			crit, err := mt.criterion(m.Criteria)
			if err != nil {
				return true // One reports the unreadable criterion
			}
			ok := true
			for _, a := range []cpe.Attr{cpe.Part, cpe.Vendor, cpe.Product} {
				if cpe.CompareValues(crit.Get(a), mt.asset.Get(a)) == cpe.Disjoint {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}
