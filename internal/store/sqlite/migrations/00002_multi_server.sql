-- +goose Up
-- Rate limits shared by every koban process on one database (token buckets).
CREATE TABLE rate_limits (
    key        TEXT    PRIMARY KEY,
    tokens     REAL    NOT NULL,
    allowed    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Background jobs: the schedule is a column; a process runs a job only if
-- its UPDATE moved next_run_at forward, so each run happens once.
CREATE TABLE jobs (
    name        TEXT    PRIMARY KEY,
    next_run_at INTEGER NOT NULL,
    last_run_by TEXT    NOT NULL DEFAULT ''
) STRICT;

-- +goose Down
DROP TABLE jobs;
DROP TABLE rate_limits;
