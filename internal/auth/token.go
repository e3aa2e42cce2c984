package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
)

// Token prefixes. They make a leaked token recognisable to secret scanners
// and to people, and tell at a glance which kind of credential it is.
const (
	APITokenPrefix  = "kbn_"
	SessionIDPrefix = "kss_"
)

// tokenBytes is the entropy of every token: 256 bits, beyond any guessing.
const tokenBytes = 32

// tokenEncoding is lower-case base32 without padding: case-insensitive
// readers cannot corrupt it, and it survives URLs, headers and copy-paste.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// passwordAlphabet leaves out characters that are easily confused when a
// password is read aloud or copied from paper: 0/O/o, 1/l/I, and similar.
const passwordAlphabet = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

// RandomPasswordLength is the length of RandomPassword's result; with 56
// symbols it carries about 116 bits.
const RandomPasswordLength = 20

// NewAPIToken returns a new partner API token and the hash to store. The
// plaintext is shown once and never stored, so a database leak yields no
// usable token.
func NewAPIToken() (plaintext, hash string) { return newToken(APITokenPrefix) }

// NewSessionID returns a new session identifier for the cookie and the hash
// to store, for the same reason as NewAPIToken.
func NewSessionID() (plaintext, hash string) { return newToken(SessionIDPrefix) }

// HashToken returns the hex SHA-256 of a token, the key to look it up by.
//
// A fast unsalted hash is enough here, unlike for passwords: the tokens are
// 256 random bits, so there is no dictionary to precompute and brute force is
// out of reach however fast the hash. Being deterministic is what lets the
// store find a token by an indexed equality lookup on the hash, which also
// means no secret is ever compared byte by byte in Go, so there is no timing
// side channel to guard against.
func HashToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// newToken makes prefix + 32 random bytes in base32 and its hash.
func newToken(prefix string) (plaintext, hash string) {
	b := make([]byte, tokenBytes)
	// crypto/rand.Read never returns an error; on failure it crashes the
	// program, which is right: no credential can be issued without randomness.
	rand.Read(b)
	plaintext = prefix + tokenEncoding.EncodeToString(b)
	return plaintext, HashToken(plaintext)
}

// RandomPassword returns a random password of RandomPasswordLength
// unambiguous characters, for the one-time admin password that is printed
// and typed in by hand.
func RandomPassword() string {
	// Rejection sampling keeps every character equally likely: bytes at or
	// above the largest multiple of the alphabet size are discarded.
	const limit = 256 - 256%len(passwordAlphabet)
	out := make([]byte, 0, RandomPasswordLength)
	var buf [32]byte
	for len(out) < RandomPasswordLength {
		rand.Read(buf[:])
		for _, c := range buf {
			if int(c) < limit && len(out) < RandomPasswordLength {
				out = append(out, passwordAlphabet[int(c)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}
