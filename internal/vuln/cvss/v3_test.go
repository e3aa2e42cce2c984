package cvss

import (
	"errors"
	"testing"
)

func TestV3Scores(t *testing.T) {
	tests := []struct {
		name   string
		vector string
		base   float64
		sev    string
	}{
		// Examples from FIRST's CVSS v3.1 examples document.
		{"phpMyAdmin reflected XSS (CVE-2013-1937)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "MEDIUM"},
		{"MySQL stored SQL injection (CVE-2013-0375)", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, "MEDIUM"},
		{"SSLv3 POODLE (CVE-2014-3566)", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, "LOW"},
		{"VMware guest to host escape (CVE-2012-1516)", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "CRITICAL"},
		{"Apache Tomcat XML parser (CVE-2009-0783)", "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, "MEDIUM"},
		{"Cisco IOS arbitrary command (CVE-2012-0384)", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, "HIGH"},
		{"Apple iWork denial of service (CVE-2015-1098)", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, "HIGH"},
		{"OpenSSL Heartbleed (CVE-2014-0160)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "HIGH"},
		{"GNU Bash Shellshock (CVE-2014-6271)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"},
		{"DNS Kaminsky bug (CVE-2008-1447)", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8, "MEDIUM"},
		{"Sophos login bypass (CVE-2014-2005)", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, "MEDIUM"},
		{"Google Chrome sandbox bypass (CVE-2012-5376)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6, "CRITICAL"},
		{"OpenSSL CCS injection (CVE-2014-0224)", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4, "HIGH"},
		// Boundaries.
		{"no impact, scope unchanged", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, "NONE"},
		{"no impact, scope changed (impact negative)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0, "NONE"},
		{"highest, capped at 10", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10, "CRITICAL"},
		{"lowest nonzero", "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "LOW"},
		{"scope changed raises PR:L and PR:H weights", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 9.1, "CRITICAL"},
		{"v3.0 same vector", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"},
		{"metrics in another order", "CVSS:3.1/S:U/AV:N/A:H/AC:L/PR:N/UI:N/C:H/I:H", 9.8, "CRITICAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseV3(tt.vector)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.BaseScore(); got != tt.base {
				t.Errorf("base %v, want %v", got, tt.base)
			}
			if got := Severity(v.BaseScore()); got != tt.sev {
				t.Errorf("severity %v, want %v", got, tt.sev)
			}
		})
	}
}

func TestV3TemporalEnvironmental(t *testing.T) {
	tests := []struct {
		name          string
		vector        string
		temporal, env float64
	}{
		// 9.8 × 0.94 × 0.95 × 1 = 8.7514 → 8.8.
		{"temporal lowers", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 8.8, 8.8},
		// 9.8 × 0.91 × 0.95 × 0.92 = 7.794… → 7.8.
		{"all temporal lowest", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U", 7.8, 7.8},
		{"X is not defined", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X/CR:X/MAV:X", 9.8, 9.8},
		// Modified metrics replace the base ones: the same as the base vector AV:L/…/C:N/I:N.
		{"modified to local, availability only", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:L/MC:N/MI:N", 9.8, 6.2},
		{"modified impacts none", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MC:N/MI:N/MA:N", 9.8, 0},
		// Requirements: CR:L halves C's weight; 6.42 × (1 − (1−0.28)) = 1.7976; 1.7976 + 3.887 = 5.68… → 5.7.
		{"low confidentiality requirement", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/CR:L", 7.5, 5.7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseV3(tt.vector)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.TemporalScore(); got != tt.temporal {
				t.Errorf("temporal %v, want %v", got, tt.temporal)
			}
			if got := v.EnvironmentalScore(); got != tt.env {
				t.Errorf("environmental %v, want %v", got, tt.env)
			}
		})
	}
}

// TestV3EnvironmentalMatchesBase holds the environmental formula to the base
// one: a vector whose modified metrics restate a different base vector scores
// as that vector does (scope unchanged, where both formulas agree).
func TestV3EnvironmentalMatchesBase(t *testing.T) {
	av := []string{"N", "A", "L", "P"}
	cia := []string{"H", "L", "N"}
	for _, a := range av {
		for _, c := range cia {
			for _, i := range cia {
				target := mustParseV3(t, "CVSS:3.1/AV:"+a+"/AC:H/PR:L/UI:R/S:U/C:"+c+"/I:"+i+"/A:L")
				mod := mustParseV3(t, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:"+a+"/MAC:H/MPR:L/MUI:R/MC:"+c+"/MI:"+i+"/MA:L")
				if target.BaseScore() != mod.EnvironmentalScore() {
					t.Errorf("%s: environmental %v, base of %s %v", mod, mod.EnvironmentalScore(), target, target.BaseScore())
				}
			}
		}
	}
}

func mustParseV3(t *testing.T, s string) V3 {
	t.Helper()
	v, err := ParseV3(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRoundup31(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{4.0, 4.0},
		{4.02, 4.1},
		{4.000000000000001, 4.0}, // the float noise v3.1's Roundup was written to absorb
		{0, 0},
		{9.99, 10},
		{1.00001, 1.1},
	}
	for _, tt := range tests {
		if got := roundup31(tt.in); got != tt.want {
			t.Errorf("roundup31(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// v3.0's plain ceiling does not absorb it.
	v30 := V3{minor: 0}
	if got := v30.roundup(4.000000000000001); got != 4.1 {
		t.Errorf("v3.0 roundup(4.000000000000001) = %v, want 4.1", got)
	}
}

func TestParseV3Errors(t *testing.T) {
	tests := []struct{ name, vector string }{
		{"empty", ""},
		{"no prefix", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"wrong version", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"prefix only", "CVSS:3.1/"},
		{"missing A", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"},
		{"twice", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L"},
		{"unknown metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1"},
		{"unknown value", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"X in a base metric", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"lower case", "CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"trailing slash", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"},
		{"no colon", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/AH"},
		{"spaces", "CVSS:3.1/AV:N /AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"v2 metric", "CVSS:3.1/AV:N/AC:L/Au:N/PR:N/UI:N/S:U/C:H/I:H/A:H"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseV3(tt.vector)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseV3(%q) = %v, want ErrInvalid", tt.vector, err)
			}
		})
	}
}

func TestV3String(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"CVSS:3.0/S:U/AV:N/A:H/AC:L/PR:N/UI:N/C:H/I:H", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"CVSS:3.1/MA:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/MA:N"},
	}
	for _, tt := range tests {
		if got := mustParseV3(t, tt.in).String(); got != tt.want {
			t.Errorf("String(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
