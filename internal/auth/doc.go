// Package auth holds koban's security primitives: roles and permissions,
// password hashing, TOTP second factors, random tokens and login throttling.
// It keeps no state in a database; the store that remembers users, sessions
// and used TOTP steps lives elsewhere and calls in here.
package auth
