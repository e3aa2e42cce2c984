package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings. They are the ones every authenticator app understands:
// RFC 6238 with HMAC-SHA1, six digits and a 30-second step.
const (
	totpPeriod     = 30
	totpDigits     = otp.DigitsSix
	totpSkew       = 1  // steps accepted either side of now, for clock drift
	totpSecretSize = 20 // bytes; RFC 4226 recommends 160 bits
	totpQRSize     = 200
)

// NewTOTPKey makes a fresh random TOTP secret for account and returns it in
// base32, as an otpauth:// URL for manual entry, and as a 200x200 PNG QR code
// of that URL for scanning. The secret must be stored only after the user has
// proved with a valid code that their app holds it.
func NewTOTPKey(issuer, account string) (secret, otpauthURL string, pngData []byte, err error) {
	return totpKey(issuer, account, nil)
}

// TOTPKeyOf returns the otpauth:// URL and QR code of an existing secret
// (base32), for showing a key being enrolled again.
func TOTPKeyOf(issuer, account, secret string) (otpauthURL string, pngData []byte, err error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		return "", nil, fmt.Errorf("auth: TOTP secret: %w", err)
	}
	_, otpauthURL, pngData, err = totpKey(issuer, account, raw)
	return otpauthURL, pngData, err
}

func totpKey(issuer, account string, secret []byte) (string, string, []byte, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      totpPeriod,
		SecretSize:  totpSecretSize,
		Secret:      secret,
		Digits:      totpDigits,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", nil, fmt.Errorf("auth: generating TOTP key: %w", err)
	}
	img, err := key.Image(totpQRSize, totpQRSize)
	if err != nil {
		return "", "", nil, fmt.Errorf("auth: rendering TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", "", nil, fmt.Errorf("auth: encoding TOTP QR code: %w", err)
	}
	return key.Secret(), key.URL(), buf.Bytes(), nil
}

// TOTPStep returns the RFC 6238 time step that contains now. The store keeps
// the last step accepted per user and refuses a code whose step is not later,
// so that an observed code cannot be replayed; use the step MatchTOTP returns.
func TOTPStep(now time.Time) int64 {
	s := now.Unix()
	step := s / totpPeriod
	if s < 0 && s%totpPeriod != 0 {
		step-- // floor, not truncation, for times before 1970
	}
	return step
}

// TOTPCode returns the code for secret at now; the CLI and tests use it.
func TOTPCode(secret string, now time.Time) (string, error) {
	code, err := codeAt(secret, TOTPStep(now))
	if err != nil {
		return "", fmt.Errorf("auth: TOTP code: %w", err)
	}
	return code, nil
}

// ValidateTOTP reports whether code is valid for secret at now, allowing one
// step of clock drift either way. It does not prevent replay; a login should
// use MatchTOTP and compare the step with the last one the user used.
func ValidateTOTP(secret, code string, now time.Time) bool {
	_, ok := MatchTOTP(secret, code, now)
	return ok
}

// MatchTOTP is ValidateTOTP that also returns the step the code belongs to.
// Replay protection needs that step rather than TOTPStep(now): with drift
// allowed, the same code stays valid across up to three values of TOTPStep(now).
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code, valid := normalizeTOTPCode(code)
	if !valid {
		return 0, false
	}
	cur := TOTPStep(now)
	// Every candidate is computed and compared, so timing does not reveal
	// which step (if any) matched.
	matched := int64(0)
	found := 0
	for _, s := range []int64{cur, cur - totpSkew, cur + totpSkew} {
		want, err := codeAt(secret, s)
		if err != nil {
			return 0, false
		}
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(code))
		if eq == 1 && found == 0 {
			matched = s
		}
		found |= eq
	}
	return matched, found == 1
}

// normalizeTOTPCode removes spaces, including the ideographic space, and turns
// full-width digits into ASCII, because Japanese IMEs often produce those and
// apps show codes as "123 456". It reports whether six digits remain.
func normalizeTOTPCode(code string) (string, bool) {
	var b strings.Builder
	for _, r := range code {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r < '0' || r > '9':
			return "", false
		}
		if b.Len() >= totpDigits.Length() {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), b.Len() == totpDigits.Length()
}

// errWeakTOTPSecret refuses secrets too short to be real. An empty secret
// would otherwise be a valid HMAC key, so a user row with no secret set could
// pass a TOTP check.
var errWeakTOTPSecret = errors.New("TOTP secret shorter than 80 bits")

// codeAt computes the code for one step. Steps before 1970 cannot occur for
// real clocks; they are clamped rather than wrapped to a huge counter.
func codeAt(secret string, step int64) (string, error) {
	if len(strings.TrimSpace(secret)) < 16 { // 16 base32 characters = 80 bits
		return "", errWeakTOTPSecret
	}
	if step < 0 {
		step = 0
	}
	return hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{
		Digits:    totpDigits,
		Algorithm: otp.AlgorithmSHA1,
	})
}
