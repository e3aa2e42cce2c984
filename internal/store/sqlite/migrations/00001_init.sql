-- +goose Up
-- Times are INTEGER microseconds since the Unix epoch, UTC: they sort, compare
-- and port to PostgreSQL (BIGINT) without format questions.

CREATE TABLE orgs (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    parent_id    INTEGER REFERENCES orgs(id),
    kind         TEXT    NOT NULL,
    name_ja      TEXT    NOT NULL,
    name_en      TEXT    NOT NULL,
    prefecture   TEXT    NOT NULL DEFAULT '',
    require_totp INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL DEFAULT '',
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    role           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    totp_secret    TEXT    NOT NULL DEFAULT '',
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id_hash      TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stage        TEXT    NOT NULL,
    pending      TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE reports (
    id                INTEGER PRIMARY KEY,
    receipt           TEXT    NOT NULL UNIQUE,
    token_hash        TEXT    NOT NULL UNIQUE,
    kind              TEXT    NOT NULL,
    category          TEXT    NOT NULL DEFAULT '',
    reported_category TEXT    NOT NULL DEFAULT '',
    description       TEXT    NOT NULL,
    occurred_at       INTEGER NOT NULL DEFAULT 0,
    prefecture        TEXT    NOT NULL DEFAULT '',
    org_id            INTEGER NOT NULL REFERENCES orgs(id),
    amount_jpy        INTEGER NOT NULL DEFAULT 0,
    money_sent_at     INTEGER NOT NULL DEFAULT 0,
    freeze_deadline   INTEGER NOT NULL DEFAULT 0,
    urgent            INTEGER NOT NULL DEFAULT 0,
    status            TEXT    NOT NULL,
    close_reason      TEXT    NOT NULL DEFAULT '',
    duplicate_of      INTEGER REFERENCES reports(id),
    assignee_id       INTEGER REFERENCES users(id),
    contact_name      TEXT    NOT NULL DEFAULT '',
    contact_email     TEXT    NOT NULL DEFAULT '',
    contact_phone     TEXT    NOT NULL DEFAULT '',
    consent           INTEGER NOT NULL DEFAULT 0,
    language          TEXT    NOT NULL,
    source            TEXT    NOT NULL,
    submitted_by      INTEGER REFERENCES users(id),
    external_id       TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_queue ON reports(org_id, status, urgent DESC, created_at DESC);
CREATE INDEX reports_created ON reports(created_at);

CREATE TABLE report_files (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES reports(id),
    sha256       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    added_by     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX report_files_report ON report_files(report_id);

CREATE TABLE report_messages (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    author     TEXT    NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX report_messages_report ON report_messages(report_id);

CREATE TABLE report_observables (
    report_id INTEGER NOT NULL REFERENCES reports(id),
    type      TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    PRIMARY KEY (report_id, type, value)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_observables_value ON report_observables(type, value);

-- The audit log is append-only: rows are hash-chained and the database
-- refuses to change or remove them.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0,
    actor       TEXT    NOT NULL,
    org_id      INTEGER NOT NULL DEFAULT 0,
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL DEFAULT '',
    object_id   TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT '',
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_object ON audit_log(object_type, object_id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_log;
DROP TABLE report_observables;
DROP TABLE report_messages;
DROP TABLE report_files;
DROP TABLE reports;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE orgs;
