package cvss

import "testing"

// The fuzz targets hold every parser to two rules: no panic on any input, and
// a parsed vector's String parses back to the same vector with the same score.

func FuzzParseV3(f *testing.F) {
	for _, s := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N/E:U/RL:O/RC:R",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/CR:H/IR:L/AR:M/MAV:P/MAC:H/MPR:L/MUI:R/MS:U/MC:N/MI:L/MA:H",
		"CVSS:3.1/S:U/AV:N", "CVSS:3.1/", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseV3(s)
		if err != nil {
			return
		}
		w, err := ParseV3(v.String())
		if err != nil {
			t.Fatalf("String %q of %q does not parse: %v", v.String(), s, err)
		}
		if w != v {
			t.Fatalf("String %q of %q parses to another vector", v.String(), s)
		}
		for _, x := range []float64{v.BaseScore(), v.TemporalScore(), v.EnvironmentalScore()} {
			if !(x >= 0 && x <= 10) {
				t.Fatalf("%q: score %v out of range", s, x)
			}
		}
	})
}

func FuzzParseV2(f *testing.F) {
	for _, s := range []string{
		"AV:N/AC:L/Au:N/C:P/I:P/A:P",
		"(AV:L/AC:H/Au:M/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M)",
		"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:ND/RL:ND/RC:ND/CDP:ND/TD:ND/CR:ND/IR:ND/AR:ND", "()", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseV2(s)
		if err != nil {
			return
		}
		w, err := ParseV2(v.String())
		if err != nil {
			t.Fatalf("String %q of %q does not parse: %v", v.String(), s, err)
		}
		if w != v {
			t.Fatalf("String %q of %q parses to another vector", v.String(), s)
		}
		for _, x := range []float64{v.BaseScore(), v.TemporalScore(), v.EnvironmentalScore()} {
			if !(x >= 0 && x <= 10) {
				t.Fatalf("%q: score %v out of range", s, x)
			}
		}
	})
}

func FuzzParseV4(f *testing.F) {
	for _, s := range []string{
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:N/E:P/CR:H/MSI:S/U:Amber",
		"CVSS:4.0/", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseV4(s)
		if err != nil {
			return
		}
		w, err := ParseV4(v.String())
		if err != nil {
			t.Fatalf("String %q of %q does not parse: %v", v.String(), s, err)
		}
		if w != v {
			t.Fatalf("String %q of %q parses to another vector", v.String(), s)
		}
		if x := v.Score(); !(x >= 0 && x <= 10) {
			t.Fatalf("%q: score %v out of range", s, x)
		}
	})
}
