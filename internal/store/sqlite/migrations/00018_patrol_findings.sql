-- +goose Up
-- Patrol findings (issue 13): a capture whose text the matcher flags,
-- with the category it suggests, the score, the hits (rule and where), the
-- values found in it (indexed nationally as record type "finding"), its
-- SimHash and the near-duplicate cluster it joined (cluster_id: the first
-- finding of the cluster; a head names itself). A finding starts "new";
-- an analyst confirms it or marks it a false positive.
CREATE TABLE patrol_findings (
    id          INTEGER PRIMARY KEY,
    capture_id  INTEGER NOT NULL REFERENCES patrol_captures(id),
    item_id     INTEGER NOT NULL REFERENCES patrol_items(id),
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    url         TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    score       REAL    NOT NULL,
    hits        TEXT    NOT NULL DEFAULT '[]',
    excerpt     TEXT    NOT NULL DEFAULT '',
    simhash     INTEGER NOT NULL,
    cluster_id  INTEGER NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL DEFAULT 'new',
    tlp         TEXT    NOT NULL DEFAULT 'amber',
    reviewed_by INTEGER REFERENCES users(id),
    reviewed_at INTEGER NOT NULL DEFAULT 0,
    review_note TEXT    NOT NULL DEFAULT '',
    report_id   INTEGER REFERENCES reports(id),      -- the report made of it, when one was
    created_at  INTEGER NOT NULL
);
CREATE INDEX patrol_findings_org ON patrol_findings(org_id, state, id);
CREATE INDEX patrol_findings_cluster ON patrol_findings(cluster_id);
CREATE INDEX patrol_findings_heads ON patrol_findings(category, id) WHERE cluster_id = id;

-- +goose Down
DROP TABLE patrol_findings;
