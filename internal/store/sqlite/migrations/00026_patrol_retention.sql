-- +goose Up
-- Patrol retention by tag and the disk-quota alarm (issue 13).
--
-- patrol_tag_retention: how long an organisation keeps the captures of its
-- items that carry a tag (闇バイト 30 days, 証拠保全 365). An item's own
-- retention_days comes first; among the tags of its organisation the
-- longest wins (evidence errs on keeping); else 90 days. A legal hold and
-- a finding that names a capture still keep it.
--
-- screenshot_size: the PNG's size, kept with each new capture so that the
-- quota counts screenshots too (captures from before say 0).
--
-- patrol_usage: the last measurement of what the kept captures take in the
-- file store (each file once), shared by every server, with the alarm
-- level it put in force (0, 80, 100 per cent of KOBAN_PATROL_QUOTA) so
-- that a crossing is logged once.
CREATE TABLE patrol_tag_retention (
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    tag    TEXT    NOT NULL,
    days   INTEGER NOT NULL,
    set_by INTEGER REFERENCES users(id),
    set_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, tag)
);

ALTER TABLE patrol_captures ADD COLUMN screenshot_size INTEGER NOT NULL DEFAULT 0;
-- The measurement reads each stored file once, from these indexes alone.
CREATE INDEX patrol_captures_sha256 ON patrol_captures(sha256, size);
CREATE INDEX patrol_captures_screenshot ON patrol_captures(screenshot_sha256, screenshot_size) WHERE screenshot_sha256 <> '';
-- The retention sweep asks of every old capture whether a finding names it.
CREATE INDEX patrol_findings_capture ON patrol_findings(capture_id);

CREATE TABLE patrol_usage (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    used_bytes  INTEGER NOT NULL,
    level       INTEGER NOT NULL,
    measured_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE patrol_usage;
DROP INDEX patrol_findings_capture;
DROP INDEX patrol_captures_screenshot;
DROP INDEX patrol_captures_sha256;
ALTER TABLE patrol_captures DROP COLUMN screenshot_size;
DROP TABLE patrol_tag_retention;
