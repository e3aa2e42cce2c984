package yara

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParseSet(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []Rule
	}{
		{"empty", "", nil},
		{"minimal", "rule a { condition: true }", []Rule{{Name: "a"}}},
		{
			"tags, meta, modifiers",
			`import "pe"
			global private rule g : t1 t2 { condition: pe.is_pe }
			rule b : x {
				meta:
					description = "has \"quotes\" and { braces }"
					version = 2
					neg = -1
					author = "Jane \x41"
					flag = true
				strings:
					$a = "condition: }" ascii wide
					$h = { 4D 5A [2-4] ?? } // not a brace of the rule
					$r = /a\/b{2,3}[}]/ nocase
					$x = "x" xor(1-2) base64("abc")
				condition:
					any of ($a, $h) and $r matches /}/ and #x > 1 and @a[1] < 0x100 and !a[1] == 4
			}
			/* rule commented { condition: true } */
			// rule also_commented
			rule c { meta: author = "first" author = "second" strings: $ = "meta:" condition: all of them }`,
			[]Rule{
				{Name: "g", Tags: []string{"t1", "t2"}, Private: true},
				{Name: "b", Tags: []string{"x"}, Author: "Jane A", Description: `has "quotes" and { braces }`},
				{Name: "c", Author: "first"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSet("s", "MIT", "a", "", tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Rules) != len(tc.want) {
				t.Fatalf("rules %+v, want %+v", s.Rules, tc.want)
			}
			for i, r := range s.Rules {
				w := tc.want[i]
				if r.Name != w.Name || !slices.Equal(r.Tags, w.Tags) || r.Author != w.Author || r.Description != w.Description || r.Private != w.Private {
					t.Errorf("rule %d = %+v, want %+v", i, r, w)
				}
			}
		})
	}
}

func TestParseSetRefuses(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"include", `include "/etc/passwd"` + "\nrule a { condition: true }"},
		{"unterminated rule", "rule a { condition: true"},
		{"unterminated string", "rule a { strings: $a = \"x\n condition: $a }"},
		{"unterminated comment", "rule a { condition: true } /*"},
		{"duplicate", "rule a { condition: true } rule a { condition: false }"},
		{"junk", "rule a { condition: true } ; "},
		{"nameless", "rule { condition: true }"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseSet("s", "MIT", "a", "", tc.text); !errors.Is(err, ErrRules) {
				t.Fatalf("err = %v, want ErrRules", err)
			}
		})
	}
}

func TestLicences(t *testing.T) {
	for licence, shippable := range map[string]bool{
		"MIT": true, "Apache-2.0": true, "BSD-2-Clause": true, "BSD-3-Clause": true,
		"GPL-2.0-only": false, "DRL-1.1": false, "": false, "mit": false,
	} {
		s, err := ParseSet("s", licence, "a", "", "rule a { condition: true }")
		if err != nil {
			t.Fatal(err)
		}
		if s.Shippable != shippable {
			t.Errorf("%q: shippable %v", licence, s.Shippable)
		}
	}
}

func TestParseBench50(t *testing.T) {
	s := testSet(t, "bench50_plus_slow.yar")
	if len(s.Rules) != 51 || s.Rules[0].Name != "r00" || s.Rules[50].Name != "slow_short_atom" {
		t.Fatalf("%d rules", len(s.Rules))
	}
}

func FuzzRuleNames(f *testing.F) {
	for _, name := range []string{"testdata/bench50_plus_slow.yar", "rules/koban.yar"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`rule a : b { meta: author = "x" strings: $h = { 00 } $r = /x\// condition: $h }`)
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSet("fuzz", "MIT", "a", "", text)
		if err != nil {
			if !errors.Is(err, ErrRules) {
				t.Fatalf("%v is not ErrRules", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range s.Rules {
			if !validName(r.Name) || seen[r.Name] {
				t.Fatalf("rule name %q", r.Name)
			}
			seen[r.Name] = true
			if !strings.Contains(text, r.Name) {
				t.Fatalf("rule %q not in the text", r.Name)
			}
			for _, tag := range r.Tags {
				if !validName(tag) {
					t.Fatalf("tag %q", tag)
				}
			}
		}
	})
}
