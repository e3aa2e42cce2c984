-- +goose Up
-- The PostgreSQL twin of sqlite/migrations/00024_takedown_case.sql: the
-- case a takedown request belongs to, when it belongs to one.
ALTER TABLE takedown_requests ADD COLUMN case_id BIGINT REFERENCES cases(id);
CREATE INDEX takedown_requests_case ON takedown_requests(case_id, id) WHERE case_id IS NOT NULL;

-- +goose Down
DROP INDEX takedown_requests_case;
ALTER TABLE takedown_requests DROP COLUMN case_id;
