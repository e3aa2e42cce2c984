-- +goose Up
-- Single sign-on by OpenID Connect (issue 19): an account made or used by
-- a sign-in through the identity provider is linked by the provider's
-- (issuer, subject), never by e-mail, so that an address changed at the
-- provider does not make a second account.
CREATE TABLE oidc_links (
    issuer         TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    user_id        INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    email          TEXT    NOT NULL DEFAULT '',  -- as the provider last gave it
    created_at     INTEGER NOT NULL,
    last_login_at  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (issuer, subject)
) STRICT;

-- A sign-in on its way through the provider: the browser holds a random
-- binding in a cookie, koban its hash with the state, the nonce and the
-- PKCE verifier the callback must match. Each row is taken once.
CREATE TABLE oidc_flows (
    id_hash       TEXT    PRIMARY KEY,
    state         TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    verifier      TEXT    NOT NULL,
    redirect_url  TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX oidc_flows_expires ON oidc_flows(expires_at);

-- +goose Down
DROP TABLE oidc_flows;
DROP TABLE oidc_links;
