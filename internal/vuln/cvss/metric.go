package cvss

import "fmt"

// Versions as feeds write them.
const (
	Version2  = "2.0"
	Version30 = "3.0"
	Version31 = "3.1"
	Version40 = "4.0"
)

// Metric is one CVSS score as a feed publishes it.
type Metric struct {
	Version   string  // Version2, Version30, Version31 or Version40
	Vector    string  // the vector string as published
	BaseScore float64 // the base score as published
	Severity  string  // the rating as published (LOW … CRITICAL)
	Source    string  // who scored it: "nvd@nist.gov", a CNA's address
	Type      string  // NVD's "Primary" (the score NVD stands behind, mostly its own) or "Secondary"
}

// versionRank orders versions for Best; an unknown version ranks below all.
func versionRank(v string) int {
	switch v {
	case Version40:
		return 4
	case Version31:
		return 3
	case Version30:
		return 2
	case Version2:
		return 1
	}
	return 0
}

// Best is the metric a vulnerability is ranked by: the newest CVSS version
// (v4.0, then v3.1, v3.0, v2.0), and within a version NVD's Primary score
// over a Secondary one; on a tie the earlier metric wins, so the feed's order
// decides. Primary is mostly NVD's own analysis (source nvd@nist.gov), but
// not always: in the shared NVD data 3 of 220 v3.1 Primary scores are a
// CNA's and 2 NVD scores are Secondary, so Best follows the type, not the
// source. The metric keeps
// its Source, so a page can say whose score it shows. With no metric of a
// known version, Best returns the zero Metric.
func Best(metrics []Metric) Metric {
	var best Metric
	bestRank := 0
	for _, m := range metrics {
		r := versionRank(m.Version) * 2
		if r == 0 {
			continue
		}
		if m.Type == "Primary" {
			r++
		}
		if r > bestRank {
			best, bestRank = m, r
		}
	}
	return best
}

// BaseScore computes the score of vector under version, for checking a
// published score: the base score for v2 and v3, and for v4.0 the score with
// whatever threat and environmental metrics the vector carries.
func BaseScore(version, vector string) (float64, error) {
	switch version {
	case Version2:
		v, err := ParseV2(vector)
		if err != nil {
			return 0, err
		}
		return v.BaseScore(), nil
	case Version30, Version31:
		v, err := ParseV3(vector)
		if err != nil {
			return 0, err
		}
		if v.Version() != version {
			return 0, fmt.Errorf("v3 %q: %w: version %s stated", truncate(vector), ErrInvalid, version)
		}
		return v.BaseScore(), nil
	case Version40:
		v, err := ParseV4(vector)
		if err != nil {
			return 0, err
		}
		return v.Score(), nil
	}
	return 0, fmt.Errorf("%w: unknown version %q", ErrInvalid, version)
}
