package cvss

import (
	"errors"
	"testing"
)

func TestBest(t *testing.T) {
	nvd31 := Metric{Version: Version31, BaseScore: 9.8, Source: "nvd@nist.gov", Type: "Primary"}
	cna31 := Metric{Version: Version31, BaseScore: 7.5, Source: "security@example.org", Type: "Secondary"}
	cna40 := Metric{Version: Version40, BaseScore: 9.3, Source: "security@example.org", Type: "Secondary"}
	nvd30 := Metric{Version: Version30, BaseScore: 8.1, Source: "nvd@nist.gov", Type: "Primary"}
	nvd2 := Metric{Version: Version2, BaseScore: 7.5, Source: "nvd@nist.gov", Type: "Primary"}
	cna31b := Metric{Version: Version31, BaseScore: 5.0, Source: "other@example.org", Type: "Secondary"}
	tests := []struct {
		name    string
		metrics []Metric
		want    Metric
	}{
		{"none", nil, Metric{}},
		{"v4 over v3.1 even Secondary", []Metric{nvd31, cna40, nvd2}, cna40},
		{"Primary over Secondary within v3.1", []Metric{cna31, nvd31}, nvd31},
		{"v3.1 Secondary over v3.0 Primary", []Metric{nvd30, cna31}, cna31},
		{"v3.0 over v2", []Metric{nvd2, nvd30}, nvd30},
		{"tie keeps the first", []Metric{cna31, cna31b}, cna31},
		{"unknown version ignored", []Metric{{Version: "5.0", BaseScore: 10}, nvd2}, nvd2},
		{"only unknown", []Metric{{Version: "", BaseScore: 10}}, Metric{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Best(tt.metrics); got != tt.want {
				t.Errorf("Best = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestBaseScore(t *testing.T) {
	if s, err := BaseScore(Version31, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"); err != nil || s != 9.8 {
		t.Errorf("v3.1: %v, %v", s, err)
	}
	if s, err := BaseScore(Version2, "AV:N/AC:L/Au:N/C:P/I:P/A:P"); err != nil || s != 7.5 {
		t.Errorf("v2: %v, %v", s, err)
	}
	if _, err := BaseScore(Version30, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"); !errors.Is(err, ErrInvalid) {
		t.Errorf("stated 3.0 for a 3.1 vector: %v", err)
	}
	if s, err := BaseScore(Version40, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"); err != nil || s != 9.3 {
		t.Errorf("v4: %v, %v", s, err)
	}
	if _, err := BaseScore(Version40, "CVSS:4.0/AV:N"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad v4: %v, want ErrInvalid", err)
	}
	if _, err := BaseScore("1.0", "AV:N"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown version: %v", err)
	}
}
