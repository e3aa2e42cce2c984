-- +goose Up
-- Cases (issue 11): an investigation opened from reports or directly. Reports
-- are linked (case_reports), never copied, so the national index counts each
-- report once whatever the cases that hold it.

-- The last sequence number drawn per prefix ("2026-13"): case numbers are
-- "<prefix>-<sequence>", said on the phone, unique.
CREATE TABLE case_numbers (
    prefix TEXT    PRIMARY KEY,
    last   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE cases (
    id           INTEGER PRIMARY KEY,
    number       TEXT    NOT NULL UNIQUE,
    title        TEXT    NOT NULL,
    summary      TEXT    NOT NULL DEFAULT '',
    category     TEXT    NOT NULL,
    law          TEXT    NOT NULL,
    severity     TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    close_reason TEXT    NOT NULL DEFAULT '',
    org_id       INTEGER NOT NULL REFERENCES orgs(id),
    lead_id      INTEGER REFERENCES users(id),
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX cases_updated ON cases(updated_at DESC, id DESC);
CREATE INDEX cases_org ON cases(org_id, updated_at DESC, id DESC);
CREATE INDEX cases_lead ON cases(lead_id) WHERE lead_id IS NOT NULL;

CREATE TABLE case_members (
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    user_id  INTEGER NOT NULL REFERENCES users(id),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_members_user ON case_members(user_id, case_id);

CREATE TABLE case_reports (
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    report_id INTEGER NOT NULL REFERENCES reports(id),
    linked_by INTEGER REFERENCES users(id),
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_reports_report ON case_reports(report_id, case_id);

-- A task from a category checklist names its text by a catalog key
-- (template_key) and has no title of its own.
CREATE TABLE case_tasks (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    title        TEXT    NOT NULL DEFAULT '',
    template_key TEXT    NOT NULL DEFAULT '',
    assignee_id  INTEGER REFERENCES users(id),
    due_at       INTEGER NOT NULL DEFAULT 0,
    status       TEXT    NOT NULL,
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    done_by      INTEGER REFERENCES users(id),
    done_at      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX case_tasks_case ON case_tasks(case_id, id);
CREATE INDEX case_tasks_assignee ON case_tasks(assignee_id, status, due_at) WHERE assignee_id IS NOT NULL;

CREATE TABLE case_notes (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    author_id  INTEGER NOT NULL REFERENCES users(id),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX case_notes_case ON case_notes(case_id, id);

-- The timeline: one typed row per thing that happened to a case, written in
-- the transaction of the change. ref_id names the report, task, note (or,
-- later, referral or evidence item) the entry is about.
CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES users(id),
    kind       TEXT    NOT NULL,
    ref_id     INTEGER NOT NULL DEFAULT 0,
    from_value TEXT    NOT NULL DEFAULT '',
    to_value   TEXT    NOT NULL DEFAULT '',
    reason     TEXT    NOT NULL DEFAULT '',
    text       TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX case_events_case ON case_events(case_id, at, id);

-- +goose Down
DROP TABLE case_events;
DROP TABLE case_notes;
DROP TABLE case_tasks;
DROP TABLE case_reports;
DROP TABLE case_members;
DROP TABLE cases;
DROP TABLE case_numbers;
