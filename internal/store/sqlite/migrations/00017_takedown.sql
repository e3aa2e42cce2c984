-- +goose Up
-- Takedown requests (issue 13): a URL a provider is asked to take down,
-- from draft to a removal koban has seen for itself, with each look at the
-- URL kept (takedown_checks). ticket is the id in the mail's subject.
CREATE TABLE takedown_requests (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES orgs(id),
    ticket           TEXT    NOT NULL DEFAULT '',
    kind             TEXT    NOT NULL,
    target           TEXT    NOT NULL,
    fraud_type       TEXT    NOT NULL DEFAULT '',
    source_type      TEXT    NOT NULL DEFAULT '',
    source_id        INTEGER NOT NULL DEFAULT 0,
    note             TEXT    NOT NULL DEFAULT '',
    state            TEXT    NOT NULL,
    recipient_email  TEXT    NOT NULL DEFAULT '',
    recipient_name   TEXT    NOT NULL DEFAULT '',
    recipient_basis  TEXT    NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER NOT NULL DEFAULT 0,
    acknowledged_at  INTEGER NOT NULL DEFAULT 0,
    first_down_at    INTEGER NOT NULL DEFAULT 0,
    removed_at       INTEGER NOT NULL DEFAULT 0,
    reappeared_at    INTEGER NOT NULL DEFAULT 0,
    closed_at        INTEGER NOT NULL DEFAULT 0,
    -- The page as koban kept it before asking (preservation first): the
    -- body by SHA-256 in the file store, attached to the X-ARF report.
    evidence_sha256  TEXT    NOT NULL DEFAULT '',
    evidence_type    TEXT    NOT NULL DEFAULT '',
    preserved_at     INTEGER NOT NULL DEFAULT 0,
    preserve_error   TEXT    NOT NULL DEFAULT '',
    -- When the request went out in a mail (requests to one provider are
    -- gathered for KOBAN_TAKEDOWN_BATCH into one).
    mailed_at        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX takedown_requests_org ON takedown_requests(org_id, id);

CREATE TABLE takedown_checks (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES takedown_requests(id),
    at         INTEGER NOT NULL,
    status     INTEGER NOT NULL,
    down       INTEGER NOT NULL,
    detail     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX takedown_checks_request ON takedown_checks(request_id, at);

-- +goose Down
DROP TABLE takedown_checks;
DROP TABLE takedown_requests;
