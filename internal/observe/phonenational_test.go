package observe

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkNational fails when nationalRules and phonenumbers disagree on d.
func checkNational(t *testing.T, r *nationalRules, d string) {
	t.Helper()
	got, ok := r.nationalE164(d)
	if !ok {
		return
	}
	if want := parseE164(d); got != want {
		t.Fatalf("nationalE164(%q) = %q, phonenumbers gives %q", d, got, want)
	}
}

// TestNationalE164 compares nationalRules with phonenumbers on numbers
// that start with every three digits after the trunk prefix, at every
// length Extract hands over, and with every four, at a random length; then
// on the numbers of the mixed corpus. The metadata's patterns look at the
// first digits of a number and its length, so this reaches every branch;
// FuzzNationalE164 looks further.
func TestNationalE164(t *testing.T) {
	r := national()
	if r == nil {
		t.Fatal("the metadata of " + defaultRegion + " is not of the shape nationalRules reads")
	}
	rnd := rand.New(rand.NewPCG(7, 8))
	number := func(head string, n int) string {
		d := []byte(head[:min(len(head), n)])
		for len(d) < n {
			d = append(d, byte('0'+rnd.IntN(10)))
		}
		return string(d)
	}
	handled := 0
	// Each number is tried as written, after "+81" and after "+81"
	// without its trunk prefix (forms picks one, or -1 for all three).
	check := func(d string, form int) {
		for k, v := range []string{d, "+" + r.cc + d, "+" + r.cc + d[len(r.trunk):]} {
			if form >= 0 && k != form {
				continue
			}
			checkNational(t, r, v)
			if _, ok := r.nationalE164(v); ok {
				handled++
			}
		}
	}
	for p := range 1000 {
		for n := minPhoneDigits; n <= maxPhoneDigits; n++ {
			check(number(fmt.Sprintf("0%03d", p), n), -1)
		}
	}
	for p := range 10000 {
		check(number(fmt.Sprintf("0%04d", p), minPhoneDigits+rnd.IntN(maxPhoneDigits-minPhoneDigits+1)), rnd.IntN(3))
	}
	if handled < 35000 {
		t.Fatalf("nationalE164 handled only %d numbers", handled)
	}
	g := corpusGen{r: rand.New(rand.NewPCG(9, 10))}
	for range 2000 {
		checkNational(t, r, compactPhone(nfkc(g.phone())))
		checkNational(t, r, compactPhone(g.phoneIntl()))
	}
	// Numbers whose path is not the plain one are left to phonenumbers.
	for _, d := range []string{"+19012345678", "+8", "+81", "+810", "0101234567890", "81312345678", "+81+9012345678"} {
		checkNational(t, r, d)
	}
}

// FuzzNationalE164 compares nationalRules with phonenumbers on numbers
// written with the trunk prefix, or with '+' and the country code: the
// input's bytes, each taken modulo 10, are the digits after it, and the
// first byte's parity chooses the form.
func FuzzNationalE164(f *testing.F) {
	for _, s := range []string{"9012345678", "312345678", "120123456", "5012345678", "101234567890", "0777012345", "003768123456", "00212345", "6010012345"} {
		f.Add(s)
	}
	r := national()
	if r == nil {
		f.Fatal("the metadata of " + defaultRegion + " is not of the shape nationalRules reads")
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 20 {
			return
		}
		d := []byte(r.trunk)
		if len(in) > 0 && in[0]%2 == 1 {
			d = []byte("+" + r.cc)
		}
		for i := 0; i < len(in); i++ {
			d = append(d, '0'+in[i]%10)
		}
		checkNational(t, r, string(d))
	})
}
