-- +goose Up
-- How many members each cluster gained in each hour, so that "grown in the
-- last week" reads at most 169 rows of one cluster instead of counting its
-- members one by one: a campaign that gains a hundred thousand reports in
-- a week made every report page of it count them all. Kept by the indexer
-- beside cluster_members (a merge adds the merged cluster's hours to the
-- survivor's); the index on cluster_members(at) that the count used goes.
CREATE TABLE cluster_growth (
    cluster_id INTEGER NOT NULL,
    hour       INTEGER NOT NULL, -- at / 3,600,000,000 (microseconds since 1970, UTC)
    members    INTEGER NOT NULL,
    PRIMARY KEY (cluster_id, hour)
) STRICT, WITHOUT ROWID;
CREATE INDEX cluster_growth_hour ON cluster_growth(hour, cluster_id);
INSERT INTO cluster_growth (cluster_id, hour, members)
    SELECT cluster_id, at / 3600000000, COUNT(*) FROM cluster_members GROUP BY cluster_id, at / 3600000000;
DROP INDEX cluster_members_at;

-- +goose Down
CREATE INDEX cluster_members_at ON cluster_members(at);
DROP TABLE cluster_growth;
