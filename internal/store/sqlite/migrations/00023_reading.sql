-- +goose Up
-- The reading list (issue 14): feeds of other bodies' advisories (JPCERT/CC,
-- IPA, …) followed for the whole installation, each fetched by a recurring
-- job (gen names the job: a key stays taken once its job is done, so a
-- feed enabled again draws the next), and their items, once per feed and
-- stable id (guid), updated in place when their title or date changes.
CREATE TABLE reading_feeds (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    url            TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    every_seconds  INTEGER NOT NULL DEFAULT 3600,
    enabled        INTEGER NOT NULL DEFAULT 1,
    gen            INTEGER NOT NULL DEFAULT 1,
    created_by     INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    title          TEXT    NOT NULL DEFAULT '',  -- what the feed calls itself
    etag           TEXT    NOT NULL DEFAULT '',
    last_modified  TEXT    NOT NULL DEFAULT '',
    checked_at     INTEGER NOT NULL DEFAULT 0,
    ok_at          INTEGER NOT NULL DEFAULT 0,
    next_at        INTEGER NOT NULL DEFAULT 0,
    status         INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT    NOT NULL DEFAULT '',  -- a catalog key and detail (locale.Keyed)
    failures       INTEGER NOT NULL DEFAULT 0,   -- in a row
    dropped        TEXT    NOT NULL DEFAULT '[]', -- items the last fetch left out, JSON
    dropped_count  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX reading_feeds_url ON reading_feeds(url);

CREATE TABLE reading_items (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER NOT NULL REFERENCES reading_feeds(id) ON DELETE CASCADE,
    guid          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    link          TEXT    NOT NULL DEFAULT '',
    summary       TEXT    NOT NULL DEFAULT '',
    lang          TEXT    NOT NULL DEFAULT '',
    published_at  INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL DEFAULT 0,
    at            INTEGER NOT NULL,              -- its place in the list, newest first
    first_seen_at INTEGER NOT NULL,
    changed_at    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX reading_items_guid ON reading_items(feed_id, guid);
CREATE INDEX reading_items_newest ON reading_items(at, id);
CREATE INDEX reading_items_feed ON reading_items(feed_id, at, id);

-- +goose Down
DROP TABLE reading_items;
DROP TABLE reading_feeds;
