package vuln

import (
	"math"
	"strings"
	"time"
)

// HighEPSS is the EPSS probability at and above which a matching
// vulnerability alerts its asset's owners (FIRST's data puts about 2 % of
// CVEs there).
const HighEPSS = 0.1

// Days to fix by severity when a vulnerability is not in KEV; an asset
// facing the internet gets half.
var dueDays = map[string]int{"CRITICAL": 15, "HIGH": 30, "MEDIUM": 90, "LOW": 180}

// defaultDueDays is the due time of a finding without a score.
const defaultDueDays = 180

// Rank orders findings: every KEV one before any other, then by EPSS
// probability, then by CVSS base score. Larger first.
func Rank(kev bool, epss, score float64) int64 {
	var r int64
	if kev {
		r = 1 << 40
	}
	e := int64(math.Round(math.Max(0, math.Min(1, epss)) * 1e6))  // 0 … 1e6, 20 bits
	s := int64(math.Round(math.Max(0, math.Min(10, score)) * 10)) // 0 … 100, 7 bits
	return r | e<<8 | s
}

// Due is when a finding first seen at first must be fixed: KEV's due
// date when listed; else the severity's days, halved for an asset facing
// the internet.
func Due(kevDue time.Time, severity string, exposure Exposure, first time.Time) time.Time {
	if !kevDue.IsZero() {
		return kevDue
	}
	days, ok := dueDays[strings.ToUpper(severity)]
	if !ok {
		days = defaultDueDays
	}
	if exposure == Internet {
		days /= 2
	}
	return first.AddDate(0, 0, days)
}

// severityOf rates a CVSS base score as v3 and v4 do.
func severityOf(score float64) string {
	switch {
	case score >= 9:
		return "CRITICAL"
	case score >= 7:
		return "HIGH"
	case score >= 4:
		return "MEDIUM"
	case score > 0:
		return "LOW"
	}
	return ""
}
