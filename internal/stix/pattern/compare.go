package pattern

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// holds reports whether the comparison holds for one property value v
// (decoded JSON) found at c.Path; applies is false when the operator does
// not apply to such a value (another type, a value that does not decode),
// and then NOT does not make it true. key is the last key of the path,
// which says how a string property is encoded (…_bin base64, …_hex hex).
// NOT is applied by the caller.
func (c *Comparison) holds(v any, key string) (result, applies bool) {
	switch c.Op {
	case Eq, Ne:
		eq, ok := equal(v, c.Value, key)
		return eq == (c.Op == Eq), ok
	case Lt, Le, Gt, Ge:
		n, ok := order(v, c.Value, key)
		if !ok {
			return false, false
		}
		switch c.Op {
		case Lt:
			return n < 0, true
		case Le:
			return n <= 0, true
		case Gt:
			return n > 0, true
		}
		return n >= 0, true
	case In:
		applies := false
		for _, x := range c.Set {
			eq, ok := equal(v, x, key)
			if ok && eq {
				return true, true
			}
			applies = applies || ok
		}
		return false, applies
	case Like, Matches:
		s, ok := text(v, key)
		if !ok || c.re == nil {
			return false, false
		}
		return c.re.MatchString(s), true
	case IsSubset, IsSuperset:
		s, ok := v.(string)
		if !ok {
			return false, false
		}
		prop, ok1 := prefix(s)
		lit, ok2 := prefix(c.Value.Str)
		if !ok1 || !ok2 || prop.Addr().Is4() != lit.Addr().Is4() {
			return false, false
		}
		if c.Op == IsSubset {
			return prop.Bits() >= lit.Bits() && lit.Contains(prop.Addr()), true
		}
		return lit.Bits() >= prop.Bits() && prop.Contains(lit.Addr()), true
	}
	return false, false
}

// equal compares v with a literal; ok is false when the two cannot be
// compared (another type, a value that does not decode).
func equal(v any, lit Value, key string) (eq, ok bool) {
	if lit.Kind == Bool {
		b, ok := v.(bool)
		return ok && b == lit.Bool, ok
	}
	n, ok := order(v, lit, key)
	return n == 0, ok
}

// order compares v with a literal: -1, 0 or +1 as v is before, equal to or
// after it; ok is false when they cannot be compared.
func order(v any, lit Value, key string) (int, bool) {
	switch lit.Kind {
	case String:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		if encoded(key) {
			b, ok := decodeProperty(s, key)
			l, ok2 := latin1Bytes(lit.Str)
			if !ok || !ok2 {
				return 0, false
			}
			return bytes.Compare(b, l), true
		}
		return strings.Compare(s, lit.Str), true
	case Int, Float:
		f, ok := number(v)
		if !ok {
			return 0, false
		}
		if lit.Kind == Int {
			if i, exact := v.(json.Number); exact {
				if n, err := i.Int64(); err == nil {
					return cmpInt(n, lit.Int), true
				}
			}
			return cmpFloat(f, float64(lit.Int)), true
		}
		return cmpFloat(f, lit.Float), true
	case Binary, Hex:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		b, ok := decodeProperty(s, key)
		if !ok {
			return 0, false
		}
		return bytes.Compare(b, lit.Bytes), true
	case Timestamp:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, false
		}
		return t.Compare(lit.Time), true
	}
	return 0, false
}

// encoded reports whether a property of this name holds binary data:
// STIX names them …_bin (base64) and …_hex (hex).
func encoded(key string) bool {
	return strings.HasSuffix(key, "_bin") || strings.HasSuffix(key, "_hex")
}

// decodeProperty decodes a binary property: hex for …_hex, base64 otherwise.
func decodeProperty(s, key string) ([]byte, bool) {
	if strings.HasSuffix(key, "_hex") {
		b, err := hex.DecodeString(s)
		return b, err == nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

// latin1Bytes is a string of code points below 256 as one byte each, so
// that '\xd4' in a pattern stands for the byte 0xd4.
func latin1Bytes(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}

// text is the string LIKE and MATCHES test: the value of a string
// property, or the bytes of a binary one as code points 0–255.
func text(v any, key string) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	if !encoded(key) {
		return s, true
	}
	b, ok := decodeProperty(s, key)
	if !ok {
		return "", false
	}
	var out strings.Builder
	for _, c := range b {
		out.WriteRune(rune(c))
	}
	return out.String(), true
}

// number reads a JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n)
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// prefix reads an address or a CIDR; an address is its own /32 or /128.
func prefix(s string) (netip.Prefix, bool) {
	if !utf8.ValidString(s) {
		return netip.Prefix{}, false
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}
