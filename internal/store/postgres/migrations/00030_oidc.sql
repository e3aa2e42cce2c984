-- +goose Up
-- The PostgreSQL twin of sqlite/migrations/00030_oidc.sql: accounts linked
-- to the identity provider's (issuer, subject), and sign-ins on their way.
CREATE TABLE oidc_links (
    issuer         TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    user_id        BIGINT  NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    email          TEXT    NOT NULL DEFAULT '',
    created_at     BIGINT  NOT NULL,
    last_login_at  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (issuer, subject)
);

CREATE TABLE oidc_flows (
    id_hash       TEXT    PRIMARY KEY,
    state         TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    verifier      TEXT    NOT NULL,
    redirect_url  TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX oidc_flows_expires ON oidc_flows(expires_at);

-- +goose Down
DROP TABLE oidc_flows;
DROP TABLE oidc_links;
