package pattern

import (
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Observation is what one observed-data object saw: when, how often, and
// its cyber-observable objects as decoded JSON (map[string]any), keyed by
// what their _ref properties name them by — the SCO's id (STIX 2.1) or the
// index in observed-data's "objects" (STIX 2.0).
type Observation struct {
	FirstObserved  time.Time
	LastObserved   time.Time
	NumberObserved int
	Objects        map[string]any
}

// NewObservation builds an Observation from a list of SCOs, each keyed by
// its "id" (or, without one, by its index in the list).
func NewObservation(first, last time.Time, count int, scos ...map[string]any) Observation {
	o := Observation{FirstObserved: first, LastObserved: last, NumberObserved: count, Objects: make(map[string]any, len(scos))}
	for i, sco := range scos {
		id, _ := sco["id"].(string)
		if id == "" {
			id = strconv.Itoa(i)
		}
		o.Objects[id] = sco
	}
	return o
}

// ObservationFromObservedData reads an observed-data object decoded from
// JSON: first_observed, last_observed, number_observed and its SCOs, from
// "objects" (STIX 2.0, kept in 2.1 as deprecated) or from "object_refs"
// looked up in byID (the other objects of the bundle, keyed by id).
func ObservationFromObservedData(od map[string]any, byID map[string]map[string]any) (Observation, error) {
	var o Observation
	var err error
	if o.FirstObserved, err = timeProperty(od, "first_observed"); err != nil {
		return o, err
	}
	if o.LastObserved, err = timeProperty(od, "last_observed"); err != nil {
		return o, err
	}
	if o.LastObserved.Before(o.FirstObserved) {
		return o, errorf(CodeObservation, "last_observed is before first_observed")
	}
	n, ok := number(od["number_observed"])
	if !ok || n < 1 || n != float64(int(n)) {
		return o, errorf(CodeObservation, "number_observed is not a positive integer")
	}
	o.NumberObserved = int(n)
	o.Objects = map[string]any{}
	if objs, ok := od["objects"].(map[string]any); ok {
		for k, v := range objs {
			o.Objects[k] = v
		}
	}
	if refs, ok := od["object_refs"].([]any); ok {
		for _, r := range refs {
			id, _ := r.(string)
			sco, ok := byID[id]
			if !ok {
				return o, errorf(CodeObservation, "object_refs names %q, which is not given", id)
			}
			o.Objects[id] = sco
		}
	}
	if len(o.Objects) == 0 {
		return o, errorf(CodeObservation, "neither objects nor object_refs")
	}
	return o, nil
}

// timeProperty reads a timestamp property.
func timeProperty(m map[string]any, name string) (time.Time, error) {
	s, _ := m[name].(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errorf(CodeObservation, "%s is not a timestamp", name)
	}
	return t, nil
}

// MaxSteps bounds the work of one Match: the combinations of observations
// it tries. A pattern such as "[…] REPEATS 50 TIMES WITHIN 60 SECONDS" over
// many observations could otherwise run for ever.
const MaxSteps = 2_000_000

// Unsupported returns the error of a MATCHES expression that uses a PCRE
// feature RE2 lacks, or nil: the pattern is valid STIX, but koban cannot
// evaluate it faithfully.
func (p *Pattern) Unsupported() error {
	var found *Error
	walkComparisons(p.Root, func(c *Comparison) {
		if found == nil && c.reErr != nil {
			found = c.reErr
		}
	})
	if found == nil {
		return nil
	}
	return found
}

// Match reports whether the observations satisfy the pattern, with the
// semantics written down in the package documentation. It fails when the
// pattern holds a regular expression RE2 cannot run or the search for a
// combination of observations exceeds MaxSteps.
func Match(p *Pattern, obs []Observation) (bool, error) {
	if err := p.Unsupported(); err != nil {
		return false, err
	}
	m := &matcher{obs: obs, simple: map[*Bracket][]int{}}
	found := false
	for range m.bindings(p.Root) {
		found = true
		break
	}
	if m.err != nil {
		return false, m.err
	}
	return found, nil
}

// binding is the set of observations (indices, sorted) one way of
// satisfying an expression used.
type binding []int

// matcher holds one Match's state.
type matcher struct {
	obs    []Observation
	simple map[*Bracket][]int // the observations each bracket matches
	steps  int
	err    *Error
}

// step counts one unit of work; false once the budget is spent.
func (m *matcher) step() bool {
	m.steps++
	if m.steps > MaxSteps && m.err == nil {
		m.err = errorf(CodeTooComplex, "%d", MaxSteps)
	}
	return m.err == nil
}

// bindings yields every way the expression is satisfied (with repeats).
func (m *matcher) bindings(e Expr) iter.Seq[binding] {
	switch e := e.(type) {
	case *Bracket:
		return m.bracket(e)
	case *Group:
		return m.bindings(e.Inner)
	case *Compound:
		return m.compound(e)
	case *Qualified:
		switch q := e.Qualifier.(type) {
		case *Within:
			d := q.Duration()
			return m.filter(m.bindings(e.Inner), func(b binding) bool {
				return m.span(b) <= d
			})
		case *StartStop:
			return m.filter(m.bindings(e.Inner), func(b binding) bool {
				for _, i := range b {
					o := m.obs[i]
					if o.FirstObserved.Before(q.Start.Time) || !o.LastObserved.Before(q.Stop.Time) {
						return false
					}
				}
				return true
			})
		case *Repeats:
			return m.repeats(m.bindings(e.Inner), int(min(q.Times, int64(len(m.obs))+1)))
		}
	}
	return func(func(binding) bool) {}
}

// bracket yields each observation one of whose objects satisfies the
// condition.
func (m *matcher) bracket(e *Bracket) iter.Seq[binding] {
	return func(yield func(binding) bool) {
		hits, done := m.simple[e]
		if !done {
			for i, o := range m.obs {
				if !m.step() {
					return
				}
				if observationHolds(e.Cond, o) {
					hits = append(hits, i)
				}
			}
			m.simple[e] = hits
		}
		for _, i := range hits {
			if !yield(binding{i}) {
				return
			}
		}
	}
}

// compound yields the unions of disjoint bindings of both sides (AND,
// FOLLOWEDBY with the left side's observations ending before the right
// side's begin) or the bindings of either (OR).
func (m *matcher) compound(e *Compound) iter.Seq[binding] {
	left, right := m.bindings(e.Left), m.bindings(e.Right)
	if e.Op == ObsOr {
		return func(yield func(binding) bool) {
			for b := range left {
				if !yield(b) {
					return
				}
			}
			for b := range right {
				if !yield(b) {
					return
				}
			}
		}
	}
	return func(yield func(binding) bool) {
		for a := range left {
			for b := range right {
				if !m.step() {
					return
				}
				if !disjoint(a, b) {
					continue
				}
				if e.Op == FollowedBy && m.lastSeen(a).After(m.firstSeen(b)) {
					continue
				}
				if !yield(union(a, b)) {
					return
				}
			}
			if m.err != nil {
				return
			}
		}
	}
}

// repeats yields the unions of n pairwise disjoint bindings.
func (m *matcher) repeats(inner iter.Seq[binding], n int) iter.Seq[binding] {
	return func(yield func(binding) bool) {
		var all []binding
		for b := range inner {
			if !m.step() {
				return
			}
			all = append(all, b)
		}
		if m.err != nil || n > len(all) {
			return
		}
		// Choose indices i1 < i2 < … < in of all, each disjoint from the union so far.
		var pick func(from int, acc binding, left int) bool
		pick = func(from int, acc binding, left int) bool {
			if left == 0 {
				return yield(acc)
			}
			for i := from; i <= len(all)-left; i++ {
				if !m.step() {
					return false
				}
				if !disjoint(acc, all[i]) {
					continue
				}
				if !pick(i+1, union(acc, all[i]), left-1) {
					return false
				}
			}
			return true
		}
		pick(0, nil, n)
	}
}

// filter yields the bindings keep accepts.
func (m *matcher) filter(seq iter.Seq[binding], keep func(binding) bool) iter.Seq[binding] {
	return func(yield func(binding) bool) {
		for b := range seq {
			if !m.step() {
				return
			}
			if keep(b) && !yield(b) {
				return
			}
		}
	}
}

// span is the time from the first observation's start to the last one's end.
func (m *matcher) span(b binding) time.Duration {
	return m.lastSeen(b).Sub(m.firstSeen(b))
}

func (m *matcher) firstSeen(b binding) time.Time {
	t := m.obs[b[0]].FirstObserved
	for _, i := range b[1:] {
		if f := m.obs[i].FirstObserved; f.Before(t) {
			t = f
		}
	}
	return t
}

func (m *matcher) lastSeen(b binding) time.Time {
	t := m.obs[b[0]].LastObserved
	for _, i := range b[1:] {
		if l := m.obs[i].LastObserved; l.After(t) {
			t = l
		}
	}
	return t
}

// disjoint reports whether two sorted bindings share no observation.
func disjoint(a, b binding) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			return false
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return true
}

// union merges two sorted, disjoint bindings.
func union(a, b binding) binding {
	out := make(binding, 0, len(a)+len(b))
	out = append(out, a...)
	out = append(out, b...)
	slices.Sort(out)
	return out
}

// observationHolds reports whether one object of the observation
// satisfies the condition: AND and OR inside brackets apply to the same
// object.
func observationHolds(c Condition, o Observation) bool {
	for _, v := range o.Objects {
		if obj, ok := v.(map[string]any); ok && objectHolds(c, obj, o.Objects) {
			return true
		}
	}
	return false
}

// objectHolds evaluates a condition on one object.
func objectHolds(c Condition, obj map[string]any, objects map[string]any) bool {
	switch c := c.(type) {
	case *Logical:
		if c.Op == And {
			return objectHolds(c.Left, obj, objects) && objectHolds(c.Right, obj, objects)
		}
		return objectHolds(c.Left, obj, objects) || objectHolds(c.Right, obj, objects)
	case *Comparison:
		if t, _ := obj["type"].(string); t != c.Path.Type {
			return false
		}
		values := resolve(c.Path, obj, objects)
		return c.holdsAny(values, c.Path.lastKey())
	}
	return false
}

// holdsAny applies the comparison to the values a path reached: true when
// one of them satisfies it (NOT negating the operator for each value it
// applies to). A path that reaches nothing satisfies only NOT EXISTS.
func (c *Comparison) holdsAny(values []any, key string) bool {
	if c.Op == Exists {
		return (len(values) > 0) != c.Negated
	}
	for _, v := range values {
		if r, applies := c.holds(v, key); applies && r != c.Negated {
			return true
		}
	}
	return false
}

// lastKey is the name of the last key step, which tells how a property is
// encoded.
func (p Path) lastKey() string {
	for i := len(p.Steps) - 1; i >= 0; i-- {
		if p.Steps[i].Kind == KeyStep {
			return p.Steps[i].Key
		}
	}
	return ""
}

// resolve follows a path from an object and returns the values it reaches:
// keys into dictionaries, indices into lists, [*] into every element, and
// through a "…_ref" or "…_refs" value to the object it names.
func resolve(p Path, obj map[string]any, objects map[string]any) []any {
	type at struct {
		v   any
		ref bool // v is the id of an object (it came from a _ref or _refs property)
	}
	cur := []at{{v: obj}}
	for _, s := range p.Steps {
		var next []at
		for _, c := range cur {
			v := c.v
			if c.ref && s.Kind == KeyStep {
				id, _ := v.(string)
				if v = objects[id]; v == nil {
					continue
				}
			}
			switch s.Kind {
			case KeyStep:
				m, ok := v.(map[string]any)
				if !ok {
					continue
				}
				x, ok := m[s.Key]
				if !ok || x == nil {
					continue
				}
				next = append(next, at{v: x, ref: strings.HasSuffix(s.Key, "_ref") || strings.HasSuffix(s.Key, "_refs")})
			case IndexStep:
				l, ok := v.([]any)
				if !ok || s.Index < 0 || s.Index >= int64(len(l)) || l[s.Index] == nil {
					continue
				}
				next = append(next, at{v: l[s.Index], ref: c.ref})
			case AnyStep:
				l, ok := v.([]any)
				if !ok {
					continue
				}
				for _, x := range l {
					if x != nil {
						next = append(next, at{v: x, ref: c.ref})
					}
				}
			}
		}
		cur = next
		if len(cur) == 0 {
			return nil
		}
	}
	out := make([]any, len(cur))
	for i, c := range cur {
		out[i] = c.v
	}
	return out
}

// walkComparisons calls f with every comparison of the expression.
func walkComparisons(e Expr, f func(*Comparison)) {
	switch e := e.(type) {
	case *Bracket:
		walkCondition(e.Cond, f)
	case *Group:
		walkComparisons(e.Inner, f)
	case *Compound:
		walkComparisons(e.Left, f)
		walkComparisons(e.Right, f)
	case *Qualified:
		walkComparisons(e.Inner, f)
	}
}

func walkCondition(c Condition, f func(*Comparison)) {
	switch c := c.(type) {
	case *Logical:
		walkCondition(c.Left, f)
		walkCondition(c.Right, f)
	case *Comparison:
		f(c)
	}
}

// String shows an observation briefly, for test failures.
func (o Observation) String() string {
	return fmt.Sprintf("%s..%s ×%d %d objects", o.FirstObserved.Format(time.RFC3339), o.LastObserved.Format(time.RFC3339), o.NumberObserved, len(o.Objects))
}
