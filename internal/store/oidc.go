package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/sso"
)

// OIDCUser finds the account linked to the provider's (issuer, subject).
func (db *DB) OIDCUser(ctx context.Context, issuer, subject string) (*auth.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = (SELECT user_id FROM oidc_links WHERE issuer = ? AND subject = ?)`,
		issuer, subject))
}

// CreateOIDCUser stores a new account made by a sign-in through the
// provider (no password: u.PasswordHash is empty, which no password
// matches) and its link to (issuer, subject), with the audit entry, in one
// transaction. An e-mail already in use is an Invalid field error on
// "email"; a link already made, a Conflict.
func (db *DB) CreateOIDCUser(ctx context.Context, u *auth.User, issuer, subject string, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, org_id, role, password_hash, created_at) VALUES (?,?,?,?,?,?) RETURNING id`,
			u.Email, u.Name, u.OrgID, string(u.Role), "", ts(u.CreatedAt)).Scan(&u.ID)
		if isUnique(err) {
			return koban.FieldError("email", "auth.error.email_taken")
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO oidc_links (issuer, subject, user_id, email, created_at) VALUES (?,?,?,?,?)`,
			issuer, subject, u.ID, u.Email, ts(u.CreatedAt))
		if isUnique(err) {
			return koban.Errorf(koban.Conflict, "auth.oidc.error.retry")
		}
		if err != nil {
			return fmt.Errorf("link user: %w", err)
		}
		e.ObjectID = strconv.FormatInt(u.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// TouchOIDCLink records a sign-in through the provider on the link: when,
// and the e-mail address the provider gave this time.
func (db *DB) TouchOIDCLink(ctx context.Context, issuer, subject, email string, at time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE oidc_links SET email = ?, last_login_at = ? WHERE issuer = ? AND subject = ?`,
		email, ts(at), issuer, subject)
	if err != nil {
		return fmt.Errorf("touch oidc link: %w", err)
	}
	return nil
}

// CreateOIDCFlow stores a sign-in on its way through the provider, and
// removes those that ran out before now.
func (db *DB) CreateOIDCFlow(ctx context.Context, f sso.Flow) error {
	return db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_flows WHERE expires_at < ?`, ts(f.CreatedAt)); err != nil {
			return fmt.Errorf("drop old oidc flows: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_flows (id_hash, state, nonce, verifier, redirect_url, created_at, expires_at) VALUES (?,?,?,?,?,?,?)`,
			f.IDHash, f.State, f.Nonce, f.Verifier, f.RedirectURL, ts(f.CreatedAt), ts(f.ExpiresAt))
		if err != nil {
			return fmt.Errorf("create oidc flow: %w", err)
		}
		return nil
	})
}

// TakeOIDCFlow removes and returns the flow with that id hash: a callback
// uses it once. Nothing found is a NotFound error.
func (db *DB) TakeOIDCFlow(ctx context.Context, idHash string) (sso.Flow, error) {
	f := sso.Flow{IDHash: idHash}
	var c, e int64
	err := db.write.QueryRowContext(ctx, `DELETE FROM oidc_flows WHERE id_hash = ? RETURNING state, nonce, verifier, redirect_url, created_at, expires_at`, idHash).
		Scan(&f.State, &f.Nonce, &f.Verifier, &f.RedirectURL, &c, &e)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return sso.Flow{}, notFound("auth.oidc.error.expired")
		}
		return sso.Flow{}, fmt.Errorf("take oidc flow: %w", err)
	}
	f.CreatedAt, f.ExpiresAt = tm(c), tm(e)
	return f, nil
}

// SetUserEmail gives an account a new e-mail address, with the audit entry;
// an address in use by another account is an Invalid field error on "email".
func (db *DB) SetUserEmail(ctx context.Context, userID int64, email string, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET email = ? WHERE id = ?`, email, userID)
		if isUnique(err) {
			return koban.FieldError("email", "auth.error.email_taken")
		}
		if err != nil {
			return fmt.Errorf("set user email: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("error.not_found")
		}
		return db.appendAudit(ctx, tx, e)
	})
}
