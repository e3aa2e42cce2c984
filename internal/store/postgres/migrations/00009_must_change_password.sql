-- +goose Up
-- The PostgreSQL twin of sqlite/migrations/00009_must_change_password.sql:
-- after an administrator's reset, the officer must choose their own
-- password before doing anything else.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE users DROP COLUMN must_change_password;
