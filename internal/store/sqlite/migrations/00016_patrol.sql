-- +goose Up
-- Cyber patrol (issue 13): watch items (a URL, a domain or an account
-- page fetched on a schedule; a phrase or a regular expression matched in
-- every capture of the owner's line), the hosts koban fetches from (the
-- politeness shared by every server: when the next request may go, the
-- robots.txt last read), and captures: each fetch kept as evidence (the
-- body by SHA-256 in the file store, headers, redirects, when, how),
-- never changed once written.
CREATE TABLE patrol_items (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES orgs(id),
    kind            TEXT    NOT NULL,            -- url | domain | account | phrase | regex
    target          TEXT    NOT NULL,            -- the URL fetched, or the phrase or expression matched
    label           TEXT    NOT NULL DEFAULT '',
    tags            TEXT    NOT NULL DEFAULT '', -- space-separated
    every_seconds   INTEGER NOT NULL DEFAULT 86400,
    profile         TEXT    NOT NULL DEFAULT 'default', -- default | covert
    enabled         INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_checked_at INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    last_sha256     TEXT    NOT NULL DEFAULT '',
    retention_days  INTEGER NOT NULL DEFAULT 0,   -- captures no finding names go after this; 0: 90 days
    hold            INTEGER NOT NULL DEFAULT 0  -- legal hold: none of its captures goes
);
CREATE UNIQUE INDEX patrol_items_target ON patrol_items(org_id, kind, target);

CREATE TABLE patrol_hosts (
    host          TEXT    PRIMARY KEY,
    next_at       INTEGER NOT NULL DEFAULT 0,   -- no request before this
    delay_ms      INTEGER NOT NULL DEFAULT 1000,
    robots        TEXT    NOT NULL DEFAULT '',
    robots_status INTEGER NOT NULL DEFAULT 0,   -- 0: not read yet; the HTTP status; -1: unreachable
    robots_at     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE patrol_captures (
    id                INTEGER PRIMARY KEY,
    item_id           INTEGER NOT NULL REFERENCES patrol_items(id),
    org_id            INTEGER NOT NULL REFERENCES orgs(id),
    url               TEXT    NOT NULL,
    final_url         TEXT    NOT NULL,
    status            INTEGER NOT NULL,
    content_type      TEXT    NOT NULL DEFAULT '',
    headers           TEXT    NOT NULL DEFAULT '{}',
    redirects         TEXT    NOT NULL DEFAULT '[]',
    sha256            TEXT    NOT NULL,
    screenshot_sha256 TEXT    NOT NULL DEFAULT '', -- the page rendered offline by headless chromium; '' without one
    size              INTEGER NOT NULL,
    profile           TEXT    NOT NULL,
    user_agent        TEXT    NOT NULL,
    route             TEXT    NOT NULL,          -- direct | proxy
    fetched_at        INTEGER NOT NULL,
    duration_ms       INTEGER NOT NULL,
    changed           INTEGER NOT NULL            -- the body differs from the item's previous capture
);
CREATE INDEX patrol_captures_item ON patrol_captures(item_id, fetched_at);
CREATE INDEX patrol_captures_org ON patrol_captures(org_id, fetched_at);
-- +goose StatementBegin
CREATE TRIGGER patrol_captures_no_update BEFORE UPDATE ON patrol_captures
BEGIN
    SELECT RAISE(ABORT, 'patrol_captures are evidence: never changed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE patrol_captures;
DROP TABLE patrol_hosts;
DROP TABLE patrol_items;
