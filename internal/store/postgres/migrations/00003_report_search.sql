-- +goose Up
-- The PostgreSQL twin of sqlite/migrations/00003_report_search.sql: one row
-- per report holding its normalised search text (see store/search.go), with
-- a trigram index so that text LIKE '%term%' uses it for terms of three
-- characters or more. pg_trgm is a trusted extension: the database owner
-- may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE report_search (
    report_id BIGINT PRIMARY KEY REFERENCES reports(id),
    text      TEXT   NOT NULL
);
CREATE INDEX report_search_text ON report_search USING gin (text gin_trgm_ops);

-- Reports stored before this migration get their rows from koban itself on
-- its next start (the normalisation is Go code, not SQL); this row asks for
-- that and is removed once it is done.
INSERT INTO jobs (name, next_run_at) SELECT 'search.backfill', 0 WHERE EXISTS (SELECT 1 FROM reports);

-- +goose Down
DELETE FROM jobs WHERE name = 'search.backfill';
DROP TABLE report_search;
