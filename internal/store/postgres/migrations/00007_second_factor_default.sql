-- +goose Up
-- The PostgreSQL twin of sqlite/migrations/00007_second_factor_default.sql:
-- police organisations require a second factor by default (an
-- administrator can relax it, audited); sessions keep the address they
-- signed in from.
UPDATE orgs SET require_totp = TRUE WHERE kind <> 'partner';
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sessions DROP COLUMN ip;
