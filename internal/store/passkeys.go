package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// Passkeys (WebAuthn credentials): binary values are kept as base64url text
// so that both databases and the copy between them treat them alike.

var b64 = base64.RawURLEncoding

const passkeyCols = `id, user_id, credential_id, public_key, sign_count, transports, aaguid, attestation, user_present, user_verified,
	backup_eligible, backup_state, name, created_at, last_used_at`

func scanPasskey(s scanner) (auth.Passkey, error) {
	var p auth.Passkey
	var credID, pub, transports, aaguid string
	var count, created, used int64
	err := s.Scan(&p.ID, &p.UserID, &credID, &pub, &count, &transports, &aaguid, &p.Attestation, &p.UserPresent, &p.UserVerified,
		&p.BackupEligible, &p.BackupState, &p.Name, &created, &used)
	if err != nil {
		return p, err
	}
	if p.CredentialID, err = b64.DecodeString(credID); err != nil {
		return p, fmt.Errorf("passkey %d: credential id: %w", p.ID, err)
	}
	if p.PublicKey, err = b64.DecodeString(pub); err != nil {
		return p, fmt.Errorf("passkey %d: public key: %w", p.ID, err)
	}
	if p.AAGUID, err = b64.DecodeString(aaguid); err != nil {
		return p, fmt.Errorf("passkey %d: aaguid: %w", p.ID, err)
	}
	if transports != "" {
		p.Transports = strings.Split(transports, ",")
	}
	p.SignCount, p.CreatedAt, p.LastUsedAt = uint32(count), tm(created), tm(used)
	return p, nil
}

// Passkeys lists a user's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, userID int64) ([]auth.Passkey, error) {
	out, err := collect(ctx, db.read, scanPasskey, `SELECT `+passkeyCols+` FROM passkeys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	return out, nil
}

// AddPasskey stores a newly registered passkey with its audit entry (its
// object id becomes the passkey's). A credential id already registered
// is an Invalid error on "name".
func (db *DB) AddPasskey(ctx context.Context, p *auth.Passkey, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, transports, aaguid, attestation,
			user_present, user_verified, backup_eligible, backup_state, name, created_at, last_used_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			p.UserID, b64.EncodeToString(p.CredentialID), b64.EncodeToString(p.PublicKey), int64(p.SignCount), strings.Join(p.Transports, ","),
			b64.EncodeToString(p.AAGUID), p.Attestation, p.UserPresent, p.UserVerified, p.BackupEligible, p.BackupState, p.Name,
			ts(p.CreatedAt), ts(p.LastUsedAt)).Scan(&p.ID)
		if isUnique(err) {
			return koban.FieldError("name", "auth.error.passkey_known")
		}
		if err != nil {
			return fmt.Errorf("add passkey: %w", err)
		}
		e.ObjectType, e.ObjectID = "passkey", strconv.FormatInt(p.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// RemovePasskey deletes one of the user's passkeys with its audit entry; a
// passkey that is not the user's is NotFound.
func (db *DB) RemovePasskey(ctx context.Context, userID, id int64, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return fmt.Errorf("remove passkey: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("error.not_found")
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// UsePasskey records a sign-in with the passkey: the new signature counter,
// the flags the authenticator reported and when. It reports false, changing
// nothing, when the stored counter has meanwhile reached count (two
// sign-ins racing with one counter value: a clone).
func (db *DB) UsePasskey(ctx context.Context, id int64, count uint32, backupState, userVerified bool, at time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE passkeys SET sign_count = ?, backup_state = ?, user_verified = ?, last_used_at = ?
		WHERE id = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))`,
		int64(count), backupState, userVerified, ts(at), id, int64(count), int64(count))
	if err != nil {
		return false, fmt.Errorf("use passkey: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PutPasskeyChallenge keeps the state of a WebAuthn ceremony for the
// session, replacing any earlier one of that session (one at a time), and
// forgets every challenge that has expired.
func (db *DB) PutPasskeyChallenge(ctx context.Context, sessionHash, purpose, data string, expires, now time.Time) error {
	return db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM passkey_challenges WHERE session_hash = ? OR expires_at <= ?`, sessionHash, ts(now)); err != nil {
			return fmt.Errorf("clear passkey challenges: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO passkey_challenges (session_hash, purpose, data, expires_at) VALUES (?,?,?,?)`,
			sessionHash, purpose, data, ts(expires)); err != nil {
			return fmt.Errorf("store passkey challenge: %w", err)
		}
		return nil
	})
}

// TakePasskeyChallenge removes and returns the session's ceremony state for
// purpose: a challenge answers once. None, another purpose's, or an
// expired one is NotFound.
func (db *DB) TakePasskeyChallenge(ctx context.Context, sessionHash, purpose string, now time.Time) (string, error) {
	var data, got string
	var expires int64
	err := db.write.QueryRowContext(ctx, `DELETE FROM passkey_challenges WHERE session_hash = ? RETURNING purpose, data, expires_at`,
		sessionHash).Scan(&got, &data, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("auth.error.passkey_challenge")
	}
	if err != nil {
		return "", fmt.Errorf("take passkey challenge: %w", err)
	}
	if got != purpose || !tm(expires).After(now) {
		return "", notFound("auth.error.passkey_challenge")
	}
	return data, nil
}
