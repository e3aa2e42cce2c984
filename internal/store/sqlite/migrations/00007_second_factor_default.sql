-- +goose Up
-- Police organisations require a second factor by default: their officers
-- reach victims' names, e-mail addresses and phone numbers. Until now only
-- administrators had to enrol and every organisation started with the rule
-- off, so an organisation showing "optional" here had never chosen it; an
-- administrator can make it optional again, and that choice is audited.
-- Partner organisations' accounts cannot sign in to the web at all.
UPDATE orgs SET require_totp = 1 WHERE kind <> 'partner';
-- Where a session signed in from, for the officer's own list of sessions.
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sessions DROP COLUMN ip;
