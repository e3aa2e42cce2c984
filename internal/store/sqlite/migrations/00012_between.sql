-- +goose Up
-- Between organisations (issue 11, part 5): a case referred to another
-- police organisation, organisations taking part in a joint case,
-- technical-support requests to analysis units, and the owners' answers to
-- access requests from the national index. Each shares records through a
-- grant (00008), named here so that it ends with what it serves.

-- A referral hands a case to another organisation, which accepts (and owns
-- it) or declines. While it waits, grant_id names the receiver's view +
-- accept grant. status: pending, accepted, declined, withdrawn. One
-- referral of a case waits at a time.
CREATE TABLE case_referrals (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    from_org_id INTEGER NOT NULL REFERENCES orgs(id),
    to_org_id   INTEGER NOT NULL REFERENCES orgs(id),
    reason      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    grant_id    INTEGER REFERENCES grants(id),
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    answered_by INTEGER REFERENCES users(id),
    answered_at INTEGER NOT NULL DEFAULT 0,
    answer      TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX case_referrals_case ON case_referrals(case_id, id);
CREATE INDEX case_referrals_to ON case_referrals(to_org_id, status, created_at);
CREATE INDEX case_referrals_from ON case_referrals(from_org_id, status, created_at);
CREATE UNIQUE INDEX case_referrals_pending ON case_referrals(case_id) WHERE status = 'pending';

-- An organisation taking part in a case owned by another, with a role
-- (joint, support) whose rights its grant carries. Removing it revokes the
-- grant; the row stays, with removed_at set.
CREATE TABLE case_parties (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    org_id     INTEGER NOT NULL REFERENCES orgs(id),
    role       TEXT    NOT NULL,
    grant_id   INTEGER NOT NULL REFERENCES grants(id),
    added_by   INTEGER REFERENCES users(id),
    added_at   INTEGER NOT NULL,
    removed_by INTEGER REFERENCES users(id),
    removed_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX case_parties_case ON case_parties(case_id, id);
CREATE UNIQUE INDEX case_parties_live ON case_parties(case_id, org_id) WHERE removed_at = 0;

-- 技術支援依頼: work asked of an analysis unit (or any police organisation)
-- on a case. status: requested, accepted, answered, declined. due_at is a
-- calendar day (midnight UTC), 0 for none; note_id the note the answer
-- became on the case.
CREATE TABLE support_requests (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    from_org_id  INTEGER NOT NULL REFERENCES orgs(id),
    to_org_id    INTEGER NOT NULL REFERENCES orgs(id),
    kind         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    due_at       INTEGER NOT NULL DEFAULT 0,
    status       TEXT    NOT NULL,
    grant_id     INTEGER REFERENCES grants(id),
    requested_by INTEGER REFERENCES users(id),
    requested_at INTEGER NOT NULL,
    accepted_by  INTEGER REFERENCES users(id),
    accepted_at  INTEGER NOT NULL DEFAULT 0,
    answered_by  INTEGER REFERENCES users(id),
    answered_at  INTEGER NOT NULL DEFAULT 0,
    answer       TEXT    NOT NULL DEFAULT '',
    note_id      INTEGER REFERENCES case_notes(id)
) STRICT;
CREATE INDEX support_requests_to ON support_requests(to_org_id, status, due_at);
CREATE INDEX support_requests_case ON support_requests(case_id, id);

-- The owner's answer to an access request (access_requests.status becomes
-- granted or refused): who, when, why, and until when the grants run.
CREATE TABLE access_answers (
    request_id  INTEGER PRIMARY KEY REFERENCES access_requests(id),
    answered_by INTEGER REFERENCES users(id),
    answered_at INTEGER NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    expires_at  INTEGER NOT NULL DEFAULT 0
) STRICT;
-- The grants an access request was answered with: one per record.
CREATE TABLE access_request_grants (
    request_id INTEGER NOT NULL REFERENCES access_requests(id),
    grant_id   INTEGER NOT NULL REFERENCES grants(id),
    PRIMARY KEY (request_id, grant_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX access_requests_requester ON access_requests(requester_id, created_at);

-- +goose Down
DROP INDEX access_requests_requester;
DROP TABLE access_request_grants;
DROP TABLE access_answers;
DROP TABLE support_requests;
DROP TABLE case_parties;
DROP TABLE case_referrals;
