package auth

import (
	"bytes"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the RFC 6238 Appendix B SHA-1 key "12345678901234567890" in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestTOTPCodeRFC6238(t *testing.T) {
	// RFC 6238 Appendix B lists eight-digit codes; six-digit codes are their
	// last six digits, since both are the same value modulo a power of ten.
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		now := time.Unix(tt.unix, 0)
		got, err := TOTPCode(rfcSecret, now)
		if err != nil || got != tt.want {
			t.Errorf("TOTPCode at %d = %q, %v; want %q", tt.unix, got, err, tt.want)
		}
		if !ValidateTOTP(rfcSecret, tt.want, now) {
			t.Errorf("ValidateTOTP(%q) at %d = false", tt.want, tt.unix)
		}
	}
}

func TestTOTPStep(t *testing.T) {
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {59, 1}, {60, 2},
		{1111111109, 37037036}, {-1, -1}, {-30, -1}, {-31, -2},
	}
	for _, tt := range tests {
		if got := TOTPStep(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("TOTPStep(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
	// Sub-second parts and time zones must not matter.
	a := time.Date(2026, 4, 1, 9, 0, 29, 999999999, time.FixedZone("JST", 9*3600))
	b := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if TOTPStep(a) != TOTPStep(b) {
		t.Error("TOTPStep depends on zone or nanoseconds")
	}
}

func TestValidateTOTPSkewAndReplayStep(t *testing.T) {
	now := time.Unix(1_800_000_015, 0) // middle of a step
	cur := TOTPStep(now)
	code, err := TOTPCode(rfcSecret, now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		offset   time.Duration
		ok       bool
		wantStep int64
	}{
		{0, true, cur},
		{30 * time.Second, true, cur},  // server a step ahead: code is from step-1
		{-30 * time.Second, true, cur}, // server a step behind: code is from step+1
		{60 * time.Second, false, 0},
		{-60 * time.Second, false, 0},
	}
	for _, tt := range tests {
		step, ok := MatchTOTP(rfcSecret, code, now.Add(tt.offset))
		if ok != tt.ok || step != tt.wantStep {
			t.Errorf("MatchTOTP at %+v = %d, %v; want %d, %v", tt.offset, step, ok, tt.wantStep, tt.ok)
		}
		if got := ValidateTOTP(rfcSecret, code, now.Add(tt.offset)); got != tt.ok {
			t.Errorf("ValidateTOTP at %+v = %v, want %v", tt.offset, got, tt.ok)
		}
	}
}

func TestValidateTOTPInputForms(t *testing.T) {
	now := time.Unix(59, 0) // code 287082
	accept := []string{"287082", " 287082 ", "287 082", "287\u3000082", "２８７０８２", "２８７ ０８２\n"}
	reject := []string{"", "28708", "2870820", "287082a", "287-082", "-287082", "28708２x", "287083", "000000", "\u0662\u0668\u0667\u0660\u0668\u0662"}
	for _, c := range accept {
		if !ValidateTOTP(rfcSecret, c, now) {
			t.Errorf("ValidateTOTP(%q) = false, want true", c)
		}
	}
	for _, c := range reject {
		if ValidateTOTP(rfcSecret, c, now) {
			t.Errorf("ValidateTOTP(%q) = true, want false", c)
		}
	}
}

func TestValidateTOTPBadSecret(t *testing.T) {
	now := time.Unix(59, 0)
	for _, s := range []string{"", "   ", "GEZDGNBV", "not base32 at all!!"} {
		code, _ := TOTPCode(s, now)
		if ValidateTOTP(s, code, now) {
			t.Errorf("ValidateTOTP accepted a code for secret %q", s)
		}
		if _, err := TOTPCode(s, now); err == nil {
			t.Errorf("TOTPCode(%q) succeeded, want error", s)
		}
	}
	// Lower case and missing padding are how some apps show secrets.
	if !ValidateTOTP(strings.ToLower(rfcSecret), "287082", now) {
		t.Error("lower-case secret refused")
	}
}

func TestNewTOTPKey(t *testing.T) {
	secret, u, pngData, err := NewTOTPKey("koban", "yamada@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 32 || strings.ContainsAny(secret, "=") {
		t.Errorf("secret %q: want 32 base32 characters without padding", secret)
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "otpauth" || parsed.Host != "totp" {
		t.Fatalf("URL %q is not otpauth://totp", u)
	}
	q := parsed.Query()
	if q.Get("secret") != secret || q.Get("issuer") != "koban" || q.Get("digits") != "6" ||
		q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Errorf("URL %q has unexpected parameters", u)
	}
	if !strings.Contains(parsed.Path, "yamada@example.jp") {
		t.Errorf("URL %q does not name the account", u)
	}
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 200 || b.Dy() != 200 {
		t.Errorf("QR code is %dx%d, want 200x200", b.Dx(), b.Dy())
	}
	now := time.Now()
	code, err := TOTPCode(secret, now)
	if err != nil || !ValidateTOTP(secret, code, now) {
		t.Errorf("fresh key does not validate its own code: %v", err)
	}
	other, _, _, _ := NewTOTPKey("koban", "yamada@example.jp")
	if other == secret {
		t.Error("two keys share a secret")
	}
	for _, args := range [][2]string{{"", "a"}, {"koban", ""}} {
		if _, _, _, err := NewTOTPKey(args[0], args[1]); err == nil {
			t.Errorf("NewTOTPKey(%q, %q) succeeded, want error", args[0], args[1])
		}
	}
}
