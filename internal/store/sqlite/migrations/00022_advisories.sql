-- +goose Up
-- Advisories to the public (issue 14): the working copy an officer edits
-- (advisories) and every version published (advisory_versions), which is
-- all the public reads. number is the stable public id.
CREATE TABLE advisories (
    id            INTEGER PRIMARY KEY,
    number        TEXT    NOT NULL DEFAULT '',
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    state         TEXT    NOT NULL,
    tlp           TEXT    NOT NULL,
    title_ja      TEXT    NOT NULL,
    title_en      TEXT    NOT NULL DEFAULT '',
    summary_ja    TEXT    NOT NULL,
    summary_en    TEXT    NOT NULL DEFAULT '',
    body_ja       TEXT    NOT NULL,
    body_en       TEXT    NOT NULL DEFAULT '',
    author_id     INTEGER REFERENCES users(id),
    reviewer_id   INTEGER REFERENCES users(id),
    review_note   TEXT    NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    published_at  INTEGER NOT NULL DEFAULT 0,
    revised_at    INTEGER NOT NULL DEFAULT 0,
    withdrawn_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX advisories_org ON advisories(org_id, updated_at);

CREATE TABLE advisory_versions (
    advisory_id   INTEGER NOT NULL REFERENCES advisories(id),
    version       INTEGER NOT NULL,
    tlp           TEXT    NOT NULL,
    title_ja      TEXT    NOT NULL,
    title_en      TEXT    NOT NULL DEFAULT '',
    summary_ja    TEXT    NOT NULL,
    summary_en    TEXT    NOT NULL DEFAULT '',
    body_ja       TEXT    NOT NULL,
    body_en       TEXT    NOT NULL DEFAULT '',
    published_by  INTEGER REFERENCES users(id),
    revised_at    INTEGER NOT NULL,
    PRIMARY KEY (advisory_id, version)
);

-- +goose Down
DROP TABLE advisory_versions;
DROP TABLE advisories;
