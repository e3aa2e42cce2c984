-- +goose Up
-- International requests (issue 14): a request to or from an agency
-- abroad, belonging to a case; its Art. 29(2) fields, its identifiers
-- (JSON: type, value, UTC time, port) and the times its clock runs from.
CREATE TABLE foreign_requests (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    direction     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    country       TEXT    NOT NULL,
    counterpart   TEXT    NOT NULL DEFAULT '',
    regime        TEXT    NOT NULL DEFAULT '',
    their_ref     TEXT    NOT NULL DEFAULT '',
    authority     TEXT    NOT NULL DEFAULT '',
    offence       TEXT    NOT NULL DEFAULT '',
    data          TEXT    NOT NULL DEFAULT '',
    custodian     TEXT    NOT NULL DEFAULT '',
    necessity     TEXT    NOT NULL DEFAULT '',
    follow_up     INTEGER NOT NULL DEFAULT 0,
    identifiers   TEXT    NOT NULL DEFAULT '[]',
    note          TEXT    NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER NOT NULL DEFAULT 0,
    ack_at        INTEGER NOT NULL DEFAULT 0,
    preserved_at  INTEGER NOT NULL DEFAULT 0,
    followed_at   INTEGER NOT NULL DEFAULT 0,
    closed_at     INTEGER NOT NULL DEFAULT 0,
    renewals      INTEGER NOT NULL DEFAULT 0,
    reminded_at   INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX foreign_requests_case ON foreign_requests(case_id, id);
CREATE INDEX foreign_requests_org ON foreign_requests(org_id, id);

-- +goose Down
DROP TABLE foreign_requests;
