package cpe

import "testing"

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
		`cpe:2.3:o:cisco:ios:15.2\(4\)m3:*:*:*:*:*:*:*`,
		"cpe:2.3:a:???hp*:insight_diagnostics:8.*:es:*:-:-:x32\\~:*:*",
		"cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
		"cpe:/h:%3Fnvidia%01",
		`wfn:[part="a", vendor="foo\\bar", version="8\.*"]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		// Each binding of a parsed name reads back to the same name.
		fs, err := ParseFS(n.FS())
		if err != nil || fs != n {
			t.Fatalf("%q: FS %q reads back as %v, %v", s, n.FS(), fs.WFN(), err)
		}
		w, err := ParseWFN(n.WFN())
		if err != nil || w != n {
			t.Fatalf("%q: WFN %q reads back as %v, %v", s, n.WFN(), w.WFN(), err)
		}
		if u, err := ParseURI(n.URI()); err == nil && Compare(u, n) == Disjoint {
			t.Fatalf("%q: URI %q is disjoint from the name", s, n.URI())
		}
		_ = Compare(n, n)
	})
}

func TestWildcardPlacement(t *testing.T) {
	for s, ok := range map[string]bool{
		"*": true, "?": true, "???": true, "8.*": true, "???hp*": true, "?es?": true, `x32\~`: true, `8\*`: true,
		"**": false, "?*": false, "*?": false, "???hp**": false, "?*nvidia": false, "insight_?diagnostics": false, "h??p": false,
	} {
		v, err := unbindFS(s)
		if (err == nil) != ok {
			t.Errorf("unbindFS(%q) = %v, %v; want ok=%v", s, v, err, ok)
		}
	}
}
