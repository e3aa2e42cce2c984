-- +goose Up
-- An administrator who resets an officer's password hands over a one-time
-- password: the officer must choose their own before doing anything else,
-- so that the administrator never knows the password in use.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN must_change_password;
