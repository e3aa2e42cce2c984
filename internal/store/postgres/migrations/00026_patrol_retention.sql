-- +goose Up
-- The PostgreSQL twin of sqlite/migrations/00026_patrol_retention.sql:
-- retention by tag, the screenshot's size, the last usage measurement.
CREATE TABLE patrol_tag_retention (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    tag    TEXT   NOT NULL,
    days   BIGINT NOT NULL,
    set_by BIGINT REFERENCES users(id),
    set_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, tag)
);

ALTER TABLE patrol_captures ADD COLUMN screenshot_size BIGINT NOT NULL DEFAULT 0;
CREATE INDEX patrol_captures_sha256 ON patrol_captures(sha256, size);
CREATE INDEX patrol_captures_screenshot ON patrol_captures(screenshot_sha256, screenshot_size) WHERE screenshot_sha256 <> '';
CREATE INDEX patrol_findings_capture ON patrol_findings(capture_id);

CREATE TABLE patrol_usage (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    used_bytes  BIGINT NOT NULL,
    level       BIGINT NOT NULL,
    measured_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE patrol_usage;
DROP INDEX patrol_findings_capture;
DROP INDEX patrol_captures_screenshot;
DROP INDEX patrol_captures_sha256;
ALTER TABLE patrol_captures DROP COLUMN screenshot_size;
DROP TABLE patrol_tag_retention;
