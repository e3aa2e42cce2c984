-- +goose Up
-- The database's identity: a random id made the first time koban opens the
-- database and written beside it in the data folder (koban.id), so that a
-- server notices when the database it was given is not the one its evidence
-- files belong to (deleted and recreated, or swapped for another). One row.
-- koban migrate-db copies it: the PostgreSQL copy is the same database.
CREATE TABLE instance (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    database_id TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE instance;
