package version

import (
	"math/rand/v2"
	"os/exec"
	"testing"
)

// TestDebianAgainstDpkg holds the Debian scheme to dpkg --compare-versions
// over generated versions, when dpkg is installed.
func TestDebianAgainstDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg not installed")
	}
	if testing.Short() {
		t.Skip("runs dpkg a few hundred times")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	part := func(first string, alphabet string, max int) string {
		b := []byte{first[rng.IntN(len(first))]}
		for n := rng.IntN(max); n > 0; n-- {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		return string(b)
	}
	gen := func() string {
		v := part("0123456789", "0123456789..~+ab", 6)
		if rng.IntN(4) == 0 {
			v = part("012", "", 1) + ":" + v
		}
		if rng.IntN(2) == 0 {
			v += "-" + part("0123456789ab", "0123456789.~+ab", 4)
		}
		return v
	}
	rel := func(a, b string, op string) bool {
		return exec.Command(dpkg, "--compare-versions", a, op, b).Run() == nil
	}
	checked := 0
	for range 250 {
		a, b := gen(), gen()
		if rng.IntN(5) == 0 {
			b = a + "~"
		}
		got, err := Compare(Debian, a, b)
		if err != nil {
			continue
		}
		want := 0
		switch {
		case rel(a, b, "lt"):
			want = -1
		case !rel(a, b, "eq"):
			want = 1
		}
		checked++
		if got != want {
			t.Errorf("Compare(debian, %q, %q) = %d, dpkg says %d", a, b, got, want)
		}
	}
	t.Logf("%d pairs checked against dpkg", checked)
	if checked < 200 {
		t.Errorf("only %d pairs checked", checked)
	}
}
