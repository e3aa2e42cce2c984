-- +goose Up
-- The national observable index (see internal/correlate). Each distinct
-- value is stored once in observables; each record that holds it (a report
-- today; cases, intel records and samples later) has one row in
-- occurrences, carrying the record's organisation, TLP and time, so that
-- access can be applied when reading. Nothing caps how often a value occurs.
CREATE TABLE observables (
    id         INTEGER PRIMARY KEY,
    type       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    -- the number of records that hold the value, nationally
    records    INTEGER NOT NULL DEFAULT 0,
    -- the cluster every holder belongs to, once two records hold the value
    -- and it links them (not benign, not common); 0 otherwise
    cluster_id INTEGER NOT NULL DEFAULT 0,
    -- addresses (ipv4, ipv6, and a cidr's first address) as fixed-width hex,
    -- so that "which reported addresses lie in this range" is a range scan
    ip_key     TEXT    NOT NULL DEFAULT '',
    UNIQUE (type, value)
) STRICT;
CREATE INDEX observables_cluster ON observables(cluster_id) WHERE cluster_id <> 0;
CREATE INDEX observables_ip ON observables(type, ip_key) WHERE ip_key <> '';

CREATE TABLE occurrences (
    observable_id INTEGER NOT NULL REFERENCES observables(id),
    record_type   TEXT    NOT NULL,
    record_id     INTEGER NOT NULL,
    org_id        INTEGER NOT NULL,
    tlp           TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    PRIMARY KEY (record_type, record_id, observable_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX occurrences_observable ON occurrences(observable_id, at, org_id);

-- Clusters (campaigns): records joined through shared observables that are
-- neither on a warning list nor common. Kept up to date as records arrive.
CREATE TABLE clusters (
    id         INTEGER PRIMARY KEY,
    size       INTEGER NOT NULL,
    first_at   INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX clusters_size ON clusters(size DESC);

CREATE TABLE cluster_members (
    record_type TEXT    NOT NULL,
    record_id   INTEGER NOT NULL,
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id),
    org_id      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (record_type, record_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX cluster_members_cluster ON cluster_members(cluster_id, at);
CREATE INDEX cluster_members_at ON cluster_members(at);

-- Warning lists of benign values: koban's own and imported MISP lists.
-- entries is a JSON array of strings.
CREATE TABLE warninglists (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    source      TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    types       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    entries     TEXT    NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    updated_at  INTEGER NOT NULL
) STRICT;

-- An officer's request to the owning organisation for records they see only
-- as counts. Granting comes with case work; the request is recorded here.
CREATE TABLE access_requests (
    id               INTEGER PRIMARY KEY,
    observable_id    INTEGER NOT NULL REFERENCES observables(id),
    owner_org_id     INTEGER NOT NULL REFERENCES orgs(id),
    requester_id     INTEGER NOT NULL REFERENCES users(id),
    requester_org_id INTEGER NOT NULL REFERENCES orgs(id),
    reason           TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    created_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX access_requests_owner ON access_requests(owner_org_id, status, created_at);

-- The reports' observables move into the index as they are.
INSERT INTO observables (type, value, first_seen, last_seen, records)
    SELECT ro.type, ro.value, MIN(r.created_at), MAX(r.created_at), COUNT(*)
    FROM report_observables ro JOIN reports r ON r.id = ro.report_id
    GROUP BY ro.type, ro.value;
INSERT INTO occurrences (observable_id, record_type, record_id, org_id, tlp, at)
    SELECT o.id, 'report', r.id, r.org_id, 'amber', r.created_at
    FROM report_observables ro JOIN reports r ON r.id = ro.report_id
    JOIN observables o ON o.type = ro.type AND o.value = ro.value;
DROP TABLE report_observables;
-- Clusters are built by koban at its next start from the index above.
INSERT INTO jobs (name, next_run_at) SELECT 'clusters.rebuild', 0 WHERE EXISTS (SELECT 1 FROM occurrences);

-- +goose Down
CREATE TABLE report_observables (
    report_id INTEGER NOT NULL REFERENCES reports(id),
    type      TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    PRIMARY KEY (report_id, type, value)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_observables_value ON report_observables(type, value);
INSERT INTO report_observables (report_id, type, value)
    SELECT oc.record_id, o.type, o.value FROM occurrences oc JOIN observables o ON o.id = oc.observable_id
    WHERE oc.record_type = 'report';
DELETE FROM jobs WHERE name = 'clusters.rebuild';
DROP TABLE access_requests;
DROP TABLE warninglists;
DROP TABLE cluster_members;
DROP TABLE clusters;
DROP TABLE occurrences;
DROP TABLE observables;
