package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
	"unsafe"
)

// maxDepth bounds the nesting of JSON values, so that a hostile input of a
// million brackets is an error and not a stack overflow.
const maxDepth = 512

// SyntaxError is JSON that does not parse: what is wrong and the byte offset
// where it was found (from the start of the value given, or of the stream
// for the Decoder).
type SyntaxError struct {
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// prop is one property of an object: its name and its value as written.
type prop struct {
	name string
	raw  json.RawMessage
}

// scanner checks JSON text byte by byte without building values: the
// properties of an object keep their values as slices of the input.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) fail(msg string) error { return &SyntaxError{Offset: int64(s.i), Msg: msg} }

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// parseObject splits one JSON object into its properties, checking the
// whole text. A name given twice is an error: STIX objects are maps.
func parseObject(b []byte) ([]prop, error) {
	s := scanner{b: b}
	s.ws()
	if s.i >= len(b) || b[s.i] != '{' {
		return nil, s.fail("expected an object")
	}
	s.i++
	props := make([]prop, 0, 16)
	var seen map[string]bool
	s.ws()
	if s.i < len(b) && b[s.i] == '}' {
		s.i++
	} else {
		for {
			s.ws()
			start := s.i
			if s.i >= len(b) || b[s.i] != '"' {
				return nil, s.fail("expected a property name")
			}
			if err := s.str(); err != nil {
				return nil, err
			}
			name, ok := unquote(b[start:s.i])
			if !ok {
				return nil, &SyntaxError{Offset: int64(start), Msg: "bad property name"}
			}
			if seen == nil && len(props) >= 32 {
				// Many properties: a set, so that a hostile object of
				// thousands of names is not quadratic.
				seen = make(map[string]bool, 2*len(props))
				for _, p := range props {
					seen[p.name] = true
				}
			}
			dup := seen[name]
			if seen == nil {
				for _, p := range props {
					dup = dup || p.name == name
				}
			} else {
				seen[name] = true
			}
			if dup {
				return nil, &SyntaxError{Offset: int64(start), Msg: fmt.Sprintf("property %q given twice", name)}
			}
			s.ws()
			if s.i >= len(b) || b[s.i] != ':' {
				return nil, s.fail("expected ':' after a property name")
			}
			s.i++
			s.ws()
			vstart := s.i
			if err := s.value(1); err != nil {
				return nil, err
			}
			props = append(props, prop{name: name, raw: b[vstart:s.i:s.i]})
			s.ws()
			if s.i >= len(b) {
				return nil, s.fail("unexpected end of object")
			}
			if b[s.i] == ',' {
				s.i++
				continue
			}
			if b[s.i] == '}' {
				s.i++
				break
			}
			return nil, s.fail("expected ',' or '}'")
		}
	}
	s.ws()
	if s.i != len(b) {
		return nil, s.fail("data after the object")
	}
	return props, nil
}

// checkValue reports whether b is exactly one JSON value (with optional
// white space around it).
func checkValue(b []byte) error {
	s := scanner{b: b}
	s.ws()
	if err := s.value(0); err != nil {
		return err
	}
	s.ws()
	if s.i != len(b) {
		return s.fail("data after the value")
	}
	return nil
}

func (s *scanner) value(depth int) error {
	if depth > maxDepth {
		return s.fail("nested too deeply")
	}
	if s.i >= len(s.b) {
		return s.fail("unexpected end of input")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return nil
		}
		for {
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return s.fail("expected a property name")
			}
			if err := s.str(); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return s.fail("expected ':' after a property name")
			}
			s.i++
			s.ws()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) {
				return s.fail("unexpected end of object")
			}
			if s.b[s.i] == ',' {
				s.i++
				continue
			}
			if s.b[s.i] == '}' {
				s.i++
				return nil
			}
			return s.fail("expected ',' or '}'")
		}
	case c == '[':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		for {
			s.ws()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) {
				return s.fail("unexpected end of array")
			}
			if s.b[s.i] == ',' {
				s.i++
				continue
			}
			if s.b[s.i] == ']' {
				s.i++
				return nil
			}
			return s.fail("expected ',' or ']'")
		}
	case c == '-' || c >= '0' && c <= '9':
		return s.num()
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	}
	return s.fail(fmt.Sprintf("unexpected character %q", s.b[s.i]))
}

func (s *scanner) lit(w string) error {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return s.fail("invalid literal")
	}
	s.i += len(w)
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && isDigit(s.b[s.i]) {
		s.i++
	}
	return s.i > start
}

func (s *scanner) num() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if !s.digits() {
		return s.fail("invalid number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return s.fail("invalid number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return s.fail("invalid number")
		}
	}
	return nil
}

// str checks a string starting at s.i (a quote) and moves past it.
func (s *scanner) str() error {
	start := s.i
	s.i++
	high := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= 0x20 && c < 0x80 && c != '"' && c != '\\' {
			s.i++
			continue
		}
		switch {
		case c == '"':
			s.i++
			if high && !utf8.Valid(s.b[start:s.i]) {
				return &SyntaxError{Offset: int64(start), Msg: "string is not valid UTF-8"}
			}
			return nil
		case c == '\\':
			s.i++
			if s.i >= len(s.b) {
				return s.fail("unterminated string")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 {
					return s.fail("bad \\u escape")
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !isHex(h) {
						return s.fail("bad \\u escape")
					}
				}
				s.i += 5
			default:
				return s.fail("bad escape")
			}
		case c < 0x20:
			return s.fail("control character in string")
		default:
			if c >= 0x80 {
				high = true
			}
			s.i++
		}
	}
	return s.fail("unterminated string")
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// unquote returns the text of a JSON string that scanner already checked;
// ok is false when raw is not a string. A string without escapes shares
// raw's memory (objects never change the bytes they hold, so that is
// safe for them); callers holding a buffer that is reused must copy it.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') >= 0 {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	}
	if len(body) == 0 {
		return "", true
	}
	return unsafe.String(&body[0], len(body)), true
}

// eachItem calls f with the index and text of each element of a JSON
// array (already checked); false when raw is not an array.
func eachItem(raw []byte, f func(i int, item []byte)) bool {
	if len(raw) == 0 || raw[0] != '[' {
		return false
	}
	s := scanner{b: raw, i: 1}
	s.ws()
	if s.i < len(raw) && raw[s.i] == ']' {
		return true
	}
	for i := 0; s.i < len(raw); i++ {
		s.ws()
		start := s.i
		if s.value(1) != nil {
			return false
		}
		f(i, raw[start:s.i])
		s.ws()
		if s.i < len(raw) && raw[s.i] == ',' {
			s.i++
			continue
		}
		break
	}
	return true
}
