-- +goose Up
-- The job queue (issue 13; the table jobs of 00002 holds the schedules of
-- the periodic jobs one server runs at a time): work done once across servers, one row per
-- item (a mail to send, a page to watch, a request to re-check), each
-- claimed under a lease so that a server that dies mid-job loses it to the
-- next claim, retried with back-off, and given up ("dead") after its
-- attempts; every attempt recorded. key, when not empty, makes a job
-- unique within its kind (a watch item's recurring check).
CREATE TABLE job_queue (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    key          TEXT    NOT NULL DEFAULT '',
    payload      TEXT    NOT NULL DEFAULT '{}',
    state        TEXT    NOT NULL DEFAULT 'ready', -- ready | running | done | dead
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 10,
    leased_by    TEXT    NOT NULL DEFAULT '',
    leased_at    INTEGER NOT NULL DEFAULT 0,
    lease_until  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX job_queue_kind_key ON job_queue(kind, key) WHERE key <> '';
CREATE INDEX job_queue_due ON job_queue(run_at, id) WHERE state = 'ready';
CREATE INDEX job_queue_leases ON job_queue(lease_until) WHERE state = 'running';

CREATE TABLE job_attempts (
    id          INTEGER PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES job_queue(id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    run_by      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    error       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX job_attempts_job ON job_attempts(job_id, attempt);

-- +goose Down
DROP TABLE job_attempts;
DROP TABLE job_queue;
