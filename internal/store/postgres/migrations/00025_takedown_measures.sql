-- +goose Up
-- The PostgreSQL twin of sqlite/migrations/00025_takedown_measures.sql: a
-- measure's reason, and its answer as the officer records it.
ALTER TABLE takedown_requests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE takedown_requests ADD COLUMN resolved_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE takedown_requests ADD COLUMN outcome_note TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE takedown_requests DROP COLUMN outcome_note;
ALTER TABLE takedown_requests DROP COLUMN resolved_at;
ALTER TABLE takedown_requests DROP COLUMN reason;
