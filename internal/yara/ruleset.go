package yara

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrRules is rule text koban refuses before yara sees it: malformed for
// the tokenizer, too large, or with an include.
var ErrRules = errors.New("yara: invalid rule text")

// MaxRuleText is the largest rule set text ParseSet accepts.
const MaxRuleText = 16 << 20

// ShippableLicences are the licences (SPDX ids) under which a rule set may
// ship with koban. Others may be loaded by an operator, flagged.
var ShippableLicences = []string{"MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause"}

// RuleSet is a named body of YARA rules with its provenance.
type RuleSet struct {
	Name    string
	Licence string // SPDX id
	Author  string // the set's author, shown in every match
	Source  string // where it came from: a URL, or a description
	Text    string
	Rules   []Rule
	// Slow names the rules yara warns may slow down scanning, once Check
	// has compiled the set.
	Slow []string
	// Warnings are yara's other compile warnings, as it wrote them.
	Warnings []string
	// Shippable is whether the licence is one koban may ship.
	Shippable bool
}

// Rule is what the set's text says about one rule.
type Rule struct {
	Name        string
	Tags        []string
	Author      string // meta author
	Description string // meta description
	Private     bool   // matches are not reported
	Slow        bool
}

// ParseSet reads the rule names, tags and meta of a set's text. It is a
// tokenizer's view, not a compiler's: yara (Engine.Check) decides whether
// the rules compile. Includes are refused, since they would let a set read
// files beside it.
func ParseSet(name, licence, author, source, text string) (RuleSet, error) {
	if name == "" {
		return RuleSet{}, fmt.Errorf("%w: a rule set needs a name", ErrRules)
	}
	rules, err := parseRules(text)
	if err != nil {
		return RuleSet{}, fmt.Errorf("rule set %s: %w", name, err)
	}
	return RuleSet{
		Name: name, Licence: licence, Author: author, Source: source, Text: text,
		Rules: rules, Shippable: slices.Contains(ShippableLicences, licence),
	}, nil
}

// Rule returns the set's rule of that name.
func (s *RuleSet) Rule(name string) (Rule, bool) {
	for _, r := range s.Rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokRegex
	tokHex
	tokNumber
	tokPunct
)

type token struct {
	kind tokenKind
	text string // for strings, the unescaped value
	line int
}

// lexer splits rule text into the tokens parseRules needs. A '{' right
// after '=' opens a hex string; '/' opens a regular expression unless a
// comment (YARA divides with '\').
type lexer struct {
	src  string
	pos  int
	line int
	prev token
}

func (l *lexer) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrRules, l.line, fmt.Sprintf(format, args...))
}

func (l *lexer) next() (token, error) {
	t, err := l.scan()
	if err == nil {
		l.prev = t
	}
	return t, err
}

func (l *lexer) scan() (token, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case strings.HasPrefix(l.src[l.pos:], "//"):
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return token{}, l.errorf("unterminated comment")
			}
			l.line += strings.Count(l.src[l.pos:l.pos+2+end], "\n")
			l.pos += end + 4
		default:
			return l.token()
		}
	}
	return token{kind: tokEOF, line: l.line}, nil
}

func (l *lexer) token() (token, error) {
	start, c := l.pos, l.src[l.pos]
	switch {
	case c == '"':
		return l.quoted()
	case c == '/':
		return l.regex()
	case c == '{' && l.prev.kind == tokPunct && l.prev.text == "=":
		end := strings.IndexByte(l.src[l.pos:], '}')
		if end < 0 {
			return token{}, l.errorf("unterminated hex string")
		}
		text := l.src[l.pos+1 : l.pos+end]
		t := token{kind: tokHex, text: text, line: l.line}
		l.line += strings.Count(text, "\n")
		l.pos += end + 1
		return t, nil
	case isIdent(c) || c == '$' || c == '#' || c == '@' || c == '!' && l.pos+1 < len(l.src) && isIdent(l.src[l.pos+1]):
		l.pos++
		for l.pos < len(l.src) && isIdent(l.src[l.pos]) {
			l.pos++
		}
		if c != '$' && c != '#' && c != '@' && c != '!' && c >= '0' && c <= '9' {
			return token{kind: tokNumber, text: l.src[start:l.pos], line: l.line}, nil
		}
		if l.pos < len(l.src) && l.src[l.pos] == '*' && c == '$' {
			l.pos++
		}
		return token{kind: tokIdent, text: l.src[start:l.pos], line: l.line}, nil
	case c < utf8.RuneSelf:
		l.pos++
		return token{kind: tokPunct, text: l.src[start:l.pos], line: l.line}, nil
	default:
		return token{}, l.errorf("unexpected byte %#x", c)
	}
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// quoted reads a text string, unescaping \" \\ \t \n \r and \xHH.
func (l *lexer) quoted() (token, error) {
	var b strings.Builder
	line := l.line
	for l.pos++; l.pos < len(l.src); l.pos++ {
		c := l.src[l.pos]
		switch c {
		case '"':
			l.pos++
			return token{kind: tokString, text: b.String(), line: line}, nil
		case '\n':
			return token{}, l.errorf("newline in a string")
		case '\\':
			if l.pos+1 >= len(l.src) {
				return token{}, l.errorf("unterminated string")
			}
			l.pos++
			switch e := l.src[l.pos]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x':
				if l.pos+2 < len(l.src) && isHex(l.src[l.pos+1]) && isHex(l.src[l.pos+2]) {
					b.WriteByte(unhex(l.src[l.pos+1])<<4 | unhex(l.src[l.pos+2]))
					l.pos += 2
				} else {
					return token{}, l.errorf("bad \\x escape")
				}
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return token{}, l.errorf("unterminated string")
}

// regex reads /.../ and its flags; an escaped '/' does not end it.
func (l *lexer) regex() (token, error) {
	start := l.pos
	for l.pos++; l.pos < len(l.src); l.pos++ {
		switch l.src[l.pos] {
		case '\\':
			l.pos++
		case '\n':
			return token{}, l.errorf("newline in a regular expression")
		case '/':
			l.pos++
			for l.pos < len(l.src) && (l.src[l.pos] == 'i' || l.src[l.pos] == 's') {
				l.pos++
			}
			return token{kind: tokRegex, text: l.src[start:l.pos], line: l.line}, nil
		}
	}
	return token{}, l.errorf("unterminated regular expression")
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	default:
		return c - '0'
	}
}

// parseRules walks the tokens: imports, then rules with their tags and
// meta; strings and conditions are skipped by brace depth.
func parseRules(text string) ([]Rule, error) {
	if len(text) > MaxRuleText {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrRules, len(text), MaxRuleText)
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrRules)
	}
	l := &lexer{src: text, line: 1}
	var rules []Rule
	seen := map[string]bool{}
	var private bool
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		switch {
		case t.kind == tokEOF:
			return rules, nil
		case t.kind == tokIdent && t.text == "import":
			if s, err := l.next(); err != nil {
				return nil, err
			} else if s.kind != tokString {
				return nil, l.errorf("import without a module name")
			}
		case t.kind == tokIdent && t.text == "include":
			return nil, l.errorf("include is not allowed: a set is one text")
		case t.kind == tokIdent && t.text == "private":
			private = true
		case t.kind == tokIdent && t.text == "global":
		case t.kind == tokIdent && t.text == "rule":
			r, err := parseRule(l)
			if err != nil {
				return nil, err
			}
			if seen[r.Name] {
				return nil, l.errorf("rule %s defined twice", r.Name)
			}
			seen[r.Name] = true
			r.Private, private = private, false
			rules = append(rules, r)
		default:
			return nil, l.errorf("unexpected %q outside a rule", t.text)
		}
	}
}

func parseRule(l *lexer) (Rule, error) {
	name, err := l.next()
	if err != nil {
		return Rule{}, err
	}
	if name.kind != tokIdent || !validName(name.text) {
		return Rule{}, l.errorf("rule without a name")
	}
	r := Rule{Name: name.text}
	t, err := l.next()
	if err != nil {
		return Rule{}, err
	}
	if t.kind == tokPunct && t.text == ":" {
		for {
			if t, err = l.next(); err != nil {
				return Rule{}, err
			}
			if t.kind != tokIdent || !validName(t.text) {
				break
			}
			r.Tags = append(r.Tags, t.text)
		}
	}
	if t.kind != tokPunct || t.text != "{" {
		return Rule{}, l.errorf("rule %s: expected {", r.Name)
	}
	section := ""
	var last token // the token before the current one, for "section:"
	for depth := 1; depth > 0; {
		t, err := l.next()
		if err != nil {
			return Rule{}, err
		}
		switch {
		case t.kind == tokEOF:
			return Rule{}, l.errorf("rule %s: unterminated", r.Name)
		case t.kind == tokPunct && t.text == "{":
			depth++
		case t.kind == tokPunct && t.text == "}":
			depth--
		case t.kind == tokPunct && t.text == ":" && depth == 1 && last.kind == tokIdent &&
			(last.text == "meta" || last.text == "strings" || last.text == "condition"):
			section = last.text
		case section == "meta" && t.kind == tokIdent:
			consumed, err := parseMeta(l, &r, t.text)
			if err != nil {
				return Rule{}, err
			}
			if consumed {
				t = l.prev // the value, so the next key is not taken for a section
			}
		}
		last = t
	}
	return r, nil
}

// parseMeta reads "= value" after a meta key and keeps author and
// description. A key named like a section is the section itself.
func parseMeta(l *lexer, r *Rule, key string) (bool, error) {
	save := *l
	eq, err := l.next()
	if err != nil {
		return false, err
	}
	if eq.kind != tokPunct || eq.text != "=" {
		*l = save // "strings:" or "condition:" after meta
		return false, nil
	}
	v, err := l.next()
	if err != nil {
		return false, err
	}
	if v.kind == tokPunct && v.text == "-" {
		if v, err = l.next(); err != nil {
			return false, err
		}
	}
	switch strings.ToLower(key) {
	case "author":
		if v.kind == tokString && r.Author == "" {
			r.Author = v.text
		}
	case "description":
		if v.kind == tokString && r.Description == "" {
			r.Description = v.text
		}
	}
	return true, nil
}

// validName is a YARA identifier: letters, digits and '_', not starting
// with a digit, at most 128 bytes.
func validName(s string) bool {
	if s == "" || len(s) > 128 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdent(s[i]) {
			return false
		}
	}
	return true
}
