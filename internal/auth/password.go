package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/koban-project/koban/internal/koban"
)

// Password policy limits. The minimum counts characters (runes) so that a
// Japanese passphrase is judged by what the user typed, not by its UTF-8 size;
// the maximum counts bytes because it guards the hashing input.
const (
	PasswordMinRunes = 12
	PasswordMaxBytes = 256
)

// Params are the argon2id cost parameters. They are written into every hash so
// that they can be raised later without breaking existing passwords.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
}

// DefaultParams are the parameters for new hashes: 64 MiB, one pass, two
// lanes, following the OWASP argon2id guidance for interactive logins.
// Treat it as read-only; use a Hasher for other parameters.
var DefaultParams = Params{Memory: 64 * 1024, Time: 1, Threads: 2}

// Limits on what a stored hash may ask for. A corrupted or planted hash must
// not make one verification allocate gigabytes or run for minutes.
const (
	saltLen    = 16
	keyLen     = 32
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 64
	hashPrefix = "$argon2id$"
)

// ErrMalformedHash is returned when a stored password hash cannot be parsed
// or asks for parameters outside the accepted limits. It is an internal error:
// the hash came from our own database.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// hashSlots caps concurrent argon2 computations at the number of CPUs. Each
// computation holds Params.Memory (64 MiB by default) for its duration, so
// without a cap a burst of logins could exhaust memory; with it, excess logins
// wait their turn. The functions take no context because a hash cannot be
// abandoned half-way anyway; callers that need a deadline should bound the
// request instead.
var hashSlots = make(chan struct{}, runtime.NumCPU())

// b64 is the PHC string encoding: standard alphabet, no padding. Strict
// decoding refuses non-canonical trailing bits, so each hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

// Hasher hashes and verifies passwords with argon2id. Its Params apply to new
// hashes only; Verify reads the parameters from the hash it is given.
type Hasher struct {
	Params Params
}

// check refuses parameters argon2 would panic on or that exceed our limits.
func (p Params) check() error {
	if p.Time < 1 || p.Time > maxTime || p.Threads < 1 ||
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return fmt.Errorf("auth: argon2 parameters out of range: m=%d t=%d p=%d", p.Memory, p.Time, p.Threads)
	}
	return nil
}

// key runs argon2id while holding one of the hashSlots.
func (p Params) key(pw string, salt []byte, n uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, n)
}

// Hash returns pw hashed with a fresh random salt, in PHC string format.
// It blocks while runtime.NumCPU() other hashes are running.
func (h Hasher) Hash(pw string) (string, error) {
	if err := h.Params.check(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading salt: %w", err)
	}
	sum := h.Params.key(pw, salt, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.Params.Memory, h.Params.Time, h.Params.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// Verify reports whether pw matches the PHC-encoded hash, comparing in
// constant time. It returns ErrMalformedHash (wrapped) when the hash cannot be
// parsed. It blocks while runtime.NumCPU() other hashes are running.
func (h Hasher) Verify(encoded, pw string) (bool, error) {
	p, salt, sum, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := p.key(pw, salt, uint32(len(sum)))
	return subtle.ConstantTimeCompare(got, sum) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// h.Params, so that a login can re-hash the password it has just verified
// after the parameters are raised. Malformed hashes need rehashing too.
func (h Hasher) NeedsRehash(encoded string) bool {
	p, salt, sum, err := parseHash(encoded)
	return err != nil || p != h.Params || len(salt) != saltLen || len(sum) != keyLen
}

// DummyVerify spends as long as Verify of a hash made with h.Params, so that
// a login for an unknown account takes as long as one for a known account and
// response times do not reveal which accounts exist.
func (h Hasher) DummyVerify() {
	p := h.Params
	if p.check() != nil {
		p = DefaultParams
	}
	var salt [saltLen]byte
	var want [keyLen]byte
	got := p.key("koban dummy password", salt[:], keyLen)
	subtle.ConstantTimeCompare(got, want[:])
}

// HashPassword hashes pw with DefaultParams; see Hasher.Hash.
func HashPassword(pw string) (string, error) { return Hasher{DefaultParams}.Hash(pw) }

// VerifyPassword checks pw against a PHC-encoded hash; see Hasher.Verify.
func VerifyPassword(encoded, pw string) (bool, error) {
	return Hasher{DefaultParams}.Verify(encoded, pw)
}

// NeedsRehash reports whether encoded differs from DefaultParams; see Hasher.NeedsRehash.
func NeedsRehash(encoded string) bool { return Hasher{DefaultParams}.NeedsRehash(encoded) }

// DummyVerify burns the time of one VerifyPassword; call it when the account
// is unknown so that timing does not reveal which accounts exist.
func DummyVerify() { Hasher{DefaultParams}.DummyVerify() }

// CheckPasswordPolicy returns an Invalid field error for "password" when pw is
// too short, too long or not valid UTF-8. It deliberately has no composition
// rules: length is what makes a password strong, and rules push users to
// predictable patterns.
func CheckPasswordPolicy(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return koban.FieldError("password", "auth.password_invalid")
	case len(pw) > PasswordMaxBytes:
		return koban.FieldError("password", "auth.password_too_long")
	case utf8.RuneCountInString(pw) < PasswordMinRunes:
		return koban.FieldError("password", "auth.password_too_short")
	}
	return nil
}

// parseHash splits a PHC argon2id string into its parameters, salt and hash.
// It accepts only the exact form Hash writes, so that anything unexpected in
// the database is noticed rather than guessed at.
func parseHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	bad := func(what string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}
	rest, ok := strings.CutPrefix(encoded, hashPrefix)
	if !ok {
		return bad("not argon2id")
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 4 {
		return bad("wrong number of fields")
	}
	v, ok := strings.CutPrefix(parts[0], "v=")
	if !ok {
		return bad("no version")
	}
	if n, err := parseDecimal(v, 32); err != nil || n != argon2.Version {
		return bad("unsupported version")
	}
	kv := strings.Split(parts[1], ",")
	if len(kv) != 3 {
		return bad("wrong number of parameters")
	}
	for i, name := range []string{"m=", "t=", "p="} {
		s, ok := strings.CutPrefix(kv[i], name)
		if !ok {
			return bad("parameters out of order")
		}
		bits := 32
		if i == 2 {
			bits = 8
		}
		n, err := parseDecimal(s, bits)
		if err != nil {
			return bad("bad parameter " + name)
		}
		switch i {
		case 0:
			p.Memory = uint32(n)
		case 1:
			p.Time = uint32(n)
		case 2:
			p.Threads = uint8(n)
		}
	}
	if p.check() != nil {
		return bad("parameters out of range")
	}
	salt, ok := decodeB64(parts[2], minSalt, maxSalt)
	if !ok {
		return bad("bad salt")
	}
	sum, ok := decodeB64(parts[3], minKey, maxKey)
	if !ok {
		return bad("bad hash")
	}
	return p, salt, sum, nil
}

// decodeB64 decodes s and checks its length. It insists that s is the
// canonical encoding, because the decoder silently skips line breaks.
func decodeB64(s string, minLen, maxLen int) ([]byte, bool) {
	if len(s) > b64.EncodedLen(maxLen) {
		return nil, false
	}
	b, err := b64.DecodeString(s)
	if err != nil || len(b) < minLen || len(b) > maxLen || b64.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

// parseDecimal parses an unsigned decimal with no sign, no leading zeros and
// at most bits bits.
func parseDecimal(s string, bits int) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || s[0] < '0' || s[0] > '9' {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 10, bits)
}
