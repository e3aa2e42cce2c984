package auth

import (
	"context"
	"strconv"

	"github.com/koban-project/koban/internal/audit"
)

// An administrator's resets of an officer's credentials. Who may reset
// whose is decided by the caller (package admin); these only carry them out.

// ResetPassword gives the user a new one-time password, returned once in
// plain text for the administrator to hand over, and ends every session
// of the user. The user must choose their own password at the next
// sign-in, so that the administrator never knows the one in use.
func (s *Service) ResetPassword(ctx context.Context, by audit.Actor, userID int64) (string, error) {
	plain := RandomPassword()
	hash, err := s.hasher.Hash(plain)
	if err != nil {
		return "", err
	}
	if _, err := s.store.ResetPassword(ctx, userID, hash, audit.Entry{Actor: by, Action: "user.reset_password", ObjectType: "user",
		ObjectID: strconv.FormatInt(userID, 10)}); err != nil {
		return "", err
	}
	return plain, nil
}

// ResetTOTP removes the user's authenticator key and ends every session of
// the user: a lost phone. The next sign-in enrols a new key where the
// user's organisation or role requires one.
func (s *Service) ResetTOTP(ctx context.Context, by audit.Actor, userID int64) error {
	_, err := s.store.ResetTOTP(ctx, userID, audit.Entry{Actor: by, Action: "user.reset_totp", ObjectType: "user",
		ObjectID: strconv.FormatInt(userID, 10)})
	return err
}
