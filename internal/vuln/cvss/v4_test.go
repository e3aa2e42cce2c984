package cvss

import (
	"errors"
	"testing"
)

func TestParseV4(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"base only", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
			"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
		{"all groups", "CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:N/E:P/CR:H/IR:M/AR:L/MAV:A/MAC:L/MAT:N/MPR:H/MUI:P/MVC:N/MVI:H/MVA:X/MSC:L/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Amber",
			"CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:N/E:P/CR:H/IR:M/AR:L/MAV:A/MAC:L/MAT:N/MPR:H/MUI:P/MVC:N/MVI:H/MVA:X/MSC:L/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Amber"},
		{"reordered impacts", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N",
			"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseV4(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.String(); got != tt.want {
				t.Errorf("String = %s, want %s", got, tt.want)
			}
		})
	}
	v, _ := ParseV4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Red")
	if v.Value("AV") != "N" || v.Value("U") != "Red" || v.Value("E") != "X" || v.Value("ZZ") != "" {
		t.Errorf("Value: AV=%q U=%q E=%q ZZ=%q", v.Value("AV"), v.Value("U"), v.Value("E"), v.Value("ZZ"))
	}
}

func TestParseV4Errors(t *testing.T) {
	tests := []struct{ name, vector string }{
		{"v3 prefix", "CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
		{"missing SA", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N"},
		{"MSC has no S", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S"},
		{"SI has no S (only MSI)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N"},
		{"UI:R is v3", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
		{"U is case-sensitive", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red"},
		{"twice", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:A"},
		{"S is Safety in v4, not scope", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseV4(tt.vector); !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseV4(%q) = %v, want ErrInvalid", tt.vector, err)
			}
		})
	}
}
