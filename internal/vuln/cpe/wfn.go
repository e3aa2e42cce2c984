package cpe

import (
	"strings"
)

// ParseWFN reads the WFN notation of NISTIR 7695,
// `wfn:[part="a", vendor="microsoft", version="8\.0", update=ANY]`;
// attributes left out are ANY.
func ParseWFN(s string) (Name, error) {
	var n Name
	if !strings.HasPrefix(s, "wfn:[") || !strings.HasSuffix(s, "]") {
		return n, syntaxErr("%q is not wfn:[…]", truncate(s))
	}
	body := s[len("wfn:[") : len(s)-1]
	var seen [numAttrs]bool
	for body = strings.TrimSpace(body); body != ""; {
		eq := strings.IndexByte(body, '=')
		if eq < 0 {
			return n, syntaxErr("%q: attribute without =", truncate(s))
		}
		name := strings.TrimSpace(body[:eq])
		a, ok := attrByName(name)
		if !ok {
			return n, syntaxErr("unknown attribute %q", name)
		}
		if seen[a] {
			return n, syntaxErr("attribute %s given twice", a)
		}
		seen[a] = true
		rest := strings.TrimLeft(body[eq+1:], " ")
		var v Value
		switch {
		case strings.HasPrefix(rest, `"`):
			end := -1
			for i := 1; i < len(rest); i++ {
				if rest[i] == '\\' {
					i++
					continue
				}
				if rest[i] == '"' {
					end = i
					break
				}
			}
			if end < 0 {
				return n, syntaxErr("%s: unterminated quote", a)
			}
			v = Value{Kind: Str, S: rest[1:end]}
			if v.S == "*" {
				v = Value{Kind: Any} // a lone wildcard is ANY in every binding
			}
			if err := checkWFN(v.S); err != nil {
				return n, syntaxErr("%s %q: %v", a, v.S, err)
			}
			for i := 0; i < len(v.S); i++ {
				c := v.S[i]
				if c == '\\' {
					i++
					if isAlnum(v.S[i]) {
						return n, syntaxErr("%s %q: %q needs no quoting", a, v.S, v.S[i])
					}
					continue
				}
				if !isAlnum(c) && c != '*' && c != '?' {
					return n, syntaxErr("%s %q: %q must be quoted", a, v.S, c)
				}
			}
			rest = rest[end+1:]
		case strings.HasPrefix(rest, "ANY"):
			rest = rest[3:]
		case strings.HasPrefix(rest, "NA"):
			v = Value{Kind: NA}
			rest = rest[2:]
		default:
			return n, syntaxErr("%s: value is neither quoted, ANY nor NA", a)
		}
		n.Attr[a] = v
		rest = strings.TrimLeft(rest, " ")
		if rest != "" {
			if rest[0] != ',' {
				return n, syntaxErr("%q: expected a comma after %s", truncate(s), a)
			}
			rest = strings.TrimLeft(rest[1:], " ")
		}
		body = rest
	}
	if err := checkName(n); err != nil {
		return n, syntaxErr("%v", err)
	}
	return n, nil
}

func attrByName(s string) (Attr, bool) {
	for i, name := range attrNames {
		if name == s {
			return Attr(i), true
		}
	}
	return 0, false
}

// WFN returns the WFN notation with all eleven attributes.
func (n Name) WFN() string {
	var b strings.Builder
	b.WriteString("wfn:[")
	for i, v := range n.Attr {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(attrNames[i])
		b.WriteByte('=')
		b.WriteString(v.String())
	}
	b.WriteByte(']')
	return b.String()
}
