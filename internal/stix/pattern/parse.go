package pattern

import "strconv"

// maxDepth bounds the nesting of parentheses and brackets, so that a
// hostile pattern cannot exhaust the stack.
const maxDepth = 200

// Parse reads a STIX 2.1 pattern. A pattern that breaks the grammar or one
// of the specification's rules (see Check) returns an *Error saying what and
// where.
func Parse(src string) (*Pattern, error) {
	p := &parser{lx: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errorAt(src, 0, CodeEmptyPattern)
	}
	root, err := p.observationExpressions()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("'AND'", "'OR'", "'FOLLOWEDBY'", "'WITHIN'", "'REPEATS'", "'START'", "end")
	}
	pat := &Pattern{Root: root}
	if err := check(src, pat); err != nil {
		return nil, err
	}
	return pat, nil
}

// MustParse is Parse for patterns known to be good, as in tests; it panics on an error.
func MustParse(src string) *Pattern {
	p, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return p
}

// parser is a recursive-descent parser over the lexer, one token of look-ahead.
type parser struct {
	lx    lexer
	tok   token
	depth int
}

// advance reads the next token.
func (p *parser) advance() *Error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// unexpected is the syntax error at the current token.
func (p *parser) unexpected(expected ...string) *Error {
	err := errorAt(p.lx.src, p.tok.off, CodeSyntax)
	err.Expected = expected
	err.Found = p.tok.text
	return err
}

// expect consumes a token of kind k, or fails naming want.
func (p *parser) expect(k tokKind, want string) (token, *Error) {
	if p.tok.kind != k {
		return token{}, p.unexpected(want)
	}
	t := p.tok
	return t, p.advance()
}

// enter counts one level of nesting.
func (p *parser) enter() *Error {
	p.depth++
	if p.depth > maxDepth {
		err := errorAt(p.lx.src, p.tok.off, CodeDepth)
		err.Found = p.tok.text
		err.Detail = strconv.Itoa(maxDepth)
		return err
	}
	return nil
}

// observationExpressions: or-expressions joined by FOLLOWEDBY.
func (p *parser) observationExpressions() (Expr, *Error) {
	return p.binaryLevel(FollowedBy)
}

var obsOpToken = [...]tokKind{FollowedBy: tFollowedBy, ObsOr: tOr, ObsAnd: tAnd}

// binaryLevel parses the left-associative level of op.
func (p *parser) binaryLevel(op ObsOp) (Expr, *Error) {
	next := func() (Expr, *Error) {
		if op == ObsAnd {
			return p.qualified()
		}
		return p.binaryLevel(op + 1)
	}
	left, err := next()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == obsOpToken[op] {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := next()
		if err != nil {
			return nil, err
		}
		left = &Compound{Op: op, Left: left, Right: right}
	}
	return left, nil
}

// qualified: a primary observation expression and its qualifiers.
func (p *parser) qualified() (Expr, *Error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		off := p.tok.off
		var q Qualifier
		switch p.tok.kind {
		case tWithin:
			q, err = p.within()
		case tRepeats:
			q, err = p.repeats()
		case tStart:
			q, err = p.startStop()
		default:
			return x, nil
		}
		if err != nil {
			return nil, err
		}
		x = &Qualified{Inner: x, Qualifier: q, Offset: off}
	}
}

// primary: "[ comparisons ]" or "( observation expressions )".
func (p *parser) primary() (Expr, *Error) {
	switch p.tok.kind {
	case tLBrack:
		off := p.tok.off
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.comparisonExpression()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRBrack, "']'"); err != nil {
			if p.tok.kind != tRBrack {
				err.Expected = []string{"']'", "'AND'", "'OR'"}
			}
			return nil, err
		}
		p.depth--
		return &Bracket{Cond: c, Offset: off}, nil
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.observationExpressions()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("')'", "'AND'", "'OR'", "'FOLLOWEDBY'", "'WITHIN'", "'REPEATS'", "'START'")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.depth--
		return &Group{Inner: inner}, nil
	}
	return nil, p.unexpected("observation")
}

// within: WITHIN number SECONDS.
func (p *parser) within() (Qualifier, *Error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if (p.tok.kind != tInt && p.tok.kind != tFloat) || p.tok.val.number() < 0 || p.tok.text[0] == '-' {
		return nil, p.unexpected("number")
	}
	q := &Within{Seconds: p.tok.val}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if _, err := p.expect(tSeconds, "'SECONDS'"); err != nil {
		return nil, err
	}
	return q, nil
}

// repeats: REPEATS integer TIMES.
func (p *parser) repeats() (Qualifier, *Error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tInt || p.tok.text[0] == '-' {
		return nil, p.unexpected("integer")
	}
	q := &Repeats{Times: p.tok.val.Int}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if _, err := p.expect(tTimes, "'TIMES'"); err != nil {
		return nil, err
	}
	return q, nil
}

// startStop: START timestamp STOP timestamp.
func (p *parser) startStop() (Qualifier, *Error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	start, err := p.expect(tTimestamp, "timestamp")
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tStop, "'STOP'"); err != nil {
		return nil, err
	}
	stop, err := p.expect(tTimestamp, "timestamp")
	if err != nil {
		return nil, err
	}
	return &StartStop{Start: start.val, Stop: stop.val}, nil
}

// comparisonExpression: and-expressions joined by OR.
func (p *parser) comparisonExpression() (Condition, *Error) {
	left, err := p.comparisonAnd()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tOr {
		off := p.tok.off
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.comparisonAnd()
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: Or, Left: left, Right: right, Offset: off}
	}
	return left, nil
}

// comparisonAnd: comparisons joined by AND.
func (p *parser) comparisonAnd() (Condition, *Error) {
	left, err := p.propTest()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tAnd {
		off := p.tok.off
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.propTest()
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: And, Left: left, Right: right, Offset: off}
	}
	return left, nil
}

// propTest: one comparison, or comparisons in parentheses.
func (p *parser) propTest() (Condition, *Error) {
	off := p.tok.off
	switch p.tok.kind {
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.comparisonExpression()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("')'", "'AND'", "'OR'")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.depth--
		return c, nil
	case tNot, tExists:
		negated := p.tok.kind == tNot
		if negated {
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if _, err := p.expect(tExists, "'EXISTS'"); err != nil {
			return nil, err
		}
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		return &Comparison{Path: path, Negated: negated, Op: Exists, Offset: off}, nil
	case tIdent:
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		c := &Comparison{Path: path, Offset: off}
		if p.tok.kind == tNot {
			c.Negated = true
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if err := p.operatorAndValue(c); err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, p.unexpected("comparison")
}

// operatorAndValue reads the operator of c and what it compares with.
func (p *parser) operatorAndValue(c *Comparison) *Error {
	switch p.tok.kind {
	case tOp:
		c.Op = p.tok.op
		if err := p.advance(); err != nil {
			return err
		}
		v, err := p.literal(c.Op == Eq || c.Op == Ne)
		if err != nil {
			return err
		}
		c.Value = v
		return nil
	case tIn:
		c.Op = In
		if err := p.advance(); err != nil {
			return err
		}
		return p.set(c)
	case tLike, tMatches, tIsSubset, tIsSuperset:
		c.Op = stringOps[p.tok.kind]
		if err := p.advance(); err != nil {
			return err
		}
		t, err := p.expect(tString, "string")
		if err != nil {
			return err
		}
		c.Value = t.val
		return nil
	}
	return p.unexpected("operator")
}

// stringOps are the operators that take a string literal.
var stringOps = map[tokKind]Op{tLike: Like, tMatches: Matches, tIsSubset: IsSubset, tIsSuperset: IsSuperset}

// literal reads a primitive literal; booleans only when withBool.
func (p *parser) literal(withBool bool) (Value, *Error) {
	switch p.tok.kind {
	case tString, tInt, tFloat, tBinary, tHex, tTimestamp:
	case tBool:
		if !withBool {
			return Value{}, p.unexpected("orderable")
		}
	default:
		if withBool {
			return Value{}, p.unexpected("literal")
		}
		return Value{}, p.unexpected("orderable")
	}
	v := p.tok.val
	return v, p.advance()
}

// set reads "( literal, … )"; the set may be empty.
func (p *parser) set(c *Comparison) *Error {
	if _, err := p.expect(tLParen, "'('"); err != nil {
		return err
	}
	c.Set = []Value{}
	if p.tok.kind == tRParen {
		return p.advance()
	}
	for {
		v, err := p.literal(true)
		if err != nil {
			return err
		}
		c.Set = append(c.Set, v)
		switch p.tok.kind {
		case tComma:
			if err := p.advance(); err != nil {
				return err
			}
		case tRParen:
			return p.advance()
		default:
			return p.unexpected("','", "')'")
		}
	}
}

// objectPath: type ':' first-key then '.key', '[n]' and '[*]' steps.
func (p *parser) objectPath() (Path, *Error) {
	if p.tok.kind != tIdent {
		return Path{}, p.unexpected("object_type")
	}
	path := Path{Type: p.tok.text}
	if err := p.advance(); err != nil {
		return Path{}, err
	}
	if _, err := p.expect(tColon, "':'"); err != nil {
		return Path{}, err
	}
	key, err := p.key()
	if err != nil {
		return Path{}, err
	}
	path.Steps = append(path.Steps, Step{Kind: KeyStep, Key: key})
	for {
		switch p.tok.kind {
		case tDot:
			if err := p.advance(); err != nil {
				return Path{}, err
			}
			key, err := p.key()
			if err != nil {
				return Path{}, err
			}
			path.Steps = append(path.Steps, Step{Kind: KeyStep, Key: key})
		case tLBrack:
			if err := p.advance(); err != nil {
				return Path{}, err
			}
			switch p.tok.kind {
			case tStar:
				path.Steps = append(path.Steps, Step{Kind: AnyStep})
			case tInt:
				path.Steps = append(path.Steps, Step{Kind: IndexStep, Index: p.tok.val.Int})
			default:
				return Path{}, p.unexpected("index")
			}
			if err := p.advance(); err != nil {
				return Path{}, err
			}
			if _, err := p.expect(tRBrack, "']'"); err != nil {
				return Path{}, err
			}
		default:
			return path, nil
		}
	}
}

// key reads a property name: an identifier without a hyphen, or a string.
func (p *parser) key() (string, *Error) {
	switch {
	case p.tok.kind == tIdent && !p.tok.hyphen:
	case p.tok.kind == tString:
		k := p.tok.val.Str
		return k, p.advance()
	default:
		return "", p.unexpected("property")
	}
	k := p.tok.text
	return k, p.advance()
}
