package yara

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An operator's folder: sets.json names each file with its provenance; a
// set under a licence koban does not ship loads flagged; missing fields, a
// path outside the folder, a name taken twice and rule text that is not
// rules are refused with the reason.
func TestLoadFolder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yar", `rule alpha : tag1 { meta: author = "someone" strings: $a = "alpha" condition: $a }`)
	write("b.yar", `rule beta { strings: $b = "beta" condition: $b }`)
	write("sets.json", `[{"file": "a.yar", "name": "team", "licence": "MIT", "author": "Team A", "source": "https://example.org/rules"},
		{"file": "b.yar", "name": "vendor", "licence": "GPL-2.0-only", "author": "Vendor"}]`)
	sets, err := LoadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 || sets[0].Name != "team" || !sets[0].Shippable || len(sets[0].Rules) != 1 || sets[0].Rules[0].Name != "alpha" ||
		sets[0].Rules[0].Author != "someone" || sets[1].Shippable || sets[1].Author != "Vendor" {
		t.Fatalf("sets %+v", sets)
	}
	for _, tc := range []struct{ json, want string }{
		{`[{"file": "a.yar", "name": "x", "licence": "MIT"}]`, "required"},
		{`[{"file": "../a.yar", "name": "x", "licence": "MIT", "author": "y"}]`, "not a file name"},
		{`[{"file": "a.yar", "name": "koban", "licence": "MIT", "author": "y"}]`, "taken"},
		{`[{"file": "a.yar", "name": "x", "licence": "MIT", "author": "y"}, {"file": "b.yar", "name": "x", "licence": "MIT", "author": "y"}]`, "taken"},
		{`[{"file": "gone.yar", "name": "x", "licence": "MIT", "author": "y"}]`, "gone.yar"},
		{`[{"file": "a.yar", "name": "x", "licence": "MIT", "author": "y", "extra": 1}]`, "extra"},
	} {
		write("sets.json", tc.json)
		if _, err := LoadFolder(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.json, err, tc.want)
		}
	}
	if _, err := LoadFolder(t.TempDir()); err == nil {
		t.Error("a folder without sets.json")
	}
}
