-- +goose Up
-- Passkeys (issue 19): WebAuthn credentials registered as a second factor
-- beside TOTP, and the challenges of ceremonies under way. Binary values
-- (credential id, public key, AAGUID) are kept as base64url text.
CREATE TABLE passkeys (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id    TEXT    NOT NULL UNIQUE,
    public_key       TEXT    NOT NULL,          -- COSE key
    sign_count       INTEGER NOT NULL DEFAULT 0,
    transports       TEXT    NOT NULL DEFAULT '', -- comma-separated: internal,usb,...
    aaguid           TEXT    NOT NULL DEFAULT '',
    attestation      TEXT    NOT NULL DEFAULT 'none',
    user_present     INTEGER NOT NULL DEFAULT 0,
    user_verified    INTEGER NOT NULL DEFAULT 0,
    backup_eligible  INTEGER NOT NULL DEFAULT 0,
    backup_state     INTEGER NOT NULL DEFAULT 0,
    name             TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX passkeys_user ON passkeys(user_id);

-- One ceremony (registration or sign-in) at a time per session: the
-- go-webauthn session data, taken (deleted) when the answer comes.
CREATE TABLE passkey_challenges (
    session_hash  TEXT    PRIMARY KEY REFERENCES sessions(id_hash) ON DELETE CASCADE,
    purpose       TEXT    NOT NULL,  -- register, login
    data          TEXT    NOT NULL,  -- JSON of webauthn.SessionData
    expires_at    INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE passkey_challenges;
DROP TABLE passkeys;
