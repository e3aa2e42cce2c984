package cvss

import "testing"

func BenchmarkV31ParseScore(b *testing.B) {
	const s = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H"
	for b.Loop() {
		v, err := ParseV3(s)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.BaseScore()
	}
}

func BenchmarkV31ParseScoreEnvironmental(b *testing.B) {
	const s = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/IR:L/AR:M/MAV:A/MAC:H/MPR:L/MUI:R/MS:U/MC:L/MI:L/MA:H"
	for b.Loop() {
		v, err := ParseV3(s)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.EnvironmentalScore()
	}
}

func BenchmarkV2ParseScore(b *testing.B) {
	const s = "AV:N/AC:L/Au:N/C:P/I:P/A:P"
	for b.Loop() {
		v, err := ParseV2(s)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.BaseScore()
	}
}

func BenchmarkV4Parse(b *testing.B) {
	const s = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	for b.Loop() {
		if _, err := ParseV4(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkV4ParseScore(b *testing.B) {
	const s = "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"
	for b.Loop() {
		v, err := ParseV4(s)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.Score()
	}
}
