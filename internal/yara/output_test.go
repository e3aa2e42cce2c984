package yara

import (
	"slices"
	"strings"
	"testing"
)

func TestParseOutput(t *testing.T) {
	out := strings.Join([]string{
		"set0:eicar_test_file [test] /tmp/x y/eicar.com",
		"0x0:28:$head: X5O!P",
		"0x1c:40:$tail: EICAR",
		"set1:r01 [] /tmp/x y/eicar.com",
		"0x15:28:$s0: g\\x00e\\x00",
		"0x99:3:$s0: a: b: c",
		"warning: something",
		"0xzz:3:$s0: bad offset",
		"0x1:3:s0: no dollar",
		"set12:bad name [] /p",
		"set1:two_tags [a,b] /p",
		"0x1:1:$a: x",
		"0x2:1:$a: x",
		"0x3:1:$a: x",
		"",
	}, "\n")
	got, err := parseOutput(strings.NewReader(out), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []rawMatch{
		{set: 0, rule: "eicar_test_file", tags: []string{"test"}, strings: []rawString{{"$head", 0, 28}, {"$tail", 28, 40}}},
		{set: 1, rule: "r01", strings: []rawString{{"$s0", 0x15, 28}, {"$s0", 0x99, 3}}},
		{set: 1, rule: "two_tags", tags: []string{"a", "b"}, strings: []rawString{{"$a", 1, 1}, {"$a", 2, 1}}, more: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.set != w.set || g.rule != w.rule || !slices.Equal(g.tags, w.tags) || !slices.Equal(g.strings, w.strings) || g.more != w.more {
			t.Errorf("match %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestParseOutputLongLine(t *testing.T) {
	out := "set0:a [] /p\n0x1:1:$a: " + strings.Repeat("x", 3*maxLine) + "\n0x2:1:$a: y\nset0:b [] /p\n"
	got, err := parseOutput(strings.NewReader(out), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].strings) != 1 || got[0].strings[0].offset != 2 {
		t.Fatalf("got %+v", got)
	}
}

func FuzzParseOutput(f *testing.F) {
	f.Add("set0:eicar_test_file [test] /tmp/eicar.com\n0x0:28:$head: X5O\n0x1c:40:$tail: E\n")
	f.Add("set1:r [a,b] /p\n0xffffffffffffffff:1:$a: x\nset:x [] \n0x:1:$: \n")
	f.Fuzz(func(t *testing.T, out string) {
		got, err := parseOutput(strings.NewReader(out), 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			if !validName(m.rule) || m.set < 0 || len(m.strings) > 4 {
				t.Fatalf("match %+v", m)
			}
			for _, s := range m.strings {
				if s.offset < 0 || s.length < 0 || !strings.HasPrefix(s.id, "$") {
					t.Fatalf("string %+v", s)
				}
			}
		}
	})
}
