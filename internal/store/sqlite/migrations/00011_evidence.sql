-- +goose Up
-- Evidence of a case (issue 11, part 4): files stored by SHA-256 in the file
-- store (files/aa/bb/<sha256>), and physical items (seized devices) with no
-- file. Each item has a chain-of-custody log. Neither table can be changed
-- or emptied: the database refuses UPDATE and DELETE on both, as it does on
-- audit_log, so that what was collected, from whom, and who held, viewed,
-- downloaded or verified it stays as it was written.

CREATE TABLE case_evidence (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    kind          TEXT    NOT NULL,            -- file | physical
    name          TEXT    NOT NULL,            -- the file's name as uploaded, or what the item is
    description   TEXT    NOT NULL DEFAULT '',
    sha256        TEXT    NOT NULL DEFAULT '', -- files only
    size          INTEGER NOT NULL DEFAULT 0,  -- files only, in bytes
    serial        TEXT    NOT NULL DEFAULT '', -- physical items: serial number, IMEI
    collected_by  TEXT    NOT NULL DEFAULT '', -- who collected or seized it
    received_from TEXT    NOT NULL DEFAULT '', -- from whom
    collected_at  INTEGER NOT NULL DEFAULT 0,
    added_by      INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX case_evidence_case ON case_evidence(case_id, id);
CREATE INDEX case_evidence_sha256 ON case_evidence(sha256) WHERE sha256 <> '';

-- One row per thing that happened to an item: collected, received,
-- handed over, returned, stored (moved), viewed, downloaded, exported,
-- verified, verification failed. actor_id is NULL for koban itself
-- (koban evidence verify).
CREATE TABLE evidence_custody (
    id          INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES case_evidence(id),
    at          INTEGER NOT NULL,
    actor_id    INTEGER REFERENCES users(id),
    action      TEXT    NOT NULL,
    party       TEXT    NOT NULL DEFAULT '', -- received from, handed to, returned to
    location    TEXT    NOT NULL DEFAULT '', -- where it is kept from now on
    note        TEXT    NOT NULL DEFAULT '',
    sha256      TEXT    NOT NULL DEFAULT ''  -- a verification: the SHA-256 found ('' when the file is missing)
) STRICT;
CREATE INDEX evidence_custody_item ON evidence_custody(evidence_id, id);

-- +goose StatementBegin
CREATE TRIGGER case_evidence_no_update BEFORE UPDATE ON case_evidence
BEGIN
    SELECT RAISE(ABORT, 'case_evidence is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER case_evidence_no_delete BEFORE DELETE ON case_evidence
BEGIN
    SELECT RAISE(ABORT, 'case_evidence is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER evidence_custody_no_update BEFORE UPDATE ON evidence_custody
BEGIN
    SELECT RAISE(ABORT, 'evidence_custody is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER evidence_custody_no_delete BEFORE DELETE ON evidence_custody
BEGIN
    SELECT RAISE(ABORT, 'evidence_custody is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE evidence_custody;
DROP TABLE case_evidence;
