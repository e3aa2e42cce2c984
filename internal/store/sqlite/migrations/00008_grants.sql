-- +goose Up
-- Grants share one record beyond its owner's line in the organisation tree:
-- a joint case, a referral waiting for acceptance, a unit asked for
-- technical support, a time-limited answer to an access request. A grant
-- goes to an organisation (and so to those above it) or to one account.
-- rights is a space-separated list with a space at each end (" view edit "),
-- so that one right is found with LIKE '% view %'. Grants are never
-- deleted: revoked_at ends one, expires_at (0: none) ends it by itself.
CREATE TABLE grants (
    id          INTEGER PRIMARY KEY,
    object_type TEXT    NOT NULL,
    object_id   INTEGER NOT NULL,
    org_id      INTEGER REFERENCES orgs(id),
    user_id     INTEGER REFERENCES users(id),
    rights      TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL DEFAULT 0,
    granted_by  INTEGER REFERENCES users(id),
    reason      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL DEFAULT 0,
    CHECK ((org_id IS NULL) <> (user_id IS NULL))
) STRICT;
CREATE INDEX grants_object ON grants(object_type, object_id);
CREATE INDEX grants_org ON grants(org_id, object_type, object_id) WHERE org_id IS NOT NULL;
CREATE INDEX grants_user ON grants(user_id, object_type, object_id) WHERE user_id IS NOT NULL;

-- +goose Down
DROP TABLE grants;
