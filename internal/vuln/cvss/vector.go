package cvss

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every parse error, so callers can test for it.
var ErrInvalid = errors.New("cvss: invalid vector")

// metricDef describes one metric of a vector: its abbreviation, the values it
// may take in the specification's order, and whether the base group needs it.
type metricDef struct {
	key      string
	values   []string
	required bool
}

// parseMetrics reads "K:V/K:V..." into out, where out[i] is 1 + the index of
// the value of defs[i], or 0 when the metric is absent. With ordered set, the
// metrics must come in the order of defs.
func parseMetrics(body string, defs []metricDef, ordered bool, out []uint8) error {
	if body == "" {
		return fmt.Errorf("%w: no metrics", ErrInvalid)
	}
	last := -1
	for part := range strings.SplitSeq(body, "/") {
		key, val, ok := strings.Cut(part, ":")
		if !ok {
			return fmt.Errorf("%w: %q is not metric:value", ErrInvalid, part)
		}
		i := indexDef(defs, key)
		if i < 0 {
			return fmt.Errorf("%w: unknown metric %q", ErrInvalid, key)
		}
		if out[i] != 0 {
			return fmt.Errorf("%w: metric %s given twice", ErrInvalid, key)
		}
		if ordered && i < last {
			return fmt.Errorf("%w: metric %s out of order", ErrInvalid, key)
		}
		last = i
		j := indexValue(defs[i].values, val)
		if j < 0 {
			return fmt.Errorf("%w: metric %s has unknown value %q", ErrInvalid, key, val)
		}
		out[i] = uint8(j + 1)
	}
	for i, d := range defs {
		if d.required && out[i] == 0 {
			return fmt.Errorf("%w: base metric %s missing", ErrInvalid, d.key)
		}
	}
	return nil
}

func indexDef(defs []metricDef, key string) int {
	for i := range defs {
		if defs[i].key == key {
			return i
		}
	}
	return -1
}

func indexValue(values []string, v string) int {
	for i := range values {
		if values[i] == v {
			return i
		}
	}
	return -1
}

// formatMetrics writes the metrics present in vals in the order of defs.
func formatMetrics(b *strings.Builder, defs []metricDef, vals []uint8) {
	first := b.Len() == 0 || strings.HasSuffix(b.String(), "/")
	for i, d := range defs {
		if vals[i] == 0 {
			continue
		}
		if !first {
			b.WriteByte('/')
		}
		first = false
		b.WriteString(d.key)
		b.WriteByte(':')
		b.WriteString(d.values[vals[i]-1])
	}
}

// Severity is the qualitative rating of a v3 or v4 score.
func Severity(score float64) string {
	switch {
	case score == 0:
		return "NONE"
	case score < 4:
		return "LOW"
	case score < 7:
		return "MEDIUM"
	case score < 9:
		return "HIGH"
	default:
		return "CRITICAL"
	}
}
