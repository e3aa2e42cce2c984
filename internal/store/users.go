package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

func isUnique(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint") || strings.Contains(err.Error(), "duplicate key"))
}

// CreateUser stores a new account.
func (db *DB) CreateUser(ctx context.Context, u *auth.User, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, org_id, role, password_hash, created_at) VALUES (?,?,?,?,?,?) RETURNING id`,
			u.Email, u.Name, u.OrgID, string(u.Role), u.PasswordHash, ts(u.CreatedAt)).Scan(&u.ID)
		if isUnique(err) {
			return koban.FieldError("email", "auth.error.email_taken")
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		e.ObjectID = strconv.FormatInt(u.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

const userCols = `id, email, name, org_id, role, password_hash, totp_secret, totp_last_step, failed_logins, locked_until, disabled, created_at, must_change_password,
	(SELECT COUNT(*) FROM passkeys WHERE passkeys.user_id = users.id)`

func scanUser(s scanner) (*auth.User, error) {
	var u auth.User
	var role string
	var locked, created int64
	err := s.Scan(&u.ID, &u.Email, &u.Name, &u.OrgID, &role, &u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep, &u.FailedLogins, &locked, &u.Disabled, &created,
		&u.MustChangePassword, &u.Passkeys)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	u.Role, u.LockedUntil, u.CreatedAt = auth.Role(role), tm(locked), tm(created)
	return &u, nil
}

// UserByEmail finds an account by its (lower-case) e-mail.
func (db *DB) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, email))
}

// User finds an account by id.
func (db *DB) User(ctx context.Context, id int64) (*auth.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// Users lists accounts of the given organisations.
func (db *DB) Users(ctx context.Context, orgIDs []int64) ([]auth.User, error) {
	if len(orgIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(orgIDs))
	for i, id := range orgIDs {
		args[i] = id
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE org_id IN (`+placeholders(len(orgIDs))+`) ORDER BY email`, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// CountUsers counts accounts.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// LoginFailed counts a failure and locks the account when lockedUntil is set.
func (db *DB) LoginFailed(ctx context.Context, userID int64, lockedUntil time.Time, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		q := `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?`
		args := []any{userID}
		if !lockedUntil.IsZero() {
			q = `UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?`
			args = []any{ts(lockedUntil), userID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("count login failure: %w", err)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// LoginSucceeded clears the failure count.
func (db *DB) LoginSucceeded(ctx context.Context, userID int64, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("clear login failures: %w", err)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// SetTOTP stores a confirmed TOTP secret and the step of the code that confirmed it.
func (db *DB) SetTOTP(ctx context.Context, userID int64, secret string, step int64, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = ?, totp_last_step = ? WHERE id = ?`, secret, step, userID); err != nil {
			return fmt.Errorf("set totp: %w", err)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// UseTOTPStep records a used TOTP step; false means a replay.
func (db *DB) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, userID, step)
	if err != nil {
		return false, fmt.Errorf("use totp step: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CreateSession stores a session.
func (db *DB) CreateSession(ctx context.Context, s auth.Session) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, stage, pending, ip, created_at, last_seen_at, expires_at) VALUES (?,?,?,?,?,?,?,?)`,
		s.IDHash, s.UserID, s.Stage, s.Pending, s.IP, ts(s.CreatedAt), ts(s.LastSeenAt), ts(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session loads a session by the hash of its id.
func (db *DB) Session(ctx context.Context, idHash string) (*auth.Session, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id_hash = ?`, idHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("auth.error.session")
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	return s, nil
}

const sessionCols = `id_hash, user_id, stage, pending, ip, created_at, last_seen_at, expires_at`

func scanSession(row scanner) (*auth.Session, error) {
	var s auth.Session
	var c, l, e int64
	if err := row.Scan(&s.IDHash, &s.UserID, &s.Stage, &s.Pending, &s.IP, &c, &l, &e); err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = tm(c), tm(l), tm(e)
	return &s, nil
}

// SessionsOf lists a user's sessions, newest first.
func (db *DB) SessionsOf(ctx context.Context, userID int64) ([]auth.Session, error) {
	out, err := collect(ctx, db.read, func(s scanner) (auth.Session, error) {
		sess, err := scanSession(s)
		if err != nil {
			return auth.Session{}, err
		}
		return *sess, nil
	}, `SELECT `+sessionCols+` FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id_hash`, userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// EndSessions removes every session of the user but keep, with the audit
// entry (its detail gains the count).
func (db *DB) EndSessions(ctx context.Context, userID int64, keep string, e audit.Entry) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, userID, keep)
		if err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if e.Detail == nil {
			e.Detail = map[string]any{}
		}
		e.Detail["ended"] = n
		return db.appendAudit(ctx, tx, e)
	})
	return int(n), err
}

// SetPassword stores a new password hash of the user's own choosing,
// clearing failed attempts and any demand to change it.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, failed_logins = 0, must_change_password = ? WHERE id = ?`, hash, false, userID)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("error.not_found")
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// ResetPassword stores a one-time password hash set by an administrator:
// the user must change it at their next sign-in, the lock and failed
// attempts are cleared, and every session of the user ends, all with the
// audit entry (its detail gains the number of sessions ended).
func (db *DB) ResetPassword(ctx context.Context, userID int64, hash string, e audit.Entry) (int, error) {
	return db.updateEndingSessions(ctx, userID, e, `UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = 0 WHERE id = ?`,
		hash, true, userID)
}

// ResetTOTP removes the user's second factors, the authenticator key and
// every passkey, so that their next sign-in enrols a new one, and ends
// every session of the user, with the audit entry (its detail gains the
// number of sessions ended and of passkeys removed).
func (db *DB) ResetTOTP(ctx context.Context, userID int64, e audit.Entry) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = '', totp_last_step = 0 WHERE id = ?`, userID)
		if err != nil {
			return fmt.Errorf("update user %d: %w", userID, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return notFound("error.not_found")
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM passkeys WHERE user_id = ?`, userID)
		if err != nil {
			return fmt.Errorf("remove passkeys of user %d: %w", userID, err)
		}
		keys, _ := res.RowsAffected()
		if n, err = endSessions(ctx, tx, userID); err != nil {
			return err
		}
		if e.Detail == nil {
			e.Detail = map[string]any{}
		}
		e.Detail["sessions_ended"], e.Detail["passkeys_removed"] = n, keys
		return db.appendAudit(ctx, tx, e)
	})
	return int(n), err
}

// updateEndingSessions runs the update of one user, ends the user's
// sessions and appends the audit entry, in one transaction.
func (db *DB) updateEndingSessions(ctx context.Context, userID int64, e audit.Entry, update string, args ...any) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, update, args...)
		if err != nil {
			return fmt.Errorf("update user %d: %w", userID, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return notFound("error.not_found")
		}
		if n, err = endSessions(ctx, tx, userID); err != nil {
			return err
		}
		if e.Detail == nil {
			e.Detail = map[string]any{}
		}
		e.Detail["sessions_ended"] = n
		return db.appendAudit(ctx, tx, e)
	})
	return int(n), err
}

// endSessions removes every session of a user inside tx.
func endSessions(ctx context.Context, tx *txn, userID int64) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	return res.RowsAffected()
}

// SetUserRoleOrg gives an account a new role and organisation and ends its
// sessions, so that the next sign-in applies the second-factor rule of
// both, with the audit entry (its detail gains the number of sessions
// ended).
func (db *DB) SetUserRoleOrg(ctx context.Context, userID int64, role auth.Role, orgID int64, e audit.Entry) (int, error) {
	return db.updateEndingSessions(ctx, userID, e, `UPDATE users SET role = ?, org_id = ? WHERE id = ?`, string(role), orgID, userID)
}

// TouchSession records activity on a session.
func (db *DB) TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?`, ts(seen), ts(expires), idHash)
	return err
}

// SetSessionPending keeps a TOTP secret being enrolled on the session.
func (db *DB) SetSessionPending(ctx context.Context, idHash, secret string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE sessions SET pending = ? WHERE id_hash = ?`, secret, idHash)
	return err
}

// DeleteSession removes a session.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteExpiredSessions removes sessions past their end.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, ts(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CreateToken stores an API token (its hash).
func (db *DB) CreateToken(ctx context.Context, t *auth.APIToken, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?,?,?,?) RETURNING id`,
			t.UserID, t.Name, t.Hash, ts(t.CreatedAt)).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		if e.Detail == nil {
			e.Detail = map[string]any{}
		}
		e.Detail["token_id"] = t.ID
		return db.appendAudit(ctx, tx, e)
	})
}

const tokenCols = `id, user_id, name, token_hash, created_at, last_used_at, revoked_at`

func scanToken(s scanner) (*auth.APIToken, error) {
	var t auth.APIToken
	var c, u, r int64
	err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &c, &u, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("auth.error.token")
	}
	if err != nil {
		return nil, fmt.Errorf("load token: %w", err)
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = tm(c), tm(u), tm(r)
	return &t, nil
}

// TokenByHash finds an API token by its hash.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*auth.APIToken, error) {
	return scanToken(db.read.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = ?`, hash))
}

// TouchToken records the use of a token.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ts(at), id)
	return err
}

// RevokeToken revokes a token; revoking twice is not an error.
func (db *DB) RevokeToken(ctx context.Context, id int64, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, ts(db.clock.Now()), id)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM api_tokens WHERE id = ?`, id).Scan(&exists); err != nil {
				return notFound("auth.error.token")
			}
			return nil
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// Tokens lists a user's tokens.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]auth.APIToken, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// SetUserDisabled disables or enables an account; disabling ends its sessions.
func (db *DB) SetUserDisabled(ctx context.Context, userID int64, disabled bool, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, userID)
		if err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("error.not_found")
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		return db.appendAudit(ctx, tx, e)
	})
}
