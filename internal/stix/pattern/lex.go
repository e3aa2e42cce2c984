package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind int

const (
	tEOF tokKind = iota
	tLBrack
	tRBrack
	tLParen
	tRParen
	tColon
	tDot
	tComma
	tStar
	tOp    // = == != <> < <= > >=
	tIdent // identifier, with or without hyphens
	tString
	tInt
	tFloat
	tBool
	tBinary
	tHex
	tTimestamp
	tOther // a character the grammar has a token for but never uses (+ ^ /)
	// keywords
	tAnd
	tOr
	tNot
	tFollowedBy
	tLike
	tMatches
	tIsSuperset
	tIsSubset
	tExists
	tLast
	tIn
	tStart
	tStop
	tSeconds
	tWithin
	tRepeats
	tTimes
)

// keywords maps each keyword (they are case-sensitive) to its token.
var keywords = map[string]tokKind{
	"AND": tAnd, "OR": tOr, "NOT": tNot, "FOLLOWEDBY": tFollowedBy,
	"LIKE": tLike, "MATCHES": tMatches, "ISSUPERSET": tIsSuperset, "ISSUBSET": tIsSubset,
	"EXISTS": tExists, "LAST": tLast, "IN": tIn, "START": tStart, "STOP": tStop,
	"SECONDS": tSeconds, "WITHIN": tWithin, "REPEATS": tRepeats, "TIMES": tTimes,
	"true": tBool, "false": tBool,
}

// token is one lexed token with its literal value.
type token struct {
	kind   tokKind
	off    int    // byte offset
	text   string // as written
	hyphen bool   // tIdent containing '-'
	op     Op     // tOp
	val    Value  // literals
}

// lexer turns a pattern into tokens.
type lexer struct {
	src string
	pos int
}

// next returns the next token, or an error for input no token can start with.
func (l *lexer) next() (token, *Error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, off: start}, nil
	}
	c := l.src[l.pos]
	single := func(k tokKind) (token, *Error) {
		l.pos++
		return token{kind: k, off: start, text: l.src[start:l.pos]}, nil
	}
	switch {
	case c == '[':
		return single(tLBrack)
	case c == ']':
		return single(tRBrack)
	case c == '(':
		return single(tLParen)
	case c == ')':
		return single(tRParen)
	case c == ':':
		return single(tColon)
	case c == ',':
		return single(tComma)
	case c == '*':
		return single(tStar)
	case c == '^' || c == '/':
		return single(tOther)
	case c == '.':
		if l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1]) {
			return l.number()
		}
		return single(tDot)
	case c == '=' || c == '!' || c == '<' || c == '>':
		return l.operator()
	case c == '\'':
		return l.stringLit()
	case c == '+' || c == '-' || isDigit(c):
		if c != '-' && c != '+' || l.pos+1 < len(l.src) && (isDigit(l.src[l.pos+1]) || l.src[l.pos+1] == '.') {
			return l.number()
		}
		if c == '+' {
			return single(tOther)
		}
	case (c == 't' || c == 'h' || c == 'b') && l.pos+1 < len(l.src) && l.src[l.pos+1] == '\'':
		return l.prefixed(c)
	case c == '_' || isLetter(c):
		return l.ident()
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	err := errorAt(l.src, start, CodeCharacter)
	err.Found = string(r)
	return token{}, err
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() *Error {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		switch {
		case isSpace(r):
			l.pos += n
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return errorAt(l.src, l.pos, CodeComment)
			}
			l.pos += 2 + end + 2
		case strings.HasPrefix(l.src[l.pos:], "//"):
			end := strings.IndexAny(l.src[l.pos:], "\r\n")
			if end < 0 {
				l.pos = len(l.src)
			} else {
				l.pos += end
			}
		default:
			return nil
		}
	}
	return nil
}

// isSpace is the grammar's WS set.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\v', '\f', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// operator lexes = == != <> < <= > >=.
func (l *lexer) operator() (token, *Error) {
	start := l.pos
	rest := l.src[l.pos:]
	var op Op
	n := 1
	switch {
	case strings.HasPrefix(rest, "=="):
		op, n = Eq, 2
	case strings.HasPrefix(rest, "!="):
		op, n = Ne, 2
	case strings.HasPrefix(rest, "<>"):
		op, n = Ne, 2
	case strings.HasPrefix(rest, "<="):
		op, n = Le, 2
	case strings.HasPrefix(rest, ">="):
		op, n = Ge, 2
	case rest[0] == '=':
		op = Eq
	case rest[0] == '<':
		op = Lt
	case rest[0] == '>':
		op = Gt
	default: // a lone '!'
		err := errorAt(l.src, start, CodeCharacter)
		err.Found = "!"
		return token{}, err
	}
	l.pos += n
	return token{kind: tOp, off: start, text: l.src[start:l.pos], op: op}, nil
}

// ident lexes an identifier or a keyword.
func (l *lexer) ident() (token, *Error) {
	start := l.pos
	hyphen := false
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '-' {
			hyphen = true
		} else if c != '_' && !isLetter(c) && !isDigit(c) {
			break
		}
		l.pos++
	}
	text := l.src[start:l.pos]
	if k, ok := keywords[text]; ok {
		t := token{kind: k, off: start, text: text}
		if k == tBool {
			t.val = Value{Kind: Bool, Bool: text == "true"}
		}
		return t, nil
	}
	return token{kind: tIdent, off: start, text: text, hyphen: hyphen}, nil
}

// number lexes an integer ('+'? '-'? no leading zero) or a float (digits,
// '.', digits).
func (l *lexer) number() (token, *Error) {
	start := l.pos
	if c := l.src[l.pos]; c == '+' || c == '-' {
		l.pos++
	}
	digits := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	intEnd := l.pos
	isFloat := false
	if l.pos+1 < len(l.src) && l.src[l.pos] == '.' && isDigit(l.src[l.pos+1]) {
		isFloat = true
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
	}
	text := l.src[start:l.pos]
	bad := func(why string) (token, *Error) {
		err := errorAt(l.src, start, CodeNumber)
		err.Found, err.Detail = text, why
		return token{}, err
	}
	if isFloat {
		f, err := strconv.ParseFloat(strings.TrimPrefix(text, "+"), 64)
		if err != nil || math.IsInf(f, 0) {
			return bad("out of range")
		}
		return token{kind: tFloat, off: start, text: text, val: Value{Kind: Float, Float: f}}, nil
	}
	if intEnd == digits {
		return bad("no digits")
	}
	if intEnd-digits > 1 && l.src[digits] == '0' {
		return bad("an integer may not start with 0")
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(text, "+"), 10, 64)
	if err != nil {
		return bad("out of range")
	}
	return token{kind: tInt, off: start, text: text, val: Value{Kind: Int, Int: n}}, nil
}

// stringLit lexes '…' with the escapes \' and \\.
func (l *lexer) stringLit() (token, *Error) {
	start := l.pos
	s, err := l.quoted()
	if err != nil {
		return token{}, err
	}
	return token{kind: tString, off: start, text: l.src[start:l.pos], val: Value{Kind: String, Str: s}}, nil
}

// quoted reads a quoted string at l.pos and returns its content unescaped.
func (l *lexer) quoted() (string, *Error) {
	start := l.pos
	l.pos++ // the quote
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch c {
		case '\'':
			l.pos++
			return b.String(), nil
		case '\\':
			if l.pos+1 >= len(l.src) {
				return "", errorAt(l.src, start, CodeString)
			}
			e := l.src[l.pos+1]
			if e != '\'' && e != '\\' {
				err := errorAt(l.src, l.pos, CodeEscape)
				r, _ := utf8.DecodeRuneInString(l.src[l.pos:][1:])
				err.Found = "\\" + string(r)
				return "", err
			}
			b.WriteByte(e)
			l.pos += 2
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return "", errorAt(l.src, start, CodeString)
}

// prefixed lexes t'…', h'…' and b'…'.
func (l *lexer) prefixed(c byte) (token, *Error) {
	start := l.pos
	l.pos++
	// None of the three may hold a backslash or a quote, so the literal ends at the next quote.
	end := strings.IndexByte(l.src[l.pos+1:], '\'')
	if end < 0 {
		return token{}, errorAt(l.src, start+1, CodeString)
	}
	body := l.src[l.pos+1 : l.pos+1+end]
	l.pos += end + 2
	text := l.src[start:l.pos]
	fail := func(code string) (token, *Error) {
		err := errorAt(l.src, start, code)
		err.Found = text
		return token{}, err
	}
	switch c {
	case 't':
		t, ok := parseTimestamp(body)
		if !ok {
			return fail(CodeTimestamp)
		}
		return token{kind: tTimestamp, off: start, text: text, val: Value{Kind: Timestamp, Time: t}}, nil
	case 'h':
		if len(body)%2 != 0 {
			return fail(CodeHex)
		}
		b, err := hex.DecodeString(body)
		if err != nil {
			return fail(CodeHex)
		}
		return token{kind: tHex, off: start, text: text, val: Value{Kind: Hex, Bytes: b}}, nil
	default:
		// The grammar wants at least one quartet, each of [A-Za-z0-9+/], padding only at the end.
		if body == "" || len(body)%4 != 0 {
			return fail(CodeBinary)
		}
		b, err := base64.StdEncoding.Strict().DecodeString(body)
		if err != nil {
			return fail(CodeBinary)
		}
		return token{kind: tBinary, off: start, text: text, val: Value{Kind: Binary, Bytes: b}}, nil
	}
}

// parseTimestamp reads the grammar's timestamp: YYYY-MM-DDThh:mm:ss, an
// optional fraction and 'Z'; the date must exist. A leap second (:60) is
// allowed at 23:59 and read as the first instant of the next day.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 20 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for j := i; j < i+n; j++ {
			if !isDigit(s[j]) {
				return 0, false
			}
			v = v*10 + int(s[j]-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	nanos := 0
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) == 1 {
			return time.Time{}, false
		}
		scale := 100000000
		for i := 1; i < len(rest); i++ {
			if !isDigit(rest[i]) {
				return time.Time{}, false
			}
			nanos += int(rest[i]-'0') * scale // digits past nanoseconds add nothing
			scale /= 10
		}
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	if day > daysIn(year, month) {
		return time.Time{}, false
	}
	if sec == 60 && (hour != 23 || minute != 59) {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC), true
}

// daysIn is the number of days of a month.
func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
func encodeHex(b []byte) string    { return hex.EncodeToString(b) }
