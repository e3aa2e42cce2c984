package cpe

import (
	"fmt"
	"strings"
)

// ParseFS reads the formatted-string binding "cpe:2.3:part:vendor:…" with
// its eleven components; "*" is ANY, "-" is NA, a backslash quotes the
// next character.
func ParseFS(s string) (Name, error) {
	var n Name
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return n, syntaxErr("%q does not start with cpe:2.3:", truncate(s))
	}
	comps, err := splitFS(s[len("cpe:2.3:"):])
	if err != nil {
		return n, syntaxErr("%q: %v", truncate(s), err)
	}
	if len(comps) != int(numAttrs) {
		return n, syntaxErr("%q has %d components, want %d", truncate(s), len(comps), numAttrs)
	}
	for i, c := range comps {
		v, err := unbindFS(c)
		if err != nil {
			return n, syntaxErr("%s %q: %v", Attr(i), c, err)
		}
		n.Attr[i] = v
	}
	if err := checkName(n); err != nil {
		return n, syntaxErr("%v", err)
	}
	return n, nil
}

// splitFS cuts at colons not quoted by a backslash.
func splitFS(s string) ([]string, error) {
	out := make([]string, 0, numAttrs)
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:]), nil
}

func unbindFS(c string) (Value, error) {
	switch c {
	case "*":
		return Value{Kind: Any}, nil
	case "-":
		return Value{Kind: NA}, nil
	}
	var b strings.Builder
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch == '\\':
			if i+1 >= len(c) {
				return Value{}, errSimple("backslash at end")
			}
			i++
			writeQuoted(&b, c[i])
		case ch == '*' || ch == '?':
			b.WriteByte(ch)
		case isAlnum(ch) || ch == '.' || ch == '-':
			writeQuoted(&b, ch)
		default:
			// Only ".", "-" and "_" may go unquoted in the binding.
			return Value{}, fmt.Errorf("character %q must be quoted with a backslash", ch)
		}
	}
	s := b.String()
	if err := checkWFN(s); err != nil {
		return Value{}, err
	}
	return Value{Kind: Str, S: s}, nil
}

// writeQuoted writes a literal character in WFN form.
func writeQuoted(b *strings.Builder, c byte) {
	if !isAlnum(c) {
		b.WriteByte('\\')
	}
	b.WriteByte(c)
}

// errSimple is a reason without formatting, wrapped into ErrSyntax later.
type errSimple string

// Error returns the reason.
func (e errSimple) Error() string { return string(e) }

// FS returns the formatted-string binding.
func (n Name) FS() string {
	var b strings.Builder
	b.WriteString("cpe:2.3")
	for _, v := range n.Attr {
		b.WriteByte(':')
		writeFS(&b, v)
	}
	return b.String()
}

func writeFS(b *strings.Builder, v Value) {
	switch v.Kind {
	case Any:
		b.WriteByte('*')
	case NA:
		b.WriteByte('-')
	default:
		// Quoted ".", "-" and "_" need no backslash in the binding,
		// except a lone hyphen, which unquoted would read as NA.
		if v.S == `\-` {
			b.WriteString(v.S)
			return
		}
		for i := 0; i < len(v.S); i++ {
			if v.S[i] == '\\' && i+1 < len(v.S) {
				switch v.S[i+1] {
				case '.', '-', '_':
					i++
				}
			}
			b.WriteByte(v.S[i])
		}
	}
}

// FS returns the value as the formatted-string binding writes it.
func (v Value) FS() string {
	var b strings.Builder
	writeFS(&b, v)
	return b.String()
}
