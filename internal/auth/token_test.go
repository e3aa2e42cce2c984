package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

func TestNewTokens(t *testing.T) {
	for _, tc := range []struct {
		name   string
		new    func() (string, string)
		prefix string
	}{
		{"api", NewAPIToken, "kbn_"},
		{"session", NewSessionID, "kss_"},
	} {
		// 32 bytes = 256 bits = 52 base32 characters (51.2 rounded up).
		shape := regexp.MustCompile("^" + tc.prefix + "[a-z2-7]{52}$")
		seen := map[string]bool{}
		for range 100 {
			plain, hash := tc.new()
			if !shape.MatchString(plain) {
				t.Fatalf("%s token %q has the wrong shape", tc.name, plain)
			}
			if hash != HashToken(plain) {
				t.Fatalf("%s hash %q does not match HashToken", tc.name, hash)
			}
			if seen[plain] {
				t.Fatalf("%s token repeated", tc.name)
			}
			seen[plain] = true
		}
	}
}

func TestHashToken(t *testing.T) {
	// Against an independent computation, so the stored format is pinned.
	const plain = "kbn_example"
	sum := sha256.Sum256([]byte(plain))
	if got, want := HashToken(plain), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("HashToken = %q, want %q", got, want)
	}
	// SHA-256 of the empty string, a well-known value.
	if got := HashToken(""); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("HashToken(\"\") = %q", got)
	}
	if HashToken("kbn_a") == HashToken("kss_a") {
		t.Error("prefix does not affect the hash")
	}
}

func TestRandomPassword(t *testing.T) {
	counts := map[rune]int{}
	const n = 2000
	for range n {
		pw := RandomPassword()
		if len(pw) != RandomPasswordLength {
			t.Fatalf("RandomPassword() = %q, length %d", pw, len(pw))
		}
		if err := CheckPasswordPolicy(pw); err != nil {
			t.Fatalf("RandomPassword() = %q fails the policy: %v", pw, err)
		}
		for _, r := range pw {
			if !strings.ContainsRune(passwordAlphabet, r) {
				t.Fatalf("RandomPassword() = %q contains %q", pw, r)
			}
			counts[r]++
		}
	}
	for _, r := range "0O1lIo" {
		if strings.ContainsRune(passwordAlphabet, r) {
			t.Errorf("alphabet contains ambiguous %q", r)
		}
	}
	// Every symbol should appear about n*20/56 ≈ 714 times; a symbol missing
	// or far off means the sampling is broken, not bad luck.
	if len(counts) != len(passwordAlphabet) {
		t.Errorf("only %d of %d symbols used", len(counts), len(passwordAlphabet))
	}
	expect := n * RandomPasswordLength / len(passwordAlphabet)
	for r, c := range counts {
		if c < expect/2 || c > expect*3/2 {
			t.Errorf("symbol %q appeared %d times, expected about %d", r, c, expect)
		}
	}
}
