package cvss

import (
	"errors"
	"testing"
)

// TestV2SpecExamples scores the three worked examples of the CVSS v2
// specification, section 3.3.
func TestV2SpecExamples(t *testing.T) {
	tests := []struct {
		name                string
		vector              string
		base, temporal, env float64
	}{
		{"CVE-2002-0392 Apache chunked encoding",
			"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H", 7.8, 6.4, 9.2},
		{"CVE-2003-0818 Microsoft ASN.1",
			"AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L", 10.0, 8.3, 9.0},
		{"CVE-2003-0062 NOD32 buffer overflow",
			"AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M", 6.2, 4.9, 7.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseV2(tt.vector)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.BaseScore(); got != tt.base {
				t.Errorf("base %v, want %v", got, tt.base)
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

func TestV2Boundaries(t *testing.T) {
	tests := []struct {
		vector string
		base   float64
		sev    string
	}{
		{"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0, "LOW"},
		{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10, "HIGH"},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, "HIGH"},
		{"(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 7.5, "HIGH"},
		// 10.41×0.275 = 2.863; 20×0.395×0.35×0.45 = 1.244; (1.718 + 0.498 − 1.5)×1.176 = 0.84 → 0.8.
		{"AV:L/AC:H/Au:M/C:P/I:N/A:N", 0.8, "LOW"},
	}
	for _, tt := range tests {
		v, err := ParseV2(tt.vector)
		if err != nil {
			t.Fatalf("%s: %v", tt.vector, err)
		}
		if got := v.BaseScore(); got != tt.base {
			t.Errorf("%s: base %v, want %v", tt.vector, got, tt.base)
		}
		if got := SeverityV2(v.BaseScore()); got != tt.sev {
			t.Errorf("%s: severity %v, want %v", tt.vector, got, tt.sev)
		}
	}
}

func TestParseV2Errors(t *testing.T) {
	tests := []struct{ name, vector string }{
		{"empty", ""},
		{"v3 vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"out of order", "AC:L/AV:N/Au:N/C:P/I:P/A:P"},
		{"temporal before base", "AV:N/AC:L/Au:N/C:P/I:P/E:F/A:P"},
		{"missing Au", "AV:N/AC:L/C:P/I:P/A:P"},
		{"twice", "AV:N/AV:N/AC:L/Au:N/C:P/I:P/A:P"},
		{"unknown value", "AV:N/AC:L/Au:N/C:H/I:P/A:P"},
		{"case", "AV:N/AC:L/AU:N/C:P/I:P/A:P"},
		{"one parenthesis", "(AV:N/AC:L/Au:N/C:P/I:P/A:P"},
		{"prefixed", "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseV2(tt.vector); !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseV2(%q) = %v, want ErrInvalid", tt.vector, err)
			}
		})
	}
}
