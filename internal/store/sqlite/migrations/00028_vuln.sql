-- +goose Up
-- Vulnerability information for police IT (issue 16). The dictionary
-- (vulns: NVD, CVE 5 and JVN records; vuln_kev; vuln_epss) is one for the
-- whole installation and is written only by imports: an upsert changes a
-- row only when the record's digest differs, so re-importing unchanged
-- data changes nothing. vuln_products indexes each record by the
-- vendor:product pairs its configurations name vulnerable ('' for
-- criteria with wildcards), the way matching finds candidates. Assets
-- belong to organisations and are decided by the access rules like every
-- record; findings are an asset's matches, with their priority, due date
-- and status. None of this touches the national observable index.
CREATE TABLE vuln_sources (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,  -- nvd, cve5, jvnrss, vuldef, kev, epss
    location       TEXT    NOT NULL,  -- an http(s) address, or a file or folder on the server
    name           TEXT    NOT NULL,
    every_seconds  INTEGER NOT NULL DEFAULT 86400,
    enabled        INTEGER NOT NULL DEFAULT 1,
    gen            INTEGER NOT NULL DEFAULT 1,
    created_by     INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    etag           TEXT    NOT NULL DEFAULT '',
    last_modified  TEXT    NOT NULL DEFAULT '',  -- upstream's Last-Modified
    checked_at     INTEGER NOT NULL DEFAULT 0,
    ok_at          INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT    NOT NULL DEFAULT '',
    records        INTEGER NOT NULL DEFAULT 0,   -- read by the last import
    changed        INTEGER NOT NULL DEFAULT 0    -- rows it changed
) STRICT;
CREATE UNIQUE INDEX vuln_sources_location ON vuln_sources(kind, location);

CREATE TABLE vulns (
    id            TEXT    PRIMARY KEY,  -- CVE-… or JVNDB-…
    source        TEXT    NOT NULL,     -- nvd, cve5, jvn
    status        TEXT    NOT NULL DEFAULT '',
    title         TEXT    NOT NULL DEFAULT '',
    published     INTEGER NOT NULL DEFAULT 0,
    modified      INTEGER NOT NULL DEFAULT 0,   -- upstream's last modification
    fetched_at    INTEGER NOT NULL,
    score         REAL    NOT NULL DEFAULT 0,   -- the best CVSS base score (cvss.Best)
    severity      TEXT    NOT NULL DEFAULT '',
    body          TEXT    NOT NULL,             -- the record as JSON (descriptions, metrics, configurations, …)
    digest        TEXT    NOT NULL,             -- SHA-256 of body: an unchanged record is not written
    changed_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX vulns_changed ON vulns(changed_at);

CREATE TABLE vuln_products (
    product  TEXT NOT NULL,  -- vendor:product, lower case; '' when a criterion has wildcards there
    vuln_id  TEXT NOT NULL REFERENCES vulns(id) ON DELETE CASCADE,
    PRIMARY KEY (product, vuln_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX vuln_products_vuln ON vuln_products(vuln_id);

CREATE TABLE vuln_kev (
    cve_id      TEXT    PRIMARY KEY,
    vendor      TEXT    NOT NULL DEFAULT '',
    product     TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL DEFAULT '',
    date_added  INTEGER NOT NULL DEFAULT 0,
    due_date    INTEGER NOT NULL DEFAULT 0,
    ransomware  TEXT    NOT NULL DEFAULT '',
    body        TEXT    NOT NULL,
    digest      TEXT    NOT NULL,
    fetched_at  INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE vuln_epss (
    cve_id      TEXT    PRIMARY KEY,
    score       REAL    NOT NULL,
    percentile  REAL    NOT NULL,
    score_date  INTEGER NOT NULL DEFAULT 0,
    model       TEXT    NOT NULL DEFAULT '',
    fetched_at  INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE assets (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    name        TEXT    NOT NULL,
    version     TEXT    NOT NULL DEFAULT '',
    cpe         TEXT    NOT NULL DEFAULT '',
    purl        TEXT    NOT NULL DEFAULT '',
    product     TEXT    NOT NULL DEFAULT '',  -- vendor:product of its CPE (or guessed from its purl), lower case
    supplier    TEXT    NOT NULL DEFAULT '',
    exposure    TEXT    NOT NULL DEFAULT '',  -- internet, internal, '' unknown
    notes       TEXT    NOT NULL DEFAULT '',
    origin      TEXT    NOT NULL DEFAULT 'manual',  -- manual, csv, cyclonedx, spdx
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    matched_at  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX assets_org ON assets(org_id, name);
CREATE INDEX assets_product ON assets(product);

CREATE TABLE vuln_findings (
    id            INTEGER PRIMARY KEY,
    asset_id      INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),  -- the asset's owner, for the scope
    vuln_id       TEXT    NOT NULL,
    how           TEXT    NOT NULL,   -- exact, version-range, vendor-product
    confidence    TEXT    NOT NULL,   -- high, medium, low
    reason        TEXT    NOT NULL DEFAULT '',
    conditions    TEXT    NOT NULL DEFAULT '[]',
    criteria      TEXT    NOT NULL DEFAULT '',
    kev           INTEGER NOT NULL DEFAULT 0,
    epss          REAL    NOT NULL DEFAULT 0,
    score         REAL    NOT NULL DEFAULT 0,
    severity      TEXT    NOT NULL DEFAULT '',
    rank          INTEGER NOT NULL DEFAULT 0,  -- larger first: KEV, then EPSS, then CVSS
    due_date      INTEGER NOT NULL DEFAULT 0,
    status        TEXT    NOT NULL DEFAULT 'open',  -- open, mitigated, accepted, fixed
    status_reason TEXT    NOT NULL DEFAULT '',
    status_by     INTEGER REFERENCES users(id),
    status_at     INTEGER NOT NULL DEFAULT 0,
    first_seen    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    fixed_at      INTEGER NOT NULL DEFAULT 0,
    gone          INTEGER NOT NULL DEFAULT 0   -- the match no longer holds (dictionary or asset changed)
) STRICT;
CREATE UNIQUE INDEX vuln_findings_pair ON vuln_findings(asset_id, vuln_id);
CREATE INDEX vuln_findings_org ON vuln_findings(org_id, status, rank);
CREATE INDEX vuln_findings_vuln ON vuln_findings(vuln_id);

CREATE TABLE vuln_alerts (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    finding_id  INTEGER NOT NULL REFERENCES vuln_findings(id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL,   -- kev, epss
    created_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX vuln_alerts_once ON vuln_alerts(finding_id, reason);
CREATE INDEX vuln_alerts_org ON vuln_alerts(org_id, created_at);

-- +goose Down
DROP TABLE vuln_alerts;
DROP TABLE vuln_findings;
DROP TABLE assets;
DROP TABLE vuln_epss;
DROP TABLE vuln_kev;
DROP TABLE vuln_products;
DROP TABLE vulns;
DROP TABLE vuln_sources;
