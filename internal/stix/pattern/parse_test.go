package pattern

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sharedData is the path of ../shared/data from the module root.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test")
		}
		dir = parent
	}
	return filepath.Join(dir, "..", "shared", "data", rel)
}

// specExamples are the patterns of the STIX 2.1 patterning specification.
func specExamples(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(sharedData(t, "stix/cti-pattern-validator/spec_examples.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d spec examples read", len(out))
	}
	return out
}

func TestSpecExamplesParse(t *testing.T) {
	for _, src := range specExamples(t) {
		p, err := Parse(src)
		if err != nil {
			t.Errorf("%s\n  %v", src, err)
			continue
		}
		canon := p.String()
		q, err := Parse(canon)
		if err != nil {
			t.Errorf("canonical form does not parse: %s\n  %v", canon, err)
			continue
		}
		if !reflect.DeepEqual(stripOffsets(p), stripOffsets(q)) {
			t.Errorf("canonical form parses to another pattern:\n  %s\n  %s", src, canon)
		}
		if q.String() != canon {
			t.Errorf("String not stable: %s then %s", canon, q.String())
		}
	}
}

// stripOffsets returns the canonical text, which holds the whole AST but
// not the offsets (they differ between a source and its canonical form).
func stripOffsets(p *Pattern) string { return p.String() }

func TestParseTree(t *testing.T) {
	p := MustParse(`[a-b:x = 1] AND [a-b:y = 2] OR [a-b:z = 3] FOLLOWEDBY [a-b:w = 4] WITHIN 5 SECONDS`)
	top, ok := p.Root.(*Compound)
	if !ok || top.Op != FollowedBy {
		t.Fatalf("top is %T, want FOLLOWEDBY", p.Root)
	}
	or, ok := top.Left.(*Compound)
	if !ok || or.Op != ObsOr {
		t.Fatalf("left of FOLLOWEDBY is not OR: %s", p)
	}
	and, ok := or.Left.(*Compound)
	if !ok || and.Op != ObsAnd {
		t.Fatalf("left of OR is not AND: %s", p)
	}
	q, ok := top.Right.(*Qualified)
	if !ok {
		t.Fatalf("right of FOLLOWEDBY is %T, want the qualified bracket", top.Right)
	}
	if w, ok := q.Qualifier.(*Within); !ok || w.Duration() != 5*time.Second {
		t.Errorf("qualifier %#v", q.Qualifier)
	}

	c := MustParse(`[file:a = 1 OR file:b = 2 AND file:c = 3]`).Root.(*Bracket).Cond.(*Logical)
	if c.Op != Or {
		t.Fatalf("OR must bind looser than AND inside brackets")
	}
	if r, ok := c.Right.(*Logical); !ok || r.Op != And {
		t.Fatalf("right of OR is %T", c.Right)
	}
}

func TestParseDetails(t *testing.T) {
	c := MustParse(`[file:extensions.'windows-pebinary-ext'.sections[*].entropy NOT > 7.0]`).Root.(*Bracket).Cond.(*Comparison)
	want := Path{Type: "file", Steps: []Step{
		{Kind: KeyStep, Key: "extensions"}, {Kind: KeyStep, Key: "windows-pebinary-ext"},
		{Kind: KeyStep, Key: "sections"}, {Kind: AnyStep}, {Kind: KeyStep, Key: "entropy"},
	}}
	if !reflect.DeepEqual(c.Path, want) || !c.Negated || c.Op != Gt || c.Value.Kind != Float || c.Value.Float != 7 {
		t.Errorf("got %#v", c)
	}

	for _, tc := range []struct {
		src  string
		want Value
	}{
		{`[x-a:p = 'it\'s a \\ path']`, Value{Kind: String, Str: `it's a \ path`}},
		{`[x-a:p = -12]`, Value{Kind: Int, Int: -12}},
		{`[x-a:p = +12]`, Value{Kind: Int, Int: 12}},
		{`[x-a:p = -.5]`, Value{Kind: Float, Float: -0.5}},
		{`[x-a:p = true]`, Value{Kind: Bool, Bool: true}},
		{`[x-a:p = h'FFd8']`, Value{Kind: Hex, Bytes: []byte{0xff, 0xd8}}},
		{`[x-a:p = h'']`, Value{Kind: Hex, Bytes: []byte{}}},
		{`[x-a:p = b'aGk=']`, Value{Kind: Binary, Bytes: []byte("hi")}},
		{`[x-a:p = t'2016-02-29T23:59:60.5Z']`, Value{Kind: Timestamp, Time: time.Date(2016, 3, 1, 0, 0, 0, 5e8, time.UTC)}},
	} {
		c := MustParse(tc.src).Root.(*Bracket).Cond.(*Comparison)
		if !reflect.DeepEqual(c.Value, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.src, c.Value, tc.want)
		}
	}

	in := MustParse(`[x-a:p NOT IN ()]`).Root.(*Bracket).Cond.(*Comparison)
	if in.Op != In || !in.Negated || len(in.Set) != 0 {
		t.Errorf("empty set: %#v", in)
	}
	ex := MustParse(`[NOT EXISTS x-a:p[0]]`).Root.(*Bracket).Cond.(*Comparison)
	if ex.Op != Exists || !ex.Negated || ex.Path.Steps[1] != (Step{Kind: IndexStep, Index: 0}) {
		t.Errorf("exists: %#v", ex)
	}
}

func TestCanonicalForm(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"[file:name=='a'] /* c */ AND\n\t[file:size <> 3] // end", "[file:name = 'a'] AND [file:size != 3]"},
		{"[file:'name' = 'a' AND file:x.'SHA-256' = 'x' OR file:size > +1.50]", "[file:name = 'a' AND file:x.'SHA-256' = 'x' OR file:size > 1.5]"},
		{"[file:a = 1 AND (file:b = 2 OR file:c = 3)]", "[file:a = 1 AND (file:b = 2 OR file:c = 3)]"},
		{"[file:a = 1 AND (file:b = 2 AND file:c = 3)]", "[file:a = 1 AND (file:b = 2 AND file:c = 3)]"},
		{"[(file:a = 1 AND file:b = 2) AND file:c = 3]", "[file:a = 1 AND file:b = 2 AND file:c = 3]"},
		{"([a-b:a = 1] AND [a-b:b = 2]) WITHIN 10.0 SECONDS", "([a-b:a = 1] AND [a-b:b = 2]) WITHIN 10.0 SECONDS"},
		{"[a-b:a = t'2020-01-01T00:00:00.000Z'] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00.5Z'",
			"[a-b:a = t'2020-01-01T00:00:00Z'] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00.5Z'"},
		{"[a-b:AND1 IN ('x' , 2,true)]", "[a-b:AND1 IN ('x', 2, true)]"},
		{"[a-b:'AND' = b'AAAA']", "[a-b:'AND' = b'AAAA']"},
		{"[a-b:a　=\u00a01]", "[a-b:a = 1]"},
	} {
		p, err := Parse(tc.src)
		if err != nil {
			t.Errorf("%q: %v", tc.src, err)
			continue
		}
		if got := p.String(); got != tc.want {
			t.Errorf("%q:\n got  %s\n want %s", tc.src, got, tc.want)
		}
	}
}

func TestBadPatterns(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		code      string
		column    int
		expected  string // a part of Error()
	}{
		{"empty", "  /* */ ", CodeEmptyPattern, 1, "empty"},
		{"no brackets", "file:size = 1280", CodeSyntax, 1, "expected an observation expression"},
		{"missing value", "[file:size = ]", CodeSyntax, 14, "expected a literal but found ']'"},
		{"unquoted string", "[file:hashes.MD5 = cead3f77]", CodeSyntax, 20, "found 'cead3f77'"},
		{"period for colon", "[file.size = 1280]", CodeSyntax, 6, "expected ':' but found '.'"},
		{"unquoted regex", "[file:name MATCHES /.*\\.dll/]", CodeSyntax, 20, "expected a string but found '/'"},
		{"missing within value", "[file:name = 'a'] WITHIN ]", CodeSyntax, 26, "expected a positive number"},
		{"hours", "[file:name = 'a'] WITHIN 5 HOURS", CodeSyntax, 28, "expected 'SECONDS' but found 'HOURS'"},
		{"negative within", "[file:name = 'a'] WITHIN -5 SECONDS", CodeSyntax, 26, "found '-5'"},
		{"issubset no operand", "[network-traffic:dst_ref.value ISSUBSET ]", CodeSyntax, 41, "expected a string but found ']'"},
		{"bad operator", "[file:hashes.MD5 =? 'a']", CodeCharacter, 19, "unexpected character '?'"},
		{"impossible timestamp", "[x-a:d == t'2457-73-22T32:81:84.1Z']", CodeTimestamp, 11, "bad timestamp"},
		{"february 30", "[x-a:d = t'2021-02-30T00:00:00Z']", CodeTimestamp, 10, "bad timestamp"},
		{"timestamp without Z", "[x-a:d = t'2021-02-03T00:00:00']", CodeTimestamp, 10, "bad timestamp"},
		{"bad base64", "[artifact:payload_bin = b'====']", CodeBinary, 25, "bad binary"},
		{"odd hex", "[file:magic_number_hex = h'abc']", CodeHex, 26, "bad hex"},
		{"lower-case keyword", "[foo:bar=1] within 2 seconds", CodeSyntax, 13, "found 'within'"},
		{"missing close bracket", "[file:name = 'a' file:size = 1]", CodeSyntax, 18, "expected ']', 'AND' or 'OR' but found 'file'"},
		{"missing AND operand", "[file:name = 'a'] AND", CodeSyntax, 22, "but found end of pattern"},
		{"unclosed paren", "([file:name = 'a']", CodeSyntax, 19, "expected ')'"},
		{"trailing junk", "[file:name = 'a'] ]", CodeSyntax, 19, "found ']'"},
		{"unclosed string", "[file:name = 'a]", CodeString, 14, "not closed"},
		{"bad escape", `[file:name = 'a\n']`, CodeEscape, 16, `not '\n'`},
		{"unclosed comment", "[file:name = 'a'] /* x", CodeComment, 19, "comment"},
		{"leading zero", "[file:size = 007]", CodeNumber, 14, "may not start with 0"},
		{"too big", "[file:size = 99999999999999999999]", CodeNumber, 14, "out of range"},
		{"boolean ordered", "[file:x > true]", CodeSyntax, 11, "expected a literal that can be ordered"},
		{"like number", "[file:name LIKE 5]", CodeSyntax, 17, "expected a string"},
		{"hyphen in property", "[file:a-b = 1]", CodeSyntax, 7, "expected a property name"},
		{"bad index", "[file:a[x] = 1]", CodeSyntax, 9, "expected a list index"},
		{"not before path", "[NOT file:a = 1]", CodeSyntax, 6, "expected 'EXISTS'"},
		{"repeats float", "[file:a = 1] REPEATS 1.5 TIMES", CodeSyntax, 22, "expected a positive integer"},
		{"start without stop", "[file:a = 1] START t'2020-01-01T00:00:00Z'", CodeSyntax, 43, "expected 'STOP'"},
		{"japanese column", "[file:name = '名前' file:size = 1]", CodeSyntax, 19, "column 19"},
		// Rules of the specification beyond the grammar.
		{"upper-case type", "[File:name = 'a']", CodeTypeName, 2, "object type 'File'"},
		{"short type", "[ab:name = 'a']", CodeTypeName, 2, "'ab'"},
		{"underscore type", "[x_whatever:name = 'a']", CodeTypeName, 2, "'x_whatever'"},
		{"double hyphen type", "[x--y:name = 'a']", CodeTypeName, 2, "'x--y'"},
		{"and of two types", "[file:name = 'a' AND domain-name:value = 'b']", CodeAndTypes, 18, "file / domain-name"},
		{"and of types nested", "[(file:a = 1 OR process:b = 2) AND (user-account:c = 3 OR url:d = 4)]", CodeAndTypes, 32, "file, process / user-account, url"},
		{"stop before start", "[file:a = 1] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'", CodeStartStop, 14, "STOP must be later"},
		{"stop equals start", "[file:a = 1] START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:00.000Z'", CodeStartStop, 14, "STOP must be later"},
		{"within zero", "[file:a = 1] WITHIN 0 SECONDS", CodeWithin, 14, "positive"},
		{"within zero float", "[file:a = 1] WITHIN 0.0 SECONDS", CodeWithin, 14, "positive"},
		{"repeats zero", "[file:a = 1] REPEATS 0 TIMES", CodeRepeats, 14, "positive"},
		{"two withins", "[file:a = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", CodeQualifier, 31, "WITHIN"},
		{"two repeats", "([file:a = 1] REPEATS 2 TIMES REPEATS 3 TIMES)", CodeQualifier, 31, "REPEATS"},
		{"two start stops", "[file:a = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' WITHIN 3 SECONDS START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'", CodeQualifier, 90, "START/STOP"},
		{"bad sha256", "[file:hashes.'SHA-256' = 'f00']", CodeHashValue, 2, "'f00' is not a SHA-256 hash"},
		{"bad md5 in set", "[file:hashes.md5 IN ('cead3f77f6cda6ec00f57d76c9a69faa', 'zz')]", CodeHashValue, 2, "MD5"},
		{"bad regex", "[file:name MATCHES 'a(b']", CodeRegex, 2, "missing closing )"},
		{"deep nesting", strings.Repeat("(", 300) + "[file:a = 1]" + strings.Repeat(")", 300), CodeDepth, 201, "nested more than 200 deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.src)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %v, want an *Error", tc.src, err)
			}
			if pe.Code != tc.code || pe.Column != tc.column {
				t.Errorf("code %s column %d, want %s column %d (%v)", pe.Code, pe.Column, tc.code, tc.column, err)
			}
			if !strings.Contains(err.Error(), tc.expected) {
				t.Errorf("error %q does not say %q", err, tc.expected)
			}
			if got := columnOf(tc.src, pe.Offset); pe.Column != 0 && got != pe.Column {
				t.Errorf("offset %d is column %d, not %d", pe.Offset, got, pe.Column)
			}
		})
	}
}

func TestGoodPatterns(t *testing.T) {
	for _, src := range []string{
		"[file:size = 1280]",
		"[file:size IN (1024, 2048, 4096)]",
		"( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])",
		"([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar']) WITHIN 5 SECONDS WITHIN 6 SECONDS",
		"([win-registry-key:key = 'a'] REPEATS 2 TIMES) REPEATS 2 TIMES",
		"[a-b:a = 1] WITHIN 5 SECONDS REPEATS 2 TIMES START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'",
		"[(file:a = 1 OR process:b = 2) AND (process:c = 3 OR url:d = 4)]",
		"[file:name = 'a' OR domain-name:value = 'b']",
		"[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']",
		"[file:hashes.SSDEEP = 'anything']",
		"[file:name MATCHES '^(?=x)']",
		"[x-a:p[-1] = 1 AND x-a:'0'[+2] = 2]",
		"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
	} {
		if _, err := Parse(src); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}

func TestUnsupportedRegex(t *testing.T) {
	p := MustParse(`[file:name MATCHES '^(?!evil).*\\1$']`)
	err := p.Unsupported()
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeRegexDialect || !strings.Contains(err.Error(), "negative lookahead") {
		t.Fatalf("Unsupported() = %v", err)
	}
	if _, err := Match(p, nil); !errors.As(err, &pe) || pe.Code != CodeRegexDialect {
		t.Errorf("Match with an RE2-less regex: %v", err)
	}
	if MustParse(`[file:name MATCHES '^a']`).Unsupported() != nil {
		t.Error("a plain regex is not unsupported")
	}
}
