// Package retention decides how long koban keeps its records and which of
// them are due to go: the policy (a period per record type, per kind of
// report and per category, with defaults an operator's JSON file
// overrides), the planner (pure: given the clock, the policy and what the
// store says of each record, what is due and under which rule) and the
// service that deletes what is due through its Store, leaving a tombstone
// with the hash of every deleted row, and prunes the audit log's oldest
// rows behind a checkpoint so that the rest of the chain still verifies.
package retention

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/taxonomy"
)

// Period is how long a record is kept after the moment its rule counts
// from: calendar years, months and days. The zero Period keeps forever.
type Period struct {
	Years, Months, Days int
}

// Forever keeps a record for ever.
var Forever = Period{}

// IsForever reports whether the period never ends.
func (p Period) IsForever() bool { return p == Period{} }

// After returns when a record counted from t falls due.
func (p Period) After(t time.Time) time.Time { return t.AddDate(p.Years, p.Months, p.Days) }

// Longer reports whether p keeps longer than q (forever is the longest).
// Months count as 31 days and years as 366, so that "longer" errs on
// keeping.
func (p Period) Longer(q Period) bool {
	switch {
	case p.IsForever():
		return !q.IsForever()
	case q.IsForever():
		return false
	}
	return p.approxDays() > q.approxDays()
}

func (p Period) approxDays() int { return p.Years*366 + p.Months*31 + p.Days }

// String writes the period as the policy file spells it ("10y", "18m",
// "90d", "1y6m", "forever").
func (p Period) String() string {
	if p.IsForever() {
		return "forever"
	}
	var b strings.Builder
	for _, part := range []struct {
		n    int
		unit string
	}{{p.Years, "y"}, {p.Months, "m"}, {p.Days, "d"}} {
		if part.n > 0 {
			b.WriteString(strconv.Itoa(part.n) + part.unit)
		}
	}
	return b.String()
}

// ParsePeriod reads "forever", "0", or numbers with units y, m and d in
// that order ("10y", "1y6m", "90d").
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "forever" || s == "0" {
		return Forever, nil
	}
	var p Period
	rest, last := s, -1
	if rest == "" {
		return p, fmt.Errorf("an empty period: write a number of years, months or days (10y, 18m, 90d) or forever")
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 5 {
			return Period{}, fmt.Errorf("%q is not a period: write a number of years, months or days (10y, 18m, 90d) or forever", s)
		}
		n, _ := strconv.Atoi(rest[:i])
		order := strings.IndexByte("ymd", rest[i])
		if order < 0 || order <= last {
			return Period{}, fmt.Errorf("%q is not a period: units are y, m and d, in that order", s)
		}
		last = order
		switch rest[i] {
		case 'y':
			p.Years = n
		case 'm':
			p.Months = n
		case 'd':
			p.Days = n
		}
		rest = rest[i+1:]
	}
	if p.approxDays() > 200*366 {
		return Period{}, fmt.Errorf("%q is longer than 200 years: write forever", s)
	}
	if p.IsForever() {
		return Period{}, fmt.Errorf("%q is no time at all: write forever to keep for ever", s)
	}
	return p, nil
}

// MarshalJSON writes the period as its string.
func (p Period) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a period string (or 0 for forever).
func (p *Period) UnmarshalJSON(b []byte) error {
	if string(b) == "0" {
		*p = Forever
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a period is a string such as \"10y\", \"18m\", \"90d\" or \"forever\"")
	}
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Policy is how long each type of record is kept. Every period counts from
// the moment written beside it; a zero period keeps forever.
type Policy struct {
	// Reports by kind (report 通報, consultation 相談, tip 情報提供), from
	// the report's last change once it is closed.
	Reports map[string]Period `json:"reports"`
	// Categories give reports of a taxonomy category their own period; of
	// the kind's and the category's, the longer applies.
	Categories map[string]Period `json:"report_categories,omitempty"`
	// PatrolCaptures is the default for a cyber patrol capture, from when
	// it was fetched: an item's own retention and its tags' retentions
	// (patrol.Retain) come first.
	PatrolCaptures Period `json:"patrol_captures"`
	// Cases from their last change once closed.
	Cases Period `json:"cases"`
	// Evidence keeps its case: a closed case holding evidence goes only
	// once this period has passed too.
	Evidence Period `json:"evidence"`
	// Audit rows from when they were written; pruned only as the chain's
	// oldest rows, behind a checkpoint.
	Audit Period `json:"audit"`
	// Label is the operator's name for this policy ("2026年度版"); the
	// version adds a hash of the content to it.
	Label string `json:"label,omitempty"`
}

// Default is the policy koban keeps when no file is given: long enough for
// the limitation periods of most offences reported (fraud: 7 years) with
// room for an investigation, cases and evidence longer, audit rows the
// longest.
func Default() Policy {
	return Policy{
		Reports: map[string]Period{
			string(intake.KindReport):       {Years: 10},
			string(intake.KindConsultation): {Years: 5},
			string(intake.KindTip):          {Years: 5},
		},
		PatrolCaptures: Period{Days: 90},
		Cases:          Period{Years: 30},
		Evidence:       Period{Years: 30},
		Audit:          Period{Years: 30},
	}
}

// Load reads the operator's policy file over the defaults: what it names
// replaces the default, what it leaves out keeps it. Unknown keys, kinds
// and categories are errors, all reported at once.
func Load(path string) (Policy, error) {
	p := Default()
	if path == "" {
		return p, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("KOBAN_RETENTION_POLICY: %w", err)
	}
	if err := p.merge(b); err != nil {
		return p, fmt.Errorf("KOBAN_RETENTION_POLICY %s: %w", path, err)
	}
	return p, nil
}

// merge lays the JSON policy b over p and validates the result.
func (p *Policy) merge(b []byte) error {
	var f struct {
		Reports        map[string]Period `json:"reports"`
		Categories     map[string]Period `json:"report_categories"`
		PatrolCaptures *Period           `json:"patrol_captures"`
		Cases          *Period           `json:"cases"`
		Evidence       *Period           `json:"evidence"`
		Audit          *Period           `json:"audit"`
		Label          string            `json:"label"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return err
	}
	for k, v := range f.Reports {
		p.Reports[k] = v
	}
	if len(f.Categories) > 0 {
		p.Categories = map[string]Period{}
		for k, v := range f.Categories {
			p.Categories[k] = v
		}
	}
	for dst, src := range map[*Period]*Period{&p.PatrolCaptures: f.PatrolCaptures, &p.Cases: f.Cases, &p.Evidence: f.Evidence, &p.Audit: f.Audit} {
		if src != nil {
			*dst = *src
		}
	}
	p.Label = f.Label
	return p.Validate()
}

// Validate reports every kind and category the policy names that koban
// does not know.
func (p Policy) Validate() error {
	var problems []string
	for _, k := range slices.Sorted(maps.Keys(p.Reports)) {
		switch intake.Kind(k) {
		case intake.KindReport, intake.KindConsultation, intake.KindTip:
		default:
			problems = append(problems, fmt.Sprintf("reports: %q is not a kind of report (report, consultation, tip)", k))
		}
	}
	for _, c := range slices.Sorted(maps.Keys(p.Categories)) {
		if !taxonomy.Valid(c) {
			problems = append(problems, fmt.Sprintf("report_categories: %q is not a category", c))
		}
	}
	if len(p.Label) > 100 {
		problems = append(problems, "label: longer than 100 characters")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// Version names the policy in force: its label, if any, and the first 12
// hex digits of the SHA-256 of its canonical JSON, so that a tombstone
// says which rules deleted its row even when nobody changed the label.
func (p Policy) Version() string {
	b, _ := json.Marshal(p) // map keys sorted: the text is stable
	sum := sha256.Sum256(b)
	v := hex.EncodeToString(sum[:6])
	if p.Label != "" {
		return p.Label + "@" + v
	}
	return v
}

// ReportPeriod is the period of a report of the given kind and category,
// and the rule that gave it: the longer of the kind's and the category's.
func (p Policy) ReportPeriod(kind, category string) (Period, string) {
	per, ok := p.Reports[kind]
	rule := "report." + kind
	if !ok {
		per, rule = Forever, "report.unknown_kind"
	}
	if c, ok := p.Categories[category]; ok && category != "" && c.Longer(per) {
		per, rule = c, "report.category."+category
	}
	return per, rule
}
