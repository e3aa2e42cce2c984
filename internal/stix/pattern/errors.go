package pattern

import (
	"fmt"
	"strconv"
	"strings"
)

// The error codes. Each has the catalog key "pattern.error.<code>" with the
// placeholders {column}, {expected}, {found} and {detail}.
const (
	// Syntax.
	CodeSyntax        = "syntax"        // a token where another was expected (Expected, Found)
	CodeCharacter     = "character"     // a character no token starts with (Found)
	CodeString        = "string"        // a string literal not closed before the end
	CodeEscape        = "escape"        // a backslash not followed by ' or \ (Found)
	CodeNumber        = "number"        // a number that is malformed or out of range (Found, Detail)
	CodeTimestamp     = "timestamp"     // a t'…' that is not an RFC 3339 UTC time, or an impossible one (Found)
	CodeBinary        = "binary"        // a b'…' that is not base64 (Found)
	CodeHex           = "hex"           // an h'…' that is not pairs of hex digits (Found)
	CodeComment       = "comment"       // a /* comment not closed before the end
	CodeTypeName      = "type_name"     // an object type that is not a valid STIX type name (Found)
	CodeAndTypes      = "and_types"     // operands of AND in [ ] that no single object type can satisfy (Detail: the types)
	CodeStartStop     = "start_stop"    // STOP not later than START (Detail)
	CodeWithin        = "within"        // WITHIN with zero seconds
	CodeRepeats       = "repeats"       // REPEATS zero times
	CodeQualifier     = "qualifier"     // the same kind of qualifier twice on one observation expression (Found)
	CodeHashValue     = "hash_value"    // a value that is not a hash of the algorithm named (Found, Detail: the algorithm)
	CodeRegex         = "regex"         // a MATCHES expression that is not a regular expression (Found, Detail)
	CodeRegexDialect  = "regex_dialect" // a MATCHES expression using PCRE features RE2 lacks (Found, Detail)
	CodeTooComplex    = "too_complex"   // matching needed more steps than the limit allows
	CodeObservation   = "observation"   // an observation that cannot be read (Detail)
	CodeEmptyPattern  = "empty"         // nothing but white space and comments
	CodeDepth         = "depth"         // parentheses or brackets nested deeper than the limit (Detail)
	maxFoundRunes     = 24
	endOfPatternFound = "" // Found is empty at the end of the pattern
)

// Error is what Parse and Match return: a stable code, where in the pattern
// (1-based column in characters and byte offset; zero when the error is not
// tied to a place), what was expected and what was found.
type Error struct {
	Code     string
	Column   int      // 1-based, in Unicode characters
	Offset   int      // 0-based, in bytes
	Expected []string // tokens ("']'", "'SECONDS'") or classes (see ExpectClasses)
	Found    string   // the text at Column; "" for the end of the pattern
	Detail   string   // more, in English or as a value
}

// ExpectClasses are the names Expected uses for kinds of token rather than
// one token; the catalog holds "pattern.expect.<class>" for each.
var ExpectClasses = []string{
	"observation", "comparison", "object_type", "property", "operator",
	"literal", "orderable", "string", "timestamp", "number", "integer", "index", "end",
}

// Error renders the error in English: "column 17: expected ']' but found 'AND'".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Column > 0 {
		b.WriteString("column ")
		b.WriteString(strconv.Itoa(e.Column))
		b.WriteString(": ")
	}
	b.WriteString(e.english())
	return b.String()
}

// english is the sentence of each code, without the column.
func (e *Error) english() string {
	found := e.FoundText()
	switch e.Code {
	case CodeSyntax:
		return "expected " + e.ExpectedText(nil) + " but found " + found
	case CodeCharacter:
		return "unexpected character " + found
	case CodeString:
		return "string literal not closed: a ' is missing"
	case CodeEscape:
		return "only \\' and \\\\ may follow a backslash in a string, not " + found
	case CodeNumber:
		return "bad number " + found + ": " + e.Detail
	case CodeTimestamp:
		return "bad timestamp " + found + ": want t'YYYY-MM-DDThh:mm:ss[.s]Z', a real date and time"
	case CodeBinary:
		return "bad binary literal " + found + ": want b'…' with base64"
	case CodeHex:
		return "bad hex literal " + found + ": want h'…' with pairs of hex digits"
	case CodeComment:
		return "comment not closed: */ is missing"
	case CodeTypeName:
		return "object type " + found + " is not a STIX type name (3–250 characters a–z, 0–9 and single hyphens, starting with a letter)"
	case CodeAndTypes:
		return "the comparisons joined by AND cannot all hold for one object: they test different object types (" + e.Detail + ")"
	case CodeStartStop:
		return "STOP must be later than START (" + e.Detail + ")"
	case CodeWithin:
		return "WITHIN needs a positive number of seconds"
	case CodeRepeats:
		return "REPEATS needs a positive number of times"
	case CodeQualifier:
		return "the qualifier " + found + " is given twice to one observation expression; put the first in parentheses"
	case CodeHashValue:
		return found + " is not a " + e.Detail + " hash"
	case CodeRegex:
		return "MATCHES " + found + " is not a regular expression: " + e.Detail
	case CodeRegexDialect:
		return "MATCHES " + found + " uses " + e.Detail + ", which koban's regular expressions (RE2) cannot do"
	case CodeTooComplex:
		return "matching the pattern needed more than " + e.Detail + " steps; it was stopped"
	case CodeObservation:
		return "observation cannot be read: " + e.Detail
	case CodeEmptyPattern:
		return "the pattern is empty"
	case CodeDepth:
		return "parentheses nested more than " + e.Detail + " deep"
	}
	return e.Code
}

// FoundText is Found quoted and shortened, or "end of pattern".
func (e *Error) FoundText() string { return e.foundIn(nil) }

// foundIn is FoundText with the end of the pattern named by tr
// ("pattern.found.end"); nil means English.
func (e *Error) foundIn(tr func(key string) string) string {
	if e.Found == endOfPatternFound {
		if tr != nil {
			return tr("pattern.found.end")
		}
		return "end of pattern"
	}
	f := e.Found
	if r := []rune(f); len(r) > maxFoundRunes {
		f = string(r[:maxFoundRunes]) + "…"
	}
	return "'" + f + "'"
}

// ExpectedText joins Expected for a sentence ("']' or 'AND'"). tr turns the
// catalog keys "pattern.expect.<class>" and "pattern.expect.or" into the
// reader's language; nil means English.
func (e *Error) ExpectedText(tr func(key string) string) string {
	or := " or "
	name := englishClass
	if tr != nil {
		or = " " + tr("pattern.expect.or") + " "
		name = func(c string) string { return tr("pattern.expect." + c) }
	}
	parts := make([]string, len(e.Expected))
	for i, x := range e.Expected {
		if strings.HasPrefix(x, "'") {
			parts[i] = x
		} else {
			parts[i] = name(x)
		}
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + or + parts[len(parts)-1]
}

// englishClass names each expectation class in English.
func englishClass(c string) string {
	switch c {
	case "observation":
		return "an observation expression ('[' or '(')"
	case "comparison":
		return "a comparison (object path, 'NOT', 'EXISTS' or '(')"
	case "object_type":
		return "an object type"
	case "property":
		return "a property name"
	case "operator":
		return "a comparison operator"
	case "literal":
		return "a literal"
	case "orderable":
		return "a literal that can be ordered"
	case "string":
		return "a string"
	case "timestamp":
		return "a timestamp t'…'"
	case "number":
		return "a positive number"
	case "integer":
		return "a positive integer"
	case "index":
		return "a list index or '*'"
	case "end":
		return "the end of the pattern"
	}
	return c
}

// Key is the catalog key of the error's sentence.
func (e *Error) Key() string { return "pattern.error." + e.Code }

// Args are the catalog placeholders of Key with their values, for
// locale's T; tr translates the catalog keys of the expectations (nil:
// English), e.g. func(k string) string { return cat.T(lang, k) }.
func (e *Error) Args(tr func(key string) string) []string {
	return []string{
		"column", strconv.Itoa(e.Column),
		"expected", e.ExpectedText(tr),
		"found", e.foundIn(tr),
		"detail", e.Detail,
	}
}

// Codes are every error code, for the catalog test.
var Codes = []string{
	CodeSyntax, CodeCharacter, CodeString, CodeEscape, CodeNumber, CodeTimestamp, CodeBinary, CodeHex,
	CodeComment, CodeTypeName, CodeAndTypes, CodeStartStop, CodeWithin, CodeRepeats, CodeQualifier,
	CodeHashValue, CodeRegex, CodeRegexDialect, CodeTooComplex, CodeObservation, CodeEmptyPattern, CodeDepth,
}

// errorAt builds an Error at byte offset off of src.
func errorAt(src string, off int, code string) *Error {
	return &Error{Code: code, Offset: off, Column: columnOf(src, off)}
}

// columnOf is the 1-based column in characters of byte offset off.
func columnOf(src string, off int) int {
	if off > len(src) {
		off = len(src)
	}
	n := 1
	for range src[:off] {
		n++
	}
	return n
}

// errorf builds an Error not tied to a place.
func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}
