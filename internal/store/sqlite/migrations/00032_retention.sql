-- +goose Up
-- Retention (issue 19): legal hold on a case, tombstones of what retention
-- deleted, and the checkpoints audit pruning leaves behind.
--
-- A case on legal hold keeps everything under it (its reports, evidence,
-- notes) whatever the retention policy says; who set it, when and why is
-- kept with it (and in the timeline and the audit log).
ALTER TABLE cases ADD COLUMN hold        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN hold_reason TEXT    NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN hold_by     INTEGER REFERENCES users(id);
ALTER TABLE cases ADD COLUMN hold_at     INTEGER NOT NULL DEFAULT 0;

-- One row per record retention deleted: the SHA-256 of the row's canonical
-- content (every column, by name, as JSON), so that an exported or backed
-- up copy of the row can later be shown to be the one deleted.
CREATE TABLE retention_tombstones (
    id             INTEGER PRIMARY KEY,
    record_type    TEXT    NOT NULL,  -- report, case, evidence, patrol_capture
    record_id      INTEGER NOT NULL,
    row_hash       TEXT    NOT NULL,
    rule           TEXT    NOT NULL,  -- the policy rule that applied, e.g. report.相談
    policy_version TEXT    NOT NULL,
    deleted_at     INTEGER NOT NULL,
    UNIQUE (record_type, record_id)
) STRICT;
CREATE INDEX retention_tombstones_deleted ON retention_tombstones(deleted_at);

-- The audit log's pruned prefix: rows up to last_id went, and the first
-- row left must name last_hash as its previous hash.
CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY,
    last_id    INTEGER NOT NULL UNIQUE,
    last_hash  TEXT    NOT NULL,
    last_at    INTEGER NOT NULL,  -- the time of the last pruned row
    pruned     INTEGER NOT NULL,  -- how many rows this pruning removed
    created_at INTEGER NOT NULL
) STRICT;

-- The append-only rules stay, with one way through each: an audit row goes
-- only once a checkpoint covers it, an evidence item and its custody log
-- only once its tombstone is written (both in retention's transaction).
DROP TRIGGER audit_log_no_delete;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_checkpoints WHERE last_id >= OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
DROP TRIGGER case_evidence_no_delete;
-- +goose StatementBegin
CREATE TRIGGER case_evidence_no_delete BEFORE DELETE ON case_evidence
WHEN NOT EXISTS (SELECT 1 FROM retention_tombstones WHERE record_type = 'evidence' AND record_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'case_evidence is append-only');
END;
-- +goose StatementEnd
DROP TRIGGER evidence_custody_no_delete;
-- +goose StatementBegin
CREATE TRIGGER evidence_custody_no_delete BEFORE DELETE ON evidence_custody
WHEN NOT EXISTS (SELECT 1 FROM retention_tombstones WHERE record_type = 'evidence' AND record_id = OLD.evidence_id)
BEGIN
    SELECT RAISE(ABORT, 'evidence_custody is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER evidence_custody_no_delete;
-- +goose StatementBegin
CREATE TRIGGER evidence_custody_no_delete BEFORE DELETE ON evidence_custody
BEGIN
    SELECT RAISE(ABORT, 'evidence_custody is append-only');
END;
-- +goose StatementEnd
DROP TRIGGER case_evidence_no_delete;
-- +goose StatementBegin
CREATE TRIGGER case_evidence_no_delete BEFORE DELETE ON case_evidence
BEGIN
    SELECT RAISE(ABORT, 'case_evidence is append-only');
END;
-- +goose StatementEnd
DROP TRIGGER audit_log_no_delete;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
DROP TABLE audit_checkpoints;
DROP TABLE retention_tombstones;
ALTER TABLE cases DROP COLUMN hold_at;
ALTER TABLE cases DROP COLUMN hold_by;
ALTER TABLE cases DROP COLUMN hold_reason;
ALTER TABLE cases DROP COLUMN hold;
