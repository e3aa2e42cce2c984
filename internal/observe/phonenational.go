package observe

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// nationalRules are the phonenumbers metadata of defaultRegion, compiled
// once, for the numbers reports are full of: the region's own, written in
// national form ("090-1234-5678") or with its country code ("+81 90 …").
// phonenumbers.Parse and IsValidNumber take about 25 µs for each — general
// patterns for extensions and viability, a regexp cache behind a lock,
// allocations — which made them most of Extract's time on report text. nationalE164 follows their steps (parseHelper,
// maybeExtractCountryCode, maybeStripNationalPrefixAndCarrierCode,
// testNumberLength, getNumberTypeHelper, Format E164) with the same
// patterns, for the numbers whose path through them is plain; anything
// else is left to phonenumbers. TestNationalE164 and FuzzNationalE164
// compare the two.
type nationalRules struct {
	cc      string         // the country calling code, "81"
	trunk   string         // the national (trunk) prefix, "0"
	idd     *regexp.Regexp // the international prefix, anchored at the start
	prefix  *regexp.Regexp // the national prefix for parsing, anchored at the start
	groups  int            // capturing groups in prefix
	rewrite bool           // whether a transform rule rewrites the national prefix
	general numberDesc
	// kinds are the descriptions whose match makes a number valid: fixed
	// line, mobile (only when its pattern is not the fixed line's, as
	// getNumberTypeHelper has it), then premium rate, toll free and the
	// rest. getNumberTypeHelper tries them in another order to tell the
	// type; for validity any will do, and the common ones come first.
	kinds []numberDesc
}

// numberDesc is a compiled phonenumbers.PhoneNumberDesc.
type numberDesc struct {
	lengths   []int32 // possible lengths; none means any
	localOnly []int32
	re        *regexp.Regexp // the national number pattern, anchored at both ends
}

// match is isNumberMatchingDesc: a possible length and the pattern.
func (d *numberDesc) match(nsn string) bool { return d.possible(nsn) && d.re.MatchString(nsn) }

// possible reports whether nsn has a possible length.
func (d *numberDesc) possible(nsn string) bool {
	return len(d.lengths) == 0 || slices.Contains(d.lengths, int32(len(nsn)))
}

var (
	nationalOnce  sync.Once
	nationalCache *nationalRules
)

// national returns the compiled rules of defaultRegion, or nil when its
// metadata is not of the shape nationalE164 handles (then every number
// goes to phonenumbers).
func national() *nationalRules {
	nationalOnce.Do(func() { nationalCache = compileNational(defaultRegion) })
	return nationalCache
}

// compileNational compiles the rules of region, or returns nil.
func compileNational(region string) *nationalRules {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil
	}
	i := slices.IndexFunc(coll.GetMetadata(), func(m *phonenumbers.PhoneMetadata) bool { return m.GetId() == region })
	if i < 0 {
		return nil
	}
	m := coll.GetMetadata()[i]
	cc := int(m.GetCountryCode())
	// IsValidNumber looks the region up by the calling code: it must be
	// this region alone. The metadata must be what phonenumbers uses.
	if !slices.Equal(phonenumbers.GetRegionCodesForCountryCode(cc), []string{region}) ||
		phonenumbers.GetCountryCodeForRegion(region) != cc ||
		m.GetNationalPrefix() == "" || m.GetNationalPrefixForParsing() == "" ||
		len(m.GetGeneralDesc().GetPossibleLength()) == 0 {
		return nil
	}
	// After '+', phonenumbers takes the shortest prefix that is a calling
	// code: no shorter prefix of this one may be one.
	code := strconv.Itoa(cc)
	for k := 1; k < len(code); k++ {
		if n, _ := strconv.Atoi(code[:k]); len(phonenumbers.GetRegionCodesForCountryCode(n)) > 0 {
			return nil
		}
	}
	r := &nationalRules{
		cc:      code,
		trunk:   m.GetNationalPrefix(),
		rewrite: m.GetNationalPrefixTransformRule() != "",
	}
	var errs []error
	compile := func(p string) *regexp.Regexp {
		re, err := regexp.Compile(p)
		errs = append(errs, err)
		return re
	}
	desc := func(d *phonenumbers.PhoneNumberDesc) numberDesc {
		return numberDesc{d.GetPossibleLength(), d.GetPossibleLengthLocalOnly(), compile("^(?:" + d.GetNationalNumberPattern() + ")$")}
	}
	r.idd = compile("^(?:" + m.GetInternationalPrefix() + ")")
	r.prefix = compile("^(?:" + m.GetNationalPrefixForParsing() + ")")
	r.general = desc(m.GetGeneralDesc())
	kinds := []*phonenumbers.PhoneNumberDesc{m.GetFixedLine()}
	if !m.GetSameMobileAndFixedLinePattern() {
		kinds = append(kinds, m.GetMobile())
	}
	kinds = append(kinds, m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
		m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail())
	for _, d := range kinds {
		// "NA" is the metadata's pattern for a type the region does not
		// have: it matches no number.
		if d.GetNationalNumberPattern() != "NA" {
			r.kinds = append(r.kinds, desc(d))
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil
		}
	}
	r.groups = r.prefix.NumSubexp()
	return r
}

// nationalE164 returns the E.164 form of the number written as d (ASCII
// digits, after a '+' if one was written), or "" if it is not valid, with
// ok true; ok is false when d's path through phonenumbers is not a plain
// one, and phonenumbers must decide. The plain paths: "+" and the
// region's country code, or the trunk prefix with neither an
// international prefix nor the country code at the start; then the
// national prefix stripped, or kept, without a transform rule.
func (r *nationalRules) nationalE164(d string) (e string, ok bool) {
	var nn string
	switch {
	case len(d) > 17+len(r.cc)+1:
		return "", false
	case strings.HasPrefix(d, "+") && strings.HasPrefix(d[1:], r.cc):
		// maybeExtractCountryCode reads the code after '+' as the
		// shortest prefix that is a calling code: this one (see
		// compileNational).
		if !allDigits(d[1:]) || len(d)-1 <= 2 {
			return "", false
		}
		nn = d[1+len(r.cc):]
	case strings.HasPrefix(d, r.trunk) && allDigits(d) && !r.idd.MatchString(d) && !strings.HasPrefix(d, r.cc):
		nn = d
	default:
		return "", false
	}
	if len(nn) < 2 {
		return "", true
	}
	// general caches the general pattern's verdict on nn and on nn with
	// its prefix stripped, which are asked for more than once.
	var general [2]int8 // 0 unknown, 1 no, 2 yes
	fits := func(k int, v string) bool {
		if general[k] == 0 {
			general[k] = 1
			if r.general.re.MatchString(v) {
				general[k] = 2
			}
		}
		return general[k] == 2
	}
	nsn, k := nn, 0
	if g := r.prefix.FindStringSubmatchIndex(nn); g != nil {
		if r.rewrite && g[2*r.groups] >= 0 {
			return "", false
		}
		// Strip the prefix unless that makes a number that fitted the
		// general pattern stop fitting it, and keep the result only if its
		// length is possible for the region.
		stripped := nn[g[1]:]
		if !(fits(0, nn) && !fits(1, stripped)) && r.lengthOK(stripped) {
			nsn, k = stripped, 1
		}
	}
	if len(nsn) < 2 || len(nsn) > 17 || !r.general.possible(nsn) || !fits(k, nsn) || !r.anyKind(nsn) {
		return "", true
	}
	return "+" + r.cc + nsn, true
}

// lengthOK reports whether testNumberLength (for an unknown type) gives
// neither TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY nor INVALID_LENGTH: a length
// that is possible, or too long.
func (r *nationalRules) lengthOK(nsn string) bool {
	g := &r.general
	n := int32(len(nsn))
	switch {
	case g.lengths[0] == -1, slices.Contains(g.localOnly, n), n < g.lengths[0]:
		return false
	case n > g.lengths[len(g.lengths)-1]:
		return true // TOO_LONG
	}
	return slices.Contains(g.lengths, n)
}

// anyKind reports whether nsn matches one of the kinds: with the general
// description's match, getNumberTypeHelper(nsn) != UNKNOWN.
func (r *nationalRules) anyKind(nsn string) bool {
	for i := range r.kinds {
		if r.kinds[i].match(nsn) {
			return true
		}
	}
	return false
}
