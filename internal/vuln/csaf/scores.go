package csaf

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/koban-project/koban/internal/vuln/cvss"
)

var severities = []string{"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

// scores runs the tests on the CVSS ratings: 6.1.7 (one rating per product
// and CVSS version), 6.1.8 (the rating is valid), 6.1.9 (its scores and
// severities are what the vector computes to) and 6.1.10 (its properties
// say what the vector says). 6.1.9 and 6.1.10 look only at a rating 6.1.8
// passed.
func (c *checker) scores() {
	for i, v := range c.d.Vulnerabilities {
		seen := map[[2]string]string{}
		for j, s := range v.Scores {
			p := fmt.Sprintf("/vulnerabilities/%d/scores/%d", i, j)
			var versions []string
			if s.CVSSV2 != nil {
				versions = append(versions, s.CVSSV2.Version)
				c.cvssV2(s.CVSSV2, p+"/cvss_v2")
			}
			if s.CVSSV3 != nil {
				versions = append(versions, s.CVSSV3.Version)
				c.cvssV3(s.CVSSV3, p+"/cvss_v3")
			}
			for k, id := range s.Products {
				for _, ver := range versions {
					key := [2]string{id, ver}
					if first, dup := seen[key]; dup {
						c.add("6.1.7", fmt.Sprintf("%s/products/%d", p, k), "product %q already has a CVSS %s rating at %s", id, ver, first)
						continue
					}
					seen[key] = p
				}
			}
		}
	}
}

// sameScore compares a published score with a computed one; the margin
// only absorbs floating-point noise, so 7.45 is not 7.5.
func sameScore(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func validScore(f float64) bool { return f >= 0 && f <= 10 && !math.IsNaN(f) }

// enumProblems is the part of 6.1.8 on the metric properties: each holds a
// value FIRST's schema allows.
func (c *checker) enumProblems(ms []metric, props []*string, path string) bool {
	ok := true
	for k, m := range ms {
		val := *props[k]
		if val == "" {
			continue
		}
		allowed := false
		for _, v := range m.values {
			if v == val {
				allowed = true
			}
		}
		if !allowed {
			c.add("6.1.8", path+"/"+m.prop, "%q is not a value of %s", val, m.prop)
			ok = false
		}
	}
	return ok
}

// consistent is 6.1.10 for either version: every property given is the
// vector's value of its metric, "NOT_DEFINED" for a metric left out.
func (c *checker) consistent(ms []metric, props []*string, vector, undefined, path string) {
	vm := vectorMetrics(vector)
	for k, m := range ms {
		val := *props[k]
		if val == "" {
			continue
		}
		short, ok := vm[m.key]
		if !ok {
			short = undefined
		}
		if want := m.values[short]; val != want {
			c.add("6.1.10", path+"/"+m.prop, "%s is %s but the vector says %s", m.prop, val, want)
		}
	}
}

func (c *checker) cvssV3(s *CVSSV3, path string) {
	valid := true
	if s.Version != cvss.Version30 && s.Version != cvss.Version31 {
		c.add("6.1.8", path+"/version", "%q is not CVSS version 3.0 or 3.1", s.Version)
		valid = false
	}
	v, err := cvss.ParseV3(s.VectorString)
	if err != nil {
		c.add("6.1.8", path+"/vectorString", "%v", err)
		valid = false
	} else if valid && v.Version() != s.Version {
		c.add("6.1.8", path+"/vectorString", "a CVSS %s vector in a rating of version %s", v.Version(), s.Version)
		valid = false
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"baseScore", &s.BaseScore}, {"temporalScore", s.TemporalScore}, {"environmentalScore", s.EnvironmentalScore}} {
		if f.v != nil && !validScore(*f.v) {
			c.add("6.1.8", path+"/"+f.name, "%v is not a score from 0 to 10", *f.v)
			valid = false
		}
	}
	for _, f := range []struct{ name, v string }{{"baseSeverity", s.BaseSeverity}, {"temporalSeverity", s.TemporalSeverity}, {"environmentalSeverity", s.EnvironmentalSeverity}} {
		if (f.v != "" || f.name == "baseSeverity") && !slices.Contains(severities, f.v) {
			c.add("6.1.8", path+"/"+f.name, "%q is not a CVSS v3 severity", f.v)
			valid = false
		}
	}
	if !c.enumProblems(v3Metrics, v3Props(s), path) || !valid {
		return
	}
	// 6.1.9
	scores := []struct {
		name, sevName string
		given         *float64
		sev           string
		want          float64
	}{
		{"baseScore", "baseSeverity", &s.BaseScore, s.BaseSeverity, v.BaseScore()},
		{"temporalScore", "temporalSeverity", s.TemporalScore, s.TemporalSeverity, v.TemporalScore()},
		{"environmentalScore", "environmentalSeverity", s.EnvironmentalScore, s.EnvironmentalSeverity, v.EnvironmentalScore()},
	}
	for _, sc := range scores {
		if sc.given != nil && !sameScore(*sc.given, sc.want) {
			c.add("6.1.9", path+"/"+sc.name, "%s is %v but the vector computes to %.1f", sc.name, *sc.given, sc.want)
		}
		if sc.sev != "" && sc.sev != cvss.Severity(sc.want) {
			c.add("6.1.9", path+"/"+sc.sevName, "%s is %s but the vector's score %.1f is %s", sc.sevName, sc.sev, sc.want, cvss.Severity(sc.want))
		}
	}
	c.consistent(v3Metrics, v3Props(s), s.VectorString, "X", path)
}

func (c *checker) cvssV2(s *CVSSV2, path string) {
	valid := true
	if s.Version != cvss.Version2 {
		c.add("6.1.8", path+"/version", "%q is not CVSS version 2.0", s.Version)
		valid = false
	}
	// FIRST's v2 schema has no parentheses around the vector.
	v, err := cvss.ParseV2(s.VectorString)
	if err != nil || strings.HasPrefix(s.VectorString, "(") {
		if err == nil {
			err = fmt.Errorf("the vector is in parentheses")
		}
		c.add("6.1.8", path+"/vectorString", "%v", err)
		valid = false
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"baseScore", &s.BaseScore}, {"temporalScore", s.TemporalScore}, {"environmentalScore", s.EnvironmentalScore}} {
		if f.v != nil && !validScore(*f.v) {
			c.add("6.1.8", path+"/"+f.name, "%v is not a score from 0 to 10", *f.v)
			valid = false
		}
	}
	if !c.enumProblems(v2Metrics, v2Props(s), path) || !valid {
		return
	}
	for _, sc := range []struct {
		name  string
		given *float64
		want  float64
	}{
		{"baseScore", &s.BaseScore, v.BaseScore()},
		{"temporalScore", s.TemporalScore, v.TemporalScore()},
		{"environmentalScore", s.EnvironmentalScore, v.EnvironmentalScore()},
	} {
		if sc.given != nil && !sameScore(*sc.given, sc.want) {
			c.add("6.1.9", path+"/"+sc.name, "%s is %v but the vector computes to %.1f", sc.name, *sc.given, sc.want)
		}
	}
	c.consistent(v2Metrics, v2Props(s), s.VectorString, "ND", path)
}
