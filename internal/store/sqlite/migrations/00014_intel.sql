-- +goose Up
-- Intel exchange (issue 12): TLP on every record, intel objects imported
-- from partners' TAXII servers, MISP events, CSV feeds and files, the
-- sources they come from and each poll of them, sightings (a report that
-- holds a value an indicator names), and koban's own TAXII collections.

-- Every record carries a TLP 2.0 level; what exists is amber, as it was
-- written into the index. A partner organisation's submissions get its
-- default level.
ALTER TABLE reports ADD COLUMN tlp TEXT NOT NULL DEFAULT 'amber';
ALTER TABLE cluster_members ADD COLUMN tlp TEXT NOT NULL DEFAULT 'amber';
ALTER TABLE orgs ADD COLUMN default_tlp TEXT NOT NULL DEFAULT 'amber';

-- A source of intel: a partner's TAXII collection polled on a schedule, a
-- MISP or CSV feed, or files brought in by hand. What it brings is owned by
-- the police organisation that subscribed (org_id), with the partner named
-- as its source. The schedule is a column: a server runs a poll only when
-- its UPDATE moved next_run_at forward, so each poll happens once.
CREATE TABLE intel_sources (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    kind             TEXT    NOT NULL,            -- taxii | misp | csv | file
    org_id           INTEGER NOT NULL REFERENCES orgs(id),
    partner_org_id   INTEGER REFERENCES orgs(id),
    url              TEXT    NOT NULL DEFAULT '',
    collection       TEXT    NOT NULL DEFAULT '',
    username         TEXT    NOT NULL DEFAULT '',
    secret           TEXT    NOT NULL DEFAULT '',  -- never shown again, never logged
    settings         TEXT    NOT NULL DEFAULT '{}', -- kind-specific (a CSV column mapping)
    default_tlp      TEXT    NOT NULL DEFAULT 'amber',
    confidence       INTEGER NOT NULL DEFAULT 50,
    schedule_seconds INTEGER NOT NULL DEFAULT 3600,
    next_run_at      INTEGER NOT NULL DEFAULT 0,
    cursor           TEXT    NOT NULL DEFAULT '', -- where the next poll resumes (TAXII: added_after)
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_by       INTEGER REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX intel_sources_due ON intel_sources(next_run_at) WHERE enabled = 1;

CREATE TABLE intel_polls (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES intel_sources(id),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL DEFAULT 0,
    seen        INTEGER NOT NULL DEFAULT 0,
    added       INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    run_by      TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX intel_polls_source ON intel_polls(source_id, started_at);

-- One version of one STIX object (an SCO has one version: modified is '').
-- body is the object's JSON as it came in, unknown properties and all.
-- latest marks the newest version of each id. added_at orders TAXII pages.
CREATE TABLE intel_objects (
    id           INTEGER PRIMARY KEY,
    stix_id      TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    spec_version TEXT    NOT NULL DEFAULT '2.1',
    modified     TEXT    NOT NULL DEFAULT '',
    version_at   INTEGER NOT NULL DEFAULT 0, -- modified (else created) as a time, to order versions
    source_id    INTEGER REFERENCES intel_sources(id),
    org_id       INTEGER NOT NULL REFERENCES orgs(id),
    tlp          TEXT    NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    confidence   INTEGER NOT NULL DEFAULT -1,
    valid_from   INTEGER NOT NULL DEFAULT 0,
    valid_until  INTEGER NOT NULL DEFAULT 0,
    revoked      INTEGER NOT NULL DEFAULT 0,
    latest       INTEGER NOT NULL DEFAULT 1,
    body         TEXT    NOT NULL,
    added_at     INTEGER NOT NULL,
    -- the id the national index knows the object by: its first version's
    record_id    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (stix_id, modified)
) STRICT;
CREATE INDEX intel_objects_added ON intel_objects(added_at, id);
CREATE INDEX intel_objects_type ON intel_objects(type, added_at) WHERE latest = 1;
CREATE INDEX intel_objects_record ON intel_objects(record_id);
CREATE INDEX intel_objects_org ON intel_objects(org_id, added_at);

-- A record that holds a value an indicator names: the indicator was seen.
CREATE TABLE intel_sightings (
    object_id     INTEGER NOT NULL REFERENCES intel_objects(id),
    record_type   TEXT    NOT NULL,
    record_id     INTEGER NOT NULL,
    observable_id INTEGER NOT NULL REFERENCES observables(id),
    org_id        INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    PRIMARY KEY (object_id, record_type, record_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX intel_sightings_record ON intel_sightings(record_type, record_id);

-- koban's own TAXII collections: what each organisation may read or write,
-- and which objects each holds (an object may sit in several).
CREATE TABLE taxii_collections (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT    NOT NULL UNIQUE,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    org_id      INTEGER NOT NULL REFERENCES orgs(id), -- the police organisation that keeps it
    max_tlp     TEXT    NOT NULL DEFAULT 'green',     -- nothing stricter is served from it
    created_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE taxii_collection_access (
    collection_id INTEGER NOT NULL REFERENCES taxii_collections(id),
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    can_read      INTEGER NOT NULL DEFAULT 1,
    can_write     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (collection_id, org_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE taxii_collection_objects (
    collection_id INTEGER NOT NULL REFERENCES taxii_collections(id),
    object_id     INTEGER NOT NULL REFERENCES intel_objects(id),
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (collection_id, object_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX taxii_collection_objects_added ON taxii_collection_objects(collection_id, added_at, object_id);
CREATE TABLE taxii_status (
    id            TEXT    PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES taxii_collections(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    total         INTEGER NOT NULL,
    success       INTEGER NOT NULL DEFAULT 0,
    failure       INTEGER NOT NULL DEFAULT 0,
    pending       INTEGER NOT NULL DEFAULT 0,
    details       TEXT    NOT NULL DEFAULT '{}'
) STRICT;

-- +goose Down
DROP TABLE taxii_status;
DROP TABLE taxii_collection_objects;
DROP TABLE taxii_collection_access;
DROP TABLE taxii_collections;
DROP TABLE intel_sightings;
DROP TABLE intel_objects;
DROP TABLE intel_polls;
DROP TABLE intel_sources;
ALTER TABLE orgs DROP COLUMN default_tlp;
ALTER TABLE cluster_members DROP COLUMN tlp;
ALTER TABLE reports DROP COLUMN tlp;
