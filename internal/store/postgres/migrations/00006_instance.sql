-- +goose Up
-- The PostgreSQL twin of sqlite/migrations/00006_instance.sql: the
-- database's identity, one row, recorded beside it in the data folder
-- (koban.id) so that a server notices a database that is not the one its
-- evidence files belong to.
CREATE TABLE instance (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    database_id TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE instance;
