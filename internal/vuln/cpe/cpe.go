package cpe

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Attr indexes an attribute of a Name, in WFN order.
type Attr int

// The eleven attributes of a CPE 2.3 name.
const (
	Part Attr = iota
	Vendor
	Product
	Version
	Update
	Edition
	Language
	SWEdition
	TargetSW
	TargetHW
	Other
	numAttrs
)

var attrNames = [numAttrs]string{"part", "vendor", "product", "version", "update", "edition", "language", "sw_edition", "target_sw", "target_hw", "other"}

// String returns the attribute's WFN name, such as "target_sw".
func (a Attr) String() string {
	if a < 0 || a >= numAttrs {
		return fmt.Sprintf("attr(%d)", int(a))
	}
	return attrNames[a]
}

// Kind says whether a Value is a logical value or a string.
type Kind uint8

// The kinds of value: the zero Value is ANY.
const (
	Any Kind = iota
	NA
	Str
)

// Value is one attribute of a WFN: ANY, NA, or a string in WFN form.
type Value struct {
	Kind Kind
	S    string // WFN form, set only when Kind is Str
}

// String returns the value as a WFN writes it: ANY, NA or "quoted".
func (v Value) String() string {
	switch v.Kind {
	case NA:
		return "NA"
	case Str:
		return `"` + v.S + `"`
	}
	return "ANY"
}

// Plain returns a string value without its quoting backslashes ("8\.0" is
// "8.0"); wildcards stay as they are. ANY and NA give "".
func (v Value) Plain() string {
	if v.Kind != Str {
		return ""
	}
	if strings.IndexByte(v.S, '\\') < 0 {
		return v.S
	}
	var b strings.Builder
	for i := 0; i < len(v.S); i++ {
		if v.S[i] == '\\' && i+1 < len(v.S) {
			i++
		}
		b.WriteByte(v.S[i])
	}
	return b.String()
}

// HasWildcards reports whether a string value holds an unquoted * or ?.
func (v Value) HasWildcards() bool {
	if v.Kind != Str {
		return false
	}
	for i := 0; i < len(v.S); i++ {
		switch v.S[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		}
	}
	return false
}

// Name is a CPE 2.3 well-formed name; the zero Name has every attribute ANY.
type Name struct {
	Attr [numAttrs]Value
}

// Get returns one attribute.
func (n Name) Get(a Attr) Value { return n.Attr[a] }

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("cpe: malformed name")

func syntaxErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSyntax, fmt.Sprintf(format, args...))
}

// Parse reads a name in either binding: "cpe:2.3:…" (formatted string) or
// "cpe:/…" (URI), or a WFN "wfn:[…]".
func Parse(s string) (Name, error) {
	switch {
	case strings.HasPrefix(s, "cpe:2.3:"):
		return ParseFS(s)
	case strings.HasPrefix(s, "cpe:/"):
		return ParseURI(s)
	case strings.HasPrefix(s, "wfn:["):
		return ParseWFN(s)
	}
	return Name{}, syntaxErr("%q starts with neither cpe:2.3: nor cpe:/ nor wfn:[", truncate(s))
}

// MustParse is Parse for names known good, such as those in tests; it panics.
func MustParse(s string) Name {
	n, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return n
}

// String returns the formatted-string binding.
func (n Name) String() string { return n.FS() }

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// checkWFN validates a WFN-form string: printable ASCII, no whitespace, a
// backslash always quoting a character, and the wildcards only at either
// end — "*" once or a run of "?", never both kinds at one end. A value of
// wildcards alone is "*" or a run of "?".
func checkWFN(s string) error {
	if s == "" {
		return errors.New("empty value")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f {
			return fmt.Errorf("character %q not allowed", c)
		}
		if c == '\\' {
			if i+1 >= len(s) {
				return errors.New("backslash at end")
			}
			i++
		}
	}
	start := 0
	if s[0] == '*' {
		start = 1
	} else {
		for start < len(s) && s[start] == '?' {
			start++
		}
	}
	end := len(s)
	if end > start && s[end-1] == '*' && !quoted(s, end-1) {
		end--
	} else {
		for end > start && s[end-1] == '?' && !quoted(s, end-1) {
			end--
		}
	}
	if start >= end && s != "*" && strings.Trim(s, "?") != "" {
		return errors.New("wildcards alone must be one * or a run of ?")
	}
	for k := start; k < end; k++ {
		if s[k] == '\\' {
			k++
			continue
		}
		if s[k] == '*' || s[k] == '?' {
			return errors.New("an unquoted wildcard inside a value, or * beside ?")
		}
	}
	return nil
}

// quoted reports whether s[i] is preceded by an odd number of backslashes.
func quoted(s string, i int) bool {
	n := 0
	for i > 0 && s[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}

// checkPart accepts a, o, h for the part, besides ANY and NA.
func checkPart(v Value) error {
	if v.Kind != Str {
		return nil
	}
	switch strings.ToLower(v.S) {
	case "a", "o", "h", "?":
		return nil
	}
	return fmt.Errorf("part %q is none of a, o, h", v.Plain())
}

// A language is an RFC 5646 tag cut down as NISTIR 7695 §5.3.3.3 says:
// two or three letters, then perhaps a region of two letters or three
// digits; "?" may stand for a letter or digit, "*" end either part.
var reLanguage = regexp.MustCompile(`^(?:\*|[A-Za-z?]{2,3}|[A-Za-z?]{0,3}\*)(?:\\-(?:[A-Za-z?]{2}|[0-9?]{3}|[A-Za-z0-9?]{0,3}\*))?$`)

func checkLanguage(v Value) error {
	if v.Kind != Str || reLanguage.MatchString(v.S) {
		return nil
	}
	return fmt.Errorf("language %q is not a language tag (en, en-us, es-419)", v.Plain())
}

// checkName holds the attributes with a grammar of their own.
func checkName(n Name) error {
	if err := checkPart(n.Attr[Part]); err != nil {
		return err
	}
	return checkLanguage(n.Attr[Language])
}

// Literal returns a string value holding s as it is, every character but
// letters, digits and "_" quoted: "15.2(4)m3" becomes 15\.2\(4\)m3. An
// empty s gives ANY.
func Literal(s string) Value {
	if s == "" {
		return Value{Kind: Any}
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		writeQuoted(&b, s[i])
	}
	return Value{Kind: Str, S: b.String()}
}
