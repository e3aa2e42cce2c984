package pattern

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pattern is a parsed STIX pattern.
type Pattern struct {
	Root Expr // the observation expressions
}

// Expr is an observation expression: *Bracket, *Group, *Compound or *Qualified.
type Expr interface {
	writeTo(b *strings.Builder)
	exprPrecedence() int
}

// ObsOp is an operator between observation expressions.
type ObsOp int

// The observation operators, from the loosest binding to the tightest.
const (
	FollowedBy ObsOp = iota
	ObsOr
	ObsAnd
)

var obsOpText = [...]string{"FOLLOWEDBY", "OR", "AND"}

// Bracket is "[ … ]": comparisons that one observation must satisfy.
type Bracket struct {
	Cond   Condition
	Offset int // of the '['
}

// Group is an observation expression in parentheses. The parentheses are
// kept because they decide which qualifiers may repeat.
type Group struct {
	Inner Expr
}

// Compound joins two observation expressions with AND, OR or FOLLOWEDBY.
type Compound struct {
	Op          ObsOp
	Left, Right Expr
}

// Qualified is an observation expression with a qualifier after it.
type Qualified struct {
	Inner     Expr
	Qualifier Qualifier
	Offset    int // of the qualifier's keyword
}

// Qualifier is *Within, *Repeats or *StartStop.
type Qualifier interface {
	writeTo(b *strings.Builder)
	kind() string
}

// Within is "WITHIN n SECONDS"; Seconds is an Int or a Float literal.
type Within struct{ Seconds Value }

// Repeats is "REPEATS n TIMES".
type Repeats struct{ Times int64 }

// StartStop is "START t'…' STOP t'…'".
type StartStop struct{ Start, Stop Value }

// Duration is the window of a Within.
func (w *Within) Duration() time.Duration {
	return time.Duration(w.Seconds.number() * float64(time.Second))
}

// Condition is what a Bracket holds: *Logical or *Comparison.
type Condition interface {
	writeCond(b *strings.Builder)
	condPrecedence() int
}

// BoolOp joins comparisons inside brackets.
type BoolOp int

// The operators inside brackets; OR binds looser than AND.
const (
	Or BoolOp = iota
	And
)

// Logical joins two conditions with AND or OR.
type Logical struct {
	Op          BoolOp
	Left, Right Condition
	Offset      int // of the operator
}

// Op is a comparison operator.
type Op int

// The comparison operators.
const (
	Eq Op = iota
	Ne
	Lt
	Le
	Gt
	Ge
	In
	Like
	Matches
	IsSubset
	IsSuperset
	Exists
)

var opText = [...]string{"=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"}

// String is the operator as written in a pattern.
func (o Op) String() string { return opText[o] }

// Comparison is one test of an object path: "path NOT? op value", "path
// IN (…)" or "NOT? EXISTS path".
type Comparison struct {
	Path    Path
	Negated bool
	Op      Op
	Value   Value   // not for In and Exists
	Set     []Value // for In
	Offset  int     // of the path (or of NOT/EXISTS)

	re    *regexp.Regexp // Like and Matches
	reErr *Error         // a MATCHES expression RE2 cannot run
}

// Path is an object path: the object type and the steps after the colon.
type Path struct {
	Type  string
	Steps []Step
}

// StepKind tells what a path step selects.
type StepKind int

// The step kinds.
const (
	KeyStep   StepKind = iota // ".name" (or the first name after ':')
	IndexStep                 // "[n]"
	AnyStep                   // "[*]"
)

// Step is one step of a path.
type Step struct {
	Kind  StepKind
	Key   string // KeyStep
	Index int64  // IndexStep
}

// Kind is the type of a literal.
type Kind int

// The literal kinds.
const (
	String Kind = iota
	Int
	Float
	Bool
	Binary // b'…', base64
	Hex    // h'…'
	Timestamp
)

// Value is a literal of a pattern.
type Value struct {
	Kind  Kind
	Str   string    // String
	Int   int64     // Int
	Float float64   // Float
	Bool  bool      // Bool
	Bytes []byte    // Binary, Hex
	Time  time.Time // Timestamp
}

// number is an Int or Float as a float64.
func (v Value) number() float64 {
	if v.Kind == Int {
		return float64(v.Int)
	}
	return v.Float
}

// String prints the pattern in its canonical form: single spaces, keywords
// in capitals, literals normalised (see Value.String); it parses back to
// the same pattern.
func (p *Pattern) String() string {
	var b strings.Builder
	p.Root.writeTo(&b)
	return b.String()
}

func (e *Bracket) exprPrecedence() int   { return 10 }
func (e *Group) exprPrecedence() int     { return 10 }
func (e *Qualified) exprPrecedence() int { return 5 }
func (e *Compound) exprPrecedence() int  { return int(e.Op) }

func (e *Bracket) writeTo(b *strings.Builder) {
	b.WriteByte('[')
	e.Cond.writeCond(b)
	b.WriteByte(']')
}

func (e *Group) writeTo(b *strings.Builder) {
	b.WriteByte('(')
	e.Inner.writeTo(b)
	b.WriteByte(')')
}

func (e *Compound) writeTo(b *strings.Builder) {
	// Left-associative: a right operand of the same operator needs parentheses.
	writeOperand(b, e.Left, e.exprPrecedence())
	b.WriteByte(' ')
	b.WriteString(obsOpText[e.Op])
	b.WriteByte(' ')
	writeOperand(b, e.Right, e.exprPrecedence()+1)
}

// writeOperand writes x, in parentheses when it binds looser than min.
func writeOperand(b *strings.Builder, x Expr, min int) {
	if x.exprPrecedence() < min {
		b.WriteByte('(')
		x.writeTo(b)
		b.WriteByte(')')
		return
	}
	x.writeTo(b)
}

func (e *Qualified) writeTo(b *strings.Builder) {
	// Only a bracket, a group or another qualified expression can take a qualifier.
	writeOperand(b, e.Inner, 5)
	b.WriteByte(' ')
	e.Qualifier.writeTo(b)
}

func (q *Within) writeTo(b *strings.Builder) {
	b.WriteString("WITHIN ")
	b.WriteString(q.Seconds.String())
	b.WriteString(" SECONDS")
}

func (q *Repeats) writeTo(b *strings.Builder) {
	b.WriteString("REPEATS ")
	b.WriteString(strconv.FormatInt(q.Times, 10))
	b.WriteString(" TIMES")
}

func (q *StartStop) writeTo(b *strings.Builder) {
	b.WriteString("START ")
	b.WriteString(q.Start.String())
	b.WriteString(" STOP ")
	b.WriteString(q.Stop.String())
}

func (q *Within) kind() string    { return "WITHIN" }
func (q *Repeats) kind() string   { return "REPEATS" }
func (q *StartStop) kind() string { return "START/STOP" }

func (c *Logical) condPrecedence() int    { return int(c.Op) }
func (c *Comparison) condPrecedence() int { return 10 }

func (c *Logical) writeCond(b *strings.Builder) {
	writeCondOperand(b, c.Left, c.condPrecedence())
	if c.Op == And {
		b.WriteString(" AND ")
	} else {
		b.WriteString(" OR ")
	}
	writeCondOperand(b, c.Right, c.condPrecedence()+1)
}

// writeCondOperand writes x, in parentheses when it binds looser than min.
func writeCondOperand(b *strings.Builder, x Condition, min int) {
	if x.condPrecedence() < min {
		b.WriteByte('(')
		x.writeCond(b)
		b.WriteByte(')')
		return
	}
	x.writeCond(b)
}

func (c *Comparison) writeCond(b *strings.Builder) {
	if c.Op == Exists {
		if c.Negated {
			b.WriteString("NOT ")
		}
		b.WriteString("EXISTS ")
		b.WriteString(c.Path.String())
		return
	}
	b.WriteString(c.Path.String())
	if c.Negated {
		b.WriteString(" NOT")
	}
	b.WriteByte(' ')
	b.WriteString(c.Op.String())
	b.WriteByte(' ')
	if c.Op == In {
		b.WriteByte('(')
		for i, v := range c.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
		return
	}
	b.WriteString(c.Value.String())
}

// String is the comparison as written in a pattern.
func (c *Comparison) String() string {
	var b strings.Builder
	c.writeCond(&b)
	return b.String()
}

// String prints the path: "type:name.'quoted-key'[0][*]".
func (p Path) String() string {
	var b strings.Builder
	b.WriteString(p.Type)
	b.WriteByte(':')
	b.WriteString(p.Property())
	return b.String()
}

// Property is the path after the colon.
func (p Path) Property() string {
	var b strings.Builder
	for i, s := range p.Steps {
		switch s.Kind {
		case KeyStep:
			if i > 0 {
				b.WriteByte('.')
			}
			if plainKey(s.Key) {
				b.WriteString(s.Key)
			} else {
				writeQuoted(&b, s.Key)
			}
		case IndexStep:
			b.WriteByte('[')
			b.WriteString(strconv.FormatInt(s.Index, 10))
			b.WriteByte(']')
		case AnyStep:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// plainKey reports whether a key can be written without quotes: an
// identifier without a hyphen that is not a keyword.
func plainKey(k string) bool {
	if k == "" || keywords[k] != 0 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// writeQuoted writes s as a string literal.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
}

// String prints the literal canonically: strings quoted with \' and \\
// escaped, integers without '+', floats with a '.', hex in lower case,
// base64 padded, timestamps in UTC with the fraction's trailing zeros
// dropped.
func (v Value) String() string {
	var b strings.Builder
	switch v.Kind {
	case String:
		writeQuoted(&b, v.Str)
	case Int:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case Float:
		s := strconv.FormatFloat(v.Float, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		b.WriteString(s)
	case Bool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case Binary:
		b.WriteString("b'")
		b.WriteString(encodeBase64(v.Bytes))
		b.WriteByte('\'')
	case Hex:
		b.WriteString("h'")
		b.WriteString(encodeHex(v.Bytes))
		b.WriteByte('\'')
	case Timestamp:
		b.WriteString("t'")
		b.WriteString(v.Time.UTC().Format("2006-01-02T15:04:05.999999999Z"))
		b.WriteByte('\'')
	}
	return b.String()
}
