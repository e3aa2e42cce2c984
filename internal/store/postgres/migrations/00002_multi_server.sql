-- +goose Up
-- Rate limits shared by every koban process on one database (token buckets).
CREATE TABLE rate_limits (
    key        TEXT             PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    allowed    BOOLEAN          NOT NULL,
    updated_at BIGINT           NOT NULL
);

-- Background jobs: the schedule is a column; a process runs a job only if
-- its UPDATE moved next_run_at forward, so each run happens once.
CREATE TABLE jobs (
    name        TEXT   PRIMARY KEY,
    next_run_at BIGINT NOT NULL,
    last_run_by TEXT   NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE jobs;
DROP TABLE rate_limits;
