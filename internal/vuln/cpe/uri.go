package cpe

import (
	"fmt"
	"strings"
)

// ParseURI reads the URI binding "cpe:/part:vendor:product:version:update:
// edition:language", components missing at the end being ANY, with
// percent-encoding (%01 is the wildcard ?, %02 is *) and the packed
// edition "~edition~sw_edition~target_sw~target_hw~other".
func ParseURI(s string) (Name, error) {
	var n Name
	if !strings.HasPrefix(s, "cpe:/") {
		return n, syntaxErr("%q does not start with cpe:/", truncate(s))
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return n, syntaxErr("%q contains whitespace", truncate(s))
	}
	comps := strings.Split(s[len("cpe:/"):], ":")
	if len(comps) > 7 {
		return n, syntaxErr("%q has %d components, at most 7", truncate(s), len(comps))
	}
	for i, c := range comps {
		a := Attr(i)
		if a == Edition && strings.HasPrefix(c, "~") {
			packed := strings.Split(c, "~")
			if len(packed) != 6 {
				return n, syntaxErr("packed edition %q has %d fields, want 5", c, len(packed)-1)
			}
			for k, at := range []Attr{Edition, SWEdition, TargetSW, TargetHW, Other} {
				v, err := unbindURI(packed[k+1])
				if err != nil {
					return n, syntaxErr("%s %q: %v", at, packed[k+1], err)
				}
				n.Attr[at] = v
			}
			continue
		}
		v, err := unbindURI(c)
		if err != nil {
			return n, syntaxErr("%s %q: %v", a, c, err)
		}
		n.Attr[a] = v
	}
	if err := checkName(n); err != nil {
		return n, syntaxErr("%v", err)
	}
	return n, nil
}

func unbindURI(c string) (Value, error) {
	switch c {
	case "":
		return Value{Kind: Any}, nil
	case "-":
		return Value{Kind: NA}, nil
	}
	var b strings.Builder
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch == '%':
			if i+2 >= len(c) {
				return Value{}, errSimple("truncated percent-encoding")
			}
			x, ok := unhex(c[i+1], c[i+2])
			if !ok {
				return Value{}, fmt.Errorf("bad percent-encoding %q", c[i:i+3])
			}
			i += 2
			switch x {
			case 1:
				b.WriteByte('?')
			case 2:
				b.WriteByte('*')
			default:
				if x <= ' ' || x >= 0x7f {
					return Value{}, fmt.Errorf("encoded character %#x not allowed", x)
				}
				writeQuoted(&b, x)
			}
		case isAlnum(ch):
			b.WriteByte(ch)
		case ch == '.' || ch == '-':
			b.WriteByte('\\')
			b.WriteByte(ch)
		default:
			return Value{}, fmt.Errorf("character %q must be percent-encoded", ch)
		}
	}
	s := b.String()
	if err := checkWFN(s); err != nil {
		return Value{}, err
	}
	if s == "*" {
		return Value{Kind: Any}, nil
	}
	return Value{Kind: Str, S: s}, nil
}

func unhex(a, b byte) (byte, bool) {
	h, ok1 := hexVal(a)
	l, ok2 := hexVal(b)
	return h<<4 | l, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// URI returns the URI binding, packing the edition when any of sw_edition,
// target_sw, target_hw or other is not ANY, and dropping empty components
// at the end.
func (n Name) URI() string {
	comps := make([]string, 7)
	for i := Part; i <= Language; i++ {
		comps[i] = bindURI(n.Attr[i])
	}
	if n.Attr[SWEdition].Kind != Any || n.Attr[TargetSW].Kind != Any || n.Attr[TargetHW].Kind != Any || n.Attr[Other].Kind != Any {
		comps[Edition] = "~" + comps[Edition] + "~" + bindURI(n.Attr[SWEdition]) + "~" + bindURI(n.Attr[TargetSW]) +
			"~" + bindURI(n.Attr[TargetHW]) + "~" + bindURI(n.Attr[Other])
	}
	end := len(comps)
	for end > 0 && comps[end-1] == "" {
		end--
	}
	return "cpe:/" + strings.Join(comps[:end], ":")
}

func bindURI(v Value) string {
	switch v.Kind {
	case Any:
		return ""
	case NA:
		return "-"
	}
	if v.S == `\-` {
		// A lone literal hyphen written plain would read back as NA.
		return "%2d"
	}
	var b strings.Builder
	for i := 0; i < len(v.S); i++ {
		c := v.S[i]
		switch {
		case c == '\\' && i+1 < len(v.S):
			i++
			q := v.S[i]
			if isAlnum(q) || q == '.' || q == '-' {
				b.WriteByte(q)
			} else {
				fmt.Fprintf(&b, "%%%02x", q)
			}
		case c == '?':
			b.WriteString("%01")
		case c == '*':
			b.WriteString("%02")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// URI returns the value as the URI binding writes it (percent-encoded).
func (v Value) URI() string { return bindURI(v) }
