package auth

import "strings"

// StatusTokenPrefix marks the secret in a reporter's status link.
const StatusTokenPrefix = "kst_"

// NewStatusToken returns the secret for a reporter's status link and the hash
// to store: whoever holds the link may read and add to the report, so it is
// as strong as an API token.
func NewStatusToken() (plaintext, hash string) { return newToken(StatusTokenPrefix) }

// PlausibleStatusToken reports whether s has the shape of a status token, so
// that garbage is refused before the database is asked.
func PlausibleStatusToken(s string) bool {
	if !strings.HasPrefix(s, StatusTokenPrefix) || len(s) != len(StatusTokenPrefix)+tokenEncoding.EncodedLen(tokenBytes) {
		return false
	}
	for _, r := range s[len(StatusTokenPrefix):] {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}
