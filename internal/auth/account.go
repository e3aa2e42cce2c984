package auth

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
)

// Account is what an officer sees of their own account on the account page.
type Account struct {
	User         *User
	Sessions     []Session // newest first
	Current      string    // the id hash of the session asking
	SecondFactor bool      // an authenticator app is enrolled
	Password     bool      // it has a password of its own (one made by single sign-on has none)
	Required     bool      // their organisation (or their role) requires one
	Passkeys     []Passkey // oldest first
}

// LastFactor reports whether removing one passkey would leave an account
// that must have a second factor without any.
func (a *Account) LastFactor() bool {
	return a.Required && !a.SecondFactor && len(a.Passkeys) <= 1
}

// Account returns the account of the officer signed in with token.
func (s *Service) Account(ctx context.Context, p Principal, token string) (*Account, error) {
	u, err := s.store.User(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	sessions, err := s.store.SessionsOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	a := &Account{User: u, Sessions: sessions, Current: HashToken(token), SecondFactor: u.TOTPSecret != "", Password: u.PasswordHash != "",
		Required: s.needsTOTP(u)}
	if ps, ok := s.passkeys(); ok {
		if a.Passkeys, err = ps.Passkeys(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// ChangePassword replaces the officer's password after checking the
// current one, and ends their other sessions: whoever knew the old password
// is signed out everywhere but here. A wrong current password counts as a
// failed sign-in (lock-out included), since it is as good a guess. An
// account made by single sign-on has no password to change.
func (s *Service) ChangePassword(ctx context.Context, p Principal, token, current, next string) error {
	u, err := s.store.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" {
		// An account made by single sign-on signs in at its provider; a
		// password typed here is no guess at anything, and no failure.
		return koban.FieldError("current", "auth.error.password_none")
	}
	now := s.clock.Now()
	if ok, _ := s.ips.Check(p.IP, now); !ok {
		return koban.Errorf(koban.TooMany, "auth.error.too_many")
	}
	ok, err := s.hasher.Verify(u.PasswordHash, current)
	if err != nil && !errors.Is(err, ErrMalformedHash) {
		return err
	}
	if !ok {
		s.ips.Fail(p.IP, now)
		var until time.Time
		if u.FailedLogins+1 >= s.policy.MaxFailures {
			until = now.Add(s.policy.LockFor)
		}
		if err := s.store.LoginFailed(ctx, u.ID, until, audit.Entry{Actor: p.Actor(), Action: "auth.password_change_failed", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"locked": !until.IsZero()}}); err != nil {
			return err
		}
		return koban.FieldError("current", "auth.error.password_current")
	}
	if err := CheckPasswordPolicy(next); err != nil {
		return err
	}
	if next == current {
		return koban.FieldError("password", "auth.error.password_same")
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(u.ID, 10)
	if err := s.store.SetPassword(ctx, u.ID, hash, audit.Entry{Actor: p.Actor(), Action: "auth.password_changed", ObjectType: "user", ObjectID: id}); err != nil {
		return err
	}
	_, err = s.store.EndSessions(ctx, u.ID, HashToken(token), audit.Entry{Actor: p.Actor(), Action: "auth.sessions_ended", ObjectType: "user",
		ObjectID: id, Detail: map[string]any{"why": "password_changed"}})
	return err
}

// EndOtherSessions signs the officer out everywhere but the session asking,
// and returns how many sessions ended.
func (s *Service) EndOtherSessions(ctx context.Context, p Principal, token string) (int, error) {
	return s.store.EndSessions(ctx, p.UserID, HashToken(token), audit.Entry{Actor: p.Actor(), Action: "auth.sessions_ended",
		ObjectType: "user", ObjectID: strconv.FormatInt(p.UserID, 10), Detail: map[string]any{"why": "asked"}})
}

// BeginReenroll makes (or shows again) a new authenticator key for a
// signed-in officer: enrolling for the first time where it is optional, or
// moving to a new phone. The key in use stays until a code from the new one
// is confirmed.
func (s *Service) BeginReenroll(ctx context.Context, p Principal, token string) (secret, url string, png []byte, err error) {
	sess, u, err := s.fullSession(ctx, p, token)
	if err != nil {
		return "", "", nil, err
	}
	return s.pendingKey(ctx, sess, u)
}

// ConfirmReenroll checks a code from the new key and puts the key in force.
// A wrong code changes nothing: the same key is shown again.
func (s *Service) ConfirmReenroll(ctx context.Context, p Principal, token, code string) error {
	sess, u, err := s.fullSession(ctx, p, token)
	if err != nil {
		return err
	}
	if sess.Pending == "" {
		return koban.FieldError("code", "auth.error.enroll_again")
	}
	step, ok := MatchTOTP(sess.Pending, code, s.clock.Now())
	if !ok {
		return koban.FieldError("code", "auth.error.totp")
	}
	if err := s.store.SetTOTP(ctx, u.ID, sess.Pending, step, audit.Entry{Actor: p.Actor(), Action: "auth.totp_enrolled", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"replaced": u.TOTPSecret != ""}}); err != nil {
		return err
	}
	return s.store.SetSessionPending(ctx, sess.IDHash, "")
}

// fullSession returns the signed-in session of p named by token.
func (s *Service) fullSession(ctx context.Context, p Principal, token string) (*Session, *User, error) {
	sess, err := s.store.Session(ctx, HashToken(token))
	if err != nil || sess.Stage != StageFull || sess.UserID != p.UserID {
		return nil, nil, koban.Errorf(koban.Unauthorized, "auth.error.session")
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return nil, nil, koban.Errorf(koban.Unauthorized, "auth.error.session")
	}
	return sess, u, nil
}
