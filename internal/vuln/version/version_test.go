package version

import (
	"errors"
	"testing"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		scheme Scheme
		a, b   string
		want   int
	}{
		{Numeric, "1.10", "1.9", 1},
		{Numeric, "2.0", "2.0.0", 0},
		{Numeric, "2.0.1", "2.0", 1},
		{Numeric, "10.0.19041.1320", "10.0.19041.1415", -1},
		{Numeric, "007", "7", 0},
		{Numeric, "123456789012345678901234567890", "123456789012345678901234567891", -1},
		{Semver, "5.0.0-rc1", "5.0.0", -1},
		{Semver, "1.0.0-alpha", "1.0.0-alpha.1", -1},
		{Semver, "1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{Semver, "1.0.0-beta.2", "1.0.0-beta.11", -1},
		{Semver, "1.0.0-rc.1", "1.0.0", -1},
		{Semver, "1.0.0+build.5", "1.0.0", 0},
		{Semver, "v2.1", "2.1.0", 0},
		{OpenSSL, "1.1.1j", "1.1.1k", -1},
		{OpenSSL, "1.1.1", "1.1.1a", -1},
		{OpenSSL, "1.0.2k", "1.0.2za", -1},
		{OpenSSL, "1.0.2z", "1.0.2za", -1},
		{OpenSSL, "1.1.1l", "1.1.1k", 1},
		{OpenSSL, "3.0.1", "3.0.10", -1},
		{Debian, "1:2.2-1", "2.3", 1},
		{Debian, "2.2-1", "2.3", -1},
		{Debian, "1.0~rc1", "1.0", -1},
		{Debian, "1.0~~", "1.0~", -1},
		{Debian, "1.0~", "1.0", -1},
		{Debian, "1.0", "1.0a", -1},
		{Debian, "1.0a", "1.0+", -1},
		{Debian, "1.0-1", "1.0-1ubuntu1", -1},
		{Debian, "2.30-0+deb12u1", "2.30-0", 1},
		{Debian, "1.2.3", "1.2.3", 0},
		{RPM, "1.0", "1.0", 0},
		{RPM, "1.0", "2.0", -1},
		{RPM, "1.0a", "1.0", 1},
		{RPM, "1.0~rc1", "1.0", -1},
		{RPM, "1.0^git1", "1.0", 1},
		{RPM, "1.0^git1", "1.0.1", -1},
		{RPM, "1.a", "1.1", -1},
		{RPM, "2.0-1.el8", "2.0-2.el8", -1},
		{RPM, "1:1.0-1", "2.0-1", 1},
		{RPM, "1.0010", "1.9", 1},
		{RPM, "1.05", "1.5", 0},
		{Cisco, "15.2(4)m3", "15.2(4)M4", -1},
		{Cisco, "15.2(4)m10", "15.2(4)m9", 1},
		{Cisco, "15.2(5)m1", "15.2(4)m9", 1},
		{Cisco, "12.4(24)t", "12.4(24)t4", -1},
		{Cisco, "12.2(33)sxj1a", "12.2(33)sxj1", 1},
		{Cisco, "16.9.4", "16.12.1", -1},
		{Java, "1.8.0_301", "8u301", 0},
		{Java, "8u301", "1.8.0 update301", 0},
		{Java, "1.8.0_201", "1.8.0_301", -1},
		{Java, "8u301-b09", "8u301", 0},
		{Java, "11.0.12", "1.8.0_301", 1},
		{Java, "17.0.1+12", "17.0.1", 0},
		{Date, "2021-04-30", "2021-05-01", -1},
		{Date, "20210501", "2021-05-01", 0},
		{Date, "2021.05.02", "20210501", 1},
	}
	for _, tt := range tests {
		got, err := Compare(tt.scheme, tt.a, tt.b)
		if err != nil {
			t.Errorf("Compare(%s, %q, %q): %v", tt.scheme, tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Compare(%s, %q, %q) = %d, want %d", tt.scheme, tt.a, tt.b, got, tt.want)
		}
		if back, _ := Compare(tt.scheme, tt.b, tt.a); back != -got {
			t.Errorf("Compare(%s, %q, %q) = %d, not the opposite of %d", tt.scheme, tt.b, tt.a, back, got)
		}
	}
}

func TestUnparseable(t *testing.T) {
	tests := []struct {
		scheme Scheme
		v      string
	}{
		{Numeric, ""},
		{Numeric, "1.x"},
		{Numeric, "1..2"},
		{Numeric, "5.0.0-rc1"},
		{Semver, "1.0.0-"},
		{Semver, "one"},
		{OpenSSL, "1.0.2abc"},
		{OpenSSL, "1.1.1-pre9"},
		{Debian, "a1.0"},
		{Debian, "x:1.0"},
		{Debian, "1.0-"},
		{RPM, "..."},
		{RPM, ""},
		{Cisco, "15.2(4"},
		{Cisco, "ios 15"},
		{Java, "8ux"},
		{Java, "java"},
		{Date, "2021-13-01"},
		{Date, "May 2021"},
	}
	for _, tt := range tests {
		if _, err := Compare(tt.scheme, tt.v, "1"); !errors.Is(err, ErrUnparseable) {
			t.Errorf("Compare(%s, %q, …) err = %v, want ErrUnparseable", tt.scheme, tt.v, err)
		}
	}
	if _, err := Compare(Cisco, "15.2(4)m3", "15.2(4)t3"); !errors.Is(err, ErrUnparseable) {
		t.Errorf("two trains: err = %v, want ErrUnparseable", err)
	}
	if _, err := Compare("calver", "1", "1"); !errors.Is(err, ErrScheme) {
		t.Errorf("unknown scheme: err = %v", err)
	}
}

func TestGuess(t *testing.T) {
	tests := []struct {
		vendor, product string
		versions        []string
		want            Scheme
	}{
		{"openssl", "openssl", []string{"1.1.1k"}, OpenSSL},
		{"Cisco", "IOS", nil, Cisco},
		{"oracle", "jdk", []string{"8u301"}, Java},
		{"debian", "example", []string{"2.3", "1:2.2-1"}, Debian},
		{"example", "lib", []string{"1.10", "1.9"}, Numeric},
		{"example", "app", []string{"5.0.0", "5.0.0-rc1"}, Semver},
		{"example", "tool", []string{"2021-05-01", "2021-04-30"}, Date},
		{"example", "pkg", []string{"2.3", "1:2.2-1"}, Debian},
		{"example", "odd", []string{"release five"}, Numeric},
		{"apache", "http_server", []string{"2.4.51", "2.4.51-1ubuntu4"}, Debian},
		{"example", "app", []string{"1.0.0-1"}, Debian},
		{"example", "app", []string{"1.0.0-rc.1", "1.0.0"}, Semver},
	}
	for _, tt := range tests {
		if got := Guess(tt.vendor, tt.product, tt.versions...); got != tt.want {
			t.Errorf("Guess(%s, %s, %q) = %s, want %s", tt.vendor, tt.product, tt.versions, got, tt.want)
		}
	}
}

func FuzzCompare(f *testing.F) {
	for _, s := range []string{"1.10", "1.1.1k", "1:2.2-1~rc1", "15.2(4)m3", "8u301", "2021-05-01", "1.0^git1", "5.0.0-rc.1+b"} {
		f.Add(s, "1.9")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, s := range Schemes {
			ab, errA := Compare(s, a, b)
			ba, errB := Compare(s, b, a)
			if (errA == nil) != (errB == nil) {
				t.Fatalf("%s: %q vs %q: errors %v / %v", s, a, b, errA, errB)
			}
			if errA == nil && ab != -ba {
				t.Fatalf("%s: Compare(%q, %q) = %d but reversed %d", s, a, b, ab, ba)
			}
			if errA == nil {
				if aa, _ := Compare(s, a, a); aa != 0 {
					t.Fatalf("%s: Compare(%q, itself) = %d", s, a, aa)
				}
			}
		}
	})
}
